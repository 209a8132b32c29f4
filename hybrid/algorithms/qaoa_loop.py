"""The QAOA loop under a deadline: angles optimised, the best sampled (see ``qaoa``).

:func:`run_qaoa` is the quantum-classical loop of the ``qaoa`` backend
(:mod:`hybrid_workbench.algorithms.qaoa`): INTERP or ramp angles, a SciPy optimiser whose
every evaluation is guarded by a :class:`~hybrid_workbench.algorithms.budget.Budget`, the
fast simulator or a circuit on Qiskit V2 primitives, restarts that spend what is left of
a time limit, and the final sampling of the best angles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hybrid_workbench._optional import lazy_module

dimod = lazy_module("dimod")
import numpy as np

from hybrid_workbench.algorithms.budget import Budget, DeadlineReached
from hybrid_workbench.algorithms.qaoa_circuit import CircuitQAOAEvaluator
from hybrid_workbench.deadline import Deadline, grace_s
from hybrid_workbench.errors import ProblemTooLargeError
from hybrid_workbench.primitives import Primitives, backend_primitives

if TYPE_CHECKING:  # pragma: no cover - options are typed only; qaoa imports this module
    from hybrid_workbench.algorithms.qaoa import QAOAOptions

__all__ = ["QAOARun", "run_qaoa", "linear_ramp", "interp"]

RESTART_SIGMA = 0.15  # spread of the perturbed restarts that spend a time limit (radians)


def linear_ramp(p: int, delta: float = 0.75) -> np.ndarray:
    """Linear-ramp angles ``[g_1..g_p, b_1..b_p]`` (a Trotterised anneal for minimisation).

    Examples:
        >>> linear_ramp(2, 1.0).tolist()
        [0.25, 0.75, -0.75, -0.25]
    """
    f = (np.arange(p) + 0.5) / p
    return np.concatenate([delta * f, -delta * (1 - f)])


def interp(angles: np.ndarray) -> np.ndarray:
    """INTERP transfer of depth-``p`` angles to depth ``p + 1`` (Zhou et al. 2020).

    Examples:
        >>> interp(np.array([0.4, -0.6])).tolist()
        [0.4, 0.4, -0.6, -0.6]
    """
    p = len(angles) // 2

    def up(x: np.ndarray) -> np.ndarray:
        padded = np.concatenate([[0.0], x, [0.0]])
        i = np.arange(1, p + 2)
        return (i - 1) / p * padded[i - 1] + (p - i + 1) / p * padded[i]

    return np.concatenate([up(angles[:p]), up(angles[p:])])


@dataclass
class QAOARun:
    """What a QAOA run produced, besides the samples."""

    sampleset: dimod.SampleSet
    gammas: list[float]
    betas: list[float]
    objective: float
    history: list[float] = field(default_factory=list)
    evaluations: int = 0
    engine: str = ""
    scale: float = 1.0
    warm_start_energy: float | None = None
    depth: int = 0
    stopped: bool = False
    restarts: int = 0
    trace: list[list[float]] = field(default_factory=list)
    expectation_exact: bool = True


def _warm_thetas(bqm: dimod.BinaryQuadraticModel, options: QAOAOptions, seed: int,
                 order: list[Any], deadline: Deadline) -> tuple[np.ndarray, float]:
    from hybrid_workbench.registry import get_backend

    backend = get_backend(options.warm_start)
    limit = None
    if deadline.limited and backend.capabilities().time_limit:
        limit = max(1e-3, deadline.sub(0.1).limit_s or 1e-3)  # a tenth of the budget
    res = backend.solve(bqm, seed=seed, time_limit=limit)
    assert res.sample is not None and res.energy is not None
    bits = np.array([(res.sample[v] + 1) // 2 if bqm.vartype is dimod.SPIN else res.sample[v]
                     for v in order])
    eps = options.warm_start_epsilon
    c = np.where(bits == 1, 1 - eps, eps)
    return 2 * np.arcsin(np.sqrt(c)), float(res.energy)


def _refuse_if_too_slow(n: int, p: int, engine: str, deadline: Deadline, where: str) -> Any:
    """The fast path's cost estimate; refuses (before work) when one evaluation won't fit."""
    from hybrid_workbench.algorithms.qaoa_plan import estimate

    if not deadline.limited or engine == "cupy" or n == 0:
        return None
    cost = estimate(n, p, engine)
    left = deadline.remaining()
    if cost.first_step_s() > left:
        raise ProblemTooLargeError(
            f"backend 'qaoa': {where} on {n} qubits needs ~{cost.first_step_s():.3g} s here "
            f"before a single optimiser step (cost table {cost.build_s:.2g} s, one p={p} "
            f"evaluation {cost.evaluation_s:.2g} s, final sampling {cost.final_s:.2g} s on the "
            f"{engine} engine), over the {left:.3g} s left of the time limit; raise "
            "time_limit, lower p, or split the model with 'decompose'")
    return cost


def _product_samples(thetas: np.ndarray | None, n: int, shots: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Shots of the initial product state (no circuit): bit q is 1 w.p. sin^2(theta_q/2)."""
    prob = np.full(n, 0.5) if thetas is None else np.sin(np.asarray(thetas) / 2) ** 2
    return (rng.random((shots, n)) < prob).astype(np.int8)


