"""Free routing: the exact CP-SAT model on the time-expanded floor (OR-Tools directly).

Any route in the time-expanded graph is allowed, not just a candidate, so its optimum is
the true optimum of the instance and the yardstick for route selection. Per AGV ``a``
with release ``r`` and time bound ``H_a``:

* ``at[a, t, v]``: ``a`` is on node ``v`` at time ``t`` (only for slots it can reach
  from its start by ``t`` and still leave for its goal by ``H_a``);
* ``move[a, t, u, v]``: ``a`` goes ``u -> v`` (or waits, ``u == v``) during ``t -> t + 1``;
  never out of the goal, where the AGV leaves the floor;
* flow: ``at[a, r, start] = 1``; ``at[a, t + 1, v] = sum_u move[a, t, u, v]``;
  ``at[a, t, u] = sum_v move[a, t, u, v]`` for ``u != goal``; ``sum_t at[a, t, goal] = 1``;
* vertex conflicts: ``sum_a at[a, t, v] <= 1``; swap conflicts: for every edge ``{u, v}``
  and step ``t``, at most one of all ``move[., t, u, v]`` and ``move[., t, v, u]`` is set
  (two AGVs cannot use one edge in one step any other way, since they would meet);
* objective: ``sum_a sum_t t * at[a, t, goal]`` (total arrival), or makespan first.

``H_a`` is the instance horizon, tightened when a feasible plan of total ``T`` is known
(prioritised planning, also given to CP-SAT as a hint): in any solution at least as good,
``arrival_a <= T - sum_{b != a} earliest_b``. That cut keeps every optimum.

Examples:
    >>> from hybrid_workbench.usecases.agv.instance import AGVInstance
    >>> inst = AGVInstance.from_dict({"grid": {"rows": 2, "cols": 3},
    ...     "agvs": [{"id": "a", "start": [0, 0], "goal": [0, 2]},
    ...              {"id": "b", "start": [0, 2], "goal": [0, 0]}], "horizon": 8})
    >>> res = free_routing(inst, time_limit=10, num_workers=1)
    >>> res.status, res.total
    ('optimal', 6)
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from hybrid_workbench.errors import OptionsError, SolverError
from hybrid_workbench.usecases.agv.instance import AGVInstance, Route
from hybrid_workbench.usecases.agv.planning import prioritised_planning

__all__ = ["FreeRoutingResult", "free_routing"]


@dataclass
class FreeRoutingResult:
    """Outcome of :func:`free_routing`.

    Attributes:
        routes: node-index routes per AGV (empty when no solution was found).
        status: ``optimal``, ``feasible`` (time limit), ``infeasible`` (proved) or ``unknown``.
        total: total arrival time of ``routes`` (None without a solution).
        bound: CP-SAT's proved lower bound on the objective.
        wall_s: solve time in seconds; ``size``: variables and constraints of the model.
        source: ``cpsat``, or ``prioritised planning (hint)`` when CP-SAT stopped without
            a solution as good as the plan it was hinted with (the plan is returned).
    """

    routes: dict[str, Route]
    status: str
    total: int | None
    bound: float | None
    wall_s: float
    size: dict[str, int] = field(default_factory=dict)
    source: str = "cpsat"


def free_routing(inst: AGVInstance, objective: str = "total", time_limit: float = 60.0,
                 seed: int = 0, num_workers: int | None = None, use_hint: bool = True,
                 log: bool = False) -> FreeRoutingResult:
    """Solve free routing exactly (or best found within ``time_limit`` seconds)."""
    import os

    from ortools.sat.python import cp_model

    if objective not in ("total", "makespan"):
        raise OptionsError(f"agv: objective must be 'total' or 'makespan', got {objective!r}")
    if time_limit is not None and time_limit <= 0:
        raise OptionsError(f"agv: time_limit must be positive, got {time_limit}")
    start_clock = time.perf_counter()
    plan = prioritised_planning(inst, restarts=3, seed=seed) if use_hint else None
    lb = {v.id: inst.shortest_arrival(v.id) for v in inst.vehicles}
    bound_h = {v.id: inst.horizon for v in inst.vehicles}
    if plan is not None and plan.feasible:
        makespan = max(inst.vehicle[a].release + len(r) - 1 for a, r in plan.routes.items())
        for a in bound_h:
            cap = plan.total - (sum(lb.values()) - lb[a]) if objective == "total" else makespan
            bound_h[a] = min(bound_h[a], cap)

    m = cp_model.CpModel()
    at: dict[tuple[str, int, int], Any] = {}
    moves: dict[tuple[str, int, int, int], Any] = {}
    slot_users: dict[tuple[int, int], list[Any]] = defaultdict(list)
    edge_users: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
    arrival_terms: dict[str, list[tuple[int, Any]]] = {}
    for v in inst.vehicles:
        a, r, H = v.id, v.release, bound_h[v.id]
        d_start = inst.distances_to(v.start)
        d_goal = inst.distances_to(v.goal)
        allowed = {t: [n for n in range(inst.num_nodes)
                       if d_start[n] <= t - r and d_goal[n] <= H - t
                       and (n != v.goal or t - r >= d_start[n])]
                   for t in range(r, H + 1)}
        for t, nodes in allowed.items():
            for n in nodes:
                at[a, t, n] = m.NewBoolVar("")
                slot_users[t, n].append(at[a, t, n])
        m.Add(at[a, r, v.start] == 1)
        for t in range(r, H):
            nxt = set(allowed[t + 1])
            outgoing: dict[int, list[Any]] = defaultdict(list)
            incoming: dict[int, list[Any]] = defaultdict(list)
            for u in allowed[t]:
                if u == v.goal:
                    continue
                for w in (u, *inst.adjacency[u]):
                    if w in nxt:
                        y = m.NewBoolVar("")
                        moves[a, t, u, w] = y
                        outgoing[u].append(y)
                        incoming[w].append(y)
                        if u != w:
                            edge_users[(t, min(u, w), max(u, w))].append(y)
            for u in allowed[t]:
                if u != v.goal:
                    m.Add(sum(outgoing[u]) == at[a, t, u])
            for w in allowed[t + 1]:
                m.Add(sum(incoming[w]) == at[a, t + 1, w])
        arrival_terms[a] = [(t, at[a, t, v.goal]) for t in range(r, H + 1)
                            if (a, t, v.goal) in at]
        m.AddExactlyOne(x for _, x in arrival_terms[a])
    for users in slot_users.values():
        if len(users) > 1:
            m.AddAtMostOne(users)
    for users in edge_users.values():
        if len(users) > 1:
            m.AddAtMostOne(users)
    total = sum(t * x for terms in arrival_terms.values() for t, x in terms)
    if objective == "total":
        m.Minimize(total)
    else:
        span = m.NewIntVar(0, inst.horizon, "makespan")
        for terms in arrival_terms.values():
            m.Add(span >= sum(t * x for t, x in terms))
        m.Minimize((sum(bound_h.values()) + 1) * span + total)
    if plan is not None and plan.feasible:
        _add_hint(m, inst, plan.routes, at, moves)

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = num_workers or max(1, min(8, os.cpu_count() or 1))
    solver.parameters.log_search_progress = log
    if time_limit is not None:
        solver.parameters.max_time_in_seconds = float(time_limit)
    code = solver.Solve(m)
    if code == cp_model.MODEL_INVALID:
        raise SolverError(f"agv free routing: CP-SAT rejected the model: {m.Validate()}")
    status = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
              cp_model.INFEASIBLE: "infeasible"}.get(code, "unknown")
    routes: dict[str, Route] = {}
    value = None
    if status in ("optimal", "feasible"):
        for v in inst.vehicles:
            route = []
            for t in range(v.release, bound_h[v.id] + 1):
                here = [n for n in range(inst.num_nodes)
                        if (v.id, t, n) in at and solver.Value(at[v.id, t, n])]
                route.append(here[0])
                if here[0] == v.goal:
                    break
            routes[v.id] = tuple(route)
        value = sum(inst.vehicle[a].release + len(r) - 1 for a, r in routes.items())
    source = "cpsat"
    if plan is not None and plan.feasible and (
            value is None or (objective == "total" and value > plan.total)):
        # CP-SAT may stop (time limit) before it adopts the hint: keep the better plan
        routes, value, source = dict(plan.routes), plan.total, "prioritised planning (hint)"
        status = "feasible"
    bound = solver.BestObjectiveBound() if status != "infeasible" else None
    size = {"at_vars": len(at), "move_vars": len(moves),
            "constraints": len(m.Proto().constraints)}
    return FreeRoutingResult(routes=routes, status=status, total=value, bound=bound,
                             wall_s=time.perf_counter() - start_clock, size=size, source=source)


def _add_hint(m: Any, inst: AGVInstance, routes: dict[str, Route],
              at: dict[tuple[str, int, int], Any], moves: dict[tuple[str, int, int, int], Any]
              ) -> None:
    """Hint the plan's routes (every variable: set on the routes, zero elsewhere)."""
    on_at = set()
    on_move = set()
    for a, r in routes.items():
        rel = inst.vehicle[a].release
        on_at.update((a, rel + t, n) for t, n in enumerate(r))
        on_move.update((a, rel + t, r[t], r[t + 1]) for t in range(len(r) - 1))
    for key, var in at.items():
        m.AddHint(var, key in on_at)
    for key, var in moves.items():
        m.AddHint(var, key in on_move)
