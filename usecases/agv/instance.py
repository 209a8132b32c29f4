"""The AGV routing instance: floor graph, fleet, horizon, and its JSON file format.

A floor is a grid (``rows``, ``cols``, ``blocked`` cells, 4-neighbour moves) or a general
graph (``nodes``, undirected ``edges``). Time is discrete: one step per move or wait. AGV
``a`` appears at ``start`` at time ``release`` and leaves the floor at the step it first
reaches ``goal``. Routes are lists of nodes occupied at ``release, release + 1, ...``.

File format (JSON; cells are ``[row, col]``)::

    {"name": "demo",
     "grid": {"rows": 6, "cols": 6, "blocked": [[1, 0], [4, 1]]},
     "agvs": [{"id": "a0", "start": [0, 2], "goal": [5, 2], "release": 0}],
     "horizon": 30,
     "candidates": {"a0": [[[0, 2], [1, 2], [2, 2], [3, 2], [4, 2], [5, 2]]]}}

or ``"graph": {"nodes": ["n1", "n2", ...], "edges": [["n1", "n2"], ...]}`` instead of
``"grid"`` (nodes are then named by their ids). ``candidates`` is optional; when given,
route selection uses exactly those routes. Every error names the file and the field.

Examples:
    >>> inst = AGVInstance.from_dict({"grid": {"rows": 2, "cols": 3},
    ...     "agvs": [{"id": "a", "start": [0, 0], "goal": [1, 2]}], "horizon": 6})
    >>> inst.num_nodes, inst.shortest_arrival("a"), inst.label(inst.goal_index("a"))
    (6, 3, (1, 2))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.instancefiles import read_json_file

__all__ = ["AGVInstance", "Vehicle", "load_instance", "Route"]

Route = tuple[int, ...]  # node indices at release, release + 1, ...
TOP_LEVEL_KEYS = {"name", "grid", "graph", "agvs", "horizon", "candidates", "stations"}


@dataclass(frozen=True)
class Vehicle:
    """One AGV: id, start and goal node indices, release time."""

    id: str
    start: int
    goal: int
    release: int = 0


@dataclass(frozen=True, eq=False)
class AGVInstance:
    """A floor, a fleet, a horizon and (optionally) given candidate routes.

    Attributes:
        name: instance name.
        labels: node labels (``(row, col)`` tuples on grids, ids on graphs); index = node.
        adjacency: neighbours of each node (by index), without the node itself.
        vehicles: the fleet.
        horizon: every AGV must arrive at or before this time step.
        candidates: given candidate routes per AGV id (node indices), or None.
        grid: ``(rows, cols)`` for grid floors, None for graphs.
        blocked: blocked cells of a grid floor (for plots).
        stations: cells marked as stations (for plots; generator output).
    """

    name: str
    labels: tuple[Any, ...]
    adjacency: tuple[tuple[int, ...], ...]
    vehicles: tuple[Vehicle, ...]
    horizon: int
    candidates: dict[str, tuple[Route, ...]] | None = None
    grid: tuple[int, int] | None = None
    blocked: tuple[tuple[int, int], ...] = ()
    stations: tuple[Any, ...] = ()
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    # -- structure -----------------------------------------------------------------------
    @property
    def num_nodes(self) -> int:
        return len(self.labels)

    @property
    def num_agvs(self) -> int:
        return len(self.vehicles)

    @cached_property
    def index(self) -> dict[Any, int]:
        """Node label -> index."""
        return {lab: i for i, lab in enumerate(self.labels)}

    @cached_property
    def vehicle(self) -> dict[str, Vehicle]:
        return {v.id: v for v in self.vehicles}

    def label(self, node: int) -> Any:
        return self.labels[node]

    def goal_index(self, agv: str) -> int:
        return self.vehicle[agv].goal

    def neighbours(self, node: int) -> tuple[int, ...]:
        return self.adjacency[node]

    @cached_property
    def edges(self) -> list[tuple[int, int]]:
        """Undirected edges ``(u, v)`` with ``u < v``."""
        return [(u, v) for u, nbrs in enumerate(self.adjacency) for v in nbrs if u < v]

    @cached_property
    def _goal_distances(self) -> dict[int, np.ndarray]:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import shortest_path

        goals = sorted({v.goal for v in self.vehicles})
        if not goals:
            return {}
        rows = [u for u, nbrs in enumerate(self.adjacency) for _ in nbrs]
        cols = [v for nbrs in self.adjacency for v in nbrs]
        adj = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(self.num_nodes,) * 2)
        dist = shortest_path(adj, method="D", unweighted=True, indices=goals)
        return {g: dist[i] for i, g in enumerate(goals)}

    def distances_to(self, goal: int) -> np.ndarray:
        """Hop distance of every node to ``goal`` (``inf`` where unreachable)."""
        if goal in self._goal_distances:
            return self._goal_distances[goal]
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import shortest_path

        rows = [u for u, nbrs in enumerate(self.adjacency) for _ in nbrs]
        cols = [v for nbrs in self.adjacency for v in nbrs]
        adj = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(self.num_nodes,) * 2)
        return shortest_path(adj, method="D", unweighted=True, indices=[goal])[0]

    def distance(self, agv: str) -> int:
        """Shortest hop distance from the AGV's start to its goal."""
        v = self.vehicle[agv]
        return int(self.distances_to(v.goal)[v.start])

    def shortest_arrival(self, agv: str) -> int:
        """Earliest possible arrival time of ``agv`` ignoring every other AGV."""
        return self.vehicle[agv].release + self.distance(agv)

    def lower_bound(self) -> int:
        """Sum of the earliest arrival times: no solution has a smaller total."""
        return sum(self.shortest_arrival(v.id) for v in self.vehicles)

    def is_step(self, u: int, v: int) -> bool:
        return u == v or v in self.adjacency[u]

    # -- conversions ---------------------------------------------------------------------
    def cells(self, route: Route) -> list[Any]:
        """Route as JSON-friendly labels (``[row, col]`` lists on grids)."""
        return [list(self.labels[n]) if self.grid else self.labels[n] for n in route]

    def to_json_dict(self) -> dict[str, Any]:
        """The instance in its file format (round-trips through :meth:`from_dict`)."""
        def lab(n: int) -> Any:
            return list(self.labels[n]) if self.grid else self.labels[n]

        out: dict[str, Any] = {"name": self.name}
        if self.grid:
            out["grid"] = {"rows": self.grid[0], "cols": self.grid[1],
                           "blocked": [list(c) for c in self.blocked]}
        else:
            out["graph"] = {"nodes": list(self.labels),
                            "edges": [[self.labels[u], self.labels[v]] for u, v in self.edges]}
        out["agvs"] = [{"id": v.id, "start": lab(v.start), "goal": lab(v.goal),
                        "release": v.release} for v in self.vehicles]
        out["horizon"] = self.horizon
        if self.stations:
            out["stations"] = [list(s) if self.grid else s for s in self.stations]
        if self.candidates is not None:
            out["candidates"] = {a: [self.cells(r) for r in routes]
                                 for a, routes in self.candidates.items()}
        return out

    def with_candidates(self, candidates: dict[str, tuple[Route, ...]] | None) -> AGVInstance:
        """A copy with these candidate routes (validated like a file's)."""
        data = self.to_json_dict()
        data.pop("candidates", None)
        if candidates is not None:
            data["candidates"] = {a: [self.cells(r) for r in rs] for a, rs in candidates.items()}
        return AGVInstance.from_dict(data, source=self.source or "<instance>")

    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> AGVInstance:
        """Build and validate an instance; errors name ``source`` and the field."""
        return _Parser(source).parse(data)


