"""The durable result store: SQLite in WAL mode, one row per task, written as each finishes.

Each finished task is one ``INSERT OR IGNORE`` committed on its own (``synchronous=FULL``),
keyed by its stable task id, so a batch killed at any moment keeps every row that had
finished and a rerun stores each task exactly once. Every run adds a row to ``runs`` with
the job file's SHA-256, the versions of the packages that matter and the machine it ran on.

Examples:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "r.sqlite"
    >>> with ResultStore(path) as store:
    ...     store.add({"task_id": "a", "usecase": "maxcut", "status": "optimal", "energy": -4.0})
    ...     store.add({"task_id": "a", "usecase": "maxcut", "status": "optimal", "energy": -4.0})
    ...     sorted(store.done_ids()), len(store.rows())
    True
    False
    (['a'], 1)
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import sqlite3
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hybrid_workbench.batch.task import EXTRA_COLUMNS, ROW_COLUMNS
from hybrid_workbench.errors import WorkbenchError

__all__ = ["ResultStore", "StoreError", "package_versions", "machine_info"]

_TYPES = {"repeat": "INTEGER", "seed": "INTEGER", "energy": "REAL", "objective": "REAL",
          "feasible": "INTEGER", "wall_s": "REAL", "reference": "REAL", "time_limit": "REAL",
          "solver_s": "REAL", "total_wall_s": "REAL", "finished_at": "REAL"}
COLUMNS = ROW_COLUMNS + EXTRA_COLUMNS + ("run_id",)
PACKAGES = ("hybrid-workbench", "numpy", "scipy", "dimod", "dwave-samplers", "openjij", "ortools",
            "qiskit", "qiskit-aer", "networkx", "pandas", "distributed")


class StoreError(WorkbenchError, OSError):
    """The result store cannot be opened or is not a result store."""


def package_versions(extra: Iterable[str] = ()) -> dict[str, str]:
    """Installed versions of the packages results depend on (``None`` where absent)."""
    out = {"python": platform.python_version()}
    for dist in (*PACKAGES, *extra):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def machine_info() -> dict[str, Any]:
    """Host, OS, CPU and memory of this machine."""
    info: dict[str, Any] = {"host": platform.node(), "platform": platform.platform(),
                            "machine": platform.machine(), "processor": platform.processor(),
                            "cpu_count": os.cpu_count()}
    try:
        info["memory_gib"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


def _sql_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key == "feasible":
        return int(bool(value))
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str)
    if _TYPES.get(key) == "REAL":
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    return value


class ResultStore:
    """A SQLite result store (created on first use).

    Args:
        path: the database file.
        create: create it if missing (else a missing file is a :class:`StoreError`).
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise StoreError(f"no result store at {self.path}; run `hybrid batch JOBFILE --store "
                             f"{self.path}` first")
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            if create:
                self._create()
            names = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a result store: {exc}") from None
        if "tasks" not in names:
            raise StoreError(f"{self.path} is not a result store (no 'tasks' table)")

    def _create(self) -> None:
        cols = ", ".join(f"{c} {_TYPES.get(c, 'TEXT')}" + (" PRIMARY KEY" if c == "task_id" else "")
                         for c in COLUMNS)
        self.db.execute(f"CREATE TABLE IF NOT EXISTS tasks ({cols})")
        self.db.execute("CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, started REAL, "
                        "finished REAL, job_name TEXT, job_source TEXT, job_sha256 TEXT, "
                        "scheduler TEXT, workers INTEGER, tasks_total INTEGER, tasks_todo INTEGER, "
                        "packages TEXT, machine TEXT)")

    # -- runs --------------------------------------------------------------------------------
    def begin_run(self, *, job_name: str, job_source: str, job_sha256: str, scheduler: str,
                  workers: int | None, total: int, todo: int,
                  backends: Iterable[str] = ()) -> str:
        """Record a run's provenance; returns its id."""
        run_id = uuid.uuid4().hex[:12]
        self.db.execute("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", (
            run_id, time.time(), None, job_name, job_source, job_sha256, scheduler, workers,
            total, todo, json.dumps(package_versions(backends)), json.dumps(machine_info())))
        return run_id

    def end_run(self, run_id: str) -> None:
        self.db.execute("UPDATE runs SET finished=? WHERE run_id=?", (time.time(), run_id))

    def runs(self) -> list[dict[str, Any]]:
        cur = self.db.execute("SELECT * FROM runs ORDER BY started")
        names = [d[0] for d in cur.description]
        out = []
        for values in cur.fetchall():
            row = dict(zip(names, values))
            for key in ("packages", "machine"):
                row[key] = json.loads(row[key]) if row[key] else {}
            out.append(row)
        return out

    def job_hashes(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT job_sha256 FROM runs") if r[0]}

    # -- rows --------------------------------------------------------------------------------
    def add(self, row: Mapping[str, Any], run_id: str | None = None) -> bool:
        """Store a finished task's row; False if that task was already stored."""
        values = {c: _sql_value(c, row.get(c)) for c in COLUMNS}
        if run_id is not None:
            values["run_id"] = run_id
        marks = ",".join("?" * len(COLUMNS))
        cur = self.db.execute(f"INSERT OR IGNORE INTO tasks ({','.join(COLUMNS)}) VALUES ({marks})",
                              [values[c] for c in COLUMNS])
        return cur.rowcount == 1

    def done_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT task_id FROM tasks")}

    def rows(self, columns: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """All rows (ordered by use case, instance, backend, repeat)."""
        cols = list(columns or COLUMNS)
        unknown = [c for c in cols if c not in COLUMNS]
        if unknown:
            raise StoreError(f"unknown column(s) {unknown}; columns are {', '.join(COLUMNS)}")
        cur = self.db.execute(f"SELECT {','.join(cols)} FROM tasks "
                              "ORDER BY usecase, instance, backend, repeat, task_id")
        out = []
        for values in cur.fetchall():
            row = dict(zip(cols, values))
            if row.get("feasible") is not None:
                row["feasible"] = bool(row["feasible"])
            out.append(row)
        return out

    def to_frame(self, columns: Iterable[str] | None = None) -> Any:
        """The rows as a :class:`pandas.DataFrame`."""
        import pandas as pd

        cols = list(columns or COLUMNS)
        return pd.DataFrame(self.rows(cols), columns=cols)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
