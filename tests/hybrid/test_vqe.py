"""vqe: energies against exact diagonalisation, the Aer and reference estimators against each
other, shot-noise error bars against the spread of repeated runs, and error mitigation
(the Runtime's resilience options) against known answers."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("qiskit_aer")
from qiskit import QuantumCircuit
from qiskit.primitives import StatevectorSampler
from qiskit.quantum_info import SparsePauliOp, Statevector

from hybrid_workbench.algorithms.ansatz import AnsatzSpec, build_ansatz
from hybrid_workbench.algorithms.mitigation import (
    apply_resilience,
    extrapolation_weights,
    resilience_options,
)
from hybrid_workbench.algorithms.vqe import VQEBackend, VQEOptions
from hybrid_workbench.algorithms.vqe_loop import ideal_batch as _ideal_batch
from hybrid_workbench.errors import OptionsError
from hybrid_workbench.testing.pauli import random_hermitian_op


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
    assert info["energy_sigma"] is None  # exact energies carry no error bar


def test_aer_and_reference_estimators_agree() -> None:
    op = random_hermitian_op(3, seed=8)
    ansatz = build_ansatz(AnsatzSpec("efficient-su2", 3, reps=2))
    points = np.random.default_rng(0).uniform(-np.pi, np.pi, (4, ansatz.num_parameters))
    ref = _ideal_batch(op, ansatz, VQEOptions(simulator="reference"), 0)(points)[0]
    aer = _ideal_batch(op, ansatz, VQEOptions(simulator="aer-statevector"), 0)(points)[0]
    assert aer == pytest.approx(ref, abs=1e-9)


def test_uccsd_needs_the_electrons_before_work() -> None:
    op = SparsePauliOp("ZZZZ")
    with pytest.raises(OptionsError, match="num_particles"):
        VQEBackend().solve(op, options={"ansatz": "uccsd"})


def test_energy_sigma_matches_the_spread_of_repeated_shot_based_runs() -> None:
    # energies from a sampler's shots: the reported standard error (from the per-shot
    # variance of each Pauli group) must describe how far the reported energy lies from
    # the exact energy at the reported parameters, run after run
    op = SparsePauliOp.from_list([("ZI", -0.4), ("IZ", -0.4), ("XX", 0.2), ("ZZ", 0.1)])
    residuals, sigmas = [], []
    for seed in range(12):
        r = VQEBackend(sampler=StatevectorSampler(seed=100 + seed)).solve(
            op, seed=seed, options={"ansatz": "real-amplitudes", "reps": 1, "shots": 200,
                                    "maxiter": 12})
        residuals.append(r.energy - r.info["noisy"]["ideal_at_optimum"])  # statevector
        sigmas.append(r.info["energy_sigma"])
    spread = float(np.std(residuals, ddof=1))
    sigma = float(np.mean(sigmas))
    assert 0.5 < sigma / spread < 2.0, (sigma, spread)
    # a fresh estimate, not the lowest of many noisy ones: no bias beyond shot noise
    assert abs(np.mean(residuals)) < 3 * spread / np.sqrt(len(residuals))


def test_extrapolation_weights_are_exact_on_polynomials() -> None:
    factors = [1, 3, 5]
    line = [2 + 0.5 * f for f in factors]
    quad = [1.0 - 0.2 * f + 0.03 * f ** 2 for f in factors]
    assert extrapolation_weights(factors, 1) @ line == pytest.approx(2.0)
    assert extrapolation_weights(factors, 2) @ quad == pytest.approx(1.0)


def test_mitigation_is_refused_where_no_library_can_run_it() -> None:
    op = SparsePauliOp("ZZ")
    with pytest.raises(OptionsError, match="mitigation='readout'"):
        VQEBackend(sampler=StatevectorSampler()).solve(op, options={"mitigation": "readout"})
    with pytest.raises(OptionsError, match="mitigation='zne'"):
        VQEBackend().solve(op, options={"mitigation": "zne"})


def test_mitigation_maps_onto_the_runtime_resilience_options() -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    from qiskit_ibm_runtime import EstimatorV2
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    with pytest.warns(DeprecationWarning):  # the legacy server-side EstimatorV2
        estimator = EstimatorV2(mode=FakeManilaV2())  # local mode: nothing leaves the machine
    apply_resilience(estimator, resilience_options("readout+zne", (1, 3, 5), "richardson"))
    res = estimator.options.resilience
    assert res.measure_mitigation is True and res.zne_mitigation is True
    assert list(res.zne.noise_factors) == [1.0, 3.0, 5.0]
    assert res.zne.extrapolator == "polynomial_degree_2" and res.zne.amplifier == "gate_folding"
    apply_resilience(estimator, resilience_options("none"))
    assert res.measure_mitigation is False and res.zne_mitigation is False


def test_vqe_sets_the_resilience_of_a_runtime_estimator() -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    import warnings

    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_ibm_runtime import EstimatorV2
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    device = FakeManilaV2()
    with pytest.warns(DeprecationWarning):  # the legacy server-side EstimatorV2
        estimator = EstimatorV2(mode=device, options={"default_shots": 2000,
                                                      "simulator": {"seed_simulator": 3}})
    pm = generate_preset_pass_manager(optimization_level=1, backend=device, seed_transpiler=1)
    op = SparsePauliOp.from_list([("Z", -1.0), ("X", 0.5)])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*no effect in local testing mode")
        warnings.filterwarnings("ignore", category=DeprecationWarning)  # legacy EstimatorV2
        r = VQEBackend(estimator=estimator, pass_manager=pm).solve(
            op, seed=1, options={"ansatz": "real-amplitudes", "reps": 1, "maxiter": 6,
                                 "mitigation": "readout"})
    assert estimator.options.resilience.measure_mitigation is True
    assert r.info["resilience"] == {"measure_mitigation": True, "zne_mitigation": False}
    assert r.info["optimizer"] == "COBYLA"  # a Runtime estimator is shot-based
    assert r.info["energy_sigma"] is not None and 0 < r.info["energy_sigma"] < 0.1
    # the estimate agrees with the exact energy at the reported parameters
    ansatz = build_ansatz(AnsatzSpec("real-amplitudes", 1, reps=1))
    bound = ansatz.assign_parameters(r.info["optimal_parameters"])
    ideal = float(np.real(Statevector(bound).expectation_value(op)))
    assert r.energy == pytest.approx(ideal, abs=0.1)


def test_compact_device_keeps_the_errors_of_the_qubits_it_takes() -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    from hybrid_workbench.algorithms.vqe_noisy import CompactDevice, fake_device

    device, _ = fake_device("FakeSherbrooke")
    full = device.target
    pair = next(q for q in full["ecr"] if q is not None)
    sub = CompactDevice(device, sorted(pair)).target
    local = tuple(sorted(pair).index(q) for q in pair)
    assert sub.num_qubits == 2
    assert sub["ecr"][local].error == full["ecr"][pair].error
    for i, q in enumerate(sorted(pair)):
        assert sub["measure"][(i,)].error == full["measure"][(q,)].error
        assert sub.qubit_properties[i].t1 == full.qubit_properties[q].t1


def test_runtime_readout_mitigation_recovers_a_known_value() -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_aer import AerSimulator

    from hybrid_workbench.algorithms.mitigation import mitigated_energy
    from hybrid_workbench.algorithms.vqe_noisy import CompactDevice, fake_device

    device, _ = fake_device("FakeSherbrooke")
    # two of Sherbrooke's qubits with a poor readout (about 10 % assignment error)
    by_error = sorted(range(40), key=lambda q: -device.target["measure"][(q,)].error)
    sim = AerSimulator.from_backend(CompactDevice(device, sorted(by_error[3:5])),
                                    seed_simulator=5)
    state = QuantumCircuit(2)
    state.x(0)
    isa = generate_preset_pass_manager(optimization_level=1, backend=sim).run(state)
    for label, exact in (("IZ", -1.0), ("ZI", 1.0)):  # qubit 0 is in |1>, qubit 1 in |0>
        op = SparsePauliOp(label).apply_layout(isa.layout)
        raw = mitigated_energy(sim, isa, op, np.zeros(0), resilience_options("none"), 20000, 5)
        trex = mitigated_energy(sim, isa, op, np.zeros(0), resilience_options("readout"),
                                20000, 5)
        assert abs(raw["energy"] - exact) > 0.15  # the readout error is there
        assert trex["energy"] == pytest.approx(exact, abs=0.05)  # and TREX removes most


@pytest.mark.slow
def test_noisy_vqe_reports_unmitigated_and_mitigated_side_by_side() -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    op = SparsePauliOp.from_list([("ZI", -0.4), ("IZ", -0.4), ("XX", 0.2), ("II", -0.5)])
    r = VQEBackend().solve(op, seed=11, options={"simulator": "aer-noisy", "ansatz":
                                                "real-amplitudes", "reps": 1, "maxiter": 4,
                                                "shots": 400})
    noisy = r.info["noisy"]
    assert noisy["mitigation"] == "readout+zne" and r.energy == noisy["mitigated"]
    assert len(noisy["energies_by_factor"]) == 3
    # the mitigated energy lies closer to the ideal value at the same parameters
    ideal = noisy["ideal_at_optimum"]
    assert abs(noisy["mitigated"] - ideal) < abs(noisy["unmitigated"] - ideal)
    assert noisy["unmitigated_sigma"] > 0
    # the extrapolated energy's error, propagated from each factor's (linear fit over
    # 1, 3, 5: 1.53 times theirs), is larger than any one of them
    assert r.info["energy_sigma"] > max(noisy["sigmas_by_factor"]) > 0


@pytest.mark.slow
def test_vqe_runs_on_another_gate_model_backend_by_name() -> None:
    """simulator='ibm' takes the Runtime primitives of a fake device (offline): the noisy
    energies steer the optimiser to parameters whose exact energy is the ground energy."""
    pytest.importorskip("qiskit_ibm_runtime")
    from qiskit.circuit.library import real_amplitudes
    from qiskit.quantum_info import SparsePauliOp, Statevector

    op = SparsePauliOp.from_list([("Z", 1.0), ("X", 0.5)])
    exact = float(np.linalg.eigvalsh(op.to_matrix())[0])
    r = VQEBackend().solve(op, seed=3, options={
        "simulator": "ibm", "gate_options": {"ibm_backend": "fake_lagos"},
        "ansatz": "real-amplitudes", "reps": 1, "maxiter": 15, "shots": 2000})
    assert r.info["simulator"] == "ibm" and r.info["optimizer"] == "COBYLA"
    assert r.info["energy_sigma"] is not None and 0 < r.info["energy_sigma"] < 0.1
    state = Statevector(real_amplitudes(1, reps=1).assign_parameters(r.info["optimal_parameters"]))
    assert state.expectation_value(op).real == pytest.approx(exact, abs=0.02)
    # fake_lagos reads qubit 0 wrongly 17 % of the time: the measured energy is shrunk
    assert exact < r.energy < 0


def test_vqe_refuses_a_simulator_that_is_not_gate_model() -> None:
    from qiskit.quantum_info import SparsePauliOp

    with pytest.raises(OptionsError, match="not a gate-model backend"):
        VQEBackend().solve(SparsePauliOp("Z"), options={"simulator": "dwave-sa"})
    with pytest.raises(OptionsError, match="gate_options are for another"):
        VQEBackend().solve(SparsePauliOp("Z"), options={"gate_options": {"a": 1}})
