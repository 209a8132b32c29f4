"""Pictures of HP folds: chain, H/P residues, and the H-H contacts that score.

Use the Agg backend in scripts (``matplotlib.use("Agg")``); nothing here picks one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hybrid_workbench.usecases.peptide.lattice import PeptideInstance, check_fold

__all__ = ["plot_fold"]

H_COLOUR, P_COLOUR, CONTACT_COLOUR = "#d62728", "#1f77b4", "#2ca02c"


def plot_fold(instance: PeptideInstance, coords: Sequence[Sequence[int]], ax: Any = None,
              title: str | None = None) -> Any:
    """Draw a fold on the square (2D axes) or cubic (3D axes) lattice; returns the axes.

    H residues are red, P residues blue, the backbone black, H-H contacts dashed green;
    residue 0 is ringed. An invalid fold is drawn as it is and its title says so.
    """
    import matplotlib.pyplot as plt

    check = check_fold(instance, coords)
    pts = [tuple(c) for c in coords if c is not None]
    dim = instance.dim
    if ax is None:
        fig = plt.figure(figsize=(4.5, 4.5))
        ax = fig.add_subplot(projection="3d" if dim == 3 else None)
    cols = list(zip(*pts)) if pts else [()] * dim
    ax.plot(*cols, color="black", lw=2, zorder=1)
    present = [(i, tuple(c)) for i, c in enumerate(coords) if c is not None]
    for colour, kind in ((H_COLOUR, "H"), (P_COLOUR, "P")):
        sel = [p for i, p in present if instance.sequence[i] == kind]
        if sel:
            ax.scatter(*zip(*sel), s=180, color=colour, edgecolor="black", zorder=3, label=kind)
    for i, j in check.contacts:
        a, b = coords[i], coords[j]
        ax.plot(*zip(a, b), color=CONTACT_COLOUR, ls="--", lw=1.5, zorder=2)
    if present:
        ax.scatter(*zip(present[0][1]), s=420, facecolor="none", edgecolor="black", lw=1.5,
                   zorder=4)
    if dim == 2:
        ax.set_aspect("equal")
        ax.grid(True, color="#dddddd")
    else:
        ax.set_zlabel("z")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    status = f"E = {check.energy}" if check.valid else "invalid fold"
    ax.set_title(title or f"{instance.sequence} ({instance.lattice}), {status}")
    ax.legend(loc="best", fontsize=8)
    return ax
