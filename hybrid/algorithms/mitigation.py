"""Error mitigation for VQE energies on noisy simulators: readout mitigation and ZNE.

Qiskit 2 no longer ships these (``qiskit.utils.mitigation`` and ``qiskit-ignis`` are gone,
and the runtime's built-in resilience needs IBM hardware), so the small pieces are written
here, on top of any ``SamplerV2``:

* :class:`PauliMeasurement` -- energy of a SparsePauliOp from shots: terms are grouped into
  qubit-wise commuting sets (``SparsePauliOp.group_commuting(qubit_wise=True)``), each set
  is measured once after single-qubit basis changes, and each term is the parity of its
  bits. The measurement circuits are transpiled once with their parameters unbound, so an
  optimiser's energy calls only bind values.
* :class:`ReadoutMitigator` -- tensored readout-error mitigation: two calibration circuits
  (all qubits in 0, all in 1) on the *physical* qubits the measurement circuits use give a
  2x2 assignment matrix per qubit; the measured distribution is multiplied by the inverse
  of their tensor product (quasi-probabilities, unbiased for parities).
* Zero-noise extrapolation -- :func:`fold_two_qubit_gates` repeats every self-inverse
  two-qubit gate of the transpiled circuit ``g -> g (g g)^k`` (noise factor ``2k + 1`` on
  the dominant error source, no re-transpilation so nothing cancels), and
  :func:`extrapolate` fits energy against noise factor and evaluates it at zero
  (``linear`` least squares, or ``richardson``: the interpolating polynomial).

Examples:
    >>> round(extrapolate([1, 3, 5], [-1.0, -0.8, -0.6], "linear"), 12)
    -1.1
    >>> round(extrapolate([1, 3], [-1.0, -0.9], "richardson"), 12)
    -1.05
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hybrid_workbench.errors import OptionsError, SolverError

__all__ = ["PauliMeasurement", "ReadoutMitigator", "fold_two_qubit_gates", "extrapolate",
           "counts_to_probabilities", "mitigated_report"]

FITS = ("linear", "richardson")


def extrapolate(factors: Any, values: Any, fit: str = "linear") -> float:
    """Value at zero noise from values measured at noise ``factors``."""
    x = np.asarray(factors, dtype=float)
    y = np.asarray(values, dtype=float)
    if len(x) < 2 or len(set(x.tolist())) != len(x):
        raise OptionsError(f"zero-noise extrapolation needs >= 2 distinct factors, got {list(x)}")
    if fit == "linear":
        slope, intercept = np.polyfit(x, y, 1)
        return float(intercept)
    if fit == "richardson":
        # Lagrange interpolation at 0: sum_i y_i prod_{j != i} x_j / (x_j - x_i)
        total = 0.0
        for i in range(len(x)):
            w = np.prod([x[j] / (x[j] - x[i]) for j in range(len(x)) if j != i])
            total += float(w) * float(y[i])
        return total
    raise OptionsError(f"unknown extrapolation {fit!r}; use one of {', '.join(FITS)}")


def fold_two_qubit_gates(circuit: Any, factor: int) -> Any:
    """Copy of a transpiled circuit with each two-qubit gate ``g`` replaced by ``g^factor``.

    Only self-inverse gates (CX, CZ, ECR: ``g @ g = I``) are folded, so the circuit's
    unitary is unchanged while the two-qubit noise is scaled by ``factor`` (odd, >= 1).
    """
    if factor < 1 or factor % 2 == 0:
        raise OptionsError(f"noise factors must be odd integers >= 1, got {factor}")
    from qiskit.quantum_info import Operator

    self_inverse: dict[str, bool] = {}
    folded = circuit.copy_empty_like()
    for inst in circuit.data:
        op = inst.operation
        repeat = 1
        if len(inst.qubits) == 2 and op.name not in ("barrier", "measure") \
                and not getattr(op, "params", None):
            if op.name not in self_inverse:
                m = Operator(op).data
                self_inverse[op.name] = bool(np.allclose(m @ m, np.eye(4), atol=1e-10))
            if not self_inverse[op.name]:
                raise SolverError(f"cannot fold two-qubit gate {op.name!r}: it is not its own "
                                  "inverse; transpile to CX, CZ or ECR first")
            repeat = factor
        for _ in range(repeat):
            folded.append(op, inst.qubits, inst.clbits)
    return folded


def counts_to_probabilities(counts: dict[str, int], num_bits: int) -> np.ndarray:
    """Counts over big-endian bitstrings -> probability vector indexed by the integer value."""
    probs = np.zeros(2 ** num_bits)
    total = 0
    for key, c in counts.items():
        probs[int(key.replace(" ", ""), 2)] += c
        total += c
    return probs / max(total, 1)


class ReadoutMitigator:
    """Tensored readout-error mitigation (one 2x2 assignment matrix per measured qubit).

    Attributes:
        matrices: ``A[i][measured, prepared]`` for clbit ``i``.
    """

    def __init__(self, matrices: np.ndarray) -> None:
        self.matrices = np.asarray(matrices, dtype=float)
        self.inverses = np.array([np.linalg.inv(a) for a in self.matrices])

    @classmethod
    def calibrate(cls, sampler: Any, isa_circuit: Any, shots: int = 4096) -> ReadoutMitigator:
        """Measure all-0 and all-1 on the physical qubits that ``isa_circuit`` measures."""
        from qiskit import QuantumCircuit

        physical = measured_physical_qubits(isa_circuit)
        n = len(physical)
        circuits = []
        for flip in (False, True):
            qc = QuantumCircuit(isa_circuit.num_qubits, n)
            for clbit, q in enumerate(physical):
                if flip:
                    qc.x(q)
                qc.measure(q, clbit)
            circuits.append(qc)
        pubs = sampler.run(circuits, shots=shots).result()
        matrices = np.zeros((n, 2, 2))
        for prepared, pub in enumerate(pubs):
            bits = _bit_matrix(pub)
            ones = bits.mean(axis=0)
            for i in range(n):
                matrices[i, 1, prepared] = ones[i]
                matrices[i, 0, prepared] = 1.0 - ones[i]
        return cls(matrices)

    def apply(self, probs: np.ndarray) -> np.ndarray:
        """Quasi-probabilities: the tensor product of the inverses applied to ``probs``."""
        n = len(self.matrices)
        t = np.asarray(probs, dtype=float).reshape((2,) * n)
        # axis k of t is bit (n - 1 - k) of the integer index (big-endian reshape)
        for i in range(n):
            axis = n - 1 - i
            t = np.moveaxis(np.tensordot(self.inverses[i], t, axes=([1], [axis])), 0, axis)
        return t.reshape(-1)

    def assignment_fidelity(self) -> list[float]:
        return [float(0.5 * (a[0, 0] + a[1, 1])) for a in self.matrices]


def measured_physical_qubits(isa_circuit: Any) -> list[int]:
    """Physical qubit measured into each clbit of a transpiled circuit (clbit order)."""
    where: dict[int, int] = {}
    for inst in isa_circuit.data:
        if inst.operation.name == "measure":
            q = isa_circuit.find_bit(inst.qubits[0]).index
            c = isa_circuit.find_bit(inst.clbits[0]).index
            where[c] = q
    return [where[c] for c in sorted(where)]


def _bit_matrix(pub: Any) -> np.ndarray:
    """Shots x clbits array of 0/1 (column i is clbit i)."""
    data = pub.join_data()
    return np.unpackbits(data.array, axis=1, bitorder="big")[:, -data.num_bits:][:, ::-1]


class PauliMeasurement:
    """Shot-based energy of a SparsePauliOp in a parameterised state, on a SamplerV2.

    Args:
        operator: the Hermitian SparsePauliOp.
        ansatz: parameterised circuit (no measurements).
        pass_manager: transpiles to the sampler's target (run once per measurement basis).
    """

    def __init__(self, operator: Any, ansatz: Any, pass_manager: Any) -> None:
        from qiskit import QuantumCircuit

        self.operator = operator
        self.num_qubits = operator.num_qubits
        self.parameters = list(ansatz.parameters)
        self.groups = operator.group_commuting(qubit_wise=True)
        self.circuits = []
        self.term_masks: list[tuple[np.ndarray, np.ndarray]] = []
        for group in self.groups:
            qc = QuantumCircuit(self.num_qubits)
            qc.compose(ansatz, inplace=True)
            zs = np.zeros(self.num_qubits, dtype=bool)
            xs = np.zeros(self.num_qubits, dtype=bool)
            for p in group.paulis:
                zs |= p.z
                xs |= p.x
            for q in range(self.num_qubits):
                if xs[q] and zs[q]:
                    qc.sdg(q)
                    qc.h(q)
                elif xs[q]:
                    qc.h(q)
            qc.measure_all()
            self.circuits.append(pass_manager.run(qc))
            supports = np.array([p.x | p.z for p in group.paulis], dtype=bool)
            self.term_masks.append((supports, np.real(group.coeffs)))

    def circuits_at(self, factor: int = 1) -> list[Any]:
        """The measurement circuits with two-qubit gates folded ``factor`` times."""
        return [fold_two_qubit_gates(c, factor) if factor > 1 else c for c in self.circuits]

    def energies(self, sampler: Any, values: np.ndarray, shots: int, *, factor: int = 1,
                 mitigator: ReadoutMitigator | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Energies at each row of ``values`` (points x parameters), in one sampler call.

        Returns:
            ``(raw, mitigated)``: unmitigated energies, and the readout-mitigated ones from
            the same shots (None without a mitigator).
        """
        values = np.atleast_2d(np.asarray(values, dtype=float))
        circuits = self.circuits_at(factor)
        pubs = [(c, values) if self.parameters else (c,) for c in circuits]
        results = sampler.run(pubs, shots=shots).result()
        raw = np.zeros(len(values))
        mitigated = np.zeros(len(values)) if mitigator is not None else None
        for (supports, coeffs), pub in zip(self.term_masks, results):
            data = pub.join_data()
            counts_list = [data.get_counts(i) for i in range(len(values))] \
                if self.parameters else [data.get_counts()]
            for k, counts in enumerate(counts_list):
                probs = counts_to_probabilities(counts, self.num_qubits)
                raw[k] += float(coeffs @ _parities(probs, supports, self.num_qubits))
                if mitigator is not None and mitigated is not None:
                    quasi = mitigator.apply(probs)
                    mitigated[k] += float(coeffs @ _parities(quasi, supports, self.num_qubits))
        return raw, mitigated


