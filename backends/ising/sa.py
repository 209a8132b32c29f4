"""``gpu-sa``: simulated annealing of many replicas at once, on CuPy or NumPy.

Metropolis single-spin dynamics under a geometric (or linear) inverse-temperature schedule,
every replica advanced together. Two kernels compute the same dynamics:

* ``vectorized`` (the GPU path, and NumPy's when numba is absent): the variables are split
  into colour classes by a greedy graph colouring (:func:`networkx.greedy_color`); spins of
  one class share no coupling, so a whole class is updated at once in every replica -- one
  sparse (or dense) row-block product, one vector of Metropolis tests. This is the
  checkerboard update of GPU annealers; on dense models each class is a single spin, so it
  pays only on sparse ones;
* ``compiled`` (CPU): a numba kernel (:mod:`hybrid_workbench.backends.ising.sa_kernels`) sweeping spins in order
  with incremental local fields, replicas spread over CPU threads.

``kernel="auto"`` takes ``vectorized`` on a GPU and ``compiled`` on the CPU when numba is
installed. Both draw their randomness from the seed, per replica, so runs of a fixed
schedule repeat exactly. With ``fill_time_limit=True``, one schedule fills the time limit
(:class:`~hybrid_workbench.backends.ising.model.TimeFill`): a fixed budget is best spent on one slow anneal,
and a fixed schedule cut by the limit would end hot.
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
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Literal

from hybrid_workbench._optional import lazy_module

dimod = lazy_module("dimod")
import numpy as np

from hybrid_workbench import arrays
from hybrid_workbench.backends.ising import sa_kernels as kernels
from hybrid_workbench.backends.ising.model import IsingArrays, TimeFill, check_fill, energies, samples_to_vartype
from hybrid_workbench.backend import SamplerBackend
from hybrid_workbench.errors import BackendUnavailableError, OptionsError
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved

__all__ = ["GPUSABackend", "GPUSAOptions", "beta_ends", "beta_schedule", "colour_classes",
           "sweep_betas"]

DEFAULT_SWEEPS = 1000


@dataclass(frozen=True)
class GPUSAOptions(BackendOptions):
    """Options of ``gpu-sa``.

    Attributes:
        num_replicas: independent annealing runs advanced together.
        num_sweeps: sweeps over all variables per run; None: 1000 (or as many as fill the
            time limit, with ``fill_time_limit``).
        beta_range: ``[beta_min, beta_max]``; by default from the model's biases.
        schedule: ``geometric`` or ``linear`` in beta.
        kernel: ``auto``, ``compiled`` (numba, CPU) or ``vectorized`` (colour classes).
        time_limit: seconds of the whole solve; the schedule is cut at the first check past
            it.
        fill_time_limit: spend the time limit on one schedule whose number of sweeps follows
            the measured sweep rate during the first 80 % of the run, so it reaches its cold
            end by the deadline (needs ``time_limit``, excludes ``num_sweeps``).
        device: ``auto`` (GPU when present), ``cpu`` or ``gpu``.
    """

    num_replicas: int = 16
    num_sweeps: int | None = None
    beta_range: tuple[float, float] | None = None
    schedule: Literal["geometric", "linear"] = "geometric"
    kernel: Literal["auto", "compiled", "vectorized"] = "auto"
    time_limit: float | None = None
    fill_time_limit: bool = False
    device: Literal["auto", "cpu", "gpu"] = "auto"

    def __post_init__(self) -> None:
        for name in ("num_replicas", "num_sweeps", "time_limit"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise OptionsError(f"{name} must be positive, got {value}")
        if self.beta_range is not None and not 0 < self.beta_range[0] <= self.beta_range[1]:
            raise OptionsError(f"beta_range must satisfy 0 < beta_min <= beta_max, got "
                               f"{list(self.beta_range)}")


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
                total: int) -> np.ndarray:
    """Inverse temperatures of the given sweeps of a ``total``-sweep schedule from ``lo`` to
    ``hi`` (geometric or linear in beta)."""
    frac = np.asarray(sweeps, dtype=np.float64) / max(total - 1, 1)
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


class _Schedule(TimeFill):
    """The sweeps of one run and their inverse temperatures."""

    def __init__(self, lo: float, hi: float, kind: str, total: int | None,
                 deadline: float | None, limit: float | None, fill: bool) -> None:
        super().__init__(total, deadline, limit, DEFAULT_SWEEPS, fill)
        self.lo, self.hi, self.kind = lo, hi, kind

    def betas(self, first: int, count: int) -> np.ndarray:
        return sweep_betas(self.lo, self.hi, self.kind, np.arange(first, first + count),
                           self.total)


def _vectorized(ctx: arrays.ArrayContext, ising: IsingArrays, spins: np.ndarray,
                plan: _Schedule, seed: int) -> tuple[Any, int]:
    """Colour-class Metropolis on ``ctx`` (spins ``(n, R)``); returns spins and sweeps run."""
    xp = ctx.xp
    classes = colour_classes(ising.J)
    blocks = [(ctx.asarray(c), ctx.csr(ising.J[c], np.float32), ctx.asarray(ising.h[c, None],
                                                                            dtype=xp.float32))
              for c in classes]
    S = ctx.asarray(spins, dtype=xp.float32)
    rng = xp.random.default_rng(seed)
    done = 0
    while done < plan.total:
        beta = float(plan.betas(done, 1)[0])
        for idx, rows, hc in blocks:
            s = S[idx]
            delta = -2.0 * s * (rows @ S + hc)
            accept = rng.random(delta.shape, dtype=xp.float32) < xp.exp(xp.minimum(-beta * delta, 0.0))
            S[idx] = xp.where(accept, -s, s)
        done += 1
        if plan.deadline is not None and done % 10 == 0 and done < plan.total:
            ctx.synchronize()
            now = time.perf_counter()
            if now >= plan.deadline:
                break
            plan.observe(done, now)
    return S, done


def _compiled(ising: IsingArrays, spins: np.ndarray, plan: _Schedule,
              seed: int) -> tuple[np.ndarray, int]:
    """Compiled sequential sweeps, in chunks so a time limit can cut (or fill) the schedule."""
    S = np.ascontiguousarray(spins.T, dtype=np.int8)  # (R, n): one replica per row
    J = ising.J
    rng = np.random.default_rng(seed)
    done, chunk = 0, 4
    while done < plan.total:
        # with a deadline, chunks grow to about 1/20 of the time left (measured sweep rate)
        size = plan.total - done if plan.deadline is None else min(chunk, plan.total - done)
        t0 = time.perf_counter()
        kernels.anneal_csr(J.indptr, J.indices, J.data, ising.h, S, plan.betas(done, size),
                           rng.integers(0, 2 ** 31, size=S.shape[0]))
        done += size
        if plan.deadline is not None:
            now = time.perf_counter()
            if now >= plan.deadline:
                break
            per_sweep = max((now - t0) / size, 1e-9)
            plan.observe(done, now)
            chunk = max(1, int(0.05 * (plan.deadline - now) / per_sweep))
    return S.T.astype(np.float32), done


class GPUSABackend(SamplerBackend):
    """Simulated annealing of a batch of replicas: colour-class updates (GPU) or compiled sweeps."""

    name = "gpu-sa"
    Options = GPUSAOptions
    device = "cpu/gpu"
    description = "batched simulated annealing (colour-class Metropolis on CuPy/NumPy, numba on CPU)"
    conformance = {"options": {"device": "cpu", "num_sweeps": 200}}

    def _solve(self, model: dimod.BinaryQuadraticModel, options: BackendOptions,
               deadline: Deadline, seed: int) -> Solved:
        assert isinstance(options, GPUSAOptions)
        check_fill(options, "num_sweeps")  # here: a solve's time limit has joined the options
        start = time.perf_counter()
        ctx = arrays.select(options.device)
        kernel = options.kernel
        if kernel == "auto":
            kernel = "compiled" if not ctx.is_gpu and kernels.available() else "vectorized"
        if kernel == "compiled" and ctx.is_gpu:
            raise OptionsError("kernel='compiled' runs on the CPU; use device='cpu' or "
                               "kernel='vectorized'")
        if kernel == "compiled" and not kernels.available():
            raise BackendUnavailableError("kernel='compiled' needs numba: pip install "
                                          "'hybrid-workbench[fast]' (or use kernel='vectorized')")
        ising = IsingArrays.from_bqm(model)
        n = ising.num_variables
        info: dict[str, Any] = {"device": ctx.device, "array_module": ctx.module_name,
                                "kernel": kernel, "replicas": options.num_replicas}
        if n == 0:
            ss = dimod.SampleSet.from_samples_bqm((np.zeros((1, 0), dtype=np.int8), []), model)
            return Solved(ss, solver_s=time.perf_counter() - start,
                                    info={**info, "sweeps_run": 0})
        lo, hi = beta_ends(ising, options)
        rng = np.random.default_rng(seed)
        spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(n, options.num_replicas))
        deadline = None if options.time_limit is None else start + options.time_limit
        plan = _Schedule(lo, hi, options.schedule, options.num_sweeps, deadline,
                         options.time_limit, options.fill_time_limit)
        if kernel == "compiled":
            S, done = _compiled(ising, spins, plan, seed)
            S = ctx.asarray(S)
        else:
            S, done = _vectorized(ctx, ising, spins, plan, seed)
        xp = ctx.xp
        S = S.astype(xp.float64)
        J64 = ctx.csr(ising.J, np.float64)
        E = ctx.asnumpy(energies(xp, J64, ctx.asarray(ising.h, dtype=xp.float64), S)) + ising.offset
        spins_out = ctx.asnumpy(S).T
        solver_s = time.perf_counter() - start
        ss = dimod.SampleSet.from_samples(
            (samples_to_vartype(spins_out, ising.vartype), ising.labels), ising.vartype, energy=E)
        info.update(sweeps_run=done, num_sweeps=plan.total,
                    schedule="time-filled" if plan.fill else "fixed",
                    beta_range=[float(lo), float(hi)],
                    time_limit_hit=done < plan.total, early_stopped=False)
        return Solved(ss, solver_s=solver_s, info=info)
