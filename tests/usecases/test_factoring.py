"""Factoring: validation, Shor's circuit against the analytic phase-estimation distribution,
Shor and QUBO answers against trial division, the QUBO reduction checked by enumeration."""

from __future__ import annotations

import itertools
import json
import math

import dimod
import numpy as np
import pytest

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.usecases.factoring import Factoring, FactoringInstance
from hybrid_workbench.usecases.factoring.instance import (
    classical_order,
    is_prime_power,
    trial_division,
)
from hybrid_workbench.usecases.factoring.qubo import factoring_bqm, register_sizes
from hybrid_workbench.usecases.factoring.shor import (
    decode_outcome,
    qpe_distribution,
    shor_circuit,
    shor_qubits,
)

FAC = Factoring()


def _brute_order(a: int, n: int) -> int:
    return next(r for r in range(1, n) if pow(a, r, n) == 1)


# -- number theory and validation ----------------------------------------------------------
def test_number_theory_against_sympy() -> None:
    sympy = pytest.importorskip("sympy")
    for n in range(9, 600):
        assert trial_division(n) == min(sympy.factorint(n))
        f = sympy.factorint(n)
        assert is_prime_power(n) == (len(f) == 1 and max(f.values()) >= 2)
    for n, a in [(15, 7), (21, 2), (35, 2), (91, 3)]:
        assert classical_order(a, n) == _brute_order(a, n) == sympy.n_order(a, n)


def test_instance_file_and_errors(tmp_path) -> None:
    good = tmp_path / "n.json"
    good.write_text('{"N": 35, "a": 3}')
    inst = FAC.load(good)
    assert (inst.N, inst.a, inst.name) == (35, 3, "n")
    cases = [
        ('{"N": 22}', "even"),
        ('{"N": 37}', "prime"),
        ('{"N": "21"}', "must be an integer"),
        ('{"N": 21, "b": 2}', r"unknown field.*'b'"),
        ('{"n": 21}', 'missing field "N"'),
        ('{"N": 21, "a": 7}', "coprime"),
        ('{"N": 70001}', "outside the supported range"),
        ('{"N": 21,\n,}', "line 2"),
    ]
    for text, message in cases:
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        with pytest.raises(InstanceFormatError, match=message):
            FAC.load(bad)
    # Shor-only conditions are checked when the circuit is formulated, before any solving
    with pytest.raises(InstanceError, match="prime power"):
        FAC.formulate(FactoringInstance(N=27), model_kind="circuit")
    with pytest.raises(InstanceError, match="supports N <= 127"):
        FAC.formulate(FactoringInstance(N=143), model_kind="circuit")
    assert FAC.formulate(FactoringInstance(N=27), model_kind="bqm").model.num_variables > 0


def test_generator_is_seeded_and_valid() -> None:
    a, b = FAC.generate(seed=3, max_n=99), FAC.generate(seed=3, max_n=99)
    assert a == b
    ns = {FAC.generate(seed=s, min_n=15, max_n=99).N for s in range(30)}
    assert len(ns) > 5
    assert all(n % 2 and trial_division(n) < n and not is_prime_power(n) for n in ns)


# -- Shor ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("n", "a"), [(15, 7), (15, 2), (21, 2), (21, 5)])
def test_shor_circuit_equals_analytic_phase_estimation(n, a) -> None:
    from qiskit.quantum_info import Statevector

    t, work = shor_qubits(n)
    qc = shor_circuit(n, a)
    assert qc.num_qubits == 3 * n.bit_length() == t + work
    bare = qc.remove_final_measurements(inplace=False)
    probs = Statevector(bare).probabilities(qargs=list(range(t)))
    expected = qpe_distribution(_brute_order(a, n), t)
    assert np.allclose(probs, expected, atol=1e-9)


def test_decoding_by_hand() -> None:
    assert decode_outcome(64, t=8, a=7, n=15) == {"y": 64, "order": 4, "factors": [3, 5]}
    # 2**10 / 6 = 170.67 -> y = 171; 171/1024 ~ 1/6; 2**3 = 8 != -1 mod 21; gcd(7, 21) = 7
    assert decode_outcome(171, t=10, a=2, n=21)["factors"] == [3, 7]
    assert decode_outcome(0, t=8, a=7, n=15)["factors"] is None
    # y/2**t = 1/2 gives r0 = 2, but 7**2 = 4 mod 15; the multiple 4 is the order
    assert decode_outcome(128, t=8, a=7, n=15)["order"] == 4


