"""The demo's report: who wins what, then one section per use case with a quality-against-time plot.

:func:`score_demo` turns the stored rows of a :class:`~hybrid_workbench.batch.demo.DemoPlan`
into one :class:`Cell` per (use case, instance, budget): the stated reference (certified,
published with its source, or the best seen), the target (the reference, or -- when no
run reaches it -- the reference relaxed by 0.5 %, said so; a stated absolute tolerance such as chemical
accuracy is never relaxed), and a ranking of the backends
(feasible first, then the median objective, then the share of runs that reached the target,
then the median time to it). Scores come from :mod:`hybrid_workbench.batch.metrics`.

:func:`write_demo_report` writes ``report.md``, ``report.html`` (self-contained: the plots
are embedded as ``data:`` URIs, so it opens from disk) and one PNG per use case. Plots use
:func:`hybrid_workbench.plots.backend_style` (one colour and marker per backend in every
plot), draw each run's best-so-far trace (or one point at its wall time where the backend
records none), draw no interval at all, and leave out panels without a feasible run.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hybrid_workbench.batch.blocks import render
from hybrid_workbench.batch.metrics import (
    bootstrap_ci,
    choose_reference,
    reaches,
    time_to_target,
)

__all__ = [
    "TARGET_SLACK",
    "Cell",
    "Standing",
    "paragraph",
    "score_demo",
    "who_wins_rows",
    "write_demo_report",
]

#: Relative slack of the target when no run reaches the reference.
TARGET_SLACK = 0.005


@dataclass
class Standing:
    """One backend's figures in one cell (gaps in the use case's gap unit, lower is better)."""

    backend: str
    runs: int
    feasible: int
    median_objective: float | None
    median_gap: float | None
    best_gap: float | None
    median_ci: tuple[float, float] | None
    success: int
    median_ttt_s: float | None
    median_wall_s: float | None
    overran: int
    errors: list[str] = field(default_factory=list)


@dataclass
class Cell:
    """One (use case, instance, budget) of the demo, scored."""

    usecase: str
    instance: str
    about: str
    budget: float
    sense: str
    reference: float | None
    reference_kind: str
    reference_source: str
    target: float | None
    target_rule: str
    unit: str
    standings: list[Standing]
    runs: list[dict[str, Any]]


def _budget(row: Mapping[str, Any]) -> float | None:
    try:
        return float(json.loads(row.get("options") or "{}")["time_limit"])
    except (KeyError, TypeError, ValueError):
        return None


def _trace(row: Mapping[str, Any]) -> list[list[float]]:
    """The best-so-far trace in the use case's objective (empty where it does not map)."""
    try:
        result = json.loads(row.get("result") or "{}")
    except ValueError:
        return []
    trace = (result.get("info") or {}).get("trace") or []
    energy, objective = result.get("energy"), row.get("objective")
    if not trace or energy is None or objective is None:
        return []
    tol = 1e-9 * max(1.0, abs(energy))
    sign = -1.0 if abs(objective + energy) <= tol else 1.0 if abs(objective - energy) <= tol else 0.0
    return [[float(t), sign * float(e)] for t, e in trace] if sign else []


def _gap(objective: float | None, ref: float | None, sense: str, plan: Any) -> float | None:
    if objective is None or ref is None:
        return None
    diff = ref - objective if sense == "max" else objective - ref
    if plan.gap_unit == "%":
        return None if ref == 0 else 100.0 * diff / abs(ref)
    return plan.gap_scale * diff


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _reference(rows: list[dict[str, Any]], sense: str, plan: Any) -> tuple[float | None, str, str]:
    known = [r["reference"] for r in rows if r.get("reference") is not None]
    if known:
        return float(known[0]), plan.reference_kind, plan.reference_source
    value, source = choose_reference(rows, sense)
    if value is None:
        return None, "none", "no feasible run"
    if "proved optimal by" in source:
        return value, "certified", source.replace("best seen (", "").rstrip(")")
    return value, "best-seen", "best objective of the demo's runs"


def _target(ref: float | None, kind: str, rows: list[dict[str, Any]], sense: str,
            tolerance: float) -> tuple[float | None, str]:
    if ref is None:
        return None, "no reference"
    target = ref + tolerance if sense == "min" else ref - tolerance
    what = f"the {kind} reference" + (f" within {tolerance:g}" if tolerance else "")
    if tolerance or any(reaches(r.get("objective"), r.get("feasible"), target, sense) for r in rows):
        return target, what  # a stated tolerance (chemical accuracy) is never relaxed
    slack = TARGET_SLACK * abs(ref) + tolerance
    target = ref + slack if sense == "min" else ref - slack
    return target, f"{what} relaxed by {100 * TARGET_SLACK:g} % (no run reached it)"


