"""Conflict detection between timed routes: the single definition every part uses.

Two AGVs conflict when they occupy the same node at the same time (**vertex** conflict) or
traverse one edge in opposite directions during the same step (**swap** conflict). An AGV
occupies its route's nodes from ``release`` to its arrival and is gone afterwards, so
*following* (entering a node the other AGV leaves in the same step) is allowed.

Detection is by hashing occupied ``(time, node)`` slots and directed ``(time, u, v)`` moves,
so checking ``n`` routes costs ``O(total route length)`` plus the conflicts found, not
``O(n^2)`` pair scans.

Examples:
    >>> vertex = find_conflicts([("a", 0, (0, 1, 2)), ("b", 0, (3, 1, 4))])
    >>> [(c.kind, c.time, c.agvs) for c in vertex]
    [('vertex', 1, ('a', 'b'))]
    >>> [c.kind for c in find_conflicts([("a", 0, (0, 1)), ("b", 0, (1, 0))])]
    ['swap']
    >>> find_conflicts([("a", 0, (0, 1, 2)), ("b", 0, (1, 2, 3))])  # following is allowed
    []
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Conflict", "find_conflicts", "conflicting_pairs"]


@dataclass(frozen=True)
class Conflict:
    """One conflict: kind, time step, the two AGVs, and the node(s) involved.

    For a swap, ``time`` is the step's start ``t`` (positions at ``t`` and ``t + 1``) and
    ``nodes`` the edge ``(u, v)`` the first AGV traverses.
    """

    kind: str
    time: int
    agvs: tuple[Hashable, Hashable]
    nodes: tuple[int, ...]

    def to_dict(self, labels: Sequence[Any] | None = None) -> dict[str, Any]:
        def lab(n: int) -> Any:
            if labels is None:
                return n
            x = labels[n]
            return list(x) if isinstance(x, tuple) else x

        return {"kind": self.kind, "time": self.time, "agvs": list(self.agvs),
                "nodes": [lab(n) for n in self.nodes]}


def _slots(owner: Hashable, release: int, route: Sequence[int]
           ) -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
    occ = [(release + t, n) for t, n in enumerate(route)]
    moves = [(release + t, route[t], route[t + 1]) for t in range(len(route) - 1)
             if route[t] != route[t + 1]]
    return occ, moves


def conflicting_pairs(routes: Iterable[tuple[Hashable, Hashable, int, Sequence[int]]]
                      ) -> set[tuple[Hashable, Hashable]]:
    """Pairs of route keys that conflict, for routes ``(key, group, release, nodes)``.

    Routes of the same ``group`` (the candidates of one AGV) are never compared. Keys in a
    returned pair are ordered as first seen.
    """
    occupied: dict[tuple[int, int], list[tuple[Hashable, Hashable]]] = defaultdict(list)
    moved: dict[tuple[int, int, int], list[tuple[Hashable, Hashable]]] = defaultdict(list)
    order: dict[Hashable, int] = {}
    for key, group, release, nodes in routes:
        order[key] = len(order)
        occ, moves = _slots(key, release, nodes)
        for slot in occ:
            occupied[slot].append((key, group))
        for mv in moves:
            moved[mv].append((key, group))
    pairs: set[tuple[Hashable, Hashable]] = set()

    def add(x: tuple[Hashable, Hashable], y: tuple[Hashable, Hashable]) -> None:
        if x[1] != y[1]:
            pairs.add((x[0], y[0]) if order[x[0]] < order[y[0]] else (y[0], x[0]))

    for owners in occupied.values():
        for i in range(len(owners)):
            for j in range(i + 1, len(owners)):
                add(owners[i], owners[j])
    for (t, u, v), owners in moved.items():
        if u < v:
            for x in owners:
                for y in moved.get((t, v, u), ()):
                    add(x, y)
    return pairs


def find_conflicts(routes: Iterable[tuple[Hashable, int, Sequence[int]]]) -> list[Conflict]:
    """Every vertex and swap conflict among routes ``(agv, release, nodes)``, sorted by time."""
    occupied: dict[tuple[int, int], list[Hashable]] = defaultdict(list)
    moved: dict[tuple[int, int, int], list[Hashable]] = defaultdict(list)
    for agv, release, nodes in routes:
        occ, moves = _slots(agv, release, nodes)
        for slot in occ:
            occupied[slot].append(agv)
        for mv in moves:
            moved[mv].append(agv)
    out = []
    for (t, n), owners in occupied.items():
        for i in range(len(owners)):
            for j in range(i + 1, len(owners)):
                out.append(Conflict("vertex", t, (owners[i], owners[j]), (n,)))
    for (t, u, v), owners in moved.items():
        if u < v:
            for a in owners:
                for b in moved.get((t, v, u), ()):
                    out.append(Conflict("swap", t, (a, b), (u, v)))
    out.sort(key=lambda c: (c.time, c.kind, str(c.agvs)))
    return out
