"""Job files, metrics and reports of ``hybrid_workbench.batch``, checked against independent values."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
from hybrid_workbench.batch.jobfile import JobFileError, derive_seed, load_job
from hybrid_workbench.batch.metrics import (
    approximation_ratio,
    bootstrap_ci,
    group_metrics,
    reaches,
    tts,
)
from hybrid_workbench.batch.report import summarise, write_report


def _job(tmp_path, body: str, name: str = "job.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip())
    return path


def test_tasks_expand_with_stable_ids_and_derived_seeds(tmp_path) -> None:
    (tmp_path / "g.txt").write_text("3 3\n1 2 1\n2 3 1\n1 3 1\n")
    body = """
        name: small
        seed: 7
        repeats: 3
        jobs:
          - usecase: maxcut
            instances: [g.txt, {generate: {size: 6}, count: 2}]
            backends: [exact, dwave-sa]
            options: {dwave-sa: {num_reads: 4}}
            time_limit: 5
    """
    job = load_job(_job(tmp_path, body))
    assert len(job.tasks) == 3 * 2 * 3
    assert len({t.task_id for t in job.tasks}) == len(job.tasks)
    keys = sorted({t.instance for t in job.tasks})
    assert keys == ["g.txt", "generate:size=6,seed=7", "generate:size=6,seed=8"]
    for t in job.tasks:
        assert t.seed == derive_seed(7, "maxcut", t.instance, t.backend, t.repeat)
        assert t.time_limit == 5.0
        assert t.options == ({"num_reads": 4} if t.backend == "dwave-sa" else {})
    # more repeats and a new backend leave the existing tasks' ids (and seeds) unchanged
    bigger = load_job(_job(tmp_path, body.replace("repeats: 3", "repeats: 4")
                           .replace("[exact, dwave-sa]", "[exact, dwave-sa, dwave-greedy]"), "b.yaml"))
    assert {t.task_id: t.seed for t in job.tasks}.items() <= {t.task_id: t.seed for t in bigger.tasks}.items()
    assert len(bigger.tasks) == 3 * 3 * 4


def test_malformed_job_lists_every_problem_with_its_line(tmp_path) -> None:
    path = _job(tmp_path, """
        name: broken
        repeat: 2
        jobs:
          - usecase: maxcutt
            instances: [g.txt]
            backends: [exact]
          - usecase: maxcut
            instances: [missing/graph.txt, {generate: {sise: 5}}]
            backends: [dwave-sa, no-such-backend]
            options: {dwave-sa: {num_read: 3}}
            time_limit: -1
    """)
    with pytest.raises(JobFileError) as info:
        load_job(path)
    lines = {(p.line, key) for p in info.value.problems
             for key in ("repeat", "maxcutt", "g.txt", "missing/graph.txt", "sise",
                         "no-such-backend", "num_read", "time_limit") if key in p.message
             and not (key == "time_limit" and "num_read" in p.message)}  # valid-options list
    assert lines == {(2, "repeat"), (4, "maxcutt"), (5, "g.txt"), (8, "missing/graph.txt"),
                     (8, "sise"), (9, "no-such-backend"), (10, "num_read"), (11, "time_limit")}
    assert "did you mean 'repeats'" in str(info.value)
    assert "did you mean 'num_reads'" in str(info.value)


def test_yaml_syntax_error_names_the_line(tmp_path) -> None:
    path = _job(tmp_path, "name: x\njobs:\n  - usecase: maxcut\n    backends: [exact\n")
    with pytest.raises(JobFileError, match=r"job\.yaml:\d+: not valid YAML"):
        load_job(path)


def test_tts_matches_the_closed_form() -> None:
    # p = 0.3, t = 2 s: runs needed R = ln(0.01) / ln(0.7) = 12.911...
    assert tts(2.0, 0.3) == pytest.approx(2.0 * 12.91137, rel=1e-5)
    assert tts(0.5, 0.99) == 0.5 and tts(0.5, 1.0) == 0.5 and math.isinf(tts(0.5, 0.0))


@pytest.mark.parametrize(("obj", "ref", "sense", "expected"), [
    (45.0, 50.0, "max", 0.9), (55.0, 50.0, "min", 50 / 55), (-0.9, -1.0, "min", 0.9),
    (-1.1, -1.0, "max", 1 / 1.1), (3.0, -1.0, "max", None), (0.0, 2.0, "max", None),
])
def test_approximation_ratio_orientation(obj, ref, sense, expected) -> None:
    got = approximation_ratio(obj, ref, sense)
    assert got == (None if expected is None else pytest.approx(expected))


def test_bootstrap_interval_covers_the_mean_and_shrinks_with_more_data() -> None:
    rng = np.random.default_rng(0)
    small, large = rng.normal(5, 1, 20), rng.normal(5, 1, 400)
    lo_s, hi_s = bootstrap_ci(small, np.mean)
    lo_l, hi_l = bootstrap_ci(large, np.mean)
    assert lo_s < small.mean() < hi_s and lo_l < large.mean() < hi_l
    assert (hi_l - lo_l) < (hi_s - lo_s) / 2     # ~ 1/sqrt(n): 4.5 times narrower
    # the textbook normal interval for the mean of 400 draws: +-1.96 s / sqrt(n)
    half = 1.96 * large.std(ddof=1) / math.sqrt(large.size)
    assert (hi_l - lo_l) / 2 == pytest.approx(half, rel=0.2)


def test_group_metrics_on_hand_counted_runs() -> None:
    rows = [{"objective": 10.0, "feasible": True, "wall_s": 1.0, "status": "best_found"},
            {"objective": 8.0, "feasible": True, "wall_s": 1.0, "status": "best_found"},
            {"objective": 10.0, "feasible": False, "wall_s": 1.0, "status": "best_found"},
            {"objective": None, "feasible": None, "wall_s": 1.0, "status": "timeout"}]
    m = group_metrics(rows, 10.0, "max", n_resamples=200)
    assert m["runs"] == 4 and m["timeouts"] == 1
    assert m["feasibility_rate"] == 0.5
    assert m["success_probability"] == 0.25           # only the first run
    assert m["best_objective"] == 10.0 and m["mean_objective"] == 9.0
    assert m["approx_ratio"] == pytest.approx(0.9)
    assert m["tts99_s"] == pytest.approx(math.log(0.01) / math.log(0.75))
    assert m["tts99_s_ci"][0] <= m["tts99_s"] <= m["tts99_s_ci"][1]
    assert reaches(9.99999999, True, 10.0, "max") and not reaches(9.9, True, 10.0, "max")


def test_reference_is_the_use_case_value_else_best_seen_marked(tmp_path) -> None:
    base = {"usecase": "maxcut", "feasible": True, "wall_s": 0.1, "sense": "max"}
    rows = [{**base, "instance": "a", "backend": "x", "objective": 7.0, "status": "best_found",
             "reference": 8.0},
            {**base, "instance": "b", "backend": "x", "objective": 5.0, "status": "optimal",
             "reference": None},
            {**base, "instance": "b", "backend": "y", "objective": 4.0, "status": "best_found",
             "reference": None}]
    table = summarise(rows).set_index(["instance", "backend"])
    assert table.loc[("a", "x"), "reference"] == 8.0
    assert table.loc[("a", "x"), "approx_ratio"] == pytest.approx(7 / 8)
    assert table.loc[("a", "x"), "reference_source"].startswith("use case")
    assert table.loc[("b", "y"), "reference_source"] == "best seen (proved optimal by x)"
    assert table.loc[("b", "y"), "success_probability"] == 0.0
    paths = write_report(rows, tmp_path / "rep")
    assert paths["plot:maxcut"].stat().st_size > 1000
    assert "![maxcut.png](./maxcut.png)" in paths["markdown"].read_text()
    assert "<img src='maxcut.png'" in paths["html"].read_text()


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["name: lol", "a: &a [" + ", ".join(['"lol"'] * width) + "]"]
    for prev, name in zip("abcdefghij", "bcdefghijk"[: levels - 1]):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * width) + "]")
    return "\n".join([*lines, "jobs: []"]) + "\n"


def test_task_count_is_bounded_before_any_task_is_built(tmp_path) -> None:
    path = _job(tmp_path, """
        name: big
        repeats: 2
        jobs:
          - usecase: maxcut
            instances: [{generate: {size: 8}, count: 100000}]
            backends: [exact, dwave-sa]
    """)
    with pytest.raises(JobFileError) as info:
        load_job(path)
    (problem,) = info.value.problems
    assert (problem.line, problem.field) == (5, "jobs[0].instances[0].count")
    assert "100,000 instances x 4 tasks each" in problem.message and "400,000 tasks" in problem.message
    assert "at most 10,000" in problem.message and "count can be at most 2,500" in problem.message
    assert str(problem).startswith(f"{path}:5: jobs[0].instances[0].count: ")


def test_tasks_over_several_entries_are_bounded_too(tmp_path) -> None:
    path = _job(tmp_path, """
        name: big
        repeats: 1000
        jobs:
          - usecase: maxcut
            instances: [{generate: {size: 8}, count: 6}, {generate: {size: 9}, count: 6}]
            backends: [exact]
    """)
    with pytest.raises(JobFileError, match=r"12 instances x 1 backends x 1000 repeats = 12,000 "
                                           r"tasks; at most 10,000"):
        load_job(path)


def test_a_yaml_alias_bomb_is_refused_with_its_size(tmp_path) -> None:
    path = tmp_path / "lol.yaml"
    path.write_text(_bomb())
    with pytest.raises(JobFileError) as info:
        load_job(path)
    (problem,) = info.value.problems
    # values once every alias is written out: a is a list of 9 strings (10 values), each next
    # level a list of 9 copies of the previous; the document adds its mapping, its keys and
    # the values of name and jobs
    sizes = [10]
    for _ in range(8):
        sizes.append(1 + 9 * sizes[-1])
    total = 1 + 2 + sum(1 + s for s in sizes) + 2
    assert f"expands to {total:,} values" in problem.message and "at most 100,000" in problem.message
    first_big = next(i for i, s in enumerate(sizes) if s > 100_000)
    assert problem.line == 2 + first_big and problem.field == "abcdefghi"[first_big]
    path.write_text("name: r\nx: &x [1, *x]\njobs: []\n")
    with pytest.raises(JobFileError, match=r"r?:2: a YAML alias \(\*name\) refers to a value"):
        load_job(path)


def test_generator_sizes_and_seeds_are_bounded(tmp_path) -> None:
    path = _job(tmp_path, """
        name: huge
        seed: 5000000000
        jobs:
          - usecase: maxcut
            instances: [{generate: {size: 10000000}}]
            backends: [exact]
    """)
    with pytest.raises(JobFileError) as info:
        load_job(path)
    found = {(p.line, p.field): p.message for p in info.value.problems}
    assert "at most 4,294,967,295" in found[(2, "seed")]
    assert "size = 10,000,000" in found[(5, "jobs[0].instances[0].generate.size")]
    assert "at most 20,000" in found[(5, "jobs[0].instances[0].generate.size")]


def test_no_problem_message_names_an_exception_type(tmp_path) -> None:
    path = _job(tmp_path, """
        name: broken
        jobs:
          - usecase: maxcut
            instances: [{generate: {sise: 5}}, {generate: {size: 5}, count: 0}]
            backends: [dwave-sa]
            options: {dwave-sa: {num_reads: many}}
    """)
    with pytest.raises(JobFileError) as info:
        load_job(path)
    text = str(info.value)
    assert len(info.value.problems) == 3 and all(p.field and p.line for p in info.value.problems)
    assert not any(name in text for name in ("Error", "Exception", "Traceback"))


def test_bad_store_folder_and_workers_are_usage_errors(tmp_path) -> None:
    import hybrid_workbench.cli.batch  # noqa: F401 - registers the batch commands
    from hybrid_workbench.cli import app
    from typer.testing import CliRunner

    job = _job(tmp_path, """
        jobs:
          - usecase: maxcut
            instances: [{generate: {size: 5}}]
            backends: [exact]
    """)
    for args, words in ((["--store", "/no/such/dir/x.sqlite"], "/no/such/dir does not exist"),
                        (["--workers", "0"], "--workers")):
        out = CliRunner().invoke(app, ["batch", str(job), "--quiet", *args])
        assert out.exit_code == 2, out.output
        assert words in " ".join(out.output.split())
    assert not (tmp_path / "job.sqlite").exists()


def test_variants_of_one_backend_are_scored_apart() -> None:
    """Depths 1 and 2 of one backend, and two time limits of another, are separate rows;
    the ratios are counted by hand against the one reference (the best seen, 10)."""
    rows = [{"usecase": "maxcut", "instance": "g", "backend": "qaoa", "repeat": r,
             "options": f'{{"p": {p}, "shots": 64}}', "time_limit": None, "objective": o,
             "feasible": True, "wall_s": 1.0, "status": "best_found", "sense": "max",
             "reference": None}
            for p, objs in ((1, (8.0, 6.0)), (2, (10.0, 10.0))) for r, o in enumerate(objs)]
    rows += [{"usecase": "maxcut", "instance": "g", "backend": "sb", "repeat": 0, "options": "{}",
              "time_limit": t, "objective": 9.0, "feasible": True, "wall_s": t,
              "status": "best_found", "sense": "max", "reference": None} for t in (1.0, 10.0)]
    table = summarise(rows, n_resamples=50).set_index("backend")
    assert sorted(table.index) == ["qaoa p=1", "qaoa p=2", "sb 10s", "sb 1s"]
    assert table.loc["qaoa p=1", "approx_ratio"] == pytest.approx(0.7)
    assert table.loc["qaoa p=2", "success_probability"] == 1.0
    assert table.loc["sb 1s", "approx_ratio"] == pytest.approx(0.9)
    assert set(table["backend_name"]) == {"qaoa", "sb"}


def test_target_levels_and_use_case_metrics_by_hand(tmp_path) -> None:
    """Shares within 1 %, 0.5 % and 0 % of a stated reference, times from a trace, and the
    use case's metric means, against values counted by hand."""
    import json

    from hybrid_workbench.batch.breakdown import target_table, usecase_metrics

    def row(obj: float, trace: list, makespan: float) -> dict:
        return {"usecase": "agv", "instance": "f", "backend": "b", "options": "{}",
                "time_limit": 5.0, "objective": obj, "energy": obj, "feasible": True,
                "wall_s": 4.0, "status": "best_found", "sense": "min", "reference": 100.0,
                "result": json.dumps({"info": {"trace": trace, "sweeps": len(trace)}}),
                "outcome": json.dumps({"metrics": {"makespan": makespan, "repaired": False}})}

    rows = [row(100.0, [[0.5, 120.0], [2.0, 100.0]], 10.0), row(100.8, [], 12.0),
            row(103.0, [[1.0, 103.0]], 14.0)]
    (t,) = target_table(rows)
    got = {lv["target"]: (lv["p"], lv["median_time_s"]) for lv in t["levels"]}
    # 99 %: objective <= 101 (runs 1 and 2: 2.0 s from the trace, 4.0 s wall) ; 100 %: run 1
    assert got[0.99] == (pytest.approx(2 / 3), 3.0)
    assert got[0.995] == (pytest.approx(1 / 3), 2.0)
    assert got[1.0] == (pytest.approx(1 / 3), 2.0)
    cols, recs = usecase_metrics(rows)["agv"]
    assert cols == ["makespan", "repaired"]  # one variant's own info.sweeps is left out
    assert recs[0]["makespan"] == pytest.approx(12.0) and recs[0]["repaired"] == 0.0
    md = write_report(rows, tmp_path)["markdown"].read_text()
    assert "## Reaching the reference" in md and "## Use-case metrics: agv" in md


def test_time_against_size_is_plotted_only_where_sizes_vary(tmp_path) -> None:
    """A use case whose metrics report three sizes gets a scaling plot; one with a single
    size does not (no line to draw)."""
    import json

    from hybrid_workbench.batch.report import _plot_scaling

    def row(uc: str, n: int, wall: float) -> dict:
        return {"usecase": uc, "instance": f"i{n}", "backend": "b", "options": "{}",
                "time_limit": None, "wall_s": wall,
                "outcome": json.dumps({"metrics": {"num_qubits": n}})}

    rows = [row("rcs", n, 0.1 * n) for n in (4, 8, 12)] + [row("other", 5, 1.0)] * 3
    paths = _plot_scaling(rows, tmp_path)
    assert list(paths) == ["scaling:rcs"] and paths["scaling:rcs"].is_file()
