"""Assemble ``docs/benchmarks.md`` from the per-benchmark sections in ``docs/benchmarks/``.

Each benchmark script writes its own section, ``docs/benchmarks/<name>.md`` (and its
plots beside it), then calls :func:`collect` so that the index is always current::

    python benchmarks/collect.py
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ROOT / "docs" / "benchmarks"
INDEX = ROOT / "docs" / "benchmarks.md"

HEADER = """# Benchmarks

Figures come from two places, each named beside its table: job files run by the
workbench itself (`hybrid batch` + `hybrid bench`, `hybrid compare`, `hybrid demo`; job
files in `benchmarks/jobs/`), and, for the sections not yet moved to job files, scripts under
`benchmarks/` that write their own section (`docs/benchmarks/<name>.md`). This page is
assembled by `python benchmarks/collect.py`. Speed is reported as medians over several
seeds, with the peer it is compared against measured in the same run; the machine and its
load are named in each section.

"""


def collect() -> Path:
    parts = [HEADER]
    for section in sorted(SECTIONS.glob("*.md")):
        text = section.read_text().strip()
        # plots are referenced relative to docs/benchmarks/; rebase them for the index
        text = text.replace("](./", "](benchmarks/")
        parts.append(text + "\n")
    parts.append(f"\n_Index assembled {_dt.date.today().isoformat()}._\n")
    INDEX.write_text("\n".join(parts))
    return INDEX


if __name__ == "__main__":
    print(collect())
