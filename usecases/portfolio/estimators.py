"""Estimating ``mu`` and ``sigma`` from prices: log returns, sample and shrinkage, annualised.

Given prices ``P_t`` (one column per asset), the log returns are
``r_t = log(P_t / P_{t-1})``; with ``f`` periods per year (252 for daily data, 52 weekly,
12 monthly; inferred from the median spacing of the dates unless given):

* ``mu = f * mean_t(r_t)`` (annualised mean log return);
* ``sample``: ``sigma = f * S``, ``S`` the unbiased sample covariance of the returns;
* ``ledoit-wolf``: ``sigma = f * ((1 - d) S_ml + d * m I)``, the Ledoit-Wolf shrinkage
  towards a scaled identity (:class:`sklearn.covariance.LedoitWolf`), which is always
  positive definite and better conditioned when there are few dates per asset.

The factor ``f``, the estimator and (for Ledoit-Wolf) the shrinkage ``d`` are returned in
an :class:`Estimate`, and land in the instance's ``meta``.

Examples:
    >>> import pandas as pd
    >>> prices = pd.DataFrame({"A": [100.0, 101.0, 100.5, 102.0], "B": [50.0, 50.5, 51.0, 50.0]},
    ...                       index=pd.date_range("2024-01-01", periods=4, freq="B"))
    >>> est = estimate(prices, estimator="sample")
    >>> est.periods_per_year, est.sigma.shape
    (252, (2, 2))
    >>> bool(abs(est.mu[0] - 252 * np.log(102 / 100) / 3) < 1e-12)
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hybrid_workbench.errors import InstanceError

__all__ = ["Estimate", "estimate", "log_returns", "infer_periods_per_year", "ESTIMATORS"]

ESTIMATORS = ("sample", "ledoit-wolf")
Estimator = Literal["sample", "ledoit-wolf"]


@dataclass(frozen=True)
class Estimate:
    """Annualised moments estimated from prices.

    Attributes:
        mu: expected (log) returns per year.
        sigma: covariance per year.
        estimator: ``sample`` or ``ledoit-wolf``.
        periods_per_year: the annualisation factor ``f``.
        shrinkage: Ledoit-Wolf's shrinkage intensity ``d`` (None for ``sample``).
        num_returns: number of return observations used.
    """

    mu: np.ndarray
    sigma: np.ndarray
    estimator: str
    periods_per_year: int
    shrinkage: float | None
    num_returns: int

    def meta(self) -> dict[str, Any]:
        """Provenance for the instance's ``meta``."""
        return {"estimator": self.estimator, "periods_per_year": self.periods_per_year,
                "annualisation_factor": self.periods_per_year, "shrinkage": self.shrinkage,
                "num_returns": self.num_returns}


def infer_periods_per_year(index: Any) -> int:
    """252 (daily), 52 (weekly), 12 (monthly), 4 (quarterly) or 1 from the date spacing.

    Examples:
        >>> import pandas as pd
        >>> infer_periods_per_year(pd.date_range("2024-01-31", periods=6, freq="ME"))
        12
    """
    import pandas as pd

    if not isinstance(index, pd.DatetimeIndex) or len(index) < 2:
        return 252
    days = float(np.median(np.diff(index.values).astype("timedelta64[s]").astype(float))) / 86400
    for limit, factor in ((4.5, 252), (10.0, 52), (45.0, 12), (120.0, 4)):
        if days <= limit:
            return factor
    return 1


def log_returns(prices: Any) -> Any:
    """``log(P_t / P_{t-1})`` as a DataFrame (first date dropped)."""
    values = np.asarray(prices, dtype=float)
    if np.any(values <= 0):
        raise InstanceError("prices must be positive to take log returns")
    return np.log(prices).diff().iloc[1:]


def estimate(prices: Any, estimator: Estimator | str = "sample",
             periods_per_year: int | None = None) -> Estimate:
    """Annualised ``mu`` and ``sigma`` from a price DataFrame (dates x assets).

    Args:
        prices: positive prices, one column per asset, rows in time order.
        estimator: ``sample`` or ``ledoit-wolf`` (``lw`` and ``shrinkage`` are aliases).
        periods_per_year: annualisation factor; inferred from the dates when None.

    Raises:
        InstanceError: unknown estimator, or fewer than two returns.
    """
    name = str(estimator).lower().replace("_", "-")
    name = {"lw": "ledoit-wolf", "shrinkage": "ledoit-wolf", "ledoitwolf": "ledoit-wolf"}.get(name, name)
    if name not in ESTIMATORS:
        raise InstanceError(f"unknown estimator {estimator!r}; choose one of {list(ESTIMATORS)}")
    returns = log_returns(prices)
    t = len(returns)
    if t < 2:
        raise InstanceError(f"{t + 1} price dates give {t} return(s); at least 3 dates are "
                            "needed to estimate a covariance")
    factor = int(periods_per_year) if periods_per_year else infer_periods_per_year(prices.index)
    r = returns.to_numpy(dtype=float)
    mu = factor * r.mean(axis=0)
    shrinkage: float | None = None
    if name == "sample":
        cov = np.atleast_2d(np.cov(r, rowvar=False, ddof=1))
    else:
        from hybrid_workbench._optional import require

        covariance = require("sklearn.covariance", extra="ml", purpose="Ledoit-Wolf shrinkage")
        lw = covariance.LedoitWolf().fit(r)
        cov, shrinkage = lw.covariance_, float(lw.shrinkage_)
    sigma = factor * (cov + cov.T) / 2.0
    return Estimate(mu=mu, sigma=sigma, estimator=name, periods_per_year=factor,
                    shrinkage=shrinkage, num_returns=t)
