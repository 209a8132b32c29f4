"""Benchmark metrics over repeated solves: quality, success, time to solution, with CIs.

The one place where runs are scored: ``hybrid bench`` and ``hybrid demo`` (through
:func:`summarise`) and ``hybrid compare`` (through :func:`side_by_side`) all come here.

The **reference** of an instance (:func:`choose_reference`) is the use case's own
(:meth:`UseCase.reference`: certified or best-known optimum, computed once per instance by
a batch) where it knows one, else the best feasible objective seen across backends, marked
``best seen`` (and ``proved optimal by <backend>`` when a run that reached it carried a
proof).

For one (instance, backend) group of repeats, against that reference:

* **approximation ratio** -- objective over reference, oriented so that 1 is optimal and
  smaller is worse for both senses and both signs (see :func:`approximation_ratio`);
* **success probability** ``p`` -- share of runs that are feasible and reach the reference
  (relative tolerance ``1e-6``);
* **TTS99** -- expected time to see the reference at least once with 99 % confidence when
  repeating a run of mean wall time ``t``: ``t * log(1 - 0.99) / log(1 - p)`` (``t`` when
  ``p >= 0.99``, infinite when ``p = 0``);
* **feasibility rate**;

each with a percentile bootstrap confidence interval (:func:`scipy.stats.bootstrap`,
resampling the repeats; TTS resamples (time, success) pairs together).

Examples:
    >>> round(tts(1.0, 0.5), 3)          # log(0.01) / log(0.5) runs of 1 s
    6.644
    >>> tts(2.0, 0.995), tts(1.0, 0.0)
    (2.0, inf)
    >>> approximation_ratio(90.0, 100.0, "max"), approximation_ratio(110.0, 100.0, "min")
    (0.9, 0.9090909090909091)
    >>> approximation_ratio(-1.0, -1.25, "min")   # negative energies: 1.0 would be optimal
    0.8
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "RTOL",
    "approximation_ratio",
    "bootstrap_ci",
    "choose_reference",
    "deadline_table",
    "gap_pct",
    "group_metrics",
    "instance_sense",
    "reaches",
    "side_by_side",
    "summarise",
    "time_to_target",
    "tts",
]

#: Relative tolerance for "reached the reference".
RTOL = 1e-6


def tts(t: float, p: float, target: float = 0.99) -> float:
    """Time to solution at ``target`` confidence from run time ``t`` and success probability ``p``."""
    if not 0 < target < 1:
        raise ValueError(f"target must be in (0, 1), got {target}")
    if p <= 0:
        return math.inf
    if p >= target:
        return float(t)
    return float(t) * math.log(1 - target) / math.log(1 - p)


def approximation_ratio(objective: float | None, reference: float | None,
                        sense: str) -> float | None:
    """``objective / reference`` oriented so that 1 is the reference and below 1 is worse.

    For a maximisation with a positive reference (or a minimisation with a negative one)
    the ratio is ``objective / reference``; otherwise ``reference / objective``. None when
    undefined (missing values, zero, or opposite signs).
    """
    if objective is None or reference is None or reference == 0 or objective == 0:
        return None
    if (objective > 0) != (reference > 0):
        return None
    direct = (sense == "max") == (reference > 0)
    return float(objective / reference) if direct else float(reference / objective)


def gap_pct(objective: float | None, reference: float | None, sense: str) -> float | None:
    """How far ``objective`` is from ``reference``, in % of ``|reference|``; 0 is as good,
    positive is worse (for both senses). None where undefined.

    Examples:
        >>> gap_pct(99.0, 100.0, "max"), gap_pct(101.0, 100.0, "min"), gap_pct(-9.0, -10.0, "min")
        (1.0, 1.0, 10.0)
    """
    if objective is None or reference is None or reference == 0:
        return None
    diff = reference - objective if sense == "max" else objective - reference
    return 100.0 * diff / abs(reference)


def time_to_target(trace: Sequence[Sequence[float]], wall_s: float | None,
                   objective: float | None, feasible: bool | None, target: float | None,
                   sense: str, rtol: float = RTOL, sigma: float | None = None) -> float | None:
    """Seconds until a run first reached ``target``: from its best-so-far ``trace`` of
    ``(t, objective)`` pairs, else its wall time; None if it never did.

    Examples:
        >>> time_to_target([(0.1, 5.0), (0.4, 9.0)], 1.0, 9.0, True, 9.0, "max")
        0.4
        >>> time_to_target([], 1.0, 9.0, True, 9.0, "max"), time_to_target([], 1.0, 8.0, True, 9.0, "max")
        (1.0, None)
    """
    if not reaches(objective, feasible, target, sense, rtol, sigma):
        return None
    for t, obj in trace:
        if reaches(obj, True, target, sense, rtol, sigma):
            return float(t)
    return None if wall_s is None else float(wall_s)


def reaches(objective: float | None, feasible: bool | None, reference: float | None,
            sense: str, rtol: float = RTOL, sigma: float | None = None) -> bool:
    """Whether a run is feasible and at least as good as ``reference`` (within ``rtol``).

    Where the objective is itself estimated from samples (an XEB from shots, an energy
    from measurements), ``sigma`` is its standard error and the run counts as reaching the
    reference within two standard errors: a perfect sampler's XEB of 0.4942 against an
    expectation of 0.4963 with sigma 0.03 succeeds.

    Examples:
        >>> reaches(0.4942, True, 0.4963, "max"), reaches(0.4942, True, 0.4963, "max", sigma=0.03)
        (False, True)
    """
    if objective is None or not feasible or reference is None:
        return False
    slack = max(rtol * max(1.0, abs(reference)), 2.0 * float(sigma or 0.0))
    return objective >= reference - slack if sense == "max" else objective <= reference + slack


def bootstrap_ci(data: Sequence[Any] | tuple[Sequence[Any], ...],
                 statistic: Callable[..., float], *, confidence: float = 0.95,
                 n_resamples: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic`` (paired when ``data`` is a tuple).

    Degenerate samples (one value, or all equal) give the point estimate as both ends;
    an infinite statistic in some resamples gives an infinite upper end.
    """
    from scipy import stats

    samples = data if isinstance(data, tuple) else (data,)
    arrays = tuple(np.asarray(s, dtype=float) for s in samples)
    n = len(arrays[0])
    if n == 0:
        return (math.nan, math.nan)
    point = float(statistic(*arrays))
    if n == 1 or all(np.all(a == a[0]) for a in arrays):
        return (point, point)
    # the percentile method takes infinities (TTS at p = 0) in its stride; the standard
    # error scipy computes alongside does not, hence the silenced warnings
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.bootstrap(arrays, lambda *xs: statistic(*xs), paired=len(arrays) > 1,
                              vectorized=False, confidence_level=confidence,
                              n_resamples=n_resamples, method="percentile",
                              rng=np.random.default_rng(seed))
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return (lo, hi)


