"""dwave-sa / dwave-tabu / dwave-greedy: beta range as dwave-samplers computes it; initial
states and num_reads as dwave-samplers takes them; time limits spent (sa, tabu)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hybrid_workbench.errors import OptionsError
from hybrid_workbench.result import Result
from hybrid_workbench.testing.conformance import brute_force_bqm, random_bqm

pytest.importorskip("dwave.samplers")

from dwave.samplers.sa.sampler import default_beta_range as reference_beta_range  # noqa: E402

from hybrid_workbench.backends.dwave import (  # noqa: E402
    DWaveGreedyBackend,
    DWaveSABackend,
    DWaveTabuBackend,
    default_beta_range,
)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_beta_range_matches_dwave_samplers(seed, vartype):
    bqm = random_bqm(10, vartype, seed=seed, density=0.4)
    assert default_beta_range(bqm) == pytest.approx(list(reference_beta_range(bqm)), rel=1e-12)


def test_greedy_descends_from_given_states_to_the_ground_state():
    bqm = random_bqm(8, "BINARY", seed=5)
    labels = list(bqm.variables)
    best = min((dict(zip(labels, s)) for s in np.ndindex(*(2,) * 8)), key=bqm.energy)
    ss = DWaveGreedyBackend().sample(bqm, initial_states=[best], seed=1)
    assert len(ss) == 1 and ss.first.energy == pytest.approx(brute_force_bqm(bqm))


def test_initial_states_set_num_reads_and_survive_json():
    bqm = random_bqm(4, "SPIN", seed=1)
    result = DWaveSABackend().solve(bqm, seed=3, options={
        "initial_states": [[1, -1, 1, -1], [1, 1, 1, 1], [-1, -1, -1, -1]], "num_sweeps": 50})
    assert result.options["num_reads"] == 3
    assert Result.from_json(json.dumps(json.loads(result.to_json()))).options["num_reads"] == 3
    with pytest.raises(OptionsError, match="samples-like|spins"):
        DWaveSABackend().solve(bqm, options={"initial_states": [[2, 0, 0, 0]]})


def test_the_same_seed_gives_the_same_samples_without_a_limit():
    bqm = random_bqm(12, "BINARY", seed=8)
    a = DWaveSABackend().solve(bqm, seed=11, options={"num_sweeps": 100})
    b = DWaveSABackend().solve(bqm, seed=11, options={"num_sweeps": 100})
    assert np.array_equal(a.samples.record.sample, b.samples.record.sample)


@pytest.mark.parametrize("backend_cls", [DWaveSABackend, DWaveTabuBackend])
def test_a_time_limit_is_spent_and_traced(backend_cls):
    bqm = random_bqm(60, "SPIN", seed=2, density=0.3)
    result = backend_cls().solve(bqm, seed=1, time_limit=0.5)
    assert result.info["schedule"]["num_reads"] == sum(result.samples.record.num_occurrences)
    energies = [e for _, e in result.info["trace"]]
    assert energies == sorted(energies, reverse=True) and energies[-1] == result.energy
    assert 0.25 <= result.wall_s < 0.5 + 2.0


def test_greedy_declares_no_time_limit():
    assert DWaveGreedyBackend().capabilities().time_limit is False
    assert DWaveSABackend().capabilities().anytime and DWaveTabuBackend().capabilities().anytime
