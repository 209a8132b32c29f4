"""Benchmark reports: one summary table (Markdown and HTML) with matplotlib plots beside it.

The figures come from :func:`hybrid_workbench.batch.metrics.summarise` (re-exported here),
the one place where references are chosen and metrics computed. :func:`write_report` writes
``report.md``, ``report.html`` and one PNG per use case (approximation ratio, success
probability, TTS99 and quality against time, per backend variant, with bootstrap
intervals), then the share of runs within 1 %, 0.5 % and 0 % of the reference and each use
case's own metrics per variant (:mod:`hybrid_workbench.batch.breakdown`).

Examples:
    >>> rows = [{"usecase": "maxcut", "instance": "g", "backend": b, "repeat": r,
    ...          "objective": o, "feasible": True, "wall_s": 0.1, "status": "best_found",
    ...          "sense": "max", "reference": None}
    ...         for b, o in (("a", 4.0), ("b", 3.0)) for r in range(2)]
    >>> table = summarise(rows)
    >>> list(table["backend"]), list(table["approx_ratio"]), table["reference_source"][0]
    (['a', 'b'], [1.0, 0.75], 'best seen')
"""

from __future__ import annotations

import html
import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hybrid_workbench.batch.metrics import summarise

__all__ = ["markdown_table", "summarise", "write_report"]

_SHOWN = (("usecase", "use case"), ("instance", "instance"), ("backend", "backend"),
          ("runs", "runs"), ("best_objective", "best"), ("mean_objective", "mean objective"),
          ("approx_ratio", "approx. ratio"), ("success_probability", "P(success)"),
          ("tts99_s", "TTS99 (s)"), ("feasibility_rate", "feasible"),
          ("mean_wall_s", "mean wall (s)"), ("failed", "errors/timeouts"),
          ("reference", "reference"), ("reference_source", "reference from"))


EXPLAIN = ("Approximation ratio: objective over the reference (1 = reference, below 1 = worse). "
           "Success: a feasible run reaching the reference. TTS99 = t * log(0.01) / log(1 - p), "
           "t the mean wall time of a run. Brackets: 95 % percentile bootstrap intervals over "
           "repeats (shown from 3 runs up).")


def _fmt(value: Any, ci: Any = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        text = "inf" if math.isinf(value) else f"{value:.6g}"
    else:
        text = str(value)
    if ci is not None and isinstance(ci, (tuple, list)) and ci[0] != ci[1]:
        lo, hi = ("inf" if math.isinf(c) else f"{c:.6g}" for c in ci)
        text += f" [{lo}, {hi}]"
    return text


def _cells(table: Any) -> tuple[list[str], list[list[str]]]:
    header = [label for _, label in _SHOWN]
    body = []
    for rec in table.to_dict("records"):
        few = (rec.get("runs") or 0) < 3  # no interval from fewer than three runs
        body.append([_fmt(rec.get(key), None if few else rec.get(f"{key}_ci"))
                     for key, _ in _SHOWN])
    return header, body


def markdown_table(table: Any) -> str:
    """The summary as a Markdown table (intervals in brackets)."""
    header, body = _cells(table)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in body]
    return "\n".join(lines)


def _log(ax: Any, axis: str) -> None:
    """Log scale where the data allow it (matplotlib refuses all-non-positive data)."""
    try:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    except ValueError:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("linear")


