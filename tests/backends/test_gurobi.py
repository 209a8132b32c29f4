"""``gurobi`` (where gurobipy is installed; the pip wheel's size-limited licence suffices)."""

from __future__ import annotations

import json

import dimod
import pytest

pytest.importorskip("gurobipy")

import hybrid_workbench as hw  # noqa: E402
from hybrid_workbench.errors import ProblemTooLargeError  # noqa: E402
from hybrid_workbench.testing import run_conformance  # noqa: E402
from hybrid_workbench.testing.conformance import (  # noqa: E402
    brute_force_bqm,
    brute_force_cqm,
    random_bqm,
)


def test_conformance() -> None:
    assert run_conformance("gurobi") == []


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_proves_the_brute_force_optimum(vartype: str, seed: int) -> None:
    bqm = random_bqm(14, vartype, seed=seed)
    r = hw.solve(bqm, "gurobi", seed=0)
    assert r.status == "optimal"
    assert r.energy == pytest.approx(brute_force_bqm(bqm))
    assert r.info["bound"] == pytest.approx(r.energy, abs=1e-6)


def test_cqm_with_a_cardinality_constraint_matches_enumeration() -> None:
    cqm = dimod.ConstrainedQuadraticModel.from_bqm(random_bqm(10, "BINARY", seed=4))
    cqm.add_constraint(sum(dimod.Binary(i) for i in range(10)) == 4, label="k")
    r = hw.solve(cqm, "gurobi", seed=0)
    assert r.status == "optimal" and r.model_kind == "cqm"
    assert sum(r.sample.values()) == 4
    assert r.energy == pytest.approx(brute_force_cqm(cqm))


def test_infeasible_cqm_is_a_status_not_an_exception() -> None:
    cqm = dimod.ConstrainedQuadraticModel()
    x, y = dimod.Binary("x"), dimod.Binary("y")
    cqm.set_objective(x + y)
    cqm.add_constraint(x + y >= 3, label="impossible")
    r = hw.solve(cqm, "gurobi", seed=0)
    assert r.status == "infeasible" and r.energy is None


def test_beyond_the_licence_is_refused_before_work() -> None:
    from hybrid_workbench.backends.gurobi import GurobiBackend, licence_limits

    limits = licence_limits()
    if limits is None:
        pytest.skip("a full Gurobi licence is installed here")
    be = GurobiBackend()
    be._solve = None  # any attempt to solve would fail loudly
    with pytest.raises(ProblemTooLargeError, match="size-limited licence"):
        be.solve(random_bqm(limits[2] + 1, "BINARY", seed=0))


def test_backends_lists_the_licence_limit(cli) -> None:
    out = cli("backends", "--json")
    row = {r["name"]: r for r in json.loads(out.stdout)}["gurobi"]
    assert row["available"] and "licence" in row["notes"]
