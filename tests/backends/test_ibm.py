"""``ibm`` on Qiskit Runtime, offline: fake devices in the Runtime's local testing mode.

References are independent of the backend: exact distributions from ``Statevector``, the
device's own published properties, the ``aer-noisy`` simulator for the same device, and
brute-force cut values. Nothing reaches the network: real device names are only used
where they are refused before any work.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("qiskit_ibm_runtime")

from qiskit import QuantumCircuit

from hybrid_workbench.errors import (
    BackendUnavailableError,
    OptionsError,
    ProblemTooLargeError,
)
from hybrid_workbench.registry import get_backend
from hybrid_workbench.testing.circuits import exact_distribution, total_variation
from hybrid_workbench.testing.failures import no_work

SMALL = "fake_oslo"  # 7 qubits: a run takes about a second
NO_CREDENTIALS = ("no credentials: set QISKIT_IBM_TOKEN (or save an account); fake_* backends "
                  "run offline")
TOKEN = "dummy-token-3f9c1e7a5b2d4c6e8f0a"
INSTANCE = "crn:v1:dummy-instance-7d21b8e4"
SECRETS = (TOKEN, INSTANCE, "3f9c1e7a5b2d", "7d21b8e4")


@pytest.fixture
def ibm():
    return get_backend("ibm")


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no saved account either


@pytest.fixture
def dummy_credentials(monkeypatch, tmp_path):
    monkeypatch.setenv("QISKIT_IBM_TOKEN", TOKEN)
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", INSTANCE)
    monkeypatch.setenv("QISKIT_IBM_CHANNEL", "ibm_quantum_platform")
    monkeypatch.setenv("HOME", str(tmp_path))
    return {"QISKIT_IBM_TOKEN": TOKEN, "QISKIT_IBM_INSTANCE": INSTANCE,
            "QISKIT_IBM_CHANNEL": "ibm_quantum_platform", "HOME": str(tmp_path)}


def ghz(n: int) -> QuantumCircuit:
    qc = QuantumCircuit(n)
    qc.h(0)
    for q in range(n - 1):
        qc.cx(q, q + 1)
    return qc


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{where} contains a credential"


# -- availability and credentials ----------------------------------------------------------
def test_available_without_credentials_with_the_exact_note(ibm, no_credentials) -> None:
    assert ibm.available() is True
    assert ibm.notes() == NO_CREDENTIALS


def test_credentials_are_found_in_the_environment_or_a_saved_account(
        ibm, no_credentials, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("QISKIT_IBM_TOKEN", TOKEN)
    assert "environment" in ibm.notes() and TOKEN not in ibm.notes()
    monkeypatch.delenv("QISKIT_IBM_TOKEN")
    saved = tmp_path / ".qiskit" / "qiskit-ibm.json"
    saved.parent.mkdir()
    saved.write_text(json.dumps({"default-ibm-quantum-platform": {
        "channel": "ibm_quantum_platform", "token": TOKEN, "is_default_account": True}}))
    assert "saved account" in ibm.notes() and TOKEN not in ibm.notes()


def test_a_real_device_without_credentials_is_refused_before_work(ibm, no_credentials) -> None:
    with no_work(ibm), pytest.raises(BackendUnavailableError) as exc:
        ibm.solve(ghz(2), seed=1, options={"ibm_backend": "ibm_brisbane"})
    assert str(exc.value) == ("backend 'ibm': 'ibm_brisbane' is a real IBM Quantum device and "
                              f"there are {NO_CREDENTIALS}")
    with pytest.raises(BackendUnavailableError, match="no credentials"):
        ibm.primitives({"ibm_backend": "ibm_brisbane"})
    with pytest.raises(BackendUnavailableError, match="no credentials"):
        ibm.dry_run(ghz(2), {"ibm_backend": "ibm_brisbane"})


def test_bad_options_are_refused_before_work(ibm) -> None:
    with no_work(ibm):
        with pytest.raises(OptionsError, match="did you mean 'fake_sherbrooke'"):
            ibm.solve(ghz(2), seed=1, options={"ibm_backend": "fake_sherbroke"})
        with pytest.raises(OptionsError, match="resilience_level must be 0, 1 or 2"):
            ibm.solve(ghz(2), options={"resilience_level": 3})
        with pytest.raises(OptionsError, match="set zne=true too"):
            ibm.solve(ghz(2), options={"zne_noise_factors": [1, 3]})
        with pytest.raises(OptionsError, match="zne mitigate expectation values"):
            ibm.solve(ghz(2), options={"ibm_backend": SMALL, "zne": True})
        with pytest.raises(OptionsError, match="unknown option 'token'"):
            ibm.solve(ghz(2), options={"token": TOKEN})
        with pytest.raises(ProblemTooLargeError, match="has 7 qubits; this circuit has 8"):
            ibm.solve(ghz(8), seed=1, options={"ibm_backend": SMALL})


def test_a_real_device_is_fetched_by_a_service_built_without_arguments(
        ibm, dummy_credentials, monkeypatch) -> None:
    """The service reads the credentials itself; none are passed (a stub stands in for IBM)."""
    import qiskit_ibm_runtime

    from hybrid_workbench.backends.ibm.runtime import fake_device

    calls = []

    class Service:
        def __init__(self, *args, **kwargs) -> None:
            calls.append(("init", args, kwargs))

        def backend(self, name):
            calls.append(("backend", name))
            return fake_device(SMALL)  # a device object, offline

    monkeypatch.setattr(qiskit_ibm_runtime, "QiskitRuntimeService", Service)
    r = ibm.solve(ghz(2), seed=1, options={"ibm_backend": "ibm_example", "shots": 100})
    assert calls == [("init", (), {}), ("backend", "ibm_example")]
    assert r.info["local_testing"] is False and r.info["device"] == "qpu"
    assert sum(r.info["counts"].values()) == 100


# -- sampling circuits ---------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["batch", "session", "job"])
def test_sampling_matches_the_exact_distribution_and_records_the_run(ibm, mode) -> None:
    from hybrid_workbench.backends.ibm.runtime import fake_device

    qc = ghz(3)
    r = ibm.solve(qc, seed=5, options={"ibm_backend": SMALL, "shots": 2000, "mode": mode})
    counts = r.info["counts"]
    assert sum(counts.values()) == 2000 and r.info["shots"] == 2000
    # readout and gate noise of the device: ~5-10 % of the shots leave {000, 111}
    assert total_variation(counts, exact_distribution(qc)) < 0.2
    info = r.info
    assert info["ibm_backend"] == SMALL and info["local_testing"] is True
    assert info["device"] == "simulator"
    assert info["execution_mode"] == mode and info["job_id"] and info["qpu_usage_s"] == 0.0
    published = fake_device(SMALL).properties().last_update_date
    assert info["calibrated_at"] == published.isoformat()
    assert info["two_qubit_gates"] >= 2 and info["depth"] >= 4
    assert info["mitigation_applied"] is None and info["runtime_options"] == {"default_shots": 2000}


def test_same_seed_same_counts_and_partial_measurements(ibm) -> None:
    qc = QuantumCircuit(3, 2)
    qc.x(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    opts = {"ibm_backend": SMALL, "shots": 300}
    a, b = ibm.solve(qc, seed=9, options=opts), ibm.solve(qc, seed=9, options=opts)
    c = ibm.solve(qc, seed=10, options=opts)
    assert a.info["counts"] == b.info["counts"] != c.info["counts"]
    assert set(a.info["counts"]) <= {"00", "01", "10", "11"}
    assert a.info["counts"].get("00", 0) + a.info["counts"].get("11", 0) > 240


# -- primitives and the Runtime's error mitigation -------------------------------------------
def test_mitigation_options_reach_the_runtime_primitives(ibm) -> None:
    prims = ibm.primitives({"ibm_backend": SMALL, "resilience_level": 2, "zne": True,
                            "zne_noise_factors": [1, 3, 5], "zne_extrapolator": "exponential",
                            "measure_mitigation": True, "dynamical_decoupling": True,
                            "dd_sequence": "XY4", "twirl_gates": True, "twirl_measure": True,
                            "twirl_randomizations": 8}, seed=3)
    est, smp = prims.estimator.options, prims.sampler.options
    assert type(prims.estimator).__module__.startswith("qiskit_ibm_runtime")
    assert est.resilience_level == 2 and est.resilience.zne_mitigation is True
    assert list(est.resilience.zne.noise_factors) == [1, 3, 5]
    assert est.resilience.zne.extrapolator == "exponential"
    assert est.resilience.measure_mitigation is True
    for opts in (est, smp):
        assert opts.dynamical_decoupling.enable is True
        assert opts.dynamical_decoupling.sequence_type == "XY4"
        assert opts.twirling.enable_gates is True and opts.twirling.num_randomizations == 8
    assert prims.source == f"ibm:{SMALL}" and prims.exact is False


def test_estimator_and_sampler_on_a_fake_device(ibm) -> None:
    from qiskit.quantum_info import SparsePauliOp

    prims = ibm.primitives({"ibm_backend": SMALL, "shots": 4000}, seed=2)
    bell = ghz(2)
    isa = prims.transpile(bell)
    obs = [prims.observable_for(SparsePauliOp(label), isa) for label in ("ZZ", "XX", "ZI")]
    evs = prims.estimator.run([(isa, obs)]).result()[0].data.evs
    # exact: <ZZ> = <XX> = 1, <ZI> = 0; the device's noise pulls the correlators down
    assert 0.75 < evs[0] <= 1.05 and 0.7 < evs[1] <= 1.05 and abs(evs[2]) < 0.1
    measured = prims.transpile(bell.measure_all(inplace=False))
    counts = prims.sampler.run([measured], shots=500).result()[0].data.meas.get_counts()
    assert sum(counts.values()) == 500 and counts.get("00", 0) + counts.get("11", 0) > 400


def test_qaoa_runs_on_ibm_primitives_by_name(ibm) -> None:
    import dimod

    from hybrid_workbench.algorithms.qaoa import QAOABackend

    ring = dimod.BinaryQuadraticModel({}, {(0, 1): 1, (1, 2): 1, (2, 3): 1, (3, 0): 1}, 0.0,
                                      "SPIN")
    r = QAOABackend().solve(ring, seed=1, options={
        "path": "primitives", "gate_backend": "ibm", "p": 1, "maxiter": 4, "init": "ramp",
        "shots": 200, "gate_options": {"ibm_backend": SMALL, "shots": 200}})
    assert r.info["primitives"]["source"] == "ibm"
    assert r.energy == float(ring.energy(r.sample))
    assert r.energy >= -4.0 and len(r.samples) >= 1


# -- the done criterion: ibm's local mode samples what aer-noisy samples ----------------------
def _cut_histogram(counts: dict[str, int], edges: list[tuple[int, int]]) -> dict[int, int]:
    hist: dict[int, int] = {}
    for key, c in counts.items():
        bits = key[::-1]  # qubit q is character q from the right
        cut = sum(bits[u] != bits[v] for u, v in edges)
        hist[cut] = hist.get(cut, 0) + c
    return hist


def _same_distribution_p(a: dict[int, int], b: dict[int, int]) -> float:
    """Chi-square two-sample test on the cut values (rare values pooled: expected >= 5)."""
    from scipy.stats import chi2_contingency

    keys = sorted(set(a) | set(b))
    table = np.array([[a.get(k, 0) for k in keys], [b.get(k, 0) for k in keys]], dtype=float)
    pooled: list[np.ndarray] = []
    acc = np.zeros(2)
    for col in table.T:
        acc = acc + col
        if acc.sum() >= 20:
            pooled.append(acc)
            acc = np.zeros(2)
    if acc.sum() and pooled:
        pooled[-1] = pooled[-1] + acc
    return float(chi2_contingency(np.array(pooled).T)[1])


@pytest.mark.slow
def test_fixed_angle_qaoa_on_fake_sherbrooke_matches_aer_noisy(ibm) -> None:
    """The same transpiled maxcut size=8 seed=1 QAOA circuit (p=1) sampled by the Runtime's
    local mode on fake_sherbrooke and by aer-noisy (FakeSherbrooke noise model): the
    cut-value distributions agree (chi-square p > 0.001), while the ideal distribution of
    the same circuit is told apart (p < 1e-6), so the test can fail."""
    from hybrid_workbench.algorithms.ising import bqm_to_pauli
    from hybrid_workbench.algorithms.qaoa_circuit import qaoa_circuit
    from hybrid_workbench.primitives import backend_primitives
    from hybrid_workbench.registry import get_usecase

    uc = get_usecase("maxcut")
    inst = uc.open("generate:size=8,seed=1")
    bqm = uc.formulate(inst).model
    op, _, variables = bqm_to_pauli(bqm)
    circuit, gammas, betas = qaoa_circuit(op, len(variables), 1)
    bound = circuit.assign_parameters({gammas[0]: 0.4, betas[0]: 0.35})
    bound.measure_all()
    index = {v: i for i, v in enumerate(variables)}
    edges = [(index[u], index[v]) for u, v in bqm.quadratic]
    ibm_prims = ibm.primitives({"ibm_backend": "fake_sherbrooke"}, seed=4)
    isa = ibm_prims.transpile(bound)
    shots = 3000
    runs = {}
    # different seeds: the samples must be independent for the test to mean anything (one
    # seed on the same noise model gives nearly the same shots)
    for name, prims in (("ibm", ibm_prims),
                        ("aer-noisy", backend_primitives("aer-noisy", seed=104)),
                        ("ideal", backend_primitives("aer-statevector", seed=204))):
        pub = prims.sampler.run([isa], shots=shots).result()[0]
        runs[name] = _cut_histogram(pub.join_data().get_counts(), edges)
    assert _same_distribution_p(runs["ibm"], runs["aer-noisy"]) > 1e-3, runs
    assert _same_distribution_p(runs["ibm"], runs["ideal"]) < 1e-6, runs


# -- dry run -------------------------------------------------------------------------------
def test_dry_run_reports_the_transpiled_circuit_without_submitting(ibm, monkeypatch) -> None:
    from qiskit.transpiler import generate_preset_pass_manager

    from hybrid_workbench.backends.ibm import runtime

    def forbidden(*args, **kwargs):
        raise AssertionError("dry_run made a primitive")

    monkeypatch.setattr(runtime, "make_sampler", forbidden)
    monkeypatch.setattr(runtime, "make_estimator", forbidden)
    qc = ghz(5)
    report = ibm.dry_run(qc, {"ibm_backend": "fake_sherbrooke", "shots": 2000}, seed=7)
    device = runtime.fake_device("fake_sherbrooke")
    isa = generate_preset_pass_manager(optimization_level=1, backend=device,
                                       seed_transpiler=7).run(qc.measure_all(inplace=False))
    ops = isa.count_ops()
    assert report["submitted"] is False and report["device_qubits"] == 127
    assert report["depth"] == isa.depth() and report["two_qubit_gates"] == ops["ecr"] >= 4
    duration = isa.estimate_duration(device.target, unit="s")
    assert report["estimated_qpu_s"] == pytest.approx(2000 * (duration + 250e-6), abs=1e-6)


# -- credentials never reach an output -------------------------------------------------------
def test_dummy_credentials_never_reach_results_info_or_logs(ibm, dummy_credentials,
                                                           caplog) -> None:
    caplog.set_level(logging.DEBUG)
    r = ibm.solve(ghz(3), seed=1, options={"ibm_backend": SMALL, "shots": 100})
    assert_no_secret(r.to_json(), "Result JSON")
    assert_no_secret(repr(r.info) + repr(r.options), "info and options")
    assert_no_secret(caplog.text, "logs")
    assert_no_secret(ibm.notes(), "notes")
    assert_no_secret(json.dumps(ibm.dry_run(ghz(3), {"ibm_backend": SMALL})), "dry run")


@pytest.mark.slow
def test_dummy_credentials_never_reach_cli_output(cli, dummy_credentials) -> None:
    outs = [cli("solve", "rcs", "generate:rows=2,cols=2,depth=3,seed=1", "--backend", "ibm",
                "-o", f"ibm_backend={SMALL}", "-o", "shots=100", "--seed", "2", "--json",
                env=dummy_credentials),
            cli("backends", "--json", env=dummy_credentials),
            cli("solve", "rcs", "generate:rows=2,cols=2,depth=3,seed=1", "--backend", "ibm",
                "-o", f"ibm_backend={SMALL}", "--dry-run", env=dummy_credentials)]
    for out in outs:
        assert out.returncode == 0, out.stderr
        assert_no_secret(out.stdout + out.stderr, f"CLI output of {out.args[3:5]}")
    assert json.loads(outs[0].stdout)["backend"] == "ibm"
    row = next(r for r in json.loads(outs[1].stdout) if r["name"] == "ibm")
    assert row["available"] is True and "environment" in row["notes"]
    assert "two_qubit_gates" in outs[2].stdout


@pytest.mark.slow
def test_dummy_credentials_never_reach_a_batch_store(cli, dummy_credentials,
                                                    tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text(textwrap.dedent(f"""
        name: ibm-secrets
        seed: 1
        jobs:
          - usecase: rcs
            instances: [{{generate: {{rows: 2, cols: 2, depth: 3}}, count: 1}}]
            backends: [ibm]
            options: {{ibm: {{ibm_backend: {SMALL}, shots: 100}}}}
        """).lstrip())
    store = tmp_path / "store.sqlite"
    out = cli("batch", str(job), "--store", str(store), "-w", "1", "-q", env=dummy_credentials)
    assert out.returncode == 0, out.stderr
    assert_no_secret(out.stdout + out.stderr, "batch output")
    db = sqlite3.connect(store)
    try:
        rows = db.execute("SELECT * FROM tasks").fetchall()
    finally:
        db.close()
    assert rows and "ibm" in repr(rows)
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name != "qiskit-ibm.json":
            assert_no_secret(path.read_bytes().decode("utf-8", "replace"), str(path))
