"""The compiled ``sb`` paths: the bit-packed product is exact, and every path solves exactly."""

from __future__ import annotations

import hybrid_workbench as hw
import numpy as np
import pytest
import scipy.sparse
from hybrid_workbench import arrays
from hybrid_workbench.errors import OptionsError
from hybrid_workbench.testing import brute_force_bqm, random_bqm
from hybrid_workbench.usecases.maxcut import maxcut_bqm
from hybrid_workbench.usecases.maxcut.io import generate_graph

pytestmark = pytest.mark.skipif(not arrays.compiled_available(),
                                reason="numba not installed (the 'fast' extra)")
CPU = {"device": "cpu"}


def symmetric(n: int, values: list[float], density: float, seed: int) -> scipy.sparse.csr_matrix:
    rng = np.random.default_rng(seed)
    A = rng.choice(values, size=(n, n)) * (rng.random((n, n)) < density)
    A = np.triu(A, 1)
    return scipy.sparse.csr_matrix(A + A.T)


@pytest.mark.parametrize("n", [2, 3, 63, 64, 65, 130, 257])
@pytest.mark.parametrize("values, density", [([-1.0, 1.0], 1.0), ([-1.0, 0.0, 1.0], 1.0),
                                             ([-0.5, 0.5], 0.1), ([2.5], 0.5)])
def test_bit_product_equals_float_product(n: int, values: list[float], density: float) -> None:
    from hybrid_workbench.backends.ising import sb_kernels

    J = symmetric(n, values, density, seed=n)
    if J.nnz == 0:
        J = scipy.sparse.csr_matrix(np.eye(n, k=1) + np.eye(n, k=-1)) * values[-1]
    rng = np.random.default_rng(1)
    X = rng.uniform(-1.0, 1.0, size=(n, 70)).astype(np.float32)
    X[rng.random(X.shape) < 0.05] = 0.0  # a zero position reads as spin +1
    S = np.where(X >= 0, 1.0, -1.0)
    reference = J.toarray() @ S  # float64: exact on these integers times one magnitude
    for bits in (sb_kernels.pack_couplings(J), sb_kernels.pack_couplings(J, dense=J.toarray())):
        assert bits is not None and bits.words == (n + 63) // 64
        assert bits.scale == abs(values[-1])
        got = sb_kernels.bits_product(bits, sb_kernels.pack_signs(X))
        assert np.array_equal(got, reference)


def test_two_magnitudes_are_not_packed() -> None:
    from hybrid_workbench.backends.ising import sb_kernels

    assert sb_kernels.pack_couplings(symmetric(40, [-1.0, 2.0], 1.0, seed=0)) is None
    assert sb_kernels.pack_couplings(scipy.sparse.csr_matrix((5, 5))) is None


def test_bits_path_solves_pm1_complete_graph_exactly() -> None:
    g = generate_graph(seed=4, size=16, kind="complete", weights="pm1")
    bqm = maxcut_bqm(g)
    exact = hw.solve(bqm, "exact")
    for variant in ("dsb", "hdsb"):
        r = hw.solve(bqm, "sb", seed=0, options={
            **CPU, "variant": variant, "polish": False, "num_replicas": 32})
        assert r.info["product"] == "bits" and r.info["kernel"] == "compiled"
        assert r.energy == pytest.approx(exact.energy)


@pytest.mark.parametrize("variant", ["dsb", "bsb", "hdsb", "hbsb"])
def test_compiled_csr_path_matches_brute_force(variant: str) -> None:
    for seed in range(2):
        bqm = random_bqm(11, "BINARY", seed=300 + seed)  # several magnitudes, linear biases
        r = hw.solve(bqm, "sb", seed=seed, options={
            **CPU, "variant": variant, "couplings": "sparse", "kernel": "compiled",
            "num_replicas": 16})
        assert r.info["product"] == "csr"
        assert r.energy == pytest.approx(brute_force_bqm(bqm), abs=1e-9)


