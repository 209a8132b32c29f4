"""QAOA: Ising->Pauli conversion, the fast simulator against Qiskit/Aer, the backend."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

from hybrid_workbench.algorithms.ising import (
    bitstrings_to_samples,
    bqm_to_pauli,
    indices_to_samples,
    pauli_to_bqm,
    samples_to_bitstrings,
)
from hybrid_workbench.algorithms.qaoa import AerQAOAEvaluator, QAOABackend, interp, linear_ramp
from hybrid_workbench.algorithms.qaoa_sim import DiagonalQAOASimulator
from hybrid_workbench.errors import OptionsError, ProblemTooLargeError
from hybrid_workbench.models import bqm_energy
from hybrid_workbench.testing.conformance import brute_force_bqm, random_bqm

ENGINES = ["numpy", "numba"]


def _all_states(n: int, vartype: str) -> np.ndarray:
    return indices_to_samples(np.arange(2 ** n), n, vartype)


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_pauli_diagonal_equals_bqm_energies(vartype: str) -> None:
    """The Pauli operator's diagonal (dense matrix) is every state's energy, by term-by-term sums."""
    bqm = random_bqm(5, vartype, seed=4)
    bqm.add_linear(2, 0.37)
    op, offset, order = bqm_to_pauli(bqm)
    diag = np.real(np.diag(op.to_matrix())) + offset
    states = _all_states(5, vartype)
    expected = [bqm_energy(bqm, dict(zip(order, row))) for row in states]
    np.testing.assert_allclose(diag, expected, atol=1e-12)
    back = pauli_to_bqm(op, offset, order)
    for row in states[:8]:
        s = dict(zip(order, row))
        spin = s if vartype == "SPIN" else {v: 2 * x - 1 for v, x in s.items()}
        assert back.energy(spin) == pytest.approx(bqm_energy(bqm, s))


def test_bitstring_round_trip() -> None:
    rows = np.array([[1, 0, 0], [0, 1, 1]], dtype=np.int8)
    strings = samples_to_bitstrings(rows, "BINARY")
    assert strings == ["001", "110"]  # qubit 0 is the last character
    np.testing.assert_array_equal(bitstrings_to_samples(strings, "abc", "BINARY"), rows)
    np.testing.assert_array_equal(bitstrings_to_samples(strings, "abc", "SPIN"), 2 * rows - 1)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
@pytest.mark.parametrize("integer", [True, False])
def test_fast_cost_vector_is_exact(engine: str, vartype: str, integer: bool) -> None:
    bqm = random_bqm(9, vartype, seed=7)
    if not integer:
        bqm.add_linear(3, 0.123)
    sim = DiagonalQAOASimulator(bqm, engine=engine)
    assert sim.table_mode == integer
    states = _all_states(9, vartype)
    np.testing.assert_allclose(sim.cost_vector(), bqm.energies((states, list(bqm.variables))),
                               atol=1e-10)


@pytest.mark.parametrize("engine", ENGINES)
def test_fast_state_equals_qiskit_statevector(engine: str) -> None:
    """The fast state equals Qiskit's Statevector of the same circuit (X and warm mixers)."""
    import warnings

    warnings.filterwarnings("ignore", module="scipy.sparse")
    from qiskit.quantum_info import Statevector

    bqm = random_bqm(7, "BINARY", seed=2)
    rng = np.random.default_rng(0)
    g, b = rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 3)
    for thetas in (None, rng.uniform(0.2, 2.9, 7)):
        ev = AerQAOAEvaluator(bqm, seed=1, thetas=thetas, p=3)
        bound = ev.circuit.assign_parameters(
            dict(zip(ev.gammas, g)) | dict(zip(ev.betas, b)))
        ref = Statevector(bound).data
        psi = DiagonalQAOASimulator(bqm, engine=engine).state(g, b, thetas)
        overlap = np.vdot(psi, ref)
        assert abs(overlap) == pytest.approx(1.0, abs=1e-12)
        # Equal up to the global phase exp(-i g offset) that the circuit drops.
        np.testing.assert_allclose(psi * overlap / abs(overlap), ref, atol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_fast_and_aer_expectations_agree_to_1e9(engine: str) -> None:
    """<C> from the fast path and from Aer EstimatorV2 agree to 1e-9 at random angles."""
    rng = np.random.default_rng(5)
    for n, vartype, p in ((6, "SPIN", 1), (10, "BINARY", 2), (12, "SPIN", 3)):
        bqm = random_bqm(n, vartype, seed=n)
        bqm.add_linear(0, 0.25)
        sim = DiagonalQAOASimulator(bqm, engine=engine)
        aer = AerQAOAEvaluator(bqm, seed=3, p=p)
        for _ in range(3):
            g, b = rng.uniform(-np.pi, np.pi, p), rng.uniform(-np.pi, np.pi, p)
            assert abs(sim.expectation(g, b) - aer.expectation(g, b)) < 1e-9


def test_cvar_against_sorted_distribution() -> None:
    """CVaR from the level histogram equals the definition on the sorted exact distribution."""
    bqm = random_bqm(8, "SPIN", seed=9)
    for integer in (True, False):
        if not integer:
            bqm.add_linear(1, 0.5001)
        sim = DiagonalQAOASimulator(bqm, engine="numpy")
        psi = sim.state([0.2], [-0.4])
        p = np.abs(psi) ** 2
        c = sim.cost_vector()
        order = np.argsort(c)
        for alpha in (0.05, 0.3, 1.0):
            mass, acc = 0.0, 0.0
            for k in order:
                take = min(p[k], alpha - mass)
                if take <= 0:
                    break
                acc += take * c[k]
                mass += take
            assert sim.cvar(psi, alpha) == pytest.approx(acc / alpha, abs=1e-10)
        assert sim.cvar(psi, 1.0) == pytest.approx(sim.energy_of(psi), abs=1e-10)


def test_sampling_follows_probabilities() -> None:
    bqm = random_bqm(4, "SPIN", seed=1)
    sim = DiagonalQAOASimulator(bqm, engine="numpy")
    psi = sim.state([0.3], [0.5])
    idx = sim.sample(psi, 20000, np.random.default_rng(0))
    freq = np.bincount(idx, minlength=16) / 20000
    assert np.abs(freq - np.abs(psi) ** 2).max() < 0.02


def test_angle_schedules() -> None:
    np.testing.assert_allclose(linear_ramp(1, 0.8), [0.4, -0.4])
    # INTERP keeps the ends and interpolates in between (Zhou et al. eq. B1).
    np.testing.assert_allclose(interp(np.array([1.0, 2.0, -1.0, -2.0])),
                               [1.0, 1.5, 2.0, -1.0, -1.5, -2.0])


@pytest.mark.parametrize("path", ["fast", "primitives"])
def test_qaoa_backend_finds_brute_force_optimum(path: str) -> None:
    bqm = random_bqm(6, "BINARY", seed=21)
    r = QAOABackend().solve(bqm, seed=3, options={"path": path, "p": 2, "maxiter": 60,
                                                  "shots": 512})
    assert r.energy == pytest.approx(brute_force_bqm(bqm))
    assert r.info["path"] == path and r.info["evaluations"] > 0
    # The optimised expectation beats the uniform superposition's mean energy.
    mean = float(np.mean(bqm.energies((_all_states(6, "BINARY"), list(bqm.variables)))))
    assert r.info["expectation"] < mean
    assert isinstance(r.samples, dimod.SampleSet) and sum(r.samples.record.num_occurrences) == 512


def test_deeper_qaoa_and_cvar_help() -> None:
    """INTERP growth to p=3 beats p=1; CVaR raises the probability of low energies."""
    g = dimod.generators.random_nae3sat(8, 20, seed=1)
    be = QAOABackend()
    r1 = be.solve(g, seed=0, options={"p": 1})
    r3 = be.solve(g, seed=0, options={"p": 3})
    assert r3.info["expectation"] < r1.info["expectation"] - 1e-6
    ground = brute_force_bqm(g)
    rc = be.solve(g, seed=0, options={"p": 1, "cvar_alpha": 0.1})
    hits = lambda r: sum(n for e, n in zip(r.samples.record.energy,  # noqa: E731
                                           r.samples.record.num_occurrences)
                         if abs(e - ground) < 1e-9)
    assert hits(rc) > hits(r1)


def test_warm_start_biases_towards_classical_solution() -> None:
    bqm = random_bqm(10, "SPIN", seed=12)
    ground = brute_force_bqm(bqm)
    r = QAOABackend().solve(bqm, seed=1, options={"p": 1, "warm_start": "exact",
                                                  "warm_start_epsilon": 0.1})
    assert r.info["warm_start_energy"] == pytest.approx(ground)
    cold = QAOABackend().solve(bqm, seed=1, options={"p": 1})
    assert r.info["expectation"] < cold.info["expectation"]
    assert r.energy == pytest.approx(ground)


def test_qaoa_refuses_large_models_before_work() -> None:
    be = QAOABackend()
    big = dimod.BinaryQuadraticModel({i: 1.0 for i in range(40)}, {}, 0.0, "SPIN")
    with pytest.raises(ProblemTooLargeError, match="decompose"):
        be.solve(big, seed=0)
    with pytest.raises(ProblemTooLargeError):
        be.solve(random_bqm(12, "SPIN"), seed=0, options={"max_qubits": 10})
    with pytest.raises(OptionsError):
        be.solve(random_bqm(3, "SPIN"), options={"initial_angles": [0.1]})


def test_qaoa_is_a_dimod_sampler() -> None:
    ss = QAOABackend().sample_qubo({(0, 0): -1.0, (0, 1): 2.0, (1, 1): -1.0}, seed=2, p=1)
    assert ss.first.energy == -1.0
    assert set(ss.variables) == {0, 1}


def test_numba_blocked_sweeps_match_numpy_beyond_one_block() -> None:
    """17 qubits: the compiled engine needs two cache-blocked sweeps (14 + 3 qubits) with
    strided tiles; its state must equal the plain NumPy engine's, X and warm mixers."""
    pytest.importorskip("numba")
    bqm = random_bqm(17, "SPIN", seed=4, density=0.2)
    rng = np.random.default_rng(1)
    g, b = rng.uniform(-1, 1, 2), rng.uniform(-1, 1, 2)
    for thetas in (None, rng.uniform(0.2, 2.9, 17)):
        ref = DiagonalQAOASimulator(bqm, engine="numpy").state(g, b, thetas)
        psi = DiagonalQAOASimulator(bqm, engine="numba").state(g, b, thetas)
        np.testing.assert_allclose(psi, ref, atol=1e-12)


@pytest.mark.parametrize("low, high, row", [(4, 3, 4), (2, 2, 2), (5, 4, 8)])
def test_numba_split_state_sweep_plans_match_numpy(monkeypatch: pytest.MonkeyPatch, low: int,
                                                   high: int, row: int) -> None:
    """Small blocks force every kernel branch at 13 qubits: registers for qubits 0-2
    (``low >= 3``) or not, two-qubit and one-qubit passes, several tiled sweeps; the
    compiled state equals the NumPy engine's, X and warm mixers, and the expectation and
    CVaR computed on the split state equal those of the complex state."""
    pytest.importorskip("numba")
    from hybrid_workbench.algorithms import qaoa_sim

    monkeypatch.setattr(qaoa_sim, "LOW_QUBITS", low)
    monkeypatch.setattr(qaoa_sim, "HIGH_QUBITS", high)
    monkeypatch.setattr(qaoa_sim, "ROW_AMPS", row)
    assert len(qaoa_sim.sweep_plan(13)) >= 3
    bqm = random_bqm(13, "SPIN", seed=6, density=0.3)
    rng = np.random.default_rng(3)
    g, b = rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 3)
    sims = []
    for integer in (True, False):  # level table, then float costs
        if not integer:
            bqm.add_linear(2, 0.123)
        sims.append((DiagonalQAOASimulator(bqm, engine="numpy"),
                     DiagonalQAOASimulator(bqm, engine="numba")))
        assert sims[-1][1].table_mode == integer
    warm = rng.uniform(0.2, 2.9, 13)
    for ref_sim, sim in sims:
        for thetas in (None, warm):
            ref = ref_sim.state(g, b, thetas)
            psi = sim.state(g, b, thetas)
            np.testing.assert_allclose(psi, ref, atol=1e-12)
            assert sim.objective(g, b, thetas) == pytest.approx(ref_sim.energy_of(ref), abs=1e-10)
            assert sim.energy_of(psi) == pytest.approx(ref_sim.energy_of(ref), abs=1e-10)
            assert sim.objective(g, b, thetas, alpha=0.2) == pytest.approx(
                ref_sim.cvar(ref, 0.2), abs=1e-10)


