"""Candidate routes for route selection: shortest paths, detours and departure delays.

For each AGV, up to ``num_paths`` spatially distinct simple paths (NetworkX's
``shortest_simple_paths``, Yen's algorithm) no longer than the shortest by more than
``max_detour`` steps, each combined with a departure delay of ``0..max_delay`` steps
(waiting at the start cell). Candidates arriving after the horizon are dropped; at most
``max_candidates`` are kept, cheapest (earliest arrival) first. Paths sharing more than
``max_overlap`` of their cells with an already chosen path are skipped, so the candidates
spread over parallel aisles instead of being near-copies of one corridor.

On a narrow floor, delays and detours alone may leave no conflict-free combination (two
AGVs heading at each other along a corridor with no bypass: only stepping aside helps).
With ``planned=True`` (the default) each AGV's route from prioritised planning
(:mod:`hybrid_workbench.usecases.agv.planning`) is added as well, replacing the most expensive candidate if
the cap is reached, so route selection is feasible whenever planning is.

When the instance file gives ``candidates``, those are used exactly and nothing is
generated.

Examples:
    >>> from hybrid_workbench.usecases.agv.instance import AGVInstance
    >>> inst = AGVInstance.from_dict({"grid": {"rows": 3, "cols": 3},
    ...     "agvs": [{"id": "a", "start": [0, 0], "goal": [0, 2]}], "horizon": 6})
    >>> routes = generate_candidates(inst, num_paths=2, max_delay=1, planned=False)["a"]
    >>> [len(r) - 1 for r in routes]  # arrival times: 2, then 3 (delayed), 4 (detour)...
    [2, 3, 4, 5]
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hybrid_workbench.errors import OptionsError
from hybrid_workbench.usecases.agv.instance import AGVInstance, Route

__all__ = ["CandidateOptions", "generate_candidates", "candidate_routes"]

PATHS_SCANNED = 60  # simple paths examined per AGV when looking for distinct ones


@dataclass(frozen=True)
class CandidateOptions:
    """How candidates are generated (ignored when the instance gives its own).

    Attributes:
        num_paths: distinct spatial paths per AGV.
        max_detour: longest allowed detour over the shortest path, in steps.
        max_delay: latest departure delay, in steps.
        max_candidates: cap on candidates per AGV (cheapest kept).
        max_overlap: skip a path sharing more than this fraction of cells with a chosen one.
        planned: add each AGV's route from prioritised planning.
    """

    num_paths: int = 4
    max_detour: int = 6
    max_delay: int = 3
    max_candidates: int = 16
    max_overlap: float = 0.75
    planned: bool = True

    def __post_init__(self) -> None:
        for name in ("num_paths", "max_candidates"):
            if getattr(self, name) < 1:
                raise OptionsError(f"option {name!r} must be an integer >= 1, "
                                   f"got {getattr(self, name)}")
        for name in ("max_detour", "max_delay"):
            if getattr(self, name) < 0:
                raise OptionsError(f"option {name!r} must be an integer >= 0, "
                                   f"got {getattr(self, name)}")
        if not 0.0 < self.max_overlap <= 1.0:
            raise OptionsError(f"option 'max_overlap' must be in (0, 1], got {self.max_overlap}")


def _floor_graph(inst: AGVInstance):  # noqa: ANN202 (networkx imported lazily)
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(inst.num_nodes))
    g.add_edges_from(inst.edges)
    return g


def _distinct_paths(graph, source: int, target: int, opts: CandidateOptions,
                    shortest: int) -> list[list[int]]:  # noqa: ANN001
    import networkx as nx

    chosen: list[list[int]] = []
    sets: list[set[int]] = []
    for path in itertools.islice(nx.shortest_simple_paths(graph, source, target), PATHS_SCANNED):
        if len(path) - 1 > shortest + opts.max_detour:
            break
        cells = set(path)
        if any(len(cells & s) > opts.max_overlap * min(len(cells), len(s)) for s in sets):
            continue
        chosen.append(path)
        sets.append(cells)
        if len(chosen) == opts.num_paths:
            break
    return chosen


def generate_candidates(inst: AGVInstance, **options: object) -> dict[str, tuple[Route, ...]]:
    """Candidate routes for every AGV (options: see :class:`CandidateOptions`)."""
    opts = CandidateOptions(**options)  # type: ignore[arg-type]
    graph = _floor_graph(inst)
    out: dict[str, tuple[Route, ...]] = {}
    plan = None
    if opts.planned:
        from hybrid_workbench.usecases.agv.planning import prioritised_planning

        plan = prioritised_planning(inst, restarts=3)
    for v in inst.vehicles:
        shortest = inst.distance(v.id)
        paths = _distinct_paths(graph, v.start, v.goal, opts, shortest)
        routes = []
        for path in paths:
            for delay in range(opts.max_delay + 1):
                route = (v.start,) * delay + tuple(path)
                if v.release + len(route) - 1 <= inst.horizon:
                    routes.append(route)
        routes.sort(key=len)  # stable: shortest path first among equal arrivals
        routes = routes[:opts.max_candidates]
        if plan is not None and v.id not in plan.unplanned and plan.routes[v.id] not in routes:
            routes = routes[:opts.max_candidates - 1] + [plan.routes[v.id]]
            routes.sort(key=len)
        out[v.id] = tuple(routes)
    return out


def candidate_routes(inst: AGVInstance, **options: object) -> dict[str, tuple[Route, ...]]:
    """The instance's own candidates when it gives them, generated ones otherwise.

    Generation options are rejected when the instance gives candidates, so that nobody
    believes they changed something.
    """
    if inst.candidates is not None:
        if options:
            raise OptionsError(f"agv: the instance gives its own candidate routes, so the "
                               f"generation option(s) {sorted(options)} do not apply; drop them "
                               "or remove 'candidates' from the file")
        return inst.candidates
    return generate_candidates(inst, **options)
