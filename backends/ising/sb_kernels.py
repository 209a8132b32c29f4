"""Compiled CPU kernels (numba) for ``sb``: fused SB steps, and the exact bit-packed product.

The NumPy path of ``sb`` spends a step on one product ``J @ X`` plus a chain of
element-wise temporaries. On the CPU two things do better, and both are hand-written here
because no library offers them:

* **Bit-packed product** (dense models whose couplings share one magnitude ``c``, as on
  +-1 complete graphs and unweighted G-set graphs): dSB multiplies ``J`` by ``sign(x)``,
  so with the signs of row ``i`` of ``J`` and of one replica packed into 64-bit words,
  ``sum_j J_ij s_j = c * (nnz_i - 2 * popcount((Jbits_i ^ Sbits) & mask_i))``, exactly
  (integers, no rounding). A ``(n, n)`` float32 product becomes ``n * R * ceil(n / 64)``
  XOR/AND/popcount word operations.
* **Fused CSR step** (sparse models): one compiled pass per step over the CSR rows computes
  every replica's local field and advances ``(x, y)`` in place, instead of a sparse product
  and about ten NumPy temporaries.

Both kernels run whole chunks of steps per call (the caller checks its time limit and
early stopping between chunks). The bit-packed kernel spreads rows over CPU threads
(``prange``) in a single parallel region per step: on a shared CPU every region waits for
its slowest thread, so the product, the update and the sign packing are fused rather than
run as three. The CSR kernel spreads replica blocks over threads (:class:`CSRBlocks`), one
region per chunk: sparse steps are too short to pay for a region each. A spin whose
position is exactly 0 counts as +1 here (``x >= 0``), as in the final readout.

numba is optional (the ``fast`` extra) and imported by this module, which ``sb`` imports
only when :func:`hybrid_workbench.arrays.compiled_available` says numba is there. The
kernels are compiled once and cached on disk (``cache=True``); :func:`warm` loads every
one of them with the argument types the solver passes (schedule positions as floats), so
the backend's set-up pays that, not its first solve.

Examples:
    >>> import numpy as np, scipy.sparse as sp
    >>> J = sp.csr_matrix(np.array([[0, 1, -1], [1, 0, 0], [-1, 0, 0]], dtype=float))
    >>> bits = pack_couplings(J)
    >>> bits.scale, bits.nnz.tolist()
    (1.0, [2, 1, 1])
    >>> S = np.array([[1, -1, 1], [-1, -1, 1]], dtype=np.float32).T  # two replicas
    >>> bits_product(bits, pack_signs(S)).tolist() == (J @ S).tolist()
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic

from hybrid_workbench.arrays import prefer_workqueue

prefer_workqueue()  # see hybrid_workbench.arrays: OpenMP barriers collapse on a shared CPU

__all__ = ["BitCouplings", "CSRBlocks", "pack_couplings", "pack_signs", "bits_product", "run_bits",
           "warm"]


@dataclass(frozen=True)
class BitCouplings:
    """Couplings ``J = scale * sign(J)`` packed into 64-bit words, one row of words per row.

    Attributes:
        jbits: ``(n, W)`` uint64; bit ``j % 64`` of word ``j // 64`` is set where ``J_ij > 0``.
        mask: ``(n, W)`` uint64; set where ``J_ij != 0``.
        nnz: ``(n,)`` int64, non-zeros per row.
        scale: the common magnitude ``c`` of the non-zero couplings.
    """

    jbits: np.ndarray
    mask: np.ndarray
    nnz: np.ndarray
    scale: float

    @property
    def words(self) -> int:
        return int(self.jbits.shape[1])


def _pack_rows(dense_bool: np.ndarray) -> np.ndarray:
    """``(m, n)`` booleans as ``(m, ceil(n / 64))`` uint64 words, bit ``j % 64`` little-endian."""
    m, n = dense_bool.shape
    W = (n + 63) // 64
    padded = np.zeros((m, W * 64), dtype=bool)
    padded[:, :n] = dense_bool
    packed = np.packbits(padded, axis=1, bitorder="little")  # (m, 8 W) bytes
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64, copy=False).reshape(m, W)


def single_magnitude(J: Any) -> float | None:
    """The common ``|J_ij|`` of a CSR matrix's non-zeros, or None if they differ (or none)."""
    data = np.abs(J.data[J.data != 0])
    if data.size == 0 or not np.all(data == data[0]):
        return None
    return float(data[0])


def pack_couplings(J: Any, dense: np.ndarray | None = None) -> BitCouplings | None:
    """Pack a SciPy CSR ``J`` whose non-zeros share one magnitude; else None.

    ``dense``, when given, is ``J`` as a dense array (packed from directly, faster).
    """
    scale = single_magnitude(J)
    if scale is None:
        return None
    if dense is not None:
        nz = dense != 0
        return BitCouplings(_pack_rows(dense > 0), _pack_rows(nz),
                            nz.sum(axis=1, dtype=np.int64), scale)
    J = J.tocsr()
    J.eliminate_zeros()
    n = J.shape[0]
    pos = np.zeros((n, n), dtype=bool)
    nz = np.zeros((n, n), dtype=bool)
    rows = np.repeat(np.arange(n), np.diff(J.indptr))
    nz[rows, J.indices] = True
    pos[rows, J.indices] = J.data > 0
    return BitCouplings(_pack_rows(pos), _pack_rows(nz), np.diff(J.indptr).astype(np.int64), scale)


