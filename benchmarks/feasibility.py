"""Annealers with default settings on constrained models: feasible on every seed? how far off?

Runs ``dwave-sa``, ``openjij-sa`` and ``gpu-sa`` with no options at all (no time limit, no
reads, no schedule) through :meth:`UseCase.solve` on three constrained cases:

* portfolio: 225 assets, K = 10 (OR-Library port5, the Nikkei 225, when the file
  ``hybrid/datasets/portfolio/port5.txt`` is present, at risk aversions 0.5, 1 and 5;
  otherwise a seeded 225-asset factor-model market);
* HP chains: 18, 20 (S1-1) and 24 (S1-2) residues on the square lattice;
* AGV route selection: 40 vehicles on a generated plant.

and prints one markdown row per backend x case: feasible seeds, repaired seeds (a use case
that repairs a sample says so), and the gap of the mean objective against the stated
reference (HP: the published optimum; otherwise the best objective any run reached).

Usage::

    python benchmarks/feasibility.py [--seeds 5] [--backends dwave-sa,openjij-sa,gpu-sa]
                                     [--cases portfolio,hp18,hp20,hp24,agv40]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from hybrid_workbench.registry import get_usecase

ROOT = Path(__file__).resolve().parents[1]
PORT5 = ROOT / "hybrid" / "datasets" / "portfolio" / "port5.txt"
HP18 = "HPHPPHHPHPPHPHHPPH"          # the first 18 residues of S1-1 (optimum certified below)


def cases(names: list[str]) -> list[tuple[str, str, Any]]:
    """``(label, usecase, instance)`` for each asked case."""
    out: list[tuple[str, str, Any]] = []
    for name in names:
        if name == "portfolio":
            pf = get_usecase("portfolio")
            if PORT5.exists():
                for ra in (0.5, 1.0, 5.0):
                    out.append((f"port5 K=10 ra={ra}", "portfolio",
                                pf.load(PORT5, k=10, risk_aversion=ra)))
            else:
                out.append(("factor n=225 K=10", "portfolio",
                            pf.generate(seed=0, size=225, k=10)))
        elif name.startswith("hp"):
            pep = get_usecase("peptide")
            length = int(name[2:])
            src = {18: HP18, 20: ROOT / "hybrid/datasets/hp/S1-1.json",
                   24: ROOT / "hybrid/datasets/hp/S1-2.json"}[length]
            out.append((f"HP {length}", "peptide", pep.load(src)))
        elif name.startswith("agv"):
            out.append((f"AGV {name[3:]}", "agv",
                        get_usecase("agv").generate(seed=0, agvs=int(name[3:]))))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--backends", default="dwave-sa,openjij-sa,gpu-sa")
    ap.add_argument("--cases", default="portfolio,hp18,hp20,hp24,agv40")
    args = ap.parse_args()
    backends = args.backends.split(",")
    rows = []
    for label, ucname, inst in cases(args.cases.split(",")):
        uc = get_usecase(ucname)
        runs: dict[str, list[tuple[bool, bool, float | None, float]]] = {}
        for be in backends:
            for seed in range(args.seeds):
                t = time.perf_counter()
                out = uc.solve(inst, be, seed=seed)
                ev = out.evaluation
                runs.setdefault(be, []).append((ev.feasible, bool(ev.metrics.get("repaired")),
                                                ev.objective, time.perf_counter() - t))
                print(f"# {label} {be} seed={seed} feasible={ev.feasible} "
                      f"repaired={ev.metrics.get('repaired')} objective={ev.objective}",
                      flush=True)
        objs = [o for r in runs.values() for f, _, o, _ in r if f and o is not None]
        ref = uc.reference(inst) if ucname == "peptide" else None
        ref_what = "published optimum" if ref is not None else "best seen"
        if ref is None and objs:
            ref = max(objs) if uc.sense == "max" else min(objs)
        for be, r in runs.items():
            feas = [o for f, _, o, _ in r if f and o is not None]
            mean = statistics.fmean(feas) if feas else None
            gap = (abs(mean - ref) / abs(ref) * 100 if mean is not None and ref else None)
            rows.append(f"| {label} | {be} | {sum(f for f, *_ in r)}/{len(r)} | "
                        f"{sum(p for _, p, *_ in r)}/{len(r)} | "
                        f"{'-' if mean is None else f'{mean:.4g}'} | {ref:.4g} ({ref_what}) | "
                        f"{'-' if gap is None else f'{gap:.1f} %'} | "
                        f"{statistics.fmean(x[3] for x in r):.1f} |")
    print("| case | backend | feasible | repaired | mean objective | reference | gap | "
          "mean wall s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