@pytest.mark.parametrize("n", [15, 21, 35])
def test_shor_on_aer_factors_and_success_probability(n) -> None:
    from hybrid_workbench.registry import get_backend

    backend = get_backend("aer-statevector")
    if backend.available() is not True:
        pytest.skip("aer-statevector not available")
    shots = 2000
    out = FAC.solve(FactoringInstance(N=n), backend, seed=7, options={"shots": shots})
    spf = trial_division(n)
    assert out.evaluation.feasible and out.evaluation.objective == 0
    assert sorted((out.solution["p"], out.solution["q"])) == [spf, n // spf]
    t, work = shor_qubits(n)
    a = out.solution["a"]
    assert out.solution["order"] == _brute_order(a, n)
    assert out.formulation_info["num_qubits"] == t + work
    # exact success probability from the analytic distribution and the same decoding
    dist = qpe_distribution(_brute_order(a, n), t)
    exact = sum(dist[y] for y in range(2 ** t) if decode_outcome(y, t, a, n)["factors"])
    sigma = math.sqrt(exact * (1 - exact) / shots)
    assert abs(out.solution["success_probability"] - exact) < 4 * sigma + 1e-9
    assert exact > 0.5


# -- factoring as optimisation ---------------------------------------------------------------
@pytest.mark.parametrize("n", [15, 21, 35, 45])
def test_reduced_bqm_min_over_auxiliaries_is_the_cost(n) -> None:
    fb = factoring_bqm(n)
    aux = [v for v in fb.bqm.variables if v not in fb.logical]
    assert fb.num_auxiliary == len(aux) > 0
    zs = list(itertools.product((0, 1), repeat=len(aux)))
    for xs in itertools.product((0, 1), repeat=fb.num_logical):
        sample = dict(zip(fb.logical, xs))
        p, q = fb.decode(sample)
        rows = [list(xs) + list(z) for z in zs]
        energies = dimod.SampleSet.from_samples_bqm((rows, fb.logical + aux), fb.bqm).record.energy
        assert energies.min() == pytest.approx((n - p * q) ** 2)


@pytest.mark.parametrize("n", [15, 21, 35, 77])
def test_exact_ground_states_are_the_factorisations(n) -> None:
    from hybrid_workbench.registry import get_backend

    fb = factoring_bqm(n)
    p_bits, q_bits = register_sizes(n)
    wanted = {(p, n // p) for p in range(1, 2 ** p_bits, 2)
              if n % p == 0 and 1 < p and n // p < 2 ** q_bits}
    res = get_backend("exact").solve(fb.bqm, options={"num_states": 64})
    assert res.energy == pytest.approx(0.0)
    ss = res.samples
    ground = {fb.decode(s) for s, e in zip(ss.samples(), ss.record.energy) if abs(e) < 1e-9}
    assert ground == wanted


@pytest.mark.parametrize("backend,options", [
    ("exact", {}), ("cpsat", {}), ("dwave-sa", {"num_reads": 100}),
    ("openjij-sa", {"num_reads": 100})])
@pytest.mark.parametrize("n", [15, 21, 35])
def test_annealers_factor_against_trial_division(backend, options, n) -> None:
    out = FAC.solve(FactoringInstance(N=n), backend, seed=3, options=options)
    spf = trial_division(n)
    assert out.evaluation.feasible, out.solution
    assert sorted((out.solution["p"], out.solution["q"])) == [spf, n // spf]
    assert out.evaluation.objective == 0 and out.result.energy == pytest.approx(0.0)
    assert out.solution["method"] == "qubo"
    if backend in ("dwave-sa", "openjij-sa"):
        assert 0 < out.solution["success_probability"] <= 1
    else:  # a proof of optimality, not a sample distribution
        assert out.solution["proved_optimal"] and out.solution["success_probability"] is None


def test_evaluate_is_independent_of_the_model() -> None:
    inst = FactoringInstance(N=21)
    assert FAC.evaluate(inst, FAC.baseline(inst)).feasible
    assert FAC.baseline(inst) == {"p": 3, "q": 7, "method": "trial division"}
    ev = FAC.evaluate(inst, {"p": 1, "q": 21})
    assert not ev.feasible and ev.objective == 0  # trivial factors are not a factorisation
    ev = FAC.evaluate(inst, {"p": 3, "q": 5})
    assert not ev.feasible and ev.objective == 6
    assert not FAC.evaluate(inst, {"p": None, "q": None}).feasible


def test_cli_factoring_both_methods(cli, tmp_path) -> None:
    path = tmp_path / "n21.json"
    path.write_text(json.dumps({"N": 21}))
    for backend, method in [("aer-statevector", "shor"), ("dwave-sa", "qubo")]:
        proc = cli("solve", "factoring", str(path), "--backend", backend, "--json", "--seed", "1")
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        assert data["feasible"] is True and data["objective"] == 0
        assert sorted((data["solution"]["p"], data["solution"]["q"])) == [3, 7]
        assert data["solution"]["method"] == method


def test_model_is_the_same_in_every_process() -> None:
    """String sets iterate in hash order, which changes per process: the model must not."""
    import subprocess
    import sys

    code = ("from hybrid_workbench.usecases.factoring.qubo import factoring_bqm\n"
            "b = factoring_bqm(143).bqm\n"
            "print(list(b.variables), list(b.linear.items()), list(b.quadratic.items()), b.offset)")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**__import__("os").environ, "PYTHONHASHSEED": str(h)}).stdout
            for h in (1, 2, 3)}
    assert len(outs) == 1
