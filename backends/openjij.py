"""``openjij-sa`` and ``openjij-sqa``: OpenJij's simulated (quantum) annealing.

The wrappers drive OpenJij's C++ core (:mod:`openjij.cxxjij`) the way its own
``SASampler`` / ``SQASampler`` do, read for read, but build the Ising graph once from dimod's
arrays (:mod:`backends.openjij_graph`): OpenJij's own conversion of a dimod model goes
through a Python dictionary and takes seconds on a dense model of a few hundred variables,
longer than most time limits. ``openjij-sqa`` is path-integral Monte Carlo simulated
quantum annealing (transverse field ``gamma``, ``trotter`` slices at inverse temperature
``beta``); because SQA's ``beta`` and ``gamma`` are absolute, the model is divided by its
largest absolute bias first (``normalize``); energies are reported on the original model.

OpenJij (0.12) gives every read the same trajectory when a seed is set; each read
therefore runs on its own seed derived from the user's (``SeedSequence``), which keeps runs
reproducible *and* the reads independent. Without a time limit, a run is ``num_reads``
anneals of ``num_sweeps`` sweeps (1000 by default), the same samples OpenJij's samplers
give for those per-read seeds. With ``time_limit`` the backend spends it
(:mod:`backends.anneal_budget`): a probe measures the sweep rate, then batches of complete
anneals of a planned length fill the limit; ``info['schedule']`` says what ran and
``info['trace']`` is the best energy against time. ``initial_states`` start reads from
given states, as in ``dwave-samplers`` (:mod:`backends.ocean`).

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({}, {(0, 1): 1.0, (1, 2): 1.0}, 0.0, "SPIN")
    >>> OpenJijSABackend().solve(bqm, seed=3).energy
    -2.0
    >>> OpenJijSABackend().solve(bqm, seed=3, options={"initial_states": [[1, 1, 1]],
    ...                                                 "num_sweeps": 50}).energy
    -2.0
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hybrid_workbench.backend import SamplerBackend
from hybrid_workbench.backends.anneal_budget import Batch, spend, timed_reads
from hybrid_workbench.backends.ocean import (
    Generator,
    check_initial_states,
    freeze_initial_states,
    initial_rows,
    resolve_num_reads,
)
from hybrid_workbench.backends.openjij_graph import IsingGraph, sa_schedule, sqa_schedule
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import OptionsError
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["OpenJijSABackend", "OpenJijSQABackend"]

DEFAULT_READS = 10
DEFAULT_SWEEPS = 1000
UPDATERS = {"singlespinflip": "single spin flip", "swendsenwang": "swendsen wang"}


def _positive(**values: float | None) -> None:
    for name, value in values.items():
        if value is not None and value <= 0:
            raise OptionsError(f"{name} must be positive, got {value}")


@dataclass(frozen=True)
class _AnnealOptions(BackendOptions):
    """Options every OpenJij wrapper shares (see the subclasses)."""

    num_reads: int | None = None
    num_sweeps: int | None = None
    time_limit: float | None = None
    initial_states: Any = None
    initial_states_generator: Generator = "random"

    def __post_init__(self) -> None:
        frozen = freeze_initial_states(self.initial_states)
        object.__setattr__(self, "initial_states", frozen)
        object.__setattr__(self, "num_reads",
                           resolve_num_reads(self.num_reads, frozen, DEFAULT_READS))
        _positive(num_sweeps=self.num_sweeps, time_limit=self.time_limit)


@dataclass(frozen=True)
class OJSAOptions(_AnnealOptions):
    """Options of ``openjij-sa``.

    Attributes:
        num_reads: anneals (reads); default the number of ``initial_states``, else 10.
            With a time limit: reads per batch (fewer when anneals would be short).
        num_sweeps: Monte Carlo sweeps per read; default 1000. With a time limit: the
            most sweeps per read (default: as many as fit, up to 100 000).
        time_limit: seconds to spend on complete anneals (probe, plan, batches).
        initial_states: states to start reads from (samples-like, as ``dwave-samplers``).
        initial_states_generator: ``random`` / ``tile`` fill missing states; ``none`` refuses.
        beta_min, beta_max: inverse-temperature range; by default from the model's biases.
        updater: ``single spin flip`` or ``swendsen wang``.
    """

    beta_min: float | None = None
    beta_max: float | None = None
    updater: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _positive(beta_min=self.beta_min, beta_max=self.beta_max)
        if self.updater is not None and _updater_key(self.updater) not in UPDATERS:
            raise OptionsError(f"updater must be one of {sorted(UPDATERS.values())}, "
                               f"got {self.updater!r}")


@dataclass(frozen=True)
class OJSQAOptions(_AnnealOptions):
    """Options of ``openjij-sqa``.

    Attributes:
        num_reads, num_sweeps, time_limit, initial_states, initial_states_generator:
            as for ``openjij-sa`` (an initial state starts every Trotter slice).
        trotter: number of Trotter slices (imaginary-time replicas).
        beta: inverse temperature (of the normalised model).
        gamma: initial transverse field strength.
        normalize: divide the model by its largest absolute bias first.
    """

    trotter: int = 8
    beta: float = 10.0
    gamma: float = 1.0
    normalize: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        _positive(trotter=self.trotter, beta=self.beta, gamma=self.gamma)


def _updater_key(name: str) -> str:
    return name.lower().replace("_", "").replace(" ", "")


class _OpenJijBackend(SamplerBackend[Any]):
    requires = ("openjij",)
    package = "openjij"
    anytime = True

    def _check(self, model: Any, options: Any) -> None:
        super()._check(model, options)
        check_initial_states(model, options.initial_states, options.initial_states_generator,
                             options.num_reads)

    def _scale(self, model: dimod.BinaryQuadraticModel, options: Any) -> float:
        return 1.0

    def _read(self, graph: IsingGraph, options: Any, num_sweeps: int, seed: int,
              start: np.ndarray | None, cache: dict[str, Any]) -> np.ndarray:
        """One complete anneal; returns the final spins in the model's order."""
        raise NotImplementedError

    def _solve(self, model: dimod.BinaryQuadraticModel, options: Any,
               deadline: Deadline, seed: int) -> Solved:
        import dimod

        start = time.perf_counter()
        labels = list(model.variables)
        if not labels:
            ss = dimod.SampleSet.from_samples_bqm((np.zeros((1, 0), dtype=np.int8), []), model)
            return Solved(ss, solver_s=time.perf_counter() - start)
        graph = IsingGraph.from_bqm(model, scale=self._scale(model, options))
        binary = model.vartype is dimod.BINARY
        cache: dict[str, Any] = {}

        def run(num_reads: int, num_sweeps: int, call_seed: int, stop: Any) -> Batch:
            starts = None
            if options.initial_states is not None:
                starts = initial_rows(model, options.initial_states,
                                      options.initial_states_generator, num_reads, call_seed)
            read_seeds = np.random.SeedSequence(call_seed).generate_state(num_reads)
            spins, began, ends = timed_reads(num_reads, lambda i: self._read(
                graph, options, num_sweeps, int(read_seeds[i]) % (2 ** 31),
                None if starts is None else starts[i], cache), stop)
            rows = np.asarray(spins, dtype=np.int8).reshape(len(spins), len(labels))
            if binary:
                rows = (rows + 1) // 2
            energies = model.energies((rows, labels))
            return Batch(rows, np.asarray(energies, dtype=float), began, ends,
                         time.perf_counter())

        info: dict[str, Any] = {}
        if deadline.limited:
            spent = spend(deadline, run, reads=options.num_reads, seed=seed,
                          max_sweeps=options.num_sweeps)
            rows = spent.samples
            info = {"schedule": spent.schedule, "trace": spent.trace.to_list()}
        else:
            sweeps = options.num_sweeps or DEFAULT_SWEEPS
            rows = run(options.num_reads, sweeps, seed, lambda read_s: False).samples
        ss = dimod.SampleSet.from_samples_bqm((rows, labels), model)
        return Solved(ss, solver_s=time.perf_counter() - start, info=info)


