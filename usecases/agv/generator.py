"""Seeded generator of factory floors: rack blocks, aisles, stations, and a fleet of trips.

The floor follows the layout of a parts warehouse: bands of racks two cells deep separated
by horizontal aisles, each band cut into blocks by cross aisles, with free aisles along
every wall. Stations are the aisle cells facing a rack (pick points) and the cells of the
top and bottom walls (docks). Each AGV carries one load: from a station to a different,
distant station, released at a random time in ``0..max_release`` (no two AGVs appear on the
same cell at the same time). The horizon leaves ``slack`` steps after the latest possible
earliest arrival.

Examples:
    >>> inst = generate_floor(seed=1, agvs=6)
    >>> inst.num_agvs, inst.grid, inst.horizon >= max(inst.shortest_arrival(v.id)
    ...                                                for v in inst.vehicles)
    (6, (7, 11), True)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hybrid_workbench.errors import InstanceError
from hybrid_workbench.usecases.agv.instance import AGVInstance

__all__ = ["generate_floor", "floor_layout"]

RACK_DEPTH = 2
BLOCK_LENGTH = 4


def floor_layout(bands: int, blocks: int) -> tuple[int, int, list[list[int]], list[list[int]]]:
    """Rows, columns, blocked cells and station cells of a floor of rack bands and blocks.

    Examples:
        >>> rows, cols, blocked, stations = floor_layout(1, 1)
        >>> rows, cols, len(blocked), len(stations)
        (4, 6, 8, 12)
    """
    rows = bands * (RACK_DEPTH + 1) + 1
    cols = blocks * (BLOCK_LENGTH + 1) + 1
    blocked = [[b * (RACK_DEPTH + 1) + 1 + dr, k * (BLOCK_LENGTH + 1) + 1 + dc]
               for b in range(bands) for k in range(blocks)
               for dr in range(RACK_DEPTH) for dc in range(BLOCK_LENGTH)]
    blocked_set = {tuple(c) for c in blocked}
    stations = set()
    for r, c in blocked:
        for dr in (-1, 1):
            if (r + dr, c) not in blocked_set and 0 <= r + dr < rows:
                stations.add((r + dr, c))
    for c in range(cols):
        stations.add((0, c))
        stations.add((rows - 1, c))
    return rows, cols, blocked, [list(s) for s in sorted(stations)]


def generate_floor(seed: int = 0, agvs: int = 10, bands: int | None = None,
                   blocks: int | None = None, max_release: int | None = None,
                   slack: int = 8, min_distance: int | None = None,
                   name: str | None = None, **unknown: Any) -> AGVInstance:
    """A random floor and fleet (same seed, same instance).

    Args:
        seed: random seed.
        agvs: fleet size (1..200; the realistic range is 5-50).
        bands, blocks: rack bands (vertically) and blocks per band; by default grown with
            the fleet so that there are about ten free cells per AGV.
        max_release: latest release time (default ``agvs // 2``).
        slack: steps of the horizon beyond the latest earliest arrival.
        min_distance: shortest allowed trip (default: a third of the floor's width).
        name: instance name (default ``floor-<agvs>-s<seed>``).
    """
    if unknown:
        raise InstanceError(f"agv generator: unknown parameter(s) {sorted(unknown)}; valid: "
                            "agvs, bands, blocks, max_release, slack, min_distance, name, seed")
    for key, value in (("agvs", agvs), ("bands", bands), ("blocks", blocks),
                       ("max_release", max_release), ("slack", slack),
                       ("min_distance", min_distance)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InstanceError(f"agv generator: {key} must be an integer, got {value!r}")
    if not 1 <= agvs <= 200:
        raise InstanceError(f"agv generator: agvs must be in 1..200, got {agvs}")
    if slack < 0:
        raise InstanceError(f"agv generator: slack must be >= 0, got {slack}")
    size = max(2, math.ceil(0.8 * math.sqrt(agvs)))
    bands = bands or size
    blocks = blocks or size
    if bands < 1 or blocks < 1:
        raise InstanceError("agv generator: bands and blocks must be >= 1")
    rows, cols, blocked, stations = floor_layout(bands, blocks)
    max_release = agvs // 2 if max_release is None else max_release
    if max_release < 0:
        raise InstanceError(f"agv generator: max_release must be >= 0, got {max_release}")
    if len(stations) * (max_release + 1) < agvs:
        raise InstanceError(f"agv generator: {agvs} AGVs do not fit on {len(stations)} "
                            f"stations with releases 0..{max_release}; raise max_release "
                            "or the floor size (bands, blocks)")
    min_distance = max(1, cols // 3) if min_distance is None else min_distance
    rng = np.random.default_rng(seed)
    floor = AGVInstance.from_dict({"grid": {"rows": rows, "cols": cols, "blocked": blocked},
                                   "agvs": [{"id": "probe", "start": stations[0],
                                             "goal": stations[1]}],
                                   "horizon": rows * cols}, source="<generator>")
    index = floor.index
    station_nodes = [index[tuple(s)] for s in stations]
    used: set[tuple[int, int]] = set()
    fleet = []
    for k in range(agvs):
        for _attempt in range(1000):
            start = int(rng.choice(station_nodes))
            release = int(rng.integers(0, max_release + 1))
            if (start, release) in used:
                continue
            dist = floor.distances_to(start)
            far = [g for g in station_nodes if dist[g] >= min_distance]
            if far:
                goal = int(rng.choice(far))
                break
        else:
            raise InstanceError("agv generator: could not place the fleet; raise max_release "
                                "or lower min_distance")
        used.add((start, release))
        fleet.append({"id": f"agv{k}", "start": list(floor.labels[start]),
                      "goal": list(floor.labels[goal]), "release": release, "_d": dist[goal]})
    horizon = int(max(a["release"] + a.pop("_d") for a in fleet)) + slack
    return AGVInstance.from_dict({
        "name": name or f"floor-{agvs}-s{seed}",
        "grid": {"rows": rows, "cols": cols, "blocked": blocked},
        "agvs": fleet, "horizon": horizon, "stations": stations}, source="<generator>")