def group_metrics(rows: Sequence[dict[str, Any]], reference: float | None, sense: str, *,
                  confidence: float = 0.95, n_resamples: int = 1000) -> dict[str, Any]:
    """Metrics of one (instance, backend) group of run rows (store rows).

    Rows with status ``error`` or ``timeout`` count as runs that did not succeed (their
    time is what the run cost); objectives and ratios come from the rows that produced one.
    """
    n = len(rows)
    objs = [r["objective"] for r in rows if r.get("objective") is not None and r.get("feasible")]
    feas = np.array([1.0 if r.get("feasible") else 0.0 for r in rows])
    succ = np.array([1.0 if reaches(r.get("objective"), r.get("feasible"), reference, sense,
                                    sigma=objective_sigma(r))
                     else 0.0 for r in rows])
    times = np.array([float(r["wall_s"]) if r.get("wall_s") is not None else math.nan for r in rows])
    times = np.where(np.isnan(times), np.nanmean(times) if np.isfinite(times).any() else 0.0, times)
    ratios = [approximation_ratio(o, reference, sense) for o in objs]
    ratios = [x for x in ratios if x is not None]
    best = (max(objs) if sense == "max" else min(objs)) if objs else None
    ci = {"confidence": confidence, "n_resamples": n_resamples}
    out: dict[str, Any] = {
        "runs": n,
        "errors": sum(1 for r in rows if r.get("status") == "error"),
        "timeouts": sum(1 for r in rows if r.get("status") == "timeout"),
        "best_objective": best,
        "mean_objective": float(np.mean(objs)) if objs else None,
        "mean_objective_ci": bootstrap_ci(objs, np.mean, **ci) if objs else None,
        "approx_ratio": float(np.mean(ratios)) if ratios else None,
        "approx_ratio_ci": bootstrap_ci(ratios, np.mean, **ci) if ratios else None,
        "feasibility_rate": float(feas.mean()) if n else None,
        "feasibility_rate_ci": bootstrap_ci(feas, np.mean, **ci) if n else None,
        "success_probability": float(succ.mean()) if n and reference is not None else None,
        "success_probability_ci": (bootstrap_ci(succ, np.mean, **ci)
                                   if n and reference is not None else None),
        "mean_wall_s": float(times.mean()) if n else None,
    }
    if n and reference is not None:
        out["tts99_s"] = tts(float(times.mean()), float(succ.mean()))
        out["tts99_s_ci"] = bootstrap_ci((times, succ), lambda t, s: tts(float(np.mean(t)),
                                                                         float(np.mean(s))), **ci)
    else:
        out["tts99_s"], out["tts99_s_ci"] = None, None
    return out


