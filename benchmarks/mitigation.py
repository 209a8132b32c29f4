"""The error-mitigation table of ``docs/benchmarks/mitigation.md``: one noisy VQE optimum
measured unmitigated and with each of the Runtime's mitigation settings (run locally),
beside the ideal energy at the same parameters and the exact ground energy.

It stays a script: it measures one optimum several ways, which is not a solve per task.

Usage::

    python benchmarks/mitigation.py        # about 3 minutes on 2 cores
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from hybrid_workbench.algorithms.vqe_noisy import noisy_path

MODELS = {
    "test model (2 q)": [("ZI", -0.4), ("IZ", -0.4), ("XX", 0.2), ("II", -0.5)],
    "H2 0.735 Å, parity 2 q": [("II", -1.052373245772859), ("IZ", 0.39793742484318045),
                               ("ZI", -0.39793742484318045), ("ZZ", -0.01128010425623538),
                               ("XX", 0.18093119978423156)],
}


def mitigation_table(model: Any, seed: int = 11, **options: Any) -> list[dict[str, Any]]:
    """Unmitigated and each mitigated energy at one noisy VQE optimum, beside exact values.

    Runs ``vqe`` on ``aer-noisy`` (``options`` as for it), then measures its optimum with
    every ``mitigation`` setting on the same simulated device and seed. Rows: ``mitigation``,
    ``energy``, ``sigma``, ``ideal_at_optimum`` (statevector at the same parameters) and
    ``exact_ground`` (exact diagonalisation).
    """
    from hybrid_workbench.algorithms.ansatz import build_ansatz
    from hybrid_workbench.algorithms.mitigation import (
        MITIGATIONS,
        mitigated_energy,
        resilience_options,
    )
    from hybrid_workbench.algorithms.vqe import VQEBackend, VQEOptions, _spec

    opts = VQEOptions(**{**options, "simulator": "aer-noisy", "mitigation": "none"})
    result = VQEBackend().solve(model, seed=seed, options=opts)
    x = np.asarray(result.info["optimal_parameters"], dtype=float)
    path = noisy_path(model, build_ansatz(_spec(model, opts)), opts, seed)
    shots = result.info["noisy"]["final_shots"]
    exact = float(np.linalg.eigvalsh(model.to_matrix())[0])
    rows = []
    for name in MITIGATIONS:
        out = mitigated_energy(path.simulator, path.circuit, path.observable, x,
                               resilience_options(name, opts.zne_factors, opts.zne_fit),
                               shots, seed)
        rows.append({"mitigation": name, "energy": out["energy"], "sigma": out["sigma"],
                     "ideal_at_optimum": result.info["noisy"]["ideal_at_optimum"],
                     "exact_ground": exact})
    return rows


def main() -> None:
    print("| model | mitigation | energy (Ha) | σ | ideal at optimum | error (Ha) | exact ground |")
    print("|---|---|---|---|---|---|---|")
    for label, terms in MODELS.items():
        for fit in ("linear", "richardson"):
            rows = mitigation_table(SparsePauliOp.from_list(terms), seed=11,
                                    ansatz="real-amplitudes", reps=1, shots=4096, maxiter=60,
                                    zne_fit=fit)
            for row in rows:
                if fit == "richardson" and "zne" not in row["mitigation"]:
                    continue
                name = row["mitigation"] + (f" ({fit})" if "zne" in row["mitigation"] else "")
                print(f"| {label} | {name} | {row['energy']:.4f} | {row['sigma']:.4f} | "
                      f"{row['ideal_at_optimum']:.4f} | {row['energy'] - row['exact_ground']:+.4f} | "
                      f"{row['exact_ground']:.4f} |")


if __name__ == "__main__":
    main()
