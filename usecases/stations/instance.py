"""Station-placement instances: candidate sites on an AGV floor and a keep-out radius.

File format (JSON)::

    {"name": "hall-3",                      # optional; the file's stem by default
     "radius_m": 3.0,                       # two stations closer than this conflict
     "sites": [{"id": "A1", "x": 0.0, "y": 0.0},   # metres on the floor plan
               {"id": "A2", "x": 2.0, "y": 0.0}]}  # or bare pairs: [[0.0, 0.0], ...]

Generated instances (``generate:atoms=10,seed=1``) follow the lattice instances of the
Rydberg-array MIS experiments (Ebadi et al., Science 2022): the floor is a square grid of
cells ``spacing_m`` apart, ``atoms`` cells are drawn at random as candidate sites (a share
``filling`` of the grid), and two stations conflict when at most ``radius_cells`` cells
apart (1.5 by default: side and diagonal neighbours conflict, two cells apart do not).

Examples:
    >>> inst = generate_instance(seed=1, atoms=6)
    >>> inst.name, len(inst.sites), inst.radius_m
    ('stations-6-s1', 6, 3.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.instancefiles import read_json_file
from hybrid_workbench.usecases.stations.geometry import UnitDiskGraph

__all__ = ["StationsInstance", "generate_instance", "load_instance"]

MAX_SITES = 10_000


@dataclass(frozen=True)
class StationsInstance:
    """Candidate sites (metres) and the conflict radius.

    Attributes:
        name: instance name.
        sites: ``(x, y)`` of each candidate site in metres.
        ids: each site's name (the labels of the model's variables).
        radius_m: two stations at most this far apart conflict.
    """

    name: str
    sites: tuple[tuple[float, float], ...]
    ids: tuple[str, ...]
    radius_m: float

    def graph(self) -> UnitDiskGraph:
        """The conflict graph, positions in metres."""
        return UnitDiskGraph(positions=self.sites, radius=self.radius_m, labels=self.ids,
                             unit="m")

    def to_dict(self) -> dict[str, Any]:
        """The instance in its file format (``load_instance`` reads it back)."""
        return {"name": self.name, "radius_m": self.radius_m,
                "sites": [{"id": i, "x": x, "y": y} for i, (x, y) in zip(self.ids, self.sites)]}


def generate_instance(seed: int = 0, atoms: int = 10, filling: float = 0.5,
                      spacing_m: float = 2.0, radius_cells: float = 1.5) -> StationsInstance:
    """``atoms`` sites drawn from a square grid with about ``atoms / filling`` cells."""
    for name, value, ok, want in (
            ("atoms", atoms, isinstance(atoms, int) and 1 <= atoms <= MAX_SITES,
             f"an integer in 1..{MAX_SITES}"),
            ("filling", filling, isinstance(filling, (int, float)) and 0 < filling <= 1,
             "a number in (0, 1]"),
            ("spacing_m", spacing_m, isinstance(spacing_m, (int, float)) and spacing_m > 0,
             "a positive number of metres"),
            ("radius_cells", radius_cells,
             isinstance(radius_cells, (int, float)) and radius_cells > 0,
             "a positive number of cells")):
        if isinstance(value, bool) or not ok:
            raise InstanceError(f"stations: generator parameter {name} must be {want}, "
                                f"got {value!r}")
    cells_needed = math.ceil(atoms / filling - 1e-9)
    side = math.ceil(math.sqrt(cells_needed))
    rows = math.ceil(cells_needed / side)
    rng = np.random.default_rng(seed)
    cells = sorted(int(c) for c in rng.choice(rows * side, size=atoms, replace=False))
    sites = tuple((float(c % side) * spacing_m, float(c // side) * spacing_m) for c in cells)
    ids = tuple(f"r{c // side}c{c % side}" for c in cells)
    return StationsInstance(name=f"stations-{atoms}-s{seed}", sites=sites, ids=ids,
                            radius_m=float(radius_cells * spacing_m))


def load_instance(source: str | Path) -> StationsInstance:
    """Read the JSON format in this module's docstring."""
    path = Path(source)
    if not path.is_file():
        raise InstanceError(f"stations: {path} is not a file; give a JSON instance file or "
                            "generate:atoms=10,seed=1")
    data = read_json_file(path)
    if not isinstance(data, Mapping):
        raise InstanceFormatError(f"{path}: the file must hold a JSON object with 'radius_m' "
                                  "and 'sites'")
    radius = data.get("radius_m")
    if isinstance(radius, bool) or not isinstance(radius, (int, float)) or not (
            math.isfinite(radius) and radius > 0):
        raise InstanceFormatError(f"{path}: field 'radius_m' must be a positive number of "
                                  f"metres, got {radius!r}")
    raw = data.get("sites")
    if not isinstance(raw, list) or not raw:
        raise InstanceFormatError(f"{path}: field 'sites' must be a non-empty list of "
                                  '{"id", "x", "y"} objects or [x, y] pairs')
    sites, ids = [], []
    for k, item in enumerate(raw):
        if isinstance(item, Mapping):
            xy, site_id = (item.get("x"), item.get("y")), str(item.get("id", f"s{k}"))
        elif isinstance(item, list) and len(item) == 2:
            xy, site_id = (item[0], item[1]), f"s{k}"
        else:
            xy, site_id = (None, None), ""
        if not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
                   for c in xy):
            raise InstanceFormatError(f"{path}: field 'sites' item {k} must have finite "
                                      f"numbers x and y (metres), got {item!r}")
        sites.append((float(xy[0]), float(xy[1])))  # type: ignore[arg-type]
        ids.append(site_id)
    if len(set(ids)) != len(ids):
        dup = min({i for i in ids if ids.count(i) > 1})
        raise InstanceFormatError(f"{path}: field 'sites' repeats id {dup!r}; give each site "
                                  "its own id")
    name = data.get("name", path.stem)
    return StationsInstance(name=str(name), sites=tuple(sites), ids=tuple(ids),
                            radius_m=float(radius))