def _parities(probs: np.ndarray, supports: np.ndarray, n: int) -> np.ndarray:
    """<Z_S> for each support row S (bool over qubits) under the distribution ``probs``."""
    index = np.arange(2 ** n)
    bits = ((index[:, None] >> np.arange(n)) & 1).astype(np.int64)  # (2^n, n), bit q
    parity = (bits @ supports.T.astype(np.int64)) % 2                # (2^n, terms)
    return (1.0 - 2.0 * parity).T @ probs


def mitigated_report(model: Any, ansatz: Any, measurement: Any, sampler: Any,
                     mitigator: Any, x: np.ndarray, options: Any) -> dict[str, Any]:
    """VQE's final energy at ``x``: unmitigated, readout-mitigated, ZNE, side by side.

    ``options`` are ``vqe``'s (shots, ZNE factors and fit, the mitigation reported).
    """
    from qiskit.quantum_info import Statevector

    shots = 4 * (options.shots or 4096)  # the final estimate gets more shots
    raw, ro = [], []
    for factor in options.zne_factors:
        r, m = measurement.energies(sampler, x[None, :], shots, factor=factor, mitigator=mitigator)
        raw.append(float(r[0]))
        ro.append(float(m[0]) if m is not None else None)
    factors = list(options.zne_factors)
    base = factors.index(min(factors))
    report: dict[str, Any] = {
        "unmitigated": raw[base], "zne_factors": factors, "zne_fit": options.zne_fit,
        "energies_by_factor": raw,
        "zne": extrapolate(factors, raw, options.zne_fit),
    }
    if mitigator is not None:
        report["readout_mitigated"] = ro[base]
        report["energies_by_factor_readout"] = ro
        report["readout+zne"] = extrapolate(factors, ro, options.zne_fit)
        report["readout_fidelity"] = mitigator.assignment_fidelity()
    chosen = options.mitigation
    report["mitigated"] = report["unmitigated"] if chosen == "none" else (
        report["readout_mitigated"] if chosen == "readout" else report[chosen])
    bound = ansatz.assign_parameters(x) if ansatz.num_parameters else ansatz
    report["ideal_at_optimum"] = float(np.real(Statevector(bound).expectation_value(model)))
    report["final_shots"] = shots
    noise = ((options.noise_backend or "FakeSherbrooke") if options.simulator == "aer-noisy"
             else None)
    return {"noisy": report, "noise_backend": noise}
