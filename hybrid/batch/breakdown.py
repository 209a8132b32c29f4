"""Finer tables for benchmark reports: variants of one backend, use-case metrics, targets.

:func:`~hybrid_workbench.batch.metrics.summarise` scores each (use case, instance,
backend) group. A benchmark often runs one backend several ways -- QAOA at depths 1..5,
an annealer at four time limits -- and those must not be pooled. :func:`variant_labels`
names each row's variant: the backend, then only the options (and time limit) that differ
between that backend's rows of the same use case, e.g. ``qaoa p=3`` or ``sb 1s``.

:func:`usecase_metrics` averages, per variant, the use case's own numbers (``metrics`` in
a row's stored outcome: makespan, return and risk, XEB, recall ...) and the backend's
scalar ``info`` fields that vary (QAOA's expectation, decomposition rounds ...).
Where a row's info carries an energy ``expectation`` and the instance's lowest energy
seen is negative, ``expectation_ratio`` is ``<E> / E_min`` (for MaxCut, ``<cut> / max
cut`` when an exact backend ran beside it).

:func:`target_table` gives, per variant, the share of runs within 1 %, 0.5 % and 0 % of
the reference, the TTS99 at each level, and the median time at which a run first reached
each level (from the backend's best-so-far trace where it reports one, else its wall time).

Variants are named by :func:`hybrid_workbench.batch.variants.variant_labels` (re-exported
here), which :func:`~hybrid_workbench.batch.metrics.summarise` uses too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from hybrid_workbench.batch.variants import variant_labels

__all__ = ["TARGETS", "target_table", "usecase_metrics", "variant_labels"]

#: Fractions of the reference that :func:`target_table` reports (1.0: the reference itself).
TARGETS = (0.99, 0.995, 1.0)


def _outcome_metrics(row: Mapping[str, Any]) -> dict[str, float]:
    raw = row.get("outcome")
    try:
        data = json.loads(raw) if isinstance(raw, str) else (raw or {})
        metrics = data.get("metrics") or {}
    except (ValueError, AttributeError):
        return {}
    return {k: float(v) for k, v in metrics.items() if _scalar(v)}


def _info(row: Mapping[str, Any]) -> dict[str, Any]:
    raw = row.get("result")
    try:
        data = json.loads(raw) if isinstance(raw, str) else (raw or {})
        return dict(data.get("info") or {})
    except (ValueError, AttributeError):
        return {}


def _scalar(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)))


def usecase_metrics(rows: Iterable[Mapping[str, Any]]) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    """Per use case: (columns, one record per instance and variant with the means).

    Booleans average to a share. ``info.*`` columns appear only where at least two
    variants report them and their values differ (a constant, or one backend's internal
    settings, says nothing about the comparison).

    Examples:
        >>> rows = [{"usecase": "m", "instance": "g", "backend": "b", "energy": -4.0,
        ...          "feasible": True, "outcome": '{"metrics": {"cut": 3.0}}',
        ...          "result": f'{{"info": {{"expectation": {e}}}}}'} for e in (-3.0, -2.0)]
        >>> cols, recs = usecase_metrics(rows)["m"]
        >>> cols, recs[0]["cut"], recs[0]["expectation_ratio"]
        (['cut', 'expectation_ratio'], 3.0, 0.625)
    """
    rows = [dict(r) for r in rows]
    labels = variant_labels(rows)
    lowest: dict[tuple[Any, Any], float] = {}
    for r in rows:
        if r.get("energy") is not None and r.get("feasible"):
            key = (r["usecase"], r["instance"])
            lowest[key] = min(lowest.get(key, math.inf), float(r["energy"]))
    groups: dict[tuple[str, str, str], list[dict[str, float]]] = {}
    for r, label in zip(rows, labels):
        values: dict[str, float] = dict(_outcome_metrics(r))
        info = _info(r)
        values.update({f"info.{k}": float(v) for k, v in info.items() if _scalar(v)})
        e_min = lowest.get((r["usecase"], r["instance"]))
        if _scalar(info.get("expectation")) and e_min is not None and e_min < 0:
            values["expectation_ratio"] = float(info["expectation"]) / e_min
        groups.setdefault((r["usecase"], r["instance"], label), []).append(values)
    out: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}
    for usecase in sorted({k[0] for k in groups}):
        recs = []
        for (uc, inst, label), runs in sorted(groups.items()):
            if uc != usecase:
                continue
            keys = sorted({k for v in runs for k in v})
            rec: dict[str, Any] = {"instance": inst, "variant": label, "runs": len(runs)}
            for k in keys:
                vals = [v[k] for v in runs if k in v]
                rec[k] = float(np.mean(vals)) if vals else None
            recs.append(rec)
        cols = sorted({k for rec in recs for k in rec} - {"instance", "variant", "runs"})
        # an info field says something comparative only where several variants report it
        # and its values differ
        cols = [c for c in cols if not c.startswith("info.")
                or (len({rec["variant"] for rec in recs if rec.get(c) is not None}) > 1
                    and len({rec.get(c) for rec in recs if rec.get(c) is not None}) > 1)]
        order = [c for c in cols if not c.startswith("info.") and c != "expectation_ratio"]
        order += [c for c in cols if c.startswith("info.")]
        order += [c for c in cols if c == "expectation_ratio"]
        if order:
            out[usecase] = (order, recs)
    return out


def _trace_objectives(row: Mapping[str, Any], info: Mapping[str, Any]) -> list[tuple[float, float]]:
    """The run's best-so-far trace in objective units (energy = +-objective), or []."""
    trace, energy, objective = info.get("trace") or [], row.get("energy"), row.get("objective")
    if not trace or energy is None or objective is None:
        return []
    tol = 1e-9 * max(1.0, abs(float(energy)))
    if abs(float(objective) + float(energy)) <= tol:
        sign = -1.0
    elif abs(float(objective) - float(energy)) <= tol:
        sign = 1.0
    else:
        return []  # the objective is not a plain function of the energy
    try:
        return [(float(t), sign * float(e)) for t, e in trace]
    except (TypeError, ValueError):
        return []


