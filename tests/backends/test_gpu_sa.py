"""The ``gpu-sa`` backend: both kernels against brute force and certified cuts; dimod's
own sampler tests; Ocean's ``num_reads`` and ``initial_states``; deadlines and set-up."""

from __future__ import annotations

import itertools
import subprocess
import sys
import unittest
import warnings

import dimod
import dimod.testing
import hybrid_workbench as hw
import networkx as nx
import numpy as np
import pytest
from hybrid_workbench import arrays
from hybrid_workbench.backends.ising.model import IsingArrays
from hybrid_workbench.backends.ising.sa import (
    GPUSABackend,
    GPUSAOptions,
    beta_ends,
    beta_schedule,
    colour_classes,
    sweep_betas,
)
from hybrid_workbench.deadline import grace_s
from hybrid_workbench.errors import BackendUnavailableError, OptionsError
from hybrid_workbench.testing import brute_force_bqm, random_bqm
from hybrid_workbench.usecases.maxcut import maxcut_bqm
from hybrid_workbench.usecases.maxcut.io import generate_graph

CUDA, CUDA_REASON = arrays.cuda_status()
KERNELS = ["array", pytest.param("compiled", marks=pytest.mark.skipif(
    not arrays.compiled_available(), reason="numba not installed (the 'fast' extra)"))]


@pytest.mark.parametrize("kernel", KERNELS)
def test_optimum_matches_brute_force(kernel: str) -> None:
    for seed in range(3):
        for vartype in ("SPIN", "BINARY"):
            bqm = random_bqm(12, vartype, seed=200 + seed)
            r = hw.solve(bqm, "gpu-sa", seed=seed, options={
                "device": "cpu", "kernel": kernel, "num_sweeps": 300, "num_replicas": 8})
            assert r.energy == pytest.approx(brute_force_bqm(bqm), abs=1e-9)
            assert r.energy == pytest.approx(bqm.energy(r.sample), abs=1e-9)
            assert r.info["kernel"] == kernel


@pytest.mark.parametrize("kernel", KERNELS)
def test_bipartite_torus_cuts_every_edge(kernel: str) -> None:
    g = generate_graph(seed=0, size=196, kind="torus", weights="unit")  # even side: bipartite
    r = hw.solve(maxcut_bqm(g), "gpu-sa", seed=1, options={
        "device": "cpu", "kernel": kernel, "num_sweeps": 500, "num_replicas": 4})
    assert -r.energy == pytest.approx(g.num_edges)


@pytest.mark.parametrize("seed", range(3))
def test_colour_classes_are_a_proper_colouring(seed: int) -> None:
    g = generate_graph(seed=seed, size=80, kind="erdos", p=0.1)
    J = IsingArrays.from_bqm(maxcut_bqm(g)).J
    classes = colour_classes(J)
    assert sorted(np.concatenate(classes).tolist()) == list(range(80))
    colour = {int(v): k for k, c in enumerate(classes) for v in c}
    assert all(colour[int(u)] != colour[int(v)] for u, v in zip(g.u, g.v))
    # greedy colouring uses at most max degree + 1 colours
    degree = max(d for _, d in g.to_networkx().degree())
    assert len(classes) <= degree + 1
    assert nx.is_empty(g.to_networkx().subgraph([g.nodes[i] for i in classes[0]]))


