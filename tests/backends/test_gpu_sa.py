"""The ``gpu-sa`` backend: both kernels against brute force and certified cuts."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import hybrid_workbench as hw
from hybrid_workbench import arrays
from hybrid_workbench.backends.ising import sa_kernels as kernels
from hybrid_workbench.backends.ising.model import IsingArrays
from hybrid_workbench.backends.ising.sa import GPUSAOptions, beta_ends, beta_schedule, colour_classes, sweep_betas
from hybrid_workbench.errors import BackendUnavailableError, OptionsError
from hybrid_workbench.testing import brute_force_bqm, random_bqm
from hybrid_workbench.usecases.maxcut import maxcut_bqm
from hybrid_workbench.usecases.maxcut.io import generate_graph

CUDA, CUDA_REASON = arrays.cuda_status()
KERNELS = ["vectorized", pytest.param("compiled", marks=pytest.mark.skipif(
    not kernels.available(), reason="numba not installed (the 'fast' extra)"))]


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
def test_fill_time_limit_spends_the_limit_on_one_schedule(kernel: str) -> None:
    # a bipartite torus: every edge cut is the certified optimum
    g = generate_graph(seed=0, size=64, kind="torus", weights="unit")
    bqm = maxcut_bqm(g)
    opts = {"device": "cpu", "kernel": kernel, "num_replicas": 4}
    hw.solve(bqm, "gpu-sa", seed=0, options={**opts, "num_sweeps": 10})  # compile first
    r = hw.solve(bqm, "gpu-sa", seed=2, time_limit=0.5,
                     options={**opts, "fill_time_limit": True})
    info = r.info
    assert info["schedule"] == "time-filled"
    assert 10 < info["num_sweeps"] < 10 ** 9  # re-planned from the measured sweep rate
    assert r.wall_s >= 0.25  # the limit was spent, not cut short (a slow machine only adds)
    assert -r.energy == pytest.approx(g.num_edges)
    fixed = hw.solve(bqm, "gpu-sa", seed=2, time_limit=5.0, options=opts)
    assert fixed.info["schedule"] == "fixed" and fixed.info["sweeps_run"] == 1000
    with pytest.raises(OptionsError, match="needs a time limit"):
        hw.solve(bqm, "gpu-sa", options={**opts, "fill_time_limit": True})


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


@pytest.mark.skipif(not CUDA, reason=f"no CUDA device: {CUDA_REASON}")
def test_gpu_matches_numpy_path() -> None:  # pragma: no cover - needs a GPU
    g = generate_graph(seed=0, size=196, kind="torus", weights="unit")
    for device in ("cpu", "gpu"):
        r = hw.solve(maxcut_bqm(g), "gpu-sa", seed=2, options={
            "device": device, "kernel": "vectorized", "num_sweeps": 500, "num_replicas": 8})
        assert -r.energy == pytest.approx(g.num_edges)
        assert r.info["array_module"] == ("cupy" if device == "gpu" else "numpy")
    small = random_bqm(10, "BINARY", seed=4)
    r = hw.solve(small, "gpu-sa", seed=0, options={"device": "gpu", "num_sweeps": 300})
    assert r.energy == pytest.approx(brute_force_bqm(small))
