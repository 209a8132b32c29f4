"""Assemble ``docs/benchmarks.md`` from the sections in ``docs/benchmarks/``, with an index
that names, for every figure, the job file and the commands that reproduce it.

Figures come from job files in ``benchmarks/jobs/`` run by ``hybrid batch`` and reported by
``hybrid bench`` into ``docs/benchmarks/<job name>/`` (the commands are the ones written
in each job file's header comment), from ``hybrid compare`` and ``hybrid demo`` (listed in
:data:`OTHER`), and, where a figure measures what the engine cannot (a peer library, a
kernel timing), from a script under ``benchmarks/`` that says why at the top of its
section::

    python benchmarks/collect.py
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ROOT / "docs" / "benchmarks"
JOBS = ROOT / "benchmarks" / "jobs"
INDEX = ROOT / "docs" / "benchmarks.md"

HEADER = """# Benchmarks

Every figure below names the job file and the commands that reproduce it: job files in
`benchmarks/jobs/` run by `hybrid batch` and reported by `hybrid bench` (tables, plots,
the time-limit check and the provenance of the run, in `docs/benchmarks/<name>/`), and
`hybrid compare` / `hybrid demo`. A few figures measure what the engine cannot (a peer
library, a kernel's speed, a classical method that is not a backend); they come from a
script under `benchmarks/`, which the section says at its top. This page is assembled by
`python benchmarks/collect.py`. The machine and its load are named in each section.

"""

#: Figures made by the workbench's other commands: (figure, source, commands).
OTHER = (
    ("K2000-like: who wins at 1 s and 10 s ([k2000_compare.png](benchmarks/k2000_compare.png))",
     "`benchmarks/k2000like.py` writes the instance",
     ["python benchmarks/k2000like.py K2000like.txt",
      "hybrid compare maxcut K2000like.txt --budget 1,10 --seeds 3 --plot k2000_compare.png --json"]),
    ("who wins what (`hybrid demo`)", "`hybrid/batch/demo.yaml` (shipped)",
     ["hybrid demo", "hybrid demo --quick"]),
)

_COMMAND = re.compile(r"^#\s+(hybrid (?:batch|bench)\s.*)$")


def job_commands(job: Path) -> list[str]:
    """The ``hybrid batch`` / ``hybrid bench`` lines of a job file's header comment."""
    return [m.group(1).strip() for line in job.read_text().splitlines()
            if (m := _COMMAND.match(line))]


def scripts() -> list[Path]:
    """Benchmark scripts still in use (each says at the top of its section why)."""
    return sorted(p for p in (ROOT / "benchmarks").glob("*.py")
                  if p.name not in ("collect.py", "k2000like.py"))


def index_lines() -> list[str]:
    """The "which command makes which figure" table."""
    lines = ["## Where each figure comes from", "",
             "| figure | job file or script | commands |", "| --- | --- | --- |"]
    for job in sorted(JOBS.glob("*.yaml")):
        cmds = job_commands(job)
        out = SECTIONS / job.stem
        report = (f"[{job.stem}/report.md](benchmarks/{job.stem}/report.md)"
                  if (out / "report.md").is_file() else f"`docs/benchmarks/{job.stem}/` (not run yet)")
        plots = ", ".join(f"[{p.name}](benchmarks/{job.stem}/{p.name})"
                          for p in sorted(out.glob("*.png")))
        figure = report + (f" ({plots})" if plots else "")
        lines.append(f"| {figure} | `benchmarks/jobs/{job.name}` | "
                     + "<br>".join(f"`{c}`" for c in cmds) + " |")
    for figure, source, cmds in OTHER:
        lines.append(f"| {figure} | {source} | " + "<br>".join(f"`{c}`" for c in cmds) + " |")
    for script in scripts():
        if not script_sections(script):
            lines.append(f"| none: no section says it comes from this script | "
                         f"`benchmarks/{script.name}` | `python benchmarks/{script.name}` |")
        for section, title, pngs in script_sections(script):
            shown = ", ".join(f"[{p}](benchmarks/{p})" for p in pngs)
            lines.append(f"| {title} (`docs/benchmarks/{section.name}`{'; ' + shown if shown else ''}) "
                         f"| `benchmarks/{script.name}` (script: {SCRIPT_WHY}) "
                         f"| `python benchmarks/{script.name}` |")
    return [*lines, ""]


#: What the index says of a script-made figure (its section says which part and why).
SCRIPT_WHY = "measures what the engine cannot; its section says why"


def script_sections(script: Path) -> list[tuple[Path, str, list[str]]]:
    """The sections a script writes: those that say "Script, not a job file" and name it;
    each with its title and the plots it shows."""
    out = []
    for section in sorted(SECTIONS.glob("*.md")):
        text = section.read_text()
        if "Script, not a job file" not in text or f"benchmarks/{script.name}" not in text:
            continue
        title = next((line.lstrip("#").strip() for line in text.splitlines()
                      if line.startswith("#")), section.stem)
        pngs = re.findall(r"\]\(\./([^)]+\.png)\)", text)
        out.append((section, title, pngs))
    return out


def collect() -> Path:
    parts = [HEADER, "\n".join(index_lines())]
    for section in sorted(SECTIONS.glob("*.md")):
        text = section.read_text().strip()
        # links are relative to docs/benchmarks/; rebase them for the index
        text = re.sub(r"\]\(\./", "](benchmarks/", text)
        text = re.sub(r"\]\((?!https?:|benchmarks/|#|/)([^)]+)\)", r"](benchmarks/\1)", text)
        parts.append(text + "\n")
    parts.append(f"\n_Index assembled {_dt.date.today().isoformat()}._\n")
    INDEX.write_text("\n".join(parts))
    return INDEX


if __name__ == "__main__":
    print(collect())
