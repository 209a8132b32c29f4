"""The ``sb`` backend against independent references: brute force, bipartite cuts, eigvalsh;
dimod's own sampler tests; deadlines, the schedule that spends them, set-up apart; the
device/kernel vocabulary of :mod:`hybrid_workbench.arrays`."""

from __future__ import annotations

import importlib
import itertools
import subprocess
import sys
import unittest

import dimod
import dimod.testing
import hybrid_workbench as hw
import numpy as np
import pytest
import scipy.sparse
from hybrid_workbench import arrays
from hybrid_workbench.backends.ising.model import (
    IsingArrays,
    energies,
    greedy_descent,
    spectral_radius,
)
from hybrid_workbench.backends.ising.sb import SBBackend
from hybrid_workbench.backends.ising.schedule import Schedule
from hybrid_workbench.deadline import Deadline, grace_s
from hybrid_workbench.errors import (
    BackendUnavailableError,
    OptionsError,
    ProblemTooLargeError,
)
from hybrid_workbench.testing import brute_force_bqm, random_bqm
from hybrid_workbench.usecases.maxcut import maxcut_bqm
from hybrid_workbench.usecases.maxcut.io import generate_graph

CUDA, CUDA_REASON = arrays.cuda_status()
CPU = {"device": "cpu"}


@pytest.mark.parametrize("variant", ["dsb", "bsb", "hdsb", "hbsb"])
@pytest.mark.parametrize("couplings", ["dense", "sparse"])
def test_optimum_matches_brute_force(variant: str, couplings: str) -> None:
    for seed in range(2):
        for vartype in ("SPIN", "BINARY"):
            bqm = random_bqm(11, vartype, seed=100 + seed)  # with linear biases and offset
            r = hw.solve(bqm, "sb", seed=seed, options={
                **CPU, "variant": variant, "couplings": couplings, "num_replicas": 16})
            assert r.energy == pytest.approx(brute_force_bqm(bqm), abs=1e-9)
            assert r.energy == pytest.approx(bqm.energy(r.sample), abs=1e-9)
            assert r.info["auxiliary_spin"] is True


def test_bipartite_torus_cuts_every_edge() -> None:
    # an even torus is bipartite: its maximum cut is all edges (certified without a solver)
    g = generate_graph(seed=0, size=144, kind="torus", weights="unit")
    r = hw.solve(maxcut_bqm(g), "sb", seed=3, options={**CPU, "couplings": "sparse"})
    assert -r.energy == pytest.approx(g.num_edges)
    assert r.info["couplings"] == "csr" and r.info["auxiliary_spin"] is False


def test_pm1_complete_graph_matches_exact_enumeration() -> None:
    g = generate_graph(seed=4, size=16, kind="complete", weights="pm1")
    bqm = maxcut_bqm(g)
    exact = hw.solve(bqm, "exact")
    r = hw.solve(bqm, "sb", seed=0, options={**CPU, "polish": False, "num_replicas": 32})
    assert r.energy == pytest.approx(exact.energy)


def test_time_step_is_scaled_to_the_spectrum() -> None:
    # unweighted 20-regular graph: the uniform mode's eigenvalue is the degree, and Goto's
    # fixed dt = 1.25 would be unstable; the automatic step must satisfy dt * omega < 2
    g = generate_graph(seed=1, size=200, kind="regular", degree=20)
    r = hw.solve(maxcut_bqm(g), "sb", seed=0, options={**CPU, "num_steps": 50})
    rho = np.abs(np.linalg.eigvalsh(IsingArrays.from_bqm(maxcut_bqm(g)).J.toarray())).max()
    assert rho == pytest.approx(10.0)  # weights w/2 = 1/2, degree 20
    assert r.info["spectral_radius"] == pytest.approx(rho, rel=0.1)
    omega = np.sqrt(1.0 + r.info["c0"] * rho)
    assert r.info["dt"] < 1.25 and r.info["dt"] * omega < 2.0
    # on a +-1 complete graph Goto's 1.25 is stable and kept
    k = generate_graph(seed=1, size=300, kind="complete", weights="pm1")
    r = hw.solve(maxcut_bqm(k), "sb", seed=0, options={**CPU, "num_steps": 20})
    assert r.info["dt"] == 1.25


