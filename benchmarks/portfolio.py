"""Portfolio benchmark: annealing-style backends vs the SCIP MIQP optimum (or bound).

For 50, 100, 200 and 500 assets (seeded factor-model markets, ``k = n / 10``), SCIP solves
the cardinality MIQP within a time limit; every annealing-style backend solves the
penalised BQM over several seeds. Reported: the gap ``(bound - objective) / |bound|`` to
SCIP's dual bound (its proven optimum when it closes), and to its incumbent, with median
wall times. Writes ``docs/benchmarks/portfolio.md`` and ``portfolio_gap_time.png``::

    .venv/bin/python benchmarks/portfolio.py            # full run
    .venv/bin/python benchmarks/portfolio.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from rich.progress import Progress  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from collect import collect  # noqa: E402

from hybrid_workbench.registry import all_backends  # noqa: E402
from hybrid_workbench.usecases.portfolio import Portfolio  # noqa: E402
from hybrid_workbench.usecases.portfolio.baselines import scip_best  # noqa: E402

OUT = ROOT / "docs" / "benchmarks"
CANDIDATES = {"dwave-sa": {"num_reads": 10, "num_sweeps": 1000},
              "openjij-sa": {"num_reads": 5},
              "dwave-tabu": {"num_reads": 2},
              "sb": {}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    args = ap.parse_args()
    sizes = [20, 50] if args.quick else [50, 100, 200, 500]
    scip_limit = 5.0 if args.quick else 30.0
    repeats = 2 if args.quick else 3
    registry = all_backends()
    backends = {n: o for n, o in CANDIDATES.items()
                if n in registry and registry[n].available() is True}
    pf = Portfolio()
    rows = []
    with Progress() as bar:
        task = bar.add_task("portfolio", total=len(sizes) * (1 + len(backends) * repeats))
        for n in sizes:
            inst = pf.generate(seed=0, size=n, k=max(2, n // 10), risk_aversion=1.0)
            ref = scip_best(inst, time_limit=scip_limit)
            bar.advance(task)
            rows.append({"n": n, "backend": "scip (MIQP)", "best": ref.objective,
                         "gap_bound": ref.gap, "gap_incumbent": 0.0, "wall_s": ref.wall_s,
                         "feasible": "yes", "note": ref.status})
            for name, opts in backends.items():
                objs, walls, feas = [], [], 0
                for seed in range(repeats):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        out = pf.solve(inst, name, seed=seed, options=opts)
                    walls.append(out.result.timing.wall_s)
                    if out.evaluation.feasible:
                        feas += 1
                        objs.append(out.evaluation.objective)
                    bar.advance(task)
                best = max(objs) if objs else float("nan")
                med = statistics.median(objs) if objs else float("nan")
                rows.append({"n": n, "backend": name, "best": best,
                             "gap_bound": (ref.bound - med) / abs(ref.bound),
                             "gap_incumbent": (ref.objective - med) / abs(ref.objective),
                             "wall_s": statistics.median(walls),
                             "feasible": f"{feas}/{repeats}", "note": str(opts)})
    write(rows, sizes, scip_limit, repeats, args.quick)


def write(rows, sizes, scip_limit, repeats, quick) -> None:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for name in dict.fromkeys(r["backend"] for r in rows):
        sel = [r for r in rows if r["backend"] == name]
        ax1.plot([r["n"] for r in sel], [max(r["gap_bound"], 1e-7) for r in sel], "o-", label=name)
        ax2.plot([r["n"] for r in sel], [r["wall_s"] for r in sel], "o-", label=name)
    ax1.set(xscale="log", yscale="log", xlabel="assets n", ylabel="gap to SCIP dual bound",
            title="median gap (1e-7 = at the bound)")
    ax2.set(xscale="log", yscale="log", xlabel="assets n", ylabel="median wall time [s]",
            title="time per solve")
    ax1.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "portfolio_gap_time.png", dpi=110)
    lines = [
        "## Portfolio: annealing-style backends vs the SCIP MIQP",
        "",
        f"Machine: {os.cpu_count()}-core CPU ({platform.processor() or platform.machine()}), "
        f"no GPU. Command: `.venv/bin/python benchmarks/portfolio.py{' --quick' if quick else ''}`.",
        "",
        f"Instances: seeded factor-model markets (`generate:size=n,seed=0`), k = n/10, "
        f"risk aversion 1. SCIP solves the cardinality MIQP with a {scip_limit:g} s limit; its "
        "dual bound is an upper bound on the optimum, so `gap_bound` is a certified "
        "optimality gap; `gap_incumbent` compares with SCIP's best solution (negative: the "
        f"annealer beat SCIP's incumbent). Annealers: median over {repeats} seeds of the "
        "penalised BQM with the proven penalty (`usecases/portfolio/formulations.py`).",
        "",
        "| n | backend | best objective | median gap to bound | median gap to SCIP incumbent | "
        "median wall [s] | feasible | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['n']} | {r['backend']} | {r['best']:.6f} | {r['gap_bound']:.2e} | "
                     f"{r['gap_incumbent']:+.2e} | {r['wall_s']:.2f} | {r['feasible']} | "
                     f"{r['note']} |")
    lines += ["", "![gap and time](./portfolio_gap_time.png)", ""]
    (OUT / "portfolio.md").write_text("\n".join(lines))
    print("\n".join(lines))
    collect()


if __name__ == "__main__":
    main()
