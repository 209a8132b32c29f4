"""Prioritised planning with space-time A*: the classical method plants use.

AGVs are planned one after the other; each finds its earliest arrival by A* over
``(time, node)`` states (moves and waits; heuristic: hop distance to the goal, which is
exact on an empty floor and so admissible), avoiding the slots and moves already reserved
by the AGVs planned before it, and the appearance slot ``(release, start)`` of every AGV.
It is fast and usually good, but neither optimal nor complete: a bad order can leave an
AGV with no route. Several orders are tried (longest trip first, then seeded random
orders) and the best kept. Written by hand because no library we depend on has a
space-time A* with reservations.

Examples:
    >>> from hybrid_workbench.usecases.agv.instance import AGVInstance
    >>> inst = AGVInstance.from_dict({"grid": {"rows": 2, "cols": 3},
    ...     "agvs": [{"id": "a", "start": [0, 0], "goal": [0, 2]},
    ...              {"id": "b", "start": [0, 2], "goal": [0, 0]}], "horizon": 8})
    >>> plan = prioritised_planning(inst)
    >>> plan.feasible, plan.total
    (True, 6)
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np

from hybrid_workbench.usecases.agv.instance import AGVInstance, Route

__all__ = ["Plan", "prioritised_planning", "space_time_astar", "naive_routes"]


@dataclass
class Plan:
    """Routes found by one planning run; ``unplanned`` AGVs got their naive route."""

    routes: dict[str, Route]
    order: list[str]
    unplanned: list[str] = field(default_factory=list)
    total: int = 0
    orders_tried: int = 1

    @property
    def feasible(self) -> bool:
        return not self.unplanned


class Reservations:
    """Occupied ``(t, node)`` slots and directed ``(t, u, v)`` moves of planned AGVs."""

    def __init__(self) -> None:
        self.slots: set[tuple[int, int]] = set()
        self.moves: set[tuple[int, int, int]] = set()

    def add(self, release: int, route: Route) -> None:
        for t, n in enumerate(route):
            self.slots.add((release + t, n))
        for t in range(len(route) - 1):
            self.moves.add((release + t, route[t], route[t + 1]))

    def allows(self, t: int, u: int, v: int) -> bool:
        """May an AGV move ``u -> v`` during step ``t -> t + 1``?"""
        return (t + 1, v) not in self.slots and (u == v or (t, v, u) not in self.moves)


def space_time_astar(inst: AGVInstance, agv: str, reserved: Reservations,
                     blocked_slots: set[tuple[int, int]] | frozenset = frozenset(),
                     horizon: int | None = None) -> Route | None:
    """Earliest-arrival route of ``agv`` avoiding ``reserved`` (None if there is none)."""
    v = inst.vehicle[agv]
    horizon = inst.horizon if horizon is None else horizon
    h = inst.distances_to(v.goal)
    if (v.release, v.start) in reserved.slots:
        return None
    start = (v.release, v.start)
    heap = [(v.release + h[v.start], -v.release, v.start)]
    parent: dict[tuple[int, int], tuple[int, int] | None] = {start: None}
    while heap:
        _, neg_t, node = heapq.heappop(heap)
        t = -neg_t
        if node == v.goal:
            path = []
            state: tuple[int, int] | None = (t, node)
            while state is not None:
                path.append(state[1])
                state = parent[state]
            return tuple(reversed(path))
        if t + h[node] > horizon:
            continue
        for nxt in (node, *inst.adjacency[node]):
            state = (t + 1, nxt)
            if state in parent or t + 1 + h[nxt] > horizon:
                continue
            if not reserved.allows(t, node, nxt) or state in blocked_slots:
                continue
            parent[state] = (t, node)
            heapq.heappush(heap, (t + 1 + h[nxt], -(t + 1), nxt))
    return None


def naive_routes(inst: AGVInstance) -> dict[str, Route]:
    """Each AGV's shortest path, ignoring every other AGV (what causes conflicts)."""
    empty = Reservations()
    routes = {}
    for v in inst.vehicles:
        r = space_time_astar(inst, v.id, empty)
        assert r is not None  # instances are validated reachable within the horizon
        routes[v.id] = r
    return routes


def _plan_order(inst: AGVInstance, order: list[str]) -> Plan:
    reserved = Reservations()
    appear = {(v.release, v.start): v.id for v in inst.vehicles}
    naive = None
    routes: dict[str, Route] = {}
    unplanned = []
    for agv in order:
        others = {slot for slot, owner in appear.items() if owner != agv}
        route = space_time_astar(inst, agv, reserved, others)
        if route is None:
            naive = naive or naive_routes(inst)
            route = naive[agv]
            unplanned.append(agv)
        else:
            reserved.add(inst.vehicle[agv].release, route)
        routes[agv] = route
    total = sum(inst.vehicle[a].release + len(r) - 1 for a, r in routes.items())
    return Plan(routes={v.id: routes[v.id] for v in inst.vehicles}, order=order,
                unplanned=unplanned, total=total)


def prioritised_planning(inst: AGVInstance, restarts: int = 10, seed: int = 0) -> Plan:
    """Best of prioritised planning over ``1 + restarts`` priority orders.

    The first order plans the longest trips first (they have the fewest alternatives);
    the others are seeded random permutations. Feasible plans beat infeasible ones, then
    the smaller total arrival time wins.
    """
    ids = [v.id for v in inst.vehicles]
    first = sorted(ids, key=lambda a: (-inst.distance(a), inst.vehicle[a].release))
    rng = np.random.default_rng(seed)
    best: Plan | None = None
    orders = [first] + [list(rng.permutation(ids)) for _ in range(restarts)]
    for order in orders:
        plan = _plan_order(inst, [str(a) for a in order])
        if best is None or (len(plan.unplanned), plan.total) < (len(best.unplanned), best.total):
            best = plan
    assert best is not None
    best.orders_tried = len(orders)
    return best
