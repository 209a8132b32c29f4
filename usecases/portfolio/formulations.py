"""Portfolio formulations: cardinality (BQM with a proven penalty, CQM), integer lots, long/short.

All models are minimised; for the cardinality models the energy of a feasible sample is
exactly ``-objective`` (``objective = mu.w - lambda w' Sigma w``, ``w = z / k``).

**Cardinality selection** (``z_i = 1``: asset ``i`` held with weight ``1/k``)::

    f(z) = -(1/k) sum_i mu_i z_i + (lambda / k^2) sum_ij Sigma_ij z_i z_j
    BQM:  E(z) = f(z) + P (sum_i z_i - k)^2          CQM:  min f(z)  s.t.  sum_i z_i = k

*Penalty sufficiency* (:func:`count_penalty`). Write ``f(z) = sum_i l_i z_i +
sum_{i != j} Q_ij z_i z_j`` (``z_i^2 = z_i`` folded into ``l``) and the BQM as
``E(z) = f(z) + b (m - k) + A (m - k)^2`` with ``m = sum z``; on feasible points ``E = f``.
Let ``top_s(i)`` / ``bot_s(i)`` be the sums of the ``s`` largest / smallest ``Q_ij``,
``j != i``. Take any ``z`` with ``m != k`` and flip one variable towards ``k``:

* ``m < k``, add ``i``: ``f`` grows by ``l_i + 2 sum_{j in S} Q_ij <= l_i + 2 top_m(i)``,
  the other terms by ``b - A (2(k-m) - 1)``;
* ``m > k``, remove ``i``: ``f`` grows by ``-(l_i + 2 sum_{j in S-i} Q_ij) <=
  -(l_i + 2 bot_{m-1}(i))``, the other terms by ``-b - A (2(m-k) - 1)``.

So if ``A > A(b) = max( max_{m<k, i} (l_i + 2 top_m(i) + b) / (2(k-m) - 1),
max_{m>k, i} -(l_i + 2 bot_{m-1}(i) + b) / (2(m-k) - 1) )``, every such flip strictly
lowers ``E``, and ``|m - k|`` flips reach a feasible ``z'`` with ``E(z') < E(z)``: every
minimiser of the BQM is feasible, and the BQM optimum *is* the constrained optimum.
``A(b)`` is convex and piecewise linear in ``b``; we take the ``b`` that minimises it
(ternary search) and ``A = A(b) + 0.05 |A(b)| + 1e-12``. The bound looks only at ``m``
ones near ``k`` (sums over about ``k`` terms, not ``n``), which keeps the penalty, and so
the barrier an annealer must cross to swap two assets, small.

**Integer lots with a budget** (:func:`lots_cqm`): ``n_i in {0..U_i}`` lots costing
``c_i`` budget units each (``lot_cost``, default 1), budget ``B`` units,
``w_i = c_i n_i / B``::

    min  -sum_i mu_i w_i + lambda w' Sigma w   s.t.  sum_i c_i n_i <= B,  U_i = floor(B / c_i)

The BQM (:func:`lots_bqm`) comes from :func:`dimod.cqm_to_bqm`, which binary-encodes each
``n_i`` (and the budget slack) and adds ``P (sum c_i n_i + slack - B)^2``. *Penalty
sufficiency*: the residual is an integer, so any sample violating the constraint pays at
least ``P``; since ``Sigma`` is PSD, ``f >= -sum_i max(mu_i, 0) c_i U_i / B`` everywhere,
while the empty portfolio with slack ``B`` is feasible with ``E = 0``. So
``P > sum_i max(mu_i, 0) c_i U_i / B`` makes every violating sample worse than a feasible
one.

**Long/short, correlation-penalised selection** (:func:`longshort_bqm`), after the
profitable / uncorrelated / balanced selection of Tatsumura et al. (IEEE Access, 2023).
A signal ``s_i = mu_i - median(mu)`` sets the side ``d_i = sign(s_i)`` (long above the
median, short below) and the position weight is ``w_i = d_i z_i / k``::

    E(z) = -(1/k) sum_i |s_i| z_i                        (profit)
           + (alpha/k^2) sum_{i != j} d_i d_j rho_ij z_i z_j   (correlation of positions)
           + (beta/k^2) (sum_i d_i z_i)^2                 (long/short balance)
           + gamma (sum_i z_i - k)^2                      (exactly k positions)

with ``rho`` the correlation matrix of ``Sigma``. ``gamma`` is made sufficient by the same
argument (:func:`count_penalty` on the profit, correlation and balance terms).

Examples:
    >>> from hybrid_workbench.usecases.portfolio.instance import PortfolioInstance
    >>> inst = PortfolioInstance.from_dict({"assets": ["A", "B", "C"], "mu": [0.08, 0.10, 0.07],
    ...     "sigma": [[0.04, 0.01, 0.0], [0.01, 0.09, 0.02], [0.0, 0.02, 0.05]], "k": 2})
    >>> bqm, p = cardinality_bqm(inst)
    >>> round(float(bqm.energy({"A": 1, "B": 1, "C": 0})), 6)    # = -objective of {A, B}
    -0.0525
    >>> bool(bqm.energy({"A": 1, "B": 1, "C": 1}) > bqm.energy({"A": 1, "B": 1, "C": 0}))
    True
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np

from hybrid_workbench.errors import OptionsError
from hybrid_workbench.usecases.portfolio.instance import PortfolioInstance

__all__ = ["count_penalty", "cardinality_penalty", "cardinality_objective", "cardinality_bqm", "cardinality_cqm",
           "lots_cqm", "lots_bqm", "lots_penalty", "longshort_bqm", "longshort_sides",
           "PENALTY_MARGIN", "PickDecoder", "LotsDecoder", "SidesDecoder"]

PENALTY_MARGIN = 1.05


def _split(linear: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(l, Q)`` with ``f = l.z + sum_{i != j} Q_ij z_i z_j`` from ``linear.z + z' quad z``."""
    q = (quad + quad.T) / 2.0
    off = q.copy()
    np.fill_diagonal(off, 0.0)
    return np.asarray(linear, dtype=float) + np.diag(q), off


