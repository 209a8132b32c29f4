"""Running a job's tasks: local process pool or Dask cluster, each task in a killable child.

:func:`~hybrid_workbench.batch.worker.execute` (in :mod:`hybrid_workbench.batch.worker`)
is the unit of work on either executor: one task, or one instance's reference, in a
killable child with its time limit kept.

:func:`run_batch` computes each instance's reference once, sends the tasks not yet in the
store to a :class:`~hybrid_workbench.batch.pool.LocalPool` or a Dask cluster, writes each
row as it arrives and shows a rich progress bar. A unit whose process dies -- a child or a
worker killed by a signal or the out-of-memory killer -- runs again (:data:`DEFAULT_RETRIES`
more times, counted in the row's ``attempts``); only then is it stored as ``crashed``, which
``hybrid batch --resume`` runs again. A task that fails by itself is stored as ``error``
at once. Seeds are fixed per task, so both executors give the same rows.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hybrid_workbench.batch.jobfile import JobFile
from hybrid_workbench.batch.pool import DaskPool, LocalPool
from hybrid_workbench.batch.store import CRASHED, ResultStore
from hybrid_workbench.batch.task import Task
from hybrid_workbench.batch.worker import (
    DEFAULT_RETRIES,
    REFERENCE_LIMIT_S,
    STARTUP_LIMIT_S,
    _lost_row,
    execute,
    grace_seconds,
)
from hybrid_workbench.errors import WorkbenchError

__all__ = ["execute", "run_batch", "BatchSummary", "grace_seconds", "STARTUP_LIMIT_S",
           "REFERENCE_LIMIT_S", "DEFAULT_RETRIES"]

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

@dataclass
class BatchSummary:
    """What a run did.

    Attributes:
        total, skipped, ran: tasks in the job, already stored, run now.
        statuses: count of each final status among the tasks run now.
        run_id: the run's id in the store.
        wall_s: seconds the run took.
        references: instance references computed now.
        retries: units run again after their process died.
    """

    total: int
    skipped: int
    ran: int
    statuses: dict[str, int]
    run_id: str | None
    wall_s: float
    references: int = 0
    retries: int = 0


def _progress(enabled: bool, total: int) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[last]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), disable=not enabled, transient=False)


def run_batch(job: JobFile, store: ResultStore, *, workers: int | None = None,
              scheduler: str | None = None, progress: bool = True, retries: int = DEFAULT_RETRIES,
              retry_crashed: bool = False,
              on_row: Callable[[dict[str, Any]], None] | None = None) -> BatchSummary:
    """Run every task of ``job`` not yet in ``store``, storing each row as it finishes.

    Each instance's reference is computed once (if not stored yet) as a unit of its own.
    A unit whose process dies (signal, memory, a lost worker) runs again, up to ``retries``
    more times; after that a task is stored as ``crashed``. ``retry_crashed`` first
    forgets this job's stored ``crashed`` rows, so they run again (``--resume``).
    """
    if retries < 0:
        raise WorkbenchError(f"retries must be 0 or more, got {retries}")
    start = time.perf_counter()
    if retry_crashed:
        ids = {t.task_id for t in job.tasks}
        store.forget(store.infrastructure_failures() & ids)
    done = store.done_ids()
    todo = [t for t in job.tasks if t.task_id not in done]
    have_refs = store.reference_ids()
    refs: dict[str, Task] = {}
    for t in job.tasks:
        if t.reference_id not in have_refs:
            refs.setdefault(t.reference_id, t)
    workers = max(1, workers or os.cpu_count() or 1)
    run_id = store.begin_run(job_name=job.name, job_source=job.source, job_sha256=job.sha256,
                             scheduler=scheduler or f"local:{workers}",
                             workers=None if scheduler else workers, total=len(job.tasks),
                             todo=len(todo), backends=())
    units = {f"ref:{rid}": {"kind": "reference", "task": t.to_dict()} for rid, t in refs.items()}
    units.update({f"task:{t.task_id}": {"kind": "task", "task": t.to_dict()} for t in todo})
    statuses: dict[str, int] = {}
    attempts = dict.fromkeys(units, 0)
    retried = 0
    if units:
        pool: Any = (DaskPool(scheduler) if scheduler else
                     LocalPool(min(workers, len(units)), {t.usecase for t in job.tasks},
                               {t.backend for t in todo}))
        try:
            for key, unit in units.items():  # references first: they may take longest
                pool.submit(key, unit)
            with _progress(progress, len(units)) as bar:
                bar_id = bar.add_task(job.name, total=len(units), last="")
                pending = len(units)
                while pending:
                    key, row, failure = pool.next_done()
                    unit = units[key]
                    attempts[key] += 1
                    if row is None:
                        row = _lost_row(unit, CRASHED, str(failure), None)
                    if row.get("status") == CRASHED and attempts[key] <= retries:
                        log.warning("%s: %s; running it again (attempt %d of %d)", key,
                                    row.get("error"), attempts[key] + 1, retries + 1)
                        retried += 1
                        pool.submit(key, unit)
                        continue
                    pending -= 1
                    if row.get("status") == CRASHED:
                        row["error"] = f"{row.get('error')} (on each of {attempts[key]} attempts)"
                    task = Task.from_dict(unit["task"])
                    if unit["kind"] == "reference":
                        store.add_reference(row)
                        last = f"reference of {task.instance[:28]}: {row['status']}"
                    else:
                        row["attempts"] = attempts[key]
                        store.add(row, run_id=run_id)
                        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
                        last = f"{task.backend} on {task.instance[:28]}: {row['status']}"
                        if on_row is not None:
                            on_row(row)
                    bar.update(bar_id, advance=1, last=last)
        finally:
            pool.close()
    store.end_run(run_id)
    return BatchSummary(total=len(job.tasks), skipped=len(job.tasks) - len(todo), ran=len(todo),
                        statuses=statuses, run_id=run_id, wall_s=time.perf_counter() - start,
                        references=len(refs), retries=retried)
