"""``dwave-sa``, ``dwave-tabu``, ``dwave-greedy``: D-Wave's open classical samplers.

Thin, validated wrappers over :mod:`dwave.samplers` (the ``dwave-samplers`` package, not
``dwave-ocean-sdk``, which would shadow this project's ``hybrid`` module). Each is a
:class:`dimod.Sampler` itself and returns the underlying sampler's :class:`dimod.SampleSet`.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({}, {(0, 1): 1.0, (1, 2): 1.0}, 0.0, "SPIN")
    >>> DWaveSABackend().solve(bqm, seed=3).energy
    -2.0
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from hybrid_workbench.backend import SamplerBackend
from hybrid_workbench.errors import OptionsError
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["DWaveSABackend", "DWaveTabuBackend", "DWaveGreedyBackend"]


def _positive(name: str, value: int | float | None) -> None:
    if value is not None and value <= 0:
        raise OptionsError(f"{name} must be positive, got {value}")


@dataclass(frozen=True)
class SAOptions(BackendOptions):
    """Options of ``dwave-sa`` (see ``dwave.samplers.SimulatedAnnealingSampler``).

    Attributes:
        num_reads: independent annealing runs.
        num_sweeps: sweeps per run.
        beta_range: ``[beta_min, beta_max]``; by default derived from the model's biases.
        beta_schedule_type: ``geometric`` or ``linear``.
        randomize_order: visit variables in random order each sweep.
    """

    num_reads: int = 10
    num_sweeps: int = 1000
    beta_range: tuple[float, float] | None = None
    beta_schedule_type: Literal["geometric", "linear"] = "geometric"
    randomize_order: bool = False

    def __post_init__(self) -> None:
        _positive("num_reads", self.num_reads)
        _positive("num_sweeps", self.num_sweeps)


class _DWaveBackend(SamplerBackend):
    requires = ("dwave.samplers",)
    package = "dwave-samplers"

    def _sampler(self) -> Any:
        raise NotImplementedError

    def _params(self, options: BackendOptions) -> dict[str, Any]:
        return {k: v for k, v in options.to_dict().items() if v is not None}

    def _solve(self, model: dimod.BinaryQuadraticModel, options: BackendOptions,
               deadline: Deadline, seed: int) -> Solved:
        import dimod

        start = time.perf_counter()
        if model.num_variables == 0:
            ss = dimod.SampleSet.from_samples_bqm(([[]], []), model)
        else:
            ss = self._sampler().sample(model, seed=seed, **self._params(options))
        return Solved(ss, solver_s=time.perf_counter() - start)


class DWaveSABackend(_DWaveBackend):
    """Simulated annealing from ``dwave-samplers``."""

    name = "dwave-sa"
    Options = SAOptions
    description = "simulated annealing (dwave-samplers), Metropolis single-spin updates"

    def _sampler(self) -> Any:
        from dwave.samplers import SimulatedAnnealingSampler

        return SimulatedAnnealingSampler()


@dataclass(frozen=True)
class TabuOptions(BackendOptions):
    """Options of ``dwave-tabu`` (multistart tabu search, ``dwave.samplers.TabuSampler``).

    Attributes:
        num_reads: independent tabu runs.
        time_limit: total seconds, shared among the reads; default 0.1 s per read.
        tenure: tabu tenure; by default min(20, n/4).
        num_restarts: restarts per read.
    """

    num_reads: int = 4
    time_limit: float | None = None
    tenure: int | None = None
    num_restarts: int = 1_000_000

    def __post_init__(self) -> None:
        _positive("num_reads", self.num_reads)
        _positive("time_limit", self.time_limit)


class DWaveTabuBackend(_DWaveBackend):
    """Multistart tabu search from ``dwave-samplers``."""

    name = "dwave-tabu"
    Options = TabuOptions
    description = "multistart tabu search (dwave-samplers)"

    def _sampler(self) -> Any:
        from dwave.samplers import TabuSampler

        return TabuSampler()

    def _params(self, options: BackendOptions) -> dict[str, Any]:
        assert isinstance(options, TabuOptions)
        per_read_ms = 100 if options.time_limit is None else max(
            1, int(1000 * options.time_limit / options.num_reads))
        params: dict[str, Any] = {"num_reads": options.num_reads, "timeout": per_read_ms,
                                  "num_restarts": options.num_restarts}
        if options.tenure is not None:
            params["tenure"] = options.tenure
        return params


@dataclass(frozen=True)
class GreedyOptions(BackendOptions):
    """Options of ``dwave-greedy`` (steepest descent from random states).

    Attributes:
        num_reads: random starting states, each descended to a local minimum.
    """

    num_reads: int = 100

    def __post_init__(self) -> None:
        _positive("num_reads", self.num_reads)


class DWaveGreedyBackend(_DWaveBackend):
    """Steepest-descent local search from ``dwave-samplers`` (fast, local minima only)."""

    name = "dwave-greedy"
    Options = GreedyOptions
    description = "steepest descent from random states (dwave-samplers)"

    def _sampler(self) -> Any:
        from dwave.samplers import SteepestDescentSolver

        return SteepestDescentSolver()