def _standing(name: str, rows: list[dict[str, Any]], cell: Cell, plan: Any) -> Standing:
    from hybrid_workbench.deadline import grace_s

    objs = [float(r["objective"]) for r in rows if r.get("feasible") and r.get("objective") is not None]
    med = _median(objs)
    best = (max(objs) if cell.sense == "max" else min(objs)) if objs else None
    ci = None
    if len(objs) >= 3:  # no interval from fewer than three runs
        lo, hi = bootstrap_ci(objs, lambda x: float(statistics.median(x)))
        ci = (lo, hi)
    ttt = [t for r in rows if (t := time_to_target(r["trace"], r.get("wall_s"), r.get("objective"),
                                                   r.get("feasible"), cell.target, cell.sense)) is not None]
    limit = cell.budget + grace_s(cell.budget)
    return Standing(
        backend=name, runs=len(rows), feasible=len(objs), median_objective=med,
        median_gap=_gap(med, cell.reference, cell.sense, plan),
        best_gap=_gap(best, cell.reference, cell.sense, plan),
        median_ci=ci, success=len(ttt), median_ttt_s=_median(ttt),
        median_wall_s=_median([float(r["wall_s"]) for r in rows if r.get("wall_s") is not None]),
        overran=sum(1 for r in rows if (r.get("solver_s") or r.get("wall_s") or 0) > limit),
        errors=sorted({str(r.get("error"))[:160] for r in rows if r.get("error")}))


def _rank_key(s: Standing, sense: str) -> tuple[Any, ...]:
    quality = math.inf if s.median_objective is None else (
        -s.median_objective if sense == "max" else s.median_objective)
    return (s.feasible == 0, quality, -s.success,
            math.inf if s.median_ttt_s is None else s.median_ttt_s)


def score_demo(plan: Any, rows: Sequence[Mapping[str, Any]]) -> list[Cell]:
    """One scored :class:`Cell` per (use case, instance, budget) of ``plan``."""
    from hybrid_workbench.batch.metrics import instance_sense

    cells = []
    for name, ucp in plan.usecases.items():
        mine = [dict(r, budget=_budget(r), trace=_trace(r)) for r in rows if r["usecase"] == name]
        for _, key, about in ucp.instances:
            inst = [r for r in mine if r["instance"] == key]
            if not inst:
                continue
            sense = instance_sense(inst, name)
            ref, kind, source = _reference(inst, sense, ucp)
            for budget in ucp.budgets:
                runs = [r for r in inst if r["budget"] == budget]
                target, rule = _target(ref, kind, runs, sense, ucp.tolerance)
                cell = Cell(usecase=name, instance=key, about=about, budget=budget, sense=sense,
                            reference=ref, reference_kind=kind, reference_source=source,
                            target=target, target_rule=rule, unit=ucp.gap_unit, standings=[],
                            runs=runs)
                names = dict.fromkeys(r["backend"] for r in runs)
                cell.standings = sorted((_standing(b, [r for r in runs if r["backend"] == b],
                                                   cell, ucp) for b in names),
                                        key=lambda s: _rank_key(s, sense))
                cells.append(cell)
    return cells


