"""The command line as a user runs it."""

from __future__ import annotations

import json

import pytest


def test_backends_json_lists_all_builtins(cli) -> None:
    out = cli("backends", "--json")
    assert out.returncode == 0, out.stderr
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    for name in ("exact", "dwave-sa", "dwave-tabu", "dwave-greedy", "openjij-sa", "openjij-sqa", "cpsat"):
        assert "bqm" in rows[name]["model_types"]
        assert rows[name]["available"] is True
    assert "cqm" in rows["cpsat"]["model_types"]


def test_usecases_lists_maxcut(cli) -> None:
    out = cli("usecases", "--json")
    assert out.returncode == 0, out.stderr
    assert "maxcut" in {r["name"] for r in json.loads(out.stdout)}


def test_solve_json_contract(cli, tmp_path) -> None:
    path = tmp_path / "g.txt"
    path.write_text("4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n")
    out = cli("solve", "maxcut", str(path), "--backend", "exact", "--seed", "3", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in ("usecase", "instance", "backend", "energy", "objective", "feasible", "solution",
                "wall_s", "seed"):
        assert key in data
    assert data["objective"] == 4 and data["energy"] == -4 and data["feasible"] is True
    assert data["seed"] == 3 and data["backend"] == "exact" and data["usecase"] == "maxcut"


def test_solve_with_options_and_generated_instance(cli) -> None:
    out = cli("solve", "maxcut", "generate:size=12,seed=4", "--backend", "dwave-sa",
              "--option", "num_reads=5", "--option", "num_sweeps=200", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["options"]["num_reads"] == 5


@pytest.mark.parametrize(("args", "needle"), [
    (["solve", "maxcut", "G1", "--backend", "nope"], "no backend named 'nope'"),
    (["solve", "nope", "G1", "--backend", "exact"], "no use case named 'nope'"),
    (["solve", "maxcut", "G1", "--backend", "dwave-sa", "--option", "num_read=3"], "did you mean"),
    (["solve", "maxcut", "missing.txt", "--backend", "exact"], "not found"),
])
def test_errors_are_one_line_and_nonzero(cli, args, needle) -> None:
    out = cli(*args)
    assert out.returncode != 0
    lines = [ln for ln in out.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, out.stderr
    assert needle in lines[0]


def test_exact_refuses_g22_fast(cli, gset_dir) -> None:
    out = cli("solve", "maxcut", "G22", "--backend", "exact", "--json")
    assert out.returncode != 0 and out.stdout == ""
    assert "2000" in out.stderr and "cpsat" in out.stderr and "dwave-sa" in out.stderr


def test_malformed_file_error_names_line(cli, tmp_path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("3 2\n1 2 1\n1 9 1\n")
    out = cli("solve", "maxcut", str(path), "--backend", "exact")
    assert out.returncode != 0 and "line 3" in out.stderr


def test_oversized_instance_is_refused_before_the_model_is_built(gset_dir) -> None:
    """The size check runs on the instance, before formulate: dimod is never imported."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from hybrid_workbench.cli import main\n"
            "try:\n    main(['solve', 'maxcut', 'G22', '--backend', 'exact'])\n"
            "except SystemExit as e:\n    print('exit', e.code, 'dimod' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "exit 2 False", (out.stdout, out.stderr)
