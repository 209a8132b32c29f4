"""Numba kernels of the fast QAOA simulator (:mod:`hybrid_workbench.algorithms.qaoa_sim`).

Written by hand because no library fuses a diagonal phase with one-qubit gates in
cache-sized tiles. Imported only when the ``numba`` engine runs (numba is the ``fast``
extra); compiled on first use and cached on disk.

The state is held split, as two float64 arrays ``re`` and ``im`` (structure of arrays), so
every inner loop runs over contiguous doubles and compiles to SIMD arithmetic; a mixer is
an ``(n, 8)`` float64 table of the real and imaginary parts of its 2x2 matrices
(``m00 m01 m10 m11``). The plain X mixer ``exp(-i beta X)`` (``xmix=True``, the same on
every qubit) takes 8 multiplications per amplitude pair instead of 16, runs qubits 0-2 on
8 amplitudes held in registers, and the others two qubits per pass (radix 4), halving the
cache traffic; the general (warm-start) mixer takes one pass per qubit.

* :func:`low_sweep` applies the cost phase and the mixers of the ``nb`` lowest qubits to
  each contiguous block of ``2**nb`` amplitudes (cache-resident), blocks in parallel;
* :func:`high_sweep` applies the mixers of qubits ``lo .. lo+nb-1``: each task gathers a
  tile of ``2**nb`` rows of ``w`` contiguous amplitudes, spaced ``2**lo`` apart, into a
  per-thread contiguous buffer (so power-of-two strides cannot alias in the cache), applies
  the ``nb`` mixers there and scatters the tile back.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["low_sweep", "high_sweep", "fill", "energy", "probabilities", "combine", "histogram"]


@numba.njit(cache=True, fastmath=True, inline="always")
def _pairs(re: np.ndarray, im: np.ndarray, start: int, length: int, hl: int,
           m: np.ndarray) -> None:  # pragma: no cover - compiled
    """A general 2x2 mixer ``m`` (8 reals) on the pairs ``(k, k + hl)``."""
    m00r, m00i, m01r, m01i = m[0], m[1], m[2], m[3]
    m10r, m10i, m11r, m11i = m[4], m[5], m[6], m[7]
    for h0 in range(start, start + length, 2 * hl):
        ar_ = re[h0:h0 + hl]
        ai_ = im[h0:h0 + hl]
        br_ = re[h0 + hl:h0 + 2 * hl]
        bi_ = im[h0 + hl:h0 + 2 * hl]
        for j in range(hl):
            ar, ai, br, bi = ar_[j], ai_[j], br_[j], bi_[j]
            ar_[j] = m00r * ar - m00i * ai + m01r * br - m01i * bi
            ai_[j] = m00r * ai + m00i * ar + m01r * bi + m01i * br
            br_[j] = m10r * ar - m10i * ai + m11r * br - m11i * bi
            bi_[j] = m10r * ai + m10i * ar + m11r * bi + m11i * br


@numba.njit(cache=True, fastmath=True, inline="always")
def _x_quad(re: np.ndarray, im: np.ndarray, start: int, length: int, hl: int, c: float,
            s: float) -> None:  # pragma: no cover - compiled
    """The X mixer on two qubits at once (pair distances ``hl`` and ``2 hl``): one pass
    over the four quarters instead of two over the halves, so half the cache traffic."""
    for h0 in range(start, start + length, 4 * hl):
        ar_ = re[h0:h0 + hl]
        ai_ = im[h0:h0 + hl]
        br_ = re[h0 + hl:h0 + 2 * hl]
        bi_ = im[h0 + hl:h0 + 2 * hl]
        cr_ = re[h0 + 2 * hl:h0 + 3 * hl]
        ci_ = im[h0 + 2 * hl:h0 + 3 * hl]
        dr_ = re[h0 + 3 * hl:h0 + 4 * hl]
        di_ = im[h0 + 3 * hl:h0 + 4 * hl]
        for j in range(hl):
            ar, ai, br, bi = ar_[j], ai_[j], br_[j], bi_[j]
            cr, ci, dr, di = cr_[j], ci_[j], dr_[j], di_[j]
            ar, ai, br, bi = c * ar + s * bi, c * ai - s * br, c * br + s * ai, c * bi - s * ar
            cr, ci, dr, di = c * cr + s * di, c * ci - s * dr, c * dr + s * ci, c * di - s * cr
            ar_[j] = c * ar + s * ci
            ai_[j] = c * ai - s * cr
            cr_[j] = c * cr + s * ai
            ci_[j] = c * ci - s * ar
            br_[j] = c * br + s * di
            bi_[j] = c * bi - s * dr
            dr_[j] = c * dr + s * bi
            di_[j] = c * di - s * br


@numba.njit(cache=True, fastmath=True, inline="always")
def _x_low3(re: np.ndarray, im: np.ndarray, g: int, c: float,
            s: float) -> None:  # pragma: no cover - compiled
    """The X mixer on qubits 0, 1, 2 of the 8 amplitudes at ``g``, in registers."""
    r = re[g:g + 8]
    i = im[g:g + 8]
    r0, r1, r2, r3, r4, r5, r6, r7 = r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
    i0, i1, i2, i3, i4, i5, i6, i7 = i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7]
    r0, i0, r1, i1 = c * r0 + s * i1, c * i0 - s * r1, c * r1 + s * i0, c * i1 - s * r0
    r2, i2, r3, i3 = c * r2 + s * i3, c * i2 - s * r3, c * r3 + s * i2, c * i3 - s * r2
    r4, i4, r5, i5 = c * r4 + s * i5, c * i4 - s * r5, c * r5 + s * i4, c * i5 - s * r4
    r6, i6, r7, i7 = c * r6 + s * i7, c * i6 - s * r7, c * r7 + s * i6, c * i7 - s * r6
    r0, i0, r2, i2 = c * r0 + s * i2, c * i0 - s * r2, c * r2 + s * i0, c * i2 - s * r0
    r1, i1, r3, i3 = c * r1 + s * i3, c * i1 - s * r3, c * r3 + s * i1, c * i3 - s * r1
    r4, i4, r6, i6 = c * r4 + s * i6, c * i4 - s * r6, c * r6 + s * i4, c * i6 - s * r4
    r5, i5, r7, i7 = c * r5 + s * i7, c * i5 - s * r7, c * r7 + s * i5, c * i7 - s * r5
    r0, i0, r4, i4 = c * r0 + s * i4, c * i0 - s * r4, c * r4 + s * i0, c * i4 - s * r0
    r1, i1, r5, i5 = c * r1 + s * i5, c * i1 - s * r5, c * r5 + s * i1, c * i5 - s * r1
    r2, i2, r6, i6 = c * r2 + s * i6, c * i2 - s * r6, c * r6 + s * i2, c * i6 - s * r2
    r3, i3, r7, i7 = c * r3 + s * i7, c * i3 - s * r7, c * r7 + s * i3, c * i7 - s * r3
    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] = r0, r1, r2, r3, r4, r5, r6, r7
    i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7] = i0, i1, i2, i3, i4, i5, i6, i7


@numba.njit(cache=True, fastmath=True, inline="always")
def _x_qubits(re: np.ndarray, im: np.ndarray, start: int, length: int, hl: int, nq: int,
              m: np.ndarray) -> None:  # pragma: no cover - compiled
    """The X mixer ``m`` on ``nq`` consecutive qubits, the lowest at pair distance ``hl``:
    two at a time, an odd last one through the general pair update."""
    c = m[0]
    s = -m[3]  # m00 = cos(beta), m01 = -i sin(beta)
    q = 0
    while q + 1 < nq:
        _x_quad(re, im, start, length, hl << q, c, s)
        q += 2
    if q < nq:
        _pairs(re, im, start, length, hl << q, m)


@numba.njit(parallel=True, cache=True, fastmath=True)
def low_sweep(re: np.ndarray, im: np.ndarray, nb: int, mix: np.ndarray, xmix: bool,
              table_mode: bool, tre: np.ndarray, tim: np.ndarray, idx: np.ndarray,
              cost: np.ndarray, gamma: float) -> None:  # pragma: no cover - compiled
    """Cost phase, then the mixers of qubits ``0 .. nb-1``, block by block, in place."""
    size = 1 << nb
    c = mix[0, 0]
    s = -mix[0, 3]  # X mixer: m00 = cos(beta), m01 = -i sin(beta)
    fused3 = xmix and nb >= 3
    for blk in numba.prange(re.size >> nb):
        base = blk << nb
        for g in range(base, base + size, 8 if size >= 8 else size):
            for k in range(g, min(g + 8, base + size)):
                if table_mode:
                    lv = idx[k]
                    cr = tre[lv]
                    ci = tim[lv]
                else:
                    x = -gamma * cost[k]
                    cr = np.cos(x)
                    ci = np.sin(x)
                a = re[k]
                b = im[k]
                re[k] = a * cr - b * ci
                im[k] = a * ci + b * cr
            if fused3:
                _x_low3(re, im, g, c, s)
        if fused3:
            _x_qubits(re, im, base, size, 8, nb - 3, mix[0])
        elif xmix:
            _x_qubits(re, im, base, size, 1, nb, mix[0])
        else:
            for q in range(nb):
                _pairs(re, im, base, size, 1 << q, mix[q])


@numba.njit(parallel=True, cache=True, fastmath=True)
def high_sweep(re: np.ndarray, im: np.ndarray, lo: int, nb: int, mix: np.ndarray, xmix: bool,
               w: int, bre: np.ndarray, bim: np.ndarray) -> None:  # pragma: no cover - compiled
    """Mixers of qubits ``lo .. lo+nb-1`` through per-thread tile buffers ``bre/bim[t]``."""
    stride = 1 << lo
    rows = 1 << nb
    span = rows * stride
    groups = stride // w
    tasks = (re.size // span) * groups
    threads = bre.shape[0]
    for t in numba.prange(threads):
        br = bre[t]
        bi = bim[t]
        for task in range(t, tasks, threads):
            base = (task // groups) * span + (task % groups) * w
            for r in range(rows):
                br[r * w:(r + 1) * w] = re[base + r * stride:base + r * stride + w]
                bi[r * w:(r + 1) * w] = im[base + r * stride:base + r * stride + w]
            if xmix:
                _x_qubits(br, bi, 0, rows * w, w, nb, mix[0])
            else:
                for q in range(nb):
                    _pairs(br, bi, 0, rows * w, w << q, mix[lo + q])
            for r in range(rows):
                re[base + r * stride:base + r * stride + w] = br[r * w:(r + 1) * w]
                im[base + r * stride:base + r * stride + w] = bi[r * w:(r + 1) * w]


@numba.njit(parallel=True, cache=True)
def energy(re: np.ndarray, im: np.ndarray, table_mode: bool, idx: np.ndarray,
           levels: np.ndarray, cost: np.ndarray) -> float:  # pragma: no cover - compiled
    """``sum_k |psi_k|^2 C_k``; ``re``/``im`` are the split state or a complex state's views."""
    total = 0.0
    if table_mode:
        for k in numba.prange(re.size):
            total += (re[k] * re[k] + im[k] * im[k]) * levels[idx[k]]
    else:
        for k in numba.prange(re.size):
            total += (re[k] * re[k] + im[k] * im[k]) * cost[k]
    return total


@numba.njit(parallel=True, cache=True)
def fill(re: np.ndarray, im: np.ndarray, value: float) -> None:  # pragma: no cover - compiled
    """``re = value, im = 0`` (the uniform superposition), pages touched by every thread."""
    for k in numba.prange(re.size):
        re[k] = value
        im[k] = 0.0


@numba.njit(parallel=True, cache=True)
def probabilities(re: np.ndarray, im: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty(re.size)
    for k in numba.prange(re.size):
        out[k] = re[k] * re[k] + im[k] * im[k]
    return out


@numba.njit(parallel=True, cache=True)
def combine(re: np.ndarray, im: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty(re.size, dtype=np.complex128)
    for k in numba.prange(re.size):
        out[k] = complex(re[k], im[k])
    return out


@numba.njit(cache=True)
def histogram(p: np.ndarray, idx: np.ndarray, size: int) -> np.ndarray:  # pragma: no cover
    out = np.zeros(size)
    for k in range(p.size):
        out[idx[k]] += p[k]
    return out
