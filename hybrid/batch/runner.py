"""Running a job's tasks: local process pool or Dask cluster, each task in a killable child.

:func:`execute` is the unit of work on either executor: it runs one task in a fresh child
process (``python -m hybrid_workbench.batch.task``, in its own session) and waits. Once the child
reports that its solve started, the task's time limit counts; past ``limit + grace`` the
child's whole process group is killed and the task recorded as ``timeout``. A child that
crashes (segfault, out of memory) is recorded as ``error`` with its last output. A plain
subprocess (rather than :mod:`multiprocessing`) is used because Dask's worker processes are
daemonic and may not start multiprocessing children.

:func:`run_batch` sends the tasks not yet in the store to a
:class:`concurrent.futures.ProcessPoolExecutor` (``forkserver`` context on Linux, ``spawn``
elsewhere) or to ``distributed.Client(address)``, writes each row as it arrives and shows
a rich progress bar. Seeds are fixed per task, so both executors give the same rows.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hybrid_workbench.batch.jobfile import JobFile, Task
from hybrid_workbench.batch.store import ResultStore
from hybrid_workbench.batch.task import base_row
from hybrid_workbench.errors import WorkbenchError

__all__ = ["execute", "run_batch", "BatchSummary", "grace_seconds", "STARTUP_LIMIT_S"]

#: Seconds a child may take to import and open its instance before it counts as hung.
STARTUP_LIMIT_S = 300.0
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


def execute(task_data: dict[str, Any]) -> dict[str, Any]:
    """Run one task (given as :meth:`Task.to_dict`) in a child process; return its row.

    In a local pool worker the child is forked from the worker (whose modules are already
    loaded); elsewhere (Dask workers) it is a fresh ``python -m hybrid_workbench.batch.task``.
    Never raises for a task's own failure: errors, crashes and timeouts are rows.
    """
    task = Task.from_dict(task_data)
    workdir = tempfile.mkdtemp(prefix="hybrid-task-")
    task_path = os.path.join(workdir, "task.json")
    result_path = os.path.join(workdir, "row.json")
    log_path = os.path.join(workdir, "log.txt")
    with open(task_path, "w") as fh:
        json.dump(task.to_dict(), fh)
    begin = time.time()
    started: float | None = None
    timed_out = False
    try:
        proc: Any
        if _FORK_WORKER:
            proc = _ForkedChild(task_path, result_path, log_path)
        else:
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "hybrid_workbench.batch.task", task_path, result_path],
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
                elif task.time_limit is not None:
                    deadline = started + task.time_limit + grace_seconds(task.time_limit)
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
        if timed_out:
            row = base_row(task)
            what = (f"time limit {task.time_limit:g} s (+{grace_seconds(task.time_limit):g} s grace)"
                    if started is not None and task.time_limit is not None
                    else f"startup limit {STARTUP_LIMIT_S:g} s")
            row.update(status="timeout", error=f"killed past its {what}",
                       wall_s=time.time() - (started or begin), finished_at=time.time())
            return row
        if os.path.exists(result_path):
            with open(result_path) as fh:
                return json.load(fh)
        with open(log_path, "rb") as fh:
            tail = fh.read()[-600:].decode("utf-8", "replace").strip().replace("\n", " | ")
        code = proc.returncode
        how = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
        row = base_row(task)
        row.update(status="error", error=f"child process {how} without a result; last output: "
                                         f"{tail or '(none)'}",
                   wall_s=time.time() - (started or begin), finished_at=time.time())
        return row
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class BatchSummary:
    """What a run did."""

    total: int
    skipped: int
    ran: int
    statuses: dict[str, int]
    run_id: str | None
    wall_s: float


def _progress(enabled: bool, total: int) -> Any:
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[last]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), disable=not enabled, transient=False)


def _local(todo: list[Task], workers: int) -> Iterable[tuple[Task, dict[str, Any]]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    usecases = sorted({t.usecase for t in todo})
    backends = sorted({t.backend for t in todo})
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(usecases, backends)) as pool:
        futures = {pool.submit(execute, t.to_dict()): t for t in todo}
        try:
            for fut in as_completed(futures):
                yield futures[fut], _row_of(futures[fut], fut)
        finally:
            for fut in futures:
                fut.cancel()


def _reachable(address: str) -> None:
    """Fail fast, with one clear line, when nothing listens at a tcp:// scheduler address."""
    import socket
    from urllib.parse import urlsplit

    if not address.startswith("tcp://"):
        return
    parts = urlsplit(address)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or not port:
        raise WorkbenchError(f"bad Dask scheduler address {address!r}; expected tcp://HOST:PORT")
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as exc:
        raise WorkbenchError(f"cannot reach the Dask scheduler at {address!r}: {exc}; start one "
                             "with `dask scheduler` and `dask worker ADDRESS`") from None


def _dask(todo: list[Task], address: str) -> Iterable[tuple[Task, dict[str, Any]]]:
    from hybrid_workbench._optional import require

    distributed = require("distributed", extra="dask", purpose="hybrid batch --scheduler")
    _reachable(address)
    try:
        client = distributed.Client(address, timeout="15s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise WorkbenchError(f"cannot reach the Dask scheduler at {address!r}: {exc}; start one "
                             "with `dask scheduler` and `dask worker ADDRESS`") from None
    try:
        futures = {client.submit(execute, t.to_dict(), key=f"hybrid-task-{t.task_id}-{os.getpid()}",
                                 pure=False): t for t in todo}
        for fut in distributed.as_completed(list(futures)):
            yield futures[fut], _row_of(futures[fut], fut)
    finally:
        client.close()


def _row_of(task: Task, fut: Any) -> dict[str, Any]:
    try:
        return fut.result()
    except Exception as exc:  # the executor itself failed for this task
        row = base_row(task)
        row.update(status="error", error=f"executor: {type(exc).__name__}: {exc}",
                   finished_at=time.time())
        return row


def run_batch(job: JobFile, store: ResultStore, *, workers: int | None = None,
              scheduler: str | None = None, progress: bool = True,
              on_row: Callable[[dict[str, Any]], None] | None = None) -> BatchSummary:
    """Run every task of ``job`` not yet in ``store``, storing each row as it finishes."""
    start = time.perf_counter()
    done = store.done_ids()
    todo = [t for t in job.tasks if t.task_id not in done]
    workers = max(1, workers or os.cpu_count() or 1)
    run_id = store.begin_run(job_name=job.name, job_source=job.source, job_sha256=job.sha256,
                             scheduler=scheduler or f"local:{workers}",
                             workers=None if scheduler else workers, total=len(job.tasks),
                             todo=len(todo), backends=())
    statuses: dict[str, int] = {}
    if todo:
        rows = _dask(todo, scheduler) if scheduler else _local(todo, min(workers, len(todo)))
        with _progress(progress, len(todo)) as bar:
            bar_id = bar.add_task(job.name, total=len(todo), last="")
            for task, row in rows:
                store.add(row, run_id=run_id)
                statuses[row["status"]] = statuses.get(row["status"], 0) + 1
                bar.update(bar_id, advance=1,
                           last=f"{task.backend} on {task.instance[:28]}: {row['status']}")
                if on_row is not None:
                    on_row(row)
    store.end_run(run_id)
    return BatchSummary(total=len(job.tasks), skipped=len(job.tasks) - len(todo), ran=len(todo),
                        statuses=statuses, run_id=run_id, wall_s=time.perf_counter() - start)
