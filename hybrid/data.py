"""Where benchmark data lives: shipped with the package, and more from the user.

Named instances (the G-set graphs and their best-known cuts, with sources in the folder's
README) ship inside the package under ``hybrid_workbench/datasets``, so ``hybrid solve maxcut
G1`` works from a fresh clone or an installed wheel. More data is added, never substituted,
from:

1. ``$HYBRID_DATA_DIR`` (searched first, so a user's file of the same name wins);
2. the package's own ``datasets`` folder;
3. a ``shared/data`` folder in the current directory or any parent (a checkout beside the
   project's shared data).

Examples:
    >>> (find_data_file("gset", "G1.txt") or Path()).name
    'G1.txt'
    >>> find_data_file("gset", "no-such-file.txt") is None
    True
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir", "data_dirs", "find_data_file", "PACKAGE_DATA"]

#: The data folder shipped inside the package.
PACKAGE_DATA = Path(__file__).resolve().parent / "datasets"


def _roots() -> list[Path]:
    roots = []
    env = os.environ.get("HYBRID_DATA_DIR")
    if env:
        roots.append(Path(env))
    roots.append(PACKAGE_DATA)
    for parent in [Path.cwd(), *Path.cwd().parents]:
        cand = parent / "shared" / "data"
        if cand.is_dir():
            roots.append(cand)
            break
    return roots


def data_dirs(sub: str = "") -> list[Path]:
    """Every existing data folder (or its ``sub`` folder), in search order."""
    out = []
    for root in _roots():
        path = root / sub if sub else root
        if path.is_dir() and path.resolve() not in [p.resolve() for p in out]:
            out.append(path)
    return out


def data_dir(sub: str = "") -> Path | None:
    """The first data folder holding ``sub`` (see :func:`data_dirs`), or None."""
    dirs = data_dirs(sub)
    return dirs[0] if dirs else None


def find_data_file(sub: str, name: str) -> Path | None:
    """The first ``sub/name`` found along the search order, or None."""
    for folder in data_dirs(sub):
        if (folder / name).is_file():
            return folder / name
    return None