def test_beta_schedule_follows_the_biases() -> None:
    m = IsingArrays.from_bqm(maxcut_bqm(generate_graph(seed=0, size=30, kind="regular", degree=4)))
    betas = beta_schedule(m, GPUSAOptions(num_sweeps=50))
    # typical field: sqrt(4 couplings * (1/2)^2) = 1 -> |delta E| = 2; weakest gap 2 * 1/2 = 1,
    # shared by all 30 spins: their total excitation rate on the last sweep is 1/100
    assert betas[0] == pytest.approx(np.log(2) / 2) and betas[-1] == pytest.approx(np.log(3000))
    assert np.all(np.diff(betas) > 0) and len(betas) == 50
    # both rules recomputed from the model's dicts, on weighted models
    for bqm in (maxcut_bqm(generate_graph(seed=1, size=40, kind="erdos", p=0.2, weights="uniform")),
                random_bqm(12, "SPIN", seed=3)):
        h, J, _ = bqm.to_ising()
        squares = {v: h.get(v, 0.0) ** 2 for v in bqm.variables}
        weakest = {v: abs(h[v]) for v in h if h[v] != 0}
        for (u, v), w in J.items():
            for k in (u, v):
                squares[k] += w * w
                if w != 0:
                    weakest[k] = min(abs(w), weakest.get(k, np.inf))
        smallest = min(weakest.values())
        count = sum(w == smallest for w in weakest.values())
        ours = beta_schedule(IsingArrays.from_bqm(bqm), GPUSAOptions(num_sweeps=2))
        typical = np.sqrt(np.mean(list(squares.values())))
        assert ours[0] == pytest.approx(np.log(2) / (2 * typical))
        assert ours[1] == pytest.approx(np.log(count / 0.01) / (2 * smallest))
    lin = beta_schedule(m, GPUSAOptions(num_sweeps=5, schedule="linear", beta_range=(0.5, 2.5)))
    assert lin.tolist() == [0.5, 1.0, 1.5, 2.0, 2.5]


@pytest.mark.parametrize("kernel", KERNELS)
def test_same_seed_same_answer_and_time_limit(kernel: str) -> None:
    bqm = maxcut_bqm(generate_graph(seed=5, size=120, kind="regular", degree=3))
    opts = {"device": "cpu", "kernel": kernel, "num_sweeps": 100, "num_replicas": 4}
    a = hw.solve(bqm, "gpu-sa", seed=11, options=opts)
    b = hw.solve(bqm, "gpu-sa", seed=11, options=opts)
    assert np.array_equal(a.samples.record.sample, b.samples.record.sample)
    assert a.info["sweeps_run"] == 100 and not a.info["time_limit_hit"]
    r = hw.solve(bqm, "gpu-sa", seed=0, time_limit=0.3, options={**opts, "num_sweeps": 10 ** 7})
    assert r.info["time_limit_hit"] and r.info["sweeps_run"] < 10 ** 7
    assert r.energy == pytest.approx(bqm.energy(r.sample))


@pytest.mark.parametrize("kernel", KERNELS)
def test_a_time_limit_is_spent_on_one_complete_schedule(kernel: str) -> None:
    # a bipartite torus: every edge cut is the certified optimum
    g = generate_graph(seed=0, size=64, kind="torus", weights="unit")
    bqm = maxcut_bqm(g)
    opts = {"device": "cpu", "kernel": kernel, "num_replicas": 4}
    limit = 0.5
    r = hw.solve(bqm, "gpu-sa", seed=2, time_limit=limit, options=opts)  # spends by default
    info = r.info
    assert info["schedule"] == "time-filled" and not info["time_limit_hit"]
    assert info["sweeps_run"] == info["num_sweeps"] > 10  # complete, length from the rate
    assert 0.5 * limit <= r.wall_s <= limit + grace_s(limit)  # spent, and the contract held
    assert -r.energy == pytest.approx(g.num_edges)
    trace = info["trace"]  # best so far: times rise, energies fall, ending at the answer
    assert trace and trace[-1][1] == pytest.approx(r.energy)
    assert all(a[0] <= b[0] and a[1] > b[1] for a, b in itertools.pairwise(trace))
    # fill_time_limit=False only caps the default schedule; a fixed length is only capped
    for capped in ({**opts, "fill_time_limit": False}, {**opts, "num_sweeps": 1000}):
        fixed = hw.solve(bqm, "gpu-sa", seed=2, time_limit=5.0, options=capped)
        assert fixed.info["schedule"] == "fixed" and fixed.info["sweeps_run"] == 1000
    with pytest.raises(OptionsError, match="needs a time limit"):
        hw.solve(bqm, "gpu-sa", options={**opts, "fill_time_limit": True})
    with pytest.raises(OptionsError, match="num_sweeps"):
        hw.solve(bqm, "gpu-sa", time_limit=1, options={"fill_time_limit": True, "num_sweeps": 9})


