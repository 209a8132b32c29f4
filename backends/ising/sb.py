"""``sb``: simulated bifurcation (Goto et al. 2019, 2021) on CuPy or NumPy.

Each replica is a set of oscillators ``(x_i, y_i)`` driven through a bifurcation by a pump
``a(t)`` rising linearly from 0 to ``a0``; symplectic Euler steps with inelastic walls at
``|x_i| = 1`` (Goto et al., Sci. Adv. 7, eabe7953, 2021)::

    y <- y + dt * (-(a0 - a(t)) x + c0 f)       f = -J x        (ballistic, bSB)
    x <- x + dt * a0 * y                        f = -J sign(x)  (discrete,  dSB)
    |x_i| > 1  ->  x_i = sign(x_i), y_i = 0

(``J`` here is the BQM's coupling matrix, minimising ``s^T J s / 2``; Goto's maximises, hence
the minus sign.) The heated variants ``hbsb``/``hdsb`` add ``heat * dt * y`` to the momentum
update (Kanao & Goto, Commun. Phys. 5, 153, 2022). All replicas advance together: one
matrix-matrix product ``J @ X`` per step, in float32, with ``J`` dense or CSR (SciPy or
``cupyx``): ``kernel="array"``, the path that runs on a GPU. On the CPU with numba
installed (``kernel="auto"``), compiled kernels
(:mod:`hybrid_workbench.backends.ising.sb_kernels`) replace that array code: dSB on dense couplings that all
share one magnitude (+-1 complete graphs, unweighted G-set) uses an exact bit-packed
product (XOR + popcount), sparse models (every variant) a fused CSR step; dense models with
several coupling magnitudes, and bSB on dense ones, keep the float32 GEMM.
``info["product"]`` says which ran (``bits``, ``csr``, ``gemm`` or ``spmm``). Linear biases ride on an
auxiliary spin coupled to every variable (the answer is read in its gauge); BINARY models
are solved as SPIN and mapped back.

Automatic defaults, no hand tuning (written here because no library offers them):

* ``c0 = 0.5 / (sqrt(n) * sigma_J)`` (Goto 2019), the coupling scale;
* the time step is scaled to the spectrum: the fastest linear mode oscillates at
  ``omega^2 = a0 * (a0 + c0 * rho(J))`` with ``rho`` the spectral radius (a few block power
  iterations); symplectic Euler is stable for ``dt * omega < 2``, so
  ``dt = min(1.25, 1.8 / omega)``. Goto's fixed 1.25 is kept where it is stable (K2000) and
  reduced where it is not (unweighted G-set, where the uniform mode's eigenvalue is the
  degree and every replica would oscillate);
* steps: ``num_steps`` when given, else ``max(1000, 2 * sqrt(n) * 20)``, with early
  stopping once no replica's signs changed for ``patience`` checks;
* with a ``time_limit`` (seconds from the start of the solve, set-up apart) and no
  ``num_steps``, one schedule spends the time: its number of steps follows the step rate
  measured during the run, re-planned at every check, so the pump completes by the
  deadline on a busy machine too, with fewer steps
  (:class:`~hybrid_workbench.backends.ising.schedule.Schedule`). For the rarest low-energy
  states a longer anneal beats restarts of short ones, and a fixed schedule cut short by
  the limit ends with a half-raised pump. ``fill_time_limit=False`` makes the limit only
  cap the default schedule; with ``num_steps`` it always only caps. A time-filled run
  depends on the machine's speed, so only fixed schedules repeat exactly for a seed.
  ``info["trace"]`` holds the best energy of the signs against time, taken at checks.

Compiled kernels are loaded from numba's on-disk cache (or compiled into it) in the
backend's set-up, timed as ``setup_s`` apart from the solve, once per process.

The final answer of each replica is ``sign(x)``, polished (``polish=True``) by a batched
steepest 1-flip descent (:func:`~hybrid_workbench.backends.ising.model.greedy_descent`); ``info`` says so.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({"a": 0.5}, {("a", "b"): 1.0, ("b", "c"): 1.0}, 0.0, "SPIN")
    >>> r = SBBackend().solve(bqm, seed=1, options={"device": "cpu", "num_replicas": 8})
    >>> r.energy, r.info["device"], r.info["array_module"]
    (-2.5, 'cpu', 'numpy')
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
from hybrid_workbench.backends.ising.model import (
    IsingArrays,
    energies,
    greedy_descent,
    samples_to_vartype,
    spectral_radius,
)
from hybrid_workbench.backends.ising.options import IsingOptions
from hybrid_workbench.backends.ising.schedule import Schedule, TraceRecorder
from hybrid_workbench.deadline import Deadline, grace_s
from hybrid_workbench.errors import OptionsError, ProblemTooLargeError
from hybrid_workbench.result import Solved

__all__ = ["SBBackend", "SBOptions", "simulate"]

DENSE_LIMIT = 40_000  # n^2 float32 couplings beyond this do not fit a GPU comfortably
GOTO_DT = 1.25
MIN_STEPS = 50  # the shortest schedule a time-filled run completes


@dataclass(frozen=True)
class SBOptions(IsingOptions):
    """Options of ``sb``.

    Attributes:
        variant: ``dsb`` (discrete), ``bsb`` (ballistic), ``hdsb``/``hbsb`` (heated).
        num_replicas: trajectories run together (columns of one matrix product); Ocean's
            ``num_reads`` is accepted as the same option.
        num_steps: time steps of a fixed pump schedule; None picks them from the size, or
            from the time limit when there is one.
        dt: time step; None scales it to the coupling spectrum (see module docs).
        c0: coupling constant; None uses Goto's ``0.5 / (sqrt(n) sigma_J)``.
        heat: heating coefficient of the heated variants.
        early_stop: stop when no replica's signs changed for ``patience`` checks.
        check_every: steps between checks (time limit, early stopping, trace).
        patience: unchanged checks that count as settled.
        polish: finish each replica with a steepest 1-flip descent.
        couplings: ``dense``, ``sparse`` (CSR) or ``auto`` (by size and density).
        kernel: ``auto`` (compiled on the CPU when numba is installed), ``compiled`` (numba:
            bit-packed dSB on dense one-magnitude couplings, fused CSR steps on sparse ones)
            or ``array`` (array-module products: the GPU path).
    """

    num_replicas: int = 64
    variant: Literal["dsb", "bsb", "hdsb", "hbsb"] = "dsb"
    num_steps: int | None = None
    dt: float | None = None
    c0: float | None = None
    heat: float = 0.06
    early_stop: bool = True
    check_every: int = 20
    patience: int = 5
    polish: bool = True
    couplings: Literal["auto", "dense", "sparse"] = "auto"

    LENGTH: ClassVar[str] = "num_steps"

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("num_steps", "dt", "c0", "check_every", "patience"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise OptionsError(f"{name} must be positive, got {value}")
        if self.heat < 0:
            raise OptionsError(f"heat must be >= 0, got {self.heat}")


def use_dense(model: IsingArrays, couplings: str) -> bool:
    """Dense couplings for small or dense models (BLAS/tensor-core GEMM wins there)."""
    if couplings != "auto":
        return couplings == "dense"
    return model.num_variables <= 1000 or model.density >= 0.05


def auto_steps(n: int) -> int:
    """Default schedule length: at least 1000 steps, growing as ``sqrt(n)``."""
    return max(1000, int(40 * math.sqrt(max(n, 1))))


def _stepper(ctx: arrays.ArrayContext, Jd: Any, bits: Any, X: Any, Y: Any, compiled: bool,
             dense: bool, discrete: bool, a0: float, dt: float, c0: float,
             keep: float) -> tuple[Any, str]:
    """``(advance(first, count, total), product)``: the step loop of one path, and its
    product's name.

    ``advance`` moves ``X``, ``Y`` in place by ``count`` steps; step ``t`` runs at pump
    ``a0 * (first + t) / total`` (``first``, ``total``: positions in the schedule, see
    :class:`~hybrid_workbench.backends.ising.schedule.Schedule`).
    Paths: ``bits`` (compiled dSB on packed +-c couplings), ``csr`` (compiled fused CSR
    step), ``gemm``/``spmm`` (array module: dense or sparse product plus element-wise ops).
    """
    xp = ctx.xp
    if compiled:
        from hybrid_workbench.backends.ising import sb_kernels
    if compiled and not dense and bits is None:
        indptr = np.ascontiguousarray(Jd.indptr, dtype=np.int64)
        indices = np.ascontiguousarray(Jd.indices, dtype=np.int64)
        data = np.ascontiguousarray(Jd.data, dtype=np.float32)
        import numba

        state = sb_kernels.CSRBlocks(X, Y, discrete, numba.get_num_threads())

        def advance_csr(first: float, count: int, total: float) -> None:
            state.advance(indptr, indices, data, first, count, total, a0, dt, c0, keep)

        return advance_csr, "csr"
    if bits is not None:
        sbits = sb_kernels.pack_signs(X)

        def advance_bits(first: float, count: int, total: float) -> None:
            sb_kernels.run_bits(bits, X, Y, sbits, first, count, total, a0, dt, c0, keep)

        return advance_bits, "bits"
    T = xp.empty_like(X)

    def advance_array(first: float, count: int, total: float) -> None:
        for t in range(count):
            a = a0 * (first + t) / total
            F = Jd @ (xp.sign(X) if discrete else X)
            if keep != 1.0:
                xp.multiply(Y, keep, out=Y)
            # y += dt * (-(a0 - a) x - c0 J x): the BQM minimises s^T J s / 2, Goto maximises
            xp.multiply(X, -dt * (a0 - a), out=T)
            xp.add(Y, T, out=Y)
            F *= -c0 * dt
            xp.add(Y, F, out=Y)
            xp.multiply(Y, a0 * dt, out=T)
            xp.add(X, T, out=X)
            wall = xp.abs(X) > 1.0
            xp.clip(X, -1.0, 1.0, out=X)
            xp.multiply(Y, ~wall, out=Y)

    return advance_array, "gemm" if dense else "spmm"


def simulate(ctx: arrays.ArrayContext, J: Any, options: SBOptions, seed: int,
             dense: bool, compiled: bool = False, deadline: Deadline | None = None,
             recorder: TraceRecorder | None = None,
             offset: float = 0.0) -> tuple[Any, dict[str, Any]]:
    """Run SB on the symmetric couplings ``J`` (host SciPy CSR, no field) on ``ctx``.

    With a limited ``deadline`` and no ``num_steps`` (unless ``fill_time_limit=False``),
    the schedule spends the time left and completes by the deadline
    (:class:`~hybrid_workbench.backends.ising.schedule.Schedule`); otherwise the limit
    caps a fixed schedule. ``recorder`` takes best-so-far energies ``s^T J s / 2 +
    offset`` of the signs at checks.

    Returns:
        ``(S, stats)``: the signs of the final positions as an ``(n, R)`` float32 device
        array, and what happened (steps run, time step, early stop...).
    """
    deadline = deadline if deadline is not None else Deadline.start(None)
    xp = ctx.xp
    n, R = J.shape[0], options.num_replicas
    discrete = options.variant in ("dsb", "hdsb")
    if compiled:
        from hybrid_workbench.backends.ising import sb_kernels  # imports numba
    if compiled and not dense:
        Jd = J.astype(np.float32)  # host CSR, read by the compiled kernel
    else:
        Jd = ctx.asarray(J.toarray().astype(np.float32)) if dense else ctx.csr(J, np.float32)
    bits = None
    if compiled and dense and discrete:  # None unless all couplings share one magnitude
        bits = sb_kernels.pack_couplings(J, dense=Jd)
    sq = J.data.astype(np.float64) ** 2
    sigma = math.sqrt(sq.sum() / max(n * (n - 1), 1))
    c0 = options.c0 or (0.5 / (math.sqrt(n) * sigma) if sigma > 0 else 1.0)
    # a few products with 4 columns: on the CPU the host CSR wins unless J is really dense
    # (BLAS threads on a shared CPU cost more than the arithmetic)
    sparse_enough = not ctx.is_gpu and J.nnz < 0.25 * n * n
    rho = 1.1 * spectral_radius(np if sparse_enough else xp, J if sparse_enough else Jd,
                                iterations=10, seed=seed)  # margin: power iteration is a lower bound
    if bits is not None:
        Jd = None  # the packed words replace the float matrix
    a0 = 1.0
    omega = math.sqrt(a0 * (a0 + c0 * rho))
    dt = options.dt or min(GOTO_DT, 1.8 / omega)
    heat = options.heat if options.variant in ("hdsb", "hbsb") else 0.0

    rng = np.random.default_rng(seed)  # host RNG: identical start on every device
    X = ctx.asarray(rng.uniform(-0.1, 0.1, (n, R)), dtype=xp.float32)
    Y = ctx.asarray(rng.uniform(-0.1, 0.1, (n, R)), dtype=xp.float32)
    keep = 1.0 + heat * dt
    advance, product = _stepper(ctx, Jd, bits, X, Y, compiled, dense, discrete, a0, dt, c0,
                                keep)

    def best_energy() -> float:  # of the current signs, with the product the path has
        S = xp.where(X >= 0, 1.0, -1.0).astype(xp.float32)
        P = sb_kernels.bits_product(bits, sb_kernels.pack_signs(X)) if bits is not None \
            else Jd @ S
        return float(xp.min(0.5 * (S * P).sum(axis=0))) + offset

    plan = Schedule(options.num_steps, auto_steps(n), deadline,
                    options.fills(options.num_steps), MIN_STEPS)
    start = time.perf_counter()
    plan.start(start)
    last_signs = None
    settled = 0
    stopped_early = False
    while not plan.finished:
        count = plan.next_count(options.check_every)
        advance(plan.position(), count, plan.total)
        plan.advance(count)
        ctx.synchronize()
        now = time.perf_counter()
        if recorder is not None:
            recorder.maybe(best_energy, now)
        if not plan.check(now):
            break
        if options.early_stop and plan.pos >= 0.1 * plan.total:
            signs = X > 0
            if last_signs is not None and bool(xp.array_equal(signs, last_signs)):
                settled += 1
                if settled >= options.patience:
                    stopped_early = True
                    break
            else:
                settled = 0
            last_signs = signs
    S = xp.where(X >= 0, 1.0, -1.0).astype(xp.float32)
    ctx.synchronize()
    stats = {"variant": options.variant, "steps_run": plan.steps, "num_steps": plan.length,
             "schedule": "time-filled" if plan.fill else "fixed", "dt": dt,
             "c0": c0, "spectral_radius": rho / 1.1, "early_stopped": stopped_early,
             "time_limit_hit": plan.timed_out, "couplings": "dense" if dense else "csr",
             "kernel": "compiled" if compiled else "array", "product": product,
             "dynamics_s": time.perf_counter() - start}
    return S, stats


class SBBackend(IsingBackend[SBOptions]):
    """Simulated bifurcation (bSB, dSB, heated variants), batched over replicas, CPU or GPU."""

    name = "sb"
    Options = SBOptions
    description = "simulated bifurcation (bSB/dSB, heated), replicas batched, CuPy or NumPy"
    conformance = {"options": {"device": "cpu", "num_replicas": 16}}

    def _check(self, model: Any, options: SBOptions) -> None:
        super()._check(model, options)
        if options.couplings == "dense" and model.num_variables > DENSE_LIMIT:
            raise ProblemTooLargeError(
                f"couplings='dense' on {model.num_variables} variables needs "
                f"{model.num_variables ** 2 * 4 / 2 ** 30:.1f} GiB; use couplings='sparse'")

    def _warm_kernels(self) -> None:
        from hybrid_workbench.backends.ising import sb_kernels

        sb_kernels.warm()

    def _warm_options(self, options: SBOptions) -> list[SBOptions]:
        short = dataclasses.replace(options, time_limit=None, fill_time_limit=None,
                                    num_steps=MIN_STEPS, num_replicas=2)
        return [dataclasses.replace(short, couplings=c) for c in ("dense", "sparse")]

    def _solve(self, model: dimod.BinaryQuadraticModel, options: SBOptions,
               deadline: Deadline, seed: int) -> Solved:
        start = time.perf_counter()
        ctx, kernel = self.context(options)
        ising = IsingArrays.from_bqm(model)
        n = ising.num_variables
        info: dict[str, Any] = {"device": ctx.device, "array_module": ctx.module_name,
                                "replicas": options.num_replicas}
        recorder = TraceRecorder(deadline)
        if n == 0:
            ss = dimod.SampleSet.from_samples_bqm((np.zeros((1, 0), dtype=np.int8), []), model)
            recorder.record(ising.offset)
            return Solved(ss, solver_s=time.perf_counter() - start,
                          info={**info, "steps_run": 0, "early_stopped": False,
                                "trace": recorder.to_list()})
        field = bool(np.any(ising.h))
        J = ising.with_auxiliary_spin() if field else ising.J
        dense = use_dense(ising, options.couplings)
        S, stats = simulate(ctx, J, options, seed, dense, kernel == "compiled", deadline,
                            recorder, ising.offset)
        if field:  # read the answer in the auxiliary spin's gauge
            S = S[:n] * S[n]
        xp = ctx.xp
        J64 = ctx.asarray(ising.J.toarray(), dtype=xp.float64) if dense else ctx.csr(ising.J, np.float64)
        h64 = ctx.asarray(ising.h, dtype=xp.float64)
        S = S.astype(xp.float64)
        rounds = 0
        if options.polish:  # within a quarter of the grace past a limit
            stop_at = deadline.at + 0.25 * grace_s(deadline.limit_s) if deadline.limited else None
            S, rounds = greedy_descent(xp, J64, h64, S, stop_at=stop_at)
        E = ctx.asnumpy(energies(xp, J64, h64, S)) + ising.offset
        recorder.record(float(E.min()))
        spins = ctx.asnumpy(S).T
        ss = dimod.SampleSet.from_samples((samples_to_vartype(spins, ising.vartype), ising.labels),
                                          ising.vartype, energy=E)
        info.update(stats, auxiliary_spin=field, polished=options.polish, polish_rounds=rounds,
                    trace=recorder.to_list())
        return Solved(ss, solver_s=time.perf_counter() - start, info=info)
