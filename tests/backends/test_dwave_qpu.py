"""dwave-qpu on D-Wave's offline MockDWaveSampler, and dwave-leap-hybrid with a mocked client.

Nothing here reaches the network: the QPU path runs on ``MockDWaveSampler`` (asked for
with ``solver=mock``, or patched in place of ``DWaveSampler`` under a dummy token), and
the Leap hybrid client classes are replaced by ``unittest.mock`` objects.
"""

from __future__ import annotations

import itertools
import json
import logging
from unittest import mock

import dimod
import minorminer
import networkx as nx
import numpy as np
import pytest

import hybrid_workbench as hw
from hybrid_workbench.backends.dwave_qpu import (
    NO_CREDENTIALS,
    DWaveQPUBackend,
    LeapHybridBackend,
    has_token,
)
from hybrid_workbench.errors import (
    BackendUnavailableError,
    OptionsError,
    ProblemTooLargeError,
    UnsupportedModelError,
)
from hybrid_workbench.models import bqm_energy
from hybrid_workbench.testing.conformance import brute_force_bqm, random_bqm
from hybrid_workbench.testing.failures import no_work

pytest.importorskip("dwave.system")

MOCK = {"solver": "mock"}
TOKEN = "DEV-dummy0token0that0must0never0leak0123456789"


@pytest.fixture
def no_token(monkeypatch, tmp_path):
    """No token in the environment nor in a saved config (an empty config file)."""
    monkeypatch.delenv("DWAVE_API_TOKEN", raising=False)
    monkeypatch.delenv("DWAVE_PROFILE", raising=False)
    empty = tmp_path / "dwave.conf"
    empty.write_text("")
    monkeypatch.setenv("DWAVE_CONFIG_FILE", str(empty))


@pytest.fixture
def dummy_token(monkeypatch, no_token):
    monkeypatch.setenv("DWAVE_API_TOKEN", TOKEN)


def maxcut_bqm(graph: nx.Graph) -> dimod.BinaryQuadraticModel:
    """Ising MaxCut: energy = |E| - 2 * cut."""
    return dimod.BinaryQuadraticModel({}, {e: 1.0 for e in graph.edges}, 0.0, "SPIN")


# -- credentials ---------------------------------------------------------------------------
def test_token_from_env_or_saved_config(no_token, monkeypatch, tmp_path):
    assert has_token() is False
    saved = tmp_path / "saved.conf"
    saved.write_text("[defaults]\ntoken = DEV-from-file\n")
    monkeypatch.setenv("DWAVE_CONFIG_FILE", str(saved))
    assert has_token() is True
    monkeypatch.setenv("DWAVE_CONFIG_FILE", str(tmp_path / "dwave.conf"))
    monkeypatch.setenv("DWAVE_API_TOKEN", TOKEN)
    assert has_token() is True


def test_qpu_without_credentials_refuses_before_work(no_token):
    backend = DWaveQPUBackend()
    assert backend.available() is True
    assert "no credentials" in backend.notes() and "offline stand-in only" in backend.notes()
    bqm = random_bqm(4, seed=1)
    with mock.patch("dwave.system.DWaveSampler") as sampler_cls, no_work(backend):
        with pytest.raises(BackendUnavailableError) as err:
            backend.solve(bqm, seed=0)
        assert str(err.value) == NO_CREDENTIALS
        reason = backend.supports(bqm)
        assert isinstance(reason, str) and "DWAVE_API_TOKEN" in reason
        # the model check comes first
        with pytest.raises(UnsupportedModelError):
            backend.solve("not a model", seed=0)
    sampler_cls.assert_not_called()
    assert backend.supports(bqm, MOCK) is True


