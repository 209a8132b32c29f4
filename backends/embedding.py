"""Minor-embeddings for annealers: found once per model structure, reused, and summarised.

A structured sampler (a QPU, or D-Wave's ``MockDWaveSampler``) only takes problems on its
own qubit graph, so a model is minor-embedded first: each variable becomes a chain of
qubits. Finding an embedding (:func:`minorminer.find_embedding`) is a heuristic search
that can take seconds, and the answer depends only on the *structure* of the model (its
variables and which pairs interact, not the bias values) and on the sampler's graph. The
:class:`EmbeddingCache` here keys embeddings by exactly that, so a second model with the
same structure (a parameter sweep, a second seed, a penalty retune) reuses the first
embedding instead of searching again. The embedding itself, chain strength and
unembedding are dwave-system's (``FixedEmbeddingComposite``,
:func:`dwave.embedding.chain_strength.uniform_torque_compensation`,
:mod:`dwave.embedding.chain_breaks`); what is written here is the cache (dwave-system's
``LazyFixedEmbeddingComposite`` keeps one embedding per composite, not one per structure)
and the chain statistics for ``Result.info``.

Examples:
    >>> cache = EmbeddingCache(maxsize=4)
    >>> key = structure_key(["a", "b"], [("a", "b")])
    >>> key == structure_key(["b", "a"], [("b", "a")])
    True
    >>> emb, cached = cache.get_or_find(("g", 0), key, lambda: {"a": [0], "b": [1]})
    >>> cached, cache.get_or_find(("g", 0), key, lambda: {})[1]
    (False, True)
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = [
    "EmbeddingCache",
    "chain_stats",
    "embedding_stats",
    "find_embedding",
    "graph_key",
    "structure_key",
]

Embedding = dict[Hashable, list[int]]


def structure_key(variables: Iterable[Hashable], edges: Iterable[tuple[Hashable, Hashable]]
                  ) -> tuple[frozenset[Hashable], frozenset[frozenset[Hashable]]]:
    """A model's structure: its variables and its interaction edges (order-free)."""
    return frozenset(variables), frozenset(frozenset(e) for e in edges)


def graph_key(name: str, nodes: Sequence[int], edges: Sequence[tuple[int, int]]) -> tuple[str, str]:
    """A sampler graph's identity: the solver's name and a digest of its working graph.

    The digest covers every qubit and coupler, so a solver whose yield changed (a qubit
    taken out of service) gets fresh embeddings.
    """
    digest = hashlib.sha256()
    digest.update(np.asarray(sorted(nodes), dtype=np.int64).tobytes())
    digest.update(b"|")
    digest.update(np.asarray(sorted(tuple(sorted(e)) for e in edges),
                             dtype=np.int64).reshape(-1).tobytes())
    return name, digest.hexdigest()


class EmbeddingCache:
    """Embeddings keyed by (sampler graph, model structure); least recently used evicted.

    Thread-safe; the search itself runs outside the lock (two threads missing on the same
    key may both search, and the first answer is kept).
    """

    def __init__(self, maxsize: int = 128) -> None:
        self.maxsize = maxsize
        self._store: OrderedDict[tuple[Any, Any], Embedding] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_find(self, graph: Hashable, structure: Hashable,
                    find: Callable[[], Mapping[Hashable, Sequence[int]]]
                    ) -> tuple[Embedding, bool]:
        """``(embedding, was_cached)``; ``find`` runs only on a miss.

        An empty embedding (the search failed) is returned but not stored.
        """
        key = (graph, structure)
        with self._lock:
            if key in self._store:
                self._store.move_to_end(key)
                return self._store[key], True
        found = {v: list(chain) for v, chain in find().items()}
        if not found:
            return found, False
        with self._lock:
            stored = self._store.setdefault(key, found)
            self._store.move_to_end(key)
            while len(self._store) > self.maxsize:
                self._store.popitem(last=False)
        return stored, False

    def clear(self) -> None:
        with self._lock:
            self._store.clear()

    def __len__(self) -> int:
        return len(self._store)


def find_embedding(bqm: dimod.BinaryQuadraticModel, target_edges: Sequence[tuple[int, int]],
                   *, seed: int, timeout_s: float, tries: int) -> Embedding:
    """A minor-embedding of ``bqm``'s graph into ``target_edges`` (minorminer), or ``{}``.

    Isolated variables enter as self-loops, as dwave-system's ``EmbeddingComposite`` does.
    """
    import minorminer

    source = list(bqm.quadratic) + [(v, v) for v in bqm.variables]
    return minorminer.find_embedding(source, list(target_edges), random_seed=seed,
                                     timeout=timeout_s, tries=tries)


def embedding_stats(embedding: Mapping[Hashable, Sequence[int]]) -> dict[str, Any]:
    """Qubits used and chain lengths."""
    lengths = [len(chain) for chain in embedding.values()]
    return {"qubits_used": int(sum(lengths)), "max_chain_length": max(lengths, default=0),
            "mean_chain_length": float(np.mean(lengths)) if lengths else 0.0}


def chain_stats(fractions: np.ndarray, occurrences: np.ndarray) -> dict[str, float]:
    """Chain-break statistics over all reads (each row weighted by its occurrences).

    Args:
        fractions: per returned row, the fraction of chains broken in it.
        occurrences: per row, how many reads gave it.

    Returns:
        ``mean`` and ``max`` fraction of broken chains per read, and
        ``reads_with_breaks``: the fraction of reads with at least one broken chain.
    """
    fractions = np.asarray(fractions, dtype=float)
    weights = np.asarray(occurrences, dtype=float)
    if not len(fractions) or weights.sum() == 0:
        return {"mean": 0.0, "max": 0.0, "reads_with_breaks": 0.0}
    total = weights.sum()
    return {"mean": float(np.dot(fractions, weights) / total),
            "max": float(fractions.max()),
            "reads_with_breaks": float(weights[fractions > 0].sum() / total)}