@pytest.mark.parametrize("seed", range(3))
def test_spectral_radius_against_eigvalsh(seed: int) -> None:
    rng = np.random.default_rng(seed)
    A = scipy.sparse.random(150, 150, density=0.1, random_state=seed, format="csr")
    J = (A + A.T).tocsr()
    J.data = rng.choice([-1.0, 1.0], size=J.data.size)
    J = ((J + J.T) / 2).tocsr()
    exact = np.abs(np.linalg.eigvalsh(J.toarray())).max()
    estimate = spectral_radius(np, J.astype(np.float32), iterations=40)
    assert 0.8 * exact <= estimate <= exact * (1 + 1e-5)


def test_greedy_descent_reaches_a_one_flip_minimum() -> None:
    bqm = random_bqm(14, "SPIN", seed=9, density=0.8)
    m = IsingArrays.from_bqm(bqm)
    rng = np.random.default_rng(0)
    S0 = rng.choice([-1.0, 1.0], size=(14, 6))
    S, rounds = greedy_descent(np, m.J.toarray(), m.h, S0)
    assert rounds > 0
    E = energies(np, m.J.toarray(), m.h, S) + m.offset
    for r in range(6):
        sample = dict(zip(m.labels, S[:, r]))
        assert E[r] == pytest.approx(bqm.energy(sample))
        assert E[r] <= bqm.energy(dict(zip(m.labels, S0[:, r])))
        for v in m.labels:  # no single flip improves
            flipped = {**sample, v: -sample[v]}
            assert bqm.energy(flipped) >= E[r] - 1e-9


def test_early_stop_and_time_limit() -> None:
    g = generate_graph(seed=0, size=100, kind="torus", weights="unit")
    r = hw.solve(maxcut_bqm(g), "sb", seed=0, options={**CPU, "num_steps": 3000})
    assert r.info["early_stopped"] and r.info["steps_run"] < 3000
    assert -r.energy == pytest.approx(g.num_edges)
    k = generate_graph(seed=0, size=400, kind="complete", weights="pm1")
    r = hw.solve(maxcut_bqm(k), "sb", seed=0, time_limit=0.2, options={
        **CPU, "num_steps": 10 ** 6, "early_stop": False})
    assert r.info["time_limit_hit"] and r.info["steps_run"] < 10 ** 6


def test_a_time_limit_is_spent_on_one_complete_schedule() -> None:
    # a bipartite torus: every edge cut is the certified optimum
    g = generate_graph(seed=0, size=144, kind="torus", weights="unit")
    bqm = maxcut_bqm(g)
    opts = {**CPU, "early_stop": False, "num_replicas": 8}
    limit = 0.6
    r = hw.solve(bqm, "sb", seed=1, time_limit=limit, options=opts)  # spends by default
    info = r.info
    assert info["schedule"] == "time-filled" and not info["time_limit_hit"]
    assert info["steps_run"] == info["num_steps"] > 50  # complete; length from the rate
    assert 0.5 * limit <= r.wall_s <= limit + grace_s(limit)  # spent, and the contract held
    assert -r.energy == pytest.approx(g.num_edges)
    trace = info["trace"]  # best so far: times rise, energies fall, ending at the answer
    assert trace and trace[-1][1] == pytest.approx(r.energy)
    assert all(a[0] <= b[0] and a[1] > b[1] for a, b in itertools.pairwise(trace))
    assert SBBackend().capabilities().anytime
    for capped in ({**opts, "num_steps": 300}, {**opts, "fill_time_limit": False}):
        c = hw.solve(bqm, "sb", seed=1, time_limit=5.0, options=capped)
        assert c.info["schedule"] == "fixed" and c.info["steps_run"] == c.info["num_steps"]
    assert c.info["steps_run"] == 1000  # the default length, only capped


