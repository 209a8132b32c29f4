"""openjij-sa / openjij-sqa: the graph built here anneals exactly as OpenJij's own samplers;
initial states and num_reads as in dwave-samplers; a time limit is spent on complete anneals."""

from __future__ import annotations

import numpy as np
import pytest

from hybrid_workbench.errors import OptionsError
from hybrid_workbench.testing.conformance import brute_force_bqm, random_bqm

oj = pytest.importorskip("openjij")

from hybrid_workbench.backends.openjij import OpenJijSABackend, OpenJijSQABackend  # noqa: E402


def _rows(sampleset, variables):
    order = [list(sampleset.variables).index(v) for v in variables]
    return {tuple(row) for row in np.asarray(sampleset.record.sample)[:, order]}


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
@pytest.mark.parametrize("backend_cls", [OpenJijSABackend, OpenJijSQABackend])
def test_same_samples_as_openjij_for_the_same_read_seeds(backend_cls, vartype):
    bqm = random_bqm(12, vartype, seed=4)
    result = backend_cls().solve(bqm, seed=9, options={"num_reads": 3, "num_sweeps": 40})
    reference = []
    for read_seed in np.random.SeedSequence(9).generate_state(3):
        seed = int(read_seed) % 2**31
        if backend_cls is OpenJijSABackend:
            ss = oj.SASampler().sample(bqm, seed=seed, num_reads=1, num_sweeps=40)
        else:
            scaled = bqm.copy()
            scaled.scale(1 / max(map(abs, [*bqm.linear.values(), *bqm.quadratic.values()])))
            ss = oj.SQASampler().sample(scaled, seed=seed, num_reads=1, num_sweeps=40,
                                        trotter=8, beta=10.0, gamma=1.0)
        reference.append(tuple(ss.first.sample[v] for v in bqm.variables))
    assert _rows(result.samples, list(bqm.variables)) == set(reference)


def test_num_reads_follows_initial_states_and_bad_states_are_refused_before_work():
    bqm = random_bqm(5, "BINARY", seed=2)
    states = [[0, 1, 0, 1, 0], [1, 1, 1, 1, 1]]
    backend = OpenJijSABackend()
    result = backend.solve(bqm, seed=1, options={"initial_states": states, "num_sweeps": 20})
    assert result.options["num_reads"] == 2
    assert sum(result.samples.record.num_occurrences) == 2
    with pytest.raises(OptionsError, match="needs 3 initial states"):
        backend.solve(bqm, options={"initial_states": states, "num_reads": 3,
                                    "initial_states_generator": "none"})
    with pytest.raises(OptionsError, match="every variable"):
        backend.solve(bqm, options={"initial_states": [{"a": 1}]})


def test_a_cold_anneal_from_the_ground_state_stays_there():
    bqm = random_bqm(8, "SPIN", seed=6)
    labels = list(bqm.variables)
    best = min((dict(zip(labels, s)) for s in np.ndindex(*(2,) * 8)),
               key=lambda s: bqm.energy({v: 2 * x - 1 for v, x in s.items()}))
    ground = {v: 2 * x - 1 for v, x in best.items()}
    result = OpenJijSABackend().solve(bqm, seed=2, options={
        "initial_states": [ground], "num_sweeps": 5, "beta_min": 50.0, "beta_max": 100.0})
    assert result.energy == pytest.approx(brute_force_bqm(bqm))


@pytest.mark.parametrize("backend_cls", [OpenJijSABackend, OpenJijSQABackend])
def test_a_time_limit_is_spent_on_complete_anneals(backend_cls):
    bqm = random_bqm(40, "SPIN", seed=3, density=0.3)
    result = backend_cls().solve(bqm, seed=1, time_limit=0.4)
    schedule, trace = result.info["schedule"], result.info["trace"]
    assert schedule["num_reads"] == sum(result.samples.record.num_occurrences)
    assert schedule["batches"] == 0 or schedule["num_sweeps"] >= 10
    energies = [e for _, e in trace]
    assert energies == sorted(energies, reverse=True) and energies[-1] == result.energy
    assert result.wall_s < 0.4 + 2.0
