"""Executors for batch units that survive a lost worker: a local process pool and Dask.

Both give the same small interface to :func:`~hybrid_workbench.batch.runner.run_batch`:
``submit(key, unit)``, ``next_done() -> (key, row | None, failure | None)`` and ``close()``.
A failure is a sentence saying how the process running the unit was lost; the runner then
retries the unit (a lost worker is the machine's failure, never the task's).

:class:`LocalPool` keeps one pipe per worker process, so when a worker dies (SIGKILL, the
out-of-memory killer) only the unit it held is affected: that unit comes back as a failure
and a fresh worker takes the dead one's place, while the other workers carry on. (A
:class:`concurrent.futures.ProcessPoolExecutor` instead breaks as a whole and fails every
pending future with ``BrokenProcessPool``.) Workers are started with ``forkserver`` on
Linux (``spawn`` elsewhere), preload the use cases and backends of the job, and fork each
unit's child from there.

:class:`DaskPool` submits to ``distributed.Client(address)``; a unit whose worker was lost
more often than the scheduler allows comes back as a failure too.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hybrid_workbench.errors import WorkbenchError

__all__ = ["LocalPool", "DaskPool"]


def _worker_main(conn: Any, usecases: list[str], backends: list[str]) -> None:
    """A local worker: preload, then run units from the pipe until told to stop."""
    from hybrid_workbench.batch.worker import _init_worker, execute

    try:
        _init_worker(usecases, backends)
    except Exception:  # noqa: BLE001 - each task reports its own import problem
        pass
    while True:
        try:
            unit = conn.recv()
        except (EOFError, OSError):  # the batch is gone
            return
        if unit is None:
            return
        conn.send(execute(unit))


@dataclass
class _Worker:
    process: Any
    conn: Any
    key: str | None = None


def _how(exitcode: int | None) -> str:
    if exitcode is None:
        return "stopped answering"
    if exitcode < 0:
        import signal

        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"was killed by {name} (signal {-exitcode})"
    return f"exited with code {exitcode}"


class LocalPool:
    """``workers`` local processes, each replaced when it dies.

    Args:
        workers: number of worker processes (at least 1).
        usecases, backends: names the workers preload.
    """

    def __init__(self, workers: int, usecases: Iterable[str] = (),
                 backends: Iterable[str] = ()) -> None:
        import multiprocessing

        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self._ctx = multiprocessing.get_context(method)
        self._args = (sorted(usecases), sorted(backends))
        self._queue: deque[tuple[str, Any]] = deque()
        self._units: dict[str, Any] = {}
        self._idle_deaths = 0
        self._size = max(1, int(workers))
        self.replaced = 0
        self.workers = [self._start() for _ in range(self._size)]

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, args=(child, *self._args), daemon=True,
                                 name="hybrid-batch-worker")
        proc.start()
        child.close()
        return _Worker(proc, parent)

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.process.pid for w in self.workers]

    def submit(self, key: str, unit: Any) -> None:
        self._units[key] = unit
        self._queue.append((key, unit))
        self._dispatch()

    def _dispatch(self) -> None:
        for w in self.workers:
            if not self._queue:
                return
            if w.key is None and w.process.is_alive():
                key, unit = self._queue.popleft()
                try:
                    w.conn.send(unit)
                except (OSError, ValueError):  # died a moment ago: noticed by next_done
                    self._queue.appendleft((key, unit))
                    continue
                w.key = key

    def _replace(self, w: _Worker) -> tuple[str | None, str]:
        """Swap a dead worker for a fresh one; the key it held and how it died."""
        w.process.join(timeout=5)
        how = _how(w.process.exitcode)
        w.conn.close()
        key = w.key
        if key is None:
            self._idle_deaths += 1
            if self._idle_deaths > 3 * self._size:
                raise WorkbenchError(f"local worker processes keep dying before taking a task "
                                     f"(the last one {how}); see the log above")
        self.workers[self.workers.index(w)] = self._start()
        self.replaced += 1
        return key, how

    def next_done(self) -> tuple[str, dict[str, Any] | None, str | None]:
        """Wait for the next unit to finish, or for the worker running it to die."""
        from multiprocessing.connection import wait

        while True:
            busy = [w for w in self.workers if w.key is not None]
            if not busy and not self._queue:
                raise WorkbenchError("nothing submitted to wait for")
            watch = {w.conn: w for w in busy}
            watch.update({w.process.sentinel: w for w in self.workers})
            for obj in wait(list(watch), timeout=1.0):
                w = watch[obj]
                if w not in self.workers:  # replaced earlier in this round
                    continue
                if w.key is not None and w.conn.poll():
                    try:
                        row = w.conn.recv()
                    except (EOFError, OSError):
                        row = None
                    if row is not None:
                        key, w.key = w.key, None
                        self._units.pop(key, None)
                        self._dispatch()
                        return key, row, None
                if not w.process.is_alive():
                    key, how = self._replace(w)
                    self._dispatch()
                    if key is not None:
                        self._units.pop(key, None)
                        return key, None, f"the worker process running it {how}"
            self._dispatch()

    def close(self) -> None:
        """Stop every worker (and with them any unit child still running)."""
        for w in self.workers:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        for w in self.workers:
            if w.key is not None:  # interrupted mid-unit: do not wait for it
                w.process.kill()
            w.process.join(timeout=5)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=5)
            w.conn.close()


class DaskPool:
    """Units on a Dask cluster at ``address`` (``tcp://host:port``)."""

    def __init__(self, address: str) -> None:
        from hybrid_workbench._optional import require

        self._distributed = require("distributed", extra="dask", purpose="hybrid batch --scheduler")
        _reachable(address)
        try:
            self._client = self._distributed.Client(address, timeout="15s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise WorkbenchError(f"cannot reach the Dask scheduler at {address!r}: {exc}; start "
                                 "one with `dask scheduler` and `dask worker ADDRESS`") from None
        self._done = self._distributed.as_completed()
        self._keys: dict[Any, str] = {}
        self._tries = 0

    def submit(self, key: str, unit: Any) -> None:
        from hybrid_workbench.batch.worker import execute

        self._tries += 1
        fut = self._client.submit(execute, unit, key=f"hybrid-{key}-{os.getpid()}-{self._tries}",
                                  pure=False)
        self._keys[fut] = key
        self._done.add(fut)

    def next_done(self) -> tuple[str, dict[str, Any] | None, str | None]:
        fut = next(self._done)
        key = self._keys.pop(fut)
        try:
            return key, fut.result(), None
        except Exception as exc:  # noqa: BLE001 - the cluster lost it (KilledWorker...)
            return key, None, f"the Dask cluster lost it: {exc}"

    def close(self) -> None:
        self._client.close()


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
