"""The optimiser loop of ``vqe``: SciPy runs from several starts, within a deadline.

:class:`Objective` measures energies (and central-difference gradients, all ``2P + 1``
points in one estimator call) through a :class:`~hybrid_workbench.algorithms.budget.Budget`,
so no estimator call starts that would overshoot the deadline; :func:`optimise` runs SciPy's
``minimize`` from each planned start, spends time left after them on random restarts when a
time limit is set, and, when a gradient batch no longer fits but single energies do,
finishes with COBYLA from the best point so far.

Examples:
    >>> from hybrid_workbench.deadline import Deadline
    >>> def batch(points):  # E(x) = (x - 1)^2, no noise
    ...     e = ((np.asarray(points) - 1.0) ** 2).sum(axis=1)
    ...     return e, np.zeros_like(e)
    >>> budget = Budget(Deadline.start(None))
    >>> loop = optimise(Objective(batch, 1e-5, budget), [np.zeros(1)], "L-BFGS-B",
    ...                 VQEOptionsLike(), Deadline.start(None), np.random.default_rng(0))
    >>> round(float(loop.best[0][0]), 4), loop.runs
    (1.0, 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hybrid_workbench.algorithms.budget import Budget, DeadlineReached
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import SolverError
from hybrid_workbench.primitives import Primitives, backend_primitives

__all__ = ["GRADIENT_FREE", "GTOL", "LoopResult", "Objective", "ideal_batch", "optimise"]

GRADIENT_FREE = ("COBYLA", "Nelder-Mead", "Powell")
GTOL = 1e-6  # gradient norm at which gradient-based optimisers stop (Hartree/radian)


@dataclass(frozen=True)
class VQEOptionsLike:
    """The options :func:`optimise` reads (``vqe``'s options have them all)."""

    maxiter: int = 400
    tol: float = 1e-9


@dataclass
class LoopResult:
    """What the loop found: ``best`` is ``(x, energy, scipy result or None)``."""

    best: tuple[np.ndarray, float, Any]
    history: list[float]
    iterations: int
    runs: int
    stopped: bool
    method: str


class Objective:
    """Energy (and central-difference gradient) with a deadline, counting and a cache.

    Every estimator call goes through the :class:`Budget` (one cost unit per point), so
    none starts that would overshoot; the energy at each iterate is observed for the best
    point and the trace.
    """

    def __init__(self, batch: Any, step: float, budget: Budget) -> None:
        self.batch, self.step, self.budget = batch, step, budget
        self.cache: dict[bytes, float] = {}

    @property
    def evaluations(self) -> int:
        return self.budget.evaluations

    def energies(self, points: np.ndarray) -> np.ndarray:
        values = np.asarray(self.budget.run(lambda: self.batch(points)[0], units=len(points),
                                            count=len(points)), dtype=float)
        for p, e in zip(points, values):
            self.cache[np.asarray(p).tobytes()] = float(e)
        self.budget.observe(float(values[0]), np.array(points[0], dtype=float))
        return values

    def value(self, x: np.ndarray) -> float:
        key = np.asarray(x, dtype=float).tobytes()
        if key not in self.cache:
            self.energies(np.asarray(x, dtype=float)[None, :])
        return self.cache[key]

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        x = np.asarray(x, dtype=float)
        shifts = np.eye(len(x)) * self.step
        points = np.vstack([x[None, :], x + shifts, x - shifts])
        e = self.energies(points)
        p = len(x)
        return float(e[0]), (e[1:p + 1] - e[p + 1:]) / (2 * self.step)


def _method_options(method: str, options: Any) -> dict[str, Any]:
    """SciPy options: stop on the energy change (``tol``, relative) or a small gradient."""
    out: dict[str, Any] = {"maxiter": options.maxiter}
    if method == "L-BFGS-B":
        out.update(ftol=options.tol, gtol=GTOL)
    elif method == "BFGS":
        out.update(gtol=GTOL)
    elif method == "SLSQP":
        out.update(ftol=options.tol)
    return out


def _minimize(objective: Objective, x0: np.ndarray, method: str, options: Any,
              history: list[float]) -> Any:
    """One optimiser run from ``x0``; iterates' energies go to ``history``."""
    from scipy.optimize import minimize

    def callback(xk: np.ndarray) -> None:
        history.append(objective.value(xk))

    kwargs: dict[str, Any] = {"method": method, "callback": callback,
                              "options": _method_options(method, options)}
    if method in GRADIENT_FREE:
        return minimize(objective.value, x0, tol=options.tol, **kwargs)
    return minimize(objective.value_and_grad, x0, jac=True, **kwargs)


def optimise(objective: Objective, starts: list[np.ndarray], method: str, options: Any,
             deadline: Deadline, rng: np.random.Generator) -> LoopResult:
    """Minimise from each of ``starts``, then (with a time limit) from random restarts.

    Raises:
        SolverError: the deadline came before one energy was measured.
    """
    budget = objective.budget
    num_params = len(starts[0])
    best = None
    history: list[float] = []
    iterations = runs = 0
    stopped = False
    try:
        while runs < len(starts) or (deadline.limited and num_params):
            x0 = starts[runs] if runs < len(starts) else rng.uniform(-np.pi, np.pi, num_params)
            run_history: list[float] = []
            if num_params == 0:
                res, x, e = None, x0, float(objective.energies(np.zeros((1, 0)))[0])
            else:
                run_history.append(objective.value(x0))
                res = _minimize(objective, x0, method, options, run_history)
                x, e = np.asarray(res.x), float(objective.value(res.x))
                iterations += int(getattr(res, "nit", 0) or 0)
            runs += 1
            if best is None or e < best[1]:
                best, history = (x, e, res), run_history
            if num_params == 0:
                break
    except DeadlineReached:
        stopped = runs < len(starts)
        if method not in GRADIENT_FREE and num_params and budget.fits(1):
            # a gradient batch no longer fits but single energies do: shrink the steps
            if budget.best_key is not None and (best is None or budget.best_value < best[1]):
                best, history = (budget.best_key, budget.best_value, None), [budget.best_value]
            method = "COBYLA"
            try:
                res = _minimize(objective, np.asarray(best[0] if best else starts[0]), method,
                                options, history)
                x, e = np.asarray(res.x), float(objective.value(res.x))
                if best is None or e < best[1]:
                    best = (x, e, res)
            except DeadlineReached:
                pass
        if budget.best_key is not None and (best is None or budget.best_value < best[1]):
            best = (budget.best_key, budget.best_value, None)
            history = history or [budget.best_value]
    if best is None:  # not one energy fitted in the time limit
        raise SolverError(f"vqe: the time limit ({deadline.limit_s} s) ended before the first "
                          "energy was measured; raise time_limit")
    return LoopResult(best, history, iterations, runs, stopped, method)


def ideal_batch(model: Any, ansatz: Any, options: Any, seed: int,
                primitives: Primitives | None = None) -> Any:
    """A function points -> (energies, standard errors) on an estimator (``primitives`` or
    by name)."""
    simulator = options.simulator if primitives is None else "user"
    if simulator == "reference":
        from qiskit.primitives import StatevectorEstimator

        estimator = StatevectorEstimator(seed=seed)
        circuit, observable = ansatz, model
        precision = None if options.shots is None else 1.0 / np.sqrt(options.shots)
    else:
        if primitives is None:
            name = "aer-statevector" if simulator == "auto" else simulator
            primitives = backend_primitives(name, seed=None if options.shots is None else seed)
        estimator = primitives.estimator
        circuit = primitives.transpile(ansatz)
        observable = primitives.observable_for(model, circuit)
        precision = (None if simulator == "user" else 0.0) if options.shots is None \
            else 1.0 / np.sqrt(options.shots)

    def batch(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pub = (circuit, observable, points) if circuit.num_parameters else (circuit, observable)
        data = estimator.run([pub], precision=precision).result()[0].data
        stds = getattr(data, "stds", None)
        return (np.broadcast_to(np.asarray(data.evs, dtype=float), (len(points),)),
                np.broadcast_to(np.asarray(np.nan if stds is None else stds, dtype=float),
                                (len(points),)))

    return batch
