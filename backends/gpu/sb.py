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
``cupyx``). Linear biases ride on an auxiliary spin coupled to every variable (the answer is
read in its gauge); BINARY models are solved as SPIN and mapped back.

Automatic defaults, no hand tuning (written here because no library offers them):

* ``c0 = 0.5 / (sqrt(n) * sigma_J)`` (Goto 2019), the coupling scale;
* the time step is scaled to the spectrum: the fastest linear mode oscillates at
  ``omega^2 = a0 * (a0 + c0 * rho(J))`` with ``rho`` the spectral radius (a few block power
  iterations); symplectic Euler is stable for ``dt * omega < 2``, so
  ``dt = min(1.25, 1.8 / omega)``. Goto's fixed 1.25 is kept where it is stable (K2000) and
  reduced where it is not (unweighted G-set, where the uniform mode's eigenvalue is the
  degree and every replica would oscillate);
* steps: ``num_steps`` when given, else ``max(1000, 2 * sqrt(n) * 20)`` bounded by the
  time limit, with early stopping once no replica's signs changed for ``patience`` checks.

The final answer of each replica is ``sign(x)``, polished (``polish=True``) by a batched
steepest 1-flip descent (:func:`~backends.gpu.ising.greedy_descent`); ``info`` says so.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({"a": 0.5}, {("a", "b"): 1.0, ("b", "c"): 1.0}, 0.0, "SPIN")
    >>> r = SBBackend().solve(bqm, seed=1, options={"device": "cpu", "num_replicas": 8})
    >>> r.energy, r.info["device"], r.info["array_module"]
    (-2.5, 'cpu', 'numpy')
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Literal

from hybrid._optional import lazy_module

dimod = lazy_module("dimod")
import numpy as np

from backends.gpu import arrays
from backends.gpu.ising import IsingArrays, energies, greedy_descent, samples_to_vartype, spectral_radius
from hybrid.backend import SamplerBackend
from hybrid.errors import OptionsError, ProblemTooLargeError
from hybrid.options import BackendOptions
from hybrid.result import Result

__all__ = ["SBBackend", "SBOptions", "simulate"]

DENSE_LIMIT = 40_000  # n^2 float32 couplings beyond this do not fit a GPU comfortably
GOTO_DT = 1.25


@dataclass(frozen=True)
class SBOptions(BackendOptions):
    """Options of ``sb``.

    Attributes:
        variant: ``dsb`` (discrete), ``bsb`` (ballistic), ``hdsb``/``hbsb`` (heated).
        num_replicas: trajectories run together (columns of one matrix product).
        num_steps: time steps of the pump schedule; None picks them from the size.
        dt: time step; None scales it to the coupling spectrum (see module docs).
        c0: coupling constant; None uses Goto's ``0.5 / (sqrt(n) sigma_J)``.
        heat: heating coefficient of the heated variants.
        time_limit: seconds; the run stops at the first check past it.
        early_stop: stop when no replica's signs changed for ``patience`` checks.
        check_every: steps between checks (time limit, early stopping).
        patience: unchanged checks that count as settled.
        polish: finish each replica with a steepest 1-flip descent.
        couplings: ``dense``, ``sparse`` (CSR) or ``auto`` (by size and density).
        device: ``auto`` (GPU when present), ``cpu`` or ``gpu``.
    """

    variant: Literal["dsb", "bsb", "hdsb", "hbsb"] = "dsb"
    num_replicas: int = 64
    num_steps: int | None = None
    dt: float | None = None
    c0: float | None = None
    heat: float = 0.06
    time_limit: float | None = None
    early_stop: bool = True
    check_every: int = 20
    patience: int = 5
    polish: bool = True
    couplings: Literal["auto", "dense", "sparse"] = "auto"
    device: Literal["auto", "cpu", "gpu"] = "auto"

    def __post_init__(self) -> None:
        for name in ("num_replicas", "num_steps", "dt", "c0", "time_limit", "check_every",
                     "patience"):
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


