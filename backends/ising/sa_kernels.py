"""Compiled CPU kernel (numba) of ``gpu-sa``: fused Metropolis sweeps over CSR couplings.

NumPy pays a temporary array and a Python round trip per operation; on sparse models
(G-set) that overhead, not arithmetic, dominates an annealing sweep. These kernels fuse a
whole Metropolis sweep over a CSR matrix into one compiled loop, replicas spread over CPU
threads (``prange``). They are written by hand because no library offers a batched,
seedable, CSR Metropolis sweep with incremental local fields (``dwave-samplers`` runs one
read per call, single-threaded).

numba is optional (the ``fast`` extra): :func:`hybrid_workbench.arrays.compiled_available`
says whether it imports. The kernel is compiled once and cached on disk (``cache=True``);
:func:`warm` loads it (or compiles it into the cache), so the backend's set-up pays that,
not its first solve.

Threads: the kernel runs under numba's ``workqueue`` threading layer unless the user chose
one (:func:`hybrid_workbench.arrays.prefer_workqueue` says why).

Examples:
    >>> import numpy as np, scipy.sparse as sp
    >>> from hybrid_workbench.arrays import compiled_available
    >>> if compiled_available():
    ...     J = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
    ...     s = np.ones((2, 2), dtype=np.int8)
    ...     _ = anneal_csr(J.indptr, J.indices, J.data, np.zeros(2), s, np.full(10, 5.0),
    ...                    np.array([1, 2], dtype=np.int64))
    ...     bool((s[:, 0] * s[:, 1] == -1).all())  # antiferromagnetic pair ends anti-aligned
    ... else:
    ...     True
    True
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from hybrid_workbench.arrays import prefer_workqueue

__all__ = ["anneal_csr", "warm"]


@functools.cache
def _compiled() -> Any:
    from numba import njit, prange

    prefer_workqueue()

    @njit(parallel=True, cache=True, fastmath=False)
    def anneal(indptr, indices, data, h, spins, betas, seeds):  # pragma: no cover - compiled
        R = spins.shape[0]
        n = spins.shape[1]
        for r in prange(R):
            # xorshift64* per replica: a few integer operations per draw, about 1.3x faster
            # sweeps on G55 than numba's Mersenne Twister
            state = np.uint64(seeds[r]) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1)
            s = spins[r]
            field = np.empty(n, dtype=np.float64)
            for i in range(n):
                acc = h[i]
                for k in range(indptr[i], indptr[i + 1]):
                    acc += data[k] * s[indices[k]]
                field[i] = acc
            for beta in betas:
                for i in range(n):
                    delta = -2.0 * s[i] * field[i]  # energy change of flipping spin i
                    if delta > 0.0:
                        x = beta * delta
                        if x > 30.0:
                            continue
                        state ^= state >> np.uint64(12)
                        state ^= state << np.uint64(25)
                        state ^= state >> np.uint64(27)
                        bits = (state * np.uint64(0x2545F4914F6CDD1D)) >> np.uint64(11)
                        if np.float64(bits) * (1.0 / 9007199254740992.0) >= np.exp(-x):
                            continue
                    s[i] = -s[i]
                    twice = 2.0 * s[i]
                    for k in range(indptr[i], indptr[i + 1]):
                        field[indices[k]] += twice * data[k]
        return spins

    return anneal


def anneal_csr(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, h: np.ndarray,
               spins: np.ndarray, betas: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Metropolis sweeps (in index order) of every replica, in place.

    Args:
        indptr, indices, data: symmetric CSR couplings ``J`` (``E = s^T J s / 2 + h^T s``).
        h: linear biases (float64).
        spins: ``(R, n)`` int8 array of +-1, updated in place (one row per replica).
        betas: inverse temperature of each sweep.
        seeds: one seed per replica (each replica's random stream is its own, so results
            do not depend on the thread count).

    Returns:
        ``spins``.
    """
    c = np.ascontiguousarray
    return _compiled()(c(indptr, np.int64), c(indices, np.int64), c(data, np.float64),
                       c(h, np.float64), spins, c(betas, np.float64), c(seeds, np.int64))


def warm() -> None:
    """Load the compiled kernel (from the on-disk cache, or compile it there) and start its
    threads, on a two-spin model with the argument types of :func:`anneal_csr`."""
    indptr = np.array([0, 1, 2], dtype=np.int64)
    indices = np.array([1, 0], dtype=np.int64)
    spins = np.ones((2, 2), dtype=np.int8)
    anneal_csr(indptr, indices, np.ones(2), np.zeros(2), spins, np.ones(2),
               np.array([1, 2], dtype=np.int64))
