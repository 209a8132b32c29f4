"""Peptide (HP lattice folding): validation, certified optima, QUBO ground states, CLI."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.usecases.peptide import Peptide
from hybrid_workbench.usecases.peptide.enumerate import enumerate_folds
from hybrid_workbench.usecases.peptide.lattice import check_fold, parse_instance, unit_vectors
from hybrid_workbench.usecases.peptide.qubo import build_grid_qubo, variable_label

PEP = Peptide()


def naive_optimum(seq: str, lattice: str) -> int:
    """Lowest energy over *every* walk from the origin (no symmetry cut, no bound)."""
    inst = parse_instance({"sequence": seq, "lattice": lattice})
    steps = unit_vectors(inst.dim)
    best = 0
    for walk in itertools.product(range(len(steps)), repeat=len(seq) - 1):
        pts = [(0,) * inst.dim]
        for s in walk:
            pts.append(tuple(a + b for a, b in zip(pts[-1], steps[s])))
        if len(set(pts)) < len(pts):
            continue
        check = check_fold(inst, pts)
        best = min(best, check.energy)
    return best


@pytest.mark.parametrize(("data", "what"), [
    ({"sequence": "HPXH"}, "only contain H and P"),
    ({"sequence": "H"}, "at least 2"),
    ({"sequence": "HPPH", "lattice": "hex"}, "square, cubic"),
    ({"sequence": 7}, "string of H and P"),
    ({"sequence": "HPPH", "colour": 1}, "unknown field"),
])
def test_bad_instances_are_refused(tmp_path, data, what) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InstanceError, match=what):
        PEP.load(path)


def test_file_formats(tmp_path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"sequence": "HPHPPHHPHH",\n "lattice": "cubic"}')
    inst = PEP.load(path)
    assert (inst.sequence, inst.lattice, inst.name) == ("HPHPPHHPHH", "cubic", "p")
    path.write_text('{"sequence": "HPH",\n "lattice": }')
    with pytest.raises(InstanceFormatError, match="line 2"):
        PEP.load(path)
    txt = tmp_path / "s.txt"
    txt.write_text("# a comment\nhpphh\n")
    assert PEP.load(txt, lattice="cubic").sequence == "HPPHH"
    assert PEP.load("HPPH").lattice == "square"
    with pytest.raises(InstanceError, match="not found"):
        PEP.load("no/such/file.json")
    with pytest.raises(InstanceError, match="unknown peptide parameter"):
        PEP.load("HPPH", colour="red")
    a, b = PEP.generate(seed=3, length=9), PEP.generate(seed=3, length=9)
    assert a == b and a.length == 9


@pytest.mark.parametrize("lattice,length,count", [("square", 8, 4), ("cubic", 6, 3)])
def test_enumeration_matches_naive_search(lattice, length, count) -> None:
    rng = np.random.default_rng(length)
    for _ in range(count):
        seq = "".join(rng.choice(["H", "P"], size=length))
        res = enumerate_folds(parse_instance({"sequence": seq, "lattice": lattice}))
        assert res.energy == naive_optimum(seq, lattice), seq


def test_standard_benchmark_sequence_20() -> None:
    """Unger & Moult's 20-mer: optimum -9 on the square lattice (literature value)."""
    res = enumerate_folds(parse_instance({"sequence": "HPHPPHHPHPPHPHHPPHPH"}))
    assert res.energy == -9
    assert check_fold(parse_instance({"sequence": "HPHPPHHPHPPHPHHPPHPH"}), res.fold).energy == -9


def test_counting_optimal_folds() -> None:
    # HPPH: the only contact closes a unit square; canonically that is one fold
    res = enumerate_folds(parse_instance({"sequence": "HPPH"}), count_optimal=True)
    assert (res.energy, res.num_optimal) == (-1, 1)


def test_fold_check_flags_problems() -> None:
    inst = parse_instance({"sequence": "HPPH"})
    assert check_fold(inst, [(0, 0), (1, 0), (1, 1), (0, 1)]).energy == -1
    broken = check_fold(inst, [(0, 0), (1, 0), (2, 1), (2, 2)])
    assert not broken.valid and any("broken" in v for v in broken.violations)
    clash = check_fold(inst, [(0, 0), (1, 0), (0, 0), (1, 0)])
    assert not clash.valid and any("share site" in v for v in clash.violations)


