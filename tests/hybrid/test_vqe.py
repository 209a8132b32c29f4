"""vqe: energies against exact diagonalisation, the Aer and reference estimators against each
other, and the error-mitigation pieces against known answers."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("qiskit_aer")
from qiskit import QuantumCircuit  # noqa: E402
from qiskit.quantum_info import Operator, SparsePauliOp  # noqa: E402

from hybrid_workbench.algorithms.ansatz import AnsatzSpec, build_ansatz  # noqa: E402
from hybrid_workbench.algorithms.mitigation import (  # noqa: E402
    PauliMeasurement,
    ReadoutMitigator,
    extrapolate,
    fold_two_qubit_gates,
)
from hybrid_workbench.algorithms.vqe import VQEBackend, VQEOptions, _ideal_batch  # noqa: E402
from hybrid_workbench.errors import OptionsError  # noqa: E402
from hybrid_workbench.testing.pauli import random_hermitian_op  # noqa: E402


def test_vqe_reaches_exact_ground_energy_and_reports_history() -> None:
    op = random_hermitian_op(2, seed=4)
    exact = np.linalg.eigvalsh(op.to_matrix())[0]
    r = VQEBackend().solve(op, seed=2, options={"ansatz": "efficient-su2", "reps": 3,
                                                "restarts": 2})
    assert r.energy == pytest.approx(exact, abs=1e-5)
    info = r.info
    assert info["history"][-1] == pytest.approx(r.energy, abs=1e-9)
    assert info["history"][0] >= info["history"][-1]
    assert info["num_parameters"] == len(info["optimal_parameters"]) == 16
    assert info["optimizer"] == "L-BFGS-B" and info["evaluations"] > 0


def test_aer_and_reference_estimators_agree() -> None:
    op = random_hermitian_op(3, seed=8)
    ansatz = build_ansatz(AnsatzSpec("efficient-su2", 3, reps=2))
    points = np.random.default_rng(0).uniform(-np.pi, np.pi, (4, ansatz.num_parameters))
    ref = _ideal_batch(op, ansatz, VQEOptions(simulator="reference"), 0)(points)
    aer = _ideal_batch(op, ansatz, VQEOptions(simulator="aer-statevector"), 0)(points)
    assert aer == pytest.approx(ref, abs=1e-9)


def test_uccsd_needs_the_electrons_before_work() -> None:
    op = SparsePauliOp("ZZZZ")
    with pytest.raises(OptionsError, match="num_particles"):
        VQEBackend().solve(op, options={"ansatz": "uccsd"})


def test_extrapolation_is_exact_on_polynomials() -> None:
    factors = [1, 3, 5]
    assert extrapolate(factors, [2 + 0.5 * f for f in factors], "linear") == pytest.approx(2.0)
    quad = [1.0 - 0.2 * f + 0.03 * f ** 2 for f in factors]
    assert extrapolate(factors, quad, "richardson") == pytest.approx(1.0)


def test_folding_keeps_the_unitary_and_scales_two_qubit_gates() -> None:
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cx(0, 1)
    qc.rz(0.3, 1)
    qc.cz(1, 2)
    folded = fold_two_qubit_gates(qc, 5)
    assert Operator(folded).equiv(Operator(qc))
    assert folded.count_ops()["cx"] == 5 and folded.count_ops()["cz"] == 5
    with pytest.raises(OptionsError):
        fold_two_qubit_gates(qc, 2)


def test_readout_inverse_recovers_the_true_distribution() -> None:
    a0 = np.array([[0.97, 0.05], [0.03, 0.95]])   # A[measured, prepared]
    a1 = np.array([[0.99, 0.08], [0.01, 0.92]])
    true = np.array([0.1, 0.2, 0.3, 0.4])          # index = 2*bit1 + bit0
    noisy = np.kron(a1, a0) @ true
    assert ReadoutMitigator(np.array([a0, a1])).apply(noisy) == pytest.approx(true, abs=1e-12)


@pytest.mark.slow
def test_readout_mitigation_on_the_noisy_simulator() -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    from hybrid_workbench.algorithms.vqe import _primitives

    prims = _primitives("aer-noisy", 11, None)
    sampler, pm = prims.sampler, prims.pass_manager
    state = QuantumCircuit(2)
    state.x(0)
    op = SparsePauliOp.from_list([("IZ", 1.0), ("ZI", 1.0)])   # exact value: -1 + 1 = 0
    m = PauliMeasurement(op, state, pm)
    mitigator = ReadoutMitigator.calibrate(sampler, m.circuits[0], shots=20000)
    z0 = PauliMeasurement(SparsePauliOp("IZ"), state, pm)
    raw, mit = z0.energies(sampler, np.zeros((1, 0)), 20000, mitigator=mitigator)
    assert abs(mit[0] - (-1.0)) < abs(raw[0] - (-1.0))
    assert mit[0] == pytest.approx(-1.0, abs=0.02)


@pytest.mark.slow
def test_noisy_vqe_keeps_unmitigated_and_mitigated_side_by_side() -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    op = SparsePauliOp.from_list([("ZI", -0.4), ("IZ", -0.4), ("XX", 0.2), ("II", -0.5)])
    r = VQEBackend().solve(op, seed=11, options={"simulator": "aer-noisy", "ansatz":
                                                "real-amplitudes", "reps": 1, "maxiter": 4,
                                                "shots": 400})
    noisy = r.info["noisy"]
    for key in ("unmitigated", "readout_mitigated", "zne", "readout+zne", "ideal_at_optimum"):
        assert np.isfinite(noisy[key])
    assert r.energy == noisy["readout+zne"] and len(noisy["energies_by_factor"]) == 3
