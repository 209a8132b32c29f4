"""Analysis: the efficient frontier with selected portfolios, and a rolling-window backtest.

:func:`backtest` estimates ``mu``/``Sigma`` on a trailing window of prices, asks each
strategy for target weights, holds them (weights drift with prices) until the next
rebalance, and repeats. Strategies are callables ``instance -> weights``; three are
provided: :func:`equal_weight`, :func:`markowitz_strategy` (continuous long-only, cvxpy)
and :func:`selection_strategy` (the ``k``-asset cardinality selection, solved on any
backend or by the exact baseline). Reported per strategy (daily data, 252 days a year,
zero risk-free rate): annualised geometric return, annualised volatility, Sharpe ratio,
maximum drawdown, and average one-way turnover ``sum_i |w_target - w_drifted| / 2`` per
rebalance (the initial purchase excluded).

Examples:
    >>> from hybrid_workbench.usecases.portfolio.market import factor_market, simulate_prices
    >>> prices = simulate_prices(factor_market(seed=0, size=6), days=80, seed=1)
    >>> bt = backtest(prices, {"equal": equal_weight}, k=2, window=40, hold=20)
    >>> list(bt.metrics.index), bt.returns.shape
    (['equal'], (40, 1))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hybrid_workbench.errors import InstanceError
from hybrid_workbench.usecases.portfolio.instance import PortfolioInstance

__all__ = ["BacktestResult", "backtest", "equal_weight", "markowitz_strategy",
           "selection_strategy", "performance", "plot_frontier", "plot_backtest"]

Strategy = Callable[[PortfolioInstance], np.ndarray]
DAYS = 252


def equal_weight(instance: PortfolioInstance) -> np.ndarray:
    """``1/n`` in every asset."""
    return np.full(instance.n, 1.0 / instance.n)


def markowitz_strategy(instance: PortfolioInstance) -> np.ndarray:
    """Continuous long-only Markowitz weights at the instance's risk aversion (cvxpy)."""
    from hybrid_workbench.usecases.portfolio.baselines import markowitz

    return markowitz(instance)


def selection_strategy(backend: str | None = None, options: Mapping[str, Any] | None = None,
                       seed: int = 0) -> Strategy:
    """Equal weights on the ``k`` assets chosen by ``backend`` (None: the exact baseline)."""
    def choose(instance: PortfolioInstance) -> np.ndarray:
        from hybrid_workbench.usecases.portfolio import Portfolio

        pf = Portfolio()
        if backend is None:
            selected = list(pf.baseline(instance).selected)
        else:
            selected = pf.solve(instance, backend, seed=seed, options=options).solution
        return instance.weights_of(selected)

    return choose


def performance(returns: np.ndarray) -> dict[str, float]:
    """Annual return, volatility, Sharpe and maximum drawdown of daily simple returns.

    Examples:
        >>> p = performance(np.array([0.01, -0.02, 0.01]))
        >>> round(p["max_drawdown"], 4)
        -0.02
    """
    r = np.asarray(returns, dtype=float)
    wealth = np.cumprod(1.0 + r)
    years = len(r) / DAYS
    ann_ret = float(wealth[-1] ** (1.0 / years) - 1.0) if years > 0 else float("nan")
    vol = float(np.std(r, ddof=1) * np.sqrt(DAYS)) if len(r) > 1 else float("nan")
    sharpe = float(np.mean(r) * DAYS / vol) if vol and vol > 0 else float("nan")
    peak = np.maximum.accumulate(np.concatenate([[1.0], wealth]))
    drawdown = float(np.min(np.concatenate([[1.0], wealth]) / peak - 1.0))
    return {"annual_return": ann_ret, "annual_volatility": vol, "sharpe": sharpe,
            "max_drawdown": drawdown}


@dataclass(frozen=True)
class BacktestResult:
    """Daily returns (DataFrame, one column per strategy), turnover and the metrics table."""

    returns: Any
    turnover: Any
    weights: dict[str, list[np.ndarray]]
    metrics: Any
    window: int
    hold: int

    def wealth(self) -> Any:
        """Cumulative wealth from 1."""
        return (1.0 + self.returns).cumprod()


