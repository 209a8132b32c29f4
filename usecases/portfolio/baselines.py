"""Classical baselines: exhaustive enumeration, exact MIQP with SCIP, continuous Markowitz.

* :func:`enumerate_best` -- every ``k``-subset, vectorised in NumPy: the certified optimum
  while ``C(n, k)`` stays below :data:`ENUMERATION_LIMIT` (written by hand: no library
  enumerates subsets with a quadratic score faster than this).
* :func:`scip_best` -- the cardinality problem as a mixed-integer quadratic program
  solved by SCIP (``pyscipopt``, the ``opt`` extra; HiGHS has no MIQP)::

      max t  s.t.  t <= (1/k) mu.z - (lambda/k^2) z' Sigma z,  sum z = k,  z binary

  The quadratic constraint is convex (``Sigma`` PSD), so SCIP's branch-and-bound is exact:
  ``status == 'optimal'`` means SCIP closed the gap (proof of optimality, up to its
  tolerance ``gap_tolerance``); on a time limit the incumbent and SCIP's dual bound (an upper
  bound on the optimum) are both returned.
* :func:`markowitz` / :func:`efficient_frontier` -- the continuous long-only problem
  ``max mu.w - lambda w' Sigma w, sum w = 1, w >= 0`` with cvxpy (Clarabel).

Examples:
    >>> from hybrid_workbench.usecases.portfolio.market import factor_market
    >>> from hybrid_workbench.usecases.portfolio.instance import PortfolioInstance
    >>> m = factor_market(seed=0, size=8)
    >>> inst = PortfolioInstance("m8", m.assets, m.mu, m.sigma, k=3)
    >>> best = enumerate_best(inst)
    >>> best.status, len(best.selected)
    ('optimal', 3)
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hybrid_workbench._optional import require
from hybrid_workbench.errors import InstanceError, SolverError
from hybrid_workbench.usecases.portfolio.instance import PortfolioInstance

__all__ = ["BaselineSolution", "enumerate_best", "scip_best", "markowitz",
           "efficient_frontier", "ENUMERATION_LIMIT"]

ENUMERATION_LIMIT = 2_000_000
_CHUNK = 20_000


@dataclass(frozen=True)
class BaselineSolution:
    """A classical answer to the cardinality problem.

    Attributes:
        selected: the ``k`` selected asset names.
        objective: its ``mu.w - lambda w' Sigma w``.
        bound: a proven upper bound on the optimum (equal to ``objective`` when optimal).
        status: ``optimal`` (proved) or ``time_limit``.
        method: what produced it.
        proof: one sentence on what was proved.
        wall_s: seconds spent.
    """

    selected: tuple[str, ...]
    objective: float
    bound: float
    status: str
    method: str
    proof: str
    wall_s: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative gap ``(bound - objective) / max(|bound|, 1e-12)``; 0 when optimal."""
        return max(0.0, (self.bound - self.objective) / max(abs(self.bound), 1e-12))


def enumerate_best(instance: PortfolioInstance, limit: int = ENUMERATION_LIMIT
                   ) -> BaselineSolution:
    """The certified optimum by scoring all ``C(n, k)`` subsets.

    Raises:
        InstanceError: when ``C(n, k) > limit`` (use :func:`scip_best`).
    """
    n, k, lam = instance.n, instance.k, instance.risk_aversion
    count = math.comb(n, k)
    if count > limit:
        raise InstanceError(f"C({n}, {k}) = {count} subsets exceed the enumeration limit "
                            f"{limit}; use the SCIP baseline (method='scip')")
    start = time.perf_counter()
    best_val, best_idx = -np.inf, None
    combos = itertools.combinations(range(n), k)
    while True:
        chunk = np.array(list(itertools.islice(combos, _CHUNK)), dtype=np.int64).reshape(-1, k)
        if chunk.size == 0:
            break
        ret = instance.mu[chunk].sum(axis=1) / k
        risk = instance.sigma[chunk[:, :, None], chunk[:, None, :]].sum(axis=(1, 2)) / k ** 2
        val = ret - lam * risk
        i = int(np.argmax(val))
        if val[i] > best_val:
            best_val, best_idx = float(val[i]), chunk[i]
    assert best_idx is not None
    selected = tuple(instance.assets[i] for i in best_idx)
    return BaselineSolution(selected, instance.objective_of(selected), best_val, "optimal",
                            "enumeration", f"all C({n},{k}) = {count} subsets scored",
                            time.perf_counter() - start)