def test_compiled_and_array_paths_follow_the_same_trajectories() -> None:
    # same start, same float32 dynamics: the signs agree but for rounding ties
    cases = [(generate_graph(seed=2, size=150, kind="complete", weights="pm1"), "dense", "bits"),
             (generate_graph(seed=3, size=300, kind="regular", degree=6), "sparse", "csr")]
    for g, couplings, product in cases:
        opts = {**CPU, "couplings": couplings, "num_steps": 40, "early_stop": False,
                "polish": False}
        fast = hw.solve(maxcut_bqm(g), "sb", seed=5, options={**opts, "kernel": "compiled"})
        slow = hw.solve(maxcut_bqm(g), "sb", seed=5, options={**opts, "kernel": "array"})
        assert fast.info["product"] == product
        assert slow.info["product"] == ("gemm" if couplings == "dense" else "spmm")
        agree = (fast.samples.record.sample == slow.samples.record.sample).mean()
        assert agree > 0.99


def reference_steps(J: scipy.sparse.csr_matrix, X: np.ndarray, Y: np.ndarray, discrete: bool,
                    first: int, count: int, total: int, a0: float, dt: float, c0: float) -> None:
    """The SB step of the module docs in float64 NumPy, in place (the independent reference)."""
    for k in range(first, first + count):
        F = J @ (np.where(X >= 0, 1.0, -1.0) if discrete else X)
        Y += dt * (-(a0 - a0 * k / total) * X - c0 * F)
        X += dt * a0 * Y
        wall = np.abs(X) > 1.0
        X[:] = np.clip(X, -1.0, 1.0)
        Y[wall] = 0.0


@pytest.mark.parametrize("discrete", [True, False])
def test_replica_blocks_with_padding_and_odd_chunks(discrete: bool) -> None:
    from hybrid_workbench.backends.ising.sb_kernels import CSRBlocks

    J = symmetric(40, [-1.0, 0.5, 2.0], 0.2, seed=4).astype(np.float32)
    rng = np.random.default_rng(0)
    X0 = rng.uniform(-0.1, 0.1, (40, 7)).astype(np.float32)  # 7 replicas: blocks of 3, 3, 1
    Y0 = rng.uniform(-0.1, 0.1, (40, 7)).astype(np.float32)
    csr = (J.indptr.astype(np.int64), J.indices.astype(np.int64), J.data.astype(np.float32))
    runs = []
    for blocks in (1, 3):
        X, Y = X0.copy(), Y0.copy()
        state = CSRBlocks(X, Y, discrete, blocks)
        for first, count in ((0, 7), (7, 13)):  # odd chunks: the signs must carry over
            state.advance(*csr, first, count, 60, 1.0, 0.5, 0.3, 1.0)
        runs.append(X)
    assert np.array_equal(runs[0], runs[1])  # blocks never mix replicas
    Xr, Yr = X0.astype(np.float64), Y0.astype(np.float64)
    reference_steps(J.astype(np.float64), Xr, Yr, discrete, 0, 20, 60, 1.0, 0.5, 0.3)
    assert np.allclose(runs[1], Xr, atol=1e-4)


def test_torus_cut_on_the_csr_kernel_with_time_limit_and_early_stop() -> None:
    g = generate_graph(seed=0, size=144, kind="torus", weights="unit")
    r = hw.solve(maxcut_bqm(g), "sb", seed=3, options={**CPU, "couplings": "sparse"})
    assert r.info["product"] == "csr" and r.info["early_stopped"]
    assert -r.energy == pytest.approx(g.num_edges)
    k = generate_graph(seed=0, size=300, kind="complete", weights="pm1")
    r = hw.solve(maxcut_bqm(k), "sb", seed=0, time_limit=0.2, options={
        **CPU, "num_steps": 10 ** 7, "early_stop": False})
    assert r.info["product"] == "bits" and r.info["time_limit_hit"]


def test_bad_kernel_option() -> None:
    with pytest.raises(OptionsError, match="kernel"):
        hw.solve(random_bqm(4, "SPIN", seed=0), "sb", options={"kernel": "bits"})
