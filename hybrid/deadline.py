"""Deadlines and best-so-far traces: the time contract between the core and a backend.

:meth:`Backend.solve <hybrid_workbench.backend.Backend.solve>` starts a :class:`Deadline`
from the resolved ``time_limit`` right before it calls ``_solve``; the backend plans its
work from :meth:`Deadline.remaining` and stops when :meth:`Deadline.expired` says so. A
backend that honours a limit returns within ``limit + max(0.5 s, 5 %)``
(:func:`grace_s`), whatever the machine's load.

A :class:`Trace` records the best energy seen against seconds since the deadline started,
so comparisons can plot quality against time from one run.

Examples:
    >>> d = Deadline.start(None)
    >>> d.limited, d.expired(), d.remaining()
    (False, False, inf)
    >>> d = Deadline.start(10.0)
    >>> 9.0 < d.remaining() <= 10.0
    True
    >>> grace_s(2.0), grace_s(100.0)
    (0.5, 5.0)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

__all__ = ["Deadline", "Trace", "grace_s"]


def grace_s(limit_s: float) -> float:
    """How far past ``limit_s`` a backend may return: ``max(0.5 s, 5 % of the limit)``."""
    return max(0.5, 0.05 * limit_s)


@dataclass(frozen=True)
class Deadline:
    """A solve's time budget, started when the measured interval starts.

    Attributes:
        limit_s: the budget in seconds, or None for none.
        started: :func:`time.perf_counter` value at the start.
    """

    limit_s: float | None
    started: float

    @classmethod
    def start(cls, limit_s: float | None) -> Deadline:
        return cls(limit_s, time.perf_counter())

    @property
    def limited(self) -> bool:
        return self.limit_s is not None

    @property
    def at(self) -> float:
        """The :func:`time.perf_counter` value at which the budget ends (inf if none)."""
        return math.inf if self.limit_s is None else self.started + self.limit_s

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def remaining(self) -> float:
        """Seconds left (never negative; inf without a limit)."""
        if self.limit_s is None:
            return math.inf
        return max(0.0, self.at - time.perf_counter())

    def expired(self, margin_s: float = 0.0) -> bool:
        """Whether fewer than ``margin_s`` seconds are left."""
        return self.limit_s is not None and time.perf_counter() >= self.at - margin_s

    def sub(self, fraction: float = 1.0, cap_s: float | None = None) -> Deadline:
        """A deadline for a sub-solve: ``fraction`` of what is left, at most ``cap_s``."""
        if self.limit_s is None:
            return Deadline(cap_s, time.perf_counter())
        share = self.remaining() * fraction
        if cap_s is not None:
            share = min(share, cap_s)
        return Deadline(share, time.perf_counter())


@dataclass
class Trace:
    """Best energy so far against seconds since ``started`` (a best-so-far staircase).

    ``record`` keeps a point only when the energy improves, so the trace stays short.
    ``to_list`` gives ``[[seconds, energy], ...]`` for ``Result.info['trace']``.
    """

    started: float = field(default_factory=time.perf_counter)
    points: list[tuple[float, float]] = field(default_factory=list)

    def record(self, energy: float, at: float | None = None) -> None:
        if self.points and energy >= self.points[-1][1]:
            return
        t = (time.perf_counter() if at is None else at) - self.started
        self.points.append((round(t, 6), float(energy)))

    def to_list(self) -> list[list[float]]:
        return [[t, e] for t, e in self.points]