@pytest.mark.parametrize("kernel", KERNELS)
def test_integer_biases(kernel: str) -> None:
    # DictBQM keeps Python ints; they once overflowed an integer array (inf weakest bias)
    bqm = dimod.DictBQM({"a": 1}, {("a", "b"): -3, ("b", "c"): 2}, 3, "SPIN")
    r = hw.solve(bqm, "gpu-sa", seed=0, options={"device": "cpu", "kernel": kernel,
                                                   "num_sweeps": 50})
    assert r.energy == pytest.approx(brute_force_bqm(bqm))


@dimod.testing.load_sampler_bqm_tests(GPUSABackend)
class TestDimodSamplerTests(unittest.TestCase):
    """dimod's own sampler tests (empty to three variables, every BQM class, int biases)."""


def ferromagnet() -> dimod.BinaryQuadraticModel:
    """K4 ferromagnet with a field towards +1: all -1 is a local minimum 5.8 above a
    single flip, 0.8 above the ground state (all +1)."""
    return dimod.BinaryQuadraticModel({v: -0.1 for v in "abcd"},
                                      {(u, v): -1.0 for u, v in ["ab", "ac", "ad", "bc", "bd", "cd"]},
                                      0.0, "SPIN")


@pytest.mark.parametrize("kernel", KERNELS)
def test_ocean_num_reads_and_initial_states(kernel: str) -> None:
    bqm = ferromagnet()
    down = {v: -1 for v in "abcd"}
    cold = {"device": "cpu", "kernel": kernel, "beta_range": (100.0, 100.0), "num_sweeps": 20}
    sampler = GPUSABackend()
    assert {"num_reads", "initial_states", "initial_states_generator"} <= set(sampler.parameters)
    ss = sampler.sample(bqm, seed=1, num_reads=5, **cold)
    assert ss.record.num_occurrences.sum() == 5
    # started from the local minimum, a cold anneal stays there (a flip costs 5.8)
    ss = sampler.sample(bqm, seed=1, initial_states=[down], **cold)
    assert ss.record.num_occurrences.sum() == 1  # Ocean: one read per initial state
    assert ss.first.energy == pytest.approx(bqm.energy(down)) == pytest.approx(-5.6)
    tiled = sampler.sample(bqm, seed=1, initial_states=[down], num_reads=6,
                           initial_states_generator="tile", **cold)
    assert tiled.record.num_occurrences.sum() == 6 and set(tiled.record.energy) == {-5.6}
    # the other replicas start at random: some reach the ground state
    mixed = sampler.sample(bqm, seed=1, initial_states=dimod.SampleSet.from_samples_bqm(down, bqm),
                           num_reads=16, **cold)
    assert -5.6 in set(np.round(mixed.record.energy, 9)) and mixed.first.energy == pytest.approx(-6.4)
    # bits: (0, 0) is a local minimum (a flip costs 1), (1, 1) the ground state
    binary = dimod.BinaryQuadraticModel.from_qubo({(0, 0): 1.0, (1, 1): 1.0, (0, 1): -3.0})
    ss = sampler.sample(binary, seed=0, initial_states=[{0: 0, 1: 0}], **cold)
    assert ss.first.sample == {0: 0, 1: 0} and ss.vartype is dimod.BINARY
    with pytest.raises(OptionsError, match="same option"):
        sampler.sample(bqm, num_reads=4, num_replicas=5)
    with pytest.raises(OptionsError, match="one initial state per replica"):
        sampler.sample(bqm, initial_states=[down], num_reads=3, initial_states_generator="none")
    with pytest.raises(OptionsError, match="variables differ"):
        sampler.sample(bqm, initial_states=[{"a": 1, "b": 1}])


