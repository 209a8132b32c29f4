"""Wall time against a time limit for the annealers that spend one (a by-hand check).

Dense +-1 MaxCut-like Ising models (complete graphs, random +-1 couplings) of the given
sizes, each backend given the limit; prints the wall time (as the result reports it, and
measured here less the one-time set-up), whether it is within ``limit + grace_s(limit)``,
and the planned sweeps and reads run. The 2000-node model takes a few seconds to build.

Usage::

    python benchmarks/anneal_deadlines.py dwave-sa,dwave-tabu,openjij-sa,openjij-sqa 50,800,2000 2
"""

from __future__ import annotations

import sys
import time

import dimod
import numpy as np

from hybrid_workbench.deadline import grace_s
from hybrid_workbench.registry import get_backend


def dense_pm1(n: int, seed: int = 0) -> dimod.BinaryQuadraticModel:
    """A complete graph on ``n`` spins with random +-1 couplings."""
    rng = np.random.default_rng(seed)
    return dimod.BinaryQuadraticModel(np.zeros(n), np.triu(rng.choice([-1.0, 1.0], (n, n)), 1),
                                      0.0, "SPIN")


def main(names: list[str], sizes: list[int], limit: float) -> None:
    for n in sizes:
        bqm = dense_pm1(n)
        for name in names:
            backend = get_backend(name)
            started = time.perf_counter()
            result = backend.solve(bqm, seed=1, time_limit=limit)
            outer = time.perf_counter() - started - result.timing.setup_s
            schedule = result.info.get("schedule", {})
            within = max(result.wall_s, outer) <= limit + grace_s(limit)
            print(f"{name:12s} n={n:5d} limit={limit:g} wall_s={result.wall_s:.3f} "
                  f"outer_s={outer:.3f} {'within' if within else 'OVER'} "
                  f"energy={result.energy:.0f} sweeps={schedule.get('num_sweeps', '-')} "
                  f"reads={schedule.get('num_reads', '-')}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1].split(","), [int(x) for x in sys.argv[2].split(",")],
         float(sys.argv[3]) if len(sys.argv) > 3 else 2.0)
