"""The worker side of a batch: one unit (a task, or an instance's reference) in a killable child.

:func:`execute` is the unit of work on either executor (the local pool in
:mod:`hybrid_workbench.batch.pool`, or a Dask cluster): it runs one unit in a fresh child
process (``python -m hybrid_workbench.batch.task``, in its own session) and waits. Once the
child reports that its solve started, the task's time limit counts; past ``limit + grace``
the child's whole process group is killed and the task recorded as ``timeout``. A plain
subprocess (rather than :mod:`multiprocessing`) is used because Dask's worker processes
are daemonic and may not start multiprocessing children. Kept apart from the runner so the
pool and the runner both import it and neither imports the other.
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
from typing import Any

from hybrid_workbench.batch.store import CRASHED
from hybrid_workbench.batch.task import Task, base_row

__all__ = ["execute", "grace_seconds", "STARTUP_LIMIT_S", "REFERENCE_LIMIT_S",
           "DEFAULT_RETRIES"]

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


