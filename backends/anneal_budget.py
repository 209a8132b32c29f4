"""Spending a time limit on complete anneals: probe the rate, plan the sweeps, run batches.

The annealers wrapped here (``dwave-sa``, ``openjij-sa``, ``openjij-sqa``) cannot stop in the
middle of an anneal, and an anneal cut short is not an anneal. So, given a limit, a backend
hands :func:`spend` a *runner* that performs ``num_reads`` complete anneals of
``num_sweeps`` sweeps and asks a ``stop(read_s)`` callback after every read; :func:`spend` then

1. runs probes of two reads, :data:`PROBE_SWEEPS` sweeps and then four times longer
   each time while they stay cheap (a second one up to 30 % of the budget, later ones
   a twentieth, until a read takes 1 % of the limit), and fits the call's fixed cost, a
   read's fixed cost and the seconds per sweep from the last two *on this model, on
   this machine, now*;
2. plans the sweeps of one batch of reads to fill 95 % of what is left (less a small reserve),
   between :data:`MIN_SWEEPS` and the cap; when the anneals would come out shorter than
   :data:`GOOD_SWEEPS`, it halves the reads per batch first (fewer, longer anneals);
3. runs batches of that one planned length while another complete batch fits, refitting
   the rate from every batch, and stops a batch between reads when the next read would
   not finish in time.

A slower machine therefore gets shorter complete anneals, never a truncated one. The best
energy after each batch goes to a :class:`~hybrid_workbench.deadline.Trace`.

Examples:
    >>> import time
    >>> from hybrid_workbench.deadline import Deadline
    >>> def run(num_reads, num_sweeps, seed, stop):
    ...     started, ends = time.perf_counter(), []
    ...     for _ in range(num_reads):
    ...         time.sleep(1e-6 * num_sweeps)
    ...         ends.append(time.perf_counter())
    ...         if stop(1e-6 * num_sweeps):
    ...             break
    ...     rows = np.ones((len(ends), 3), dtype=np.int8)
    ...     return Batch(rows, -np.full(len(ends), float(num_sweeps)), started, ends,
    ...                  time.perf_counter())
    >>> spent = spend(Deadline.start(0.2), run, reads=4, seed=1)
    >>> spent.schedule["num_sweeps"] >= GOOD_SWEEPS, spent.samples.shape[1]
    (True, 3)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hybrid_workbench.deadline import Deadline, Trace

__all__ = ["Batch", "Spent", "spend", "derive_seed", "timed_reads", "PROBE_SWEEPS", "MIN_SWEEPS",
           "GOOD_SWEEPS", "MAX_SWEEPS"]

#: Sweeps per probe read.
PROBE_SWEEPS = 16
#: No planned anneal is shorter than this.
MIN_SWEEPS = 10
#: Below this many sweeps per read, a batch runs fewer reads instead.
GOOD_SWEEPS = 100
#: Default cap on planned sweeps per read (a small model then runs more batches).
MAX_SWEEPS = 100_000


@dataclass
class Batch:
    """What a runner returns: the completed reads of one call.

    Attributes:
        samples: one row per completed read, in the backend's variable order.
        energies: their energies.
        started: :func:`time.perf_counter` when the call started.
        read_ends: :func:`time.perf_counter` at the end of each completed read.
        ended: :func:`time.perf_counter` when the call returned.
    """

    samples: np.ndarray
    energies: np.ndarray
    started: float
    read_ends: list[float]
    ended: float


#: ``run(num_reads, num_sweeps, seed, stop) -> Batch``; ``stop(read_s)`` is asked after each
#: read but the last, with the seconds that read took (the first one's may include set-up).
Runner = Callable[[int, int, int, Callable[[float], bool]], Batch]


@dataclass
class Spent:
    """The outcome of :func:`spend`: all completed reads, the trace and the schedule."""

    samples: np.ndarray
    energies: np.ndarray
    trace: Trace
    schedule: dict[str, Any] = field(default_factory=dict)


def derive_seed(seed: int, index: int) -> int:
    """A 31-bit seed for call ``index`` of a run seeded with ``seed`` (reproducible)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0]) % (2**31)


@dataclass
class _Rate:
    """Seconds per sweep of a read, fixed seconds per read, fixed seconds per call."""

    sweep_s: float
    read_s: float
    call_s: float

    @staticmethod
    def observe(batch: Batch) -> tuple[float, float]:
        """(seconds per read, fixed seconds of the call) as measured in ``batch``."""
        ends = batch.read_ends
        if len(ends) >= 2:
            per_read = (ends[-1] - ends[0]) / (len(ends) - 1)
            setup_s = max(0.0, ends[0] - batch.started - per_read)
        else:  # one read: charge the whole call to it (an over-estimate of the rate)
            per_read = (ends[0] if ends else batch.ended) - batch.started
            setup_s = 0.0
        return max(per_read, 1e-9), setup_s + batch.ended - (ends[-1] if ends else batch.ended)

    @classmethod
    def fit(cls, points: list[tuple[int, float]], call_s: float) -> _Rate:
        """Per-sweep and per-read seconds from (sweeps, seconds per read) points."""
        (s1, d1), (s2, d2) = points[0], points[-1]
        if s2 > s1 and d2 > d1:
            sweep_s = (d2 - d1) / (s2 - s1)
            return cls(sweep_s, max(0.0, d1 - s1 * sweep_s), call_s)
        return cls(d2 / s2, 0.0, call_s)  # one length seen: all of it per sweep

    def batch_s(self, reads: int, sweeps: int) -> float:
        return self.call_s + reads * (self.read_s + sweeps * self.sweep_s)

    def sweeps_for(self, budget_s: float, reads: int) -> int:
        spare = (budget_s - self.call_s) / reads - self.read_s
        return int(spare / self.sweep_s) if spare > 0 else 0


