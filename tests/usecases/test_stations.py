"""``stations``: station placement with a keep-out radius (MIS on a unit-disk graph).

Optima are certified by enumerating every subset of sites with plain distance arithmetic
(independent of the QUBO), and by ``exact`` / ``cpsat`` on the MIS QUBO.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest

from hybrid_workbench.errors import (
    InstanceError,
    InstanceFormatError,
    ProblemTooLargeError,
)
from hybrid_workbench.registry import get_usecase
from hybrid_workbench.usecases.stations import Stations, StationsInstance
from hybrid_workbench.usecases.stations.geometry import UnitDiskGraph


def brute_force_mis(inst: StationsInstance) -> int:
    """Largest set of sites pairwise farther apart than the radius, by enumeration."""
    n = len(inst.sites)
    for k in range(n, 0, -1):
        for subset in itertools.combinations(range(n), k):
            if all(math.dist(inst.sites[a], inst.sites[b]) > inst.radius_m
                   for a, b in itertools.combinations(subset, 2)):
                return k
    return 0


@pytest.fixture(scope="module")
def uc() -> Stations:
    out = get_usecase("stations")
    assert isinstance(out, Stations)
    return out


def test_generator_is_seeded_and_on_a_lattice(uc: Stations) -> None:
    a, b = uc.generate(seed=3, atoms=12), uc.generate(seed=3, atoms=12)
    assert a == b and a != uc.generate(seed=4, atoms=12)
    assert len(a.sites) == len(set(a.sites)) == 12 and a.radius_m == 3.0
    assert all(x % 2.0 == 0 and y % 2.0 == 0 and 0 <= x <= 8 and 0 <= y <= 8 for x, y in a.sites)
    with pytest.raises(InstanceError, match="generator parameter filling must be a number in"):
        uc.generate(seed=0, atoms=4, filling=1.5)
    with pytest.raises(InstanceError, match="unknown generator parameter 'atom'"):
        uc.open("generate:atom=4")


@pytest.mark.parametrize("seed", [0, 5])
def test_qubo_optimum_is_the_brute_force_placement(uc: Stations, seed: int) -> None:
    inst = uc.generate(seed=seed, atoms=10)
    best = brute_force_mis(inst)
    for backend in ("exact", "cpsat"):
        out = uc.solve(inst, backend, seed=0)
        assert out.evaluation.feasible and out.evaluation.objective == best
        assert out.evaluation.metrics["optimum"] == best
        assert out.evaluation.metrics["is_optimal"] and -out.result.energy == best
    assert uc.reference(inst) == best
    assert uc.baseline(inst)["count"] == best


def test_unit_disk_formulation_carries_positions_and_the_same_qubo(uc: Stations) -> None:
    inst = uc.generate(seed=2, atoms=6)
    form = uc.formulate(inst, model_kind="unit-disk")
    assert isinstance(form.model, UnitDiskGraph)
    assert form.model.positions == inst.sites and form.model.labels == inst.ids
    bqm = uc.formulate(inst).model
    assert bqm == form.model.to_bqm()


def test_evaluate_checks_every_pair(uc: Stations) -> None:
    inst = uc.generate(seed=1, atoms=8)
    near = next((a, b) for a, b in itertools.combinations(range(8), 2)
                if math.dist(inst.sites[a], inst.sites[b]) <= inst.radius_m)
    bad = uc.evaluate(inst, {"stations": [inst.ids[near[0]], inst.ids[near[1]]]})
    assert not bad.feasible and bad.metrics["conflicts"] == 1 and bad.objective is None
    assert not uc.evaluate(inst, {"stations": ["nowhere"]}).feasible
    assert not uc.evaluate(inst, {"stations": [inst.ids[0], inst.ids[0]]}).feasible
    one = uc.evaluate(inst, {"stations": [inst.ids[0]]})
    assert one.feasible and one.objective == 1.0 and one.metrics["ratio_to_optimum"] < 1


def test_file_round_trip_and_bad_files(uc: Stations, tmp_path: Path) -> None:
    inst = uc.generate(seed=7, atoms=5)
    path = tmp_path / "hall.json"
    path.write_text(json.dumps(inst.to_dict()))
    assert uc.open(str(path)) == inst
    pairs = tmp_path / "pairs.json"
    pairs.write_text(json.dumps({"radius_m": 1.0, "sites": [[0, 0], [0.5, 0], [2, 0]]}))
    loaded = uc.load(pairs)
    assert loaded.name == "pairs" and loaded.ids == ("s0", "s1", "s2")
    assert brute_force_mis(loaded) == 2
    cases: list[tuple[Any, str]] = [
        ({"radius_m": -1, "sites": [[0, 0]]}, "field 'radius_m' must be a positive number"),
        ({"radius_m": 1, "sites": []}, "field 'sites' must be a non-empty list"),
        ({"radius_m": 1, "sites": [[0, "a"]]}, "field 'sites' item 0 must have finite"),
        ({"radius_m": 1, "sites": [{"id": "A", "x": 0, "y": 0}, {"id": "A", "x": 3, "y": 0}]},
         "repeats id 'A'"),
    ]
    for data, message in cases:
        path.write_text(json.dumps(data))
        with pytest.raises(InstanceFormatError, match=message):
            uc.load(path)


def test_cli_neutral_atom_agrees_with_cpsat_and_exact(uc: Stations, cli: Any) -> None:
    pytest.importorskip("braket.analog_hamiltonian_simulator")
    proc = cli("solve", "stations", "generate:atoms=8,seed=1", "--backend", "neutral-atom",
               "--seed", "0", "--json", "-o", "shots=50", "-o", "steps=120")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["feasible"] and out["metrics"]["is_optimal"]
    assert out["info"]["schedule"]["detuning_rad_per_us"] == [-30.0, -30.0, 20.0, 20.0]
    assert len(out["info"]["atoms"]["positions_um"]) == 8
    inst = uc.generate(seed=1, atoms=8)
    for backend in ("cpsat", "exact"):
        assert uc.solve(inst, backend, seed=0).evaluation.objective == out["objective"]
    with pytest.raises(ProblemTooLargeError, match="max_atoms = 14"):
        uc.solve(uc.generate(seed=1, atoms=20), "neutral-atom")
