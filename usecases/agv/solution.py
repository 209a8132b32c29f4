"""Domain solutions: timed routes per AGV, their validation and their KPIs.

A solution is a JSON-friendly dict::

    {"routes": {"a0": {"cells": [[0, 2], [1, 2], ...], "release": 0, "arrival": 5}, ...},
     "method": "...", "repair": {...}}

``cells[i]`` is the node occupied at time ``release + i``; ``arrival = release +
len(cells) - 1``. :func:`evaluate_solution` checks each route on its own (start, goal,
adjacent steps, no early visit to the goal, horizon), then the fleet (vertex and swap
conflicts), and computes the KPIs independently of any model.

Examples:
    >>> from hybrid_workbench.usecases.agv.instance import AGVInstance
    >>> inst = AGVInstance.from_dict({"grid": {"rows": 1, "cols": 3},
    ...     "agvs": [{"id": "a", "start": [0, 0], "goal": [0, 2]}], "horizon": 4})
    >>> ev = evaluate_solution(inst, solution_from_routes(inst, {"a": (0, 0, 1, 2)}))
    >>> ev.feasible, ev.objective, ev.metrics["utilisation"], ev.metrics["route_efficiency"]
    (True, 3.0, 0.6666666666666666, 0.6666666666666666)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hybrid_workbench.errors import InstanceError
from hybrid_workbench.usecase import Evaluation
from hybrid_workbench.usecases.agv.conflicts import find_conflicts
from hybrid_workbench.usecases.agv.instance import AGVInstance, Route, route_problem

__all__ = ["solution_from_routes", "routes_from_solution", "evaluate_solution"]


def solution_from_routes(inst: AGVInstance, routes: Mapping[str, Route],
                         **extra: Any) -> dict[str, Any]:
    """The JSON solution for routes given as node indices (extra keys copied as they are)."""
    out: dict[str, Any] = {"routes": {}}
    for v in inst.vehicles:
        if v.id in routes:
            r = routes[v.id]
            out["routes"][v.id] = {"cells": inst.cells(r), "release": v.release,
                                   "arrival": v.release + len(r) - 1}
    out.update(extra)
    return out


def routes_from_solution(inst: AGVInstance, solution: Mapping[str, Any]) -> dict[str, Route]:
    """Node-index routes of a JSON solution (unknown AGVs or cells raise InstanceError)."""
    routes = solution.get("routes")
    if not isinstance(routes, Mapping):
        raise InstanceError("agv solution: expected {'routes': {agv_id: {'cells': [...]}}}")
    out: dict[str, Route] = {}
    for agv, entry in routes.items():
        if agv not in inst.vehicle:
            raise InstanceError(f"agv solution: unknown AGV {agv!r}")
        cells = entry["cells"] if isinstance(entry, Mapping) else entry
        nodes = []
        for c in cells:
            key = tuple(c) if isinstance(c, list) else c
            if key not in inst.index:
                raise InstanceError(f"agv solution: route of {agv!r} uses unknown or blocked "
                                    f"cell {c!r}")
            nodes.append(inst.index[key])
        out[agv] = tuple(nodes)
    return out


def evaluate_solution(inst: AGVInstance, solution: Mapping[str, Any]) -> Evaluation:
    """Feasibility (complete, valid routes and no conflict), total arrival time and KPIs.

    Metrics: ``total_arrival_time``, ``makespan``, ``conflicts`` (``count`` and ``list``),
    ``utilisation`` (moving steps over AGV-time on the floor), ``route_efficiency``
    (shortest distance over actual travel time, fleet-wide), ``lower_bound`` (sum of
    earliest arrivals), ``delay`` (total minus lower bound), ``invalid_routes`` and
    ``missing`` AGVs, and the interpretation's ``repair`` report when there was one.
    """
    routes = routes_from_solution(inst, solution)
    missing = [v.id for v in inst.vehicles if v.id not in routes]
    invalid = {}
    for agv, r in routes.items():
        problem = route_problem(inst, inst.vehicle[agv], r) if r else "empty route"
        if problem:
            invalid[agv] = problem
    conflicts = find_conflicts((a, inst.vehicle[a].release, r) for a, r in routes.items() if r)
    arrivals = {a: inst.vehicle[a].release + len(r) - 1 for a, r in routes.items() if r}
    on_floor = sum(len(r) - 1 for r in routes.values() if r)
    moving = sum(sum(1 for t in range(len(r) - 1) if r[t] != r[t + 1])
                 for r in routes.values() if r)
    shortest = sum(inst.distance(a) for a in routes if routes[a])
    complete = not missing and not invalid
    total = float(sum(arrivals.values())) if complete else None
    metrics: dict[str, Any] = {
        "total_arrival_time": total,
        "makespan": max(arrivals.values()) if complete and arrivals else None,
        "conflicts": {"count": len(conflicts),
                      "vertex": sum(c.kind == "vertex" for c in conflicts),
                      "swap": sum(c.kind == "swap" for c in conflicts),
                      "list": [c.to_dict(inst.labels) for c in conflicts]},
        "utilisation": moving / on_floor if on_floor else None,
        "route_efficiency": shortest / on_floor if on_floor else None,
        "lower_bound": inst.lower_bound(),
        "delay": total - inst.lower_bound() if total is not None else None,
        "num_agvs": inst.num_agvs,
        "missing": missing,
        "invalid_routes": invalid,
    }
    if "repair" in solution:
        metrics["repair"] = solution["repair"]
        metrics["repaired"] = bool(solution["repair"].get("applied", False))
    if "method" in solution:
        metrics["method"] = solution["method"]
    feasible = complete and not conflicts
    return Evaluation(feasible=feasible, objective=total, metrics=metrics)