class _Parser:
    """Validates the JSON structure field by field (errors say where and how to fix)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> InstanceFormatError:
        return InstanceFormatError(f"{self.source}: {where}: {message}")

    def integer(self, value: Any, where: str, minimum: int | None = None) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(where, f"expected an integer, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.fail(where, f"must be >= {minimum}, got {value}")
        return value

    def parse(self, data: Any) -> AGVInstance:
        if not isinstance(data, dict):
            raise self.fail("top level", 'expected a JSON object with "grid" (or "graph"), '
                                         '"agvs" and "horizon"')
        unknown = sorted(set(data) - TOP_LEVEL_KEYS)
        if unknown:
            raise self.fail("top level", f"unknown field(s) {unknown}; allowed: "
                                         f"{sorted(TOP_LEVEL_KEYS)}")
        if ("grid" in data) == ("graph" in data):
            raise self.fail("top level", 'give exactly one of "grid" '
                            '({"rows": R, "cols": C, "blocked": [[r, c], ...]}) or "graph" '
                            '({"nodes": [...], "edges": [[u, v], ...]})')
        if "grid" in data:
            labels, adjacency, grid, blocked = self.parse_grid(data["grid"])
        else:
            labels, adjacency = self.parse_graph(data["graph"])
            grid, blocked = None, ()
        self.grid, self.blocked_set = grid, set(blocked)
        self.index = {lab: i for i, lab in enumerate(labels)}
        if "agvs" not in data or not isinstance(data["agvs"], list) or not data["agvs"]:
            raise self.fail("agvs", 'expected a non-empty list of {"id", "start", "goal", '
                                    '"release"} objects')
        if "horizon" not in data:
            raise self.fail("horizon", "missing: give the last time step by which every AGV "
                                       "must have arrived, e.g. \"horizon\": 30")
        horizon = self.integer(data["horizon"], "horizon", minimum=0)
        vehicles = [self.parse_agv(a, f"agvs[{k}]") for k, a in enumerate(data["agvs"])]
        ids = [v.id for v in vehicles]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise self.fail("agvs", f"duplicate AGV id(s) {dup}; every id must be unique")
        inst = AGVInstance(name=str(data.get("name", Path(self.source).stem or "agv")),
                           labels=tuple(labels), adjacency=tuple(map(tuple, adjacency)),
                           vehicles=tuple(vehicles), horizon=horizon, grid=grid,
                           blocked=tuple(blocked), source=self.source)
        self.check_fleet(inst)
        stations = tuple(self.node(s, f"stations[{k}]") for k, s in
                         enumerate(data.get("stations", [])))
        cands = None
        if data.get("candidates") is not None:
            cands = self.parse_candidates(inst, data["candidates"])
        return AGVInstance(name=inst.name, labels=inst.labels, adjacency=inst.adjacency,
                           vehicles=inst.vehicles, horizon=horizon, candidates=cands, grid=grid,
                           blocked=inst.blocked, stations=tuple(labels[s] for s in stations),
                           source=self.source)

    def parse_grid(self, g: Any) -> tuple[list[Any], list[list[int]], tuple[int, int], list]:
        if not isinstance(g, dict) or "rows" not in g or "cols" not in g:
            raise self.fail("grid", 'expected {"rows": R, "cols": C, "blocked": [[r, c], ...]}')
        rows = self.integer(g["rows"], "grid.rows", minimum=1)
        cols = self.integer(g["cols"], "grid.cols", minimum=1)
        blocked = set()
        for k, cell in enumerate(g.get("blocked", [])):
            where = f"grid.blocked[{k}]"
            if not (isinstance(cell, list) and len(cell) == 2
                    and all(isinstance(x, int) and not isinstance(x, bool) for x in cell)):
                raise self.fail(where, f"expected a cell [row, col], got {cell!r}")
            if not (0 <= cell[0] < rows and 0 <= cell[1] < cols):
                raise self.fail(where, f"cell {cell} is outside the {rows}x{cols} grid "
                                       f"(rows 0..{rows - 1}, cols 0..{cols - 1})")
            blocked.add(tuple(cell))
        labels = [(r, c) for r in range(rows) for c in range(cols) if (r, c) not in blocked]
        idx = {lab: i for i, lab in enumerate(labels)}
        adjacency = [[idx[(r + dr, c + dc)] for dr, dc in ((-1, 0), (0, -1), (0, 1), (1, 0))
                      if (r + dr, c + dc) in idx] for r, c in labels]
        return labels, adjacency, (rows, cols), sorted(blocked)

    def parse_graph(self, g: Any) -> tuple[list[Any], list[list[int]]]:
        if not isinstance(g, dict) or not isinstance(g.get("nodes"), list) or \
                not isinstance(g.get("edges"), list):
            raise self.fail("graph", 'expected {"nodes": [id, ...], "edges": [[u, v], ...]}')
        labels = list(g["nodes"])
        for k, n in enumerate(labels):
            if not isinstance(n, (str, int)) or isinstance(n, bool):
                raise self.fail(f"graph.nodes[{k}]", f"node ids are strings or integers, got {n!r}")
        if len(set(labels)) != len(labels):
            raise self.fail("graph.nodes", "duplicate node ids")
        idx = {lab: i for i, lab in enumerate(labels)}
        adjacency: list[set[int]] = [set() for _ in labels]
        for k, e in enumerate(g["edges"]):
            if not isinstance(e, list) or len(e) != 2:
                raise self.fail(f"graph.edges[{k}]", f"expected [u, v], got {e!r}")
            for x in e:
                if x not in idx:
                    raise self.fail(f"graph.edges[{k}]", f"unknown node {x!r}; add it to "
                                                          "graph.nodes")
            if e[0] == e[1]:
                raise self.fail(f"graph.edges[{k}]", f"self-loop on {e[0]!r} (waiting is "
                                                      "always allowed; drop this edge)")
            adjacency[idx[e[0]]].add(idx[e[1]])
            adjacency[idx[e[1]]].add(idx[e[0]])
        return labels, [sorted(a) for a in adjacency]

    def node(self, value: Any, where: str) -> int:
        if self.grid is not None:
            if not (isinstance(value, list) and len(value) == 2
                    and all(isinstance(x, int) and not isinstance(x, bool) for x in value)):
                raise self.fail(where, f"expected a cell [row, col], got {value!r}")
            rows, cols = self.grid
            if not (0 <= value[0] < rows and 0 <= value[1] < cols):
                raise self.fail(where, f"unknown cell {value}: outside the {rows}x{cols} grid "
                                       f"(rows 0..{rows - 1}, cols 0..{cols - 1})")
            if tuple(value) in self.blocked_set:
                raise self.fail(where, f"cell {value} is blocked; move it to a free cell or "
                                       "unblock it in grid.blocked")
            return self.index[tuple(value)]
        if isinstance(value, list) or value not in self.index:
            raise self.fail(where, f"unknown node {value!r}; it is not in graph.nodes")
        return self.index[value]

    def parse_agv(self, a: Any, where: str) -> Vehicle:
        if not isinstance(a, dict):
            raise self.fail(where, 'expected {"id": ..., "start": ..., "goal": ..., "release": t}')
        for key in ("id", "start", "goal"):
            if key not in a:
                raise self.fail(where, f"missing field {key!r}")
        extra = sorted(set(a) - {"id", "start", "goal", "release"})
        if extra:
            raise self.fail(where, f"unknown field(s) {extra}; allowed: id, start, goal, release")
        if not isinstance(a["id"], (str, int)) or isinstance(a["id"], bool):
            raise self.fail(f"{where}.id", f"expected a string, got {a['id']!r}")
        return Vehicle(id=str(a["id"]), start=self.node(a["start"], f"{where}.start"),
                       goal=self.node(a["goal"], f"{where}.goal"),
                       release=self.integer(a.get("release", 0), f"{where}.release", minimum=0))

    def check_fleet(self, inst: AGVInstance) -> None:
        seen: dict[tuple[int, int], str] = {}
        for k, v in enumerate(inst.vehicles):
            where = f"agvs[{k}] ({v.id!r})"
            if v.start == v.goal:
                raise self.fail(where, "start equals goal; an AGV with nothing to do does not "
                                       "belong in the fleet")
            d = inst.distances_to(v.goal)[v.start]
            if not np.isfinite(d):
                raise self.fail(where, f"goal {inst.labels[v.goal]} is unreachable from start "
                                       f"{inst.labels[v.start]} (blocked cells cut the floor)")
            if v.release + d > inst.horizon:
                raise self.fail("horizon", f"AGV {v.id!r} cannot arrive before time "
                                f"{v.release + int(d)} > horizon {inst.horizon}; raise the "
                                "horizon")
            key = (v.start, v.release)
            if key in seen:
                raise InstanceError(f"{self.source}: {where}: appears at "
                                    f"{inst.labels[v.start]} at time {v.release}, like AGV "
                                    f"{seen[key]!r}: an unavoidable conflict; change a release "
                                    "time or a start")
            seen[key] = v.id

    def parse_candidates(self, inst: AGVInstance, data: Any) -> dict[str, tuple[Route, ...]]:
        if not isinstance(data, dict):
            raise self.fail("candidates", "expected an object {agv_id: [route, ...]}")
        unknown = sorted(set(data) - set(inst.vehicle))
        if unknown:
            raise self.fail("candidates", f"unknown AGV id(s) {unknown}")
        missing = sorted(set(inst.vehicle) - set(data))
        if missing:
            raise self.fail("candidates", f"no routes for AGV(s) {missing}; give at least one "
                                          "route per AGV (or drop 'candidates' to generate them)")
        out: dict[str, tuple[Route, ...]] = {}
        for agv, routes in data.items():
            v = inst.vehicle[agv]
            if not isinstance(routes, list) or not routes:
                raise self.fail(f"candidates.{agv}", "expected a non-empty list of routes")
            parsed = []
            for k, route in enumerate(routes):
                where = f"candidates.{agv}[{k}]"
                if not isinstance(route, list) or not route:
                    raise self.fail(where, "expected a non-empty list of cells")
                nodes = tuple(self.node(c, f"{where}[{i}]") for i, c in enumerate(route))
                problem = route_problem(inst, v, nodes)
                if problem:
                    raise self.fail(where, problem)
                parsed.append(nodes)
            out[agv] = tuple(parsed)
        return out


def route_problem(inst: AGVInstance, v: Vehicle, route: Route) -> str | None:
    """Why ``route`` is not a valid route for ``v`` on its own (None if it is)."""
    if route[0] != v.start:
        return f"starts at {inst.labels[route[0]]}, not at the AGV's start {inst.labels[v.start]}"
    if route[-1] != v.goal:
        return f"ends at {inst.labels[route[-1]]}, not at the AGV's goal {inst.labels[v.goal]}"
    for t in range(1, len(route)):
        if not inst.is_step(route[t - 1], route[t]):
            return (f"step {t - 1}->{t} jumps from {inst.labels[route[t - 1]]} to "
                    f"{inst.labels[route[t]]}, which are not adjacent")
    if v.goal in route[:-1]:
        return (f"reaches the goal {inst.labels[v.goal]} at step {route.index(v.goal)} before "
                "its end; an AGV leaves the floor when it first reaches its goal")
    if v.release + len(route) - 1 > inst.horizon:
        return (f"arrives at time {v.release + len(route) - 1}, after the horizon "
                f"{inst.horizon}")
    return None


def load_instance(source: str | Path) -> AGVInstance:
    """Read an instance file (JSON); errors name the file, line or field."""
    path = Path(source)
    if not path.exists():
        raise InstanceError(f"{path}: no such file; give an AGV instance JSON or "
                            "generate:agvs=10,seed=0")
    data = read_json_file(path)
    return AGVInstance.from_dict(data, source=str(path))
