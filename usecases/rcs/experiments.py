"""RCS experiments: XEB decay under known noise, random bits, simulation time per qubit.

* :func:`xeb_decay` -- for a list of circuit depths, the XEB fidelity of samples drawn with
  a depolarising noise model of known per-gate error (Aer: density-matrix sampling up to
  10 qubits, noisy trajectories beyond), the exact noisy
  XEB (Aer density matrix, up to 10 qubits) and the digital-error-model prediction
  ``Π (1 - e)``; one row per depth.
* :func:`random_bits` -- per-shot samples of a circuit from an ``aer-*`` backend's Qiskit
  ``SamplerV2`` (asked of the registry) or from a sampler passed in (shot order kept), with the NIST frequency and runs tests on raw and
  Toeplitz-extracted bits.
* :func:`time_simulation` -- wall time to sample an ``n``-qubit circuit on a simulator: the
  classical side of the supremacy argument (used by ``benchmarks/rcs.py``).

Examples:
    >>> rows = xeb_decay(2, 3, depths=[2], p1=0.01, p2=0.05, shots=2000, seed=1)
    >>> r = rows[0]
    >>> abs(r["sampled_xeb"] - r["exact_xeb"]) < 4 * r["sigma"]
    True
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from hybrid_workbench.usecases.rcs.circuits import RCSInstance, build_circuit, count_gates
from hybrid_workbench.usecases.rcs.qrng import qrng_report
from hybrid_workbench.usecases.rcs.xeb import (
    depolarizing_noise_model,
    digital_error_model,
    exact_noisy_probabilities,
    ideal_probabilities,
    linear_xeb,
    sample_with_aer,
)

__all__ = ["xeb_decay", "random_bits", "time_simulation"]


def xeb_decay(rows: int, cols: int, depths: Iterable[int], p1: float, p2: float,
              shots: int = 4000, seed: int = 0, exact: bool = True) -> list[dict[str, Any]]:
    """XEB against depth under depolarising noise ``(p1, p2)``, with the model's prediction.

    Args:
        rows, cols: grid.
        depths: numbers of cycles.
        p1, p2: depolarising parameters after single-qubit gates and fSim couplers.
        shots: samples per circuit.
        seed: circuit seed (the same circuit family at every depth) and simulator seed.
        exact: also compute the exact noisy XEB by density matrix (``n <= 10``).

    Returns:
        One dict per depth: ``depth``, ``gates``, ``ideal_xeb`` (perfect sampler),
        ``sampled_xeb`` and ``sigma``, ``exact_xeb`` (or None), ``dem`` (digital error
        model ``Π (1 - e)``) and ``dem_times_ideal``.
    """
    noise = depolarizing_noise_model(p1, p2)
    rows_out = []
    for depth in depths:
        inst = RCSInstance(rows=rows, cols=cols, depth=int(depth), seed=seed)
        qc = build_circuit(inst)
        probs = ideal_probabilities(qc)
        # density-matrix sampling applies the channels exactly (fast up to 10 qubits);
        # beyond, Aer samples noisy trajectories
        method = "density_matrix" if inst.num_qubits <= 10 else "statevector"
        counts = sample_with_aer(qc, shots, seed=seed, noise_model=noise, method=method)
        est = linear_xeb(probs, counts)
        gates = count_gates(inst)
        dem = digital_error_model(gates, p1, p2)
        exact_xeb = None
        if exact and inst.num_qubits <= 10:
            q = exact_noisy_probabilities(qc, noise)
            exact_xeb = float(probs.size * np.dot(probs, q) - 1.0)
        rows_out.append({"depth": int(depth), "num_qubits": inst.num_qubits, **gates,
                         "p1": p1, "p2": p2, "ideal_xeb": est.ideal,
                         "sampled_xeb": est.fidelity, "sigma": est.sigma,
                         "exact_xeb": exact_xeb, "dem": dem, "dem_times_ideal": dem * est.ideal})
    return rows_out


def random_bits(instance: RCSInstance, shots: int = 2000, seed: int = 0,
                kind: str = "statevector", sampler: Any = None,
                pass_manager: Any = None) -> dict[str, Any]:
    """Random bits from ``shots`` samples of the instance's circuit, with NIST tests.

    Samples come from the ``SamplerV2`` of the gate-model backend ``aer-<kind>``, asked of
    the registry (``primitives()``), or from ``sampler`` (any Qiskit ``BaseSamplerV2``,
    with its ``pass_manager`` if it needs one); either keeps the shot order
    (``get_bitstrings``).

    Returns:
        :func:`~hybrid_workbench.usecases.rcs.qrng.qrng_report` plus ``xeb`` of the same samples.
    """
    from hybrid_workbench.primitives import Primitives, backend_primitives

    prims = Primitives.from_user(sampler, None, pass_manager)
    if prims is None:
        prims = backend_primitives(f"aer-{kind}", seed=seed)
    qc = build_circuit(instance)
    bitarray = prims.sampler.run([prims.transpile(qc)], shots=shots).result()[0].data.meas
    memory = bitarray.get_bitstrings()
    probs = ideal_probabilities(qc)
    report = qrng_report(memory, probs, seed=seed)
    report["xeb"] = linear_xeb(probs, bitarray.get_counts()).to_dict()
    report["num_qubits"] = instance.num_qubits
    report["sampler"] = prims.describe()["sampler"]
    return report


def time_simulation(num_qubits: int, depth: int, method: str = "statevector", shots: int = 1000,
                    seed: int = 0, repeats: int = 3) -> dict[str, Any]:
    """Median wall time (s) to sample a ``num_qubits`` RCS circuit on an Aer method.

    The grid is the most square ``rows x cols`` with ``rows * cols = num_qubits``.
    """
    rows = max(r for r in range(1, int(np.sqrt(num_qubits)) + 1) if num_qubits % r == 0)
    inst = RCSInstance(rows=rows, cols=num_qubits // rows, depth=depth, seed=seed)
    qc = build_circuit(inst)
    times = []
    for k in range(repeats):
        start = time.perf_counter()
        sample_with_aer(qc, shots, seed=seed + k, method=method)
        times.append(time.perf_counter() - start)
    return {"num_qubits": num_qubits, "rows": rows, "cols": num_qubits // rows, "depth": depth,
            "method": method, "median_s": float(np.median(times)), "times_s": times}
