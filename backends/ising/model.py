"""Dense/sparse Ising arrays from a BQM, and the array-module helpers both solvers share.

A :class:`dimod.BinaryQuadraticModel` (SPIN or BINARY) becomes a symmetric coupling matrix
``J`` (zero diagonal, each pair's bias split over ``J[i, j]`` and ``J[j, i]``) and a field
``h`` with ``E(s) = s^T J s / 2 + h^T s + offset`` over spins ``s`` in ``{-1, +1}``; BINARY
models go through :meth:`dimod.BinaryQuadraticModel.change_vartype` and their samples come
back as ``(s + 1) / 2``. ``J`` is a SciPy CSR matrix; the solvers move it to their array
module, dense or sparse.

Also here, written against any array module ``xp`` (NumPy or CuPy), because no library
offers them batched over replicas on both devices:

* :func:`spectral_radius` -- the largest ``|eigenvalue|`` of ``J`` by block power
  iteration (a few matrix-matrix products), used to scale time steps and temperatures;
* :func:`greedy_descent` -- steepest single-flip descent of many replicas at once, the
  cheap polish applied to the solvers' final states;
* :func:`energies` -- ``s^T J s / 2 + h^T s`` of every replica.

Biases of any numeric type (integer biases of a ``DictBQM``, float32 of a ``Float32BQM``)
become float64 arrays here, once, so the solvers never see an integer array.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({"a": 1.0}, {("a", "b"): -2.0}, 0.5, "SPIN")
    >>> m = IsingArrays.from_bqm(bqm)
    >>> m.labels, m.J.toarray().tolist(), m.h.tolist(), m.offset
    (['a', 'b'], [[0.0, -2.0], [-2.0, 0.0]], [1.0, 0.0], 0.5)
    >>> import numpy as np
    >>> energies(np, m.J.toarray(), m.h, np.array([[1, -1], [1, 1]], dtype=float).T).tolist()
    [3.0, -1.0]
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from hybrid_workbench._optional import lazy_module

dimod = lazy_module("dimod")
import numpy as np

__all__ = ["IsingArrays", "spectral_radius", "greedy_descent", "energies", "samples_to_vartype"]


@dataclass(frozen=True)
class IsingArrays:
    """A BQM as Ising arrays (host NumPy/SciPy, float64).

    Attributes:
        labels: variable labels; index ``i`` is ``labels[i]``.
        J: symmetric ``scipy.sparse.csr_matrix`` couplings, zero diagonal.
        h: linear biases.
        offset: constant energy (SPIN form).
        vartype: the original model's vartype (samples are returned in it).
    """

    labels: list[Hashable]
    J: Any
    h: np.ndarray
    offset: float
    vartype: dimod.Vartype

    @property
    def num_variables(self) -> int:
        return len(self.labels)

    @property
    def density(self) -> float:
        """Fraction of off-diagonal entries that are non-zero."""
        n = self.num_variables
        return self.J.nnz / (n * (n - 1)) if n > 1 else 0.0

    @classmethod
    def from_bqm(cls, bqm: dimod.BinaryQuadraticModel) -> IsingArrays:
        import scipy.sparse

        labels = list(bqm.variables)
        spin = bqm if bqm.vartype is dimod.SPIN else bqm.change_vartype(dimod.SPIN, inplace=False)
        n = len(labels)
        h, (row, col, q), offset = spin.to_numpy_vectors(variable_order=labels)
        q = np.asarray(q, dtype=np.float64)  # integer biases (DictBQM) would stay integer
        J = scipy.sparse.csr_matrix(
            (np.concatenate([q, q]), (np.concatenate([row, col]), np.concatenate([col, row]))),
            shape=(n, n))  # one COO -> CSR pass (duplicates summed)
        J.eliminate_zeros()
        return cls(labels, J, np.asarray(h, dtype=np.float64), float(offset), bqm.vartype)

    def with_auxiliary_spin(self) -> Any:
        """Couplings with ``h`` folded into an extra spin ``n``: ``J'[i, n] = h_i``.

        ``E'(s, s_n) = s^T J s / 2 + s_n h^T s`` equals ``E(s) - offset`` at ``s_n = +1`` and
        is invariant under flipping every spin, so a solver of the pure quadratic model
        solves the original one (read the answer as ``s * s_n``).
        """
        import scipy.sparse

        n = self.num_variables
        col = scipy.sparse.csr_matrix(self.h.reshape(-1, 1))
        return scipy.sparse.bmat([[self.J, col], [col.T, None]], format="csr",
                                 dtype=float).tocsr() if n else self.J


def samples_to_vartype(spins: np.ndarray, vartype: dimod.Vartype) -> np.ndarray:
    """``int8`` samples in ``vartype`` from a ``{-1, +1}`` array."""
    s = np.where(spins > 0, 1, -1).astype(np.int8)
    return s if vartype is dimod.SPIN else ((s + 1) // 2).astype(np.int8)


def spectral_radius(xp: Any, J: Any, iterations: int = 12, block: int = 4, seed: int = 0) -> float:
    """Estimate ``max |eigenvalue|`` of symmetric ``J`` by block power iteration.

    ``iterations`` products of ``J`` with a ``(n, block)`` random block; the estimate is the
    largest column-norm growth of the last product, a lower bound that converges from
    below (callers add a safety margin). Works for dense and CSR ``J`` of either module.

    Examples:
        >>> import numpy as np
        >>> J = np.diag([3.0, -5.0, 1.0])
        >>> round(spectral_radius(np, J, iterations=60), 3)
        5.0
    """
    n = J.shape[0]
    if n == 0:
        return 0.0
    rng = np.random.default_rng(seed)
    v = xp.asarray(rng.standard_normal((n, block)), dtype=xp.float32)
    v /= xp.linalg.norm(v, axis=0, keepdims=True)
    growth = 0.0
    for _ in range(iterations):
        w = J @ v
        norms = xp.linalg.norm(w, axis=0, keepdims=True)
        growth = float(norms.max())
        if growth == 0.0:
            return 0.0
        v = w / xp.maximum(norms, 1e-30)
    return growth


def energies(xp: Any, J: Any, h: Any, S: Any) -> Any:
    """Energies ``s^T J s / 2 + h^T s`` of the replicas in the columns of ``S`` (``(n, R)``)."""
    return 0.5 * (S * (J @ S)).sum(axis=0) + h @ S


def greedy_descent(xp: Any, J: Any, h: Any, S: Any, max_flips: int | None = None,
                   stop_at: float | None = None) -> tuple[Any, int]:
    """Steepest single-spin-flip descent of every replica (columns of ``S``) in parallel.

    Each round flips, in every replica, the spin whose flip lowers the energy most, until
    no flip helps (a 1-flip local minimum), ``max_flips`` rounds (default ``n``) or the
    :func:`time.perf_counter` reading ``stop_at`` (every round lowers or keeps each
    energy, so stopping early is safe). Local fields are updated
    incrementally from the flipped spins' rows of ``J`` (symmetric), so a round costs one
    row gather, not a product with all of ``J``.

    Returns:
        ``(S, rounds)``: the descended spins (a new array) and the rounds used.
    """
    n, R = S.shape
    if n == 0:
        return S, 0
    S = S.copy()
    fields = J @ S + h[:, None]
    cols = xp.arange(R)
    limit = n if max_flips is None else max_flips
    rounds = 0
    sparse = not hasattr(J, "ndim") or not isinstance(J, xp.ndarray)
    while rounds < limit:
        if stop_at is not None and time.perf_counter() >= stop_at:
            break
        delta = -2.0 * S * fields  # energy change of flipping each spin
        best = xp.argmin(delta, axis=0)
        gain = delta[best, cols]
        active = gain < -1e-9
        if not bool(active.any()):
            break
        idx = best[active]
        act_cols = cols[active]
        old = S[idx, act_cols]
        S[idx, act_cols] = -old
        rows = J[idx]
        rows = rows.toarray() if sparse else rows
        fields[:, act_cols] -= 2.0 * (rows * old[:, None]).T
        rounds += 1
    return S, rounds