def test_grouped_mixers_equal_qiskit_statevector(monkeypatch: pytest.MonkeyPatch) -> None:
    """The numpy/cupy engines' grouped path (mixers as 2**k x 2**k matrix products, k = 4
    and a 3-qubit remainder) gives Qiskit's Statevector of the same circuit."""
    import warnings

    warnings.filterwarnings("ignore", module="scipy.sparse")
    from qiskit.quantum_info import Statevector

    from hybrid_workbench.algorithms import qaoa_sim

    monkeypatch.setattr(qaoa_sim, "GROUPED_MIN_QUBITS", 0)
    bqm = random_bqm(7, "SPIN", seed=8)
    rng = np.random.default_rng(4)
    g, b = rng.uniform(-1, 1, 2), rng.uniform(-1, 1, 2)
    for thetas in (None, rng.uniform(0.2, 2.9, 7)):
        ev = AerQAOAEvaluator(bqm, seed=1, thetas=thetas, p=2)
        ref = Statevector(ev.circuit.assign_parameters(
            dict(zip(ev.gammas, g)) | dict(zip(ev.betas, b)))).data
        psi = DiagonalQAOASimulator(bqm, engine="numpy").state(g, b, thetas)
        overlap = np.vdot(psi, ref)
        np.testing.assert_allclose(psi * overlap / abs(overlap), ref, atol=1e-12)