def test_old_kernel_name_still_works_with_a_warning() -> None:
    bqm = random_bqm(5, "SPIN", seed=2)
    with pytest.warns(DeprecationWarning, match="kernel='vectorized'"):
        r = hw.solve(bqm, "gpu-sa", seed=0, options={"device": "cpu", "kernel": "vectorized",
                                                     "num_sweeps": 100})
    assert r.info["kernel"] == "array" and r.options["kernel"] == "array"
    assert r.energy == pytest.approx(brute_force_bqm(bqm))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GPUSAOptions.from_mapping({"kernel": "array"})


def test_setup_is_timed_apart_and_paid_once() -> None:
    code = ("import hybrid_workbench as hw, dimod\n"
            "bqm = dimod.BinaryQuadraticModel({0: 1.0}, {(0, 1): -1.0, (1, 2): 1.0}, 0, 'SPIN')\n"
            "for _ in range(2):\n"
            "    r = hw.solve(bqm, 'gpu-sa', seed=0, options={'device': 'cpu', 'num_sweeps': 20})\n"
            "    print(r.timing.setup_s)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, second = map(float, out.stdout.split())
    assert first > 0.0 and second < 0.05 and second < first


def test_schedules_run_from_the_hot_to_the_cold_end() -> None:
    m = IsingArrays.from_bqm(maxcut_bqm(generate_graph(seed=1, size=30, kind="regular",
                                                       degree=3)))
    lo, hi = beta_ends(m, GPUSAOptions())
    fixed = beta_schedule(m, GPUSAOptions(num_sweeps=200))
    # any schedule length: hot end first, cold end last, geometric in between
    assert fixed[0] == pytest.approx(lo) and fixed[-1] == pytest.approx(hi)
    assert np.allclose(sweep_betas(lo, hi, "geometric", np.arange(200), 200), np.geomspace(lo, hi, 200))
    assert sweep_betas(lo, hi, "linear", np.array([0, 49]), 50) == pytest.approx([lo, hi])


def test_bad_options_fail_before_work() -> None:
    bqm = random_bqm(4, "SPIN", seed=0)
    with pytest.raises(OptionsError, match="beta_range"):
        hw.solve(bqm, "gpu-sa", options={"beta_range": [2.0, 1.0]})
    with pytest.raises(OptionsError, match="num_sweeps"):
        hw.solve(bqm, "gpu-sa", options={"num_sweeps": 0})
    with pytest.raises(OptionsError, match="kernel"):
        hw.solve(bqm, "gpu-sa", options={"kernel": "cuda"})
    if not CUDA:
        with pytest.raises(BackendUnavailableError, match="device='gpu'"):
            hw.solve(bqm, "gpu-sa", options={"device": "gpu"})
        assert "device='gpu'" in GPUSABackend().supports(bqm, {"device": "gpu"})


@pytest.mark.skipif(not CUDA, reason=f"no CUDA device: {CUDA_REASON}")
def test_gpu_matches_numpy_path() -> None:  # pragma: no cover - needs a GPU
    g = generate_graph(seed=0, size=196, kind="torus", weights="unit")
    for device in ("cpu", "gpu"):
        r = hw.solve(maxcut_bqm(g), "gpu-sa", seed=2, options={
            "device": device, "kernel": "array", "num_sweeps": 500, "num_replicas": 8})
        assert -r.energy == pytest.approx(g.num_edges)
        assert r.info["array_module"] == ("cupy" if device == "gpu" else "numpy")
    small = random_bqm(10, "BINARY", seed=4)
    r = hw.solve(small, "gpu-sa", seed=0, options={"device": "gpu", "num_sweeps": 300})
    assert r.energy == pytest.approx(brute_force_bqm(small))