def _plan(rate: _Rate, budget_s: float, reads: int, max_sweeps: int) -> tuple[int, int]:
    """(reads per batch, sweeps per read) for a batch that fits ``budget_s``; sweeps 0 if none."""
    sweeps = rate.sweeps_for(budget_s, reads)
    while sweeps < GOOD_SWEEPS and reads > 1:
        reads = max(1, reads // 2)
        sweeps = rate.sweeps_for(budget_s, reads)
    sweeps = min(sweeps, max_sweeps)
    return reads, (sweeps if sweeps >= MIN_SWEEPS else 0)


def spend(deadline: Deadline, run: Runner, *, reads: int, seed: int,
          max_sweeps: int | None = None) -> Spent:
    """Spend ``deadline`` on complete anneals (see the module docstring).

    Args:
        deadline: a limited deadline, started by the caller.
        run: the backend's runner.
        reads: reads per batch asked for (halved when anneals would be too short).
        seed: the run's seed; call ``i`` runs on :func:`derive_seed` ``(seed, i)``.
        max_sweeps: cap on sweeps per read (default :data:`MAX_SWEEPS`).

    Returns:
        every completed read (probe included), the best-so-far trace and
        ``schedule``: planned ``num_sweeps``, ``reads_per_batch``, ``batches``,
        ``num_reads`` (reads run, probe included), ``probe_reads``, the measured
        ``sweep_s`` and ``call_s``.
    """
    if deadline.limit_s is None:
        raise ValueError("spend() needs a limited deadline")
    cap = MAX_SWEEPS if max_sweeps is None else max(1, int(max_sweeps))
    reserve_s = max(0.01, 0.02 * deadline.limit_s)
    trace = Trace(started=deadline.started)
    rows: list[np.ndarray] = []
    energies: list[np.ndarray] = []
    expected_read_s = [math.inf]

    def stop(read_s: float) -> bool:
        """Whether another read like the last (or as planned) would end past the budget."""
        expected = read_s if math.isinf(expected_read_s[0]) else expected_read_s[0]
        return deadline.remaining() - reserve_s < max(read_s, expected)

    def keep(batch: Batch) -> None:
        if len(batch.energies):
            rows.append(batch.samples)
            energies.append(batch.energies)
            trace.record(float(np.min(batch.energies)), at=batch.ended)

    probes: list[Batch] = []
    points: list[tuple[int, float]] = []
    probe_sweeps = min(PROBE_SWEEPS, cap)
    while True:  # probes of 2 reads, 4x longer each time, while they are cheap
        probe = run(2, probe_sweeps, derive_seed(seed, len(probes)), stop)
        keep(probe)
        probes.append(probe)
        per_read, call_s = _Rate.observe(probe)
        points.append((probe_sweeps, per_read))
        longer = min(cap, 4 * probe_sweeps)
        share = 0.3 if len(points) < 2 else 0.05
        if (len(probe.read_ends) < 2 or longer == probe_sweeps
                or (len(points) >= 2 and per_read >= 0.01 * deadline.limit_s)
                or call_s + 2 * per_read * longer / probe_sweeps
                > share * (deadline.remaining() - reserve_s)):
            break
        probe_sweeps = longer
    rate = _Rate.fit(points[-2:], call_s)
    per_batch, sweeps = _plan(rate, 0.95 * (deadline.remaining() - reserve_s), reads, cap)
    batches = 0
    while sweeps and rate.batch_s(per_batch, sweeps) <= deadline.remaining() - reserve_s:
        expected_read_s[0] = rate.read_s + sweeps * rate.sweep_s
        batch = run(per_batch, sweeps, derive_seed(seed, len(probes) + batches), stop)
        batches += 1
        keep(batch)
        if len(batch.read_ends) < per_batch:  # stopped between reads: the time is spent
            break
        per_read, call_s = _Rate.observe(batch)
        rate = _Rate.fit(sorted([points[0], (sweeps, per_read)]), call_s)
    samples = np.concatenate(rows) if rows else probe.samples
    return Spent(samples, np.concatenate(energies) if energies else probe.energies, trace,
                 {"num_sweeps": sweeps, "reads_per_batch": per_batch, "batches": batches,
                  "num_reads": int(len(samples)),
                  "probe_reads": sum(len(p.read_ends) for p in probes),
                  "probe_sweeps": [n for n, _ in points], "sweep_s": rate.sweep_s,
                  "read_s": rate.read_s, "call_s": rate.call_s})


def timed_reads(num_reads: int, read: Callable[[int], Any], stop: Callable[[float], bool]
                ) -> tuple[list[Any], float, list[float]]:
    """Run ``read(i)`` for ``i < num_reads``, asking ``stop(read_s)`` after each; time them.

    Returns:
        the reads' results, the start time and the end time of each read.
    """
    started, ends, out = time.perf_counter(), [], []
    for i in range(num_reads):
        out.append(read(i))
        ends.append(time.perf_counter())
        if i + 1 < num_reads and stop(ends[-1] - (ends[-2] if i else started)):
            break
    return out, started, ends