def run_qaoa(bqm: dimod.BinaryQuadraticModel, options: QAOAOptions, seed: int,
             deadline: Deadline | None = None, primitives: Primitives | None = None) -> QAOARun:
    """Optimise the angles within ``deadline`` and sample the best (module docstring).

    Args:
        bqm: the model.
        options: validated options; ``options.path`` must be ``fast`` or ``primitives``.
        seed: seeds the restarts, the fast path's sampling and registry primitives.
        deadline: the solve's deadline (None: unlimited).
        primitives: the primitives path's bundle (None: the ``gate_backend``'s).
    """
    from scipy.optimize import minimize

    from hybrid_workbench.algorithms.ising import indices_to_samples, spin_arrays
    from hybrid_workbench.algorithms.qaoa_sim import DiagonalQAOASimulator, resolve_engine

    deadline = deadline if deadline is not None else Deadline.start(None)
    rng = np.random.default_rng(seed)
    h, _, _, J, _, order = spin_arrays(bqm)
    n = len(order)
    coeffs = np.abs(np.concatenate([h, J]))
    scale = float(coeffs.max()) if coeffs.size and coeffs.max() > 0 else 1.0
    fast = options.path == "fast"
    engine = resolve_engine(options.engine, n) if fast else "circuit"
    what = "the fast simulator" if fast else "a statevector simulation of the circuit"
    cost = _refuse_if_too_slow(n, options.p, engine if fast else resolve_engine("auto", n),
                               deadline, what) if fast or primitives is None else None
    thetas, warm_energy = None, None
    if options.warm_start:
        thetas, warm_energy = _warm_thetas(bqm, options, seed, order, deadline)
    if fast:
        # costs per layer: depths grow under INTERP, the final step is p layers + sampling
        budget = Budget(deadline, reserve_units=options.p,
                        reserve_s=0.0 if cost is None else cost.final_s - cost.evaluation_s,
                        unit_s=0.0 if cost is None else cost.evaluation_s / options.p)
        sim = DiagonalQAOASimulator(bqm, engine=engine)
    else:
        budget = Budget(deadline, reserve_units=2.0 * options.p)  # <C> and the shots
        if primitives is None:
            primitives = backend_primitives(options.gate_backend, options.gate_options, seed)
        engine = primitives.source
    evaluators: dict[int, CircuitQAOAEvaluator] = {}

    def value(g: np.ndarray, b: np.ndarray, p: int) -> float:
        if fast:
            return sim.objective(g, b, thetas, options.cvar_alpha)
        ev = evaluators[p]
        if options.cvar_alpha >= 1 and ev.primitives.estimator is not None:
            return ev.expectation(g, b)
        e = np.sort(ev.energies(ev.sample_bits(g, b, options.shots)))
        return float(e[: max(1, int(np.ceil(options.cvar_alpha * len(e))))].mean())

    def objective(x: np.ndarray, p: int) -> float:
        x = np.array(x, dtype=float)
        return budget.evaluate(lambda: value(x[:p] / scale, x[p:], p), key=x, units=p)

    if options.initial_angles is not None:
        depths, x = [options.p], np.array(options.initial_angles, dtype=float)
    elif options.init == "ramp":
        depths, x = [options.p], linear_ramp(options.p, options.ramp_delta)
    else:
        depths, x = list(range(1, options.p + 1)), linear_ramp(1, options.ramp_delta)
    reached: tuple[int, np.ndarray] | None = None  # (depth, best angles there)
    schedule_done, restarts = False, 0
    try:
        for k, p in enumerate(depths):
            if k > 0:
                x = interp(x)
            if not fast:
                evaluators[p] = CircuitQAOAEvaluator(bqm, primitives, thetas=thetas, p=p)
            budget.new_round()
            try:
                minimize(objective, x, args=(p,), method=options.optimizer,
                         options={"maxiter": options.maxiter})
            finally:
                if budget.best_key is not None:
                    x = budget.best_key
                    reached = (p, x)
        schedule_done = True
        while deadline.limited:  # converged with time left: spend it on restarts
            p = options.p
            start = reached[1] + rng.normal(0.0, RESTART_SIGMA, 2 * p)
            minimize(objective, start, args=(p,), method=options.optimizer,
                     options={"maxiter": options.maxiter})
            restarts += 1
            reached = (p, budget.best_key)
    except DeadlineReached:
        pass
    p, x = reached if reached is not None else (depths[0], x)
    gammas, betas = x[:p] / scale, x[p:]
    objective_value = budget.best_value
    exact = True
    final_fits = not deadline.limited or (
        (budget.measured or cost is not None)
        and deadline.remaining() + 0.5 * grace_s(deadline.limit_s) >= budget.reserved_s())
    if not final_fits:  # not even one evaluation: samples of the initial product state
        bits = _product_samples(thetas, n, options.shots, rng)
        states = bits if bqm.vartype is dimod.BINARY else (2 * bits - 1).astype(np.int8)
        objective_value, exact, p = float("nan"), False, 0
        gammas, betas = np.zeros(0), np.zeros(0)
    elif fast:
        psi = sim.evolve(gammas, betas, thetas)  # engine's own form: no complex copy
        objective_value = sim.energy_of(psi)
        states = indices_to_samples(sim.sample(psi, options.shots, rng), n, bqm.vartype)
        engine = sim.engine
    else:
        ev = evaluators[p]
        objective_value = ev.expectation(gammas, betas, options.shots)
        exact = ev.exact
        states = ev.to_vartype(ev.sample_bits(gammas, betas, options.shots))
    ss = dimod.SampleSet.from_samples_bqm((states, order), bqm).aggregate()
    return QAOARun(sampleset=ss, gammas=[float(v) for v in gammas],
                   betas=[float(v) for v in betas], objective=float(objective_value),
                   history=budget.history, evaluations=budget.evaluations, engine=engine,
                   scale=scale, warm_start_energy=warm_energy, depth=p, stopped=not schedule_done,
                   restarts=restarts, trace=budget.trace.to_list(), expectation_exact=exact)


