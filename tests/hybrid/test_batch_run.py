"""``hybrid batch``/``results``/``bench``/``demo`` as a user runs them (subprocesses).

Certified values: MaxCut optima by enumerating every partition in the test; failures come
from a third-party plugin backend registered by packaging (a dist-info folder on
PYTHONPATH), so they reach every child process exactly as a real plugin would.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["task_id", "usecase", "instance", "backend", "repeat", "seed", "status", "energy",
           "objective", "feasible", "wall_s", "error"]

PLUGIN = '''
"""A deliberately misbehaving backend, registered by packaging like any third-party one."""
import os
import signal
import time
from dataclasses import dataclass

from hybrid_workbench.backend import SamplerBackend
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved


@dataclass(frozen=True)
class FlakyOptions(BackendOptions):
    mode: str = "raise"      # raise | crash | sleep | pidfile
    seconds: float = 30.0
    path: str = ""           # pidfile: where to append the worker's pid before sleeping


class FlakyBackend(SamplerBackend):
    name = "flaky"
    Options = FlakyOptions
    description = "fails on purpose (tests)"

    def _solve(self, model, options, deadline, seed):
        if options.mode == "raise":
            raise RuntimeError("deliberate failure in flaky")
        if options.mode == "crash":
            os.kill(os.getpid(), signal.SIGKILL)
        if options.mode == "pidfile":  # tell the test which worker runs it, then solve exactly
            import dimod

            with open(options.path, "a") as fh:
                fh.write(f"{os.getppid()}\\n")
            time.sleep(options.seconds)
            return Solved(samples=dimod.ExactSolver().sample(model), status="optimal")
        time.sleep(options.seconds)
        raise RuntimeError("flaky slept and was not stopped")
'''


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-c", "from hybrid_workbench.cli import main; main()", *args]


def run(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(_cmd(*args), capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=ROOT)


def invoke(*args: str):
    """Run a CLI command in this process (for the quick, read-only commands)."""
    from typer.testing import CliRunner

    import hybrid_workbench.cli.batch  # noqa: F401 - registers the batch commands
    from hybrid_workbench.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def install_plugin(folder: Path) -> dict[str, str]:
    """Write the plugin and its dist-info into ``folder``; returns the env that shows it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "flaky_plugin.py").write_text(PLUGIN)
    dist = folder / "flaky_plugin-0.1.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: flaky-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[hybrid_workbench.backends]\nflaky = flaky_plugin:FlakyBackend\n")
    path = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": f"{folder}{os.pathsep}{path}" if path else str(folder)}


