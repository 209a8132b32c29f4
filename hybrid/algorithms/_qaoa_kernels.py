"""Numba kernels of the fast QAOA simulator (:mod:`hybrid.algorithms.qaoa_sim`).

Written by hand because no library fuses a diagonal phase with one-qubit gates in
cache-sized tiles. Imported only when the ``numba`` engine runs (numba is the ``fast``
extra); compiled on first use and cached on disk.

:func:`sweep` applies the mixers of qubits ``lo .. lo+nb-1`` (and, on the first sweep, the
cost phase) to the state in place. The state is cut into independent tasks: a task holds
``2**nb`` rows of ``tile`` contiguous amplitudes, spaced ``2**lo`` apart, so all ``nb``
mixers of the sweep touch only that tile, which stays in cache. Tasks run in parallel.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["sweep", "expect_table", "expect_cost", "histogram"]


@numba.njit(parallel=True, cache=True, fastmath=False)
def sweep(psi: np.ndarray, lo: int, nb: int, mats: np.ndarray, tile: int, phase: bool,
          table_mode: bool, table: np.ndarray, idx: np.ndarray, cost: np.ndarray,
          gamma: float) -> None:  # pragma: no cover - compiled
    stride = 1 << lo
    rows = 1 << nb
    span = rows * stride
    n_outer = psi.size // span
    w = min(tile, stride)
    groups = stride // w
    for t in numba.prange(n_outer * groups):
        base = (t // groups) * span + (t % groups) * w
        if phase:
            for r in range(rows):
                off = base + r * stride
                for c in range(w):
                    k = off + c
                    if table_mode:
                        psi[k] *= table[idx[k]]
                    else:
                        x = -gamma * cost[k]
                        psi[k] *= complex(np.cos(x), np.sin(x))
        for qq in range(nb):
            m00 = mats[lo + qq, 0, 0]
            m01 = mats[lo + qq, 0, 1]
            m10 = mats[lo + qq, 1, 0]
            m11 = mats[lo + qq, 1, 1]
            half = 1 << qq
            for r in range(rows):
                if r & half:
                    continue
                a_off = base + r * stride
                b_off = a_off + half * stride
                for c in range(w):
                    a = psi[a_off + c]
                    b = psi[b_off + c]
                    psi[a_off + c] = m00 * a + m01 * b
                    psi[b_off + c] = m10 * a + m11 * b


@numba.njit(parallel=True, cache=True)
def expect_table(psi: np.ndarray, idx: np.ndarray, levels: np.ndarray) -> float:  # pragma: no cover
    total = 0.0
    for k in numba.prange(psi.size):
        total += (psi[k].real ** 2 + psi[k].imag ** 2) * levels[idx[k]]
    return total


@numba.njit(parallel=True, cache=True)
def expect_cost(psi: np.ndarray, cost: np.ndarray) -> float:  # pragma: no cover
    total = 0.0
    for k in numba.prange(psi.size):
        total += (psi[k].real ** 2 + psi[k].imag ** 2) * cost[k]
    return total


@numba.njit(cache=True)
def histogram(p: np.ndarray, idx: np.ndarray, size: int) -> np.ndarray:  # pragma: no cover
    out = np.zeros(size)
    for k in range(p.size):
        out[idx[k]] += p[k]
    return out
