"""AGV routing benchmark: annealing-style route selection vs CP-SAT and prioritised planning.

On generated floors with 10, 20 and 40 AGVs (several seeds each) it runs

* route selection (the QUBO of Ohzeki et al.) on the annealing-style backends
  ``dwave-sa``, ``openjij-sa`` and ``sb`` (when registered and available);
* route selection as a CQM on ``cpsat`` (same candidates, exact over them);
* prioritised planning (space-time A*, the plants' classical method);
* free routing on CP-SAT (any route: the strongest classical method, optimal when proved),

and reports per fleet size and method: feasibility rate, median gap of the total arrival
time to the best feasible answer on the same instance, median utilisation and median wall
time (formulation included), with the ratio to prioritised planning measured in the same
run. Writes ``docs/benchmarks/agv.md`` and ``docs/benchmarks/agv*.png``.

    .venv/bin/python benchmarks/agv.py            # full run
    .venv/bin/python benchmarks/agv.py --quick    # smoke run (10 AGVs, one seed), written
                                                  # to a temporary folder, docs untouched
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from collect import collect  # noqa: E402

from hybrid_workbench.registry import all_backends  # noqa: E402
from hybrid_workbench.usecases.agv import AGV  # noqa: E402
from hybrid_workbench.usecases.agv.plot import plot_floor  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks"
ANNEAL_OPTIONS = {"num_reads": 50, "num_sweeps": 2000}
CANDIDATES = {"num_paths": 4, "max_delay": 3, "max_candidates": 16}


def methods(time_limit: float) -> list[tuple[str, dict]]:
    out = [("dwave-sa", ANNEAL_OPTIONS), ("openjij-sa", ANNEAL_OPTIONS)]
    registry = all_backends()
    if "sb" in registry and registry["sb"].available() is True:
        out.append(("sb", {}))
    out.append(("cpsat", {"time_limit": time_limit}))
    return out


def run_instance(uc: AGV, inst, seed: int, time_limit: float) -> list[dict]:
    rows = []
    for name, opts in methods(time_limit):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = uc.solve(inst, name, seed=seed, options=opts, formulation_options=CANDIDATES)
        wall = time.perf_counter() - start
        ev = out.evaluation
        rep = ev.metrics.get("repair", {})
        rows.append({"method": f"{name} (selection)", "feasible": ev.feasible,
                     "total": ev.objective, "utilisation": ev.metrics["utilisation"],
                     "wall_s": wall, "repaired": bool(rep.get("applied")),
                     "conflicts": ev.metrics["conflicts"]["count"]})
    start = time.perf_counter()
    sol = uc.prioritised(inst, restarts=10, seed=seed)
    wall = time.perf_counter() - start
    ev = uc.evaluate(inst, sol)
    rows.append({"method": "prioritised planning", "feasible": ev.feasible, "total": ev.objective,
                 "utilisation": ev.metrics["utilisation"], "wall_s": wall, "repaired": False,
                 "conflicts": ev.metrics["conflicts"]["count"]})
    start = time.perf_counter()
    sol = uc.baseline(inst, time_limit=time_limit, seed=seed)
    wall = time.perf_counter() - start
    ev = uc.evaluate(inst, sol)
    rows.append({"method": f"cpsat free routing ({sol['status']})", "feasible": ev.feasible,
                 "total": ev.objective, "utilisation": ev.metrics["utilisation"],
                 "wall_s": wall, "repaired": False, "conflicts": ev.metrics["conflicts"]["count"],
                 "status": sol["status"], "bound": sol["bound"]})
    best = min((r["total"] for r in rows if r["feasible"]), default=None)
    for r in rows:
        r["gap"] = (r["total"] - best) / best if best and r["feasible"] else None
        r["lower_bound"] = inst.lower_bound()
    return rows


def summarise(results: dict[int, list[list[dict]]]) -> list[dict]:
    table = []
    for size, runs in results.items():
        pp_wall = statistics.median(r["wall_s"] for run in runs for r in run
                                    if r["method"] == "prioritised planning")
        names = []
        for run in runs:
            for r in run:
                base = r["method"].split(" (")[0] if r["method"].startswith("cpsat free") else r["method"]
                r["base"] = base
                if base not in names:
                    names.append(base)
        for name in names:
            rs = [r for run in runs for r in run if r["base"] == name]
            gaps = [r["gap"] for r in rs if r["gap"] is not None]
            walls = [r["wall_s"] for r in rs]
            table.append({
                "agvs": size, "method": name, "runs": len(rs),
                "feasible": sum(r["feasible"] for r in rs) / len(rs),
                "gap": statistics.median(gaps) if gaps else None,
                "utilisation": statistics.median(r["utilisation"] for r in rs),
                "wall_s": statistics.median(walls),
                "wall_vs_pp": statistics.median(walls) / pp_wall,
                "repaired": sum(r["repaired"] for r in rs),
                "proved": sum(r.get("status") == "optimal" for r in rs),
            })
    return table


def plot(table: list[dict], path: Path) -> None:
    sizes = sorted({r["agvs"] for r in table})
    names = list(dict.fromkeys(r["method"] for r in table))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        rows = {r["agvs"]: r for r in table if r["method"] == name}
        x = [k + i * width for k in range(len(sizes))]
        axes[0].bar(x, [rows[s]["feasible"] * 100 if s in rows else 0 for s in sizes], width,
                    label=name)
        axes[1].bar(x, [100 * (rows[s]["gap"] or 0) if s in rows else 0 for s in sizes], width)
        axes[2].bar(x, [rows[s]["wall_s"] if s in rows else 0 for s in sizes], width)
    for ax, title in zip(axes, ("feasible runs (%)", "median gap to best total arrival (%)",
                                "median wall time (s, log)")):
        ax.set_xticks([k + 0.4 - width / 2 for k in range(len(sizes))])
        ax.set_xticklabels([f"{s} AGVs" for s in sizes])
        ax.set_title(title)
    axes[2].set_yscale("log")
    axes[0].legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fmt(x, spec: str = ".3g") -> str:
    return "-" if x is None else format(x, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 AGVs, one seed")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=30.0)
    args = parser.parse_args()
    sizes = [10] if args.quick else [10, 20, 40]
    seeds = 1 if args.quick else args.seeds
    time_limit = 10.0 if args.quick else args.time_limit
    uc = AGV()
    from rich.progress import Progress

    results: dict[int, list[list[dict]]] = {}
    example = None
    with Progress() as progress:
        task = progress.add_task("AGV benchmark", total=len(sizes) * seeds)
        for size in sizes:
            results[size] = []
            for seed in range(seeds):
                inst = uc.generate(seed=seed, agvs=size)
                results[size].append(run_instance(uc, inst, seed, time_limit))
                if size == sizes[min(1, len(sizes) - 1)] and seed == 0:
                    example = inst
                progress.advance(task)
    table = summarise(results)
    suffix = ""
    out_dir = DOCS
    if args.quick:
        import tempfile

        out_dir = Path(tempfile.mkdtemp(prefix="agv-bench-"))
    plot(table, out_dir / "agv.png")
    fig, axes = plt.subplots(1, 2, figsize=(14, 5))
    plot_floor(example, uc.naive(example), ax=axes[0],
               title=f"naive shortest paths ({example.num_agvs} AGVs)")
    sol = uc.solve(example, "dwave-sa", seed=0, options=ANNEAL_OPTIONS,
                   formulation_options=CANDIDATES).solution
    plot_floor(example, sol, ax=axes[1], title="dwave-sa route selection")
    fig.tight_layout()
    fig.savefig(out_dir / "agv_floor.png", dpi=90)
    plt.close(fig)

    cmd = "`.venv/bin/python benchmarks/agv.py" + (" --quick`" if args.quick else "`")
    lines = [
        "## AGV routing: route selection on annealers vs CP-SAT and prioritised planning",
        "",
        f"Machine: {os.cpu_count()}-core CPU ({platform.processor() or platform.machine()}), "
        "no GPU. Repeat with " + cmd + ".",
        "",
        f"Generated floors (`generate:agvs=N,seed=s`, seeds 0..{seeds - 1}); candidates per AGV: "
        f"{CANDIDATES} plus its prioritised-planning route. Annealers: {ANNEAL_OPTIONS}; "
        f"CP-SAT time limit {time_limit:g} s (route selection and free routing). Gap: total "
        "arrival time over the best feasible total on the same instance; wall time includes "
        "formulation (candidates, conflicts, model) and interpretation, and is the median "
        "over seeds, with its ratio to prioritised planning timed in the same run. "
        "*repaired*: runs where the interpretation had to fix the raw sample "
        "(reported in `metrics.repair`).",
        "",
        "| AGVs | method | feasible | median gap | utilisation | wall s | x planning | repaired | proved optimal |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in table:
        lines.append(f"| {r['agvs']} | {r['method']} | {r['feasible']:.0%} | "
                     f"{fmt(r['gap'] * 100 if r['gap'] is not None else None, '.1f')}% | "
                     f"{fmt(r['utilisation'], '.3f')} | {fmt(r['wall_s'], '.2f')} | "
                     f"{fmt(r['wall_vs_pp'], '.0f')} | {r['repaired']} | "
                     f"{r['proved'] if r['method'].startswith('cpsat free') else '-'} |")
    lb = {s: [run[0]["lower_bound"] for run in results[s]] for s in results}
    lines += ["", f"Lower bounds (sum of earliest arrivals) per size and seed: {lb}.", "",
              f"![AGV benchmark](./agv{suffix}.png)", "",
              f"![floor](./agv_floor{suffix}.png)", ""]
    (out_dir / "agv.md").write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"written to {out_dir}")
    if not args.quick:
        collect()


if __name__ == "__main__":
    main()
