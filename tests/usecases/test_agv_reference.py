"""Independent references for the AGV tests: written from the problem statement alone.

Nothing here imports the use case's conflict detection, planning or models, so the tests
compare the use case against code that shares none of its logic.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any


def neighbours(adjacency: Sequence[Sequence[int]], node: int) -> list[int]:
    return [node, *adjacency[node]]


def routes_conflict(r1: Sequence[int], rel1: int, r2: Sequence[int], rel2: int) -> bool:
    """Vertex or swap conflict between two timed routes (pairwise scan over time)."""
    end1, end2 = rel1 + len(r1) - 1, rel2 + len(r2) - 1
    for t in range(max(rel1, rel2), min(end1, end2) + 1):
        if r1[t - rel1] == r2[t - rel2]:
            return True
        if t + 1 <= min(end1, end2):
            a0, a1 = r1[t - rel1], r1[t + 1 - rel1]
            b0, b1 = r2[t - rel2], r2[t + 1 - rel2]
            if a0 != a1 and a0 == b1 and a1 == b0:
                return True
    return False


def selection_optimum(candidates: dict[str, list[Sequence[int]]], release: dict[str, int]
                      ) -> tuple[int | None, dict[str, int] | None]:
    """Least total arrival over conflict-free picks of one candidate per AGV.

    Depth-first enumeration of candidate combinations, pruning a branch as soon as two of
    its picks conflict or its cost reaches the best found (costs are >= 0).
    """
    agvs = list(candidates)
    cost = {a: [release[a] + len(r) - 1 for r in candidates[a]] for a in agvs}
    order = {a: sorted(range(len(candidates[a])), key=lambda k: cost[a][k]) for a in agvs}
    floor = [sum(min(cost[b]) for b in agvs[i:]) for i in range(len(agvs) + 1)]
    best: list[Any] = [None, None]

    def dfs(i: int, picks: dict[str, int], acc: int) -> None:
        if best[0] is not None and acc + floor[i] >= best[0]:
            return
        if i == len(agvs):
            best[0], best[1] = acc, dict(picks)
            return
        a = agvs[i]
        for k in order[a]:
            if any(routes_conflict(candidates[a][k], release[a], candidates[b][l], release[b])
                   for b, l in picks.items()):
                continue
            picks[a] = k
            dfs(i + 1, picks, acc + cost[a][k])
            del picks[a]

    dfs(0, {}, 0)
    return best[0], best[1]


def joint_optimum(adjacency: Sequence[Sequence[int]], agvs: list[tuple[int, int, int]],
                  horizon: int) -> int | None:
    """Least total arrival time over *all* joint movements (exhaustive search).

    ``agvs`` are ``(start, goal, release)``. The search steps through time over joint
    configurations: each AGV is not yet released (``-1``), on a node, or gone (``-2``,
    after the step it reached its goal); every combination of moves and waits of the AGVs
    on the floor is tried, rejecting vertex and swap conflicts. Returns None if no joint
    movement gets every AGV to its goal by ``horizon``.
    """
    NOT_YET, GONE = -1, -2
    init = tuple(s if r == 0 else NOT_YET for s, _, r in agvs)
    if len({p for p in init if p >= 0}) < sum(p >= 0 for p in init):
        return None
    # AGVs already at their goal at t=0 cannot happen (start != goal)
    layer = {init: 0}
    best = None
    for t in range(horizon):
        nxt: dict[tuple[int, ...], int] = {}
        for state, cost in layer.items():
            options = []
            for i, (s, g, r) in enumerate(agvs):
                p = state[i]
                if p == GONE or p == g:
                    options.append([GONE])
                elif p == NOT_YET:
                    options.append([s] if r == t + 1 else [NOT_YET])
                else:
                    options.append(neighbours(adjacency, p))
            for combo in itertools.product(*options):
                placed = [q for q in combo if q >= 0]
                if len(set(placed)) < len(placed):
                    continue
                swap = False
                for i, j in itertools.combinations(range(len(agvs)), 2):
                    pi, pj, qi, qj = state[i], state[j], combo[i], combo[j]
                    if min(pi, pj, qi, qj) >= 0 and pi != qi and pi == qj and pj == qi:
                        swap = True
                        break
                if swap:
                    continue
                add = sum(t + 1 for i, q in enumerate(combo) if q == agvs[i][1])
                new = cost + add
                if all(q == GONE or q == agvs[i][1] for i, q in enumerate(combo)):
                    best = new if best is None else min(best, new)
                    continue
                if best is not None and new >= best:
                    continue
                if nxt.get(combo, 1 << 30) > new:
                    nxt[combo] = new
        layer = nxt
    return best


def check_solution(inst_json: dict[str, Any], solution: dict[str, Any]) -> list[str]:
    """Problems of a solution, read from the instance and solution JSON alone."""
    grid = inst_json.get("grid")
    problems = []
    routes = solution.get("routes", {})
    agvs = {a["id"]: a for a in inst_json["agvs"]}
    if set(routes) != set(agvs):
        problems.append(f"routes for {sorted(routes)}, fleet is {sorted(agvs)}")
    blocked = {tuple(c) for c in grid.get("blocked", [])} if grid else set()
    timed = {}
    for a, entry in routes.items():
        cells = [tuple(c) if isinstance(c, list) else c for c in entry["cells"]]
        spec = agvs[a]
        start = tuple(spec["start"]) if grid else spec["start"]
        goal = tuple(spec["goal"]) if grid else spec["goal"]
        release = spec.get("release", 0)
        if cells[0] != start or cells[-1] != goal or goal in cells[:-1]:
            problems.append(f"{a}: wrong endpoints")
        if entry["arrival"] != release + len(cells) - 1 or entry["arrival"] > inst_json["horizon"]:
            problems.append(f"{a}: arrival {entry['arrival']} wrong or after the horizon")
        for x, y in zip(cells, cells[1:]):
            if grid and (abs(x[0] - y[0]) + abs(x[1] - y[1]) > 1 or y in blocked):
                problems.append(f"{a}: bad step {x}->{y}")
        timed[a] = (cells, release)
    for a, b in itertools.combinations(sorted(timed), 2):
        ids = {c: i for i, c in enumerate({*timed[a][0], *timed[b][0]})}
        if routes_conflict([ids[c] for c in timed[a][0]], timed[a][1],
                           [ids[c] for c in timed[b][0]], timed[b][1]):
            problems.append(f"conflict {a}-{b}")
    return problems


# -- the references themselves, on cases worked out by hand ------------------------------
def test_routes_conflict_by_hand() -> None:
    assert routes_conflict([0, 1, 2], 0, [3, 1, 4], 0)          # meet on node 1 at t=1
    assert routes_conflict([0, 1], 0, [1, 0], 0)                # swap
    assert not routes_conflict([0, 1, 2], 0, [1, 2, 3], 0)      # following
    assert not routes_conflict([0, 1], 0, [2, 1], 2)            # a left the floor at t=1
    assert routes_conflict([5, 1], 0, [1, 5], 1)                # a arrives where b appears
    assert not routes_conflict([5, 1], 0, [1, 5], 2)            # b appears after a left


def test_joint_optimum_by_hand() -> None:
    # a path 0-1-2 with a siding 3 off node 1; a: 0 -> 2 and b: 2 -> 0 must cross at the
    # cut node 1, so one of them needs the siding. a: 0,0,1,2 (arrives 3) with
    # b: 2,1,3,1,0 (arrives 4; it follows a into node 1 at t=3) totals 7. Neither can
    # arrive at 2 (it would meet or swap with the other on 0-1-2), and both arriving at 3
    # would need them to pass each other on the path without the siding: impossible.
    adjacency = [[1], [0, 2, 3], [1], [1]]
    assert joint_optimum(adjacency, [(0, 2, 0), (2, 0, 0)], 8) == 7
    assert joint_optimum([[1], [0]], [(0, 1, 0), (1, 0, 0)], 6) is None  # head-on, no siding