def scip_best(instance: PortfolioInstance, time_limit: float | None = 60.0,
              gap_tolerance: float = 1e-9, threads: int = 1, seed: int = 0,
              verbose: bool = False) -> BaselineSolution:
    """The cardinality MIQP solved by SCIP (optimal with proof, or incumbent + bound)."""
    scip = require("pyscipopt", extra="opt", purpose="the exact MIQP baseline")
    n, k, lam = instance.n, instance.k, instance.risk_aversion
    start = time.perf_counter()
    model = scip.Model("portfolio")
    if not verbose:
        model.hideOutput()
    if time_limit is not None:
        model.setParam("limits/time", float(time_limit))
    model.setParam("limits/gap", float(gap_tolerance))
    model.setParam("randomization/randomseedshift", int(seed))
    z = [model.addVar(vtype="B", name=f"z{i}") for i in range(n)]
    t = model.addVar(lb=None, ub=None, name="t")
    model.addCons(scip.quicksum(z) == k)
    q = (lam / k ** 2) * instance.sigma
    rows, cols = np.triu_indices(n, 1)
    quad = scip.quicksum(float(q[i, i]) * z[i] * z[i] for i in range(n))
    quad += scip.quicksum(float(2 * q[i, j]) * z[i] * z[j]
                          for i, j in zip(rows.tolist(), cols.tolist()) if q[i, j] != 0.0)
    lin = scip.quicksum(float(instance.mu[i] / k) * z[i] for i in range(n))
    model.addCons(t + quad - lin <= 0)
    model.setObjective(t, "maximize")
    start_sol = model.createSol()                 # a trivial incumbent: the k best mu
    top = set(np.argsort(-instance.mu)[:k].tolist())
    for i in range(n):
        model.setSolVal(start_sol, z[i], 1.0 if i in top else 0.0)
    w0 = np.zeros(n)
    w0[list(top)] = 1.0 / k
    model.setSolVal(start_sol, t, instance.mean_variance(w0) - 1e-9)
    model.addSol(start_sol)
    model.optimize()
    status = model.getStatus()
    if model.getNSols() == 0:
        raise SolverError(f"SCIP found no solution ({status}); raise the time limit")
    sol = model.getBestSol()
    picked = sorted(range(n), key=lambda i: -model.getSolVal(sol, z[i]))[:k]
    selected = tuple(instance.assets[i] for i in sorted(picked))
    objective = instance.objective_of(selected)
    bound = float(model.getDualbound())
    optimal = status == "optimal"
    proof = (f"SCIP closed the branch-and-bound gap (relative gap <= {gap_tolerance:g})"
             if optimal else f"SCIP stopped ({status}); optimum <= dual bound {bound:.6g}")
    return BaselineSolution(selected, objective, objective if optimal else max(bound, objective),
                            "optimal" if optimal else "time_limit", "scip-miqp", proof,
                            time.perf_counter() - start,
                            info={"scip_status": status, "nodes": model.getNNodes(),
                                  "scip_gap": model.getGap()})


def markowitz(instance: PortfolioInstance, risk_aversion: float | None = None,
              long_only: bool = True) -> np.ndarray:
    """Continuous weights maximising ``mu.w - lambda w' Sigma w`` with ``sum w = 1`` (cvxpy)."""
    cp = require("cvxpy", extra="opt", purpose="the continuous Markowitz baseline")
    lam = instance.risk_aversion if risk_aversion is None else float(risk_aversion)
    w = cp.Variable(instance.n)
    sigma = cp.psd_wrap(instance.sigma)
    objective = cp.Maximize(instance.mu @ w - lam * cp.quad_form(w, sigma))
    constraints = [cp.sum(w) == 1] + ([w >= 0] if long_only else [])
    problem = cp.Problem(objective, constraints)
    problem.solve(solver="CLARABEL")
    if w.value is None or problem.status not in ("optimal", "optimal_inaccurate"):
        raise SolverError(f"cvxpy could not solve the Markowitz problem ({problem.status})")
    weights = np.asarray(w.value, dtype=float)
    if long_only:
        weights = np.clip(weights, 0.0, None)
    return weights / weights.sum()


def efficient_frontier(instance: PortfolioInstance, num_points: int = 30,
                       long_only: bool = True) -> dict[str, np.ndarray]:
    """Points ``(volatility, return)`` of the long-only frontier over a risk-aversion sweep.

    Returns:
        ``{"risk_aversion", "volatility", "return", "weights"}`` arrays, by rising volatility.
    """
    lams = np.logspace(-2, 3, num_points)
    ws = np.array([markowitz(instance, lam, long_only) for lam in lams])
    ret = ws @ instance.mu
    vol = np.sqrt(np.einsum("pi,ij,pj->p", ws, instance.sigma, ws).clip(0))
    order = np.argsort(vol)
    return {"risk_aversion": lams[order], "volatility": vol[order], "return": ret[order],
            "weights": ws[order]}