def target_table(rows: Iterable[Mapping[str, Any]],
                 targets: Sequence[float] = TARGETS) -> list[dict[str, Any]]:
    """Per (use case, instance, variant): for each fraction ``f`` of the reference, the
    share of runs at ``f`` or better, their TTS99 and the median first time they got there.

    Examples:
        >>> rows = [{"usecase": "m", "instance": "g", "backend": "b", "objective": o,
        ...          "feasible": True, "wall_s": 1.0, "sense": "max", "reference": 100.0}
        ...         for o in (100.0, 99.6, 98.0, 99.0)]
        >>> [(t["target"], t["p"]) for t in target_table(rows)[0]["levels"]]
        [(0.99, 0.75), (0.995, 0.5), (1.0, 0.25)]
    """
    from hybrid_workbench.batch.metrics import (
        choose_reference,
        instance_sense,
        objective_sigma,
        time_to_target,
        tts,
    )

    rows = [dict(r) for r in rows]
    labels = variant_labels(rows)
    by_instance: dict[tuple[str, str], list[int]] = {}
    for i, r in enumerate(rows):
        by_instance.setdefault((r["usecase"], r["instance"]), []).append(i)
    out = []
    for (usecase, instance), idx in sorted(by_instance.items()):
        group = [rows[i] for i in idx]
        sense = instance_sense(group, usecase)
        reference, source = choose_reference(group, sense)
        if not reference:  # none, or zero (a residual): fractions of it say nothing
            continue
        for label in sorted({labels[i] for i in idx}):
            runs = [rows[i] for i in idx if labels[i] == label]
            walls = [float(r["wall_s"]) for r in runs if r.get("wall_s") is not None]
            t_mean = float(np.mean(walls)) if walls else math.nan
            levels = []
            for f in targets:
                # f of the reference, on the side that is worse for this sense and sign
                worse = (sense == "max") == (reference > 0)
                level = reference * (f if worse else 2 - f)
                times = [time_to_target(_trace_objectives(r, _info(r)), r.get("wall_s"),
                                        r.get("objective"), r.get("feasible"), level, sense,
                                        sigma=objective_sigma(r)) for r in runs]
                hit = [t for t in times if t is not None]
                p = len(hit) / len(runs)
                levels.append({"target": f, "level": level, "p": p,
                               "tts99_s": tts(t_mean, p) if walls else None,
                               "median_time_s": float(np.median(hit)) if hit else None})
            out.append({"usecase": usecase, "instance": instance, "variant": label,
                        "runs": len(runs), "reference": reference, "reference_source": source,
                        "levels": levels})
    return out
