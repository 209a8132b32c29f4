"""Annealers with default settings answer constrained use cases feasibly, and say when a
sample was repaired; a backend with no solution gives an infeasible outcome, not an error.

Small versions of ``benchmarks/jobs/feasibility.yaml`` (which runs 5 seeds on 225 assets, HP
chains of 18-24 residues and 40 AGVs): every objective is checked against an independent
optimum (enumeration), so a feasible answer can never beat it.
"""

from __future__ import annotations

import pytest

from hybrid_workbench.registry import get_backend, get_usecase
from hybrid_workbench.result import Result, Status, Timing
from hybrid_workbench.usecases.peptide.enumerate import enumerate_folds
from hybrid_workbench.usecases.portfolio.baselines import enumerate_best

BACKENDS = ["dwave-sa", "openjij-sa", "gpu-sa"]
SEEDS = [0, 1]


def _available(name: str) -> bool:
    return get_backend(name).available() is True


@pytest.fixture(scope="module")
def portfolio_case():
    pf = get_usecase("portfolio")
    inst = pf.generate(seed=3, size=24, k=4, risk_aversion=5.0)
    return pf, inst, enumerate_best(inst).objective


@pytest.mark.parametrize("backend", BACKENDS)
def test_portfolio_defaults_feasible(portfolio_case, backend: str) -> None:
    if not _available(backend):
        pytest.skip(f"{backend} not available here")
    pf, inst, best = portfolio_case
    for seed in SEEDS:
        out = pf.solve(inst, backend, seed=seed)
        assert out.evaluation.feasible, (backend, seed, out.solution)
        assert out.evaluation.objective <= best + 1e-12     # max: never above the optimum


@pytest.mark.parametrize("backend", BACKENDS)
def test_peptide_defaults_feasible_and_repair_reported(backend: str) -> None:
    if not _available(backend):
        pytest.skip(f"{backend} not available here")
    pep = get_usecase("peptide")
    inst = pep.load("HPHPPHHPHH")
    best = enumerate_folds(inst).energy
    for seed in SEEDS:
        out = pep.solve(inst, backend, seed=seed)
        ev = out.evaluation
        assert ev.feasible and ev.objective >= best
        assert isinstance(ev.metrics["repaired"], bool)
        assert ev.metrics["repaired"] == (out.solution.get("raw_violations") is not None)


@pytest.mark.parametrize("backend", BACKENDS)
def test_agv_defaults_feasible(backend: str) -> None:
    if not _available(backend):
        pytest.skip(f"{backend} not available here")
    agv = get_usecase("agv")
    inst = agv.generate(seed=0, agvs=8)
    for seed in SEEDS:
        out = agv.solve(inst, backend, seed=seed)
        assert out.evaluation.feasible, (backend, seed)
        assert isinstance(out.evaluation.metrics["repaired"], bool)


@pytest.mark.parametrize("name, spec", [
    ("portfolio", "generate:size=8,k=3,seed=1"),
    ("peptide", "HPPHHPHH"),
    ("agv", "generate:agvs=3,seed=1"),
])
def test_no_solution_is_an_infeasible_outcome(name: str, spec: str) -> None:
    """A Result with status no_solution (no sample) interprets and evaluates as infeasible."""
    uc = get_usecase(name)
    inst = uc.open(spec)
    form = uc.formulate(inst)
    empty = Result(backend="hand", backend_version="0", model_kind="bqm", energy=None,
                   sample=None, samples=None, timing=Timing(wall_s=0.0),
                   status=Status.NO_SOLUTION)
    solution = uc.interpret(inst, form, empty)
    ev = uc.evaluate(inst, solution)
    assert ev.feasible is False
