"""The dense SB step against the bare float32 matrix product it replaces.

A kernel timing, not a solve: ``sb`` runs dSB with 16 replicas on the 2000-node complete
graph with +-1 weights (generator seed 1, the K2000-like graph of the time-to-target job),
and its own ``info`` says how long the dynamics took over how many steps and which product
it used (``bits``: bit-packed exact +-1 product, XOR + popcount, fused with the update;
``gemm``: float32 product plus element-wise updates). The bare ``(n, n) @ (n, 16)`` float32
product of the same shape is timed in the same run (best of 15, with BLAS's threads and
with one thread: the comparison most favourable to the product). Writes
``docs/benchmarks/sb_step.md`` and rebuilds ``docs/benchmarks.md``::

    python benchmarks/sb_step.py [--seeds 3] [--steps 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from collect import collect

from hybrid_workbench.registry import get_backend
from hybrid_workbench.usecases.maxcut import maxcut_bqm
from hybrid_workbench.usecases.maxcut.io import generate_graph

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks"
REPLICAS = 16


def gemm_rate(n: int, replicas: int, repeats: int = 15) -> float:
    """Best seconds of a float32 ``(n, n) @ (n, replicas)`` product, with BLAS's threads
    and (where ``threadpoolctl`` is installed) with one."""
    rng = np.random.default_rng(0)
    J = rng.choice(np.array([-0.5, 0.5], dtype=np.float32), size=(n, n))
    X = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(n, replicas))

    def best() -> float:
        J @ X
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            J @ X
            times.append(time.perf_counter() - t)
        return min(times)

    rate = best()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return rate
    with threadpool_limits(limits=1, user_api="blas"):
        return min(rate, best())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=2000)
    args = ap.parse_args()
    load = os.getloadavg()[0]
    graph = generate_graph(seed=1, size=2000, kind="complete", weights="pm1")
    bqm = maxcut_bqm(graph)
    sb = get_backend("sb")
    steps, product = [], "?"
    for seed in range(args.seeds):
        r = sb.solve(bqm, seed=seed, options={"variant": "dsb", "num_replicas": REPLICAS,
                                              "num_steps": args.steps})
        steps.append(r.info["dynamics_s"] / r.info["steps_run"])
        product = r.info["product"]
    step_s = statistics.median(steps)
    n = graph.num_nodes
    gemm_s = gemm_rate(n, REPLICAS)
    how = {"bits": "bit-packed exact +-1 product (XOR + popcount) fused with the update",
           "gemm": "float32 matrix product plus element-wise updates"}.get(product, product)
    text = "\n".join([
        "## The dense SB step against its float32 matrix product", "",
        ("Script, not a job file: a kernel timing inside one solve, which a batch of solves "
        "cannot isolate. Machine: 2-core x86_64, no GPU, shared (load average "
        f"{load:.1f} at the start). Command: `python benchmarks/sb_step.py --seeds "
        f"{args.seeds} --steps {args.steps}`."), "",
        (f"`sb` on the {n}-node complete graph with +-1 weights (dSB, {REPLICAS} replicas, "
        f"{args.steps} steps, {args.seeds} seeds; `product={product}`: {how}): median "
        f"{1e3 * step_s:.2f} ms per whole step, against {1e3 * gemm_s:.2f} ms for the bare "
        f"`({n}, {n}) @ ({n}, {REPLICAS})` float32 product alone (best of 15, with BLAS's "
        f"threads or one, same run): the whole step takes {step_s / gemm_s:.2f}x the time of "
        "that product. GPU figures: not measured (no CUDA device on this machine); the GPU "
        "path is the float32 product under CuPy."), ""])
    (DOCS / "sb_step.md").write_text(text)
    print(text)
    collect()


if __name__ == "__main__":
    main()