def count_penalty(linear: np.ndarray, quad: np.ndarray, k: int) -> tuple[float, float]:
    """``(A, b)`` such that ``f + b (sum z - k) + A (sum z - k)^2`` has only minimisers with
    ``sum z = k`` (proof in the module docstring); ``f(z) = linear.z + z' quad z``.

    Examples:
        >>> A, b = count_penalty(np.array([-1.0, -1.0, -1.0]), np.zeros((3, 3)), k=1)
        >>> bool(A > 0)          # without a penalty every asset would be picked
        True
    """
    l, q = _split(linear, quad)
    n = l.size
    rows = np.sort(q[~np.eye(n, dtype=bool)].reshape(n, n - 1), axis=1) if n > 1 else \
        np.zeros((n, 0))
    zero = np.zeros((n, 1))
    bot = np.hstack([zero, np.cumsum(rows, axis=1)])                 # bot[i, s]
    top = np.hstack([zero, np.cumsum(rows[:, ::-1], axis=1)])        # top[i, s]
    add_m = np.arange(0, k)                                          # m < k: add
    rem_m = np.arange(k + 1, n + 1)                                  # m > k: remove
    add_h = (l[:, None] + 2.0 * top[:, add_m]).max(axis=0)
    add_d = 2.0 * (k - add_m) - 1.0
    rem_h = (l[:, None] + 2.0 * bot[:, rem_m - 1]).min(axis=0)
    rem_d = 2.0 * (rem_m - k) - 1.0

    def need(b: float) -> float:
        parts = [((add_h + b) / add_d).max() if add_m.size else -np.inf,
                 (-(rem_h + b) / rem_d).max() if rem_m.size else -np.inf]
        return float(max(parts))

    span = float(np.abs(l).max() + 2.0 * np.abs(q).sum(axis=1).max() + 1.0)
    lo, hi = -span, span
    for _ in range(200):                                             # convex: ternary search
        m1, m2 = lo + (hi - lo) / 3.0, hi - (hi - lo) / 3.0
        if need(m1) <= need(m2):
            hi = m2
        else:
            lo = m1
    b = (lo + hi) / 2.0
    a = need(b)
    if not np.isfinite(a):                                           # k = 0 = n: nothing to do
        a = 0.0
    return a + (PENALTY_MARGIN - 1.0) * abs(a) + 1e-12, b


def cardinality_penalty(instance: PortfolioInstance) -> tuple[float, float]:
    """``(A, b)``: the proven penalty and linear shift for the cardinality BQM."""
    k, lam = instance.k, instance.risk_aversion
    return count_penalty(-instance.mu / k, lam * instance.sigma / k ** 2, k)


