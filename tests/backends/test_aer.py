"""Aer backends and primitive factories: the circuit result contract, against exact references."""

from __future__ import annotations


import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp, Statevector

from hybrid_workbench.backends.aer import (
    AerMPSBackend,
    AerNoisyBackend,
    AerStatevectorBackend,
    make_aer_simulator,
    make_primitives,
    statevector_bytes,
)
from hybrid_workbench.errors import OptionsError, ProblemTooLargeError, UnsupportedModelError
from hybrid_workbench.testing.circuits import exact_distribution, total_variation


def _ghz(n: int, measure: bool = False) -> QuantumCircuit:
    qc = QuantumCircuit(n)
    qc.h(0)
    for q in range(n - 1):
        qc.cx(q, q + 1)
    if measure:
        qc.measure_all()
    return qc


def test_simulator_kinds() -> None:
    assert make_aer_simulator("statevector").options.method == "statevector"
    assert make_aer_simulator("mps").options.method == "matrix_product_state"
    with pytest.raises(OptionsError, match="kind"):
        make_aer_simulator("tensor")


def test_estimator_matches_exact_expectation() -> None:
    """EstimatorV2 from make_primitives gives Statevector's exact <ZZ + 0.5 XI>."""
    qc = QuantumCircuit(2)
    qc.ry(0.7, 0)
    qc.cx(0, 1)
    qc.rx(0.3, 1)
    obs = SparsePauliOp(["ZZ", "XI"], [1.0, 0.5])
    _, estimator, pm = make_primitives("statevector", seed=1)
    isa = pm.run(qc)
    ev = estimator.run([(isa, obs.apply_layout(isa.layout))]).result()[0].data.evs
    assert float(ev) == pytest.approx(Statevector(qc).expectation_value(obs).real, abs=1e-12)


def test_circuit_result_contract() -> None:
    qc = _ghz(3)
    r = AerStatevectorBackend().solve(qc, seed=5, options={"shots": 2000})
    assert r.model_kind == "circuit" and r.energy is None and r.samples is None
    counts = dict(r.info["counts"])
    assert set(counts) == {"000", "111"} and sum(counts.values()) == 2000
    assert r.info["shots"] == 2000 and r.info["num_qubits"] == 3
    assert r.info["method"] == "statevector"
    top = max(counts, key=counts.get)
    assert dict(r.sample) == {i: int(b) for i, b in enumerate(reversed(top))}
    assert total_variation(counts, exact_distribution(qc)) < 0.05


def test_bitstrings_are_big_endian() -> None:
    qc = QuantumCircuit(3)
    qc.x(0)  # qubit 0 set: the last character
    r = AerStatevectorBackend().solve(qc, seed=1, options={"shots": 10})
    assert dict(r.info["counts"]) == {"001": 10}
    assert dict(r.sample) == {0: 1, 1: 0, 2: 0}


def test_mps_handles_many_qubits_of_a_shallow_circuit() -> None:
    """60-qubit GHZ: far beyond statevector memory, trivial for MPS; exact answer known."""
    qc = _ghz(60)
    with pytest.raises(ProblemTooLargeError, match="aer-mps"):
        AerStatevectorBackend().solve(qc, seed=0)
    r = AerMPSBackend().solve(qc, seed=2, options={"shots": 200})
    assert set(r.info["counts"]) <= {"0" * 60, "1" * 60}
    assert r.info["method"] == "matrix_product_state"


def test_statevector_refusal_explains() -> None:
    qc = QuantumCircuit(45)
    qc.h(range(45))
    with pytest.raises(ProblemTooLargeError) as err:
        AerStatevectorBackend().solve(qc, seed=0)
    msg = str(err.value)
    assert "16*2^45" in msg and "GiB" in msg and "aer-mps" in msg
    assert statevector_bytes(45) == 16 * 2 ** 45
    with pytest.raises(ProblemTooLargeError, match="max_memory_gb"):
        AerStatevectorBackend().solve(_ghz(20), seed=0, options={"max_memory_gb": 0.001})


def test_rejects_unbound_parameters_and_wrong_models() -> None:
    from qiskit.circuit import Parameter

    qc = QuantumCircuit(1)
    qc.rx(Parameter("t"), 0)
    with pytest.raises(UnsupportedModelError, match="assign_parameters"):
        AerStatevectorBackend().solve(qc, seed=0)
    with pytest.raises(UnsupportedModelError):
        AerStatevectorBackend().solve(SparsePauliOp(["Z"]), seed=0)


def test_noisy_backend_is_noisy_but_close() -> None:
    """The device noise model puts some weight on 01/10 of a Bell pair, but not much."""
    r = AerNoisyBackend().solve(_ghz(2), seed=3, options={"shots": 4000})
    counts = dict(r.info["counts"])
    bad = counts.get("01", 0) + counts.get("10", 0)
    assert 0 < bad < 0.15 * 4000
    assert "FakeSherbrooke" == r.info["noise_backend"]
    with pytest.raises(OptionsError, match="fake device"):
        AerNoisyBackend().solve(_ghz(2), seed=3, options={"noise_backend": "FakeNothing"})


def test_sampler_counts_follow_exact_probabilities() -> None:
    rng = np.random.default_rng(4)
    qc = QuantumCircuit(3)
    for q in range(3):
        qc.ry(float(rng.uniform(0, np.pi)), q)
    qc.cx(0, 2)
    sampler, _, pm = make_primitives("statevector", seed=9)
    meas = qc.measure_all(inplace=False)
    counts = sampler.run([pm.run(meas)], shots=20000).result()[0].data.meas.get_counts()
    assert total_variation(counts, exact_distribution(qc)) < 0.03


def test_backends_hand_out_their_primitives() -> None:
    """primitives(): a V2 sampler and an exact estimator, cached per setting, by name too."""
    from qiskit.primitives import BaseEstimatorV2, BaseSamplerV2

    from hybrid_workbench.primitives import backend_primitives

    prims = AerStatevectorBackend().primitives(seed=2)
    assert isinstance(prims.sampler, BaseSamplerV2)
    assert isinstance(prims.estimator, BaseEstimatorV2)
    assert backend_primitives("aer-statevector", seed=2) is prims
    qc = QuantumCircuit(2)
    qc.ry(0.4, 0)
    qc.cx(0, 1)
    obs = SparsePauliOp(["ZZ", "XX"], [1.0, 0.3])
    isa = prims.transpile(qc)
    ev = prims.estimator.run([(isa, prims.observable_for(obs, isa))]).result()[0].data.evs
    assert float(ev) == pytest.approx(Statevector(qc).expectation_value(obs).real, abs=1e-12)
    with pytest.raises(OptionsError):
        AerStatevectorBackend().primitives(options={"shots": 0})