def _fmt_gap(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "%":
        return f"{value:.2f} %"
    return f"{value:.3g} {unit}"


def _short(instance: str) -> str:
    return Path(instance).stem if "/" in instance else instance


def who_wins_rows(cells: Sequence[Cell]) -> list[list[str]]:
    """``[use case, instance, budget, winner, runner-up, gap, P(target), reference]`` rows."""
    out = []
    for c in cells:
        ranked = [s for s in c.standings if s.feasible]
        win = ranked[0] if ranked else None
        run = ranked[1] if len(ranked) > 1 else None
        gap = "-"
        if win is not None:
            gap = _fmt_gap(win.median_gap, c.unit)
            if run is not None:
                gap += f" / {_fmt_gap(run.median_gap, c.unit)}"
        ref = f"{c.reference_kind}: {c.reference:.6g}" if c.reference is not None else "none"
        out.append([c.usecase, _short(c.instance), f"{c.budget:g} s",
                     win.backend if win else "no feasible answer", run.backend if run else "-",
                     gap, f"{win.success}/{win.runs}" if win else "-", ref])
    return out


def _family(plan: Any, backend: str) -> str:
    return str(plan.families.get(backend, "classical"))  # unlisted backends: classical


def paragraph(plan: Any, cells: Sequence[Cell]) -> str:
    """A short, honest account of one use case's cells, generated from the numbers."""
    parts = []
    several = len({c.instance for c in cells}) > 1
    for c in cells:
        ranked = [s for s in c.standings if s.feasible]
        where = f"On {_short(c.instance)}, at" if several else "At"
        if not ranked:
            parts.append(f"{where} {c.budget:g} s no backend found a feasible answer.")
            continue
        win = ranked[0]
        if len(ranked) == 1 and c.reference_kind in ("certified", "published") and not win.success:
            parts.append(f"{where} {c.budget:g} s only {win.backend} ({_family(plan, win.backend)}) "
                         f"has an answer; it ends {_fmt_gap(win.median_gap, c.unit)} from the "
                         f"{c.reference_kind} reference and never reaches the target, so **the "
                         f"classical reference wins** ({c.reference_source}).")
            continue
        side, _, detail = _family(plan, win.backend).partition(" ")
        how = (f"reaches the target in {win.median_ttt_s:.2g} s (median) in {win.success}/{win.runs} runs"
               if win.success else f"ends {_fmt_gap(win.median_gap, c.unit)} from the reference")
        text = f"{where} {c.budget:g} s **{side} wins**: {win.backend} {detail} {how}".replace("  ", " ")
        if len(ranked) > 1:
            run = ranked[1]
            text += (f"; runner-up {run.backend} ({_family(plan, run.backend)}) ends "
                     f"{_fmt_gap(run.median_gap, c.unit)} from the reference")
        text += "."
        classical = [s for s in ranked if _family(plan, s.backend).split(" ")[0] == "classical"]
        if side in ("quantum", "hybrid") and not classical and c.reference_kind == "certified":
            text += (f" No classical backend that keeps a time budget ran here, so {win.backend} "
                     f"only matches the certified classical reference ({c.reference_source}), "
                     "which the classical method computes itself.")
        quantum = [s for s in ranked if _family(plan, s.backend).split(" ")[0] in ("quantum", "hybrid")]
        if quantum and quantum[0] is not win:
            q = quantum[0]
            text += (f" The best quantum or hybrid method, {q.backend}, ends "
                     f"{_fmt_gap(q.median_gap, c.unit)} from the reference"
                     f" ({q.success}/{q.runs} runs at the target).")
        if none := [s.backend for s in c.standings if not s.feasible]:
            text += f" No feasible answer from: {', '.join(none)}."
        if late := [f"{s.backend} ({s.overran}/{s.runs})" for s in c.standings if s.overran]:
            text += f" Ran past budget + grace: {', '.join(late)}."
        parts.append(text)
    return " ".join(parts)


def _plot(plan: Any, cells: Sequence[Cell], path: Path) -> bool:
    """Best-so-far gap against time, one panel per (instance, budget) with data; False if none."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from hybrid_workbench.plots import backend_style

    panels = [c for c in cells if c.reference is not None
              and any(r.get("feasible") and r.get("objective") is not None for r in c.runs)]
    if not panels:
        return False
    ucp = plan.usecases[panels[0].usecase]
    cols = min(2, len(panels))
    rows_n = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(6.4 * cols, 4.4 * rows_n), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.remove()  # no empty panels
    for ax, c in zip(axes.flat, panels):
        seen: set[str] = set()
        for r in c.runs:
            if not r.get("feasible") or r.get("objective") is None:
                continue
            style = backend_style(r["backend"])
            label = None if r["backend"] in seen else r["backend"]
            seen.add(r["backend"])
            end = max(float(r.get("wall_s") or 0.0), 1e-3)
            if r["trace"]:
                t = [max(p[0], 1e-3) for p in r["trace"]] + [end]
                y = [_gap(p[1], c.reference, c.sense, ucp) for p in r["trace"]]
                y.append(_gap(r["objective"], c.reference, c.sense, ucp))
                ax.step(t, y, where="post", color=style["color"], alpha=0.7, lw=1.2, label=label)
                ax.plot(t[-1], y[-1], style["marker"], color=style["color"], ms=6)
            else:
                ax.plot(end, _gap(r["objective"], c.reference, c.sense, ucp), style["marker"],
                        color=style["color"], ms=7, ls="none", label=label, alpha=0.8)
        ax.axhline(0.0, color="black", lw=1, ls="--", label=f"reference ({c.reference_kind})")
        ax.axvline(c.budget, color="grey", lw=0.8, alpha=0.6)
        ax.set_xscale("log")
        ax.set_xlabel("seconds since the solve started (log scale)")
        unit = "% of the reference" if c.unit == "%" else c.unit
        ax.set_ylabel(f"gap to the reference ({unit}; lower is better)")
        ax.set_title(f"{_short(c.instance)}, budget {c.budget:g} s", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(f"{panels[0].usecase}: best so far against time ({plan.seeds} seeds per backend)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


WHO = ("use case", "instance", "budget", "winner", "runner-up", "gap (winner / runner-up)",
       "winner at target", "reference")
STANDING = ("backend", "family", "runs", "feasible", "median objective", "95 % CI (>= 3 runs)",
            "median gap", "at target", "median time to target (s)", "median wall (s)")


def _standing_rows(plan: Any, c: Cell) -> list[list[str]]:
    out = []
    for s in c.standings:
        ci = f"[{s.median_ci[0]:.6g}, {s.median_ci[1]:.6g}]" if s.median_ci else "-"
        out.append([s.backend, _family(plan, s.backend), str(s.runs), str(s.feasible),
                    "-" if s.median_objective is None else f"{s.median_objective:.6g}", ci,
                    _fmt_gap(s.median_gap, c.unit), f"{s.success}/{s.runs}",
                    "-" if s.median_ttt_s is None else f"{s.median_ttt_s:.3g}",
                    "-" if s.median_wall_s is None else f"{s.median_wall_s:.3g}"])
    return out


def write_demo_report(plan: Any, rows: Sequence[Mapping[str, Any]], out_dir: str | Path, *,
                      notes: Sequence[str] = (), provenance: Mapping[str, Any] | None = None
                      ) -> dict[str, Path]:
    """Write ``report.md``, ``report.html`` (self-contained) and one PNG per use case."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cells = score_demo(plan, rows)
    paths: dict[str, Path] = {}
    mode = "quick" if plan.quick else "full"
    intro = (f"Equal budgets: every backend of a use case gets the same solve time limit per run "
             f"(building the model, the same for all, is not counted); {plan.seeds} seeds per "
             f"backend and budget; medians over seeds. Gap: how far the median objective is from "
             f"the stated reference (lower is better). This is the {mode} demo.")
    blocks: list[tuple[str, Any]] = [("h1", "Hybrid workbench demo: who wins what"), ("p", intro),
                                     ("table", (WHO, who_wins_rows(cells)))]
    if notes:
        blocks.append(("ul", list(notes)))
    for name, ucp in plan.usecases.items():
        mine = [c for c in cells if c.usecase == name]
        blocks.append(("h2", name))
        for _, key, about in ucp.instances:
            first = next((c for c in mine if c.instance == key), None)
            ref = (f"reference {first.reference:.6g} ({first.reference_kind}; "
                   f"{first.reference_source}); target: {first.target_rule}"
                   if first and first.reference is not None else "no reference")
            blocks.append(("p", f"Instance {_short(key)}: {about}. {ref}."))
        blocks.append(("p", paragraph(plan, mine)))
        png = out / f"{name}.png"
        try:
            if _plot(plan, mine, png):
                paths[f"plot:{name}"] = png
                blocks.append(("img", (f"{name}: gap against time", png)))
        except Exception as exc:  # noqa: BLE001 - a missing plot must not lose the tables
            blocks.append(("p", f"The plot failed: {type(exc).__name__}: {exc}"))
        for c in mine:
            blocks += [("h3", f"{_short(c.instance)}, budget {c.budget:g} s"),
                       ("table", (STANDING, _standing_rows(plan, c)))]
        short = sorted(b for b, r in ucp.excluded if r.startswith("not in this run's list"))
        reasons = [f"{b}: {r}" for b, r in ucp.excluded if b not in short]
        if short:
            reasons.append(f"{', '.join(short)}: not in this run's list (demo.yaml)")
        if reasons:
            blocks.append(("p", "Not ranked: " + "; ".join(reasons) + "."))
    if provenance:
        blocks += [("h2", "Provenance"), ("ul", [f"{k}: {v}" for k, v in provenance.items()])]
    md, page = render(blocks, title="Hybrid workbench demo")
    paths["markdown"], paths["html"] = out / "report.md", out / "report.html"
    paths["markdown"].write_text(md)
    paths["html"].write_text(page)
    return paths