def cardinality_objective(instance: PortfolioInstance) -> dimod.BinaryQuadraticModel:
    """``f(z) = -(1/k) mu.z + (lambda/k^2) z' Sigma z`` as a BINARY BQM labelled by asset."""
    n, k, lam = instance.n, instance.k, instance.risk_aversion
    q = (lam / k ** 2) * instance.sigma
    linear = -instance.mu / k + np.diag(q)
    rows, cols = np.triu_indices(n, 1)
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear, (rows, cols, 2.0 * q[rows, cols]), 0.0, dimod.BINARY)
    bqm.relabel_variables(dict(enumerate(instance.assets)), inplace=True)
    return bqm


def _add_count_penalty(bqm: dimod.BinaryQuadraticModel, labels: list[Any], k: int,
                       penalty: float, shift: float = 0.0) -> None:
    """Add ``penalty (sum_i z_i - k)^2 + shift (sum_i z_i - k)`` in place (``z_i^2 = z_i``)."""
    n = len(labels)
    bqm.add_linear_from((v, penalty * (1 - 2 * k) + shift) for v in labels)
    rows, cols = np.triu_indices(n, 1)
    bqm.add_quadratic_from((labels[i], labels[j], 2.0 * penalty)
                           for i, j in zip(rows.tolist(), cols.tolist()))
    bqm.offset += penalty * k * k - shift * k


def cardinality_bqm(instance: PortfolioInstance, penalty: float | None = None
                    ) -> tuple[dimod.BinaryQuadraticModel, float]:
    """The penalised cardinality BQM and the penalty ``A`` used (``None``: the proven one).

    A hand-given ``penalty`` (with no shift) is accepted for experiments, but below the
    proven value the minimiser may select a wrong number of assets; ``evaluate`` then
    reports it infeasible.
    """
    if penalty is None:
        p, shift = cardinality_penalty(instance)
    else:
        p, shift = float(penalty), 0.0
        if not np.isfinite(p):
            raise OptionsError(f"option 'penalty' must be a finite number, got {penalty!r}")
    bqm = cardinality_objective(instance)
    _add_count_penalty(bqm, list(instance.assets), instance.k, p, shift)
    return bqm, p


def cardinality_cqm(instance: PortfolioInstance) -> dimod.ConstrainedQuadraticModel:
    """``min f(z)`` subject to ``sum_i z_i == k`` (constraint label ``cardinality``)."""
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(cardinality_objective(instance))
    cqm.add_constraint_from_iterable([(a, 1) for a in instance.assets], "==", rhs=instance.k,
                                     label="cardinality")
    return cqm


def _lot_data(instance: PortfolioInstance, budget: int) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise OptionsError(f"option 'budget' must be a positive integer number of units, "
                           f"got {budget!r}")
    cost = instance.lot_cost if instance.lot_cost is not None else np.ones(instance.n, np.int64)
    upper = budget // cost
    if np.all(upper == 0):
        raise OptionsError(f"option 'budget'={budget} buys no lot of any asset (lot costs "
                           f"{cost.tolist()}); raise it to at least {int(cost.min())}")
    return cost, upper


def lots_cqm(instance: PortfolioInstance, budget: int = 10) -> dimod.ConstrainedQuadraticModel:
    """Integer lots ``n_i`` (variables labelled by asset) under ``sum c_i n_i <= budget``."""
    cost, upper = _lot_data(instance, budget)
    assets = [a for a, u in zip(instance.assets, upper) if u > 0]
    idx = np.array([i for i, u in enumerate(upper) if u > 0])
    scale = cost[idx] / budget                    # w_i = scale_i * n_i
    q = instance.risk_aversion * instance.sigma[np.ix_(idx, idx)] * np.outer(scale, scale)
    obj = dimod.QuadraticModel()
    for a, u in zip(assets, upper[idx]):
        if u == 1:      # dimod's binary encoding of integers needs an upper bound >= 2
            obj.add_variable("BINARY", a)
        else:
            obj.add_variable("INTEGER", a, lower_bound=0, upper_bound=int(u))
    obj.add_linear_from((a, float(b)) for a, b in zip(assets, -instance.mu[idx] * scale))
    for i, a in enumerate(assets):
        if upper[idx[i]] == 1:                    # n^2 = n for a 0/1 variable
            obj.add_linear(a, float(q[i, i]))
        else:
            obj.add_quadratic(a, a, float(q[i, i]))
        for j in range(i + 1, len(assets)):
            obj.add_quadratic(a, assets[j], float(2.0 * q[i, j]))
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(obj)
    cqm.add_constraint_from_iterable([(a, int(c)) for a, c in zip(assets, cost[idx])], "<=",
                                     rhs=int(budget), label="budget")
    return cqm


