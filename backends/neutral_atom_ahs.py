"""Analog Hamiltonian simulation programs for the ``neutral-atom`` backend (Braket IR).

Places the vertices of a :class:`~hybrid_workbench.usecases.stations.geometry.UnitDiskGraph`
as atoms and writes the adiabatic MIS sweep as a ``braket.ir.ahs.Program``, the document
that Amazon Braket's local simulator runs and that the Braket SDK submits to QuEra's Aquila.

The physics (Ebadi et al., Science 376, 1209 (2022); QuEra's Aquila whitepaper,
arXiv:2306.11727): atoms ``i, j`` at distance ``r`` interact as ``C6 / r**6`` with
``C6 = 5.42e6 rad/us * um**6``; under a Rabi drive ``Omega`` two atoms closer than the
blockade radius ``R_b = (C6 / Omega)**(1/6)`` (8.4 um at Aquila's 15.8 rad/us) are not
excited together. The positions are scaled so that ``R_b`` falls at the geometric mean of
the graph's longest edge and shortest non-edge (edges blockaded, non-edges free). The
sweep: Omega rises to its maximum at a negative detuning, the detuning is swept linearly
to a positive value, Omega falls to zero; the Rydberg atoms measured at the end form an
independent set, a maximum one when the sweep is adiabatic.

Aquila's limits (its published capabilities) are checked for both targets, since the
emulator stands in for it: atoms at least 4 um apart inside a 75 um x 76 um field,
positions on a 0.1 um grid, Rabi frequency <= 15.8 rad/us (2 pi x 2.5 MHz) with slew
<= 250 rad/us**2, detuning within +-125 rad/us with slew <= 2500 rad/us**2, duration <= 4 us.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hybrid_workbench.errors import UnsupportedModelError

if TYPE_CHECKING:  # pragma: no cover
    from hybrid_workbench.usecases.stations.geometry import UnitDiskGraph

__all__ = ["AQUILA", "C6", "Layout", "Schedule", "blockade_radius_um", "layout", "program"]

#: Van der Waals coefficient of Rb-87 |70S> in rad/us * um**6 (Braket's 5.42e-24 rad m^6/s).
C6 = 5.42e6
#: QuEra Aquila's limits, in um, us and rad/us.
AQUILA: dict[str, float] = {
    "min_spacing_um": 4.0, "width_um": 75.0, "height_um": 76.0, "position_resolution_um": 0.1,
    "rabi_max_rad_per_us": 15.8, "rabi_slew_max_rad_per_us2": 250.0,
    "detuning_max_rad_per_us": 125.0, "detuning_slew_max_rad_per_us2": 2500.0,
    "max_time_us": 4.0, "max_atoms": 256,
}


def blockade_radius_um(rabi: float) -> float:
    """``R_b = (C6 / Omega)**(1/6)`` in um for a Rabi frequency in rad/us.

    Examples:
        >>> round(blockade_radius_um(15.8), 2)
        8.37
    """
    return (C6 / rabi) ** (1 / 6)


@dataclass(frozen=True)
class Schedule:
    """A piecewise-linear sweep: times in us, Rabi frequency and detuning in rad/us."""

    times_us: tuple[float, ...]
    rabi: tuple[float, ...]
    detuning: tuple[float, ...]

    @classmethod
    def sweep(cls, duration_us: float, ramp_us: float, rabi_max: float,
              detuning_start: float, detuning_end: float) -> Schedule:
        times = (0.0, ramp_us, duration_us - ramp_us, duration_us)
        return cls(tuple(round(t, 3) for t in times), (0.0, rabi_max, rabi_max, 0.0),
                   (detuning_start, detuning_start, detuning_end, detuning_end))

    def problems(self) -> list[str]:
        """Where this schedule breaks Aquila's limits (empty when it keeps them)."""
        out = []
        if any(b <= a for a, b in zip(self.times_us, self.times_us[1:])):
            out.append(f"times must increase, got {list(self.times_us)} us (ramp_us must be "
                       "less than half of duration_us)")
            return out
        if self.times_us[-1] > AQUILA["max_time_us"] + 1e-12:
            out.append(f"duration {self.times_us[-1]} us is over Aquila's "
                       f"{AQUILA['max_time_us']} us")
        if max(self.rabi) > AQUILA["rabi_max_rad_per_us"] + 1e-12 or min(self.rabi) < 0:
            out.append(f"Rabi frequency must be within 0..{AQUILA['rabi_max_rad_per_us']} "
                       f"rad/us, got {max(self.rabi)}")
        if max(abs(d) for d in self.detuning) > AQUILA["detuning_max_rad_per_us"]:
            out.append(f"detuning must be within +-{AQUILA['detuning_max_rad_per_us']} rad/us, "
                       f"got {list(self.detuning)}")
        for name, values, key in (("Rabi", self.rabi, "rabi_slew_max_rad_per_us2"),
                                  ("detuning", self.detuning, "detuning_slew_max_rad_per_us2")):
            slew = max(abs(b - a) / (tb - ta) for a, b, ta, tb in
                       zip(values, values[1:], self.times_us, self.times_us[1:]))
            if slew > AQUILA[key]:
                out.append(f"{name} slew {slew:.0f} rad/us^2 is over Aquila's {AQUILA[key]:.0f} "
                           "(lengthen ramp_us)")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"times_us": list(self.times_us), "rabi_rad_per_us": list(self.rabi),
                "detuning_rad_per_us": list(self.detuning), "phase_rad": 0.0,
                "shape": "Rabi ramp up, linear detuning sweep, Rabi ramp down"}


