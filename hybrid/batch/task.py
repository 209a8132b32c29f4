"""One unit of batch work: a :class:`Task` (or an instance's reference), run in a child process.

A :class:`Task` is one solve -- a use case's instance on a backend, one repeat -- with a
stable id and a derived seed (:mod:`~hybrid_workbench.batch.jobfile` expands job files into
tasks). :func:`run_task` opens the instance through :meth:`UseCase.open`, runs
:meth:`UseCase.solve` and turns the :class:`~hybrid_workbench.usecase.Outcome` (or the error)
into one store row: :meth:`Result.to_row` plus the use case's columns, with the full
:class:`~hybrid_workbench.result.Result` as JSON in the ``result`` column (the schema is
:mod:`~hybrid_workbench.batch.store`'s). It never raises: a failing task is a row with
``status='error'``; running out of memory is an infrastructure failure (``'crashed'``) that
the runner retries.

:func:`run_reference` computes :meth:`UseCase.reference` once per (use case, instance): the
reference can be as costly as a solve (a 30 s CP-SAT run for AGV), so rows only refer to it
by :attr:`Task.reference_id`.

``python -m hybrid_workbench.batch.task UNIT_JSON RESULT_JSON`` is how the runner calls it in
a child process: the child writes ``RESULT_JSON.started`` (a timestamp) once the instance is
open and the solve begins -- the moment the task's time limit counts from -- and then its
row, atomically, to ``RESULT_JSON``.

Examples:
    >>> t = Task(task_id="t1", usecase="maxcut", instance="generate:size=6,seed=1",
    ...          backend="exact", repeat=0, seed=5, source={"generate": {"size": 6}, "seed": 1})
    >>> row = run_task(t)
    >>> row["status"], row["feasible"], row["objective"] == -row["energy"]
    ('optimal', True, True)
    >>> from hybrid_workbench.result import Result
    >>> Result.from_json(row["result"]).energy == row["energy"]
    True
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from hybrid_workbench.batch.store import CRASHED, empty_row
from hybrid_workbench.errors import WorkbenchError

__all__ = ["Task", "TaskRun", "run_task", "solve_task", "run_reference", "base_row",
           "reference_id"]


def reference_id(usecase: str, instance: str, params: Mapping[str, Any]) -> str:
    """The key of an instance's reference: a digest of what opens the instance."""
    text = json.dumps({"usecase": usecase, "instance": instance, "params": params},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Task:
    """One solve: a use case's instance on a backend, one repeat.

    Attributes:
        task_id: stable digest of everything that determines the answer.
        usecase, instance, backend, repeat, seed: its coordinates (``instance`` as written
            in the job file, or ``generate:...`` for generated ones).
        source: how to open the instance: ``{"path": abs}``, ``{"name": n}`` or
            ``{"generate": {...}, "seed": n}``.
        options: backend options; time_limit: seconds per solve (None: no limit).
        formulation: formulation options; params: instance parameters for ``load``.
    """

    task_id: str
    usecase: str
    instance: str
    backend: str
    repeat: int
    seed: int
    source: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    time_limit: float | None = None
    formulation: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def reference_id(self) -> str:
        """Key of this task's instance in the store's ``references`` table."""
        return reference_id(self.usecase, self.instance, self.params)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Task:
        return cls(**dict(data))


@dataclass(frozen=True)
class TaskRun:
    """A task's store row and, when the solve produced one, its :class:`Outcome`."""

    row: dict[str, Any]
    outcome: Any = None


def base_row(task: Task) -> dict[str, Any]:
    """A row with the task's coordinates filled in and every result column empty."""
    row = empty_row()
    row.update(task_id=task.task_id, usecase=task.usecase, instance=task.instance,
               backend=task.backend, repeat=task.repeat, seed=task.seed,
               reference_id=task.reference_id, options=json.dumps(task.options, sort_keys=True),
               time_limit=task.time_limit, attempts=1,
               host=os.uname().nodename if hasattr(os, "uname") else None)
    return row


def _open(uc: Any, source: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
    if "generate" in source:
        return uc.open("generate:", seed=int(source["seed"]), **source["generate"])
    return uc.open(source.get("path") or source["name"], **params)


def _failure(row: dict[str, Any], exc: BaseException, start: float) -> None:
    if isinstance(exc, MemoryError):  # the machine's state, not the task's: retried
        row.update(status=CRASHED, error=f"out of memory ({exc or 'no detail'})")
    elif isinstance(exc, WorkbenchError):  # refused or failed on purpose: its sentence
        row.update(status="error", error=str(exc))
    else:  # a bug: the type helps whoever reads the traceback kept in ``outcome``
        row.update(status="error", error=f"{type(exc).__name__}: {exc}")
    row.update(wall_s=time.perf_counter() - start,
               outcome=json.dumps({"traceback": traceback.format_exc(limit=8)}))


def solve_task(task: Task, on_start: Callable[[], None] | None = None) -> TaskRun:
    """Run one task in this process: its row and its :class:`Outcome` (never raises)."""
    from hybrid_workbench.registry import get_usecase

    row = base_row(task)
    start = time.perf_counter()
    outcome = None
    try:
        uc = get_usecase(task.usecase)
        row["sense"] = uc.sense
        instance = _open(uc, task.source, task.params)
        row["instance_name"] = uc.instance_name(instance)
        options = dict(task.options)
        # an explicit backend time_limit option wins; the job's limit is then the hard one
        limit = None if "time_limit" in options else task.time_limit
        # the watchdog's clock starts with the backend's deadline: after checks, the
        # formulation and the one-time set-up, which the time limit does not cover
        started = None if on_start is None else (lambda deadline: on_start())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outcome = uc.solve(instance, task.backend, seed=task.seed, options=options,
                               time_limit=limit, formulation_options=task.formulation,
                               on_start=started)
        result = outcome.result
        row.update({k: v for k, v in result.to_row().items() if k in row})
        data = outcome.to_dict()
        row.update(objective=data["objective"], feasible=data["feasible"],
                   total_wall_s=data["total_wall_s"], result=result.to_json(),
                   outcome=json.dumps({k: data[k] for k in ("solution", "metrics", "formulation")},
                                      default=str))
    except Exception as exc:  # recorded, never raised: one failing task must not stop others
        _failure(row, exc, start)
    row["finished_at"] = time.time()
    return TaskRun(row=row, outcome=outcome)


def run_task(task: Task, on_start: Callable[[], None] | None = None) -> dict[str, Any]:
    """Run one task in this process and return its row (never raises)."""
    return solve_task(task, on_start).row


def run_reference(task: Task) -> dict[str, Any]:
    """The reference row of ``task``'s instance (never raises).

    Keys: ``reference_id``, ``usecase``, ``instance``, ``status`` (``'ok'``, ``'error'`` or
    ``'crashed'``), ``value`` (None where the use case knows none), ``wall_s``, ``error``.
    """
    from hybrid_workbench.registry import get_usecase

    row: dict[str, Any] = {"reference_id": task.reference_id, "usecase": task.usecase,
                           "instance": task.instance, "status": "ok", "value": None,
                           "wall_s": None, "error": None}
    start = time.perf_counter()
    try:
        uc = get_usecase(task.usecase)
        instance = _open(uc, task.source, task.params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = uc.reference(instance)
        row["value"] = None if value is None else float(value)
    except Exception as exc:  # noqa: BLE001 - recorded: a report falls back to the best seen
        scratch: dict[str, Any] = {}
        _failure(scratch, exc, start)
        row.update(status=scratch["status"], error=scratch["error"])
    row["wall_s"] = time.perf_counter() - start
    return row


def run_unit(unit: Mapping[str, Any], on_start: Callable[[], None] | None = None) -> dict[str, Any]:
    """Run a runner's unit of work: ``{"kind": "task" | "reference", "task": {...}}``."""
    task = Task.from_dict(unit["task"])
    if unit.get("kind") == "reference":
        if on_start is not None:
            on_start()
        return run_reference(task)
    return run_task(task, on_start)


def _main(argv: list[str]) -> int:
    unit_path, result_path = argv
    with open(unit_path) as fh:
        unit = json.load(fh)

    def started() -> None:
        with open(result_path + ".started", "w") as fh:
            fh.write(repr(time.time()))

    row = run_unit(unit, on_start=started)
    tmp = result_path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(row, fh, default=str)
    os.replace(tmp, result_path)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
