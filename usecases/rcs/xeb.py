"""Linear cross-entropy benchmarking (XEB): fidelity estimate, its error bar, noise decay.

For samples ``x_1..x_S`` of an ``n``-qubit circuit with ideal output probabilities ``p``,

    F_XEB = 2**n * mean_i p(x_i) - 1

(Arute et al. 2019). Its expectation is ``2**n Σ p(x)**2 - 1`` for a perfect sampler (which
tends to 1 for Porter-Thomas distributions, i.e. deep random circuits) and exactly 0 for
uniformly random bits. Under the usual model of a noisy sampler, ``q = F p + (1 - F)/2**n``,
the variance of one term ``2**n p(x)`` is

    Var = 4**n (F Σ p**3 + (1 - F) Σ p**2 / 2**n) - (2**n (F Σ p**2 + (1 - F)/2**n))**2

so the standard error of the estimate is ``sqrt(Var / S)`` (:func:`xeb_sigma`); for
Porter-Thomas it is about ``sqrt(2/S)`` at ``F = 1`` and ``sqrt(1/S)`` at ``F = 0``.

Noise: :func:`depolarizing_noise_model` puts a depolarising channel of parameter ``p1``
after every single-qubit gate and ``p2`` after every fSim coupler (on its last piece,
``cp``, so each coupler gets exactly one). The digital error model (Arute et al., eq. 1 of
the supplement) predicts ``F ≈ Π (1 - e_g)`` over gates, where ``e_g`` is the Pauli error
rate of the channel: ``e = p (1 - 4**-k)`` for a ``k``-qubit depolarising channel of
parameter ``p`` (``ρ -> (1 - p) ρ + p I / 2**k``); see :func:`digital_error_model`.
The probability arrays are NumPy; the statevector comes from Qiskit, and noisy sampling and
exact noisy distributions from Aer.

Examples:
    >>> import numpy as np
    >>> p = np.array([0.5, 0.25, 0.25, 0.0])
    >>> linear_xeb(p, {"00": 2, "01": 1, "10": 1}).fidelity
    0.5
    >>> round(digital_error_model({"single_qubit": 10, "two_qubit": 5}, 0.01, 0.02), 4)
    0.8437
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["XEBEstimate", "ideal_probabilities", "counts_to_arrays", "linear_xeb", "xeb_sigma",
           "digital_error_model", "depolarizing_noise_model", "exact_noisy_probabilities",
           "sample_with_aer"]


@dataclass(frozen=True)
class XEBEstimate:
    """A linear XEB estimate.

    Attributes:
        fidelity: ``2**n <p(x)> - 1`` over the samples.
        sigma: standard error of ``fidelity`` under the noisy-sampler model at the
            measured fidelity (:func:`xeb_sigma`).
        ideal: expectation for a perfect sampler, ``2**n Σ p**2 - 1``.
        shots: number of samples.
        num_qubits: ``n``.
    """

    fidelity: float
    sigma: float
    ideal: float
    shots: int
    num_qubits: int

    def to_dict(self) -> dict[str, Any]:
        return {"fidelity": self.fidelity, "sigma": self.sigma, "ideal": self.ideal,
                "shots": self.shots, "num_qubits": self.num_qubits}


def ideal_probabilities(circuit: Any) -> np.ndarray:
    """Output probabilities of ``circuit`` (final measurements removed), qubit 0 = lowest bit."""
    from qiskit.quantum_info import Statevector

    bare = circuit.remove_final_measurements(inplace=False)
    return np.asarray(Statevector(bare).probabilities(), dtype=float)


def counts_to_arrays(counts: Mapping[str, int], num_qubits: int) -> tuple[np.ndarray, np.ndarray]:
    """Outcome indices and their counts from ``{bitstring: count}`` (Qiskit's bit order).

    Raises:
        ValueError: a bitstring of the wrong length or with characters other than 0/1.
    """
    keys = list(counts)
    for key in keys:
        if len(key) != num_qubits or set(key) - {"0", "1"}:
            raise ValueError(f"outcome {key!r} is not a {num_qubits}-bit string")
    idx = np.fromiter((int(k, 2) for k in keys), dtype=np.int64, count=len(keys))
    cnt = np.fromiter((int(counts[k]) for k in keys), dtype=np.int64, count=len(keys))
    return idx, cnt


def xeb_sigma(probs: np.ndarray, shots: int, fidelity: float = 1.0) -> float:
    """Standard error of the linear XEB estimate from ``shots`` samples of ``F p + (1-F)/2**n``."""
    dim = probs.size
    fidelity = float(np.clip(fidelity, 0.0, 1.0))
    s2, s3 = float(np.dot(probs, probs)), float(np.dot(probs, probs * probs))
    mean = dim * (fidelity * s2 + (1.0 - fidelity) / dim)
    second = dim * dim * (fidelity * s3 + (1.0 - fidelity) * s2 / dim)
    return float(np.sqrt(max(second - mean * mean, 0.0) / max(shots, 1)))


def linear_xeb(probs: np.ndarray, counts: Mapping[str, int]) -> XEBEstimate:
    """The linear XEB fidelity of ``counts`` against the ideal ``probs``."""
    dim = probs.size
    n = int(round(np.log2(dim)))
    idx, cnt = counts_to_arrays(counts, n)
    shots = int(cnt.sum())
    if shots == 0:
        raise ValueError("no samples to estimate XEB from")
    fidelity = float(dim * np.dot(probs[idx], cnt) / shots - 1.0)
    return XEBEstimate(fidelity=fidelity, sigma=xeb_sigma(probs, shots, fidelity),
                       ideal=float(dim * np.dot(probs, probs) - 1.0), shots=shots, num_qubits=n)


def digital_error_model(gates: Mapping[str, int], p1: float, p2: float,
                        readout: float = 0.0, num_qubits: int = 0) -> float:
    """Predicted XEB fidelity ``Π (1 - e)``: Pauli error rates ``3 p1 / 4``, ``15 p2 / 16``.

    Args:
        gates: ``{'single_qubit': n1, 'two_qubit': n2}`` (:func:`~hybrid_workbench.usecases.rcs.circuits.count_gates`).
        p1, p2: depolarising parameters of the single- and two-qubit channels.
        readout: bit-flip probability per measured qubit (``num_qubits`` of them).
    """
    e1, e2 = 0.75 * p1, 15.0 / 16.0 * p2
    return float((1 - e1) ** gates["single_qubit"] * (1 - e2) ** gates["two_qubit"]
                 * (1 - readout) ** num_qubits)


def depolarizing_noise_model(p1: float, p2: float) -> Any:
    """An Aer noise model: depolarising ``p1`` after each ``r`` gate, ``p2`` after each coupler."""
    from qiskit_aer.noise import NoiseModel, depolarizing_error

    model = NoiseModel(basis_gates=["r", "rxx", "ryy", "cp"])
    if p1 > 0:
        model.add_all_qubit_quantum_error(depolarizing_error(p1, 1), ["r"])
    if p2 > 0:
        model.add_all_qubit_quantum_error(depolarizing_error(p2, 2), ["cp"])
    return model


def exact_noisy_probabilities(circuit: Any, noise_model: Any) -> np.ndarray:
    """The exact output distribution under ``noise_model`` (Aer density matrix; n <= 10)."""
    from qiskit_aer import AerSimulator

    if circuit.num_qubits > 10:
        raise ValueError(f"density-matrix simulation of {circuit.num_qubits} qubits is too large "
                         "here; use 10 or fewer")
    bare = circuit.remove_final_measurements(inplace=False)
    bare.save_probabilities(label="p")
    sim = AerSimulator(method="density_matrix", noise_model=noise_model)
    data = sim.run(bare, shots=1).result().data(0)
    return np.asarray(data["p"], dtype=float)


def sample_with_aer(circuit: Any, shots: int, seed: int, noise_model: Any = None,
                    method: str = "statevector") -> dict[str, int]:
    """Counts of ``circuit`` on Aer (noisy trajectories when ``noise_model`` is given)."""
    from qiskit_aer import AerSimulator

    sim = AerSimulator(method=method, noise_model=noise_model, seed_simulator=seed)
    return dict(sim.run(circuit, shots=shots).result().get_counts())