@dataclass(frozen=True)
class Layout:
    """Atom positions in um and the distances that decide how well the blockade fits
    (measured between the placed, rounded positions)."""

    positions_um: tuple[tuple[float, float], ...]
    scale_um: float
    blockade_radius_um: float
    unit_disk_radius_um: float
    longest_edge_um: float | None
    shortest_non_edge_um: float | None
    shortest_pair_um: float

    def to_dict(self) -> dict[str, Any]:
        return {"positions_um": [list(p) for p in self.positions_um],
                "scale_um_per_unit": self.scale_um, "blockade_radius_um": self.blockade_radius_um,
                "unit_disk_radius_um": self.unit_disk_radius_um,
                "longest_edge_um": self.longest_edge_um,
                "shortest_non_edge_um": self.shortest_non_edge_um,
                "shortest_pair_um": self.shortest_pair_um}


def layout(graph: UnitDiskGraph, rabi_max: float, scale_um: float | None = None) -> Layout:
    """Atom positions for ``graph``: scaled so that the blockade radius at ``rabi_max``
    lies at the geometric mean of the longest edge and the shortest non-edge (or by
    ``scale_um`` um per unit), shifted to the origin, rounded to Aquila's 0.1 um grid.

    Raises:
        UnsupportedModelError: the atoms would break Aquila's spacing or field limits.
    """
    _, longest_edge, shortest_non = graph.distances()
    lo = longest_edge if longest_edge is not None else graph.radius
    hi = shortest_non if shortest_non is not None else 2.0 * lo
    r_b = blockade_radius_um(rabi_max)
    scale = scale_um if scale_um is not None else r_b / math.sqrt(lo * hi)
    xs = [x for x, _ in graph.positions]
    ys = [y for _, y in graph.positions]
    x0, y0 = min(xs), min(ys)
    res = AQUILA["position_resolution_um"]
    pos = tuple((round(round((x - x0) * scale / res) * res, 1),
                 round(round((y - y0) * scale / res) * res, 1)) for x, y in graph.positions)
    width, height = max(p[0] for p in pos), max(p[1] for p in pos)
    edges = set(graph.edges)
    pairs = [(math.dist(pos[i], pos[j]), (i, j) in edges)
             for i in range(len(pos)) for j in range(i + 1, len(pos))]
    on_edges = [d for d, is_edge in pairs if is_edge]
    off_edges = [d for d, is_edge in pairs if not is_edge]
    out = Layout(positions_um=pos, scale_um=round(scale, 6), blockade_radius_um=round(r_b, 3),
                 unit_disk_radius_um=round(graph.radius * scale, 3),
                 longest_edge_um=round(max(on_edges), 3) if on_edges else None,
                 shortest_non_edge_um=round(min(off_edges), 3) if off_edges else None,
                 shortest_pair_um=round(min(d for d, _ in pairs), 3) if pairs else 0.0)
    if graph.num_nodes > 1 and out.shortest_pair_um < AQUILA["min_spacing_um"]:
        raise UnsupportedModelError(
            f"neutral-atom: the closest atoms would be {out.shortest_pair_um} um apart "
            f"(scale {scale:.3g} um per {graph.unit}), under Aquila's "
            f"{AQUILA['min_spacing_um']} um; the graph's closest pair is too close for its "
            "conflict radius (keep every pair at least ~0.5 x the radius apart) or set scale_um")
    if width > AQUILA["width_um"] or height > AQUILA["height_um"]:
        raise UnsupportedModelError(
            f"neutral-atom: the atoms would span {width} x {height} um, over Aquila's "
            f"{AQUILA['width_um']} x {AQUILA['height_um']} um field; use a smaller floor "
            "(fewer cells across) or a smaller scale_um")
    return out


def program(atoms: Layout, schedule: Schedule) -> Any:
    """The ``braket.ir.ahs.Program`` (SI units, as the IR takes them)."""
    from braket.ir.ahs.program_v1 import Program

    def series(values: tuple[float, ...], unit: float) -> dict[str, Any]:
        return {"times": [f"{t:.4f}e-6" for t in schedule.times_us],
                "values": [f"{round(v * unit)}" for v in values]}

    sites = [[f"{x:.1f}e-6", f"{y:.1f}e-6"] for x, y in atoms.positions_um]
    driving = {
        "amplitude": {"time_series": series(schedule.rabi, 1e6), "pattern": "uniform"},
        "phase": {"time_series": series((0.0,) * len(schedule.times_us), 1.0),
                  "pattern": "uniform"},
        "detuning": {"time_series": series(schedule.detuning, 1e6), "pattern": "uniform"},
    }
    return Program(setup={"ahs_register": {"sites": sites, "filling": [1] * len(sites)}},
                   hamiltonian={"drivingFields": [driving], "localDetuning": []})
