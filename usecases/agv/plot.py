"""Pictures of a floor: racks, stations, routes, conflicts, and a step-by-step animation.

:func:`plot_floor` draws a grid floor (blocked cells dark, stations light) with each AGV's
route as a coloured line from its start (circle) to its goal (star), and marks conflicts
with red crosses. :func:`animate` returns a :class:`matplotlib.animation.FuncAnimation`
that moves the AGVs one time step per frame; in a notebook, ``HTML(anim.to_jshtml())``
shows it with play controls. General-graph floors are drawn with a NetworkX spring layout.

Examples:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from hybrid_workbench.usecases.agv import AGV
    >>> uc = AGV()
    >>> inst = uc.generate(seed=0, agvs=3)
    >>> ax = plot_floor(inst, uc.naive(inst))
    >>> len(ax.lines) >= 3
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hybrid_workbench.usecases.agv.instance import AGVInstance
from hybrid_workbench.usecases.agv.solution import routes_from_solution

__all__ = ["plot_floor", "animate"]


def _positions(inst: AGVInstance) -> np.ndarray:
    """(x, y) drawing position of every node."""
    if inst.grid:
        return np.array([(c, r) for r, c in inst.labels], dtype=float)
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(inst.num_nodes))
    g.add_edges_from(inst.edges)
    layout = nx.spring_layout(g, seed=0)
    return np.array([layout[i] for i in range(inst.num_nodes)])


def _draw_floor(inst: AGVInstance, ax: Any, pos: np.ndarray) -> None:
    if inst.grid:
        rows, cols = inst.grid
        img = np.ones((rows, cols, 3))
        for r, c in inst.blocked:
            img[r, c] = (0.25, 0.25, 0.3)
        for r, c in inst.stations:
            img[r, c] = (0.86, 0.92, 1.0)
        ax.imshow(img, origin="upper", extent=(-0.5, cols - 0.5, rows - 0.5, -0.5))
        ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
        ax.grid(which="minor", color="0.85", linewidth=0.5)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    else:
        for u, v in inst.edges:
            ax.plot(*pos[[u, v]].T, color="0.8", zorder=0)
        ax.scatter(*pos.T, s=60, color="0.9", edgecolor="0.5", zorder=1)
        ax.set_axis_off()
    ax.set_aspect("equal")


def plot_floor(inst: AGVInstance, solution: Mapping[str, Any] | None = None, ax: Any = None,
               title: str | None = None) -> Any:
    """Floor, routes and conflicts of ``solution`` (or just the fleet's starts and goals)."""
    import matplotlib.pyplot as plt

    from hybrid_workbench.usecases.agv.conflicts import find_conflicts

    if ax is None:
        rows, cols = inst.grid or (8, 8)
        _, ax = plt.subplots(figsize=(min(12, 0.45 * cols + 2), min(10, 0.45 * rows + 1.5)))
    pos = _positions(inst)
    _draw_floor(inst, ax, pos)
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, max(inst.num_agvs, 2)))
    routes = routes_from_solution(inst, solution) if solution else {}
    for i, v in enumerate(inst.vehicles):
        col = colours[i % len(colours)]
        if v.id in routes:
            path = pos[list(routes[v.id])]
            jitter = (i % 5 - 2) * 0.06  # keep overlapping routes apart
            ax.plot(path[:, 0] + jitter, path[:, 1] + jitter, color=col, lw=2, alpha=0.85)
        ax.plot(*pos[v.start], "o", color=col, ms=7, mec="k", mew=0.5)
        ax.plot(*pos[v.goal], "*", color=col, ms=11, mec="k", mew=0.5)
    if routes:
        conflicts = find_conflicts((a, inst.vehicle[a].release, r) for a, r in routes.items())
        for c in conflicts:
            xy = pos[list(c.nodes)].mean(axis=0)
            ax.plot(*xy, "x", color="red", ms=14, mew=3)
        title = title or f"{len(conflicts)} conflict(s)"
    if title:
        ax.set_title(title)
    return ax


def animate(inst: AGVInstance, solution: Mapping[str, Any], interval_ms: int = 400,
            ax: Any = None) -> Any:
    """Step-by-step animation of the AGVs (one frame per time step).

    Returns a :class:`matplotlib.animation.FuncAnimation`; call ``.to_jshtml()`` for a
    notebook, or ``.save('agv.gif', writer='pillow')``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    if ax is None:
        rows, cols = inst.grid or (8, 8)
        fig, ax = plt.subplots(figsize=(min(10, 0.4 * cols + 2), min(8, 0.4 * rows + 1.5)))
    else:
        fig = ax.figure
    pos = _positions(inst)
    _draw_floor(inst, ax, pos)
    routes = routes_from_solution(inst, solution)
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, max(inst.num_agvs, 2)))
    ids = [v.id for v in inst.vehicles if v.id in routes]
    for i, v in enumerate(inst.vehicles):
        ax.plot(*pos[v.goal], "*", color=colours[i % len(colours)], ms=10, alpha=0.5)
    dots = ax.scatter(np.zeros(len(ids)), np.zeros(len(ids)), s=120, edgecolor="k", zorder=3)
    end = max((inst.vehicle[a].release + len(routes[a]) - 1 for a in ids), default=0)
    label = ax.set_title("")

    def frame(t: int) -> tuple[Any, ...]:
        xy, cols = [], []
        for a in ids:
            v = inst.vehicle[a]
            k = t - v.release
            if 0 <= k < len(routes[a]):
                xy.append(pos[routes[a][k]])
                cols.append(colours[[x.id for x in inst.vehicles].index(a) % len(colours)])
        dots.set_offsets(np.array(xy) if xy else np.empty((0, 2)))
        if cols:
            dots.set_facecolor(cols)
        label.set_text(f"t = {t}: {len(xy)} AGV(s) on the floor")
        return dots, label

    anim = FuncAnimation(fig, frame, frames=range(end + 1), interval=interval_ms, blit=False)
    plt.close(fig)
    return anim