def instance_sense(rows: Sequence[Mapping[str, Any]], usecase: str) -> str:
    """``'max'`` or ``'min'``: from the rows, else from the registered use case."""
    for r in rows:
        if r.get("sense") in ("max", "min"):
            return str(r["sense"])
    try:
        from hybrid_workbench.registry import get_usecase

        return str(get_usecase(usecase).sense)
    except Exception:  # noqa: BLE001 - a store may outlive its use case's plugin
        return "min"


def choose_reference(rows: Sequence[Mapping[str, Any]], sense: str) -> tuple[float | None, str]:
    """An instance's reference objective and where it comes from (see the module text).

    ``rows`` are one instance's runs on every backend; a ``reference`` key holds the use
    case's own value where known.
    """
    known = [r["reference"] for r in rows if r.get("reference") is not None]
    if known:
        return float(known[0]), "use case (best known or certified)"
    feasible = [r for r in rows if r.get("objective") is not None and r.get("feasible")]
    if not feasible:
        return None, "none (no feasible run)"
    pick = max if sense == "max" else min
    best = pick(float(r["objective"]) for r in feasible)
    provers = sorted({r["backend"] for r in feasible
                      if r.get("status") == "optimal" and float(r["objective"]) == best})
    if provers:
        return best, f"best seen (proved optimal by {', '.join(provers)})"
    return best, "best seen"


def summarise(rows: Iterable[Mapping[str, Any]], *, confidence: float = 0.95,
              n_resamples: int = 1000) -> Any:
    """One :class:`pandas.DataFrame` row per (use case, instance, backend variant) with its
    metrics; a backend run with several option values or time limits gets one row per
    variant, named by :func:`~hybrid_workbench.batch.variants.variant_labels`."""
    import pandas as pd

    from hybrid_workbench.batch.variants import variant_labels

    rows = [dict(r) for r in rows]
    for r, label in zip(rows, variant_labels(rows)):
        r["_variant"] = label
    by_instance: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        by_instance.setdefault((r["usecase"], r["instance"]), []).append(r)
    out = []
    for (usecase, instance), group in sorted(by_instance.items()):
        sense = instance_sense(group, usecase)
        reference, source = choose_reference(group, sense)
        for variant in sorted({r["_variant"] for r in group}):
            runs = [r for r in group if r["_variant"] == variant]
            m = group_metrics(runs, reference, sense, confidence=confidence,
                              n_resamples=n_resamples)
            out.append({"usecase": usecase, "instance": instance, "backend": variant,
                        "backend_name": runs[0]["backend"],
                        "sense": sense, **m, "failed": m["errors"] + m["timeouts"],
                        "reference": reference, "reference_source": source})
    return pd.DataFrame(out)


