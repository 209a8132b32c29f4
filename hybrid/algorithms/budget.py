"""A deadline-guarded evaluation loop: the anytime core of QAOA and VQE.

A variational algorithm spends its time in evaluations (one expectation, or one batch of
points for a finite-difference gradient) driven by a SciPy optimiser that cannot be told
about a deadline. :class:`Budget` wraps each evaluation: before it runs, the evaluation's
cost -- the slowest one measured so far, or a prior estimate before the first -- plus the
time held back for the final step (sampling the best state) must fit in what is left of
the deadline, otherwise :class:`DeadlineReached` is raised, which the caller catches
around ``scipy.optimize.minimize`` to keep the best point seen. No evaluation is started
that would overshoot, so the loop returns within the limit whatever the machine's load
(the costs are measured as it runs, not assumed).

Examples:
    >>> from hybrid_workbench.deadline import Deadline
    >>> b = Budget(Deadline.start(None))
    >>> b.evaluate(lambda: 3.0, key=[0.1]), b.evaluate(lambda: 2.0, key=[0.2])
    (3.0, 2.0)
    >>> b.best_value, b.best_key, b.evaluations
    (2.0, [0.2], 2)
    >>> tight = Budget(Deadline.start(0.01), reserve_s=1.0)
    >>> try:
    ...     tight.evaluate(lambda: 1.0, key=None)
    ... except DeadlineReached:
    ...     print("not started")
    not started
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from hybrid_workbench.deadline import Deadline, Trace

__all__ = ["Budget", "DeadlineReached"]

T = TypeVar("T")


class DeadlineReached(Exception):
    """The next evaluation would not end before the deadline (internal control flow)."""


class Budget:
    """Evaluations guarded by a deadline, with the best point and a best-so-far trace.

    Args:
        deadline: the solve's deadline (unlimited: every evaluation runs).
        reserve_s: seconds held back for the final step after the loop.
        reserve_units: evaluation units held back too (a final step that costs about as
            much as an evaluation, measured as the loop runs).
        unit_s: prior cost of one evaluation unit (seconds), used until one is measured.
        trace: where improvements are recorded (a new one started at the deadline's
            start by default).
    """

    def __init__(self, deadline: Deadline, reserve_s: float = 0.0, reserve_units: float = 0.0,
                 unit_s: float = 0.0, trace: Trace | None = None) -> None:
        self.deadline = deadline
        self.reserve_s, self.reserve_units = reserve_s, reserve_units
        self.unit_s = unit_s
        self.calls: dict[float, float] = {}  # call size (units) -> slowest seconds seen
        self.measured = False
        self.trace = trace if trace is not None else Trace(started=deadline.started)
        self.best_value = float("inf")
        self.best_key: Any = None
        self.evaluations = 0
        self.history: list[float] = []

    def cost_s(self, units: float) -> float:
        """Estimated seconds of a call of ``units``: a line ``a + b * units`` through the
        slowest calls of the smallest and largest sizes measured (call overhead apart from
        the per-unit cost); with one size measured, proportional to it (conservative);
        before any, the prior ``unit_s`` per unit."""
        if not self.calls:
            return units * self.unit_s
        lo, hi = min(self.calls), max(self.calls)
        if lo == hi:
            return self.calls[lo] * max(1.0, units / lo)
        slope = max(0.0, (self.calls[hi] - self.calls[lo]) / (hi - lo))
        return max(self.calls[lo] + slope * (units - lo), slope * units)

    def fits(self, units: float = 1.0) -> bool:
        """Whether ``units`` more evaluation units end before the deadline, reserve kept."""
        left = self.deadline.remaining()
        return left > 0 and left >= self.cost_s(units) + self.reserved_s()

    def reserved_s(self) -> float:
        """Seconds held back for the final step."""
        return self.reserve_s + (self.cost_s(self.reserve_units) if self.reserve_units else 0.0)

    def new_round(self) -> None:
        """Forget the best point (a new objective, e.g. one more QAOA layer); keep the
        measured cost, history and trace."""
        self.best_value, self.best_key = float("inf"), None

    def run(self, fn: Callable[[], T], units: float = 1.0, count: int = 1) -> T:
        """Run ``fn`` if ``units`` of cost fit before the deadline, and time it.

        Args:
            fn: the evaluation.
            units: cost units in this call (points in a gradient batch, QAOA layers).
            count: evaluations this call makes (for :attr:`evaluations`).

        Raises:
            DeadlineReached: it would not end in time.
        """
        if self.deadline.limited and not self.fits(units):
            raise DeadlineReached(
                f"{units:g} unit(s) need ~{self.cost_s(units):.2g} s + "
                f"{self.reserved_s():.2g} s reserved; {self.deadline.remaining():.2g} s left")
        start = time.perf_counter()
        out = fn()
        spent = time.perf_counter() - start
        # the slowest call of each size (a loaded machine slows later evaluations)
        self.calls[units] = max(self.calls.get(units, 0.0), spent)
        self.unit_s = spent / units if not self.measured else max(self.unit_s, spent / units)
        self.measured = True
        self.evaluations += count
        return out

    def evaluate(self, fn: Callable[[], float], key: Any, units: float = 1.0) -> float:
        """:meth:`run` one objective value and :meth:`observe` it at ``key``."""
        value = float(self.run(fn, units))
        self.observe(value, key)
        return value

    def observe(self, value: float, key: Any) -> None:
        """Record a value computed elsewhere (e.g. the centre of a gradient batch)."""
        self.history.append(value)
        if value < self.best_value:
            self.best_value, self.best_key = value, key
            self.trace.record(value)
