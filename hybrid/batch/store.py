"""The durable result store: SQLite in WAL mode, one row per task, written as each finishes.

Each finished task is one ``INSERT OR IGNORE`` committed on its own (``synchronous=FULL``),
keyed by its stable task id, so a batch killed at any moment keeps every row that had
finished and a rerun stores each task exactly once. Every run adds a row to ``runs`` with
the job file's SHA-256, the versions of the packages that matter and the machine it ran on.

A row is :meth:`Result.to_row` plus the use case's columns, and keeps the whole
:class:`~hybrid_workbench.result.Result` as JSON, so :meth:`ResultStore.results` gives back
Results equal to the ones the tasks produced. An instance's reference objective is computed
once and kept in the ``refs`` table; rows refer to it by ``reference_id``.

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
from typing import TYPE_CHECKING, Any

from hybrid_workbench.errors import WorkbenchError

if TYPE_CHECKING:  # pragma: no cover
    from hybrid_workbench.result import Result

__all__ = ["ResultStore", "StoreError", "package_versions", "machine_info", "ROW_COLUMNS",
           "RESULT_COLUMNS", "EXTRA_COLUMNS", "COLUMNS", "CRASHED", "empty_row"]

#: The contract columns of every result row, in this order (what ``hybrid results`` shows).
ROW_COLUMNS = ("task_id", "usecase", "instance", "backend", "repeat", "seed", "status", "energy",
               "objective", "feasible", "wall_s", "error")
#: The rest of :meth:`Result.to_row`'s columns.
RESULT_COLUMNS = ("backend_version", "model_kind", "solver_s", "setup_s", "num_samples",
                  "device", "bound", "num_qubits")
#: Use-case and bookkeeping columns; ``result`` holds the full :class:`Result` as JSON and
#: ``outcome`` the use case's solution, metrics and formulation (or an error's traceback).
EXTRA_COLUMNS = ("instance_name", "sense", "reference_id", "options", "time_limit",
                 "total_wall_s", "attempts", "host", "finished_at", "result", "outcome")
COLUMNS = ROW_COLUMNS + RESULT_COLUMNS + EXTRA_COLUMNS + ("run_id",)
#: Status of a task whose process died (signal, memory) on every attempt: an infrastructure
#: failure, not the task's own; ``hybrid batch --resume`` runs such tasks again.
CRASHED = "crashed"
_TYPES = {"repeat": "INTEGER", "seed": "INTEGER", "energy": "REAL", "objective": "REAL",
          "feasible": "INTEGER", "wall_s": "REAL", "time_limit": "REAL", "solver_s": "REAL",
          "setup_s": "REAL", "num_samples": "INTEGER", "num_qubits": "INTEGER", "bound": "REAL",
          "total_wall_s": "REAL", "attempts": "INTEGER", "finished_at": "REAL"}
#: Rows that failed for infrastructure reasons (this version's status, and older stores' words).
_INFRA_SQL = (f"status = '{CRASHED}' OR (status = 'error' AND (error LIKE 'executor:%' "
              "OR error LIKE 'child process killed by signal%'))")
PACKAGES = ("hybrid-workbench", "numpy", "scipy", "dimod", "dwave-samplers", "openjij", "ortools",
            "qiskit", "qiskit-aer", "networkx", "pandas", "distributed")


def empty_row() -> dict[str, Any]:
    """A row with every column empty."""
    return dict.fromkeys(COLUMNS)


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

    Tables: ``tasks`` (one row per task, :data:`COLUMNS`), ``refs`` (one row per
    (use case, instance), keyed by :attr:`Task.reference_id`) and ``runs`` (provenance).
    A store written by an older version gains the new columns when opened.

    Args:
        path: the database file; its folder must exist.
        create: create it if missing (else a missing file is a :class:`StoreError`).
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise StoreError(f"no result store at {self.path}; run `hybrid batch JOBFILE --store "
                             f"{self.path}` first")
        if create and not self.path.parent.is_dir():
            raise StoreError(f"cannot create the result store {self.path}: the folder "
                             f"{self.path.parent} does not exist; create it first or choose "
                             "another --store")
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            if create:
                self._create()
            names = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master")}
            if "tasks" in names:
                self._migrate()
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
        self.db.execute("CREATE TABLE IF NOT EXISTS refs (reference_id TEXT PRIMARY KEY, "
                        "usecase TEXT, instance TEXT, status TEXT, value REAL, wall_s REAL, "
                        "error TEXT, finished_at REAL)")

    def _migrate(self) -> None:
        have = {r[1] for r in self.db.execute("PRAGMA table_info(tasks)")}
        for c in COLUMNS:
            if c not in have:
                self.db.execute(f"ALTER TABLE tasks ADD COLUMN {c} {_TYPES.get(c, 'TEXT')}")
        if not self.db.execute("SELECT name FROM sqlite_master WHERE name='refs'").fetchall():
            self._create()

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

    # -- references --------------------------------------------------------------------------
    def add_reference(self, ref: Mapping[str, Any]) -> bool:
        """Store an instance's reference (see :func:`~hybrid_workbench.batch.task.run_reference`)."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO refs VALUES (?,?,?,?,?,?,?,?)",
            (ref["reference_id"], ref.get("usecase"), ref.get("instance"), ref.get("status"),
             _sql_value("value", ref.get("value")), _sql_value("wall_s", ref.get("wall_s")),
             ref.get("error"), time.time()))
        return cur.rowcount == 1

    def references(self) -> dict[str, dict[str, Any]]:
        """Every stored reference, by reference id."""
        cur = self.db.execute("SELECT * FROM refs")
        names = [d[0] for d in cur.description]
        return {r[0]: dict(zip(names, r)) for r in cur.fetchall()}

    def reference_ids(self) -> set[str]:
        """References computed (failed for infrastructure reasons: not counted)."""
        return {r[0] for r in self.db.execute(f"SELECT reference_id FROM refs "
                                               f"WHERE status != '{CRASHED}'")}

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

    def infrastructure_failures(self) -> set[str]:
        """Ids of rows whose process died (signal, memory, a lost worker), not the task."""
        return {r[0] for r in self.db.execute(f"SELECT task_id FROM tasks WHERE {_INFRA_SQL}")}

    def forget(self, task_ids: Iterable[str]) -> int:
        """Delete these rows (so that they run again); returns how many went."""
        ids = list(task_ids)
        with self.db:
            self.db.execute("BEGIN")
            n = sum(self.db.execute("DELETE FROM tasks WHERE task_id=?", (i,)).rowcount for i in ids)
            self.db.execute(f"DELETE FROM refs WHERE status = '{CRASHED}'")
        return n

    def rows(self, columns: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """All rows (ordered by use case, instance, backend, repeat).

        Besides :data:`COLUMNS`, ``reference`` is the row's instance reference from the
        ``refs`` table (None where none is known).
        """
        cols = list(columns or (*COLUMNS, "reference"))
        unknown = [c for c in cols if c not in COLUMNS and c != "reference"]
        if unknown:
            raise StoreError(f"unknown column(s) {unknown}; columns are "
                             f"{', '.join(COLUMNS)}, reference")
        select = ",".join("r.value" if c == "reference" else f"t.{c}" for c in cols)
        cur = self.db.execute(f"SELECT {select} FROM tasks t LEFT JOIN refs r "
                              "ON r.reference_id = t.reference_id "
                              "ORDER BY t.usecase, t.instance, t.backend, t.repeat, t.task_id")
        out = []
        for values in cur.fetchall():
            row = dict(zip(cols, values))
            if row.get("feasible") is not None:
                row["feasible"] = bool(row["feasible"])
            out.append(row)
        return out

    def results(self) -> dict[str, Result]:
        """The :class:`Result` of every row that has one (errors and timeouts have none)."""
        from hybrid_workbench.result import Result

        cur = self.db.execute("SELECT task_id, result FROM tasks WHERE result IS NOT NULL")
        return {task_id: Result.from_json(text) for task_id, text in cur.fetchall()}

    def result(self, task_id: str) -> Result | None:
        """The :class:`Result` of one task (None where it produced none).

        Raises:
            StoreError: no row with that task id.
        """
        from hybrid_workbench.result import Result

        found = self.db.execute("SELECT result FROM tasks WHERE task_id=?", (task_id,)).fetchall()
        if not found:
            raise StoreError(f"no task {task_id!r} in {self.path}")
        return None if found[0][0] is None else Result.from_json(found[0][0])

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
