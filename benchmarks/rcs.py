"""Benchmark: random-circuit sampling -- simulation time per qubit, XEB noise decay, random bits.

Three measurements, written to ``docs/benchmarks/rcs.md`` with plots beside it:

1. wall time to sample Sycamore-style circuits (``depth`` cycles, 1000 shots) on Aer's
   statevector and MPS methods, and to compute the ideal probabilities that XEB needs
   (Qiskit ``Statevector``), against the number of qubits -- median of ``--repeats`` runs;
2. linear XEB against depth under a depolarising model of known per-gate error: sampled,
   exact (density matrix) and the digital-error-model prediction;
3. NIST frequency and runs tests on raw and Toeplitz-extracted bits from circuit samples.

Run: ``.venv/bin/python benchmarks/rcs.py`` (``--quick`` for a small smoke run).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from rich.progress import track  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
from collect import collect  # noqa: E402

from hybrid_workbench.usecases.rcs.circuits import RCSInstance, build_circuit  # noqa: E402
from hybrid_workbench.usecases.rcs.experiments import random_bits, time_simulation, xeb_decay  # noqa: E402
from hybrid_workbench.usecases.rcs.xeb import ideal_probabilities  # noqa: E402

OUT = ROOT / "docs" / "benchmarks"


def _grid(n: int) -> tuple[int, int]:
    rows = max(r for r in range(1, int(np.sqrt(n)) + 1) if n % r == 0)
    return rows, n // rows


def timing_table(sizes: list[int], depth: int, repeats: int, mps_max: int) -> list[dict]:
    rows = []
    for n in track(sizes, description="simulation time per qubit count"):
        sv = time_simulation(n, depth, "statevector", repeats=repeats)
        mps = (time_simulation(n, depth, "matrix_product_state", repeats=repeats) if n <= mps_max
               else {"median_s": float("nan")})
        r, c = _grid(n)
        qc = build_circuit(RCSInstance(rows=r, cols=c, depth=depth, seed=0))
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            ideal_probabilities(qc)
            times.append(time.perf_counter() - start)
        rows.append({"n": n, "grid": f"{r}x{c}", "statevector_s": sv["median_s"],
                     "mps_s": mps["median_s"], "probs_s": float(np.median(times))})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    ap.add_argument("--max-qubits", type=int, default=22)
    ap.add_argument("--depth", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--mps-max", type=int, default=16, help="largest size timed with MPS "
                    "(its bond dimension grows as 2**(width) on a 2D grid)")
    args = ap.parse_args()
    max_q = 10 if args.quick else args.max_qubits
    sizes = [n for n in (4, 6, 8, 9, 12, 15, 16, 18, 20, 21, 22, 24, 25) if n <= max_q]
    repeats = 1 if args.quick else args.repeats
    started = time.perf_counter()

    timing = timing_table(sizes, args.depth, repeats, args.mps_max)
    p1, p2 = 0.002, 0.01
    depths = [2, 4, 8] if args.quick else [2, 4, 6, 8, 12, 16, 20, 24]
    decay = xeb_decay(3, 3, depths, p1=p1, p2=p2, shots=2000 if args.quick else 20000, seed=1)
    qrng = [random_bits(RCSInstance(rows=3, cols=3, depth=12, seed=s), shots=2000 if args.quick
                        else 20000, seed=s) for s in track(range(1 if args.quick else 3),
                                                           description="random bits")]

    # -- plots ---------------------------------------------------------------------------
    fig, ax = plt.subplots(figsize=(6, 4))
    ns = [r["n"] for r in timing]
    ax.semilogy(ns, [r["statevector_s"] for r in timing], "o-", label="Aer statevector (sample)")
    ax.semilogy(ns, [r["mps_s"] for r in timing], "s-", label="Aer MPS (sample)")
    ax.semilogy(ns, [r["probs_s"] for r in timing], "^-", label="Qiskit Statevector (ideal p)")
    ax.set_xlabel("qubits")
    ax.set_ylabel(f"median wall time [s], depth {args.depth}")
    ax.set_title("Classical cost of random-circuit sampling")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(OUT / "rcs_time.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    d = [r["depth"] for r in decay]
    ax.errorbar(d, [r["sampled_xeb"] for r in decay], yerr=[2 * r["sigma"] for r in decay],
                fmt="o", label="sampled (±2σ)")
    ax.plot(d, [r["exact_xeb"] for r in decay], "-", label="exact (density matrix)")
    ax.plot(d, [r["dem_times_ideal"] for r in decay], "--", label="digital error model × ideal")
    ax.set_xlabel("cycles")
    ax.set_ylabel("linear XEB fidelity")
    ax.set_yscale("log")
    ax.set_title(f"3x3 grid, depolarising p1={p1}, p2={p2}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(OUT / "rcs_decay.png", dpi=120)
    plt.close(fig)

    # -- growth rate: fit log2(time) over the largest half of the sizes --------------------
    big = [r for r in timing if r["n"] >= (ns[len(ns) // 2] if ns else 0)]
    slope = (np.polyfit([r["n"] for r in big], np.log2([r["statevector_s"] for r in big]), 1)[0]
             if len(big) >= 2 else float("nan"))

    cpu = platform.processor() or platform.machine()
    lines = [
        "## Random-circuit sampling (`rcs`)", "",
        f"Machine: {os.cpu_count()}-core CPU ({cpu}), no GPU; shared with other jobs while "
        "measured, so absolute times are indicative. Command: "
        f"`.venv/bin/python benchmarks/rcs.py{' --quick' if args.quick else ''}`"
        f" (depth {args.depth}, medians of {repeats} runs, 1000 shots).", "",
        "### Simulation time per qubit count", "",
        "| qubits | grid | Aer statevector [s] | Aer MPS [s] | MPS / statevector | ideal p [s] |",
        "| ---: | :---: | ---: | ---: | ---: | ---: |",
    ]
    for r in timing:
        mps = "not run" if np.isnan(r["mps_s"]) else f"{r['mps_s']:.3g}"
        ratio = "" if np.isnan(r["mps_s"]) else f"{r['mps_s'] / r['statevector_s']:.2g}"
        lines.append(f"| {r['n']} | {r['grid']} | {r['statevector_s']:.3g} | {mps} | {ratio} | "
                     f"{r['probs_s']:.3g} |")
    lines += ["", f"Statevector time grows by a factor 2^{slope:.2f} per added qubit over the "
              "larger sizes (2^1 is the memory-bound asymptote; small sizes are dominated by "
              "fixed overheads). At 53 qubits a statevector needs 16·2^53 bytes = 128 PiB, which "
              "is why the 2019 supremacy claim was answered with tensor-network contraction on "
              "GPU clusters rather than statevectors. MPS is slower than the statevector at "
              "every size here: on a 2D grid at this depth the entanglement across any cut "
              "saturates, so the bond dimension grows as 2^(n/2) and MPS has no advantage.", "",
              "![simulation time](./rcs_time.png)", "",
              "### XEB decay under a known depolarising error", "",
              f"3x3 grid, p1 = {p1} after each single-qubit gate, p2 = {p2} after each fSim. "
              "Sampled: Aer density-matrix sampling; exact: 2^n Σ p·q from the exact noisy "
              "distribution q; digital error model: Π(1 − e) with Pauli error rates e = 3p1/4, "
              "15p2/16, times the ideal-sampler value 2^n Σ p² − 1.", "",
              "| cycles | 1q gates | fSim | ideal | sampled ± σ | exact | DEM × ideal | exact / DEM×ideal |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in decay:
        lines.append(f"| {r['depth']} | {r['single_qubit']} | {r['two_qubit']} | "
                     f"{r['ideal_xeb']:.3f} | {r['sampled_xeb']:.3f} ± {r['sigma']:.3f} | "
                     f"{r['exact_xeb']:.3f} | {r['dem_times_ideal']:.3f} | "
                     f"{r['exact_xeb'] / r['dem_times_ideal']:.3f} |")
    max_z = max(abs(r["sampled_xeb"] - r["exact_xeb"]) / r["sigma"] for r in decay)
    lines += ["", f"The sampled values agree with the exact ones to within {max_z:.1f} σ; the "
              "digital error model is a slight underestimate (exact / model > 1): errors in "
              "the last cycles are not fully scrambled before measurement (a Z error just "
              "before readout changes nothing), and at shallow depth the ideal distribution is "
              "far from Porter-Thomas.", "",
              "![XEB decay](./rcs_decay.png)", "",
              "### Random bits (NIST SP 800-22 frequency and runs tests, α = 0.01)", "",
              "| circuit seed | raw bits | monobit p (raw) | runs p (raw) | H_min / sample | "
              "extracted bits | monobit p | runs p |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s, q in enumerate(qrng):
        raw, ext = q["raw"], q.get("extracted", {})
        lines.append(
            f"| {s} | {q['raw_bits']} | {raw['frequency (monobit)']['p_value']:.3g} | "
            f"{raw['runs']['p_value']:.3g} | {q['min_entropy_per_sample']:.2f} | "
            f"{q.get('extracted_bits', 0)} | "
            f"{ext.get('frequency (monobit)', {}).get('p_value', float('nan')):.3g} | "
            f"{ext.get('runs', {}).get('p_value', float('nan')):.3g} |")
    lines += ["", "Raw output bits of a random circuit are not uniform (the output distribution "
              "is Porter-Thomas-like, so bits are biased and correlated); Toeplitz hashing at "
              "the min-entropy rate removes that. The tests check statistics only: any good "
              "extractor's output passes them, so the randomness claim rests on the entropy "
              "bound, not on these P-values.", "",
              f"_Run time {time.perf_counter() - started:.0f} s._", ""]
    (OUT / "rcs.md").write_text("\n".join(lines))
    print(collect())


if __name__ == "__main__":
    main()
