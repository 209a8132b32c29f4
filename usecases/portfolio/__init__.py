"""Portfolio optimisation: from prices (or mu and Sigma) to a selection, solved on any backend.

The default problem is **cardinality selection**: hold exactly ``k`` of ``n`` assets with
equal weights ``w = z / k`` and maximise ``mu.w - lambda w' Sigma w`` (higher is better).
The BQM energy of a feasible sample is exactly ``-objective``; the penalty that enforces
``sum z = k`` is computed per instance and proved sufficient in
:mod:`hybrid_workbench.usecases.portfolio.formulations`, which also holds the CQM, the integer-lot and the
long/short formulations (formulation option ``formulation=cardinality|lots|longshort``).

Instances come from the JSON format or a CSV of prices (:mod:`.instance`, :mod:`.prices`,
:mod:`.estimators`), or from a seeded factor-model market (:mod:`.market`). Baselines
(enumeration, SCIP MIQP, cvxpy Markowitz) are in :mod:`.baselines`; the efficient-frontier
plot and the rolling-window backtest in :mod:`.analysis`.

Examples:
    >>> from hybrid_workbench.usecases.portfolio import Portfolio
    >>> pf = Portfolio()
    >>> inst = pf.generate(seed=0, size=10, k=3)
    >>> out = pf.solve(inst, "exact", seed=0)
    >>> out.evaluation.feasible, len(out.solution)
    (True, 3)
    >>> abs(out.evaluation.objective + out.result.energy) < 1e-12
    True
    >>> abs(out.evaluation.objective - pf.baseline(inst).objective) < 1e-12
    True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hybrid_workbench.errors import OptionsError, ProblemTooLargeError
from hybrid_workbench.formulation import Formulation, FormulationOptions
from hybrid_workbench.result import Result
from hybrid_workbench.usecase import Evaluation, UseCase
from hybrid_workbench.usecases.portfolio.instance import PortfolioInstance
from hybrid_workbench.usecases.portfolio.loader import load_instance

__all__ = ["Portfolio", "PortfolioInstance", "PortfolioOptions"]

FORMULATIONS = ("cardinality", "lots", "longshort")
MAX_EXACT_ASSETS = 632           # dense models an exact backend is given: n (n - 1) / 2
MAX_EXACT_TERMS = MAX_EXACT_ASSETS * (MAX_EXACT_ASSETS - 1) // 2   # 199,396 products
BYTES_PER_TERM = 1200            # cpsat taking a dense CQM: 1000 and 2000 assets, measured
SECONDS_PER_TERM = 7e-5          # the same runs: 36 s for 1000 assets, 2 cores


@dataclass(frozen=True)
class PortfolioOptions(FormulationOptions):
    """Formulation options of ``portfolio``.

    Attributes:
        model_kind: ``bqm`` (penalised) or ``cqm`` (exact constraint); by default the CQM
            where the backend takes one, else the BQM (``formulate`` alone: the BQM).
        formulation: ``cardinality`` (default), ``lots`` or ``longshort`` (BQM only).
        penalty: override the proven penalty (experiments only); a finite number >= 0.
        budget: budget units for ``lots``; an integer >= 1.
        alpha: correlation weight for ``longshort``; a finite number >= 0.
        beta: balance weight for ``longshort``; a finite number >= 0.
    """

    model_kind: Literal["cqm", "bqm"] | None = None
    formulation: Literal["cardinality", "lots", "longshort"] = "cardinality"
    penalty: float | None = None
    budget: int = 10
    alpha: float = 1.0
    beta: float = 1.0

    def __post_init__(self) -> None:
        for name in ("penalty", "alpha", "beta"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise OptionsError(f"option {name!r} must be a finite number >= 0, "
                                   f"got {value!r}")
        if self.budget < 1:
            raise OptionsError(f"option 'budget' must be an integer >= 1 (budget units), "
                               f"got {self.budget!r}")
        if self.formulation == "longshort" and self.model_kind == "cqm":
            raise OptionsError("option 'model_kind' must be bqm (or unset) for the longshort "
                               "formulation, which has no CQM form; got 'cqm'")


class Portfolio(UseCase):
    """Mean-variance portfolio selection (cardinality, integer lots, long/short)."""

    name = "portfolio"
    description = "mean-variance selection of k assets (w = z/k); objective mu.w - lambda w'Sigma w"
    sense = "max"
    model_kinds = ("cqm", "bqm")   # CQM where a backend takes it (cpsat), else the BQM
    default_model_kind = "bqm"
    FormulationOptions = PortfolioOptions
    formats = ("JSON {assets, mu, sigma, k, risk_aversion}, or a CSV of prices (date column + "
               "one column per asset) with --param k=5 --param risk_aversion=1 "
               "--param estimator=sample|ledoit-wolf")

    # -- instances --------------------------------------------------------------------------
    def load(self, source: str | Path, **params: Any) -> PortfolioInstance:
        return load_instance(source, **params)

    def generate(self, seed: int = 0, size: int = 20, k: int | None = None,
                 risk_aversion: float = 1.0, num_factors: int = 4) -> PortfolioInstance:
        """A factor-model market of ``size`` assets; ``k`` defaults to ``max(2, size // 5)``."""
        from hybrid_workbench.usecases.portfolio.market import factor_market

        market = factor_market(seed=seed, size=size, num_factors=num_factors)
        k = max(2, int(size) // 5) if k is None else k
        return PortfolioInstance(
            name=f"factor-n{size}-k{k}-s{seed}", assets=market.assets, mu=market.mu,
            sigma=market.sigma, k=k, risk_aversion=risk_aversion,
            meta={"source": "generate", "seed": seed, "num_factors": num_factors})

    def instance_name(self, instance: PortfolioInstance) -> str:
        return instance.name

    # -- the flow ---------------------------------------------------------------------------
    def model_kinds_for(self, options: PortfolioOptions) -> tuple[str, ...]:
        """Long/short is a BQM only; the other formulations have both forms."""
        return ("bqm",) if options.formulation == "longshort" else self.model_kinds

    def _formulate(self, instance: PortfolioInstance, options: PortfolioOptions
                   ) -> Formulation[Any]:
        """The model of one formulation (see :class:`PortfolioOptions`)."""
        from hybrid_workbench.usecases.portfolio import formulations as F

        kind, penalty, budget = options.model_kind, options.penalty, options.budget
        assets = tuple(instance.assets)
        if options.formulation == "cardinality":
            pick = F.PickDecoder(assets)
            info: dict[str, Any] = {"formulation": "cardinality", "model": kind,
                                    "weights": "w = z / k", "k": instance.k,
                                    "energy": "-objective on feasible samples"}
            if kind == "cqm":
                return Formulation(F.cardinality_cqm(instance), pick,
                                   {**info, "constraint": "sum z = k"})
            bqm, p = F.cardinality_bqm(instance, penalty)
            proven, shift = F.cardinality_penalty(instance)
            return Formulation(bqm, pick, {**info, "penalty": p, "penalty_proven": proven,
                                           "linear_shift": shift if penalty is None else 0.0,
                                           "constraint": "A (sum z - k)^2 + b (sum z - k)"})
        if options.formulation == "lots":
            info = {"formulation": "lots", "model": kind, "budget": budget,
                    "weights": "w_i = lot_cost_i n_i / budget"}
            if kind == "cqm":
                return Formulation(F.lots_cqm(instance, budget), F.LotsDecoder(assets, budget),
                                   info)
            bqm, inverter, p = F.lots_bqm(instance, budget, penalty)
            return Formulation(bqm, F.LotsDecoder(assets, budget, inverter),
                               {**info, "penalty": p, "encoding": "dimod.cqm_to_bqm"})
        bqm, gamma = F.longshort_bqm(instance, options.alpha, options.beta, penalty)
        _, side = F.longshort_sides(instance)
        return Formulation(bqm, F.SidesDecoder(assets, tuple(side.tolist())),
                           {"formulation": "longshort", "model": "bqm", "alpha": options.alpha,
                            "beta": options.beta, "penalty": gamma,
                            "signal": "mu - median(mu)"})

    def check(self, instance: PortfolioInstance, options: PortfolioOptions, backend: Any,
              backend_options: Any) -> None:
        """The backend's size limit; then, for exact solvers, the dense model's
        ``n (n - 1) / 2`` products, refused above :data:`MAX_EXACT_TERMS` with the cost
        estimate (annealers take such models; an exact solver would build for minutes and
        find nothing)."""
        super().check(instance, options, backend, backend_options)
        n = instance.n
        terms = n * (n - 1) // 2
        if getattr(backend, "exact", False) and terms > MAX_EXACT_TERMS:
            raise ProblemTooLargeError(
                f"portfolio: {n} assets make a dense {options.model_kind} with {terms:,} "
                f"quadratic terms; exact backend {backend.name!r} would need about "
                f"{terms * BYTES_PER_TERM / 2**30:.1f} GiB and {terms * SECONDS_PER_TERM:.0f} s "
                f"just to take the model; exact backends get at most {MAX_EXACT_ASSETS} "
                f"assets ({MAX_EXACT_TERMS:,} terms): use an annealing backend (dwave-sa, sb) "
                "or a smaller universe")

    def interpret(self, instance: PortfolioInstance, formulation: Formulation[Any],
                  result: Result) -> Any:
        from hybrid_workbench.usecases.portfolio.formulations import (
            LotsDecoder,
            PickDecoder,
        )

        decoder = formulation.decoder
        if result.sample is None:
            return [] if isinstance(decoder, PickDecoder) else {}
        decoded = formulation.decode(result.sample)
        if isinstance(decoder, LotsDecoder):
            return {"lots": {a: n for a, n in decoded.items() if n}, "budget": decoder.budget}
        return decoded

    def evaluate(self, instance: PortfolioInstance, solution: Any) -> Evaluation:
        """Feasibility, ``mu.w - lambda w' Sigma w``, return, volatility and Sharpe ratio."""
        if isinstance(solution, Mapping) and "lots" in solution:
            budget = int(solution.get("budget", 10))
            cost = instance.lot_cost if instance.lot_cost is not None else np.ones(instance.n)
            w = np.zeros(instance.n)
            idx = instance.index_of(solution["lots"])
            lots = np.array([solution["lots"][instance.assets[i]] for i in idx], dtype=float)
            w[idx] = cost[idx] * lots / budget
            spent = float(np.sum(cost[idx] * lots))
            feasible = bool(spent <= budget + 1e-9 and np.all(lots >= 0))
            return Evaluation(feasible, instance.mean_variance(w),
                              {**self._kpis(instance, w), "spent_units": spent, "budget": budget})
        if isinstance(solution, Mapping) and ("long" in solution or "short" in solution):
            w = np.zeros(instance.n)
            w[instance.index_of(solution.get("long", []))] = 1.0 / instance.k
            w[instance.index_of(solution.get("short", []))] = -1.0 / instance.k
            count = int(np.count_nonzero(w))
            return Evaluation(count == instance.k, instance.mean_variance(w),
                              {**self._kpis(instance, w), "num_long": len(solution.get("long", [])),
                               "num_short": len(solution.get("short", [])), "k": instance.k})
        selected = list(solution)
        idx = instance.index_of(selected)
        feasible = len(selected) == instance.k and len(set(idx.tolist())) == len(selected)
        w = np.zeros(instance.n)
        w[idx] = 1.0 / instance.k
        metrics = {**self._kpis(instance, w), "num_selected": len(selected), "k": instance.k}
        return Evaluation(bool(feasible), instance.mean_variance(w), metrics)

    @staticmethod
    def _kpis(instance: PortfolioInstance, w: np.ndarray) -> dict[str, float]:
        ret = float(instance.mu @ w)
        vol = float(np.sqrt(max(0.0, w @ instance.sigma @ w)))
        return {"expected_return": ret, "volatility": vol,
                "sharpe": ret / vol if vol > 0 else float("nan"),
                "gross_exposure": float(np.abs(w).sum())}

    def baseline(self, instance: PortfolioInstance, method: str = "auto",
                 time_limit: float | None = 60.0, seed: int = 0) -> Any:
        """The strongest classical answer: enumeration where ``C(n, k) <= 2e6``, else SCIP.

        Returns a :class:`~hybrid_workbench.usecases.portfolio.baselines.BaselineSolution` (``selected``,
        ``objective``, ``bound``, ``status``, ``proof``).
        """
        from hybrid_workbench.usecases.portfolio.baselines import (
            ENUMERATION_LIMIT,
            enumerate_best,
            scip_best,
        )

        if method not in ("auto", "enumeration", "scip"):
            raise OptionsError(f"portfolio baseline: method must be one of auto, enumeration, "
                               f"scip; got {method!r}")
        if method == "enumeration" or (method == "auto" and
                                       math.comb(instance.n, instance.k) <= ENUMERATION_LIMIT):
            return enumerate_best(instance)
        return scip_best(instance, time_limit=time_limit, seed=seed)

    def reference_kind(self, instance: PortfolioInstance) -> tuple[str, str]:
        return "certified", (f"portfolio: enumeration of all C({instance.n}, {instance.k}) "
                             "selections")

    def reference(self, instance: PortfolioInstance) -> float | None:
        """The certified optimum where enumeration is cheap (``C(n, k) <= 2e5``)."""
        if math.comb(instance.n, instance.k) > 200_000:
            return None
        from hybrid_workbench.usecases.portfolio.baselines import enumerate_best

        return enumerate_best(instance).objective
