"""Running a job's tasks: local process pool or Dask cluster, each task in a killable child.

:func:`execute` is the unit of work on either executor: it runs one task (or one instance's
reference) in a fresh child process (``python -m hybrid_workbench.batch.task``, in its own
session) and waits. Once the child reports that its solve started, the task's time limit
counts; past ``limit + grace`` the child's whole process group is killed and the task
recorded as ``timeout``. A plain subprocess (rather than :mod:`multiprocessing`) is used
because Dask's worker processes are daemonic and may not start multiprocessing children.

:func:`run_batch` computes each instance's reference once, sends the tasks not yet in the
store to a :class:`~hybrid_workbench.batch.pool.LocalPool` or a Dask cluster, writes each
row as it arrives and shows a rich progress bar. A unit whose process dies -- a child or a
worker killed by a signal or the out-of-memory killer -- runs again (:data:`DEFAULT_RETRIES`
more times, counted in the row's ``attempts``); only then is it stored as ``crashed``, which
``hybrid batch --resume`` runs again. A task that fails by itself is stored as ``error``
at once. Seeds are fixed per task, so both executors give the same rows.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hybrid_workbench.batch.jobfile import JobFile
from hybrid_workbench.batch.pool import DaskPool, LocalPool
from hybrid_workbench.batch.store import CRASHED, ResultStore
from hybrid_workbench.batch.task import Task, base_row
from hybrid_workbench.errors import WorkbenchError

__all__ = ["execute", "run_batch", "BatchSummary", "grace_seconds", "STARTUP_LIMIT_S",
           "REFERENCE_LIMIT_S", "DEFAULT_RETRIES"]

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Seconds a child may take to import and open its instance before it counts as hung.
STARTUP_LIMIT_S = 300.0
#: Seconds an instance's reference (:meth:`UseCase.reference`) may take.
REFERENCE_LIMIT_S = 900.0
#: Times a unit runs again after its process died (signal, memory, a lost worker).
DEFAULT_RETRIES = 2
_POLL_S = 0.05


def grace_seconds(limit: float) -> float:
    """Extra time past the limit for a backend that honours it to return its best answer.

    Examples:
        >>> grace_seconds(1.0), grace_seconds(60.0)
        (1.0, 15.0)
    """
    return max(1.0, 0.25 * limit)


def _kill_group(proc: Any) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        proc.kill()
    proc.wait()


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


class _ForkedChild:
    """A forked child with the part of :class:`subprocess.Popen`'s interface used here."""

    def __init__(self, task_path: str, result_path: str, log_path: str) -> None:
        pid = os.fork()
        if pid == 0:  # the child: own session, output to the log, run, never return
            code = 1
            try:
                os.setsid()
                _die_with_parent()
                fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                from hybrid_workbench.batch.task import _main

                code = _main([task_path, result_path])
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> int:
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


#: Set in local pool workers (single-threaded, modules preloaded): tasks fork from them.
_FORK_WORKER = False


def _init_worker(usecases: list[str], backends: list[str]) -> None:
    """Pool-worker initialiser: preload the use cases and backends so forked tasks start fast."""
    global _FORK_WORKER
    from hybrid_workbench.registry import get_backend, get_usecase

    for name in usecases:
        get_usecase(name)
    for name in backends:
        for module in get_backend(name).requires:  # the solver packages, imported not run
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001 - the task itself will report it
                pass
    _FORK_WORKER = hasattr(os, "fork")
    _die_with_parent()  # the pool goes when the batch goes, and its tasks with it


def _unit(data: dict[str, Any]) -> dict[str, Any]:
    """A unit of work: ``{"kind": "task" | "reference", "task": Task.to_dict()}``."""
    return data if "kind" in data else {"kind": "task", "task": data}


def _lost_row(unit: dict[str, Any], status: str, error: str, wall_s: float | None) -> dict[str, Any]:
    """The row of a unit that produced none (timed out, or its process died)."""
    task = Task.from_dict(unit["task"])
    if unit["kind"] == "reference":
        return {"reference_id": task.reference_id, "usecase": task.usecase,
                "instance": task.instance, "status": "error" if status == "timeout" else status,
                "value": None, "wall_s": wall_s, "error": error}
    row = base_row(task)
    row.update(status=status, error=error, wall_s=wall_s, finished_at=time.time())
    return row


def execute(unit_data: dict[str, Any]) -> dict[str, Any]:
    """Run one unit (a task, or a reference) in a child process; return its row.

    ``unit_data`` is ``{"kind": "task" | "reference", "task": Task.to_dict()}`` (a bare
    ``Task.to_dict()`` is a task). In a local pool worker the child is forked from the
    worker (whose modules are already loaded); elsewhere (Dask workers) it is a fresh
    ``python -m hybrid_workbench.batch.task``. Never raises for a task's own failure:
    errors and timeouts are rows; a child killed by a signal gives a ``crashed`` row,
    which the runner retries.
    """
    unit = _unit(unit_data)
    task = Task.from_dict(unit["task"])
    if unit["kind"] == "reference":
        limit: float | None = REFERENCE_LIMIT_S
        grace = 0.0
    else:
        limit = task.time_limit
        grace = grace_seconds(limit) if limit is not None else 0.0
    workdir = tempfile.mkdtemp(prefix="hybrid-task-")
    unit_path = os.path.join(workdir, "unit.json")
    result_path = os.path.join(workdir, "row.json")
    log_path = os.path.join(workdir, "log.txt")
    with open(unit_path, "w") as fh:
        json.dump(unit, fh)
    begin = time.time()
    started: float | None = None
    timed_out = False
    try:
        proc: Any
        if _FORK_WORKER:
            proc = _ForkedChild(unit_path, result_path, log_path)
        else:
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "hybrid_workbench.batch.task", unit_path, result_path],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True)
        try:
            while proc.poll() is None:
                now = time.time()
                if started is None and os.path.exists(result_path + ".started"):
                    try:
                        with open(result_path + ".started") as fh:
                            started = float(fh.read() or now)
                    except (OSError, ValueError):
                        started = now
                if started is None:
                    deadline: float | None = begin + STARTUP_LIMIT_S
                elif limit is not None:
                    deadline = started + limit + grace
                else:
                    deadline = None
                if deadline is not None and now > deadline:
                    timed_out = True
                    _kill_group(proc)
                    break
                time.sleep(_POLL_S)
        finally:
            if proc.poll() is None:  # interrupted: leave no orphan behind
                _kill_group(proc)
        wall_s = time.time() - (started or begin)
        if timed_out:
            what = (f"time limit {limit:g} s (+{grace:g} s grace)"
                    if started is not None and limit is not None
                    else f"startup limit {STARTUP_LIMIT_S:g} s")
            return _lost_row(unit, "timeout", f"killed past its {what}", wall_s)
        if os.path.exists(result_path):
            with open(result_path) as fh:
                return json.load(fh)
        with open(log_path, "rb") as fh:
            tail = fh.read()[-600:].decode("utf-8", "replace").strip().replace("\n", " | ")
        code = proc.returncode
        how = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
        # a signal (the out-of-memory killer, a kill) is the machine's doing: retried;
        # a child that exits on its own without a row failed by itself
        return _lost_row(unit, CRASHED if code < 0 else "error",
                         f"child process {how} without a result; last output: "
                         f"{tail or '(none)'}", wall_s)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


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