def pack_signs(X: np.ndarray) -> np.ndarray:
    """Signs of the replicas in the columns of ``X`` (``(n, R)``) as ``(R, W)`` uint64 words.

    Bit ``j`` of replica ``r`` is set where ``X[j, r] >= 0`` (spin +1).
    """
    return _pack_rows(np.asarray(X).T >= 0)


@intrinsic
def _popcount(typingctx, x):  # LLVM's ctpop: one POPCNT (or a vectorised lookup)
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


@njit(parallel=True, cache=True)
def _product(jbits, mask, nnz, scale, sbits, out):  # pragma: no cover - compiled
    n, W = jbits.shape
    R = sbits.shape[0]
    for i in prange(n):
        for r in range(R):
            acc = np.uint64(0)
            for k in range(W):
                acc += _popcount((jbits[i, k] ^ sbits[r, k]) & mask[i, k])
            out[i, r] = scale * (nnz[i] - 2 * np.int64(acc))
    return out


@njit(inline="always")
def _advance(X, Y, F, keep, drift, kick, move, i, r):
    # y <- keep * y - drift * x - kick * f;  x <- x + move * y;  inelastic walls at |x| = 1
    y = keep * Y[i, r] - drift * X[i, r] - kick * F[i, r]
    x = X[i, r] + move * y
    X[i, r] = min(max(x, np.float32(-1.0)), np.float32(1.0))
    Y[i, r] = np.float32(0.0) if np.abs(x) > np.float32(1.0) else y
    return X[i, r]


@njit(parallel=True, cache=True)
def _bits_steps(jbits, mask, nnz, scale, X, Y, sbits, snew, F, first, count, total, a0, dt, c0,
                keep):  # pragma: no cover - compiled
    n, R = X.shape
    W = jbits.shape[1]
    kick = np.float32(c0 * dt * scale)
    move = np.float32(a0 * dt)
    keep = np.float32(keep)
    for t in range(count):
        drift = np.float32(dt * (a0 - a0 * (first + t) / total))
        # one parallel region per step: block w (rows 64w..64w+63) reads the old signs and
        # writes word w of every replica's new signs, so blocks never share a word
        for w in prange(W):
            end = min(64 * w + 64, n)
            for i in range(64 * w, end):
                for r in range(R):  # exact +-1 product: disagreeing signs counted by popcount
                    acc = np.uint64(0)
                    for k in range(W):
                        acc += _popcount((jbits[i, k] ^ sbits[r, k]) & mask[i, k])
                    F[i, r] = np.float32(nnz[i] - 2 * np.int64(acc))
                for r in range(R):
                    _advance(X, Y, F, keep, drift, kick, move, i, r)
            for r in range(R):
                word = np.uint64(0)
                for i in range(64 * w, end):
                    if X[i, r] >= 0:
                        word |= np.uint64(1) << np.uint64(i - 64 * w)
                snew[r, w] = word
        sbits[:, :] = snew
    return sbits


@njit(parallel=True, cache=True)
def _csr_steps(indptr, indices, data, X, Y, S, T, F, discrete, first, count, total, a0, dt, c0,
               keep):  # pragma: no cover - compiled
    nb, n, B = X.shape
    kick = np.float32(c0 * dt)
    move = np.float32(a0 * dt)
    keep = np.float32(keep)
    one = np.float32(1.0)
    zero = np.float32(0.0)
    for b in prange(nb):  # replica blocks are independent: one thread runs all the steps
        Xb, Yb, Fb = X[b], Y[b], F[b]
        old, new = S[b], T[b]
        for t in range(count):
            drift = np.float32(dt * (a0 - a0 * (first + t) / total))
            for i in range(n):
                fi, xi, yi, ni = Fb[i], Xb[i], Yb[i], new[i]  # rows: contiguous replicas
                for r in range(B):
                    fi[r] = zero
                for k in range(indptr[i], indptr[i + 1]):
                    oj = old[indices[k]]
                    d = data[k]
                    for r in range(B):
                        fi[r] += d * oj[r]
                for r in range(B):
                    y = keep * yi[r] - drift * xi[r] - kick * fi[r]
                    x = xi[r] + move * y
                    yi[r] = y if np.abs(x) <= one else zero
                    x = min(max(x, -one), one)
                    xi[r] = x
                    if discrete:
                        ni[r] = one if x >= zero else -one
                    else:
                        ni[r] = x
            old, new = new, old
        if count % 2 == 1:
            S[b][:, :] = T[b]
    return X