def lots_penalty(instance: PortfolioInstance, budget: int = 10) -> float:
    """``1.05 * sum_i max(mu_i, 0) c_i U_i / B + 1e-9``: sufficient (module docstring)."""
    cost, upper = _lot_data(instance, budget)
    return PENALTY_MARGIN * float(np.sum(np.maximum(instance.mu, 0) * cost * upper) / budget) + 1e-9


def lots_bqm(instance: PortfolioInstance, budget: int = 10, penalty: float | None = None
             ) -> tuple[dimod.BinaryQuadraticModel, Any, float]:
    """``(bqm, inverter, penalty)``: :func:`dimod.cqm_to_bqm` of :func:`lots_cqm`."""
    p = lots_penalty(instance, budget) if penalty is None else float(penalty)
    bqm, inverter = dimod.cqm_to_bqm(lots_cqm(instance, budget), lagrange_multiplier=p)
    return bqm, inverter, p


def longshort_sides(instance: PortfolioInstance) -> tuple[np.ndarray, np.ndarray]:
    """``(signal, side)``: ``s = mu - median(mu)`` and ``d = sign(s)`` (+1 on ties)."""
    s = instance.mu - np.median(instance.mu)
    return s, np.where(s >= 0, 1.0, -1.0)


def longshort_bqm(instance: PortfolioInstance, alpha: float = 1.0, beta: float = 1.0,
                  penalty: float | None = None) -> tuple[dimod.BinaryQuadraticModel, float]:
    """The long/short, correlation-penalised selection BQM and ``gamma`` (module docstring)."""
    for name, x in (("alpha", alpha), ("beta", beta)):
        if not np.isfinite(x) or x < 0:
            raise OptionsError(f"option {name!r} must be a finite number >= 0, got {x!r}")
    n, k = instance.n, instance.k
    s, d = longshort_sides(instance)
    sd = np.sqrt(np.clip(np.diag(instance.sigma), 1e-300, None))
    rho = instance.sigma / np.outer(sd, sd)
    corr = (alpha / k ** 2) * np.outer(d, d) * rho
    np.fill_diagonal(corr, 0.0)
    bal = (beta / k ** 2) * np.outer(d, d)        # (sum d_i z_i)^2 = sum_ij d_i d_j z_i z_j
    quad = corr + bal                              # symmetric; E = lin.z + z' quad z
    linear = -np.abs(s) / k + np.diag(quad)      # z_i^2 = z_i
    if penalty is None:
        gamma, shift = count_penalty(-np.abs(s) / k, quad, k)
    else:
        gamma, shift = float(penalty), 0.0
    rows, cols = np.triu_indices(n, 1)
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear, (rows, cols, 2.0 * quad[rows, cols]), 0.0, dimod.BINARY)
    bqm.relabel_variables(dict(enumerate(instance.assets)), inplace=True)
    _add_count_penalty(bqm, list(instance.assets), k, gamma, shift)
    return bqm, gamma


# -- decoders: samples back to holdings (typed, so interpret reads them by type) ------------
@dataclass(frozen=True)
class PickDecoder:
    """Cardinality selection: the assets whose ``z`` is 1."""

    assets: tuple[str, ...]

    def decode(self, sample: Mapping[Hashable, Any]) -> list[str]:
        return [a for a in self.assets if round(float(sample[a])) == 1]


@dataclass(frozen=True)
class LotsDecoder:
    """Integer lots per asset; ``inverter`` (from :func:`dimod.cqm_to_bqm`) undoes the
    BQM's binary expansion, None for the CQM whose variables are the lots themselves."""

    assets: tuple[str, ...]
    budget: int
    inverter: Callable[[dict[Hashable, Any]], Mapping[Hashable, Any]] | None = None

    def decode(self, sample: Mapping[Hashable, Any]) -> dict[str, int]:
        values = self.inverter(dict(sample)) if self.inverter is not None else sample
        return {a: int(round(float(values[a]))) for a in self.assets if a in values}


@dataclass(frozen=True)
class SidesDecoder:
    """Long/short selection: chosen assets split by the side of their signal (+1 long)."""

    assets: tuple[str, ...]
    side: tuple[float, ...]

    def decode(self, sample: Mapping[Hashable, Any]) -> dict[str, list[str]]:
        chosen = [i for i, a in enumerate(self.assets) if round(float(sample[a])) == 1]
        return {"long": [self.assets[i] for i in chosen if self.side[i] > 0],
                "short": [self.assets[i] for i in chosen if self.side[i] < 0]}
