"""Running one task: the code inside the child process, and the row it produces.

:func:`run_task` opens the instance through :meth:`UseCase.open`, runs
:meth:`UseCase.solve` and turns the :class:`~hybrid_workbench.usecase.Outcome` (or the error) into
one store row (:data:`ROW_COLUMNS` first). It never raises: a failing task is a row with
``status='error'`` and the error's type and message.

``python -m hybrid_workbench.batch.task TASK_JSON RESULT_JSON`` is how the runner calls it in a child
process: the child writes ``RESULT_JSON.started`` (a timestamp) once the instance is open
and the solve begins -- the moment the task's time limit counts from -- and then the row,
atomically, to ``RESULT_JSON``.

Examples:
    >>> from hybrid_workbench.batch.jobfile import Task
    >>> t = Task(task_id="t1", usecase="maxcut", instance="generate:size=6,seed=1",
    ...          backend="exact", repeat=0, seed=5, source={"generate": {"size": 6}, "seed": 1})
    >>> row = run_task(t)
    >>> row["status"], row["feasible"], row["objective"] == -row["energy"]
    ('optimal', True, True)
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any

from hybrid_workbench.batch.jobfile import Task

__all__ = ["ROW_COLUMNS", "EXTRA_COLUMNS", "run_task", "base_row"]

#: The contract columns of every result row, in this order.
ROW_COLUMNS = ("task_id", "usecase", "instance", "backend", "repeat", "seed", "status", "energy",
               "objective", "feasible", "wall_s", "error")
#: Further columns kept in the store.
EXTRA_COLUMNS = ("instance_name", "sense", "reference", "options", "time_limit", "solver_s",
                 "total_wall_s", "backend_version", "host", "finished_at", "outcome")


def base_row(task: Task) -> dict[str, Any]:
    """A row with the task's coordinates filled in and every result column empty."""
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS + EXTRA_COLUMNS)
    row.update(task_id=task.task_id, usecase=task.usecase, instance=task.instance,
               backend=task.backend, repeat=task.repeat, seed=task.seed,
               options=json.dumps(task.options, sort_keys=True), time_limit=task.time_limit,
               host=os.uname().nodename if hasattr(os, "uname") else None)
    return row


def _open(uc: Any, task: Task) -> Any:
    src = task.source
    if "generate" in src:
        return uc.open("generate:", seed=int(src["seed"]), **src["generate"])
    return uc.open(src.get("path") or src["name"], **task.params)


def run_task(task: Task, on_start: Callable[[], None] | None = None) -> dict[str, Any]:
    """Run one task in this process and return its row (never raises)."""
    from hybrid_workbench.registry import get_usecase

    row = base_row(task)
    start = time.perf_counter()
    try:
        uc = get_usecase(task.usecase)
        row["sense"] = uc.sense
        instance = _open(uc, task)
        row["instance_name"] = uc.instance_name(instance)
        reference = uc.reference(instance)
        row["reference"] = None if reference is None else float(reference)
        options = dict(task.options)
        # an explicit backend time_limit option wins; the job's limit is then the hard one
        limit = None if "time_limit" in options else task.time_limit
        if on_start is not None:
            on_start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outcome = uc.solve(instance, task.backend, seed=task.seed, options=options,
                               time_limit=limit, formulation_options=task.formulation)
        data = outcome.to_dict()
        row.update(status=data["status"], energy=data["energy"], objective=data["objective"],
                   feasible=data["feasible"], wall_s=data["wall_s"], solver_s=data["solver_s"],
                   total_wall_s=data["total_wall_s"], backend_version=data["backend_version"],
                   outcome=json.dumps(data, default=str))
    except Exception as exc:  # recorded, never raised: one failing task must not stop others
        row.update(status="error", error=f"{type(exc).__name__}: {exc}",
                   wall_s=time.perf_counter() - start,
                   outcome=json.dumps({"traceback": traceback.format_exc(limit=8)}))
    row["finished_at"] = time.time()
    return row


def _main(argv: list[str]) -> int:
    task_path, result_path = argv
    with open(task_path) as fh:
        task = Task.from_dict(json.load(fh))

    def started() -> None:
        with open(result_path + ".started", "w") as fh:
            fh.write(repr(time.time()))

    row = run_task(task, on_start=started)
    tmp = result_path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(row, fh, default=str)
    os.replace(tmp, result_path)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
