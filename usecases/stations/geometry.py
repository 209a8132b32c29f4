"""The ``unit-disk`` model: points in the plane, a conflict radius, and its MIS QUBO.

A :class:`UnitDiskGraph` is the model a geometric backend (``neutral-atom``) takes: the
graph is not given by its edges but by where its vertices are, and two vertices are
adjacent when they are at most :attr:`UnitDiskGraph.radius` apart. That is exactly what
an array of Rydberg atoms computes with, so the backend needs the positions, not only the
graph. The same model converts to the maximum-independent-set QUBO
(:meth:`UnitDiskGraph.to_bqm`), so ``exact``, ``cpsat`` and every BQM backend score the
same instance.

The graph operations the backends and the use case share (edges, independence check,
removal of conflicts, greedy fill to a maximal set) are written here in plain Python:
they are a few lines each on graphs of at most a few hundred vertices, and a graph
library would add a dependency for nothing.

Examples:
    >>> g = UnitDiskGraph(positions=((0, 0), (1, 0), (2, 0)), radius=1.0)
    >>> g.edges
    ((0, 1), (1, 2))
    >>> g.is_independent({0, 2}), g.is_independent({0, 1})
    (True, False)
    >>> bqm = g.to_bqm()
    >>> float(bqm.energy({0: 1, 1: 0, 2: 1}))
    -2.0
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from hybrid_workbench.errors import InstanceError

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["MODEL_KIND", "UnitDiskGraph", "greedy_fill", "remove_conflicts"]

#: The model kind a backend declares to take a :class:`UnitDiskGraph`.
MODEL_KIND = "unit-disk"
#: Relative tolerance on the radius: a pair exactly at the radius is an edge.
RADIUS_RTOL = 1e-9


@dataclass(frozen=True)
class UnitDiskGraph:
    """Vertices at points of the plane, adjacent when at most ``radius`` apart.

    Attributes:
        positions: ``(x, y)`` of each vertex, in the instance's own length unit.
        radius: the conflict radius, in the same unit (a pair at exactly this distance
            is an edge).
        labels: the variable label of each vertex (default ``0..n-1``); the MIS QUBO
            and every sample use these labels.
        unit: the length unit of positions and radius (for reports only).
        penalty: the QUBO's penalty per edge with both ends chosen (> 1, so that the
            QUBO's optimum is a maximum independent set; 2 by default).
    """

    positions: tuple[tuple[float, float], ...]
    radius: float
    labels: tuple[Hashable, ...] = ()
    unit: str = "m"
    penalty: float = 2.0
    #: how the core recognises this model type (``hybrid_workbench.models.model_kind``)
    workbench_model_kind: ClassVar[str] = MODEL_KIND
    _edges: tuple[tuple[int, int], ...] = field(default=(), init=False, repr=False,
                                                compare=False)

    def __post_init__(self) -> None:
        pos = tuple((float(x), float(y)) for x, y in self.positions)
        if not all(math.isfinite(c) for p in pos for c in p):
            raise InstanceError("unit-disk graph: positions must be finite numbers")
        if not (isinstance(self.radius, (int, float)) and math.isfinite(self.radius)
                and self.radius > 0):
            raise InstanceError(f"unit-disk graph: radius must be a positive number, "
                                f"got {self.radius!r}")
        if not self.penalty > 1:
            raise InstanceError(f"unit-disk graph: penalty must be > 1 (else the QUBO's "
                                f"optimum need not be independent), got {self.penalty!r}")
        labels = tuple(self.labels) if self.labels else tuple(range(len(pos)))
        if len(labels) != len(pos) or len(set(labels)) != len(labels):
            raise InstanceError(f"unit-disk graph: {len(labels)} labels for {len(pos)} "
                                "positions; give one distinct label per position")
        object.__setattr__(self, "positions", pos)
        object.__setattr__(self, "radius", float(self.radius))
        object.__setattr__(self, "labels", labels)
        limit = self.radius * (1 + RADIUS_RTOL)
        edges = tuple((i, j) for i in range(len(pos)) for j in range(i + 1, len(pos))
                      if self.distance(i, j) <= limit)
        object.__setattr__(self, "_edges", edges)

    # -- geometry -----------------------------------------------------------------------
    @property
    def workbench_size(self) -> int:
        """The model's size in the core's tables: its vertices (atoms)."""
        return self.num_nodes

    def describe(self) -> str:
        """One line for messages and tables."""
        return (f"unit-disk graph with {self.num_nodes} vertices and {len(self.edges)} edges "
                f"(radius {self.radius:g} {self.unit})")

    @property
    def num_nodes(self) -> int:
        return len(self.positions)

    @property
    def edges(self) -> tuple[tuple[int, int], ...]:
        """Index pairs ``(i, j)``, ``i < j``, at most :attr:`radius` apart."""
        return self._edges

    def distance(self, i: int, j: int) -> float:
        (xi, yi), (xj, yj) = self.positions[i], self.positions[j]
        return math.hypot(xi - xj, yi - yj)

    def distances(self) -> tuple[float, float | None, float | None]:
        """``(shortest pair, longest edge, shortest non-edge)``; None where there is none.

        The last two tell how well a physical interaction that falls off with distance
        can tell edges from non-edges (their ratio is the graph's geometric contrast).
        """
        n = self.num_nodes
        edge_set = set(self._edges)
        shortest = math.inf
        longest_edge: float | None = None
        shortest_non: float | None = None
        for i in range(n):
            for j in range(i + 1, n):
                d = self.distance(i, j)
                shortest = min(shortest, d)
                if (i, j) in edge_set:
                    longest_edge = d if longest_edge is None else max(longest_edge, d)
                else:
                    shortest_non = d if shortest_non is None else min(shortest_non, d)
        return (shortest if n > 1 else 0.0), longest_edge, shortest_non

    def neighbours(self) -> list[set[int]]:
        adj: list[set[int]] = [set() for _ in range(self.num_nodes)]
        for i, j in self._edges:
            adj[i].add(j)
            adj[j].add(i)
        return adj

    # -- independent sets ---------------------------------------------------------------
    def is_independent(self, chosen: Iterable[int]) -> bool:
        """Whether no two of the vertex indices ``chosen`` are adjacent."""
        s = set(chosen)
        return not any(i in s and j in s for i, j in self._edges)

    def indices(self, sample: Mapping[Hashable, int]) -> list[int]:
        """Indices of the vertices set to 1 in a sample keyed by label."""
        return [k for k, label in enumerate(self.labels) if int(sample[label]) == 1]

    def to_bqm(self) -> dimod.BinaryQuadraticModel:
        """The MIS QUBO: ``-sum x_i + penalty * sum_(ij in E) x_i x_j`` (BINARY).

        With ``penalty > 1`` every optimum is a maximum independent set (a set with a
        conflict loses at least ``penalty - 1`` by dropping one end), and its energy is
        minus the set's size.
        """
        import dimod

        bqm = dimod.BinaryQuadraticModel("BINARY")
        for label in self.labels:
            bqm.add_variable(label, -1.0)
        for i, j in self._edges:
            bqm.add_interaction(self.labels[i], self.labels[j], float(self.penalty))
        return bqm

    def to_dict(self) -> dict[str, Any]:
        return {"positions": [list(p) for p in self.positions], "radius": self.radius,
                "unit": self.unit, "labels": list(self.labels)}


def remove_conflicts(graph: UnitDiskGraph, chosen: Sequence[int]) -> tuple[list[int], int]:
    """An independent subset of ``chosen``: ``(kept, dropped count)``.

    While a conflict remains, the chosen vertex with the most chosen neighbours is dropped
    (ties: the lowest index), the usual repair of blockade violations in Rydberg-array MIS
    experiments.

    Examples:
        >>> g = UnitDiskGraph(positions=((0, 0), (1, 0), (2, 0)), radius=1.0)
        >>> remove_conflicts(g, [0, 1, 2])
        ([0, 2], 1)
    """
    adj = graph.neighbours()
    kept = set(chosen)
    dropped = 0
    while True:
        degree = {v: len(adj[v] & kept) for v in kept}
        worst = max(sorted(kept), key=lambda v: degree[v], default=None)
        if worst is None or degree[worst] == 0:
            return sorted(kept), dropped
        kept.discard(worst)
        dropped += 1


def greedy_fill(graph: UnitDiskGraph, chosen: Sequence[int]) -> tuple[list[int], int]:
    """A maximal independent set containing the independent set ``chosen``:
    ``(filled, added count)``; free vertices are added fewest-neighbours first.

    Examples:
        >>> g = UnitDiskGraph(positions=((0, 0), (1, 0), (2, 0), (3, 0)), radius=1.0)
        >>> greedy_fill(g, [0])
        ([0, 3], 1)
    """
    adj = graph.neighbours()
    chosen_set = set(chosen)
    added = 0
    for v in sorted(range(graph.num_nodes), key=lambda v: (len(adj[v]), v)):
        if v not in chosen_set and not (adj[v] & chosen_set):
            chosen_set.add(v)
            added += 1
    return sorted(chosen_set), added
