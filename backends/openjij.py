"""``openjij-sa`` and ``openjij-sqa``: OpenJij's simulated (quantum) annealing.

OpenJij's samplers are already :class:`dimod.Sampler` s; these wrappers add validated
options, seeds and the common result shape. ``openjij-sqa`` is path-integral Monte Carlo
simulated quantum annealing (transverse field ``gamma``, ``trotter`` slices at inverse
temperature ``beta``). Because SQA's ``beta`` and ``gamma`` are absolute, the model is
divided by its largest absolute bias first (``normalize``), which makes the defaults work
on any weight scale; energies are reported on the original model.

OpenJij (0.12) gives every read the same trajectory when a seed is set; the wrappers
therefore run each read with its own seed derived from the user's (``SeedSequence``),
which keeps runs reproducible *and* the reads independent.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({}, {(0, 1): 1.0, (1, 2): 1.0}, 0.0, "SPIN")
    >>> OpenJijSABackend().solve(bqm, seed=3).energy
    -2.0
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hybrid_workbench.backend import SamplerBackend
from hybrid_workbench.errors import OptionsError
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["OpenJijSABackend", "OpenJijSQABackend"]


def _positive(**values: float | None) -> None:
    for name, value in values.items():
        if value is not None and value <= 0:
            raise OptionsError(f"{name} must be positive, got {value}")


@dataclass(frozen=True)
class OJSAOptions(BackendOptions):
    """Options of ``openjij-sa``.

    Attributes:
        num_reads: independent annealing runs.
        num_sweeps: Monte Carlo sweeps per run.
        beta_min, beta_max: inverse-temperature range; by default from the model's biases.
        updater: ``single spin flip`` or ``swendsen wang``.
    """

    num_reads: int = 10
    num_sweeps: int = 1000
    beta_min: float | None = None
    beta_max: float | None = None
    updater: str | None = None

    def __post_init__(self) -> None:
        _positive(num_reads=self.num_reads, num_sweeps=self.num_sweeps,
                  beta_min=self.beta_min, beta_max=self.beta_max)


@dataclass(frozen=True)
class OJSQAOptions(BackendOptions):
    """Options of ``openjij-sqa``.

    Attributes:
        num_reads: independent runs.
        num_sweeps: Monte Carlo sweeps per run.
        trotter: number of Trotter slices (imaginary-time replicas).
        beta: inverse temperature (of the normalised model).
        gamma: initial transverse field strength.
        normalize: divide the model by its largest absolute bias first.
    """

    num_reads: int = 10
    num_sweeps: int = 1000
    trotter: int = 8
    beta: float = 10.0
    gamma: float = 1.0
    normalize: bool = True

    def __post_init__(self) -> None:
        _positive(num_reads=self.num_reads, num_sweeps=self.num_sweeps, trotter=self.trotter,
                  beta=self.beta, gamma=self.gamma)


class _OpenJijBackend(SamplerBackend):
    requires = ("openjij",)
    package = "openjij"

    def _run(self, bqm: dimod.BinaryQuadraticModel, options: Any, seed: int) -> Any:
        raise NotImplementedError

    def _solve(self, model: dimod.BinaryQuadraticModel, options: BackendOptions,
               deadline: Deadline, seed: int) -> Solved:
        import dimod

        start = time.perf_counter()
        labels = list(model.variables)
        if not labels:
            samples = np.zeros((1, 0), dtype=np.int8)
        else:
            # OpenJij wants sortable labels; give it integers and map back
            relabelled = model.relabel_variables({v: i for i, v in enumerate(labels)}, inplace=False)
            # OpenJij repeats the same trajectory for every read when given a seed, so each
            # read runs on its own seed derived from ours.
            read_seeds = np.random.SeedSequence(seed).generate_state(options.num_reads)
            rows = []
            for read_seed in read_seeds:
                response = self._run(relabelled, options, int(read_seed) % (2 ** 31))
                order = [int(v) for v in response.variables]
                raw = np.asarray(response.record.sample)
                row = np.empty_like(raw)
                row[:, order] = raw
                rows.append(row)
            samples = np.concatenate(rows)
        solver_s = time.perf_counter() - start
        ss = dimod.SampleSet.from_samples_bqm((samples, labels), model)
        return Solved(ss, solver_s=solver_s)


class OpenJijSABackend(_OpenJijBackend):
    """Simulated annealing from OpenJij."""

    name = "openjij-sa"
    Options = OJSAOptions
    description = "simulated annealing (OpenJij)"

    def _run(self, bqm: dimod.BinaryQuadraticModel, options: Any, seed: int) -> Any:
        import openjij as oj

        params = {k: v for k, v in options.to_dict().items() if v is not None}
        params["num_reads"] = 1
        return oj.SASampler().sample(bqm, seed=seed, **params)


class OpenJijSQABackend(_OpenJijBackend):
    """Simulated quantum annealing (path-integral Monte Carlo) from OpenJij."""

    name = "openjij-sqa"
    Options = OJSQAOptions
    description = "simulated quantum annealing, path-integral Monte Carlo (OpenJij)"

    def _run(self, bqm: dimod.BinaryQuadraticModel, options: Any, seed: int) -> Any:
        import openjij as oj

        if options.normalize:
            scale = max([abs(b) for b in bqm.linear.values()] +
                        [abs(b) for b in bqm.quadratic.values()] + [0.0])
            if scale > 0:
                bqm = bqm.copy()
                bqm.scale(1.0 / scale)
        return oj.SQASampler().sample(
            bqm, seed=seed, num_reads=1, num_sweeps=options.num_sweeps,
            trotter=options.trotter, beta=options.beta, gamma=options.gamma)