def _plot(table: Any, usecase: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from hybrid_workbench.plots import backend_style

    sub = table[table["usecase"] == usecase]
    backends = sorted(sub["backend"].unique())
    instances = sorted(sub["instance"].unique())
    xs = {b: i for i, b in enumerate(backends)}
    fig, axes = plt.subplots(1, 4, figsize=(17, 4.2))
    panels = (("approx_ratio", "approximation ratio", False),
              ("success_probability", "success probability", False),
              ("tts99_s", "TTS99 (s, log)", True))
    width = 0.6 / max(1, len(instances))
    drawn: dict[Any, bool] = {}
    for ax, (key, label, log) in zip(axes, panels):
        positive = False
        for k, inst in enumerate(instances):
            rows = sub[sub["instance"] == inst]
            x, y, lo, hi = [], [], [], []
            for rec in rows.to_dict("records"):
                v = rec.get(key)
                if v is None or not np.isfinite(v):
                    continue
                # no interval from fewer than three runs
                ci = (rec.get(f"{key}_ci") if (rec.get("runs") or 0) >= 3 else None) or (v, v)
                x.append(xs[rec["backend"]] - 0.3 + (k + 0.5) * width)
                y.append(v)
                positive |= v > 0
                lo.append(max(0.0, v - ci[0]))
                hi.append(max(0.0, (ci[1] if np.isfinite(ci[1]) else v) - v))
            if y:
                ax.errorbar(x, y, yerr=[lo, hi], fmt="o", capsize=3, label=inst[:32])
                drawn[ax] = True
        ax.set_xticks(range(len(backends)), backends, rotation=45, ha="right")
        ax.set_title(label)
        if log and positive:
            _log(ax, "y")
        ax.grid(alpha=0.3)
    ax = axes[3]
    any_time = False
    for b in backends:
        rows = sub[(sub["backend"] == b) & (sub["mean_wall_s"] > 0)
                   & np.isfinite(sub["approx_ratio"].astype(float))]
        any_time |= len(rows) > 0
        style = backend_style(b)  # one colour and marker per backend in every plot
        ax.scatter(rows["mean_wall_s"], rows["approx_ratio"], label=b, color=style["color"],
                   marker=style["marker"])
    if any_time:
        _log(ax, "x")
    ax.set_xlabel("mean wall time per run (s)")
    ax.set_ylabel("approximation ratio")
    ax.set_title("quality against time")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    if len(instances) <= 8 and drawn.get(axes[0]):
        axes[0].legend(fontsize=7, title="instance")
    for ax in axes[:3]:
        if not drawn.get(ax):  # no empty panels: say so instead
            ax.cla()
            ax.axis("off")
            ax.text(0.5, 0.5, "no data for this metric", ha="center", va="center",
                    transform=ax.transAxes)
    fig.suptitle(f"{usecase}: backends over {len(instances)} instance(s); bars are "
                 "95 % bootstrap intervals (drawn from 3 runs or more)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _deadline_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The deadline contract as a markdown section (empty when no run had a limit)."""
    from hybrid_workbench.batch.metrics import deadline_table

    table = deadline_table(rows)
    if not table:
        return []
    lines = ["", "## Time limits kept", "",
             ("| instance | backend | limit s | bound s | kept | max wall s | median wall s |"
             " refused before work |"),
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in table:
        mx = "-" if r["max_wall_s"] is None else f"{r['max_wall_s']:.2f}"
        med = "-" if r["median_wall_s"] is None else f"{r['median_wall_s']:.2f}"
        refused = f"{r['refused']}: {r['reason'][:90]}" if r["refused"] else ""
        lines.append(f"| {r['instance']} | {r['backend']} | {r['limit_s']:g} | {r['bound_s']:.2f} "
                     f"| {r['kept']}/{r['runs']} | {mx} | {med} | {refused} |")
    return lines


def _plot_metrics(rows: Sequence[Mapping[str, Any]], out: Path) -> dict[str, Path]:
    """One figure per use case: up to six of its metrics (expectation ratio first) per
    variant, one series per instance; returns the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hybrid_workbench.batch.breakdown import usecase_metrics

    paths = {}
    for usecase, (cols, recs) in usecase_metrics(rows).items():
        shown = sorted(cols, key=lambda c: (c != "expectation_ratio", c.startswith("info."), c))
        # only metrics that differ between the variants of one instance tell them apart
        shown = [c for c in shown if any(
            len({r.get(c) for r in recs if r["instance"] == i and r.get(c) is not None}) > 1
            for i in {r["instance"] for r in recs})][:6]
        if not shown:
            continue
        variants = sorted({r["variant"] for r in recs})
        instances = sorted({r["instance"] for r in recs})
        fig, axes = plt.subplots(1, len(shown), figsize=(max(6.0, 4.2 * len(shown)), 4),
                                 squeeze=False)
        for ax, col in zip(axes[0], shown):
            for inst in instances:
                pts = [(variants.index(r["variant"]), r[col]) for r in recs
                       if r["instance"] == inst and r.get(col) is not None]
                if pts:
                    ax.plot(*zip(*pts), "o-", label=inst.removeprefix("generate:")[-40:])
            ax.set_xticks(range(len(variants)), variants, rotation=45, ha="right", fontsize=7)
            ax.set_title(col)
            ax.grid(alpha=0.3)
        if len(instances) <= 10:
            axes[0][0].legend(fontsize=6, title="instance")
        fig.suptitle(f"{usecase}: use-case metrics per variant (means over runs)")
        fig.tight_layout()
        path = out / f"{usecase}_metrics.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths[f"metrics:{usecase}"] = path
    return paths


#: Use-case metrics that measure an instance's size, in the order they are looked for.
SIZE_KEYS = ("num_qubits", "num_nodes", "num_variables", "num_agvs", "num_assets", "length", "N")


def _plot_scaling(rows: Sequence[Mapping[str, Any]], out: Path) -> dict[str, Path]:
    """Median wall time against the instance's size (the first of :data:`SIZE_KEYS` its
    metrics report with at least three values), one line per variant, per use case."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hybrid_workbench.batch.breakdown import _outcome_metrics
    from hybrid_workbench.batch.variants import variant_labels
    from hybrid_workbench.plots import backend_style

    labels = variant_labels(rows)
    paths = {}
    for usecase in sorted({str(r["usecase"]) for r in rows}):
        picked = [(r, lab, _outcome_metrics(r)) for r, lab in zip(rows, labels)
                  if r["usecase"] == usecase and r.get("wall_s") is not None]
        key = next((k for k in SIZE_KEYS
                    if len({m[k] for _, _, m in picked if k in m}) >= 3), None)
        if key is None:
            continue
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        for lab in sorted({lab for _, lab, _ in picked}):
            by_size: dict[float, list[float]] = {}
            for r, la, m in picked:
                if la == lab and key in m:
                    by_size.setdefault(m[key], []).append(float(r["wall_s"]))
            if by_size:
                xs = sorted(by_size)
                style = backend_style(lab)
                ax.plot(xs, [statistics.median(by_size[x]) for x in xs], marker=style["marker"],
                        color=style["color"], label=lab)
        _log(ax, "y")
        sizes = [m[key] for _, _, m in picked if key in m]
        if min(sizes) > 0 and max(sizes) > 20 * min(sizes):
            _log(ax, "x")  # a few large instances beside many small ones
        ax.set_xlabel(key)
        ax.set_ylabel("median wall time per run (s, log)")
        ax.set_title(f"{usecase}: time against size")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out / f"{usecase}_scaling.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths[f"scaling:{usecase}"] = path
    return paths


def _metric_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The use cases' own numbers per variant (means over runs), one table per use case."""
    from hybrid_workbench.batch.breakdown import usecase_metrics

    lines: list[str] = []
    for usecase, (cols, recs) in usecase_metrics(rows).items():
        lines += ["", f"## Use-case metrics: {usecase}", "",
                  "Means over runs (shares for yes/no metrics); `info.*` from the backend.", "",
                  "| instance | variant | runs | " + " | ".join(cols) + " |",
                  "| --- | --- | ---: |" + " ---: |" * len(cols)]
        lines += [f"| {r['instance']} | {r['variant']} | {r['runs']} | "
                  + " | ".join(_fmt(r.get(c)) for c in cols) + " |" for r in recs]
    return lines


def _target_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Share of runs within 1 %, 0.5 % and 0 % of the reference, TTS99 and time to get there."""
    from hybrid_workbench.batch.breakdown import TARGETS, target_table

    table = target_table(rows)
    if all(lv["p"] == 1 for r in table for lv in r["levels"]):
        return []  # every run reached the reference itself: the summary says it all
    head = " | ".join(f"P({100 * f:g} %) | TTS99 {100 * f:g} % (s) | median t {100 * f:g} % (s)"
                      for f in TARGETS)
    lines = ["", "## Reaching the reference", "",
             ("P(f): share of runs with an objective within f of the reference (feasible); "
             "TTS99 as above at that level; median t: median time at which the runs that got "
             "there first did (from the backend's best-so-far trace, else the run's wall time)."),
             "", f"| instance | variant | runs | reference | {head} |",
             "| --- | --- | ---: | ---: |" + " ---: |" * (3 * len(TARGETS))]
    for r in table:
        cells = []
        for lv in r["levels"]:
            cells += [_fmt(lv["p"]), _fmt(lv["tts99_s"]), _fmt(lv["median_time_s"])]
        lines.append(f"| {r['instance']} | {r['variant']} | {r['runs']} | {_fmt(r['reference'])} | "
                     + " | ".join(cells) + " |")
    return lines


def write_report(rows: Sequence[Mapping[str, Any]], out_dir: str | Path, *,
                 title: str = "Benchmark report", notes: Sequence[str] = (),
                 provenance: Mapping[str, Any] | None = None) -> dict[str, Path]:
    """Write ``report.md``, ``report.html`` and ``<usecase>.png`` files; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = summarise(rows)
    paths: dict[str, Path] = {}
    plots = []
    if len(table):
        for usecase in sorted(table["usecase"].unique()):
            png = out / f"{usecase}.png"
            try:
                _plot(table, usecase, png)
            except Exception as exc:  # noqa: BLE001 - a missing plot must not lose the table
                notes = [*notes, f"plot for {usecase} failed: {type(exc).__name__}: {exc}"]
                continue
            paths[f"plot:{usecase}"] = png
            plots.append(png.name)
    try:
        for key, png in {**_plot_metrics(rows, out), **_plot_scaling(rows, out)}.items():
            paths[key] = png
            plots.append(png.name)
    except Exception as exc:  # noqa: BLE001 - a missing plot must not lose the table
        notes = [*notes, f"metrics plot failed: {type(exc).__name__}: {exc}"]
    md = [f"# {title}", ""]
    md += [f"- {n}" for n in notes] + ([""] if notes else [])
    md += [EXPLAIN, ""]
    md += [markdown_table(table) if len(table) else "_No results._", ""]
    md += [f"![{p}](./{p})" for p in plots]
    extra = _target_lines(rows) + _metric_lines(rows)
    md += extra
    deadlines = _deadline_lines(rows)
    md += deadlines
    if provenance:
        md += ["", "## Provenance", ""] + [f"- **{k}**: {v}" for k, v in provenance.items()]
    paths["markdown"] = out / "report.md"
    paths["markdown"].write_text("\n".join(md) + "\n")
    header, body = _cells(table) if len(table) else ([], [])
    esc = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}</title>",
             ("<style>body{font-family:sans-serif;margin:2em} table{border-collapse:collapse;"
             "font-size:0.85em} td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
             " th{background:#eee} img{max-width:100%}</style></head><body>"),
             f"<h1>{esc(title)}</h1>"]
    parts += [f"<p>{esc(n)}</p>" for n in notes]
    parts.append(f"<p>{esc(EXPLAIN)}</p>")
    parts.append("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>")
    parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in body]
    parts.append("</table>")
    parts += [f"<h2>{esc(Path(p).stem)}</h2><img src='{esc(p)}' alt='{esc(p)}'>" for p in plots]
    if extra:
        parts.append("<pre>" + esc("\n".join(extra)) + "</pre>")
    if deadlines:
        parts.append("<h2>Time limits kept</h2><pre>" + esc("\n".join(deadlines[3:])) + "</pre>")
    if provenance:
        parts.append("<h2>Provenance</h2><ul>" + "".join(
            f"<li><b>{esc(str(k))}</b>: {esc(str(v))}</li>" for k, v in provenance.items()) + "</ul>")
    parts.append("</body></html>")
    paths["html"] = out / "report.html"
    paths["html"].write_text("\n".join(parts))
    table.to_csv(out / "summary.csv", index=False)
    paths["csv"] = out / "summary.csv"
    return paths
