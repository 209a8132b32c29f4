"""``gpu-sa``: simulated annealing of many replicas at once, on CuPy or NumPy.

Metropolis single-spin dynamics under a geometric (or linear) inverse-temperature schedule,
every replica advanced together. Two kernels compute the same dynamics:

* ``array`` (the GPU path, and NumPy's when numba is absent; ``vectorized`` before this
  release, still accepted with a :class:`DeprecationWarning`): the variables are split
  into colour classes by a greedy graph colouring (:func:`networkx.greedy_color`); spins of
  one class share no coupling, so a whole class is updated at once in every replica -- one
  sparse (or dense) row-block product, one vector of Metropolis tests. This is the
  checkerboard update of GPU annealers; on dense models each class is a single spin, so it
  pays only on sparse ones;
* ``compiled`` (CPU): a numba kernel (:mod:`hybrid_workbench.backends.ising.sa_kernels`) sweeping spins in order
  with incremental local fields, replicas spread over CPU threads.

``kernel="auto"`` takes ``array`` on a GPU and ``compiled`` on the CPU when numba is
installed (loaded in the backend's set-up, apart from the solve). Both draw their
randomness from the seed, per replica, so runs of a fixed schedule repeat exactly.

With a ``time_limit`` and no ``num_sweeps``, one schedule spends the time and reaches its
cold end by the deadline: the number of sweeps follows the sweep rate measured during the
run (:class:`~hybrid_workbench.backends.ising.schedule.Schedule`), so a busy machine gets
fewer sweeps, not a schedule cut while still hot. ``fill_time_limit=False`` makes the
limit only cap the default 1000 sweeps; with ``num_sweeps`` it always only caps.
``info["trace"]`` holds the best energy against time, taken between chunks of sweeps.

Like Ocean's samplers, ``initial_states`` (any samples-like: a :class:`dimod.SampleSet`,
dicts, an array with labels) start the replicas from given states:
``initial_states_generator`` fills the remaining replicas with ``random`` states, ``tile``
repeats the given ones, ``none`` requires one per replica; extra states are dropped.
Without ``num_replicas`` (or ``num_reads``) there is one replica per state.
The default ``beta_range``: cold enough that all the spins with the weakest bias together
flip with probability 1/100 on the last sweep (dwave-samplers' rule, so the cold end
scales with their number); hot enough that a spin under the *typical* field of a random
state (the root mean square of ``sqrt(sum_j J_ij^2 + h_i^2)``) flips with probability 1/2.
dwave-samplers starts where the *stiffest* spin, all its biases aligned, flips with
probability 1/2: 10x hotter on G55, 45x on a +-1 complete graph, and those sweeps are
spent above the mixing point (on G55, 1024 sweeps of 2 replicas reached 99.5 % of the
best-known cut in 4 of 4 seeds from the typical-field start, 1 of 4 from the stiffest).
Parallel tempering is not included: on the benchmark graphs it did not pay over restarts
at equal time in trials, and would complicate time limits.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({"a": 0.5}, {("a", "b"): 1.0, ("b", "c"): 1.0}, 0.0, "SPIN")
    >>> r = GPUSABackend().solve(bqm, seed=1, options={"device": "cpu", "num_sweeps": 50})
    >>> r.energy, r.info["device"]
    (-2.5, 'cpu')
    >>> r = GPUSABackend().solve(bqm, seed=1, options={"device": "cpu", "num_sweeps": 5,
    ...                          "initial_states": [{"a": -1, "b": 1, "c": -1}]})
    >>> r.info["replicas"], r.info["initial_states"]
    (1, 1)
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from hybrid_workbench._optional import lazy_module

dimod = lazy_module("dimod")
import numpy as np

from hybrid_workbench import arrays
from hybrid_workbench.backends.ising.base import IsingBackend
from hybrid_workbench.backends.ising.model import IsingArrays, energies, samples_to_vartype
from hybrid_workbench.backends.ising.options import InitialStates, IsingOptions
from hybrid_workbench.backends.ising.schedule import Schedule, TraceRecorder
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import OptionsError
from hybrid_workbench.result import Solved

__all__ = ["GPUSABackend", "GPUSAOptions", "beta_ends", "beta_schedule", "colour_classes",
           "sweep_betas"]

DEFAULT_SWEEPS = 1000
MIN_SWEEPS = 10  # the shortest schedule a time-filled run completes


@dataclass(frozen=True)
class GPUSAOptions(IsingOptions):
    """Options of ``gpu-sa``.

    Attributes:
        num_replicas: independent annealing runs advanced together (Ocean's ``num_reads``
            is accepted as the same option); default 16, or one per initial state.
        num_sweeps: sweeps over all variables of a fixed schedule; None: 1000, or as many
            as fill the time limit when there is one.
        beta_range: ``[beta_min, beta_max]``; by default from the model's biases.
        schedule: ``geometric`` or ``linear`` in beta.
        kernel: ``auto``, ``compiled`` (numba, CPU) or ``array`` (colour classes on the
            array module: the GPU path; ``vectorized`` is its deprecated name).
        initial_states: states the replicas start from (samples-like, as in Ocean), or None
            for random states.
        initial_states_generator: ``random`` (default), ``tile`` or ``none``: how replicas
            beyond the given states start.
    """

    num_sweeps: int | None = None
    beta_range: tuple[float, float] | None = None
    schedule: Literal["geometric", "linear"] = "geometric"
    initial_states: InitialStates | None = None
    initial_states_generator: Literal["random", "tile", "none"] = "random"

    RENAMED: ClassVar[dict[str, dict[str, str]]] = {"kernel": {"vectorized": "array"}}
    LENGTH: ClassVar[str] = "num_sweeps"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.num_sweeps is not None and self.num_sweeps <= 0:
            raise OptionsError(f"num_sweeps must be positive, got {self.num_sweeps}")
        if self.beta_range is not None and not 0 < self.beta_range[0] <= self.beta_range[1]:
            raise OptionsError(f"beta_range must satisfy 0 < beta_min <= beta_max, got "
                               f"{list(self.beta_range)}")
        if (self.initial_states is not None and self.initial_states_generator == "none"
                and self.initial_states.num_states < self.num_replicas):
            raise OptionsError(f"initial_states_generator='none' needs one initial state per "
                               f"replica: {self.initial_states.num_states} states for "
                               f"{self.num_replicas} replicas")

    @classmethod
    def _translate(cls, values: dict[str, Any]) -> dict[str, Any]:
        values = super()._translate(values)
        states = values.get("initial_states")
        if states is not None and not isinstance(states, InitialStates):
            values["initial_states"] = states = InitialStates.from_samples(states)
        if states is not None and "num_replicas" not in values:
            values["num_replicas"] = states.num_states  # Ocean: num_reads defaults to the states
        return values


def beta_schedule(ising: IsingArrays, options: GPUSAOptions) -> np.ndarray:
    """Inverse temperature of every sweep of a fixed schedule (``num_sweeps``, default 1000).

    Examples:
        >>> import dimod
        >>> m = IsingArrays.from_bqm(dimod.BinaryQuadraticModel({}, {(0, 1): 1.0}, 0.0, "SPIN"))
        >>> b = beta_schedule(m, GPUSAOptions(num_sweeps=3))
        >>> bool(b[0] < b[-1]), round(float(b[-1]), 3)  # log(2 spins * 100) / (2 * 1)
        (True, 2.649)
    """
    lo, hi = beta_ends(ising, options)
    total = options.num_sweeps or DEFAULT_SWEEPS
    return sweep_betas(lo, hi, options.schedule, np.arange(total), total)


def beta_ends(ising: IsingArrays, options: GPUSAOptions) -> tuple[float, float]:
    """``(beta_min, beta_max)``: ``options.beta_range``, or the defaults from the biases."""
    if options.beta_range is not None:
        lo, hi = options.beta_range
    else:
        absJ = abs(ising.J)
        # hot end: a spin under the typical field of a random state (root mean square over
        # spins of sqrt(sum_j J_ij^2 + h_i^2)) flips with probability 1/2
        squares = np.asarray(ising.J.multiply(ising.J).sum(axis=1)).ravel() + ising.h ** 2
        typical = 2.0 * math.sqrt(float(squares.mean())) if squares.size else 0.0
        # per spin, the smallest non-zero bias acting on it (its row of J, and h)
        rows = absJ.tocsr()
        rows.data[rows.data == 0] = np.inf
        weakest_row = np.full(ising.num_variables, np.inf)
        has = np.diff(rows.indptr) > 0
        if has.any():
            weakest_row[has] = np.minimum.reduceat(rows.data, rows.indptr[:-1][has])
        hs = np.abs(ising.h)
        weakest_row = np.minimum(weakest_row, np.where(hs > 0, hs, np.inf))
        finite = weakest_row[np.isfinite(weakest_row)]
        lo = math.log(2.0) / typical if typical > 0 else 0.1
        if finite.size:
            # the spins with the smallest gap may each be excited at the end: the cold end
            # keeps their total excitation rate at 1/100 (dwave-samplers' rule, T scaled with N)
            smallest = float(finite.min())
            count = int(np.sum(finite == smallest))
            hi = max(math.log(100.0 * count) / (2.0 * smallest), lo)
        else:
            hi = lo
    return lo, hi


def sweep_betas(lo: float, hi: float, schedule: str, sweeps: np.ndarray,
                total: float) -> np.ndarray:
    """Inverse temperatures of the given sweeps of a ``total``-sweep schedule from ``lo`` to
    ``hi`` (geometric or linear in beta). Sweeps and total may be positions of a re-planned
    schedule (floats); the last sweep sits at ``hi``."""
    frac = np.minimum(np.asarray(sweeps, dtype=np.float64) / max(total - 1, 1), 1.0)
    if schedule == "linear":
        return lo + (hi - lo) * frac
    return lo * (hi / lo) ** frac


def colour_classes(J: Any) -> list[np.ndarray]:
    """Index arrays of a greedy colouring of ``J``'s graph (no coupling inside a class).

    Examples:
        >>> import scipy.sparse as sp
        >>> J = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
        >>> [c.tolist() for c in colour_classes(J)]
        [[1], [0, 2]]
    """
    import networkx as nx

    n = J.shape[0]
    g = nx.Graph()
    g.add_nodes_from(range(n))
    coo = J.tocoo()
    g.add_edges_from(zip(coo.row.tolist(), coo.col.tolist()))
    colours = nx.greedy_color(g, strategy="largest_first")
    k = max(colours.values(), default=-1) + 1
    groups: list[list[int]] = [[] for _ in range(k)]
    for v, c in colours.items():
        groups[c].append(v)
    return [np.array(sorted(grp), dtype=np.int64) for grp in groups]


def _betas(plan: Schedule, lo: float, hi: float, kind: str, count: int) -> np.ndarray:
    """Inverse temperatures of the next ``count`` sweeps of ``plan``."""
    return sweep_betas(lo, hi, kind, plan.position() + np.arange(count), plan.total)


def _vectorized(ctx: arrays.ArrayContext, ising: IsingArrays, spins: np.ndarray,
                plan: Schedule, ends: tuple[float, float, str], seed: int,
                recorder: TraceRecorder) -> Any:
    """Colour-class Metropolis on ``ctx`` (spins ``(n, R)``); returns the spins."""
    xp = ctx.xp
    classes = colour_classes(ising.J)
    blocks = [(ctx.asarray(c), ctx.csr(ising.J[c], np.float32), ctx.asarray(ising.h[c, None],
                                                                            dtype=xp.float32))
              for c in classes]
    J32 = ctx.csr(ising.J, np.float32)
    h32 = ctx.asarray(ising.h, dtype=xp.float32)
    S = ctx.asarray(spins, dtype=xp.float32)
    rng = xp.random.default_rng(seed)

    def best_energy() -> float:
        return float(xp.min(energies(xp, J32, h32, S))) + ising.offset

    while not plan.finished:
        count = plan.next_count(10)
        for beta in _betas(plan, *ends, count).tolist():
            for idx, rows, hc in blocks:
                s = S[idx]
                delta = -2.0 * s * (rows @ S + hc)
                accept = rng.random(delta.shape, dtype=xp.float32) < xp.exp(
                    xp.minimum(-beta * delta, 0.0))
                S[idx] = xp.where(accept, -s, s)
        plan.advance(count)
        ctx.synchronize()
        now = time.perf_counter()
        recorder.maybe(best_energy, now)
        if not plan.check(now):
            break
    return S


def _compiled(ising: IsingArrays, spins: np.ndarray, plan: Schedule,
              ends: tuple[float, float, str], seed: int, recorder: TraceRecorder) -> np.ndarray:
    """Compiled sequential sweeps, in chunks between which the schedule is re-planned (or
    capped) and the trace taken; returns the spins ``(n, R)``."""
    from hybrid_workbench.backends.ising import sa_kernels

    S = np.ascontiguousarray(spins.T, dtype=np.int8)  # (R, n): one replica per row
    J = ising.J
    rng = np.random.default_rng(seed)

    def best_energy() -> float:
        return float(energies(np, J, ising.h, S.T.astype(np.float64)).min()) + ising.offset

    while not plan.finished:
        if plan.deadline.limited:  # chunks of about 1/20 of the time left
            left = max(0.05 * (plan.stop_at - time.perf_counter()), 0.002)
            count = plan.next_count(plan.chunk_for(left, 10 ** 9))
        else:
            count = plan.next_count(max(1, math.ceil(plan.total / 16)))
        sa_kernels.anneal_csr(J.indptr, J.indices, J.data, ising.h, S,
                              _betas(plan, *ends, count), rng.integers(0, 2 ** 31, size=S.shape[0]))
        plan.advance(count)
        now = time.perf_counter()
        recorder.maybe(best_energy, now)
        if not plan.check(now):
            break
    return S.T.astype(np.float32)


def _start_states(ising: IsingArrays, options: GPUSAOptions, rng: np.random.Generator) -> np.ndarray:
    """``(n, R)`` int8 start spins: the initial states, then the generator's, else random."""
    n, R = ising.num_variables, options.num_replicas
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(n, R))
    if options.initial_states is not None:
        given = options.initial_states.spins(ising.labels, ising.vartype)[:R]
        if options.initial_states_generator == "tile":
            given = np.resize(given, (R, n))
        spins[:, :len(given)] = given.T
    return spins


