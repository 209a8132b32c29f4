"""``dwave-sa``, ``dwave-tabu``, ``dwave-greedy``: D-Wave's open classical samplers.

Validated wrappers over :mod:`dwave.samplers` (the ``dwave-samplers`` package, not
``dwave-ocean-sdk``, which would shadow this project's ``hybrid`` module). Each is a
:class:`dimod.Sampler` itself, returns the underlying sampler's :class:`dimod.SampleSet`,
and takes ``num_reads``, ``initial_states`` and ``initial_states_generator`` as
``dwave-samplers`` does (:mod:`backends.ocean`).

Time limits:

* ``dwave-sa`` spends one (:mod:`backends.anneal_budget`): a probe measures the sweep rate
  on the model, then batches of complete anneals of a planned length fill the limit
  (``interrupt_function`` stops a batch between reads). Without a limit it runs
  ``num_reads`` anneals of ``num_sweeps`` (1000) sweeps, as ``dwave-samplers`` does.
* ``dwave-tabu`` spends one too: its reads each run for a time-out, so a probe read
  measures the fixed costs (model conversion, per-read set-up: large on dense models) and
  the time-outs are planned from what is left.
* ``dwave-greedy`` (steepest descent) runs to completion and takes no limit.

The default inverse-temperature range of ``dwave-sa`` is computed here with NumPy
(:func:`default_beta_range`), the same formula as ``dwave-samplers``' own, whose Python
loop over the couplings takes seconds on dense models.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({}, {(0, 1): 1.0, (1, 2): 1.0}, 0.0, "SPIN")
    >>> DWaveSABackend().solve(bqm, seed=3).energy
    -2.0
    >>> float(DWaveGreedyBackend().sample(bqm, initial_states=[[1, 1, 1]], seed=3).first.energy)
    -2.0
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from hybrid_workbench.backend import SamplerBackend
from hybrid_workbench.backends.anneal_budget import Batch, spend
from hybrid_workbench.backends.ocean import (
    Generator,
    check_initial_states,
    freeze_initial_states,
    resolve_num_reads,
)
from hybrid_workbench.deadline import Deadline, Trace
from hybrid_workbench.errors import OptionsError
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["DWaveSABackend", "DWaveTabuBackend", "DWaveGreedyBackend", "default_beta_range"]


def _positive(name: str, value: int | float | None) -> None:
    if value is not None and value <= 0:
        raise OptionsError(f"{name} must be positive, got {value}")


def default_beta_range(bqm: dimod.BinaryQuadraticModel) -> list[float]:
    """``dwave-samplers``' default ``[hot_beta, cold_beta]`` for ``bqm``, vectorised.

    Hot: every spin flips with probability at least 1/2 against its largest possible
    field; cold: about 1 % excitations over the spins with the smallest bias (see
    ``dwave.samplers.sa.sampler.default_beta_range``, which this reproduces).
    """
    import dimod

    spin = bqm if bqm.vartype is dimod.SPIN else bqm.change_vartype("SPIN", inplace=False)
    h, (irow, icol, q), _ = spin.to_numpy_vectors()
    n = len(h)
    h_abs, q_abs = np.abs(np.asarray(h, dtype=float)), np.abs(np.asarray(q, dtype=float))
    total = h_abs + np.bincount(irow, q_abs, n) + np.bincount(icol, q_abs, n)
    smallest = np.where(h_abs != 0, h_abs, np.inf)
    nonzero = q_abs != 0
    np.minimum.at(smallest, irow[nonzero], q_abs[nonzero])
    np.minimum.at(smallest, icol[nonzero], q_abs[nonzero])
    smallest = smallest[np.isfinite(smallest)]
    if not len(smallest):
        return [0.1, 1.0]
    max_field = float(np.max(total, initial=0.0))
    hot = float(np.log(2) / (2 * max_field)) if max_field else 1.0
    min_field = float(np.min(smallest))
    cold = float(np.log(np.sum(smallest == min_field) / 0.01) / (2 * min_field))
    return [hot, cold]


@dataclass(frozen=True)
class _OceanOptions(BackendOptions):
    """``num_reads`` and initial states, as ``dwave-samplers`` takes them."""

    num_reads: int | None = None
    initial_states: Any = None
    initial_states_generator: Generator = "random"

    #: num_reads when neither it nor initial states are given
    _default_reads = 10

    def __post_init__(self) -> None:
        frozen = freeze_initial_states(self.initial_states)
        object.__setattr__(self, "initial_states", frozen)
        object.__setattr__(self, "num_reads",
                           resolve_num_reads(self.num_reads, frozen, self._default_reads))

    def ocean_params(self) -> dict[str, Any]:
        """The initial-state parameters for a ``dwave-samplers`` call."""
        if self.initial_states is None:
            return {}
        rows, labels = self.initial_states
        return {"initial_states": (np.asarray(rows, dtype=np.int8), list(labels)),
                "initial_states_generator": self.initial_states_generator}


@dataclass(frozen=True)
class SAOptions(_OceanOptions):
    """Options of ``dwave-sa`` (see ``dwave.samplers.SimulatedAnnealingSampler``).

    Attributes:
        num_reads: anneals; default the number of ``initial_states``, else 10. With a
            time limit: reads per batch (fewer when anneals would be short).
        num_sweeps: sweeps per read; default 1000. With a time limit: the most sweeps
            per read (default: as many as fit, up to 100 000).
        time_limit: seconds to spend on complete anneals (probe, plan, batches).
        initial_states: states to start reads from (samples-like).
        initial_states_generator: ``random`` / ``tile`` fill missing states; ``none`` refuses.
        beta_range: ``[beta_min, beta_max]``; by default derived from the model's biases.
        beta_schedule_type: ``geometric`` or ``linear``.
        randomize_order: visit variables in random order each sweep.
    """

    num_sweeps: int | None = None
    time_limit: float | None = None
    beta_range: tuple[float, float] | None = None
    beta_schedule_type: Literal["geometric", "linear"] = "geometric"
    randomize_order: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        _positive("num_sweeps", self.num_sweeps)
        _positive("time_limit", self.time_limit)


class _DWaveBackend(SamplerBackend[Any]):
    requires = ("dwave.samplers",)
    package = "dwave-samplers"

    def _sampler(self) -> Any:
        raise NotImplementedError

    def _check(self, model: Any, options: Any) -> None:
        super()._check(model, options)
        check_initial_states(model, options.initial_states, options.initial_states_generator,
                             options.num_reads)

    @staticmethod
    def _empty(model: dimod.BinaryQuadraticModel) -> dimod.SampleSet:
        import dimod

        return dimod.SampleSet.from_samples_bqm(([[]], []), model)


class DWaveSABackend(_DWaveBackend):
    """Simulated annealing from ``dwave-samplers``."""

    name = "dwave-sa"
    Options = SAOptions
    anytime = True
    description = "simulated annealing (dwave-samplers), Metropolis single-spin updates"

    def _sampler(self) -> Any:
        from dwave.samplers import SimulatedAnnealingSampler

        return SimulatedAnnealingSampler()

    def _solve(self, model: dimod.BinaryQuadraticModel, options: SAOptions,
               deadline: Deadline, seed: int) -> Solved:
        import dimod

        start = time.perf_counter()
        if model.num_variables == 0:
            return Solved(self._empty(model), solver_s=time.perf_counter() - start)
        sampler = self._sampler()
        params = {"beta_range": list(options.beta_range or default_beta_range(model)),
                  "beta_schedule_type": options.beta_schedule_type,
                  "randomize_order": options.randomize_order, **options.ocean_params()}
        if not deadline.limited:
            ss = sampler.sample(model, seed=seed, num_reads=options.num_reads,
                                num_sweeps=options.num_sweeps or 1000, **params)
            return Solved(ss, solver_s=time.perf_counter() - start)
        labels = list(model.variables)
        if options.initial_states is not None and options.initial_states_generator == "none":
            params["initial_states_generator"] = "tile"  # batches may run fewer reads

        def run(num_reads: int, num_sweeps: int, call_seed: int, stop: Any) -> Batch:
            began, ends = time.perf_counter(), []

            def interrupt() -> bool:
                ends.append(time.perf_counter())
                return stop(ends[-1] - (ends[-2] if len(ends) > 1 else began))

            ss = sampler.sample(model, seed=call_seed, num_reads=num_reads,
                                num_sweeps=num_sweeps, interrupt_function=interrupt, **params)
            order = [ss.variables.index(v) for v in labels]
            return Batch(np.asarray(ss.record.sample)[:, order], np.asarray(ss.record.energy),
                         began, ends[:len(ss)], time.perf_counter())

        spent = spend(deadline, run, reads=options.num_reads, seed=seed,
                      max_sweeps=options.num_sweeps)
        ss = dimod.SampleSet.from_samples((spent.samples, labels), model.vartype,
                                          energy=spent.energies)
        return Solved(ss, solver_s=time.perf_counter() - start,
                      info={"schedule": spent.schedule, "trace": spent.trace.to_list()})


@dataclass(frozen=True)
class TabuOptions(_OceanOptions):
    """Options of ``dwave-tabu`` (multistart tabu search, ``dwave.samplers.TabuSampler``).

    Attributes:
        num_reads: independent tabu runs; default the number of ``initial_states``, else 4.
        time_limit: total seconds, spent: a probe read measures the fixed costs, then the
            reads' time-outs share what is left; without it 0.1 s per read.
        initial_states, initial_states_generator: as ``dwave-samplers``.
        tenure: tabu tenure; by default min(20, n/4).
        num_restarts: restarts per read.
    """

    _default_reads = 4

    time_limit: float | None = None
    tenure: int | None = None
    num_restarts: int = 1_000_000

    def __post_init__(self) -> None:
        super().__post_init__()
        _positive("time_limit", self.time_limit)


#: Shortest per-read time-out worth planning for ``dwave-tabu`` (seconds).
TABU_MIN_TIMEOUT_S = 0.02


class DWaveTabuBackend(_DWaveBackend):
    """Multistart tabu search from ``dwave-samplers``."""

    name = "dwave-tabu"
    Options = TabuOptions
    anytime = True
    description = "multistart tabu search (dwave-samplers)"

    def _sampler(self) -> Any:
        from dwave.samplers import TabuSampler

        return TabuSampler()

    def _solve(self, model: dimod.BinaryQuadraticModel, options: TabuOptions,
               deadline: Deadline, seed: int) -> Solved:
        import dimod

        start = time.perf_counter()
        if model.num_variables == 0:
            return Solved(self._empty(model), solver_s=time.perf_counter() - start)
        sampler = self._sampler()
        # TabuSampler reads ``bqm.binary``: a view over a SPIN model converts in Python
        binary = model if model.vartype is dimod.BINARY else model.change_vartype(
            "BINARY", inplace=False)
        params: dict[str, Any] = {"num_restarts": options.num_restarts, **options.ocean_params()}
        if options.tenure is not None:
            params["tenure"] = options.tenure

        def call(num_reads: int, timeout_s: float, call_seed: int) -> dimod.SampleSet:
            return sampler.sample(binary, num_reads=num_reads, seed=call_seed,
                                  timeout=max(1, int(1000 * timeout_s)), **params)

        info: dict[str, Any] = {}
        if not deadline.limited:
            sets = [call(options.num_reads, 0.1, seed)]
        else:
            sets, info = self._spend(call, options, deadline, seed)
        ss = dimod.concatenate(sets) if len(sets) > 1 else sets[0]
        if model.vartype is dimod.SPIN:
            ss.change_vartype("SPIN", inplace=True)
        return Solved(ss, solver_s=time.perf_counter() - start, info=info)

    @staticmethod
    def _spend(call: Any, options: TabuOptions, deadline: Deadline, seed: int
               ) -> tuple[list[Any], dict[str, Any]]:
        """Probe the fixed costs with a 1 ms read, then plan the reads' time-outs.

        A call of ``r`` reads with time-out ``t`` takes ``F + r (f + t)``; the probe gives
        ``F + f``, every later call one more equation (least squares).
        """
        from hybrid_workbench.backends.anneal_budget import derive_seed

        assert deadline.limit_s is not None
        reserve_s = max(0.02, 0.03 * deadline.limit_s)
        trace = Trace(started=deadline.started)
        observed: list[tuple[int, float, float]] = []  # (reads, timeout_s, seconds)
        sets = []
        timeout_s, reads = 0.001, 1
        while True:
            began = time.perf_counter()
            ss = call(reads, timeout_s, derive_seed(seed, len(sets)))
            observed.append((reads, timeout_s, time.perf_counter() - began))
            sets.append(ss)
            trace.record(float(ss.first.energy))
            fixed_s, per_read_s = _fit_costs(observed)
            budget_s = deadline.remaining() - reserve_s
            reads = options.num_reads
            timeout_s = (budget_s - fixed_s) / reads - per_read_s
            while timeout_s < TABU_MIN_TIMEOUT_S and reads > 1:
                reads = max(1, reads // 2)
                timeout_s = (budget_s - fixed_s) / reads - per_read_s
            if timeout_s < TABU_MIN_TIMEOUT_S / 2:
                break
        return sets, {"trace": trace.to_list(),
                      "schedule": {"calls": [{"num_reads": r, "timeout_s": round(t, 4),
                                              "seconds": round(s, 4)} for r, t, s in observed],
                                   "num_reads": sum(r for r, _, _ in observed),
                                   "fixed_s": fixed_s, "per_read_s": per_read_s}}


def _fit_costs(observed: list[tuple[int, float, float]]) -> tuple[float, float]:
    """(fixed seconds per call, fixed seconds per read) from ``(reads, timeout, seconds)``.

    With one call, or calls that all ran the same number of reads, the fixed costs are
    all charged to each read (conservative).
    """
    reads = np.array([r for r, _, _ in observed], dtype=float)
    rest = np.array([s - r * t for r, t, s in observed])
    if len(set(reads)) < 2:
        return 0.0, float(max(np.max(rest / reads), 0.0))
    a = np.column_stack([np.ones_like(reads), reads])
    (fixed_s, per_read_s), *_ = np.linalg.lstsq(a, rest, rcond=None)
    if per_read_s < 0 or fixed_s < 0:
        return 0.0, float(max(np.max(rest / reads), 0.0))
    return float(fixed_s), float(per_read_s)


@dataclass(frozen=True)
class GreedyOptions(_OceanOptions):
    """Options of ``dwave-greedy`` (steepest descent from random or given states).

    Attributes:
        num_reads: starting states, each descended to a local minimum; default the number
            of ``initial_states``, else 100.
        initial_states, initial_states_generator: as ``dwave-samplers``.
    """

    _default_reads = 100


class DWaveGreedyBackend(_DWaveBackend):
    """Steepest-descent local search from ``dwave-samplers`` (fast, local minima only)."""

    name = "dwave-greedy"
    Options = GreedyOptions
    description = "steepest descent from random states (dwave-samplers)"

    def _sampler(self) -> Any:
        from dwave.samplers import SteepestDescentSolver

        return SteepestDescentSolver()

    def _solve(self, model: dimod.BinaryQuadraticModel, options: GreedyOptions,
               deadline: Deadline, seed: int) -> Solved:
        start = time.perf_counter()
        if model.num_variables == 0:
            return Solved(self._empty(model), solver_s=time.perf_counter() - start)
        ss = self._sampler().sample(model, seed=seed, num_reads=options.num_reads,
                                    **options.ocean_params())
        return Solved(ss, solver_s=time.perf_counter() - start)