# -- the mock: MaxCut, chains, embedding cache --------------------------------------------
def test_maxcut_30_on_mock_reaches_certified_optimum():
    graph = nx.random_regular_graph(3, 30, seed=1)
    bqm = maxcut_bqm(graph)
    reference = hw.solve(bqm, "cpsat", seed=0)
    assert reference.status == "optimal"
    result = hw.solve(bqm, "dwave-qpu", options=MOCK, seed=4)
    sample = dict(result.sample)
    assert abs(bqm_energy(bqm, sample) - result.energy) < 1e-9
    cut = sum(sample[u] != sample[v] for u, v in graph.edges)
    assert result.energy == reference.energy == graph.number_of_edges() - 2 * cut
    info = result.info
    assert info["mock"] is True and "MockDWaveSampler" in info["solver"]
    assert "not a quantum annealer" in info["solver"]
    assert set(info["chain_break_fraction"]) == {"mean", "max", "reads_with_breaks"}
    assert info["chain_break_method"] == "majority_vote"
    assert info["num_reads"] == 100 and info["qubits_used"] >= 30
    assert result.timing.solver_s is None  # the mock's timing figures are placeholders
    chains = [chain for _, chain in info["embedding"]]
    assert sorted(q for c in chains for q in c) == sorted({q for c in chains for q in c})


def test_embedding_reused_for_the_same_structure():
    DWaveQPUBackend.embeddings.clear()
    backend = DWaveQPUBackend()
    graph = nx.random_regular_graph(3, 16, seed=5)
    first = maxcut_bqm(graph)
    reweighted = dimod.BinaryQuadraticModel({}, {e: -2.0 for e in graph.edges}, 1.0, "SPIN")
    other = maxcut_bqm(nx.cycle_graph(16))
    with mock.patch("minorminer.find_embedding", wraps=minorminer.find_embedding) as search:
        a = backend.solve(first, options=MOCK, seed=1)
        b = backend.solve(reweighted, options=MOCK, seed=2)
        assert search.call_count == 1
        c = backend.solve(other, options=MOCK, seed=1)
        assert search.call_count == 2
    assert (a.info["embedding_cached"], b.info["embedding_cached"], c.info["embedding_cached"]) \
        == (False, True, False)
    assert a.info["embedding"] == b.info["embedding"]
    assert b.energy == hw.solve(reweighted, "exact").energy  # 16 variables


def _weak_chains_model() -> dimod.BinaryQuadraticModel:
    """A dense 12-variable model: a clique embedding has long chains."""
    return random_bqm(12, "SPIN", seed=8, density=1.0)


def test_chain_break_statistics_match_dwave_composite():
    from dwave.system import FixedEmbeddingComposite
    from dwave.system.testing import MockDWaveSampler

    bqm = _weak_chains_model()
    options = {**MOCK, "chain_strength": 0.3, "num_reads": 60}
    result = hw.solve(bqm, "dwave-qpu", options=options, seed=3)
    stats = result.info["chain_break_fraction"]
    assert stats["reads_with_breaks"] > 0 and result.info["max_chain_length"] > 1
    assert result.samples.record.num_occurrences.sum() == 60
    # the same reads through dwave-system's own composite (same graph, embedding, seed)
    child = MockDWaveSampler(topology_type="pegasus", topology_shape=[6],
                             parameter_warnings=False, substitute_kwargs={"seed": 3})
    embedding = {v: chain for v, chain in result.info["embedding"]}
    reference = FixedEmbeddingComposite(child, embedding).sample(
        bqm, chain_strength=0.3, num_reads=60)
    fractions, weights = (reference.record.chain_break_fraction,
                          reference.record.num_occurrences)
    assert stats["mean"] == pytest.approx(float(np.dot(fractions, weights) / weights.sum()))
    assert stats["max"] == pytest.approx(float(fractions.max()))
    assert stats["reads_with_breaks"] == pytest.approx(
        float(weights[fractions > 0].sum() / weights.sum()))
    for row in result.samples.data(["sample", "energy"]):
        assert abs(bqm_energy(bqm, row.sample) - row.energy) < 1e-9


