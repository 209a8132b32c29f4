"""``exact``: certified optimum of small BQMs by exhaustive enumeration.

The reference every heuristic is checked against. Enumeration is split in two halves: the
energies of all ``2**k`` assignments of the low ``k`` variables are computed once, then
each assignment of the high variables adds its own energy and the cross terms, built by
doubling over the low bits (``k`` vector additions, ``2**k`` adds in all, no BLAS call, so
no thread contention) -- ``2**(n-k)`` rounds of NumPy operations of size ``2**k``, no
Python loop over states, constant memory (``2**k`` rows). Models beyond ``max_variables`` are refused
before anything is allocated, with the reason.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({"x": 1.0}, {("x", "y"): -2.0}, 0.0, "BINARY")
    >>> r = ExactBackend().solve(bqm)
    >>> r.energy, dict(r.sample), r.status
    (-1.0, {'x': 1, 'y': 1}, 'optimal')
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hybrid_workbench.backend import Backend
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import OptionsError
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved, Status

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["ExactBackend", "ExactOptions", "enumerate_lowest"]

HARD_LIMIT = 40  # 2**40 energy evaluations is already hours; beyond is never sensible


@dataclass(frozen=True)
class ExactOptions(BackendOptions):
    """Options of ``exact``.

    Attributes:
        max_variables: refuse models with more variables (at most 40; 2**n states).
        num_states: how many lowest-energy states to return (ground states first).
    """

    max_variables: int = 30
    num_states: int = 16

    def __post_init__(self) -> None:
        if not 0 <= self.max_variables <= HARD_LIMIT:
            raise OptionsError(f"max_variables must be in 0..{HARD_LIMIT}, got {self.max_variables}")
        if self.num_states < 1:
            raise OptionsError(f"num_states must be >= 1, got {self.num_states}")


def _values(vartype: dimod.Vartype) -> tuple[int, int]:
    return (-1, 1) if vartype.name == "SPIN" else (0, 1)


def enumerate_lowest(bqm: dimod.BinaryQuadraticModel, num_states: int = 1,
                     low_bits: int = 16) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """The ``num_states`` lowest energies of ``bqm`` and their states, by full enumeration.

    Returns:
        ``(states, energies, labels)``: states as an int8 array (rows in ``labels`` order),
        energies ascending.
    """
    labels = list(bqm.variables)
    n = len(labels)
    lo_val, hi_val = _values(bqm.vartype)
    if n == 0:
        return np.zeros((1, 0), dtype=np.int8), np.array([float(bqm.offset)]), labels
    h, (row, col, qv), offset = bqm.to_numpy_vectors(variable_order=labels)
    J = np.zeros((n, n))
    np.add.at(J, (row, col), qv)
    J = np.triu(J + np.tril(J, -1).T)  # upper triangular: each pair once

    k = min(n, low_bits)
    codes = np.arange(2 ** k, dtype=np.int64)
    bits = ((codes[:, None] >> np.arange(k)) & 1).astype(np.int8)
    low = np.where(bits == 1, hi_val, lo_val).astype(np.int8)  # (2^k, k) states of the low half
    lowf = low.astype(np.float64)
    e_low = offset + lowf @ h[:k] + np.einsum("si,ij,sj->s", lowf, J[:k, :k], lowf, optimize=True)
    J_lh = J[:k, k:]  # cross terms (low, high)
    J_hh = J[k:, k:]
    h_hi = h[k:]
    m = n - k
    keep = max(1, num_states)
    best_e = np.empty(0)
    best_s = np.empty((0, n), dtype=np.int8)
    threshold = np.inf  # energy of the keep-th best state so far
    cross = np.empty(2 ** k)
    e = np.empty(2 ** k)
    for code in range(2 ** m):
        hi = np.where(((code >> np.arange(m)) & 1) == 1, hi_val, lo_val).astype(np.float64)
        c = J_lh @ hi  # field of the high half on each low variable
        # cross[s] = sum_j c_j low[s, j], built by doubling over the bits: O(2^k) adds, no BLAS
        cross[0] = lo_val * c.sum()
        for j in range(k):
            half = 1 << j
            np.add(cross[:half], (hi_val - lo_val) * c[j], out=cross[half:2 * half])
        np.add(e_low, cross, out=e)
        e += hi @ h_hi + hi @ J_hh @ hi
        if e.min() > threshold:
            continue
        idx = np.flatnonzero(e <= threshold) if np.isfinite(threshold) else np.arange(len(e))
        if len(idx) > keep:
            idx = idx[np.argpartition(e[idx], keep - 1)[:keep]]
        cand_s = np.empty((len(idx), n), dtype=np.int8)
        cand_s[:, :k] = low[idx]
        cand_s[:, k:] = hi
        best_e = np.concatenate([best_e, e[idx]])
        best_s = np.concatenate([best_s, cand_s])
        order = np.argsort(best_e, kind="stable")[:keep]
        best_e, best_s = best_e[order], best_s[order]
        if len(best_e) == keep:
            threshold = best_e[-1]
    order = np.argsort(best_e, kind="stable")[:keep]
    return best_s[order], best_e[order], labels


class ExactBackend(Backend[ExactOptions]):
    """Exhaustive enumeration of BQMs (certified optimum; small models only)."""

    name = "exact"
    model_kinds = ("bqm",)
    Options = ExactOptions
    exact = True
    description = "exhaustive enumeration: certified optimum of BQMs up to ~30 variables"

    def max_variables(self, options: ExactOptions) -> int | None:
        return options.max_variables

    def too_large_message(self, n: int, limit: int, options: ExactOptions) -> str:
        return (f"backend 'exact' enumerates 2^n states: this model has n = {n} variables "
                f"(2^{n} states), the limit is max_variables = {limit} (at most {HARD_LIMIT})")

    def _solve(self, model: dimod.BinaryQuadraticModel, options: ExactOptions,
               deadline: Deadline, seed: int) -> Solved:
        import dimod

        start = time.perf_counter()
        states, energies, labels = enumerate_lowest(model, options.num_states)
        solver_s = time.perf_counter() - start
        sampleset = dimod.SampleSet.from_samples_bqm((states, labels), model)
        ground = float(energies[0])
        degeneracy = int(np.sum(np.isclose(energies, ground, rtol=0, atol=1e-9)))
        return Solved(sampleset, status=Status.OPTIMAL, solver_s=solver_s,
                      info={"states_enumerated": 2 ** len(labels),
                            "ground_states_returned": degeneracy})