def _maxcut(n: int, seed: int) -> dimod.BinaryQuadraticModel:
    import networkx as nx

    g = nx.random_regular_graph(3, n, seed=seed)
    return dimod.BinaryQuadraticModel({}, {e: 1.0 for e in g.edges}, 0.0, "SPIN")


def test_user_primitives_give_the_fast_expectation_on_ten_nodes() -> None:
    """QAOABackend(sampler=StatevectorSampler(), estimator=StatevectorEstimator()) on a
    10-node MaxCut: its <C> equals the fast engine's at the same angles and the brute-force
    sum of |amplitude|^2 * energy over all 1024 states (Qiskit's Statevector) to 1e-9, and
    its samples hold the brute-force cut."""
    from qiskit.primitives import StatevectorEstimator, StatevectorSampler
    from qiskit.quantum_info import Statevector

    from hybrid_workbench.algorithms.qaoa_circuit import qaoa_circuit
    from hybrid_workbench.algorithms.ising import bqm_to_pauli

    bqm = _maxcut(10, seed=3)
    user = QAOABackend(sampler=StatevectorSampler(seed=2), estimator=StatevectorEstimator())
    opts = {"p": 2, "init": "ramp", "maxiter": 25}  # a short optimisation: CI time
    r = user.solve(bqm, seed=1, options=opts)
    assert r.info["path"] == "primitives" and r.info["primitives"]["source"] == "user"
    assert r.info["expectation_exact"] is True
    g, b = r.info["gammas"], r.info["betas"]
    fast = DiagonalQAOASimulator(bqm, engine="numpy").expectation(g, b)
    assert abs(r.info["expectation"] - fast) < 1e-9
    op, _, order = bqm_to_pauli(bqm)
    qc, gammas, betas = qaoa_circuit(op, 10, 2)
    probs = Statevector(qc.assign_parameters(dict(zip(gammas, g)) | dict(zip(betas, b)))
                        ).probabilities()
    energies = bqm.energies((_all_states(10, "SPIN"), order))
    assert abs(r.info["expectation"] - float(probs @ energies)) < 1e-9
    assert r.energy == pytest.approx(brute_force_bqm(bqm))