@pytest.mark.parametrize("seq", ["".join(s) for s in itertools.product("HP", repeat=5)][::3])
def test_qubo_ground_state_is_the_certified_fold(seq) -> None:
    """Exact enumeration of the QUBO (18 variables) lands on the certified optimum."""
    inst = parse_instance({"sequence": seq})
    out = PEP.solve(inst, "exact", seed=0, options={"num_states": 8})
    best = enumerate_folds(inst).energy
    assert out.evaluation.feasible and out.evaluation.objective == best
    assert out.result.energy == pytest.approx(best)
    enc = build_grid_qubo(inst)
    for sample, energy in out.result.samples.data(["sample", "energy"]):
        if energy <= best + 1e-9:  # every ground state is a valid fold
            assert check_fold(inst, enc.decode(sample)["coords"]).valid


def _random_fold(rng, n: int, dim: int):
    steps = unit_vectors(dim)
    while True:
        pts = [(0,) * dim, steps[0]]
        for _ in range(n - 2):
            nxt = [tuple(a + b for a, b in zip(pts[-1], s)) for s in steps]
            nxt = [p for p in nxt if p not in pts]
            if not nxt:
                break
            pts.append(nxt[rng.integers(len(nxt))])
        if len(pts) == n and (n < 3 or pts[2] in ((2,) + (0,) * (dim - 1),
                                                  (1, 1) + (0,) * (dim - 2))):
            return pts


@settings(max_examples=25, deadline=None)
@given(seq=st.text(alphabet="HP", min_size=6, max_size=8), seed=st.integers(0, 10 ** 6),
       lattice=st.sampled_from(["square", "cubic"]))
def test_penalties_make_every_broken_fold_worse(seq, seed, lattice) -> None:
    """Encode a random fold: its QUBO energy is its HP energy; damaging it in any way
    (drop a residue, put one on two sites, move one) costs more than the optimum."""
    inst = parse_instance({"sequence": seq, "lattice": lattice})
    enc = build_grid_qubo(inst)
    rng = np.random.default_rng(seed)
    fold = _random_fold(rng, len(seq), inst.dim)
    sample = {v: 0 for v in enc.bqm.variables}
    for i, p in enumerate(fold[2:], start=2):
        sample[variable_label(i, p)] = 1
    assert enc.decode(sample)["coords"] == [list(p) for p in fold]
    assert enc.bqm.energy(sample) == pytest.approx(check_fold(inst, fold).energy)
    best = enumerate_folds(inst).energy
    i = int(rng.integers(2, len(seq)))
    on = variable_label(i, fold[i])
    others = [variable_label(i, p) for p in enc.candidates[i] if p != fold[i]]
    damaged = [{**sample, on: 0}]
    if others:
        extra = others[int(rng.integers(len(others)))]
        damaged += [{**sample, extra: 1}, {**sample, on: 0, extra: 1}]
    for bad in damaged:
        coords = enc.decode(bad)["coords"]
        if not check_fold(inst, coords).valid:
            assert enc.bqm.energy(bad) > best


@pytest.mark.parametrize("seq,lattice", [("HPPHHPH", "square"), ("HHPHPHHP", "square"),
                                         ("HPPHHP", "cubic")])
def test_cpsat_proves_the_enumerated_optimum(seq, lattice) -> None:
    inst = parse_instance({"sequence": seq, "lattice": lattice})
    out = PEP.solve(inst, "cpsat", seed=0, time_limit=60)
    assert out.result.status == "optimal"
    assert out.evaluation.objective == enumerate_folds(inst).energy
    qubo = PEP.formulate(inst)  # the penalised QUBO reaches the same optimum on CP-SAT
    from hybrid_workbench.registry import get_backend

    res = get_backend("cpsat").solve(qubo.model, seed=0, time_limit=60)
    assert res.energy == pytest.approx(enumerate_folds(inst).energy)


@pytest.mark.parametrize("seq,lattice", [("HPPHHP", "square"), ("HPPHHPH", "square"),
                                         ("HPPHHPHH", "square"), ("HHPHPHHP", "square"),
                                         ("HPHHPH", "cubic")])
def test_simulated_annealing_finds_the_optimum(seq, lattice) -> None:
    inst = parse_instance({"sequence": seq, "lattice": lattice})
    out = PEP.solve(inst, "dwave-sa", seed=1, options={"num_reads": 50})
    assert out.evaluation.feasible
    assert out.evaluation.objective == enumerate_folds(inst).energy


def _all_zero_result(form):
    import dimod

    from hybrid_workbench.result import Result, Timing

    zeros = {v: 0 for v in form.model.variables}
    ss = dimod.SampleSet.from_samples_bqm(zeros, form.model)
    return Result.from_sampleset(ss, backend="hand", backend_version="0",
                                 timing=Timing(wall_s=0.0), options={}, seed=0)


