"""``hybrid demo``: the plan, the scoring, the self-contained report (small runs only)."""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pytest

from hybrid_workbench.batch.demo import MIN_SEEDS, DemoPlan, UseCasePlan, plan_demo
from hybrid_workbench.batch.demoreport import score_demo, who_wins_rows, write_demo_report
from hybrid_workbench.batch.jobfile import job_from_dict
from hybrid_workbench.batch.runner import run_batch
from hybrid_workbench.batch.store import ResultStore
from hybrid_workbench.errors import OptionsError

TINY = {
    "name": "tiny", "seed": 7, "repeats": 3, "budgets": [0.3], "slack_s": 60,
    "families": {"cpsat": "classical (exact)", "openjij-sqa": "quantum-inspired (SQA)"},
    "usecases": {"maxcut": {
        "instances": [{"entry": {"generate": {"size": 12, "kind": "erdos", "p": 0.5,
                                              "weights": "uniform", "seed": 3}},
                       "about": "a 12-node weighted graph"}],
        "backends": ["cpsat", "dwave-tabu", "openjij-sqa"]}},
}


def brute_force_cut(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> float:
    best = 0.0
    for bits in itertools.product((0, 1), repeat=n - 1):  # node 0 fixed on side 0
        side = np.array((0, *bits))
        best = max(best, float(w[side[u] != side[v]].sum()))
    return best


def _rows(backend: str, objectives: list[float | None], budget: float = 1.0) -> list[dict]:
    return [{"usecase": "maxcut", "instance": "g", "backend": backend, "repeat": i,
             "objective": o, "feasible": o is not None, "wall_s": 0.5, "solver_s": 0.5,
             "status": "best_found" if o is not None else "error", "sense": "max",
             "reference": 10.0, "options": json.dumps({"time_limit": budget}), "result": None,
             "error": None if o is not None else "boom"}
            for i, o in enumerate(objectives)]


def test_the_plan_gives_every_backend_the_same_budget_and_lists_the_others() -> None:
    plan = plan_demo(spec=TINY)
    (job,) = plan.job["jobs"]
    assert plan.job["repeats"] == 3 and job["backends"] == ["cpsat", "dwave-tabu", "openjij-sqa"]
    assert {o["time_limit"] for o in job["options"].values()} == {0.3}
    assert job["time_limit"] == pytest.approx(60.3)
    reasons = dict(plan.usecases["maxcut"].excluded)
    assert "cannot honour a time budget" in reasons["exact"]
    assert "not in this run's list" in reasons["sb"]
    assert len(job_from_dict(plan.job).tasks) == 9
    with pytest.raises(OptionsError, match="at least 3 seeds"):
        plan_demo(spec=TINY, repeats=MIN_SEEDS - 1)


def test_scoring_names_a_winner_and_draws_no_interval_from_fewer_than_three_runs() -> None:
    ucp = UseCasePlan(usecase="maxcut", instances=[("g", "g", "a graph")], budgets=[1.0],
                      backends=["a", "b", "c"])
    plan = DemoPlan(job={}, usecases={"maxcut": ucp}, notes=[], families={}, quick=True, seeds=3)
    rows = _rows("a", [10.0, 10.0, 9.0]) + _rows("b", [8.0, 9.0]) + _rows("c", [None, None, None])
    (cell,) = score_demo(plan, rows)
    assert [s.backend for s in cell.standings] == ["a", "b", "c"]
    a, b, c = cell.standings
    assert a.median_ci is not None and b.median_ci is None and c.median_ci is None
    assert (a.success, a.median_gap, b.median_gap) == (2, 0.0, pytest.approx(15.0))
    assert c.feasible == 0 and c.errors == ["boom"]
    (row,) = who_wins_rows([cell])
    assert row[3:6] == ["a", "b", "0.00 % / 15.00 %"] and row[7] == "best-seen: 10"


def test_a_small_demo_names_a_winner_per_budget_in_a_self_contained_report(tmp_path) -> None:
    plan = plan_demo(spec=TINY)
    job = job_from_dict(plan.job, source="tiny", base_dir=tmp_path)
    with ResultStore(tmp_path / "demo.sqlite") as st:
        run_batch(job, st, workers=2, progress=False)
        rows = st.rows()
    assert len(rows) == 9 and all(r["status"] != "error" for r in rows)
    paths = write_demo_report(plan, rows, tmp_path / "rep", notes=["a note"])
    (cell,) = score_demo(plan, rows)
    from hybrid_workbench.registry import get_usecase

    g = get_usecase("maxcut").open("generate:", seed=3, size=12, kind="erdos", p=0.5,
                                   weights="uniform")
    optimum = brute_force_cut(12, g.u, g.v, g.w)
    assert cell.reference == optimum          # the best seen is the true optimum here
    winner = cell.standings[0]
    assert winner.median_objective == optimum and winner.success == 3
    md = paths["markdown"].read_text()
    assert re.search(r"\| maxcut \| generate:\S+ \| 0\.3 s \| \w", md)   # a winner is named
    assert "wins**" in md and "Not ranked:" in md
    page = paths["html"].read_text()
    refs = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]*)['"]""", page)
    assert refs and all(r.startswith("data:image/png;base64,") for r in refs)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert paths["plot:maxcut"].stat().st_size > 5000


def test_the_reference_kind_is_the_use_cases_own_and_old_spec_entries_are_ignored() -> None:
    """The plan states what each use case says its reference is (published for a G-set
    graph, certified by default for the others), and an older demo.yaml that still lists
    its own ``reference:`` entry plans the same, the use case's word winning."""
    from hybrid_workbench.batch.demo import load_demo_spec
    from hybrid_workbench.registry import get_usecase

    assert all("reference" not in u for u in load_demo_spec()["usecases"].values())
    spec = {**TINY, "usecases": {
        "maxcut": {"instances": [{"entry": "G1", "about": "G-set G1"}],
                   "reference": {"kind": "certified", "source": "an old copy's claim"},
                   "backends": ["cpsat"]},
        "portfolio": {"instances": [{"entry": "datasets/portfolio/hangseng31.json"}],
                      "backends": ["cpsat"]}}}
    plan = plan_demo(spec=spec)
    maxcut = get_usecase("maxcut")
    assert (plan.usecases["maxcut"].reference_kind,
            plan.usecases["maxcut"].reference_source) == maxcut.reference_kind(maxcut.load("G1"))
    assert plan.usecases["maxcut"].reference_kind == "published"
    assert plan.usecases["portfolio"].reference_kind == "certified"


def test_a_lone_quantum_winner_is_not_called_better_than_the_classical_reference() -> None:
    """VQE alone at a budget only matches the certified reference a classical method made."""
    from hybrid_workbench.batch.demoreport import Cell, Standing, paragraph

    plan = DemoPlan(job={}, usecases={}, notes=[], families={"vqe": "quantum (VQE)"},
                    quick=True, seeds=3)
    vqe = Standing("vqe", 3, 3, -1.137, 0.0, 0.0, None, 3, 2.0, 9.0, 0)
    cell = Cell("chemistry", "H2", "", 10.0, "min", -1.137, "certified", "PySCF casci",
                -1.137, "", "mHa", [vqe], [])
    text = paragraph(plan, [cell])
    assert "**quantum wins**" in text
    assert "only matches the certified classical reference (PySCF casci)" in text
    cpsat = Standing("cpsat", 3, 3, -1.137, 0.0, 0.0, None, 3, 0.1, 0.2, 0)
    cell.standings = [vqe, cpsat]
    plan.families["cpsat"] = "classical (exact)"
    assert "only matches" not in paragraph(plan, [cell])
