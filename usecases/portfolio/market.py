"""A seeded synthetic market: a linear factor model for 10 to 500 assets, and its prices.

Returns follow ``r = alpha + B f + e`` with ``m`` factors (a market factor plus sectors):

* factor returns ``f ~ N(premia, diag(factor_vol^2))`` (market premium 6 %/yr at 16 % vol,
  other factors 1-3 %/yr at 5-10 % vol);
* loadings ``B``: market beta ``~ U(0.5, 1.5)``, other loadings ``~ N(0, 0.4^2)``;
* idiosyncratic noise ``e ~ N(0, diag(d^2))`` with ``d ~ U(0.10, 0.35)``/yr, and a small
  alpha ``~ N(0, 0.02^2)``/yr per asset.

So the annualised model is ``mu = alpha + B premia`` and
``Sigma = B diag(factor_vol^2) B' + diag(d^2)``, positive definite by construction.
:func:`simulate_prices` draws daily log returns from the same model (Gaussian,
``mu/252`` and ``Sigma/252`` per day) and compounds them into prices starting at 100, so
that estimators and backtests can be checked against the known truth.

Examples:
    >>> m = factor_market(seed=1, size=10)
    >>> m.mu.shape, m.sigma.shape, bool(np.linalg.eigvalsh(m.sigma)[0] > 0)
    ((10,), (10, 10), True)
    >>> p = simulate_prices(m, days=5, seed=2)
    >>> p.shape, float(p.iloc[0, 0])
    ((6, 10), 100.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hybrid_workbench.errors import InstanceError

__all__ = ["FactorMarket", "factor_market", "simulate_prices", "TRADING_DAYS"]

TRADING_DAYS = 252
MAX_ASSETS = 5000


@dataclass(frozen=True, eq=False)
class FactorMarket:
    """An annualised factor model.

    Attributes:
        assets: names ``S000``, ``S001``, ...
        mu: expected returns per year.
        sigma: covariance per year (``B F B' + D``).
        loadings: ``B``, shape ``(n, m)``.
        factor_cov: ``F``, shape ``(m, m)``.
        idio_var: ``diag(D)``, shape ``(n,)``.
        seed: the seed it was drawn from.
    """

    assets: tuple[str, ...]
    mu: np.ndarray
    sigma: np.ndarray
    loadings: np.ndarray
    factor_cov: np.ndarray
    idio_var: np.ndarray
    seed: int


def factor_market(seed: int = 0, size: int = 20, num_factors: int = 4) -> FactorMarket:
    """Draw a factor-model market of ``size`` assets from ``seed`` (same seed, same market).

    Raises:
        InstanceError: ``size`` or ``num_factors`` out of range.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 2 <= size <= MAX_ASSETS:
        raise InstanceError(f"size must be an integer in 2..{MAX_ASSETS}, got {size!r}")
    if not 1 <= num_factors <= 20:
        raise InstanceError(f"num_factors must be in 1..20, got {num_factors!r}")
    rng = np.random.default_rng(seed)
    n, m = int(size), int(num_factors)
    premia = np.concatenate([[0.06], rng.uniform(0.01, 0.03, m - 1)])
    factor_vol = np.concatenate([[0.16], rng.uniform(0.05, 0.10, m - 1)])
    loadings = np.column_stack([rng.uniform(0.5, 1.5, n), rng.normal(0.0, 0.4, (n, m - 1))])
    idio = rng.uniform(0.10, 0.35, n)
    alpha = rng.normal(0.0, 0.02, n)
    factor_cov = np.diag(factor_vol ** 2)
    sigma = loadings @ factor_cov @ loadings.T + np.diag(idio ** 2)
    mu = alpha + loadings @ premia
    width = max(3, len(str(n - 1)))
    assets = tuple(f"S{i:0{width}d}" for i in range(n))
    return FactorMarket(assets=assets, mu=mu, sigma=(sigma + sigma.T) / 2, loadings=loadings,
                        factor_cov=factor_cov, idio_var=idio ** 2, seed=seed)


def simulate_prices(market: FactorMarket, days: int = 504, seed: int = 0,
                    start: str = "2020-01-01") -> Any:
    """Daily prices (business days) drawn from ``market``: a DataFrame of ``days + 1`` rows.

    Daily log returns are ``N(mu / 252, Sigma / 252)``, drawn through the factor structure
    (factors then idiosyncratic noise), so 500 assets cost no Cholesky of a 500 x 500 matrix.
    """
    import pandas as pd

    if days < 2:
        raise InstanceError(f"days must be >= 2, got {days}")
    rng = np.random.default_rng(seed)
    n, m = market.loadings.shape
    dt = 1.0 / TRADING_DAYS
    f = rng.normal(0.0, 1.0, (days, m)) * np.sqrt(np.diag(market.factor_cov) * dt)
    e = rng.normal(0.0, 1.0, (days, n)) * np.sqrt(market.idio_var * dt)
    r = market.mu * dt + f @ market.loadings.T + e
    log_prices = np.vstack([np.zeros(n), np.cumsum(r, axis=0)])
    index = pd.bdate_range(start=start, periods=days + 1)
    return pd.DataFrame(100.0 * np.exp(log_prices), index=index, columns=list(market.assets))
