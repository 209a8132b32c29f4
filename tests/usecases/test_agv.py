"""AGV routing: file format and errors, conflict rules, certified optima on every solver.

Optima are certified by the independent references in ``test_agv_reference.py``
(exhaustive joint-movement search for free routing, depth-first enumeration of candidate
combinations for route selection), never by the use case's own earlier output.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from hybrid_workbench.errors import InstanceError, InstanceFormatError, OptionsError
from hybrid_workbench.registry import all_backends
from hybrid_workbench.usecases.agv import AGV
from hybrid_workbench.usecases.agv.conflicts import find_conflicts
from hybrid_workbench.usecases.agv.freerouting import free_routing
from hybrid_workbench.usecases.agv.instance import AGVInstance, load_instance

_spec = importlib.util.spec_from_file_location(
    "agv_reference", Path(__file__).with_name("test_agv_reference.py"))
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)

UC = AGV()

DEMO = {"name": "demo",
        "grid": {"rows": 6, "cols": 6, "blocked": [[1, 0], [4, 1]]},
        "agvs": [{"id": "a0", "start": [0, 2], "goal": [5, 2], "release": 0}],
        "horizon": 30,
        "candidates": {"a0": [[[0, 2], [1, 2], [2, 2], [3, 2], [4, 2], [5, 2]]]}}

# a crossing: a0 goes down column 2, a1 goes along row 2; both shortest paths meet at (2, 2)
CROSS = {"name": "cross", "grid": {"rows": 5, "cols": 5},
         "agvs": [{"id": "a0", "start": [0, 2], "goal": [4, 2], "release": 0},
                  {"id": "a1", "start": [2, 0], "goal": [2, 4], "release": 0},
                  {"id": "a2", "start": [4, 0], "goal": [0, 4], "release": 1}],
         "horizon": 12}


def write(tmp_path: Path, data: dict, name: str = "inst.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def tiny_random(seed: int, agvs: int = 2) -> AGVInstance | None:
    """A random tiny floor (2-3 x 3-4 cells, maybe one blocked cell) and fleet."""
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(2, 4)), int(rng.integers(3, 5))
    cells = [[r, c] for r in range(rows) for c in range(cols)]
    blocked = [cells[int(rng.integers(len(cells)))]] if rng.random() < 0.5 else []
    free = [c for c in cells if c not in blocked]
    pick = rng.permutation(len(free))
    fleet = [{"id": f"v{i}", "start": free[pick[2 * i]], "goal": free[pick[2 * i + 1]],
              "release": int(rng.integers(0, 2))} for i in range(agvs)]
    data = {"grid": {"rows": rows, "cols": cols, "blocked": blocked}, "agvs": fleet,
            "horizon": rows + cols + 3}
    try:
        return AGVInstance.from_dict(data)
    except InstanceError:
        return None  # unreachable goal: not a valid instance


# -- instances and errors ------------------------------------------------------------------
def test_issue_example_loads_and_round_trips(tmp_path) -> None:
    inst = load_instance(write(tmp_path, DEMO))
    assert inst.num_nodes == 34 and inst.candidates["a0"][0][0] == inst.index[(0, 2)]
    again = AGVInstance.from_dict(json.loads(json.dumps(inst.to_json_dict())))
    assert again.labels == inst.labels and again.candidates == inst.candidates
    out = UC.solve(inst, "exact", seed=0)
    assert out.evaluation.feasible and out.evaluation.objective == 5.0
    assert out.solution["routes"]["a0"]["cells"] == DEMO["candidates"]["a0"][0]


@pytest.mark.parametrize(("patch", "what"), [
    ({"agvs": [{"id": "a", "start": [9, 0], "goal": [0, 1]}]}, r"agvs\[0\]\.start: unknown cell"),
    ({"agvs": [{"id": "a", "start": [1, 0], "goal": [0, 1]}]}, r"agvs\[0\]\.start: cell \[1, 0\] is blocked"),
    ({"agvs": [{"id": "a", "start": [0, 0], "goal": [0, 1]},
               {"id": "a", "start": [0, 3], "goal": [0, 1]}]}, "duplicate AGV id"),
    ({"grid": {"rows": 3, "cols": 3, "blocked": [[0, 1], [1, 1], [2, 1]]},
      "agvs": [{"id": "a", "start": [0, 0], "goal": [0, 2]}]}, "unreachable"),
    ({"horizon": 2}, "raise the horizon"),
    ({"horizn": 9}, "unknown field"),
    ({"agvs": [{"id": "a", "start": [0, 0], "goal": [0, 3], "speed": 2}]}, r"unknown field.*speed"),
    ({"candidates": {"a0": [[[0, 2], [2, 2], [3, 2], [4, 2], [5, 2]]]}}, "not adjacent"),
    ({"candidates": {"a0": [[[0, 2], [1, 2], [0, 2]]]}}, "not at the AGV's goal"),
    ({"candidates": {"zz": [[[0, 2]]]}}, "unknown AGV"),
    ({"agvs": [{"id": "a", "start": [0, 0], "goal": [0, 3], "release": 1},
               {"id": "b", "start": [0, 0], "goal": [0, 4], "release": 1}],
      "candidates": None}, "unavoidable conflict"),
])
def test_bad_instances_name_the_field(tmp_path, patch: dict, what: str) -> None:
    data = {**DEMO, **patch}
    if "agvs" in patch and "candidates" not in patch:
        data.pop("candidates")
    with pytest.raises(InstanceError, match=what):
        load_instance(write(tmp_path, data))


def test_bad_json_names_the_line_and_missing_file(tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"grid": {"rows": 3,\n "cols": 3},\n "agvs": [,]}')
    with pytest.raises(InstanceFormatError, match="line 3"):
        load_instance(path)
    with pytest.raises(InstanceError, match="no such file"):
        UC.open(tmp_path / "missing.json")


def test_general_graph_form(tmp_path) -> None:
    data = {"graph": {"nodes": ["A", "B", "C", "D"], "edges": [["A", "B"], ["B", "C"], ["B", "D"]]},
            "agvs": [{"id": "x", "start": "A", "goal": "C"}, {"id": "y", "start": "C", "goal": "A"}],
            "horizon": 8}
    inst = load_instance(write(tmp_path, data))
    expected = ref.joint_optimum(inst.adjacency, [(v.start, v.goal, v.release)
                                                  for v in inst.vehicles], inst.horizon)
    assert expected == 7  # the same siding case as the hand-checked reference
    sol = UC.baseline(inst, time_limit=20, num_workers=1)
    ev = UC.evaluate(inst, sol)
    assert sol["status"] == "optimal" and ev.feasible and ev.objective == expected
    assert not ref.check_solution(data, sol)
    bad = {**data, "agvs": [{"id": "x", "start": "A", "goal": "Z"}]}
    with pytest.raises(InstanceFormatError, match="unknown node 'Z'"):
        load_instance(write(tmp_path, bad))


def test_generator_is_seeded_and_validates_parameters() -> None:
    a, b = UC.generate(seed=4, agvs=12), UC.generate(seed=4, agvs=12)
    assert a.to_json_dict() == b.to_json_dict() and a.num_agvs == 12
    assert a.to_json_dict() != UC.generate(seed=5, agvs=12).to_json_dict()
    assert len({(v.start, v.release) for v in a.vehicles}) == 12
    with pytest.raises(InstanceError, match="unknown parameter"):
        UC.generate(seed=0, agv=3)
    with pytest.raises(InstanceError, match="agvs must be"):
        UC.generate(seed=0, agvs=0)


# -- conflict rules --------------------------------------------------------------------------
def test_conflict_rules_match_the_reference() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        r1 = list(rng.integers(0, 4, size=int(rng.integers(1, 6))))
        r2 = list(rng.integers(0, 4, size=int(rng.integers(1, 6))))
        rel1, rel2 = int(rng.integers(0, 3)), int(rng.integers(0, 3))
        found = find_conflicts([("a", rel1, r1), ("b", rel2, r2)])
        assert bool(found) == ref.routes_conflict(r1, rel1, r2, rel2), (r1, rel1, r2, rel2)


def test_evaluate_reports_conflicts_and_kpis(tmp_path) -> None:
    inst = AGVInstance.from_dict(CROSS)
    naive = UC.naive(inst)
    ev = UC.evaluate(inst, naive)
    assert not ev.feasible and ev.metrics["conflicts"]["count"] >= 1
    assert ev.objective == inst.lower_bound() == 4 + 4 + 9
    first = ev.metrics["conflicts"]["list"][0]
    assert first == {"kind": "vertex", "time": 2, "agvs": ["a0", "a1"], "nodes": [[2, 2]]}
    assert ev.metrics["utilisation"] == 1.0 and ev.metrics["route_efficiency"] == 1.0
    assert ref.check_solution(CROSS, naive) == ["conflict a0-a1"]


# -- free routing: CP-SAT against exhaustive joint search --------------------------------------
@pytest.mark.parametrize("seed", range(8))
def test_free_routing_matches_brute_force(seed: int) -> None:
    inst = tiny_random(seed, agvs=2 if seed < 6 else 3)
    if inst is None:
        pytest.skip("random floor left a goal unreachable")
    expected = ref.joint_optimum(inst.adjacency, [(v.start, v.goal, v.release)
                                                  for v in inst.vehicles], inst.horizon)
    res = free_routing(inst, time_limit=30, num_workers=1)
    if expected is None:
        assert res.status == "infeasible"
        return
    assert res.status == "optimal" and res.total == expected
    sol = UC.baseline(inst, time_limit=30, num_workers=1)
    assert not ref.check_solution(inst.to_json_dict(), sol)
    assert UC.evaluate(inst, sol).objective == expected


def test_free_routing_on_the_crossing_and_makespan() -> None:
    two = AGVInstance.from_dict({**CROSS, "agvs": CROSS["agvs"][:2], "horizon": 9})
    expected = ref.joint_optimum(two.adjacency, [(v.start, v.goal, v.release)
                                                 for v in two.vehicles], two.horizon)
    sol = UC.baseline(two, time_limit=30, num_workers=1)
    assert UC.evaluate(two, sol).objective == expected == 9  # one of them waits one step
    inst = AGVInstance.from_dict(CROSS)
    sol = UC.baseline(inst, time_limit=30, num_workers=1)
    ev = UC.evaluate(inst, sol)
    assert ev.feasible and not ref.check_solution(CROSS, sol)
    assert inst.lower_bound() < ev.objective <= UC.evaluate(inst, UC.prioritised(inst)).objective
    span = UC.baseline(inst, time_limit=30, num_workers=1, objective="makespan")
    assert UC.evaluate(inst, span).metrics["makespan"] <= ev.metrics["makespan"]


# -- route selection with given candidates ------------------------------------------------------
def crossing_with_candidates() -> tuple[AGVInstance, dict]:
    """The crossing, with every AGV given shortest paths and delayed copies (explicit)."""
    inst = AGVInstance.from_dict(CROSS)
    from hybrid_workbench.usecases.agv.candidates import generate_candidates

    cands = generate_candidates(inst, num_paths=2, max_delay=2, max_candidates=6,
                                planned=False)
    given = inst.with_candidates(cands)
    return given, given.to_json_dict()


def reference_selection(data: dict) -> int | None:
    inst = AGVInstance.from_dict(data)
    cands = {a: [list(r) for r in routes] for a, routes in inst.candidates.items()}
    return ref.selection_optimum(cands, {v.id: v.release for v in inst.vehicles})[0]


@pytest.mark.parametrize("backend", ["cpsat", "exact", "dwave-sa", "openjij-sa"])
def test_route_selection_optimum_small(backend: str, tmp_path) -> None:
    inst, data = crossing_with_candidates()
    expected = reference_selection(data)
    assert expected is not None
    n = sum(len(r) for r in inst.candidates.values())
    if backend == "exact":
        assert n <= 30
    path = write(tmp_path, data)
    out = UC.solve(UC.open(path), backend, seed=1)
    assert out.evaluation.feasible and out.evaluation.objective == expected
    assert not ref.check_solution(data, out.solution)
    if backend == "exact":  # the ground state is feasible without any repair
        assert not out.evaluation.metrics["repair"]["applied"]
        assert out.result.energy == expected  # a feasible state's energy is its total arrival


def test_route_selection_infeasible_is_reported(tmp_path) -> None:
    data = {"grid": {"rows": 1, "cols": 4},
            "agvs": [{"id": "a", "start": [0, 0], "goal": [0, 3]},
                     {"id": "b", "start": [0, 3], "goal": [0, 0]}], "horizon": 9,
            "candidates": {"a": [[[0, 0], [0, 1], [0, 2], [0, 3]]],
                           "b": [[[0, 3], [0, 2], [0, 1], [0, 0]],
                                 [[0, 3], [0, 3], [0, 2], [0, 1], [0, 0]]]}}
    inst = load_instance(write(tmp_path, data))
    assert reference_selection(data) is None
    cp = UC.solve(inst, "cpsat", seed=0)
    assert cp.result.status == "infeasible" and not cp.evaluation.feasible
    ex = UC.solve(inst, "exact", seed=0)
    assert not ex.evaluation.feasible and ex.evaluation.metrics["conflicts"]["count"] >= 1
    assert ex.evaluation.metrics["repair"]["conflicts_after"] >= 1


def test_candidate_options_conflict_with_given_candidates() -> None:
    inst, _ = crossing_with_candidates()
    with pytest.raises(OptionsError, match="gives its own candidate routes"):
        UC.formulate(inst, model_kind="bqm", max_delay=1)
    with pytest.raises(OptionsError, match="unknown option 'penalties'.*did you mean 'penalty'"):
        UC.formulate(inst, model_kind="bqm", penalties=3)
    with pytest.raises(OptionsError, match="makespan"):
        UC.formulate(inst, model_kind="bqm", objective="makespan")
    # the same mistakes are refused by solve before any model is built, on any backend
    with pytest.raises(OptionsError, match="gives its own candidate routes"):
        UC.solve(inst, "exact", formulation_options={"max_delay": 1})
    with pytest.raises(OptionsError, match="makespan"):
        UC.solve(inst, "exact", formulation_options={"objective": "makespan",
                                                     "model_kind": "bqm"})


@pytest.mark.parametrize("seed", range(4))
def test_bqm_ground_states_are_feasible_optima(seed: int) -> None:
    """Penalty bound: the exact ground state of the automatic BQM is the certified optimum."""
    from hybrid_workbench.registry import get_backend

    inst = UC.generate(seed=seed, agvs=3, bands=1, blocks=2, max_release=1)
    form = UC.formulate(inst, model_kind="bqm", num_paths=2, max_delay=2, max_candidates=6,
                        planned=False)
    sel = UC.selection(form)
    expected, _ = ref.selection_optimum({a: [list(r) for r in rs] for a, rs in sel.candidates.items()},
                                        {v.id: v.release for v in inst.vehicles})
    res = get_backend("exact").solve(form.model, seed=0)
    raw = form.decode(res.sample)
    if expected is None:
        assert res.energy >= min(sel.bounds)  # every state pays a penalty
        return
    assert all(len(ks) == 1 for ks in raw.values())
    assert res.energy == pytest.approx(expected)


def test_repair_is_reported_not_silent() -> None:
    from hybrid_workbench.result import Result, Timing

    inst, _ = crossing_with_candidates()
    form = UC.formulate(inst, model_kind="bqm")
    sample = {v: 0 for v in form.model.variables}
    sample[("a0", 0)] = sample[("a0", 1)] = 1  # two routes for a0, none for the others
    res = Result(backend="hand", backend_version="0", model_kind="bqm", energy=0.0,
                 sample=sample, samples=None, timing=Timing(wall_s=0.0))
    sol = UC.interpret(inst, form, res)
    rep = UC.evaluate(inst, sol).metrics["repair"]
    assert rep["applied"] and {v["agv"] for v in rep["one_hot_violations"]} == {"a0", "a1", "a2"}
    assert rep["conflicts_after"] == 0
    assert not ref.check_solution(inst.to_json_dict(), sol)


# -- every backend: conflict-free or reported infeasible ---------------------------------------
def _backends() -> list[str]:
    return sorted(n for n, b in all_backends().items()
                  if b.available() is True and {"bqm", "cqm"} & set(b.model_kinds))


@pytest.mark.parametrize("name", _backends())
def test_every_backend_is_validated(name: str) -> None:
    inst = UC.generate(seed=2, agvs=3, bands=1, blocks=2)
    be = all_backends()[name]
    kind = UC.choose_model_kind(be)
    opts = dict(num_paths=2, max_delay=1, max_candidates=3)
    form = UC.formulate(inst, model_kind=kind, **opts)
    if be.supports(form.model) is not True:
        pytest.skip(str(be.supports(form.model)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = UC.solve(inst, be, seed=0, formulation_options=opts)
    problems = ref.check_solution(inst.to_json_dict(), out.solution)
    assert out.evaluation.feasible == (not problems), problems


def test_cli_solve_json(cli, tmp_path) -> None:
    path = write(tmp_path, CROSS)
    proc = cli("solve", "agv", str(path), "--backend", "cpsat", "--seed", "0", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    routes = data["solution"]["routes"]
    assert data["feasible"] is True and not ref.check_solution(CROSS, data["solution"])
    assert data["objective"] == sum(r["arrival"] for r in routes.values())
    assert data["metrics"]["conflicts"]["count"] == 0 and "repair" in data["metrics"]
    bad = write(tmp_path, {**CROSS, "horizon": 1}, "bad.json")
    proc = cli("solve", "agv", str(bad), "--backend", "dwave-sa", "--json")
    assert proc.returncode != 0 and "horizon" in (proc.stderr + proc.stdout)


@pytest.mark.parametrize("backend", ["dwave-sa", "openjij-sa"])
def test_annealers_reach_the_optimum_6x16(backend: str) -> None:
    """6 AGVs x 16 candidates (95 variables): annealers find the enumerated optimum."""
    inst = UC.generate(seed=3, agvs=6, bands=2, blocks=2, max_release=2)
    fo = dict(num_paths=2, max_delay=7, max_candidates=16, max_detour=8, planned=False)
    sel = UC.selection(UC.formulate(inst, model_kind="bqm", **fo))
    assert sel.num_variables == 95 and max(len(r) for r in sel.candidates.values()) == 16
    expected, _ = ref.selection_optimum({a: [list(r) for r in rs] for a, rs in sel.candidates.items()},
                                        {v.id: v.release for v in inst.vehicles})
    out = UC.solve(inst, backend, seed=1, options={"num_reads": 30, "num_sweeps": 1000},
                   formulation_options=fo)
    assert out.evaluation.feasible and out.evaluation.objective == expected == 64
    assert not out.evaluation.metrics["repair"]["applied"]
