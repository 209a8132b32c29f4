"""``neutral-atom``: MIS on unit-disk graphs through Braket's local AHS emulator.

Answers are certified by the ``exact`` backend on the MIS QUBO and checked against the
geometry by plain distance arithmetic; the post-processing report is checked on shots
written by hand; every refusal happens before ``_solve`` is entered.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import dimod
import pytest

from hybrid_workbench.backends import neutral_atom
from hybrid_workbench.backends.neutral_atom import (
    NeutralAtomBackend,
    aquila_unavailable,
)
from hybrid_workbench.errors import (
    OptionsError,
    ProblemTooLargeError,
    UnsupportedModelError,
)
from hybrid_workbench.models import bqm_energy
from hybrid_workbench.registry import get_backend
from hybrid_workbench.testing.failures import no_work
from hybrid_workbench.usecases.stations.geometry import UnitDiskGraph
from hybrid_workbench.usecases.stations.instance import generate_instance

pytest.importorskip("braket.analog_hamiltonian_simulator")


@pytest.fixture(scope="module")
def backend() -> NeutralAtomBackend:
    be = get_backend("neutral-atom")
    assert isinstance(be, NeutralAtomBackend)
    return be


def _independent(graph: UnitDiskGraph, chosen: list[int]) -> bool:
    return all(math.dist(graph.positions[a], graph.positions[b]) > graph.radius
               for a, b in itertools.combinations(chosen, 2))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_maximum_independent_set_certified_by_exact(backend: NeutralAtomBackend,
                                                     seed: int) -> None:
    graph = generate_instance(seed=seed, atoms=8).graph()
    bqm = graph.to_bqm()
    optimum = get_backend("exact").solve(bqm).energy
    result = backend.solve(graph, seed=seed, options={"shots": 50, "steps": 120})
    assert result.energy == pytest.approx(optimum)
    assert bqm_energy(bqm, result.sample) == pytest.approx(result.energy)
    chosen = graph.indices(result.sample)
    assert _independent(graph, chosen) and len(chosen) == -optimum
    info = result.info
    pos = info["atoms"]["positions_um"]
    assert min(math.dist(p, q) for p, q in itertools.combinations(pos, 2)) >= 4.0
    edge_um, non_edge_um = info["atoms"]["longest_edge_um"], info["atoms"]["shortest_non_edge_um"]
    assert edge_um < info["atoms"]["blockade_radius_um"] < non_edge_um
    schedule = info["schedule"]
    assert schedule["times_us"][-1] <= 4.0 and max(schedule["rabi_rad_per_us"]) <= 15.8
    assert info["postprocess"]["greedy_fill"] is True and info["shots"] == 50
    assert sum(result.samples.record.num_occurrences) == 50


def test_same_seed_same_samples(backend: NeutralAtomBackend) -> None:
    graph = generate_instance(seed=4, atoms=6).graph()
    opts = {"shots": 30, "steps": 60, "greedy_fill": False}
    a, b = (backend.solve(graph, seed=9, options=opts) for _ in range(2))
    def counts(r):  # sample rows -> shots
        return {tuple(s): n for s, n in zip(r.samples.record.sample.tolist(),
                                            r.samples.record.num_occurrences.tolist())}

    assert counts(a) == counts(b) and sum(counts(a).values()) == 30


def test_postprocess_report_on_hand_written_shots() -> None:
    path = UnitDiskGraph(positions=((0, 0), (1, 0), (2, 0), (3, 0)), radius=1.0)
    shots = [[1, 1, 1, 0], [1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1]]
    rows, raw, report = neutral_atom._postprocess(path, shots, fill=True)
    # shot 1 drops vertex 1; shot 4 drops 1 then 2 (most conflicts first, lowest index)
    assert report["shots_with_violations"] == 2 and report["bits_dropped"] == 3
    assert raw == [None, 2, 0, None]
    # shot 1 -> {0, 2}: fill adds 3? no, 3 touches 2; shot 2 same; shot 3 -> {0, 3} adds 2;
    # shot 4 -> {0, 3} after repair is maximal
    assert rows == [[1, 0, 1, 0], [1, 0, 1, 0], [1, 0, 0, 1], [1, 0, 0, 1]]
    assert report["shots_filled"] == 1 and report["bits_added"] == 2
    assert all(path.is_independent([i for i, b in enumerate(r) if b]) for r in rows)


def test_refusals_before_work(backend: NeutralAtomBackend) -> None:
    bqm = dimod.BinaryQuadraticModel({0: -1.0}, {}, 0.0, "BINARY")
    big = generate_instance(seed=0, atoms=15).graph()
    close = UnitDiskGraph(positions=((0, 0), (0.2, 0), (1, 0)), radius=1.0)
    with no_work(backend):
        with pytest.raises(UnsupportedModelError, match="takes a unit-disk model"):
            backend.solve(bqm)
        with pytest.raises(ProblemTooLargeError, match="max_atoms = 14 .* this graph has 15"):
            backend.solve(big)
        with pytest.raises(UnsupportedModelError, match="under Aquila's 4.0 um"):
            backend.solve(close)
        with pytest.raises(UnsupportedModelError, match="75.0 x 76.0 um field"):
            backend.solve(UnitDiskGraph(positions=((0, 0), (1, 0), (2, 0), (20, 0)),
                                        radius=1.0))
        with pytest.raises(OptionsError, match="over Aquila's 4.0 us"):
            backend.solve(big, options={"duration_us": 5})
        with pytest.raises(OptionsError, match="Rabi frequency must be within 0..15.8"):
            backend.solve(big, options={"rabi_max": 20})
        with pytest.raises(OptionsError, match=r"detuning must be within \+-125"):
            backend.solve(big, options={"detuning_end": 130})
        with pytest.raises(OptionsError, match="max_atoms' must be in 1..16"):
            backend.solve(big, options={"max_atoms": 17})


def test_aquila_refused_without_sdk_or_credentials(backend: NeutralAtomBackend,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    graph = generate_instance(seed=0, atoms=4).graph()
    real = neutral_atom.is_installed
    monkeypatch.setattr(neutral_atom, "is_installed", lambda m: m != "braket.aws" and real(m))
    with no_work(backend), pytest.raises(OptionsError, match="Braket SDK is not installed"):
        backend.solve(graph, options={"device": "aquila"})
    monkeypatch.setattr(neutral_atom, "is_installed", lambda m: True)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    with no_work(backend), pytest.raises(OptionsError, match="no AWS credentials found"):
        backend.solve(graph, options={"device": "aquila"})
    monkeypatch.setenv("AWS_PROFILE", "lab")
    assert aquila_unavailable() is None
    assert backend.make_options({"device": "aquila"}).device == "aquila"
    assert backend.max_variables(backend.make_options({"device": "aquila"})) == 256