def test_invalid_sample_is_flagged_when_repair_is_off() -> None:
    inst = parse_instance({"sequence": "HPPHH"})
    form = PEP.formulate(inst, repair=False)
    sol = PEP.interpret(inst, form, _all_zero_result(form))
    assert not sol["valid"] and sol["energy"] is None and sol["violations"]
    assert sol["repaired"] is False
    ev = PEP.evaluate(inst, sol)
    assert not ev.feasible and ev.objective is None and ev.metrics["repaired"] is False


def test_invalid_sample_is_repaired_and_says_so() -> None:
    inst = parse_instance({"sequence": "HPPHHPHH"})
    form = PEP.formulate(inst)
    sol = PEP.interpret(inst, form, _all_zero_result(form))
    assert sol["repaired"] is True and sol["raw_violations"]
    assert sol["repair"]["moved"] == list(range(2, 8))   # the sample placed none of them
    ev = PEP.evaluate(inst, sol)
    assert ev.feasible and ev.metrics["repaired"] is True and ev.metrics["raw_violations"] > 0
    assert check_fold(inst, sol["coords"]).energy == ev.objective >= enumerate_folds(inst).energy


def test_cli_solve_json(tmp_path, cli) -> None:
    path = tmp_path / "pep.json"
    path.write_text(json.dumps({"sequence": "HPPHHPHH", "lattice": "square"}))
    proc = cli("solve", "peptide", str(path), "--backend", "dwave-sa", "--seed", "1",
               "-o", "num_reads=50", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["objective"] == -3 == enumerate_folds(PEP.load(path)).energy
    assert data["feasible"] and len(data["solution"]["coords"]) == 8
    path.write_text(json.dumps({"sequence": "HPZ"}))
    proc = cli("solve", "peptide", str(path), "--backend", "dwave-sa", "--json")
    assert proc.returncode != 0 and "only contain H and P" in proc.stderr


def test_plot_fold(tmp_path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from hybrid_workbench.usecases.peptide.plot import plot_fold

    for lattice in ("square", "cubic"):
        inst = parse_instance({"sequence": "HPPHHPHH", "lattice": lattice})
        res = enumerate_folds(inst)
        ax = plot_fold(inst, res.fold)
        assert f"E = {res.energy}" in ax.get_title()
        ax.figure.savefig(tmp_path / f"{lattice}.png")
        assert (tmp_path / f"{lattice}.png").stat().st_size > 1000


def test_cqm_for_cpsat_proves_a_ten_residue_optimum() -> None:
    inst = parse_instance({"sequence": "HPHPPHHPHH"})
    out = PEP.solve(inst, "cpsat", seed=0, time_limit=60)
    assert out.formulation_info["model"].startswith("cqm")
    assert out.result.status == "optimal" and out.evaluation.feasible
    assert out.evaluation.objective == enumerate_folds(inst).energy == -4


# -- repair of broken samples ---------------------------------------------------------------
def _random_walk(rng: np.random.Generator, n: int) -> list[tuple[int, int]]:
    """A self-avoiding walk from (0,0),(1,0) grown at random (restarts when trapped)."""
    steps = unit_vectors(2)
    while True:
        walk = [(0, 0), (1, 0)]
        while len(walk) < n:
            free = [(walk[-1][0] + dx, walk[-1][1] + dy) for dx, dy in steps
                    if (walk[-1][0] + dx, walk[-1][1] + dy) not in walk]
            if not free:
                break
            walk.append(free[rng.integers(len(free))])
        if len(walk) == n:
            return walk


@given(st.integers(4, 16), st.integers(0, 2**31 - 1))
@settings(max_examples=40, deadline=None)
def test_repair_keeps_a_valid_fold(n: int, seed: int) -> None:
    from hybrid_workbench.usecases.peptide.repair import repair_fold

    rng = np.random.default_rng(seed)
    inst = parse_instance({"sequence": "".join(rng.choice(["H", "P"], n))})
    walk = _random_walk(rng, n)
    fold, report = repair_fold(inst, [[p] for p in walk])
    assert fold == walk and report["moved"] == [] and not report["fallback"]


@given(st.integers(3, 16), st.integers(0, 2**31 - 1))
@settings(max_examples=40, deadline=None)
def test_repair_always_returns_a_valid_fold(n: int, seed: int) -> None:
    from hybrid_workbench.usecases.peptide.repair import repair_fold

    rng = np.random.default_rng(seed)
    inst = parse_instance({"sequence": "".join(rng.choice(["H", "P"], n))})
    placed = [[(int(a), int(b)) for a, b in rng.integers(-3, 4, size=(rng.integers(0, 3), 2))]
              for _ in range(n)]
    fold, report = repair_fold(inst, placed)
    assert check_fold(inst, [list(p) for p in fold]).valid
    kept = [i for i in range(2, n) if i not in report["moved"]]
    assert all(placed[i] == [fold[i]] for i in kept)   # unmoved residues are where placed
