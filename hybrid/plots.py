"""One look for every plot: a fixed colour and marker per backend, quality against time.

:func:`backend_style` gives each backend the same colour and marker in every figure (the
built-in backends have fixed entries from a 20-colour palette; others get a stable one from
their name). :func:`plot_quality_vs_time` draws a comparison's best-so-far traces, one
panel per budget, against the stated reference.

matplotlib is imported when a plot is drawn, never at import time, and no backend is
forced: notebooks show their figures inline; files are written with ``savefig``.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["backend_style", "plot_quality_vs_time"]

_KNOWN = ("sb", "gpu-sa", "dwave-sa", "dwave-tabu", "dwave-greedy", "openjij-sa", "openjij-sqa",
          "cpsat", "gurobi", "exact", "qaoa", "decompose", "vqe", "exact-eigen",
          "aer-statevector", "aer-mps", "aer-noisy", "ibm", "dwave-qpu", "dwave-hybrid")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
# matplotlib's tab10, then Dark2 and two more: twenty colours no two of which are alike
_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf", "#1b9e77", "#7570b3", "#e7298a", "#66a61e",
            "#e6ab02", "#a6761d", "#000080", "#808000", "#00ced1", "#800000")


def backend_style(name: str) -> dict[str, Any]:
    """``{'color': ..., 'marker': ...}`` for ``name``, the same in every plot.

    Examples:
        >>> backend_style("sb") == backend_style("sb") != backend_style("cpsat")
        True
    """
    index = _KNOWN.index(name) if name in _KNOWN else zlib.crc32(name.encode()) % len(_COLOURS)
    return {"color": _COLOURS[index % len(_COLOURS)], "marker": _MARKERS[index % len(_MARKERS)]}


def plot_quality_vs_time(comparison: Any, path: str | Path | None = None) -> Any:
    """Best-so-far objective against seconds, one panel per budget; returns the figure.

    Each run's trace is a step line (runs of one backend share its style, the median run
    drawn bold); runs without a trace appear as one marker at their end. The reference and
    the target are horizontal lines, named in the legend with their kind.
    """
    import matplotlib.pyplot as plt

    budgets: Sequence[float] = comparison.budgets
    fig, axes = plt.subplots(1, len(budgets), figsize=(5.5 * len(budgets), 4.2), squeeze=False)
    for ax, budget in zip(axes[0], budgets):
        runs = [r for r in comparison.runs if r.budget_s == budget]
        seen: set[str] = set()
        for run in runs:
            if run.objective is None or not run.feasible:
                continue
            style = backend_style(run.backend)
            label = run.backend if run.backend not in seen else None
            seen.add(run.backend)
            if run.trace:
                t = [max(p[0], 1e-3) for p in run.trace] + [max(run.wall_s or 0.0, 1e-3)]
                y = [p[1] for p in run.trace] + [run.objective]
                ax.step(t, y, where="post", color=style["color"], alpha=0.8, lw=1.2, label=label)
                ax.plot(t[-1], y[-1], style["marker"], color=style["color"], ms=5)
            else:
                ax.plot(max(run.wall_s or 0.0, 1e-3), run.objective, style["marker"], color=style["color"], ms=7,
                        label=label, ls="none")
        ref = comparison.reference
        if ref.value is not None:
            ax.axhline(ref.value, color="black", lw=1, ls="--", label=f"reference ({ref.kind})")
        if comparison.target is not None and comparison.target != ref.value:
            ax.axhline(comparison.target, color="grey", lw=1, ls=":", label="target")
        ax.axvline(budget, color="grey", lw=0.8, alpha=0.5)
        ax.set_xscale("log")
        ax.set_xlabel("seconds since the solve started (log)")
        ax.set_ylabel(f"objective ({comparison.sense}imise)")
        ax.set_title(f"budget {budget:g} s")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(f"{comparison.usecase} / {comparison.instance}: best so far against time")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