@pytest.mark.parametrize("size, kind", [(400, "complete"), (1600, "torus")])
def test_deadline_contract_on_larger_models(size: int, kind: str) -> None:
    g = generate_graph(seed=1, size=size, kind=kind, weights="pm1")
    limit = 0.4
    r = hw.solve(maxcut_bqm(g), "sb", seed=0, time_limit=limit, options=CPU)
    assert r.wall_s <= limit + grace_s(limit)
    assert r.info["steps_run"] == r.info["num_steps"] and not r.info["time_limit_hit"]


def test_a_slower_machine_gets_a_shorter_complete_schedule() -> None:
    # a fake clock: 1000 steps/s for 0.3 s, then 5x slower (a busy machine)
    deadline = Deadline(limit_s=1.0, started=0.0)
    plan = Schedule(None, 1000, deadline, fill=True, minimum=50)
    plan.start(0.0)
    now, positions = 0.0, []
    while not plan.finished:
        count = plan.next_count(20)
        positions.extend(plan.position() + t for t in range(count))
        fractions = [p / plan.total for p in positions[-count:]]
        assert all(0.0 <= f < 1.0 for f in fractions)
        now += count / (1000.0 if now < 0.3 else 200.0)
        plan.advance(count)
        if not plan.check(now):
            break
    assert not plan.timed_out and plan.pos == pytest.approx(plan.total)  # complete
    assert deadline.limit_s - 0.1 <= now <= deadline.limit_s  # spent, before the deadline
    assert 300 + 0.6 * 200 * 0.8 <= plan.steps < 1000  # shorter than at full speed
    same = Schedule(200, 1000, deadline, fill=False)  # a fixed length is not re-planned
    same.start(0.0)
    same.advance(20)
    assert same.check(0.5) and same.total == 200.0 and not same.check(0.99)
    assert same.timed_out  # capped: stopped at the deadline's margin


def test_fill_time_limit_needs_a_limit_and_no_num_steps() -> None:
    bqm = random_bqm(4, "SPIN", seed=0)
    with pytest.raises(OptionsError, match="needs a time limit"):
        hw.solve(bqm, "sb", options={"fill_time_limit": True})
    with pytest.raises(OptionsError, match="num_steps"):
        hw.solve(bqm, "sb", time_limit=1, options={"fill_time_limit": True, "num_steps": 9})


def test_same_seed_same_samples_and_info() -> None:
    bqm = maxcut_bqm(generate_graph(seed=2, size=60, kind="regular", degree=4))
    a = hw.solve(bqm, "sb", seed=7, options=CPU)
    b = hw.solve(bqm, "sb", seed=7, options=CPU)
    assert np.array_equal(a.samples.record.sample, b.samples.record.sample)
    assert a.info["device"] == "cpu" and a.info["array_module"] == "numpy"
    assert a.info["replicas"] == 64 and a.samples.record.num_occurrences.sum() == 64
    assert {"steps_run", "early_stopped", "polished", "dt", "c0"} <= set(a.info)


def test_bad_options_and_devices_fail_before_work() -> None:
    bqm = random_bqm(4, "SPIN", seed=0)
    with pytest.raises(OptionsError, match="num_replicas"):
        hw.solve(bqm, "sb", options={"num_replicas": 0})
    with pytest.raises(OptionsError, match="variant"):
        hw.solve(bqm, "sb", options={"variant": "csb"})
    big = dimod.BinaryQuadraticModel({i: 1.0 for i in range(40_001)}, {}, 0.0, "SPIN")
    with pytest.raises(ProblemTooLargeError, match="sparse"):
        SBBackend().solve(big, options={"couplings": "dense"})
    if not CUDA:
        with pytest.raises(BackendUnavailableError, match="device='gpu'"):
            hw.solve(bqm, "sb", options={"device": "gpu"})


