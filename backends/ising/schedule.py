"""The length of an annealing schedule against a deadline, and the best-so-far trace.

An anneal (SB's pump rising from 0 to ``a0``, SA's inverse temperature from hot to cold)
is a schedule of steps; step ``k`` of a schedule of length ``L`` sits at position
``k / L``. :class:`Schedule` says how many steps run and where each one sits:

* **fixed** (no time limit, or a fixed length): ``L`` steps at positions ``k / L``,
  exactly, so a seed repeats. A time limit then only caps: the run stops at the first
  check past the deadline (``timed_out``);
* **filling** (a time limit and no fixed length, the default): the schedule spends the
  limit and *completes* by it. After every chunk of steps the rest of the schedule is
  re-planned from the step rate measured over the recent past: the fraction still to go
  is spread over as many steps as fit before the deadline, minus a margin for the final
  polish and read-out (what the preparation took, or 3 % of the limit). A slower (or busier) machine gets fewer, larger steps, never a schedule cut
  with the pump half raised or the temperature still hot. Positions stay monotone:
  re-planning rescales the length ``L`` and the position together.

One long schedule is what a fixed budget is best spent on for rare low-energy states:
on G22 (dSB, 64 replicas), 0 of 384 replicas reached the best-known cut at 2000 steps,
1 at 8000, 4 at 30000.

:class:`TraceRecorder` keeps :class:`~hybrid_workbench.deadline.Trace` points at the
schedule's checks, throttled so that evaluating energies costs at most a few percent of
the run.

Examples:
    >>> from hybrid_workbench.deadline import Deadline
    >>> plan = Schedule(100, 1000, Deadline.start(None), fill=False)
    >>> plan.next_count(30), plan.position(), plan.total
    (30, 0.0, 100.0)
    >>> plan.advance(30); plan.position()
    30.0
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from hybrid_workbench.deadline import Deadline, Trace, grace_s

__all__ = ["Schedule", "TraceRecorder"]


class Schedule:
    """Steps of one anneal: how many to run next, where each sits, when to stop.

    Args:
        length: a fixed length, or None (``default``, or filled).
        default: the length when neither fixed nor filled.
        deadline: the solve's deadline.
        fill: spend the deadline's limit (ignored without a limit or with a fixed length).
        minimum: the shortest schedule a filling run completes when time is short, as far
            as a quarter of the grace past the deadline allows.
    """

    MARGIN = 0.03       #: fraction of the limit left for the final polish and read-out
    PROVISIONAL = 1e9   #: a filling schedule's length before the first measurement

    def __init__(self, length: int | None, default: int, deadline: Deadline, fill: bool,
                 minimum: int = 20) -> None:
        self.deadline = deadline
        self.fill = bool(fill and deadline.limited and length is None)
        self.total = self.PROVISIONAL if self.fill else float(length or default)
        self.pos = 0.0
        self.steps = 0
        self.minimum = minimum
        self.timed_out = False
        margin = self.MARGIN * deadline.limit_s if deadline.limit_s is not None else 0.0
        self.stop_at = deadline.at - margin
        self.grace = grace_s(deadline.limit_s) if deadline.limit_s is not None else 0.0
        self.rate: float | None = None  #: steps per second, once measured
        self._window: deque[tuple[int, float]] = deque()
        self._started = math.nan

    @property
    def finished(self) -> bool:
        """Whether every step of the schedule has run (or the cap stopped it)."""
        return self.timed_out or self.pos >= self.total - 1e-9

    @property
    def length(self) -> int:
        """Steps the schedule has (or will have, as planned now)."""
        return self.steps + max(0, math.ceil(self.total - self.pos - 1e-9))

    def position(self) -> float:
        """Position of the next step in a schedule of length :attr:`total`."""
        return self.pos

    def next_count(self, chunk: int) -> int:
        """Steps of the next chunk: at most ``chunk``, at most what is left."""
        return max(1, min(chunk, math.ceil(self.total - self.pos - 1e-9)))

    def start(self, now: float | None = None) -> None:
        """Mark the start of the steps (the rate is measured from here).

        What ran before (model conversion, spectral estimates, packing) scales like the
        read-out after the anneal (polish, energies, samples), so it is also kept free at
        the end: the steps stop that long before the deadline (at most half the limit),
        or the :attr:`MARGIN`, whichever is more.
        """
        self._started = time.perf_counter() if now is None else now
        self._window.append((0, self._started))
        if self.deadline.limit_s is not None:
            prep = min(self._started - self.deadline.started, 0.5 * self.deadline.limit_s)
            self.stop_at = min(self.stop_at, self.deadline.at - prep)

    def advance(self, count: int) -> None:
        """``count`` steps have run."""
        self.pos += count
        self.steps += count

    def check(self, now: float) -> bool:
        """After a chunk: re-plan (filling) or stop at the deadline (capping).

        Returns:
            whether to go on.
        """
        if self.finished:
            return False
        if self.deadline.limited:
            self._measure(now)
        if self.fill and self.rate:
            # the minimum length is kept only as far as a quarter of the grace allows
            affordable = int(self.rate * (self.deadline.at + 0.25 * self.grace - now))
            floor = min(self.minimum - self.steps, max(affordable, 0))
            left = max(int(self.rate * (self.stop_at - now)), floor, 1)
            fraction_done = self.pos / self.total
            self.total = left / (1.0 - fraction_done)
            self.pos = fraction_done * self.total
            return True
        if self.deadline.limited and now >= self.stop_at:
            self.timed_out = True
            return False
        return True

    def _measure(self, now: float) -> None:
        """Steps per second over the recent past (at least 20 ms, or a tenth of the run)."""
        window = self._window
        window.append((self.steps, now))
        span = max(0.02, 0.1 * (now - self._started))
        while len(window) > 2 and window[1][1] <= now - span:
            window.popleft()
        (s0, t0), (s1, t1) = window[0], window[-1]
        if t1 > t0 and s1 > s0:
            self.rate = (s1 - s0) / (t1 - t0)

    def chunk_for(self, seconds: float, cap: int) -> int:
        """Steps that take about ``seconds`` at the measured rate (1 before any measurement),
        at most ``cap``."""
        if self.rate is None:
            return 1
        return max(1, min(cap, int(self.rate * seconds)))


class TraceRecorder:
    """Best-so-far energies at the schedule's checks, at a bounded cost.

    A point is taken when at least ``cost / overhead`` seconds passed since the last one
    (``cost``: what the last energy evaluation took), so evaluations take at most about
    ``overhead`` of the run.

    Args:
        deadline: times in the trace count from its start.
        overhead: the fraction of the run that evaluations may take.
    """

    def __init__(self, deadline: Deadline, overhead: float = 0.03) -> None:
        self.trace = Trace(started=deadline.started)
        self.overhead = overhead
        self._last = -math.inf
        self._cost = 0.0

    def due(self, now: float) -> bool:
        return now - self._last >= self._cost / self.overhead

    def maybe(self, best_energy: Callable[[], float], now: float | None = None) -> None:
        """Evaluate ``best_energy()`` and record it if a point is due."""
        now = time.perf_counter() if now is None else now
        if self.due(now):
            energy = best_energy()
            self._last = time.perf_counter()
            self._cost = self._last - now
            self.trace.record(energy, at=now)

    def record(self, energy: float) -> None:
        """Record a final energy now (always evaluated by the caller)."""
        self.trace.record(energy)

    def to_list(self) -> list[list[float]]:
        return self.trace.to_list()
