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
    assert out.returncode == 2
    assert "2000" in out.stderr and "cpsat" in out.stderr and "dwave-sa" in out.stderr
    data = json.loads(out.stdout)  # with --json, the error is one JSON object on stdout too
    assert data["exit_code"] == 2 and "2000" in data["error"]


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


EXCEPTION_NAMES = ("Exception", "Traceback", "ValueError", "TypeError", "KeyError",
                   "OverflowError", "UnicodeDecodeError", "FileNotFoundError")


@pytest.mark.parametrize(("args", "code", "needle"), [
    (["solve", "maxcut"], 2, "Missing argument"),
    (["solve", "maxcut", "G1"], 2, "Missing option"),
    (["frobnicate"], 2, "No such command"),
    (["solve", "maxcut", "G1", "-b", "dwave-tabu", "--time-limit", "nan"], 2,
     "finite positive number of seconds"),
    (["solve", "maxcut", "G1", "-b", "dwave-tabu", "--time-limit", "inf"], 2,
     "finite positive number of seconds"),
    (["solve", "maxcut", "G1", "-b", "dwave-tabu", "--time-limit", "-1"], 2,
     "finite positive number of seconds"),
    (["solve", "maxcut", "G1", "-b", "dwave-sa", "--seed", "99999999999999999999"], 2,
     "--seed must be an integer from 0 to 4294967295"),
    (["solve", "maxcut", "G1", "-b", "dwave-sa", "--seed", "-3"], 2,
     "--seed must be an integer from 0 to 4294967295"),
    (["solve", "maxcut", "G1", "-b", "dwave-sa", "-o", "num_reads"], 2, "key=value"),
    (["backends", "no-such-backend"], 2, "no backend named"),
])
def test_cli_failures_exit_with_the_documented_code(cli, args, code, needle) -> None:
    out = cli(*args)
    assert out.returncode == code, (out.returncode, out.stderr)
    assert needle in out.stderr, out.stderr
    assert not any(name in out.stderr for name in EXCEPTION_NAMES), out.stderr


def test_failures_print_one_json_object_with_json(cli) -> None:
    out = cli("solve", "maxcut", "G1", "-b", "dwave-sa", "--seed", "-3", "--json")
    assert out.returncode == 2
    assert json.loads(out.stdout) == {
        "error": "--seed must be an integer from 0 to 4294967295, got -3", "exit_code": 2}


def test_version_and_backend_options(cli) -> None:
    out = cli("--version")
    assert out.returncode == 0 and out.stdout.startswith("hybrid-workbench ")
    out = cli("backends", "dwave-tabu", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    options = {o["name"]: o for o in data["options"]}
    assert options["num_restarts"]["type"] == "int"
    assert options["num_restarts"]["default"] == 1_000_000
    assert options["num_reads"]["help"] and data["time_limit"] is True


def test_a_failed_run_exits_1() -> None:
    """A solver that fails on a model it accepted is a failed run (1), not a usage error (2)."""
    import subprocess
    import sys

    code = ("from hybrid_workbench.cli import main\n"
            "from hybrid_workbench.backends import dwave\n"
            "from hybrid_workbench.errors import SolverError\n"
            "def broken(self, *a, **k):\n    raise SolverError('the solver gave up')\n"
            "dwave.DWaveSABackend._solve = broken\n"
            "main(['solve', 'maxcut', 'generate:size=6,seed=1', '-b', 'dwave-sa'])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 1 and "the solver gave up" in out.stderr, out.stderr


def test_dotted_option_keys_fill_a_mapping_option() -> None:
    import typer

    from hybrid_workbench.cli import nest_dotted
    from hybrid_workbench.options import parse_option_strings

    parsed = parse_option_strings(["gate_backend=ibm", "gate_options={shots: 64}",
                                   "gate_options.ibm_backend=fake_lagos",
                                   "gate_options.zne_noise_factors=[1, 3]"])
    assert nest_dotted(parsed) == {"gate_backend": "ibm", "gate_options": {
        "shots": 64, "ibm_backend": "fake_lagos", "zne_noise_factors": [1, 3]}}
    with pytest.raises(typer.BadParameter, match="'p' is not a mapping option"):
        nest_dotted(parse_option_strings(["p=2", "p.x=1"]))


def test_dotted_gate_options_reach_the_gate_backend(cli) -> None:
    """``-o gate_options.ibm_backend=...`` arrives in ibm's options (a bad name is named)."""
    pytest.importorskip("qiskit_ibm_runtime")
    out = cli("solve", "maxcut", "generate:size=4,seed=1", "--backend", "qaoa", "-o",
              "path=primitives", "-o", "gate_backend=ibm", "-o",
              "gate_options.ibm_backend=fake_sherbroke", "-o", "p=1")
    assert out.returncode == 2
    assert "'fake_sherbroke' is not a fake device" in out.stderr
    assert "did you mean 'fake_sherbrooke'" in out.stderr


def test_dry_run_is_refused_by_a_backend_without_one(cli) -> None:
    out = cli("solve", "maxcut", "generate:size=6,seed=1", "--backend", "exact", "--dry-run")
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "backend 'exact' has no dry run" in lines[0]


def test_qaoa_dry_run_on_ibm_reports_the_circuit_it_would_submit(cli) -> None:
    """Nothing is submitted; each of the 14 ZZ terms of the p=1 circuit needs at least two
    ECR gates on the device (routing adds more), and the optimiser's calls are bounded."""
    out = cli("solve", "maxcut", "generate:size=8,seed=1", "--backend", "qaoa", "-o",
              "path=primitives", "-o", "gate_backend=ibm", "-o",
              "gate_options.ibm_backend=fake_sherbrooke", "-o", "p=1", "-o", "maxiter=50",
              "--dry-run", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["submitted"] is False and report["gate_backend"] == "ibm"
    assert report["num_qubits"] == 8 and report["two_qubit_gates"] >= 2 * 14
    assert report["operations"]["ecr"] == report["two_qubit_gates"]
    assert report["evaluations_max"] == 50 * 1 + 1
    assert report["estimated_qpu_s_max"] > report["estimated_qpu_s"] > 0


def test_backends_table_prints_extras_literally(cli) -> None:
    """Square brackets in free text (an extra like hybrid-workbench[braket]) are not markup."""
    out = cli("backends")
    assert out.returncode == 0
    text = " ".join(out.stdout.split()).replace("│ ", "")
    assert "hybrid-workbench[braket]" in text.replace(" ", "") or "[braket]" in text