class OpenJijSABackend(_OpenJijBackend):
    """Simulated annealing from OpenJij."""

    name = "openjij-sa"
    Options = OJSAOptions
    description = "simulated annealing (OpenJij)"

    def _read(self, graph: IsingGraph, options: Any, num_sweeps: int, seed: int,
              start: np.ndarray | None, cache: dict[str, Any]) -> np.ndarray:
        import openjij.cxxjij as cxxjij

        schedule = sa_schedule(graph, num_sweeps, options.beta_min, options.beta_max, seed)
        init = graph.graph.gen_spin(seed) if start is None else start
        system = cache.get("system")
        if system is None:
            system = cache["system"] = cxxjij.system.make_classical_ising(init, graph.graph)
        system.reset_spins(init)
        key = _updater_key(options.updater or "single spin flip")
        algorithm = (cxxjij.algorithm.Algorithm_SwendsenWang_run if key == "swendsenwang"
                     else cxxjij.algorithm.Algorithm_SingleSpinFlip_run)
        algorithm(system, seed, schedule)
        return np.asarray(cxxjij.result.get_solution(system))


class OpenJijSQABackend(_OpenJijBackend):
    """Simulated quantum annealing (path-integral Monte Carlo) from OpenJij."""

    name = "openjij-sqa"
    Options = OJSQAOptions
    description = "simulated quantum annealing, path-integral Monte Carlo (OpenJij)"

    def _scale(self, model: dimod.BinaryQuadraticModel, options: Any) -> float:
        if not options.normalize:
            return 1.0
        linear, (_, _, quadratic), _ = model.to_numpy_vectors()
        scale = max(float(np.max(np.abs(linear), initial=0.0)),
                    float(np.max(np.abs(quadratic), initial=0.0)))
        return 1.0 / scale if scale > 0 else 1.0

    def _read(self, graph: IsingGraph, options: Any, num_sweeps: int, seed: int,
              start: np.ndarray | None, cache: dict[str, Any]) -> np.ndarray:
        import openjij.cxxjij as cxxjij

        key = ("schedule", num_sweeps)
        if key not in cache:
            cache[key] = sqa_schedule(options.beta, num_sweeps)
        state = graph.graph.gen_spin(seed) if start is None else start
        init = [state for _ in range(options.trotter)]
        system = cache.get("system")
        if system is None:
            system = cache["system"] = cxxjij.system.make_transverse_ising(
                init, graph.graph, options.gamma)
        system.reset_spins(init)
        cxxjij.algorithm.Algorithm_SingleSpinFlip_run(system, seed, cache[key])
        return np.asarray(cxxjij.result.get_solution(system))
