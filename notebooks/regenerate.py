"""Execute every notebook in place so that it is committed with its outputs.

Usage::

    python notebooks/regenerate.py                  # all notebooks
    python notebooks/regenerate.py maxcut rcs       # only these (stem or file name)

Each notebook runs top to bottom in a fresh ``python3`` kernel with ``notebooks/`` as its
working directory (timeout 600 s per cell). Volatile metadata (execution timing, widget
state) is stripped so that a regeneration only changes what the code printed and plotted.
A notebook whose execution fails is left untouched and the script exits non-zero.
One line per notebook reports the wall time, the file size and its largest PNG.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CELL_TIMEOUT_S = 600
VOLATILE_CELL_KEYS = ("execution", "collapsed", "scrolled", "ExecuteTime")
VOLATILE_NB_KEYS = ("widgets", "papermill", "toc")


def strip_volatile(nb: Any) -> Any:
    """Drop run-dependent metadata (timings, widget state) from ``nb`` in place."""
    for key in VOLATILE_NB_KEYS:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
    return nb


def largest_png(nb: Any) -> int:
    """Size in bytes of the largest PNG output of ``nb`` (0 when it has none)."""
    sizes = [len(base64.b64decode(out["data"]["image/png"]))
             for cell in nb.cells if cell.cell_type == "code"
             for out in cell.get("outputs", [])
             if "image/png" in out.get("data", {})]
    return max(sizes, default=0)


def regenerate(path: Path) -> tuple[float, int, int]:
    """Execute ``path`` in place; returns (wall seconds, file bytes, largest PNG bytes)."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     record_timing=False,
                                     resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - start
    strip_volatile(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return wall, path.stat().st_size, largest_png(nb)


def select(names: list[str]) -> list[Path]:
    """The notebooks named on the command line (all of them when none is named)."""
    every = sorted(HERE.glob("*.ipynb"))
    if not names:
        return every
    by_stem = {p.stem: p for p in every}
    missing = [n for n in names if Path(n).stem not in by_stem]
    if missing:
        raise SystemExit(f"no such notebook: {', '.join(missing)} (have {', '.join(by_stem)})")
    return [by_stem[Path(n).stem] for n in names]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook stems (default: all)")
    args = parser.parse_args(argv)
    failed = []
    for path in select(args.names):
        print(f"{path.name:24s} ...", end=" ", flush=True)
        try:
            wall, size, png = regenerate(path)
        except Exception as exc:  # report and go on with the others
            failed.append(path.name)
            print(f"FAILED: {type(exc).__name__}: {str(exc).strip().splitlines()[-1:]}")
            continue
        print(f"{wall:6.1f} s  {size / 1024:7.1f} KiB  largest PNG {png / 1024:5.1f} KiB")
    if failed:
        print("failed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