def test_user_primitives_need_a_sampler_and_keep_their_path() -> None:
    from qiskit.primitives import StatevectorEstimator, StatevectorSampler

    with pytest.raises(OptionsError, match="sampler"):
        QAOABackend(estimator=StatevectorEstimator())
    with pytest.raises(OptionsError, match="BaseSamplerV2"):
        QAOABackend(sampler=object())
    with pytest.raises(OptionsError, match="path"):
        QAOABackend(sampler=StatevectorSampler()).solve(random_bqm(3, "SPIN"),
                                                        options={"path": "fast"})


def test_sampler_only_expectation_is_a_shot_mean_near_the_exact_one() -> None:
    """Without an estimator <C> is the mean of sampled energies: within 5 sigma of exact."""
    from qiskit.primitives import StatevectorSampler

    bqm = _maxcut(8, seed=1)
    r = QAOABackend(sampler=StatevectorSampler(seed=4)).solve(
        bqm, seed=2, options={"p": 1, "maxiter": 20, "shots": 4000})
    assert r.info["expectation_exact"] is False
    sim = DiagonalQAOASimulator(bqm, engine="numpy")
    psi = sim.state(r.info["gammas"], r.info["betas"])
    p = np.abs(psi) ** 2
    c = sim.cost_vector()
    sigma = float(np.sqrt(p @ c ** 2 - (p @ c) ** 2) / np.sqrt(4000))
    assert abs(r.info["expectation"] - float(p @ c)) < 5 * sigma + 1e-12


@pytest.mark.parametrize("n", [20, 26])
def test_time_limit_is_kept_on_maxcut(n: int) -> None:
    """Deadline contract: 2 s on a 20- or 26-node MaxCut returns within limit + grace, or
    (when not even one evaluation can fit here) is refused before work, quickly."""
    import time

    from hybrid_workbench.deadline import grace_s

    bqm = _maxcut(n, seed=n)
    be = QAOABackend()
    be.solve(_maxcut(16, seed=0), seed=0, time_limit=1.0)  # set-up (calibration) paid once
    start = time.perf_counter()
    try:
        r = be.solve(bqm, seed=1, time_limit=2.0)
    except ProblemTooLargeError as exc:
        assert "time limit" in str(exc) and time.perf_counter() - start < 1.0
        return
    assert r.timing.wall_s <= 2.0 + grace_s(2.0)
    assert r.status in ("time_limit", "best_found") and r.info["trace"]
    assert r.energy == pytest.approx(bqm.energy(r.sample))