def simulate(ctx: arrays.ArrayContext, J: Any, options: SBOptions, seed: int,
             dense: bool) -> tuple[Any, dict[str, Any]]:
    """Run SB on the symmetric couplings ``J`` (host SciPy CSR, no field) on ``ctx``.

    Returns:
        ``(S, stats)``: the signs of the final positions as an ``(n, R)`` float32 device
        array, and what happened (steps run, time step, early stop...).
    """
    xp = ctx.xp
    n, R = J.shape[0], options.num_replicas
    Jd = ctx.asarray(J.toarray().astype(np.float32)) if dense else ctx.csr(J, np.float32)
    sq = J.data.astype(np.float64) ** 2
    sigma = math.sqrt(sq.sum() / max(n * (n - 1), 1))
    c0 = options.c0 or (0.5 / (math.sqrt(n) * sigma) if sigma > 0 else 1.0)
    rho = 1.1 * spectral_radius(xp, Jd, iterations=10, seed=seed)  # margin: power iteration is a lower bound
    a0 = 1.0
    omega = math.sqrt(a0 * (a0 + c0 * rho))
    dt = options.dt or min(GOTO_DT, 1.8 / omega)
    steps = options.num_steps or auto_steps(n)
    discrete = options.variant in ("dsb", "hdsb")
    heat = options.heat if options.variant in ("hdsb", "hbsb") else 0.0

    rng = np.random.default_rng(seed)  # host RNG: identical start on every device
    X = ctx.asarray(rng.uniform(-0.1, 0.1, (n, R)), dtype=xp.float32)
    Y = ctx.asarray(rng.uniform(-0.1, 0.1, (n, R)), dtype=xp.float32)
    T = xp.empty_like(X)
    start = time.perf_counter()
    deadline = None if options.time_limit is None else start + options.time_limit
    last_signs = None
    settled = 0
    stopped_early = timed_out = False
    step = 0
    for step in range(1, steps + 1):
        a = a0 * (step - 1) / steps
        F = Jd @ (xp.sign(X) if discrete else X)
        if heat:
            Y *= 1.0 + heat * dt
        # y += dt * (-(a0 - a) x - c0 J x): the BQM minimises s^T J s / 2, Goto maximises
        xp.multiply(X, -dt * (a0 - a), out=T)
        Y += T
        F *= -c0 * dt
        Y += F
        xp.multiply(Y, a0 * dt, out=T)
        X += T
        wall = xp.abs(X) > 1.0
        xp.clip(X, -1.0, 1.0, out=X)
        Y *= ~wall
        if step % options.check_every == 0 and step < steps:
            if deadline is not None:
                ctx.synchronize()
                if time.perf_counter() >= deadline:
                    timed_out = True
                    break
            if options.early_stop and step >= steps // 10:
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
    stats = {"variant": options.variant, "steps_run": step, "num_steps": steps, "dt": dt,
             "c0": c0, "spectral_radius": rho / 1.1, "early_stopped": stopped_early,
             "time_limit_hit": timed_out, "couplings": "dense" if dense else "csr",
             "dynamics_s": time.perf_counter() - start}
    return S, stats


class SBBackend(SamplerBackend):
    """Simulated bifurcation (bSB, dSB, heated variants), batched over replicas, CPU or GPU."""

    name = "sb"
    Options = SBOptions
    device = "cpu/gpu"
    description = "simulated bifurcation (bSB/dSB, heated), replicas batched, CuPy or NumPy"
    conformance = {"options": {"device": "cpu", "num_replicas": 16}}

    def _check(self, model: Any, options: BackendOptions) -> None:
        super()._check(model, options)
        assert isinstance(options, SBOptions)
        if options.couplings == "dense" and model.num_variables > DENSE_LIMIT:
            raise ProblemTooLargeError(
                f"couplings='dense' on {model.num_variables} variables needs "
                f"{model.num_variables ** 2 * 4 / 2 ** 30:.1f} GiB; use couplings='sparse'")

    def _solve(self, model: dimod.BinaryQuadraticModel, options: BackendOptions,
               seed: int) -> Result:
        assert isinstance(options, SBOptions)
        start = time.perf_counter()
        ctx = arrays.select(options.device)
        ising = IsingArrays.from_bqm(model)
        n = ising.num_variables
        info: dict[str, Any] = {"device": ctx.device, "array_module": ctx.module_name,
                                "replicas": options.num_replicas}
        if n == 0:
            ss = dimod.SampleSet.from_samples_bqm((np.zeros((1, 0), dtype=np.int8), []), model)
            return self.make_result(ss, options, seed, solver_s=time.perf_counter() - start,
                                    info={**info, "steps_run": 0, "early_stopped": False})
        field = bool(np.any(ising.h))
        J = ising.with_auxiliary_spin() if field else ising.J
        dense = use_dense(ising, options.couplings)
        S, stats = simulate(ctx, J, options, seed, dense)
        if field:  # read the answer in the auxiliary spin's gauge
            S = S[:n] * S[n]
        xp = ctx.xp
        J64 = ctx.asarray(ising.J.toarray(), dtype=xp.float64) if dense else ctx.csr(ising.J, np.float64)
        h64 = ctx.asarray(ising.h, dtype=xp.float64)
        S = S.astype(xp.float64)
        rounds = 0
        if options.polish:
            S, rounds = greedy_descent(xp, J64, h64, S)
        E = ctx.asnumpy(energies(xp, J64, h64, S)) + ising.offset
        spins = ctx.asnumpy(S).T
        solver_s = time.perf_counter() - start
        ss = dimod.SampleSet.from_samples((samples_to_vartype(spins, ising.vartype), ising.labels),
                                          ising.vartype, energy=E)
        info.update(stats, auxiliary_spin=field, polished=options.polish, polish_rounds=rounds)
        return self.make_result(ss, options, seed, solver_s=solver_s, info=info)
