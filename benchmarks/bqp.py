"""OR-Library bqp (Beasley) at equal time: ``cpsat``, ``dwave-tabu``, ``sb``, ``gpu-sa``.

Each backend gets the same wall budget (``--time-limit``, 10 s by default) on bqp100.1,
bqp250.1, bqp500.1 and bqp1000.1 (the instances shipped in ``tests/data/bqp``, maximise
``x'Qx``; as BQMs, minimise ``-x'Qx``). Reported per run: the value reached (``-energy``),
the gap to the published best-known value (Beasley 1998; optimal for n = 100) in percent,
the wall time of ``backend.solve`` (set-up such as kernel compilation apart, as
``Timing.setup_s``), the status, and for ``cpsat`` its proven bound and whether it returned
its anneal hint. The table is printed as markdown with the machine's load average and the
command; nothing is written to disk.

Usage::

    .venv/bin/python benchmarks/bqp.py                    # 4 instances x 4 backends x 10 s
    .venv/bin/python benchmarks/bqp.py --time-limit 2 --instances bqp100.1
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import dimod
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hybrid_workbench.registry import get_backend

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "bqp"
BEST_KNOWN = {"bqp100.1": 7970, "bqp250.1": 45607, "bqp500.1": 116586, "bqp1000.1": 371438}
BACKENDS = ("cpsat", "gurobi", "dwave-tabu", "sb", "gpu-sa")


def read_bqp(path: Path) -> list[dimod.BinaryQuadraticModel]:
    """The problems of an OR-Library bqp file as BQMs minimising ``-x'Qx``.

    Each pair ``i < j`` is listed once and counts twice (``q`` is symmetric); diagonal
    entries count once.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        numbers = iter(f.read().split())
    bqms = []
    for _ in range(int(next(numbers))):
        n, nnz = int(next(numbers)), int(next(numbers))
        linear = np.zeros(n)
        quadratic: dict[tuple[int, int], float] = {}
        for _ in range(nnz):
            i, j, q = int(next(numbers)) - 1, int(next(numbers)) - 1, float(next(numbers))
            if i == j:
                linear[i] -= q
            else:
                key = (min(i, j), max(i, j))
                quadratic[key] = quadratic.get(key, 0.0) - 2.0 * q
        bqms.append(dimod.BinaryQuadraticModel(linear, quadratic, 0.0, "BINARY"))
    return bqms


def load(name: str) -> dimod.BinaryQuadraticModel:
    """``bqp100.1`` -> problem 1 of ``bqp100.txt`` (or of a single-problem file)."""
    family, index = name.rsplit(".", 1)
    single = sorted(DATA.glob(f"{name}.txt*"))
    if single:
        return read_bqp(single[0])[0]
    return read_bqp(DATA / f"{family}.txt")[int(index) - 1]


def run(name: str, backend: str, time_limit: float, seed: int) -> dict[str, Any]:
    from hybrid_workbench.errors import WorkbenchError

    bqm = load(name)
    try:
        result = get_backend(backend).solve(bqm, time_limit=time_limit, seed=seed)
    except WorkbenchError as exc:  # refused before work (e.g. a size-limited licence)
        return {"instance": name, "n": bqm.num_variables, "best": BEST_KNOWN[name],
                "backend": backend, "value": None, "gap": None, "wall": 0.0, "setup": 0.0,
                "status": "refused", "note": str(exc).split(". Backends")[0][:90]}
    best = BEST_KNOWN[name]
    value = None if result.energy is None else -result.energy
    note = ""
    if backend in ("cpsat", "gurobi") and result.info.get("bound") is not None:
        note = f"bound {-result.info['bound']:.0f}"
        if "hint_energy" in result.info:
            note += f", hint {-result.info['hint_energy']:.0f}"
        if "returned" in result.info:
            note += ", returned the hint"
    return {"instance": name, "n": bqm.num_variables, "best": best, "backend": backend,
            "value": value, "gap": None if value is None else 100.0 * (best - value) / best,
            "wall": result.wall_s, "setup": result.timing.setup_s, "status": result.status,
            "note": note}


def table(rows: list[dict[str, Any]], time_limit: float, seed: int, command: str,
          load_before: tuple[float, float, float]) -> str:
    load_after = os.getloadavg()
    header = (f"OR-Library bqp, one run per backend at {time_limit:g} s, seed {seed}. "
              f"Machine: {platform.machine()}, {os.cpu_count()} CPUs; load average "
              f"(1/5/15 min) {'/'.join(f'{x:.2f}' for x in load_before)} before, "
              f"{'/'.join(f'{x:.2f}' for x in load_after)} after.")
    lines = [header, f"Command: `{command}`", "",
             "| instance | n | best known | backend | value | gap % | wall s | status | note |",
             "| --- | ---: | ---: | --- | ---: | ---: | ---: | --- | --- |"]
    for r in rows:
        value = "-" if r["value"] is None else f"{r['value']:.0f}"
        gap = "-" if r["gap"] is None else f"{r['gap']:.3f}"
        lines.append(f"| {r['instance']} | {r['n']} | {r['best']} | {r['backend']} | {value} "
                     f"| {gap} | {r['wall']:.2f} | {r['status']} | {r['note']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--instances", nargs="+", default=list(BEST_KNOWN))
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS))
    args = parser.parse_args(argv)
    command = " ".join(["benchmarks/bqp.py", *(argv if argv is not None else sys.argv[1:])])
    load_before = os.getloadavg()
    rows = []
    for name in args.instances:
        for backend in args.backends:
            start = time.perf_counter()
            rows.append(run(name, backend, args.time_limit, args.seed))
            print(f"{name} {backend}: {rows[-1]['value']} in {time.perf_counter() - start:.1f} s",
                  file=sys.stderr, flush=True)
    print(table(rows, args.time_limit, args.seed, command, load_before))


if __name__ == "__main__":
    main()
