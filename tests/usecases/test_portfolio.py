"""Portfolio: certified optima (enumeration written here), penalties, formats and errors."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.usecases.portfolio import Portfolio
from hybrid_workbench.usecases.portfolio import formulations as F
from hybrid_workbench.usecases.portfolio.baselines import enumerate_best, markowitz, scip_best
from hybrid_workbench.usecases.portfolio.instance import PortfolioInstance
from hybrid_workbench.usecases.portfolio.loader import load_instance

PF = Portfolio()
EXAMPLE = {"assets": ["A", "B", "C"], "mu": [0.08, 0.10, 0.07],
           "sigma": [[0.04, 0.01, 0.0], [0.01, 0.09, 0.02], [0.0, 0.02, 0.05]],
           "k": 2, "risk_aversion": 1.0}


def brute_force(inst: PortfolioInstance) -> tuple[float, set[frozenset[str]]]:
    """Best objective over every k-subset, and every subset attaining it (ties kept)."""
    scores = {}
    for combo in itertools.combinations(range(inst.n), inst.k):
        w = np.zeros(inst.n)
        w[list(combo)] = 1.0 / inst.k
        scores[frozenset(inst.assets[i] for i in combo)] = float(
            inst.mu @ w - inst.risk_aversion * w @ inst.sigma @ w)
    best = max(scores.values())
    return best, {s for s, v in scores.items() if v >= best - 1e-12}


def test_example_by_hand(tmp_path) -> None:
    path = tmp_path / "ex.json"
    path.write_text(json.dumps(EXAMPLE))
    inst = PF.load(path)
    # {A,B}: 0.09 - 0.15/4; {A,C}: 0.075 - 0.09/4; {B,C}: 0.085 - 0.18/4
    assert brute_force(inst)[0] == pytest.approx(0.0525)
    for backend in ("exact", "cpsat", "dwave-sa"):
        out = PF.solve(inst, backend, seed=1)
        assert out.evaluation.feasible
        assert out.evaluation.objective == pytest.approx(0.0525, abs=1e-12)
        assert sorted(out.solution) in (["A", "B"], ["A", "C"])


@pytest.mark.parametrize(("size", "k", "lam", "seed"),
                         [(8, 3, 1.0, 0), (12, 4, 2.0, 1), (16, 5, 0.5, 2), (20, 4, 1.0, 3)])
def test_exact_cpsat_sa_reach_enumerated_optimum(size, k, lam, seed) -> None:
    inst = PF.generate(seed=seed, size=size, k=k, risk_aversion=lam)
    best, argbest = brute_force(inst)
    runs = [("exact", None, {}), ("cpsat", {"time_limit": 60}, {}),
            ("dwave-sa", {"num_reads": 100, "num_sweeps": 1000}, {})]
    if size <= 12:  # the penalised BQM is hard for CP-SAT's search; the CQM is its natural form
        runs.append(("cpsat", {"time_limit": 60}, {"model_kind": "bqm"}))
    for backend, options, form in runs:
        out = PF.solve(inst, backend, seed=seed, options=options, formulation_options=form)
        assert out.evaluation.feasible, backend
        assert out.evaluation.objective == pytest.approx(best, abs=1e-9), backend
        assert frozenset(out.solution) in argbest
        assert out.result.energy == pytest.approx(-out.evaluation.objective, abs=1e-9)


def test_cpsat_rounded_scaling_does_not_break_the_flow() -> None:
    """Float data forces cpsat to round coefficients: status best_found, proof says so."""
    inst = PF.generate(seed=5, size=12, k=3)
    out = PF.solve(inst, "cpsat", seed=0)
    assert out.result.status in ("best_found", "optimal")
    assert "proof" in out.result.info
    if not out.result.info["exact_scaling"]:
        assert out.result.status == "best_found"
    assert out.evaluation.objective == pytest.approx(brute_force(inst)[0], abs=1e-9)


def test_cqm_on_cpsat_and_scip_baseline_reach_optimum() -> None:
    inst = PF.generate(seed=7, size=14, k=5, risk_aversion=1.5)
    best, _ = brute_force(inst)
    out = PF.solve(inst, "cpsat", seed=0)   # cpsat takes the CQM by preference
    assert out.result.model_kind == "cqm" and out.evaluation.feasible
    assert out.evaluation.objective == pytest.approx(best, abs=1e-9)
    scip = scip_best(inst, time_limit=60)
    assert scip.status == "optimal" and "SCIP closed" in scip.proof
    assert scip.objective == pytest.approx(best, abs=1e-9)
    enum = enumerate_best(inst)
    assert enum.objective == pytest.approx(best, abs=1e-12) and enum.gap == 0.0
    assert PF.reference(inst) == pytest.approx(best, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 7), data=st.data())
def test_proven_penalty_makes_bqm_optimum_the_constrained_optimum(n, data) -> None:
    k = data.draw(st.integers(1, n))
    seed = data.draw(st.integers(0, 10_000))
    lam = data.draw(st.sampled_from([0.0, 0.3, 1.0, 5.0, 50.0]))
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) * 0.3
    inst = PortfolioInstance("h", tuple(f"a{i}" for i in range(n)), rng.normal(0.05, 0.2, n),
                             a @ a.T, k=k, risk_aversion=lam)
    bqm, _ = F.cardinality_bqm(inst)
    energies = {}
    for bits in itertools.product((0, 1), repeat=n):
        energies[bits] = bqm.energy(dict(zip(inst.assets, bits)))
    low = min(energies.values())
    winners = [b for b, e in energies.items() if e <= low + 1e-12]
    assert all(sum(b) == k for b in winners)          # every minimiser is feasible
    assert -low == pytest.approx(brute_force(inst)[0], abs=1e-9)


def test_penalty_below_the_bound_can_break_feasibility() -> None:
    inst = PortfolioInstance.from_dict({**EXAMPLE, "k": 1, "risk_aversion": 0.0})
    out = PF.solve(inst, "exact", seed=0, formulation_options={"penalty": 0.0})
    assert not out.evaluation.feasible and len(out.solution) == 3


def test_lots_formulation_matches_integer_enumeration() -> None:
    inst = PF.generate(seed=4, size=4, k=2, risk_aversion=3.0)
    inst = inst.replace(lot_cost=[1, 2, 1, 3])
    budget = 5
    best = -np.inf
    for lots in itertools.product(*(range(budget // c + 1) for c in inst.lot_cost)):
        lots = np.array(lots)
        if (inst.lot_cost * lots).sum() <= budget:
            w = inst.lot_cost * lots / budget
            best = max(best, float(inst.mu @ w - 3.0 * w @ inst.sigma @ w))
    for backend, form, opts in (("cpsat", {"model_kind": "cqm"}, None), ("exact", {}, None),
                                ("dwave-sa", {}, {"num_reads": 200, "num_sweeps": 2000})):
        out = PF.solve(inst, backend, seed=0, options=opts,
                       formulation_options={"formulation": "lots", "budget": budget, **form})
        assert out.evaluation.feasible, backend
        assert out.evaluation.objective == pytest.approx(best, abs=1e-9), backend
        assert out.evaluation.metrics["spent_units"] <= budget


def test_longshort_energy_is_the_stated_equation_and_exact_solves_it() -> None:
    inst = PF.generate(seed=9, size=8, k=4)
    alpha, beta = 0.7, 2.0
    bqm, gamma = F.longshort_bqm(inst, alpha, beta)
    s = inst.mu - np.median(inst.mu)
    d = np.where(s >= 0, 1.0, -1.0)
    sd = np.sqrt(np.diag(inst.sigma))
    rho = inst.sigma / np.outer(sd, sd)
    k = inst.k
    quad = alpha / k ** 2 * np.outer(d, d) * rho
    np.fill_diagonal(quad, 0.0)
    quad += beta / k ** 2 * np.outer(d, d)
    assert (gamma, ) == F.count_penalty(-np.abs(s) / k, quad, k)[:1]
    shift = F.count_penalty(-np.abs(s) / k, quad, k)[1]

    def energy(z: np.ndarray) -> float:
        corr = sum(d[i] * d[j] * rho[i, j] * z[i] * z[j]
                   for i in range(8) for j in range(8) if i != j)
        return (-np.abs(s) @ z / k + alpha / k ** 2 * corr + beta / k ** 2 * (d @ z) ** 2
                + gamma * (z.sum() - k) ** 2 + shift * (z.sum() - k))

    all_z = [np.array(b, dtype=float) for b in itertools.product((0, 1), repeat=8)]
    for z in all_z[::17]:
        assert bqm.energy(dict(zip(inst.assets, z))) == pytest.approx(energy(z), abs=1e-9)
    best = min(all_z, key=energy)
    assert best.sum() == k
    out = PF.solve(inst, "exact", seed=0,
                   formulation_options={"formulation": "longshort", "alpha": alpha, "beta": beta})
    assert out.evaluation.feasible
    assert out.result.energy == pytest.approx(energy(best), abs=1e-9)
    assert len(out.solution["long"]) + len(out.solution["short"]) == k


def test_markowitz_matches_scipy_and_beats_every_selection() -> None:
    from scipy.optimize import minimize

    inst = PF.generate(seed=2, size=10, k=3, risk_aversion=2.0)
    w = markowitz(inst)
    assert w.sum() == pytest.approx(1.0) and np.all(w >= 0)
    res = minimize(lambda x: -(inst.mu @ x - 2.0 * x @ inst.sigma @ x), np.full(10, 0.1),
                   bounds=[(0, 1)] * 10, constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1}],
                   method="SLSQP", options={"ftol": 1e-12, "maxiter": 500})
    assert inst.mean_variance(w) == pytest.approx(-res.fun, abs=1e-6)
    assert inst.mean_variance(w) >= brute_force(inst)[0] - 1e-9


# -- validation ------------------------------------------------------------------------------
@pytest.mark.parametrize(("change", "match"), [
    ({"sigma": [[0.04, 0.01], [0.01, 0.09], [0.0, 0.02]]}, "not square"),
    ({"sigma": [[0.04, 0.01, 0.0], [0.01, 0.09], [0.0, 0.02, 0.05]]}, "not square"),
    ({"sigma": [[0.04, 0.01, 0.0], [0.03, 0.09, 0.02], [0.0, 0.02, 0.05]]}, "not symmetric"),
    ({"sigma": [[0.04, 0.1, 0.0], [0.1, 0.09, 0.02], [0.0, 0.02, 0.05]]},
     r"not positive semidefinite: its most negative eigenvalue is -0\.0[0-9]+"),
    ({"k": 4}, "k = 4 is out of range"),
    ({"k": 0}, "k = 0 is out of range"),
    ({"mu": [0.1, 0.2]}, "mu has 2 entries but there are 3 assets"),
    ({"mu": [0.1, "x", 0.2]}, "must hold numbers"),
    ({"risk_aversion": -1}, "risk_aversion must be"),
])
def test_bad_json_instances_raise_typed_errors(tmp_path, change, match) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**EXAMPLE, **change}))
    with pytest.raises(InstanceError, match=match):
        load_instance(path)


def test_psd_message_gives_the_eigenvalue() -> None:
    sigma = np.array([[0.04, 0.1, 0.0], [0.1, 0.09, 0.02], [0.0, 0.02, 0.05]])
    lowest = np.linalg.eigvalsh(sigma)[0]
    with pytest.raises(InstanceError, match=f"{lowest:.6g}"):
        PortfolioInstance.from_dict({**EXAMPLE, "sigma": sigma.tolist()})


def test_invalid_json_names_the_line(tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"assets": ["A"],\n "mu": [0.1,,]}')
    with pytest.raises(InstanceFormatError, match="line 2"):
        load_instance(path)
    path.write_text(json.dumps({"assets": ["A"], "mu": [0.1]}))
    with pytest.raises(InstanceFormatError, match=r"missing field\(s\) \['sigma', 'k'\]"):
        load_instance(path)
