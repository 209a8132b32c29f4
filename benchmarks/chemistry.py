"""Chemistry benchmark: every shipped molecule through exact-eigen and VQE, plus bond scans.

For each shipped molecule: qubits, Pauli terms, time to build the qubit Hamiltonian
(PySCF + qiskit-nature), time to solve with ``exact-eigen`` and ``vqe`` (UCCSD on Aer's
statevector estimator), error against PySCF FCI/CASCI in the same active space, and the
classical references (HF, MP2, CCSD, CCSD(T)) with their timings. Then potential-energy
curves for H2 and LiH (VQE vs exact vs HF, with an error panel). Timings are medians over
``--repeats`` runs. Writes ``docs/benchmarks/chemistry.md`` and its plots, then rebuilds
``docs/benchmarks.md``.

Run: ``.venv/bin/python benchmarks/chemistry.py`` (``--quick``: H2 and LiH only, short scans).
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
import numpy as np  # noqa: E402
from rich.progress import track  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from collect import collect  # noqa: E402

from hybrid_workbench.registry import get_backend  # noqa: E402
from hybrid_workbench.usecases.chemistry import Chemistry, library_names  # noqa: E402
from hybrid_workbench.usecases.chemistry.driver import build_problem  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "benchmarks"


def median_time(fn, repeats: int):
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def molecule_table(names: list[str], repeats: int) -> list[dict]:
    uc = Chemistry()
    rows = []
    for name in track(names, description="molecules"):
        mol = uc.load(name)
        build_s, problem = median_time(lambda: build_problem(mol), repeats)
        uc._problems[(mol, 1.0, mol.mapping)] = problem
        refs = uc.references(mol)
        exact_name = "fci" if problem.full_space else "casci"
        exact = refs[exact_name]["energy"]
        eig_s, eig = median_time(lambda: get_backend("exact-eigen").solve(problem.hamiltonian,
                                                                            seed=0), repeats)
        opts = {"num_particles": list(problem.num_particles),
                "num_spatial_orbitals": problem.num_orbitals, "mapping": mol.mapping}
        vqe_s, vqe = median_time(lambda: get_backend("vqe").solve(problem.hamiltonian, seed=0,
                                                                  options=opts), repeats)
        rows.append({
            "molecule": name, "qubits": problem.num_qubits, "terms": len(problem.hamiltonian),
            "active": f"({sum(problem.num_particles)}e, {problem.num_orbitals}o)",
            "build_s": build_s, "eigen_s": eig_s, "vqe_s": vqe_s,
            "eigen_err_mha": (eig.energy - exact) * 1e3, "vqe_err_mha": (vqe.energy - exact) * 1e3,
            "vqe_params": vqe.info["num_parameters"], "vqe_evals": vqe.info["evaluations"],
            "exact_name": exact_name, "exact": exact,
            "refs": {k: v for k, v in refs.items() if isinstance(v, dict)},
        })
    return rows


def scan(name: str, distances: np.ndarray) -> dict:
    uc = Chemistry()
    base = uc.load(name)
    out = {"d": distances, "hf": [], "exact": [], "vqe": []}
    for d in track(distances, description=f"{name} bond scan"):
        mol = base.with_geometry([[base.atoms[0][0], [0, 0, 0]], [base.atoms[1][0], [0, 0, float(d)]]])
        problem = build_problem(mol)
        opts = {"num_particles": list(problem.num_particles),
                "num_spatial_orbitals": problem.num_orbitals}
        out["hf"].append(problem.mf.e_tot)
        out["exact"].append(get_backend("exact-eigen").solve(problem.hamiltonian, seed=0).energy)
        out["vqe"].append(get_backend("vqe").solve(problem.hamiltonian, seed=0, options=opts).energy)
    return {k: np.asarray(v) for k, v in out.items()}


def plot_scans(scans: dict[str, dict], path: Path) -> None:
    fig, axes = plt.subplots(2, len(scans), figsize=(5.5 * len(scans), 7), sharex="col",
                             gridspec_kw={"height_ratios": [3, 2]})
    axes = np.atleast_2d(axes).reshape(2, len(scans))
    for j, (name, s) in enumerate(scans.items()):
        top, bottom = axes[0, j], axes[1, j]
        top.plot(s["d"], s["hf"], "s--", label="HF", color="tab:gray")
        top.plot(s["d"], s["exact"], "-", label="FCI/CASCI (exact-eigen)", color="black")
        top.plot(s["d"], s["vqe"], "o", label="VQE (UCCSD)", color="tab:red", mfc="none")
        top.set_title(f"{name} / STO-3G")
        top.set_ylabel("energy (Hartree)")
        top.legend()
        bottom.semilogy(s["d"], np.maximum(np.abs(s["vqe"] - s["exact"]) * 1e3, 1e-9), "o-",
                        color="tab:red", label="|VQE - exact|")
        bottom.semilogy(s["d"], np.abs(s["hf"] - s["exact"]) * 1e3, "s--", color="tab:gray",
                        label="|HF - exact|")
        bottom.axhline(1.6, color="tab:green", ls=":", label="chemical accuracy (1.6 mHa)")
        bottom.set_xlabel("bond length (Angstrom)")
        bottom.set_ylabel("error (mHa)")
        bottom.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_markdown(rows: list[dict], command: str, repeats: int, scans_done: bool) -> Path:
    lines = [
        "## Chemistry: shipped molecules on exact-eigen and VQE",
        "",
        f"Machine: {os.cpu_count()}-core CPU ({platform.processor() or platform.machine()}), "
        "no GPU; the machine was shared with other jobs while this ran, so absolute times are "
        "pessimistic. "
        f"Times are medians over {repeats} run(s). Repeat with `{command}`.",
        "",
        "Build = PySCF RHF + active-space integrals + qiskit-nature mapping (Jordan-Wigner, with "
        "the particle-number penalty). VQE = UCCSD from Hartree-Fock, L-BFGS-B with batched "
        "central-difference gradients on Aer's exact `EstimatorV2`. Errors are against PySCF "
        "FCI (full space) or CASCI (same active space).",
        "",
        "| molecule | active | qubits | Pauli terms | build (s) | exact-eigen (s) | VQE (s) | "
        "VQE params / energies | exact-eigen err (mHa) | VQE err (mHa) | reference (Ha) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['molecule']} | {r['active']} | {r['qubits']} | {r['terms']} | "
            f"{r['build_s']:.2f} | {r['eigen_s']:.3f} | {r['vqe_s']:.1f} | "
            f"{r['vqe_params']} / {r['vqe_evals']} | {r['eigen_err_mha']:.1e} | "
            f"{r['vqe_err_mha']:.2e} | {r['exact_name']} {r['exact']:.6f} |")
    lines += ["", "Classical references in the same active space (energy in Ha, time in s):", "",
              "| molecule | HF | MP2 | CCSD | CCSD(T) | FCI/CASCI |", "|---|---|---|---|---|---|"]
    for r in rows:
        cells = []
        for key in ("hf", "mp2", "ccsd", "ccsd(t)", r["exact_name"]):
            v = r["refs"].get(key, {})
            cells.append("-" if v.get("energy") is None else f"{v['energy']:.6f} ({v['wall_s']:.2f})")
        lines.append(f"| {r['molecule']} | " + " | ".join(cells) + " |")
    if scans_done:
        lines += ["", "Bond scans (VQE vs exact vs HF, error panel):", "",
                  "![bond scans](./chemistry_scan.png)"]
    path = OUT / "chemistry.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="H2 and LiH, short scans")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    OUT.mkdir(parents=True, exist_ok=True)
    repeats = args.repeats or (1 if args.quick else 3)
    names = ["H2", "LiH"] if args.quick else library_names()
    rows = molecule_table(names, repeats)
    points = 4 if args.quick else 9
    scans = {"H2": scan("H2", np.linspace(0.5, 2.3, points)),
             "LiH": scan("LiH", np.linspace(1.2, 3.2, points))}
    plot_scans(scans, OUT / "chemistry_scan.png")
    command = ".venv/bin/python benchmarks/chemistry.py" + (" --quick" if args.quick else "")
    print(write_markdown(rows, command, repeats, True))
    print(collect())


if __name__ == "__main__":
    main()
