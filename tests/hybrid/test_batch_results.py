"""Batch rows are Results: stored rows turn back into the Results the tasks produced; each
instance's reference is computed once and rows refer to it."""

from __future__ import annotations

import itertools
import json
import textwrap

import numpy as np
import pytest

from hybrid_workbench.batch.jobfile import load_job
from hybrid_workbench.batch.store import COLUMNS, RESULT_COLUMNS, ResultStore, StoreError
from hybrid_workbench.batch.task import solve_task
from hybrid_workbench.result import Result

JOB = """
    name: rows
    seed: 11
    repeats: 2
    jobs:
      - usecase: maxcut
        instances: [{generate: {size: 7, kind: erdos, p: 0.6, weights: uniform}, count: 2}]
        backends: [exact, dwave-greedy, dwave-sa]
        options: {dwave-sa: {num_reads: 3, num_sweeps: 50}}
"""


def _job(tmp_path):
    path = tmp_path / "job.yaml"
    path.write_text(textwrap.dedent(JOB).lstrip())
    return load_job(path)


def _max_cut(spec: str) -> float:
    """The maximum cut by enumerating every partition (independent of any solver)."""
    from hybrid_workbench.registry import get_usecase

    inst = get_usecase("maxcut").open(spec)
    best = -np.inf
    for bits in itertools.product((0, 1), repeat=inst.num_nodes - 1):
        side = np.array((0, *bits))
        best = max(best, float(inst.w[side[inst.u] != side[inst.v]].sum()))
    return best


def test_every_stored_row_turns_back_into_the_result_the_task_produced(tmp_path) -> None:
    job = _job(tmp_path)
    produced: dict[str, Result] = {}
    with ResultStore(tmp_path / "r.sqlite") as store:
        for task in job.tasks:
            run = solve_task(task)
            assert run.outcome is not None, run.row["error"]
            produced[task.task_id] = run.outcome.result
            assert store.add(run.row)
        stored = store.results()
        rows = {r["task_id"]: r for r in store.rows()}
        assert set(stored) == set(produced) == set(rows)
        for task_id, result in produced.items():
            assert stored[task_id] == result               # every field, samples included
            assert store.result(task_id) == result
            assert stored[task_id].samples is not None
            row = rows[task_id]
            flat = result.to_row()
            for column in ("backend", "energy", "status", "wall_s", "seed", *RESULT_COLUMNS):
                assert row[column] == flat.get(column), column
            assert row["setup_s"] == result.timing.setup_s
            assert row["objective"] == pytest.approx(-result.energy)  # MaxCut: cut = -energy
        with pytest.raises(StoreError, match="no task 'nope'"):
            store.result("nope")


def test_references_once_per_instance_and_the_rows_refer_to_them(tmp_path, monkeypatch) -> None:
    from hybrid_workbench.batch.runner import run_batch

    job = _job(tmp_path)
    store_path = tmp_path / "b.sqlite"
    with ResultStore(store_path) as store:
        summary = run_batch(job, store, workers=2, progress=False)
        assert summary.ran == len(job.tasks) == 12 and summary.references == 2
        refs = store.references()
        assert len(refs) == 2 and {r["status"] for r in refs.values()} == {"ok"}
        rows = store.rows()
        assert {r["reference_id"] for r in rows} == set(refs)
        # a rerun computes neither the tasks nor the references again
        again = run_batch(job, store, workers=2, progress=False)
        assert again.ran == 0 and again.references == 0
        results = store.results()
    for r in rows:  # the pool's rows are Results too, with the use case's columns beside
        result = results[r["task_id"]]
        assert result.energy == r["energy"] and result.seed == r["seed"] == \
            next(t.seed for t in job.tasks if t.task_id == r["task_id"])
        assert r["attempts"] == 1 and r["objective"] <= _max_cut(r["instance"]) + 1e-9
        if r["backend"] == "exact":
            assert r["status"] == "optimal" and r["objective"] == pytest.approx(_max_cut(r["instance"]))
        assert json.loads(r["outcome"])["metrics"] is not None


def test_an_older_store_gains_the_new_columns(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE tasks (task_id TEXT PRIMARY KEY, usecase TEXT, status TEXT, "
               "error TEXT)")
    db.execute("INSERT INTO tasks VALUES ('a', 'maxcut', 'error', 'executor: BrokenProcessPool')")
    db.commit()
    db.close()
    with ResultStore(path) as store:
        assert store.infrastructure_failures() == {"a"}
        assert store.add({"task_id": "b", "usecase": "maxcut", "status": "optimal", "setup_s": 0.5})
        assert [r["setup_s"] for r in store.rows()] == [None, 0.5]
        assert list(store.rows()[0]) == [*COLUMNS, "reference"]


def test_a_store_in_a_missing_folder_is_one_sentence(tmp_path) -> None:
    with pytest.raises(StoreError) as info:
        ResultStore(tmp_path / "no" / "such" / "x.sqlite")
    assert "folder" in str(info.value) and "does not exist" in str(info.value)
    assert not (tmp_path / "no").exists()