def test_is_an_ocean_sampler() -> None:
    sampler = SBBackend()
    tracked = dimod.TrackingComposite(sampler)
    ss = tracked.sample_ising({"a": 1.0}, {("a", "b"): -1.0, ("b", "c"): 2.0}, seed=1,
                              device="cpu", num_replicas=8)
    assert tracked.input["num_replicas"] == 8
    assert ss.first.energy == pytest.approx(-4.0)
    assert "num_reads" in sampler.parameters
    ss = sampler.sample(random_bqm(6, "BINARY", seed=2), num_reads=5, seed=0, device="cpu")
    assert ss.record.num_occurrences.sum() == 5


@dimod.testing.load_sampler_bqm_tests(SBBackend)
class TestDimodSamplerTests(unittest.TestCase):
    """dimod's own sampler tests (empty to three variables, every BQM class, int biases)."""


def test_setup_is_timed_apart_and_paid_once() -> None:
    code = ("import hybrid_workbench as hw, dimod\n"
            "bqm = dimod.BinaryQuadraticModel({0: 1.0}, {(0, 1): -1.0, (1, 2): 1.0}, 0, 'SPIN')\n"
            "for _ in range(2):\n"
            "    r = hw.solve(bqm, 'sb', seed=0, options={'device': 'cpu', 'num_steps': 50})\n"
            "    print(r.timing.setup_s)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, second = map(float, out.stdout.split())
    assert first > 0.0 and second < 0.05 and second < first


def test_one_device_and_kernel_vocabulary() -> None:
    fake_gpu = arrays.ArrayContext(np, scipy.sparse, "gpu:fake")
    cpu = arrays.select("cpu")
    with pytest.raises(OptionsError, match="runs on the CPU"):
        arrays.resolve_kernel("compiled", fake_gpu)
    assert arrays.resolve_kernel("auto", fake_gpu) == "array"
    assert arrays.resolve_kernel("auto", cpu) == ("compiled" if arrays.compiled_available()
                                                  else "array")
    with pytest.raises(OptionsError, match="device must be one of"):
        arrays.select("cuda")
    with pytest.raises(OptionsError, match="kernel must be one of"):
        arrays.resolve_kernel("vectorized", cpu)
    with pytest.warns(DeprecationWarning, match="use kernel='array'"):
        assert arrays.renamed_value("kernel", "vectorized", {"vectorized": "array"}) == "array"


def test_old_package_path_is_a_deprecated_alias() -> None:
    name = "hybrid_workbench.backends.gpu"
    with pytest.warns(DeprecationWarning, match="backends.ising"):
        old = importlib.reload(sys.modules[name]) if name in sys.modules \
            else importlib.import_module(name)
    assert old.sb.SBBackend is SBBackend
    assert importlib.import_module(f"{name}.sa").GPUSABackend is hw.get_backend("gpu-sa").__class__


@pytest.mark.skipif(not CUDA, reason=f"no CUDA device: {CUDA_REASON}")
def test_gpu_matches_numpy_path() -> None:  # pragma: no cover - needs a GPU
    bqm = maxcut_bqm(generate_graph(seed=3, size=300, kind="regular", degree=6))
    opts = {"num_steps": 30, "early_stop": False, "polish": False}
    cpu = hw.solve(bqm, "sb", seed=5, options={**opts, "device": "cpu"})
    gpu = hw.solve(bqm, "sb", seed=5, options={**opts, "device": "gpu"})
    assert gpu.info["device"].startswith("gpu:") and gpu.info["array_module"] == "cupy"
    # same start (host RNG), same float32 steps: the signs agree but for rounding ties
    agree = (cpu.samples.record.sample == gpu.samples.record.sample).mean()
    assert agree > 0.99
    small = random_bqm(10, "BINARY", seed=1)
    assert hw.solve(small, "sb", seed=0, options={"device": "gpu"}).energy == pytest.approx(
        brute_force_bqm(small))