class GPUSABackend(IsingBackend[GPUSAOptions]):
    """Simulated annealing of a batch of replicas: colour-class updates (GPU) or compiled sweeps."""

    name = "gpu-sa"
    Options = GPUSAOptions
    description = "batched simulated annealing (colour-class Metropolis on CuPy/NumPy, numba on CPU)"
    conformance = {"options": {"device": "cpu", "num_sweeps": 200}}

    @property
    def parameters(self) -> dict[str, list[str]]:
        return {**super().parameters, "initial_states": [], "initial_states_generator": []}

    def _check(self, model: Any, options: GPUSAOptions) -> None:
        super()._check(model, options)
        if options.initial_states is not None:
            options.initial_states.spins(list(model.variables), model.vartype)

    def _warm_kernels(self) -> None:
        from hybrid_workbench.backends.ising import sa_kernels

        sa_kernels.warm()

    def _warm_options(self, options: GPUSAOptions) -> list[GPUSAOptions]:
        return [dataclasses.replace(options, time_limit=None, fill_time_limit=None,
                                    num_sweeps=MIN_SWEEPS, num_replicas=2, initial_states=None)]

    def _solve(self, model: dimod.BinaryQuadraticModel, options: GPUSAOptions,
               deadline: Deadline, seed: int) -> Solved:
        start = time.perf_counter()
        ctx, kernel = self.context(options)
        ising = IsingArrays.from_bqm(model)
        n = ising.num_variables
        info: dict[str, Any] = {"device": ctx.device, "array_module": ctx.module_name,
                                "kernel": kernel, "replicas": options.num_replicas,
                                "initial_states": 0 if options.initial_states is None
                                else min(options.initial_states.num_states, options.num_replicas)}
        recorder = TraceRecorder(deadline)
        if n == 0:
            ss = dimod.SampleSet.from_samples_bqm((np.zeros((1, 0), dtype=np.int8), []), model)
            recorder.record(ising.offset)
            return Solved(ss, solver_s=time.perf_counter() - start,
                          info={**info, "sweeps_run": 0, "trace": recorder.to_list()})
        lo, hi = beta_ends(ising, options)
        spins = _start_states(ising, options, np.random.default_rng(seed))
        plan = Schedule(options.num_sweeps, DEFAULT_SWEEPS, deadline,
                        options.fills(options.num_sweeps), MIN_SWEEPS)
        plan.start()
        ends = (lo, hi, options.schedule)
        if kernel == "compiled":
            S = ctx.asarray(_compiled(ising, spins, plan, ends, seed, recorder))
        else:
            S = _vectorized(ctx, ising, spins, plan, ends, seed, recorder)
        xp = ctx.xp
        S = S.astype(xp.float64)
        J64 = ctx.csr(ising.J, np.float64)
        E = ctx.asnumpy(energies(xp, J64, ctx.asarray(ising.h, dtype=xp.float64), S)) + ising.offset
        recorder.record(float(E.min()))
        spins_out = ctx.asnumpy(S).T
        ss = dimod.SampleSet.from_samples(
            (samples_to_vartype(spins_out, ising.vartype), ising.labels), ising.vartype, energy=E)
        info.update(sweeps_run=plan.steps, num_sweeps=plan.length,
                    schedule="time-filled" if plan.fill else "fixed",
                    beta_range=[float(lo), float(hi)], time_limit_hit=plan.timed_out,
                    early_stopped=False, trace=recorder.to_list())
        return Solved(ss, solver_s=time.perf_counter() - start, info=info)
