"""Equal-budget comparisons: reference stated and certified independently, verdict named."""

from __future__ import annotations

import itertools
import json

import pytest

import hybrid_workbench as hw
from hybrid_workbench.batch.metrics import gap_pct
from hybrid_workbench.compare import compare, verdict_line
from hybrid_workbench.deadline import grace_s


def _brute_force_cut(inst) -> float:
    n = len(inst.nodes)
    best = 0.0
    for bits in itertools.product((0, 1), repeat=n - 1):
        side = (0, *bits)  # fix the first node: cuts are symmetric
        cut = sum(w for a, b, w in zip(inst.u.tolist(), inst.v.tolist(), inst.w.tolist())
                  if side[a] != side[b])
        best = max(best, cut)
    return best


def test_gap_is_positive_when_worse_for_both_senses() -> None:
    assert gap_pct(95.0, 100.0, "max") == pytest.approx(5.0)
    assert gap_pct(105.0, 100.0, "min") == pytest.approx(5.0)
    assert gap_pct(-95.0, -100.0, "min") == pytest.approx(5.0)
    assert gap_pct(100.0, 100.0, "max") == 0.0
    assert gap_pct(1.0, 0.0, "min") is None


def test_small_maxcut_comparison_names_a_winner_against_a_certified_reference() -> None:
    uc = hw.get_usecase("maxcut")
    inst = uc.open("generate:size=12,seed=3")
    result = compare(uc, inst, budgets=[0.3], seeds=3,
                     backends=["dwave-tabu", "cpsat", "exact", "dwave-greedy"])
    assert result.reference.kind == "certified"
    assert result.reference.value == _brute_force_cut(inst)
    assert result.target == result.reference.value
    left_out = {e.backend: e.reason for e in result.excluded}
    assert set(left_out) == {"exact", "dwave-greedy"}
    assert all("time budget" in why for why in left_out.values())
    ranking = result.rankings[0.3]
    assert {r.backend for r in ranking} == {"dwave-tabu", "cpsat"}
    for r in ranking:  # a 12-node cut is easy: both reach the certified optimum every time
        assert r.runs == 3 and r.best_objective == result.reference.value
        assert r.success_probability == 1.0 and r.median_objective_ci is not None
    for run in result.runs:
        assert run.wall_s <= 0.3 + grace_s(0.3)
    line = result.verdicts()[0.3]
    assert line.startswith(f"at 0.3 s: {ranking[0].backend} best (0.00 %")
    data = result.to_dict()
    assert data["reference"]["kind"] == "certified" and len(data["runs"]) == 6
    assert data["budgets"][0]["verdict"] == line


def test_the_best_seen_is_the_reference_when_nothing_else_is_known() -> None:
    uc = hw.get_usecase("maxcut")
    inst = uc.open("generate:size=40,seed=1")
    result = compare(uc, inst, budgets=[0.2], seeds=1, backends=["dwave-tabu"])
    assert result.reference.kind == "best-seen"
    assert result.reference.value == result.runs[0].objective


def test_verdict_marks_backends_without_a_feasible_answer() -> None:
    from hybrid_workbench.compare import Ranking

    rows = [Ranking("x", 3, 3, 99.0, 100.0, None, 1.0, 0.0, 0.33, None, 1.0, 0.0),
            Ranking("y", 3, 0, None, None, None, None, None, 0.0, None, 1.0, 0.0,
                    errors=["boom"])]
    assert verdict_line(10, rows) == "at 10 s: x best (1.00 %), y failed"


@pytest.mark.parametrize(("args", "needle"), [
    (["--budget", "nan"], "finite positive"),
    (["--budget", "1,x"], "comma-separated"),
    (["--seeds", "0"], "at least 1"),
    (["-o", "num_reads=3"], "must name its backend"),
    (["--plot", "/no/such/dir/p.png"], "does not exist"),
])
def test_compare_refuses_bad_flags_before_work(cli, args, needle) -> None:
    out = cli("compare", "maxcut", "generate:size=8,seed=1", *args)
    assert out.returncode == 2 and needle in out.stderr, out.stderr


def test_compare_cli_json_and_plot(cli, tmp_path) -> None:
    plot = tmp_path / "q.png"
    out = cli("compare", "maxcut", "generate:size=10,seed=2", "--budget", "0.2", "--seeds", "1",
              "--backends", "dwave-tabu,cpsat", "--json", "--plot", str(plot))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["budgets"][0]["verdict"].startswith("at 0.2 s: ")
    assert plot.stat().st_size > 5000


def test_verdict_names_refusals_and_best_seen_targets_are_relaxed() -> None:
    from hybrid_workbench.compare import Ranking, Reference, Run, _target

    rows = [Ranking("x", 3, 3, 99.0, 100.0, None, 1.0, 0.0, 0.33, None, 1.0, 0.0),
            Ranking("d", 3, 0, None, None, None, None, None, 0.0, None, None, None,
                    errors=["needs about 4.0 s of fixed work"], refused=True)]
    assert verdict_line(1, rows) == ("at 1 s: x best (1.00 %), "
                                     "d refused (needs about 4.0 s of fixed work)")
    runs = [Run("x", 1.0, 0, objective=100.0, feasible=True)]
    target, rule = _target(Reference(100.0, "best-seen", ""), runs, "max")
    assert target == pytest.approx(99.5) and "99.5 %" in rule
    target, rule = _target(Reference(100.0, "certified", ""), runs, "max")
    assert target == 100.0 and "certified" in rule


def test_reference_kind_comes_from_the_use_case() -> None:
    from hybrid_workbench.compare import find_reference

    maxcut = hw.get_usecase("maxcut")
    ref = find_reference(maxcut, maxcut.open("G1"))
    assert (ref.value, ref.kind) == (11624.0, "published") and "G1" in ref.source
    portfolio = hw.get_usecase("portfolio")
    inst = portfolio.open("generate:size=8,k=3")
    ref = find_reference(portfolio, inst)  # enumerated by the use case: certified
    assert ref.kind == "certified" and ref.value == portfolio.reference(inst)