class CSRBlocks:
    """SB state for the fused CSR kernel, in replica blocks: ``(blocks, n, width)`` arrays.

    Replicas do not interact, so each block (one per thread) runs a whole chunk of steps on
    its own: one parallel region per chunk instead of one per step (a step on G22 or G55
    is a few hundred microseconds, about what a region's start and barrier cost on a shared
    CPU), and each block's rows are contiguous, so the inner loops over replicas vectorise.
    A last block narrower than the others is padded with replicas that are computed but
    never copied back. With fewer replicas than threads, only one thread per replica works.

    Args:
        X, Y: ``(n, R)`` float32 positions and momenta; ``X`` is written back after every
            :meth:`advance` (the caller reads signs from it).
        discrete: dSB (the product reads ``sign(x)``) or bSB (it reads ``x``).
        blocks: replica blocks (threads); at most ``R``.
    """

    def __init__(self, X: np.ndarray, Y: np.ndarray, discrete: bool, blocks: int) -> None:
        R = X.shape[1]
        self.out, self.discrete = X, discrete
        self.width = -(-R // max(1, min(blocks, R)))
        nb = -(-R // self.width)  # no block of padding only
        self.X, self.Y = self._split(X, nb), self._split(Y, nb)
        self.S = np.where(self.X >= 0, 1.0, -1.0).astype(np.float32) if discrete else self.X.copy()
        self.T = np.empty_like(self.S)
        self.F = np.empty_like(self.S)

    def _split(self, A: np.ndarray, nb: int) -> np.ndarray:
        n, R = A.shape
        padded = np.zeros((n, nb * self.width), dtype=np.float32)
        padded[:, :R] = A
        return np.ascontiguousarray(padded.reshape(n, nb, self.width).transpose(1, 0, 2))

    def advance(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, first: float,
                count: int, total: float, a0: float, dt: float, c0: float, keep: float) -> None:
        """``count`` steps from position ``first`` of a schedule of length ``total`` (the
        pump of step ``t`` is ``a0 * (first + t) / total``); ``keep`` = 1 + heat * dt."""
        _csr_steps(indptr, indices, data, self.X, self.Y, self.S, self.T, self.F,
                   bool(self.discrete), float(first), int(count), float(total), float(a0),
                   float(dt), float(c0), float(keep))
        n, R = self.out.shape
        self.out[:, :] = self.X.transpose(1, 0, 2).reshape(n, -1)[:, :R]


def bits_product(bits: BitCouplings, sbits: np.ndarray) -> np.ndarray:
    """``J @ S`` (``(n, R)`` float64) from packed couplings and packed replica signs, exactly."""
    out = np.empty((bits.jbits.shape[0], sbits.shape[0]), dtype=np.float64)
    return _product(bits.jbits, bits.mask, bits.nnz, float(bits.scale),
                    np.ascontiguousarray(sbits, dtype=np.uint64), out)


def run_bits(bits: BitCouplings, X: np.ndarray, Y: np.ndarray, sbits: np.ndarray, first: float,
             count: int, total: float, a0: float, dt: float, c0: float, keep: float) -> None:
    """Advance dSB by ``count`` steps in place (``X``, ``Y``: ``(n, R)`` float32; ``sbits``:
    packed signs of ``X``). Step ``t`` runs at pump ``a0 * (first + t) / total``; ``keep``
    is the momentum factor (1 + heat * dt for the heated variant)."""
    F = np.empty(X.shape, dtype=np.float32)
    _bits_steps(bits.jbits, bits.mask, bits.nnz, float(bits.scale), X, Y, sbits,
                np.empty_like(sbits), F, float(first), int(count), float(total), float(a0),
                float(dt), float(c0), float(keep))


def warm() -> None:
    """Load every kernel (from the on-disk cache, or compile it there) and start the
    threads, on a three-spin model, with the argument types the solver passes."""
    J = np.array([[0.0, 1.0, -1.0], [1.0, 0.0, 1.0], [-1.0, 1.0, 0.0]], dtype=np.float32)
    X = np.full((3, 2), 0.01, dtype=np.float32)
    Y = np.zeros((3, 2), dtype=np.float32)
    bits = pack_couplings(scipy_csr(J), dense=J)
    assert bits is not None
    sbits = pack_signs(X)
    run_bits(bits, X, Y, sbits, 0.0, 2, 4.0, 1.0, 0.5, 0.5, 1.0)
    bits_product(bits, sbits)
    csr = scipy_csr(J)
    for discrete in (True, False):
        state = CSRBlocks(X.copy(), Y.copy(), discrete, 2)
        state.advance(np.ascontiguousarray(csr.indptr, dtype=np.int64),
                      np.ascontiguousarray(csr.indices, dtype=np.int64),
                      np.ascontiguousarray(csr.data, dtype=np.float32),
                      0.0, 2, 4.0, 1.0, 0.5, 0.5, 1.0)


def scipy_csr(dense: np.ndarray) -> Any:
    """``dense`` as a SciPy CSR matrix (zeros dropped)."""
    import scipy.sparse

    return scipy.sparse.csr_matrix(dense)