def side_by_side(rows: Iterable[Mapping[str, Any]], sense: str,
                 reference: float | None = None) -> tuple[list[dict[str, Any]], float | None, str]:
    """One instance's single runs on several backends, scored against one reference.

    ``rows`` need ``backend``, ``objective``, ``feasible`` and ``status`` (an
    :meth:`Outcome.to_dict` will do); ``reference`` is the use case's own where known.
    Each row comes back with ``approx_ratio``, ``reached`` (feasible and at the reference)
    and ``best`` (the best feasible objective among these runs). Returns (rows, reference,
    where the reference comes from).

    Examples:
        >>> runs = [{"backend": "a", "objective": 4.0, "feasible": True, "status": "optimal"},
        ...         {"backend": "b", "objective": 3.0, "feasible": True, "status": "best_found"}]
        >>> scored, ref, source = side_by_side(runs, "max")
        >>> [(r["approx_ratio"], r["reached"], r["best"]) for r in scored], ref, source
        ([(1.0, True, True), (0.75, False, False)], 4.0, 'best seen (proved optimal by a)')
    """
    rows = [dict(r) for r in rows]
    given = [{**r, "reference": reference} for r in rows] if reference is not None else rows
    ref, source = choose_reference(given, sense)
    values = [float(r["objective"]) for r in rows
              if r.get("objective") is not None and r.get("feasible")]
    best = (max(values) if sense == "max" else min(values)) if values else None
    for r in rows:
        obj = r.get("objective")
        r["approx_ratio"] = approximation_ratio(obj, ref, sense) if r.get("feasible") else None
        r["reached"] = reaches(obj, r.get("feasible"), ref, sense, sigma=objective_sigma(r))
        r["best"] = bool(r.get("feasible")) and obj is not None and float(obj) == best
    return rows, ref, source


def objective_sigma(row: Mapping[str, Any]) -> float | None:
    """The standard error of a row's objective where the use case estimated it from samples
    (``metrics['objective_sigma']`` in the stored outcome), else None."""
    if row.get("objective_sigma") is not None:
        return float(row["objective_sigma"])
    outcome = row.get("outcome")
    if isinstance(outcome, str) and "objective_sigma" in outcome:
        import json

        try:
            value = json.loads(outcome).get("metrics", {}).get("objective_sigma")
        except (ValueError, AttributeError):
            return None
        return None if value is None else float(value)
    return None


def deadline_table(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Whether each (instance, backend, limit) kept its time limit: the deadline contract.

    A run keeps it when its solve time is within ``limit + max(0.5 s, 5 %)``
    (:func:`hybrid_workbench.deadline.grace_s`). Runs killed by the batch watchdog count as
    over; runs refused before work (size limits, a limit too short for the model) are
    counted apart, since no time was spent.

    Examples:
        >>> rows = [{"instance": "g", "backend": "sb", "time_limit": 2.0, "wall_s": 2.3,
        ...          "status": "best_found"},
        ...         {"instance": "g", "backend": "sb", "time_limit": 2.0, "wall_s": 3.1,
        ...          "status": "timeout"}]
        >>> [(r["runs"], r["kept"], r["max_wall_s"]) for r in deadline_table(rows)]
        [(2, 1, 3.1)]
    """
    from hybrid_workbench.deadline import grace_s

    groups: dict[tuple[str, str, float], list[Mapping[str, Any]]] = {}
    for r in rows:
        if r.get("time_limit") is None:
            continue
        key = (str(r.get("instance_name") or r["instance"]), str(r["backend"]),
               float(r["time_limit"]))
        groups.setdefault(key, []).append(r)
    out = []
    for (instance, backend, limit), runs in sorted(groups.items()):
        timed = [r for r in runs if r.get("status") not in ("error", "crashed")
                 and r.get("wall_s") is not None]
        walls = [float(r["wall_s"]) for r in timed]
        bound = limit + grace_s(limit)
        kept = sum(1 for r, w in zip(timed, walls) if r.get("status") != "timeout" and w <= bound)
        out.append({"instance": instance, "backend": backend, "limit_s": limit,
                    "bound_s": bound, "runs": len(timed), "kept": kept,
                    "max_wall_s": max(walls) if walls else None,
                    "median_wall_s": float(np.median(walls)) if walls else None,
                    "refused": len(runs) - len(timed),
                    "reason": next((str(r.get("error")) for r in runs
                                    if r.get("status") == "error" and r.get("error")), "")})
    return out
