"""Core contracts: light import, options, results, registry, solve()."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from pathlib import Path

import dimod
import pytest

import hybrid_workbench as hw
from hybrid_workbench import registry
from hybrid_workbench.backend import Backend
from hybrid_workbench.errors import (
    BackendNotFoundError,
    OptionsError,
    ProblemTooLargeError,
    UnsupportedModelError,
    WorkbenchError,
)
from hybrid_workbench.options import BackendOptions, parse_option_strings
from hybrid_workbench.result import Result, Solved, Status, Timing

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("qiskit", "qiskit_aer", "cupy", "pyscf", "openjij", "ortools", "torch")


def test_import_resolves_to_this_project_and_is_light() -> None:
    code = ("import sys, json, hybrid_workbench as hw; "
            "print(json.dumps({'file': hw.__file__, "
            "'mods': sorted({m.split('.')[0] for m in sys.modules})}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert Path(data["file"]).resolve() == (ROOT / "hybrid" / "__init__.py").resolve()
    loaded = set(data["mods"]) & set(HEAVY)
    assert not loaded, f"import hybrid_workbench loaded heavy modules: {loaded}"


def test_installs_beside_dwave_hybrid() -> None:
    """Ocean's dwave-hybrid owns the top-level name `hybrid`; both import in one process."""
    code = ("import json, hybrid, hybrid_workbench as hw; "
            "print(json.dumps({'ocean': hybrid.__file__, 'ours': hw.__file__, "
            "'runnable': hasattr(hybrid, 'Runnable'), 'solve': callable(hw.solve)}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd="/")
    data = json.loads(out.stdout)
    assert data["runnable"] and data["solve"]
    assert "site-packages" in data["ocean"]
    assert Path(data["ours"]).resolve() == (ROOT / "hybrid" / "__init__.py").resolve()


def test_distribution_has_one_top_level_package() -> None:
    import importlib.metadata as md

    dist = md.distribution("hybrid-workbench")
    tops = set()
    for f in dist.files or ():
        head = f.parts[0]
        if (head.endswith((".dist-info", ".pth")) or head.startswith("__editable__")
                or head in ("..", "__pycache__")):  # console script, finder's cache
            continue
        tops.add(head.removesuffix(".py"))
    # An editable install records only its finder; the mapping names the packages.
    mapping = ROOT / "pyproject.toml"
    import tomllib

    pkgs = tomllib.loads(mapping.read_text())["tool"]["setuptools"]["packages"]
    tops |= {p.split(".")[0] for p in pkgs}
    assert tops == {"hybrid_workbench"}, tops


def test_registry_lists_backends_without_loading_heavy_modules() -> None:
    code = ("import sys, hybrid_workbench as hw; bs = hw.all_backends(); "
            "[b.available() for b in bs.values()]; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(%r)))" % (HEAVY,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_options_reject_unknown_and_coerce_strings() -> None:
    @dataclass(frozen=True)
    class Opts(BackendOptions):
        num_reads: int = 1
        beta: float = 1.0
        flag: bool = False
        pair: tuple[float, float] | None = None

    o = Opts.from_mapping(parse_option_strings(["num_reads=5", "beta=2", "flag=true",
                                                "pair=[0.1, 3]"]))
    assert (o.num_reads, o.beta, o.flag, o.pair) == (5, 2.0, True, (0.1, 3.0))
    with pytest.raises(OptionsError, match="did you mean 'num_reads'"):
        Opts.from_mapping({"num_read": 3})
    with pytest.raises(OptionsError, match="must be an integer"):
        Opts.from_mapping({"num_reads": "many"})
    with pytest.raises(OptionsError, match="key=value"):
        parse_option_strings(["num_reads"])


def test_result_json_roundtrip_keeps_labels_and_samples() -> None:
    bqm = dimod.BinaryQuadraticModel({("a", 1): 1.0}, {(("a", 1), "b"): -1.0}, 0.0, "SPIN")
    r = hw.solve(bqm, "exact", seed=3)
    back = Result.from_json(r.to_json())
    assert back == r
    assert dict(back.sample) == dict(r.sample)
    assert back.samples.first.energy == r.energy
    row = r.to_row()
    assert row["backend"] == "exact" and row["energy"] == r.energy and row["wall_s"] >= 0
    with pytest.raises(TypeError):
        r.options["x"] = 1  # immutable


def test_result_rejects_unknown_status() -> None:
    with pytest.raises(ValueError):
        Result(backend="x", backend_version="1", model_kind="bqm", energy=0.0, sample={},
               samples=None, timing=Timing(0.0), status="great")


def test_errors_share_one_root() -> None:
    for exc in (BackendNotFoundError, OptionsError, UnsupportedModelError, ProblemTooLargeError):
        assert issubclass(exc, WorkbenchError)


def test_unknown_backend_suggests_close_name() -> None:
    with pytest.raises(BackendNotFoundError, match="dwave-sa"):
        hw.get_backend("dwave_sa")


def test_broken_plugin_is_a_warning_not_a_crash(monkeypatch) -> None:
    reg = registry._Registry("test.group", "backend", BackendNotFoundError)
    broken = EntryPoint(name="broken-one", value="no_such_module_xyz:Thing", group="test.group")
    monkeypatch.setattr(reg, "_entry_points", {"broken-one": broken})
    with pytest.warns(registry.PluginLoadWarning, match="failed to load"):
        assert reg.all() == {}
    with pytest.raises(BackendNotFoundError, match="failed to load"):
        reg.get("broken-one")


def test_invalid_plugin_names_are_refused() -> None:
    with pytest.raises(ValueError):
        hw.register_backend(type("X", (), {"name": "Bad Name"}))


def test_third_party_backend_registers_and_solves() -> None:
    @dataclass(frozen=True)
    class NoOptions(BackendOptions):
        pass

    class AllUp(Backend):
        name = "all-up-test"
        model_kinds = ("bqm",)
        Options = NoOptions

        def _solve(self, model, options, deadline, seed):
            sample = {v: 1 for v in model.variables}
            return Solved(dimod.SampleSet.from_samples_bqm(sample, model))

    hw.register_backend(AllUp)
    bqm = dimod.BinaryQuadraticModel({"x": 2.0}, {}, 0.0, "BINARY")
    r = hw.solve(bqm, "all-up-test", seed=1)
    assert r.energy == 2.0 and r.backend == "all-up-test" and r.seed == 1


def test_seed_is_drawn_and_recorded() -> None:
    bqm = dimod.BinaryQuadraticModel({"x": 1.0}, {}, 0.0, "SPIN")
    r = hw.solve(bqm, "dwave-sa")
    assert isinstance(r.seed, int) and r.seed >= 0
    again = hw.solve(bqm, "dwave-sa", seed=r.seed)
    assert dict(again.sample) == dict(r.sample)
    for bad in (-1, 2**32, 99999999999999999999, 1.5, True):
        with pytest.raises(OptionsError, match="seed must be an integer from 0 to 4294967295"):
            hw.solve(bqm, "dwave-sa", seed=bad)
    for bad in (float("nan"), float("inf"), 0, -2):
        with pytest.raises(OptionsError, match="finite positive number of seconds"):
            hw.solve(bqm, "dwave-tabu", time_limit=bad)


def test_exact_refuses_large_model_naming_size_and_alternatives() -> None:
    bqm = dimod.BinaryQuadraticModel({i: 1.0 for i in range(31)}, {}, 0.0, "SPIN")
    with pytest.raises(ProblemTooLargeError) as info:
        hw.solve(bqm, "exact")
    msg = str(info.value)
    assert "31" in msg and "dwave-sa" in msg and "cpsat" in msg


def test_time_limit_on_backend_without_one_warns() -> None:
    bqm = dimod.BinaryQuadraticModel({"x": 1.0}, {}, 0.0, "SPIN")
    with pytest.warns(UserWarning, match="cannot honour a time limit"):
        hw.solve(bqm, "dwave-greedy", time_limit=1.0)
    r = hw.solve(bqm, "cpsat", time_limit=2.0)
    assert r.options["time_limit"] == 2.0


def test_status_values() -> None:
    assert Status.OPTIMAL in Status.ALL
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = hw.solve(dimod.BinaryQuadraticModel({"a": -1.0}, {}, 0.0, "BINARY"), "exact")
    assert r.proved_optimal


def test_sampler_backends_are_dimod_samplers_whenever_dimod_is_imported() -> None:
    code = ("import hybrid_workbench as hw, dimod\n"
            "b = hw.get_backend('dwave-sa')\n"
            "print(isinstance(b, dimod.Sampler))\n")
    for prelude in ("", "import dimod\n"):
        out = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True,
                             text=True, check=True)
        assert out.stdout.strip() == "True"
    composite = dimod.TrackingComposite(hw.get_backend("dwave-sa"))
    ss = composite.sample_ising({}, {("a", "b"): -1.0}, num_reads=2, seed=1)
    assert ss.first.energy == -1.0


def test_every_package_folder_is_listed_for_the_wheel() -> None:
    """The mapped layout needs an explicit package list; a new subpackage must join it."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())
                 ["tool"]["setuptools"]["packages"])
    prefix = {"hybrid": "hybrid_workbench", "backends": "hybrid_workbench.backends",
              "usecases": "hybrid_workbench.usecases"}
    found = set()
    for folder, package in prefix.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *rel)))
    assert found == listed, (f"missing from pyproject: {sorted(found - listed)}; "
                             f"listed but absent: {sorted(listed - found)}")