def test_discard_and_minimize_energy():
    bqm = _weak_chains_model()
    optimum = hw.solve(bqm, "exact").energy
    discard = {**MOCK, "num_reads": 60, "chain_break_method": "discard"}
    kept = hw.solve(bqm, "dwave-qpu", options={**discard, "chain_strength": 3.0}, seed=3)
    broken_share = kept.info["chain_break_fraction"]["reads_with_breaks"]
    assert 0 < broken_share < 1
    assert int(kept.samples.record.num_occurrences.sum()) == round(60 * (1 - broken_share))
    none_kept = hw.solve(bqm, "dwave-qpu", options={**discard, "chain_strength": 0.3}, seed=3)
    assert none_kept.info["chain_break_fraction"]["reads_with_breaks"] == 1.0
    assert (none_kept.status, none_kept.sample, none_kept.energy) == ("no_solution", None, None)
    low = hw.solve(bqm, "dwave-qpu", seed=3, options={
        **MOCK, "num_reads": 60, "chain_strength": 1.0, "chain_break_method": "minimize_energy"})
    assert low.info["chain_break_method"] == "minimize_energy"
    assert low.info["chain_break_fraction"]["reads_with_breaks"] == 1.0
    assert low.energy == optimum
    assert abs(bqm_energy(bqm, low.sample) - low.energy) < 1e-9


def test_options_checked_against_solver_ranges_before_work():
    backend = DWaveQPUBackend()
    bqm = random_bqm(4, seed=2)
    with no_work(backend):
        for bad, word in [({"annealing_time": 5000.0}, "annealing_time_range"),
                          ({"num_reads": 20000}, "num_reads_range"),
                          ({"annealing_time": 0.01}, "annealing_time_range"),
                          ({"readout_thermalization": 1e5}, "readout_thermalization_range")]:
            with pytest.raises(OptionsError, match=word):
                backend.solve(bqm, options={**MOCK, **bad}, seed=0)
    ok = backend.solve(bqm, options={**MOCK, "annealing_time": 0.01, "fast_anneal": True}, seed=0)
    assert ok.info["ignored_by_mock"] == ["annealing_time", "auto_scale", "fast_anneal"]
    for bad in ({"chain_strength": -1.0}, {"chain_break_method": "vote"}, {"num_reads": 0}):
        with pytest.raises(OptionsError):
            backend.make_options({**MOCK, **bad})


def test_too_large_for_the_mock_graph():
    bqm = dimod.BinaryQuadraticModel({i: 1.0 for i in range(681)}, {}, 0.0, "SPIN")
    with pytest.raises(ProblemTooLargeError, match="680 working qubits"):
        DWaveQPUBackend().solve(bqm, options=MOCK, seed=0)


def test_time_limit_is_not_offered():
    backend = DWaveQPUBackend()
    assert backend.capabilities().time_limit is False
    with pytest.warns(UserWarning, match="cannot honour a time limit"):
        backend.make_options(MOCK, time_limit=1.0)


# -- a "live" QPU path (the mock patched in for DWaveSampler) and the token -----------------
def test_qpu_path_reports_access_time_and_never_the_token(dummy_token, caplog):
    from dwave.system.testing import MockDWaveSampler

    class FakeQPU(MockDWaveSampler):
        def __init__(self, **config):
            super().__init__(topology_type="pegasus", topology_shape=[4],
                             parameter_warnings=False)
            self.solver = mock.Mock()
            self.solver.name = "Advantage_test"

    bqm = maxcut_bqm(nx.random_regular_graph(3, 10, seed=2))
    backend = DWaveQPUBackend()
    caplog.set_level(logging.DEBUG)
    with mock.patch("dwave.system.DWaveSampler", side_effect=FakeQPU) as sampler_cls:
        result = backend.solve(bqm, options={"num_reads": 20}, seed=1)
        named = backend.solve(bqm, options={"solver": "Advantage_test"}, seed=1)
    assert sampler_cls.call_args_list == [mock.call(), mock.call(solver="Advantage_test")]
    assert result.info["mock"] is False and result.info["solver"] == "Advantage_test"
    assert result.timing.solver_s == pytest.approx(8550.28e-6)  # qpu_access_time in µs
    assert result.energy == brute_force_bqm(bqm)
    outputs = [result.to_json(), named.to_json(), repr(result), repr(result.info),
               json.dumps(dict(result.options)), repr(backend), backend.notes(),
               repr(backend.capabilities()), caplog.text]
    assert not [text for text in outputs if TOKEN in text]
    assert "DEV-" not in result.to_json()


