"""Training-data selection as a QUBO: a diverse, representative subset of fixed size.

The majority ("legitimate") class is far too large to put on an annealer sample by sample,
so it is first summarised by ``M`` k-means prototypes (scikit-learn): candidate ``m`` is
the real training row nearest to centroid ``m``, standing for a cluster holding a share
``w_m`` of the class. The QUBO then picks ``K`` of the ``M`` candidates::

    f(x) = - sum_m r_m x_m  +  beta_K sum_{m<n} s_mn x_m x_n  +  lam (sum_m x_m - K)**2

* ``r_m = M w_m``: representativeness (coverage of the class; mean 1);
* ``s_mn = exp(-|c_m - c_n|^2 / median pairwise |c - c|^2)``: similarity of the two
  candidates (standardised features), penalised for diversity; ``beta_K = 2 beta / (K - 1)``
  keeps the two terms on the same scale whatever ``K`` is (``beta``, default 1, trades them);
* ``lam``: the cardinality penalty.

**Why** ``lam = 1 + max_m (r_m + beta_K sum_n s_mn)`` **forces exactly K.** Flipping one
variable changes the first two terms by at most that maximum, ``Delta``. If ``|x| = K + d``
with ``d != 0``, flipping one variable towards ``K`` lowers the penalty by
``lam (2|d| - 1) >= lam > Delta``, so ``x`` is not a minimum: every minimum selects exactly
``K`` candidates and is the best subset of size ``K`` for ``f`` (checked against brute
force in the tests).

With ``minority="select"`` the fraud class gets its own block of candidates, ``K`` and
penalty (the blocks are independent); by default every fraud row is kept.

Examples:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> sel = build_selection_qubo([rng.normal(size=(8, 3))], [np.full(8, 1 / 8)], [3])
    >>> sel.bqm.num_variables, sel.blocks[0].k
    (8, 3)
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np

from hybrid_workbench.errors import InstanceError

__all__ = ["Block", "Selection", "prototypes", "build_selection_qubo"]

#: the QUBO stays small enough for annealers and CP-SAT
MAX_CANDIDATES = 400


@dataclass(frozen=True)
class Block:
    """One class's candidates: labels ``f'{prefix}{m}'``, ``k`` of them to pick."""

    prefix: str
    size: int
    k: int
    penalty: float

    def labels(self) -> list[str]:
        return [f"{self.prefix}{m}" for m in range(self.size)]


@dataclass(frozen=True)
class Selection:
    """The selection BQM and its blocks."""

    bqm: dimod.BinaryQuadraticModel
    blocks: tuple[Block, ...]
    beta: float

    def chosen(self, sample: Mapping[Hashable, Any]) -> list[list[int]]:
        """Selected candidate positions per block (nothing repaired)."""
        return [[m for m, v in enumerate(b.labels()) if sample.get(v, 0) > 0] for b in self.blocks]


def prototypes(X: np.ndarray, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``m`` k-means prototypes of ``X``: (row index of the nearest real row, cluster share).

    Rows are distinct: a centroid whose nearest row is taken already gets its next nearest.

    Examples:
        >>> X = np.r_[np.zeros((5, 2)), np.ones((3, 2)) * 10]
        >>> idx, w = prototypes(X, 2)
        >>> sorted(w.tolist())
        [0.375, 0.625]
    """
    from sklearn.cluster import KMeans

    if m >= len(X):
        return np.arange(len(X)), np.full(len(X), 1.0 / len(X))
    km = KMeans(n_clusters=m, n_init=3, random_state=seed).fit(X)
    share = np.bincount(km.labels_, minlength=m) / len(X)
    d2 = ((X[:, None, :] - km.cluster_centers_[None, :, :]) ** 2).sum(-1)
    taken: set[int] = set()
    rows = np.empty(m, dtype=np.int64)
    for c in np.argsort(-share, kind="stable"):
        for r in np.argsort(d2[:, c], kind="stable"):
            if int(r) not in taken:
                rows[c] = r
                taken.add(int(r))
                break
    return rows, share


def build_selection_qubo(features: Sequence[np.ndarray], shares: Sequence[np.ndarray],
                         ks: Sequence[int], beta: float = 1.0,
                         prefixes: Sequence[str] = ("maj", "min")) -> Selection:
    """One block per class: candidates' standardised features, cluster shares, ``k``."""
    if beta < 0:
        raise InstanceError(f"beta (diversity weight) must be >= 0, got {beta}")
    bqm = dimod.BinaryQuadraticModel("BINARY")
    blocks = []
    for feats, share, k, prefix in zip(features, shares, ks, prefixes):
        size = len(feats)
        if size > MAX_CANDIDATES:
            raise InstanceError(f"{size} candidates exceed the limit of {MAX_CANDIDATES}; "
                                "lower 'candidates'")
        if not 1 <= k <= size:
            raise InstanceError(f"cannot select {k} of {size} candidates; need 1 <= k <= {size}")
        r = size * np.asarray(share, dtype=float)
        d2 = ((feats[:, None, :] - feats[None, :, :]) ** 2).sum(-1)
        off = d2[np.triu_indices(size, 1)]
        scale = float(np.median(off)) if off.size and np.median(off) > 0 else 1.0
        s = np.exp(-d2 / scale)
        np.fill_diagonal(s, 0.0)
        beta_k = 2.0 * beta / (k - 1) if k > 1 else 0.0
        lam = 1.0 + float(np.max(r + beta_k * s.sum(1)))
        labels = [f"{prefix}{m}" for m in range(size)]
        # lam (sum x - k)^2 = lam k^2 + lam (1 - 2k) sum x + 2 lam sum_{m<n} x_m x_n
        bqm.add_linear_from(zip(labels, -r + lam * (1 - 2 * k)))
        bqm.offset += lam * k * k
        iu, ju = np.triu_indices(size, 1)
        bqm.add_quadratic_from((labels[a], labels[b], beta_k * s[a, b] + 2 * lam)
                               for a, b in zip(iu.tolist(), ju.tolist()))
        blocks.append(Block(prefix=prefix, size=size, k=int(k), penalty=lam))
    return Selection(bqm=bqm, blocks=tuple(blocks), beta=beta)