def backtest(prices: Any, strategies: Mapping[str, Strategy], *, k: int,
             risk_aversion: float = 1.0, window: int = 252, hold: int = 21,
             estimator: str = "ledoit-wolf", progress: bool = False) -> BacktestResult:
    """Rolling-window backtest of ``strategies`` on daily ``prices`` (dates x assets).

    Args:
        prices: positive prices, rows in date order (NaN rejected).
        strategies: name -> ``instance -> target weights`` (summing to 1).
        k, risk_aversion: the selection problem's parameters at each rebalance.
        window: estimation window in days; hold: days between rebalances.
        estimator: ``sample`` or ``ledoit-wolf``.
        progress: show a rich progress bar over rebalances.
    """
    import pandas as pd

    from hybrid_workbench.usecases.portfolio.estimators import estimate

    if prices.isna().to_numpy().any():
        raise InstanceError("prices contain NaN; fill or drop them before backtesting")
    t_total = len(prices)
    if window < 3 or hold < 1 or window + 1 >= t_total:
        raise InstanceError(f"need window >= 3, hold >= 1 and more than window + 1 = "
                            f"{window + 1} dates; got window={window}, hold={hold}, "
                            f"{t_total} dates")
    px = prices.to_numpy(dtype=float)
    simple = px[1:] / px[:-1] - 1.0                 # simple[d - 1]: return from d-1 to d
    starts = list(range(window, t_total - 1, hold))
    names = list(strategies)
    daily = {s: np.zeros(t_total - 1 - window) for s in names}
    turnover: dict[str, list[float]] = {s: [] for s in names}
    held: dict[str, list[np.ndarray]] = {s: [] for s in names}
    drifted = {s: None for s in names}
    bar = _progress(progress, len(starts))
    for t in starts:
        est = estimate(prices.iloc[t - window:t + 1], estimator=estimator, periods_per_year=DAYS)
        inst = PortfolioInstance(f"window-{t}", tuple(map(str, prices.columns)), est.mu,
                                 est.sigma, k=k, risk_aversion=risk_aversion,
                                 meta={"source": f"window ending {prices.index[t]}"})
        end = min(t + hold, t_total - 1)
        for s in names:
            w = np.asarray(strategies[s](inst), dtype=float)
            if drifted[s] is not None:
                turnover[s].append(float(np.abs(w - drifted[s]).sum() / 2.0))
            held[s].append(w)
            value = w.copy()
            for d in range(t + 1, end + 1):
                growth = 1.0 + simple[d - 1]
                daily[s][d - 1 - window] = float(value @ growth / value.sum() - 1.0)
                value = value * growth
            drifted[s] = value / value.sum()
        if bar is not None:
            bar[0].advance(bar[1])
    if bar is not None:
        bar[0].stop()
    returns = pd.DataFrame(daily, index=prices.index[window + 1:])
    rows = {s: {**performance(returns[s].to_numpy()),
                "avg_turnover": float(np.mean(turnover[s])) if turnover[s] else 0.0,
                "rebalances": len(starts)} for s in names}
    metrics = pd.DataFrame(rows).T[["annual_return", "annual_volatility", "sharpe",
                                    "max_drawdown", "avg_turnover", "rebalances"]]
    return BacktestResult(returns, pd.DataFrame({s: pd.Series(v, dtype=float)
                                                 for s, v in turnover.items()}),
                          held, metrics, window, hold)


def _progress(enabled: bool, total: int) -> tuple[Any, Any] | None:
    if not enabled:
        return None
    from rich.progress import Progress

    bar = Progress(transient=True)
    bar.start()
    return bar, bar.add_task("backtest", total=total)


def plot_frontier(instance: PortfolioInstance, frontier: Mapping[str, np.ndarray] | None = None,
                  selections: Mapping[str, Sequence[str] | np.ndarray] | None = None,
                  ax: Any = None) -> Any:
    """Efficient frontier, single assets, and portfolios (asset lists or weight vectors)."""
    import matplotlib.pyplot as plt

    from hybrid_workbench.usecases.portfolio.baselines import efficient_frontier

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    front = frontier if frontier is not None else efficient_frontier(instance)
    ax.plot(front["volatility"], front["return"], "-", color="black", lw=1.5,
            label="efficient frontier (long-only, continuous)")
    vol = np.sqrt(np.diag(instance.sigma))
    ax.scatter(vol, instance.mu, s=10, color="0.6", label="single assets")
    markers = iter("o^sDvP*Xh")
    for label, sel in (selections or {}).items():
        sel_arr = np.asarray(sel)
        w = sel_arr.astype(float) if sel_arr.dtype.kind == "f" else instance.weights_of(list(sel))
        ax.scatter([np.sqrt(w @ instance.sigma @ w)], [instance.mu @ w], s=70,
                   marker=next(markers, "o"), label=label, zorder=3)
    ax.set_xlabel("volatility (annualised)")
    ax.set_ylabel("expected return (annualised)")
    ax.set_title(f"{instance.name}: frontier and selected portfolios (k = {instance.k})")
    ax.legend(fontsize=8)
    return ax.figure


def plot_backtest(result: BacktestResult, ax: Any = None) -> Any:
    """Cumulative wealth of every strategy."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    wealth = result.wealth()
    for col in wealth.columns:
        ax.plot(wealth.index, wealth[col], label=col)
    ax.set_ylabel("wealth (start = 1)")
    ax.set_title(f"rolling backtest: {result.window}-day window, rebalance every {result.hold} days")
    ax.legend(fontsize=8)
    return ax.figure
