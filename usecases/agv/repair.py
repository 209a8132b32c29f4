"""Repair of sampled route selections, reported step by step (never silent).

A sample from an annealing-style backend may select no route or several routes for an
AGV, or routes that conflict. :func:`repair_selection` turns it into one route per AGV in
two reported steps:

1. **one-hot**: an AGV with several routes keeps the one with the fewest conflicts with the
   others' single routes (then the earliest arrival); an AGV with none picks among all
   its candidates the same way;
2. **conflicts**: greedy descent: while some AGV can switch to a candidate that strictly
   lowers the number of conflicting AGV pairs, the best such switch is made (ties: the
   earlier arrival).

The report gives what was wrong before each step and what changed, so the raw backend
answer and the effect of the repair are both visible in the metrics.

Examples:
    >>> from hybrid_workbench.usecases.agv.instance import AGVInstance
    >>> from hybrid_workbench.usecases.agv.formulation import RouteSelection
    >>> inst = AGVInstance.from_dict({"grid": {"rows": 1, "cols": 3},
    ...     "agvs": [{"id": "a", "start": [0, 0], "goal": [0, 2]},
    ...              {"id": "b", "start": [0, 2], "goal": [0, 1]}], "horizon": 4})
    >>> sel = RouteSelection.build(inst, {"a": ((0, 1, 2), (0, 0, 1, 2)), "b": ((2, 1), (2, 2, 1))})
    >>> choice, report = repair_selection(sel, {"a": [0], "b": [0]})
    >>> choice, report["conflicts_before"], report["conflicts_after"], report["changed"]
    ({'a': 1, 'b': 0}, 1, 0, ['a'])
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hybrid_workbench.usecases.agv.formulation import RouteSelection

__all__ = ["repair_selection"]

MAX_ROUNDS = 10_000


def repair_selection(sel: RouteSelection, raw: dict[str, list[int]]
                     ) -> tuple[dict[str, int], dict[str, Any]]:
    """One candidate index per AGV from the raw selection, and the repair report."""
    nbrs: dict[tuple[str, int], set[tuple[str, int]]] = defaultdict(set)
    for u, v in sel.conflicts:
        nbrs[u].add(v)
        nbrs[v].add(u)
    choice: dict[str, int] = {a: ks[0] for a, ks in raw.items() if len(ks) == 1}

    def clashes(a: str, k: int) -> int:
        return sum(1 for (b, l) in nbrs[(a, k)] if choice.get(b) == l)

    def best(a: str, options: list[int]) -> int:
        return min(options, key=lambda k: (clashes(a, k), sel.cost[(a, k)], k))

    violations = [{"agv": a, "selected": ks} for a, ks in raw.items() if len(ks) != 1]
    for item in violations:
        a, ks = item["agv"], item["selected"]
        choice[a] = best(a, ks if ks else list(range(len(sel.candidates[a]))))
        item["kept"] = choice[a]
    order = list(sel.candidates)
    choice = {a: choice[a] for a in order}
    before = _pairs(choice, nbrs)
    total_before = sum(sel.cost[(a, k)] for a, k in choice.items())
    start = dict(choice)
    current = before
    for _ in range(MAX_ROUNDS):
        if current == 0:
            break
        move = None
        for a in order:
            here = clashes(a, choice[a])
            if here == 0:
                continue
            for k in range(len(sel.candidates[a])):
                gain = here - clashes(a, k)
                key = (gain, -sel.cost[(a, k)])
                if gain > 0 and (move is None or key > move[0]):
                    move = (key, a, k)
        if move is None:
            break
        _, a, k = move
        current -= move[0][0]
        choice[a] = k
    changed = [a for a in order if choice[a] != start[a]]
    report = {
        "applied": bool(violations or changed),
        "one_hot_violations": violations,
        "conflicts_before": before,
        "conflicts_after": current,
        "changed": changed,
        "total_arrival_before": total_before,
        "total_arrival_after": sum(sel.cost[(a, k)] for a, k in choice.items()),
    }
    return choice, report


def _pairs(choice: dict[str, int], nbrs: dict[tuple[str, int], set[tuple[str, int]]]) -> int:
    """Number of conflicting pairs among the chosen candidates."""
    count = 0
    for a, k in choice.items():
        count += sum(1 for (b, l) in nbrs[(a, k)] if choice.get(b) == l)
    return count // 2
