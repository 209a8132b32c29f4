"""The certified backends against independent references."""

from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest

import hybrid_workbench as hw
from hybrid_workbench.backends.cpsat import integer_scale
from hybrid_workbench.backends.exact import enumerate_lowest
from hybrid_workbench.testing import brute_force_bqm, brute_force_cqm, random_bqm


@pytest.mark.parametrize("n", [1, 5, 9, 13])
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_exact_matches_dimod_exact_solver(n: int, vartype: str) -> None:
    bqm = dimod.generators.gnp_random_bqm(n, 0.5, vartype, random_state=n)
    reference = dimod.ExactSolver().sample(bqm).lowest(atol=1e-9)
    r = hw.solve(bqm, "exact")
    assert r.energy == pytest.approx(reference.first.energy, abs=1e-9)
    assert r.status == "optimal"


def test_exact_lowest_states_are_the_true_spectrum_bottom() -> None:
    bqm = random_bqm(18, "SPIN", seed=4)  # 18 > 16 low bits: exercises the high half
    states, energies, labels = enumerate_lowest(bqm, num_states=5)
    full = dimod.ExactSolver().sample(bqm)
    ref = np.sort(full.record.energy)[:5]
    assert np.allclose(energies, ref)
    for row, e in zip(states, energies):
        assert bqm.energy(dict(zip(labels, row))) == pytest.approx(e)


@pytest.mark.parametrize("seed", range(4))
def test_cpsat_bqm_optimum_matches_brute_force(seed: int) -> None:
    for vartype in ("SPIN", "BINARY"):
        bqm = random_bqm(10, vartype, seed=seed)
        r = hw.solve(bqm, "cpsat", seed=0)
        assert r.energy == pytest.approx(brute_force_bqm(bqm))
        assert r.status == "optimal"
        assert r.info["bound"] == pytest.approx(r.energy)


def test_cpsat_fractional_coefficients_are_scaled_exactly() -> None:
    bqm = dimod.BinaryQuadraticModel({"a": 0.25, "b": -0.5}, {("a", "b"): -0.125}, 0.0, "BINARY")
    r = hw.solve(bqm, "cpsat")
    assert r.energy == pytest.approx(brute_force_bqm(bqm)) and r.status == "optimal"
    scale, exact = integer_scale([1 / 3, 1.0])
    assert not exact
    bqm = dimod.BinaryQuadraticModel({"a": 1 / 3, "b": -0.7}, {("a", "b"): 0.1}, 0.0, "BINARY")
    r = hw.solve(bqm, "cpsat")
    assert r.energy == pytest.approx(brute_force_bqm(bqm))
    assert r.status == "best_found" and "rounded" in r.info["proof"]


def test_cpsat_cqm_with_integers_matches_enumeration() -> None:
    i = dimod.Integer("i", lower_bound=0, upper_bound=4)
    j = dimod.Integer("j", lower_bound=-2, upper_bound=3)
    x = dimod.Binary("x")
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(-3 * i + 2 * j - 5 * x + i * j + 2 * x * i)
    cqm.add_constraint(i + j + x <= 4, label="cap")
    cqm.add_constraint(i - 2 * x >= 1, label="link")
    best = min(
        (-3 * a + 2 * b - 5 * c + a * b + 2 * c * a)
        for a, b, c in itertools.product(range(0, 5), range(-2, 4), (0, 1))
        if a + b + c <= 4 and a - 2 * c >= 1)
    r = hw.solve(cqm, "cpsat")
    assert r.energy == pytest.approx(best) and r.status == "optimal"
    assert cqm.check_feasible(r.sample)


def test_cpsat_reports_infeasible_cqm() -> None:
    x, y = dimod.Binary("x"), dimod.Binary("y")
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(x + y)
    cqm.add_constraint(x + y >= 3, label="impossible")
    assert brute_force_cqm(cqm) is None
    r = hw.solve(cqm, "cpsat")
    assert r.status == "infeasible" and r.sample is None


def test_cpsat_time_limit_reports_best_found() -> None:
    from hybrid_workbench.usecases.maxcut import maxcut_bqm
    from hybrid_workbench.usecases.maxcut.io import generate_graph

    bqm = maxcut_bqm(generate_graph(seed=3, size=60, kind="erdos", p=0.5))
    r = hw.solve(bqm, "cpsat", time_limit=2.0, seed=1)
    assert r.status == "time_limit"
    assert r.info["bound"] <= r.energy
    assert r.energy <= r.info["hint_energy"]  # never worse than its warm start