# -- Leap hybrid -----------------------------------------------------------------------------
def _fake_client(model_sampleset: dimod.SampleSet, minimum: float) -> mock.MagicMock:
    client = mock.MagicMock()
    client.min_time_limit.return_value = minimum
    client.solver.name = "hybrid_test_solver"
    client.sample.return_value = model_sampleset
    client.sample_cqm.return_value = model_sampleset
    return client


def test_leap_hybrid_without_token_refuses(no_token):
    backend = LeapHybridBackend()
    assert backend.available() == "no credentials: set DWAVE_API_TOKEN"
    with mock.patch("dwave.system.LeapHybridSampler") as cls, no_work(backend), \
            pytest.raises(BackendUnavailableError, match="no credentials: set DWAVE_API_TOKEN"):
        backend.solve(random_bqm(3, seed=1), seed=0)
    cls.assert_not_called()
    assert "no credentials" in str(backend.supports(random_bqm(3, seed=1)))


def test_leap_hybrid_checks_model_before_any_client(dummy_token):
    backend = LeapHybridBackend()
    assert backend.available() is True
    with mock.patch("dwave.system.LeapHybridSampler") as bqm_cls, \
            mock.patch("dwave.system.LeapHybridCQMSampler") as cqm_cls:
        for model in ("not a model", 42):
            with pytest.raises(UnsupportedModelError):
                backend.solve(model, seed=0)
        with pytest.raises(OptionsError):
            backend.solve(random_bqm(3, seed=1), options={"not_an_option": 1}, seed=0)
    bqm_cls.assert_not_called()
    cqm_cls.assert_not_called()


def test_leap_hybrid_bqm_call_and_minimum_time_limit(dummy_token):
    bqm = random_bqm(6, "BINARY", seed=4)
    answer = dimod.ExactSolver().sample(bqm)
    answer.info.update(run_time=3_000_000, qpu_access_time=40_000, problem_id="p-1")
    client = _fake_client(answer, minimum=3.0)
    backend = LeapHybridBackend()
    with mock.patch("dwave.system.LeapHybridSampler", return_value=client) as cls:
        result = backend.solve(bqm, seed=0, time_limit=5)
        with pytest.raises(OptionsError, match="under the solver's minimum of 3.0 s"):
            backend.solve(bqm, seed=0, time_limit=1)
    cls.assert_called_with()
    client.sample.assert_called_once_with(bqm, time_limit=5.0)
    assert result.energy == brute_force_bqm(bqm)
    assert result.timing.solver_s == pytest.approx(3.0)
    assert result.info["min_time_limit_s"] == 3.0 and result.info["solver"] == "hybrid_test_solver"
    assert TOKEN not in result.to_json() and TOKEN not in repr(result)


def test_leap_hybrid_cqm_uses_the_minimum_by_default(dummy_token):
    x = [dimod.Binary(i) for i in range(4)]
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(-x[0] - 2 * x[1] + x[2] * x[3] - x[3])
    cqm.add_constraint(sum(x) == 2, label="two")
    rows = [dict(zip(range(4), bits)) for bits in itertools.product((0, 1), repeat=4)]
    answer = dimod.SampleSet.from_samples_cqm(rows, cqm)
    client = _fake_client(answer, minimum=5.0)
    with mock.patch("dwave.system.LeapHybridCQMSampler", return_value=client) as cls:
        result = LeapHybridBackend().solve(cqm, options={"label": "unit"}, seed=0)
    cls.assert_called_once_with()
    client.sample_cqm.assert_called_once_with(cqm, time_limit=5.0, label="unit")
    assert result.model_kind == "cqm" and cqm.check_feasible(result.sample)
    assert result.energy == -3.0  # x0 = x1 = 1, by enumeration of the 6 feasible points