def write_job(folder: Path, body: str, name: str = "job.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body).lstrip())
    return path


def store_rows(path: Path) -> list[dict]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM tasks")]
    finally:
        db.close()


def brute_force_maxcut(spec: str) -> float:
    """Maximum cut of a generated MaxCut instance by enumerating every partition."""
    from hybrid_workbench.registry import get_usecase

    inst = get_usecase("maxcut").open(spec)
    best = -np.inf
    for bits in itertools.product((0, 1), repeat=inst.num_nodes - 1):
        side = np.array((0, *bits))
        best = max(best, float(inst.w[side[inst.u] != side[inst.v]].sum()))
    return best


SMALL = """
    name: small
    seed: 3
    repeats: 2
    jobs:
      - usecase: maxcut
        instances: [{generate: {size: 9, kind: erdos, p: 0.5, weights: uniform}, count: 2}]
        backends: [exact, dwave-greedy, dwave-sa]
        options: {dwave-sa: {num_reads: 8, num_sweeps: 300}}
        time_limit: 30
"""


def test_batch_results_and_bench_on_certified_optima(tmp_path) -> None:
    job = write_job(tmp_path, SMALL)
    store = tmp_path / "small.sqlite"
    out = run("batch", str(job), "--store", str(store), "--workers", "2", "--quiet")
    assert out.returncode == 0, out.stderr
    rows = json.loads(invoke("results", str(store), "--format", "json").stdout)
    assert len(rows) == 2 * 3 * 2 and list(rows[0]) == COLUMNS
    optimum = {spec: brute_force_maxcut(spec) for spec in {r["instance"] for r in rows}}
    for r in rows:
        assert r["error"] is None and r["feasible"] is True
        assert r["objective"] == pytest.approx(-r["energy"])
        assert r["objective"] <= optimum[r["instance"]] + 1e-9
        if r["backend"] == "exact":
            assert r["status"] == "optimal" and r["objective"] == optimum[r["instance"]]
    # rerunning stores nothing twice and runs nothing
    again = run("batch", str(job), "--store", str(store), "--quiet")
    assert again.returncode == 0 and "ran 0 task(s)" in again.stderr
    csv = invoke("results", str(store), "--format", "csv")
    assert csv.stdout.splitlines()[0] == ",".join(COLUMNS) and len(csv.stdout.splitlines()) == 13
    invoke("results", str(store), "--format", "parquet", "--output", str(tmp_path / "r.parquet"))
    import pandas as pd

    assert list(pd.read_parquet(tmp_path / "r.parquet").columns) == COLUMNS
    invoke("bench", str(store), "--out", str(tmp_path / "report"))
    md = (tmp_path / "report" / "report.md").read_text()
    assert "best seen (proved optimal by exact)" in md and "![maxcut.png](./maxcut.png)" in md
    assert (tmp_path / "report" / "report.html").is_file()
    summary = pd.read_csv(tmp_path / "report" / "summary.csv")
    exact = summary[summary["backend"] == "exact"]
    assert (exact["success_probability"] == 1.0).all() and (exact["approx_ratio"] == 1.0).all()
    for rec in summary.to_dict("records"):  # the reference is the enumerated optimum
        assert rec["reference"] == optimum[rec["instance"]]


def test_failures_crashes_and_timeouts_are_recorded_and_the_rest_completes(tmp_path) -> None:
    env = install_plugin(tmp_path / "plugin")
    job = write_job(tmp_path, """
        name: failing
        seed: 1
        jobs:
          - usecase: maxcut
            instances: [{generate: {size: 8}}]
            backends: [dwave-greedy, exact, flaky]
            options: {flaky: {mode: raise}}
            time_limit: 20
          - usecase: maxcut
            instances: [{generate: {size: 8}}]
            backends: [flaky]
            options: {flaky: {mode: crash}}
          - usecase: maxcut
            instances: [{generate: {size: 8}}]
            backends: [flaky]
            options: {flaky: {mode: sleep, seconds: 60}}
            time_limit: 1
          - usecase: maxcut
            instances: [{generate: {size: 60, kind: complete, weights: pm1}}]
            backends: [cpsat]
            options: {cpsat: {time_limit: 30}}
            time_limit: 1
    """)
    store = tmp_path / "f.sqlite"
    out = run("batch", str(job), "--store", str(store), "--workers", "2", "--quiet", env=env)
    assert out.returncode == 0, out.stderr
    rows = {(r["backend"], json.loads(r["options"]).get("mode")): r for r in store_rows(store)}
    assert len(rows) == 6
    assert rows[("flaky", "raise")]["status"] == "error"
    assert "RuntimeError: deliberate failure in flaky" in rows[("flaky", "raise")]["error"]
    crash = rows[("flaky", "crash")]   # its child dies by a signal each time: retried twice
    assert crash["status"] == "crashed" and crash["attempts"] == 3
    assert "killed by signal 9" in crash["error"] and "3 attempts" in crash["error"]
    assert all(r["attempts"] == 1 for k, r in rows.items() if k != ("flaky", "crash"))
    assert rows[("flaky", "sleep")]["status"] == "timeout"
    assert rows[("cpsat", None)]["status"] == "timeout"
    assert "time limit 1 s" in rows[("cpsat", None)]["error"]
    optimum = brute_force_maxcut("generate:size=8,seed=1")
    assert rows[("exact", None)]["objective"] == optimum
    assert rows[("dwave-greedy", None)]["status"] == "best_found"


def test_a_killed_worker_is_replaced_and_every_task_stored_once_with_its_real_status(tmp_path) -> None:
    env = install_plugin(tmp_path / "plugin")
    pids = tmp_path / "pids.txt"
    job = write_job(tmp_path, f"""
        name: survive
        seed: 2
        repeats: 3
        jobs:
          - usecase: maxcut
            instances: [{{generate: {{size: 8}}, count: 2}}]
            backends: [exact, dwave-greedy]
          - usecase: maxcut
            instances: [{{generate: {{size: 8}}}}]
            backends: [flaky]
            options: {{flaky: {{mode: pidfile, path: "{pids}", seconds: 1.5}}}}
            repeats: 1
    """)
    store = tmp_path / "s.sqlite"
    proc = subprocess.Popen(_cmd("batch", str(job), "--store", str(store), "--workers", "2",
                                 "--quiet"), cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (pids.is_file() and pids.read_text().strip()):
        time.sleep(0.02)
    worker = int(pids.read_text().split()[0])   # the pool worker running the flaky task
    os.kill(worker, signal.SIGKILL)             # mid-task
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    rows = store_rows(store)
    assert len(rows) == len({r["task_id"] for r in rows}) == 2 * 2 * 3 + 1
    flaky = [r for r in rows if r["backend"] == "flaky"]
    assert len(flaky) == 1 and flaky[0]["attempts"] == 2        # killed once, then finished
    assert len(pids.read_text().split()) == 2 and int(pids.read_text().split()[1]) != worker
    for r in rows:                                             # everything has its real status
        optimum = brute_force_maxcut(r["instance"])
        assert r["error"] is None and r["feasible"] == 1
        if r["backend"] in ("exact", "flaky"):
            assert r["status"] == "optimal" and r["objective"] == optimum
        else:
            assert r["status"] == "best_found" and r["objective"] <= optimum + 1e-9
    assert sum(r["attempts"] for r in rows) == len(rows) + 1
    assert "1 retried after their process died" in err


def test_resume_runs_again_the_tasks_whose_process_died(tmp_path) -> None:
    env = install_plugin(tmp_path / "plugin")
    job = write_job(tmp_path, """
        name: crashing
        jobs:
          - usecase: maxcut
            instances: [{generate: {size: 6}}]
            backends: [exact, flaky]
            options: {flaky: {mode: crash}}
    """)
    store = tmp_path / "c.sqlite"
    out = run("batch", str(job), "--store", str(store), "--workers", "1", "--retries", "0",
              "--quiet", env=env)
    assert out.returncode == 0, out.stderr
    first = {r["backend"]: r for r in store_rows(store)}
    assert first["flaky"]["status"] == "crashed" and first["flaky"]["attempts"] == 1
    plain = run("batch", str(job), "--store", str(store), "--quiet", env=env)
    assert "ran 0 task(s)" in plain.stderr                     # stored once: not rerun
    again = run("batch", str(job), "--store", str(store), "--resume", "--retries", "1",
                "--quiet", env=env)
    assert again.returncode == 0 and "ran 1 task(s)" in again.stderr, again.stderr
    rows = {r["backend"]: r for r in store_rows(store)}
    assert len(rows) == 2 and rows["exact"] == first["exact"]
    assert rows["flaky"]["status"] == "crashed" and rows["flaky"]["attempts"] == 2


def test_killed_batch_resumes_with_every_task_stored_once(tmp_path) -> None:
    job = write_job(tmp_path, """
        name: long
        seed: 5
        repeats: 6
        jobs:
          - usecase: maxcut
            instances: [{generate: {size: 40, kind: regular, degree: 3}, count: 2}]
            backends: [dwave-sa, dwave-greedy]
            options: {dwave-sa: {num_reads: 4, num_sweeps: 4000}}
    """)
    total = 2 * 2 * 6
    store = tmp_path / "long.sqlite"
    proc = subprocess.Popen(_cmd("batch", str(job), "--store", str(store), "--workers", "2",
                                 "--quiet"), cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    before: list[dict] = []
    while time.monotonic() < deadline and proc.poll() is None:
        if store.is_file():
            try:
                before = store_rows(store)
            except sqlite3.OperationalError:  # the table is not created yet
                before = []
            if len(before) >= 3:
                break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)   # the whole batch, mid-run
    proc.wait()
    before = store_rows(store)
    assert 3 <= len(before) < total, "the batch was not killed mid-run"
    out = run("batch", str(job), "--store", str(store), "--resume", "--workers", "2", "--quiet")
    assert out.returncode == 0, out.stderr
    assert f"{len(before)} already stored" in out.stderr
    after = store_rows(store)
    ids = [r["task_id"] for r in after]
    assert len(ids) == len(set(ids)) == total
    db = sqlite3.connect(store)
    assert db.execute("SELECT COUNT(*) FROM tasks").fetchone()[0] == total
    assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 2
    db.close()
    unchanged = {r["task_id"]: r for r in after}
    for r in before:  # rows that had finished were kept, not rerun
        assert unchanged[r["task_id"]] == r
    assert all(r["status"] == "best_found" and r["feasible"] == 1 for r in after)


def test_dask_cluster_gives_the_same_rows_as_the_local_pool(tmp_path) -> None:
    distributed = pytest.importorskip("distributed")
    job = write_job(tmp_path, SMALL.replace("repeats: 2", "repeats: 1"))
    local = run("batch", str(job), "--store", str(tmp_path / "local.sqlite"), "--quiet")
    assert local.returncode == 0, local.stderr
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        remote = run("batch", str(job), "--store", str(tmp_path / "dask.sqlite"), "--scheduler",
                     address, "--quiet")
    assert remote.returncode == 0, remote.stderr
    keys = ("task_id", "usecase", "instance", "backend", "repeat", "seed", "status", "energy",
            "objective", "feasible")
    a = sorted(tuple(r[k] for k in keys) for r in store_rows(tmp_path / "local.sqlite"))
    b = sorted(tuple(r[k] for k in keys) for r in store_rows(tmp_path / "dask.sqlite"))
    assert len(a) == 6 and a == b
    runs = sqlite3.connect(tmp_path / "dask.sqlite").execute("SELECT scheduler FROM runs").fetchall()
    assert runs == [(address,)]


def test_unreachable_scheduler_and_bad_job_are_one_line_errors(tmp_path) -> None:
    job = write_job(tmp_path, SMALL)
    out = run("batch", str(job), "--scheduler", "tcp://127.0.0.1:9", "--quiet")
    assert out.returncode != 0
    assert len(out.stderr.strip().splitlines()) == 1 and "Dask scheduler" in out.stderr
    bad = write_job(tmp_path, "name: x\njobs:\n  - usecase: nope\n    instances: [a.txt]\n"
                              "    backends: [nope]\n", "bad.yaml")
    out = run("batch", str(bad))
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.yaml:3: jobs[0].usecase: unknown use case 'nope'" in lines[0]
    assert "bad.yaml:4: jobs[0].instances[0]: instance file 'a.txt' not found" in lines[0]
    assert "bad.yaml:5: jobs[0].backends[0]: unknown backend 'nope'" in lines[0]
    assert not (tmp_path / "bad.sqlite").exists()


def test_demo_quick_writes_its_report(tmp_path) -> None:
    # every use case of demo.yaml runs in the full demo; the test keeps to the real market
    out = run("demo", "--quick", "--usecases", "portfolio", "--out", str(tmp_path / "demo"),
              "--quiet", "--workers", "2")
    assert out.returncode == 0, out.stderr
    md = (tmp_path / "demo" / "report.md").read_text()
    assert "| portfolio | hangseng31 | 1 s |" in md and "## portfolio" in md
    page = (tmp_path / "demo" / "report.html").read_text()
    assert "src='data:image/png;base64," in page and "src='portfolio.png'" not in page
    assert (tmp_path / "demo" / "portfolio.png").stat().st_size > 1000
    assert (tmp_path / "demo" / "demo-job.yaml").is_file()
    rows = store_rows(tmp_path / "demo" / "demo.sqlite")
    assert {"cpsat", "gurobi"} <= {r["backend"] for r in rows}
    assert len({r["seed"] for r in rows if r["backend"] == "cpsat"}) == 3
    optimum = brute_force_portfolio()
    for r in rows:  # nothing beats the optimum; what claims a proof has it
        assert r["objective"] is None or r["objective"] <= optimum + 1e-9
        if r["status"] == "optimal":
            assert r["objective"] == pytest.approx(optimum, abs=1e-9)


def brute_force_portfolio() -> float:
    """Best ``mu.w - lambda w'Sigma w`` over every 5-asset choice of the shipped Hang Seng file."""
    data = json.loads((ROOT / "hybrid" / "datasets" / "portfolio" / "hangseng31.json").read_text())
    mu, sigma, k = np.array(data["mu"]), np.array(data["sigma"]), data["k"]
    picks = np.array(list(itertools.combinations(range(len(mu)), k)))
    ret = mu[picks].sum(axis=1) / k
    risk = sigma[picks[:, :, None], picks[:, None, :]].sum(axis=(1, 2)) / k ** 2
    return float((ret - data["risk_aversion"] * risk).max())