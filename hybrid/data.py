"""Where shared benchmark data lives (G-set and friends), without copying it.

The project's public benchmark instances sit in a ``shared/data`` folder beside the
repository (``../shared/data`` from the repository root). :func:`data_dir` finds it:

1. ``$HYBRID_DATA_DIR`` if set;
2. ``shared/data`` in the current directory or any parent, or beside any parent
   (``../shared/data``);
3. the same search starting from the installed package's location.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

__all__ = ["data_dir"]


def _candidates(start: Path) -> list[Path]:
    out = []
    for parent in [start, *start.parents]:
        out.append(parent / "shared" / "data")
    return out


@cache
def _search(cwd: str) -> Path | None:
    env = os.environ.get("HYBRID_DATA_DIR")
    if env:
        return Path(env)
    starts = [Path(cwd), Path(__file__).resolve().parent]
    for start in starts:
        for cand in _candidates(start):
            if cand.is_dir():
                return cand
    return None


def data_dir(sub: str = "") -> Path | None:
    """The shared data folder (or its ``sub`` folder), or None when it cannot be found."""
    base = _search(os.getcwd())
    if base is None:
        return None
    path = base / sub if sub else base
    return path if path.exists() else None
