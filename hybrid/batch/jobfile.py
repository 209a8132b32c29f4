"""YAML job files: parsing with line numbers, validation of everything at once, task expansion.

A job file lists flows to run many times (the format of ``hybrid batch``)::

    name: maxcut-small
    seed: 0            # base seed; each task derives its own
    repeats: 5
    jobs:
      - usecase: maxcut
        instances: [graphs/G1.txt, G22, {generate: {size: 50}, count: 3}]
        backends: [dwave-sa, openjij-sa, cpsat]
        options: {dwave-sa: {num_reads: 10}}
        time_limit: 30   # seconds per solve

Instance entries are paths (relative to the job file), shipped names (``G1``) or
``{generate: {...}, count: N}`` (instance ``i`` uses seed ``generate.seed + i``, the
generate seed defaulting to the job's ``seed``). Each (instance, backend, repeat) is one
:class:`Task`; its id is a digest of everything that determines its answer, so an edited
job file keeps the ids (and stored results) of the tasks it did not change. Each task's
seed derives from the base seed, use case, instance, backend and repeat.

:func:`load_job` validates before any task starts -- unknown keys, use cases, backends,
options, missing instance files, generator parameters -- and raises one
:class:`JobFileError` listing every problem with its file, line and field (from YAML node
marks), what is wrong and what would do. Sizes are bounded before any work, with the
numbers in the message: at most :data:`MAX_TASKS` tasks per job file, :data:`MAX_YAML_VALUES`
values once YAML aliases are expanded (no "billion laughs"), :data:`MAX_JOB_BYTES` of job
file, :data:`MAX_INSTANCE_BYTES` per instance file and :data:`MAX_GENERATE_INT` for any
integer generator parameter.

Examples:
    >>> derive_seed(0, "maxcut", "G1", "dwave-sa", 0) == derive_seed(0, "maxcut", "G1", "dwave-sa", 0)
    True
    >>> instance_key({"size": 12, "kind": "regular"}, 3)
    'generate:size=12,kind=regular,seed=3'
"""

from __future__ import annotations

import difflib
import hashlib
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hybrid_workbench.batch.task import Task
from hybrid_workbench.batch.yamlfile import (
    MAX_JOB_BYTES,
    MAX_YAML_VALUES,
    JobFileError,
    Problem,
    _as_map,
    _line,
    _Map,
    read_yaml,
)
from hybrid_workbench.errors import WorkbenchError

__all__ = ["JobFileError", "Problem", "Task", "JobFile", "load_job", "job_from_dict",
           "derive_seed", "instance_key"]

TOP_KEYS = ("name", "seed", "repeats", "time_limit", "jobs")
JOB_KEYS = ("usecase", "instances", "backends", "options", "time_limit", "repeats",
            "formulation", "params")
#: Limits, checked before any work: tasks per job file, values the YAML expands to through
#: its aliases, bytes of the job file and of an instance file, and any integer generator
#: parameter (sizes, counts).
MAX_TASKS = 10_000
MAX_INSTANCE_BYTES = 256 << 20
MAX_GENERATE_INT = 20_000
FILE_SUFFIXES = {".txt", ".json", ".csv", ".yaml", ".yml", ".rud", ".gz", ".npz", ".npy",
                 ".xyz", ".lp", ".mps", ".dat", ".xml"}


def derive_seed(base: int, usecase: str, instance: str, backend: str, repeat: int) -> int:
    """A task's seed: a SHA-256 digest of its coordinates, reduced to 31 bits."""
    text = f"{base}/{usecase}/{instance}/{backend}/{repeat}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") % (2 ** 31)


def instance_key(params: Mapping[str, Any], seed: int) -> str:
    """The ``generate:k=v,...,seed=n`` spelling of a generated instance (its stored name)."""
    parts = [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in params.items()
             if k != "seed"]
    return "generate:" + ",".join([*parts, f"seed={seed}"])


def with_params(key: str, params: Mapping[str, Any]) -> str:
    """The stored name of an instance loaded with parameters: ``Li2S[active_space=10e10o]``,
    so that one instance under two sets of parameters stays two rows in every report."""
    if not params:
        return key
    parts = [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in sorted(params.items())]
    return f"{key}[{','.join(parts)}]"


def _task_id(**coords: Any) -> str:
    text = json.dumps(coords, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class JobFile:
    """A validated job file and its tasks."""

    name: str
    source: str
    sha256: str
    seed: int
    tasks: tuple[Task, ...]
    notes: tuple[str, ...] = ()


class _Checker:
    """Collects problems while walking the parsed job file."""

    def __init__(self, source: str, base_dir: Path) -> None:
        self.source, self.base_dir, self.problems = source, base_dir, []

    def add(self, line: int | None, message: str, field: str | None = None) -> None:
        self.problems.append(Problem(self.source, line, message, field))

    def keys(self, obj: _Map, allowed: tuple[str, ...], what: str, where: str = "") -> None:
        for key in obj:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"
                self.add(_line(obj, key), f"unknown key {key!r} in {what}{hint}",
                         f"{where}.{key}" if where else key)

    def number(self, obj: Mapping[str, Any], key: str, kind: type, minimum: float,
               default: Any, where: str = "", maximum: float | None = None) -> Any:
        if key not in obj or obj[key] is None:
            return default
        value = obj[key]
        field = f"{where}.{key}" if where else key
        ok = isinstance(value, (int, float) if kind is float else int) and not isinstance(value, bool)
        if not ok or value < minimum:
            what = "an integer" if kind is int else "a number"
            self.add(_line(obj, key), f"{key!r} must be {what} >= {minimum}, got {value!r}", field)
            return default
        if maximum is not None and value > maximum:
            self.add(_line(obj, key), f"{key!r} is {value:,}; at most {maximum:,} is allowed", field)
            return default
        return kind(value)


def load_job(path: str | Path) -> JobFile:
    """Read and validate a job file; raise :class:`JobFileError` listing every problem."""
    path = Path(path)
    src = str(path)
    data, raw = read_yaml(path, MAX_JOB_BYTES, MAX_YAML_VALUES)
    return job_from_dict(data, source=src, base_dir=path.resolve().parent,
                         sha256=hashlib.sha256(raw).hexdigest(), default_name=path.stem)


def job_from_dict(data: Any, *, source: str = "<job>", base_dir: Path | None = None,
                  sha256: str | None = None, default_name: str = "job") -> JobFile:
    """Validate a parsed job (a dict, or the line-aware mapping from :func:`load_job`)."""
    from hybrid_workbench.registry import backend_names, usecase_names

    base_dir = base_dir or Path.cwd()
    if sha256 is None:
        sha256 = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    ck = _Checker(source, base_dir)
    if not isinstance(data, Mapping):
        raise JobFileError(source, [Problem(source, _line(data), "expected a mapping with a "
                                            "'jobs' list (see `hybrid batch --help`)")])
    if not isinstance(data, _Map):
        data = _as_map(data)
    ck.keys(data, TOP_KEYS, "the job file")
    name = str(data.get("name") or default_name)
    seed = ck.number(data, "seed", int, 0, 0, maximum=2**32 - 1)
    repeats = ck.number(data, "repeats", int, 1, 1, maximum=MAX_TASKS)
    time_limit = ck.number(data, "time_limit", float, 1e-9, None)
    jobs = data.get("jobs")
    tasks: list[Task] = []
    if not isinstance(jobs, list) or not jobs:
        ck.add(_line(data, "jobs") if "jobs" in data else data.line,
               "must be a non-empty list of {usecase, instances, backends}", "jobs")
        jobs = []
    known_uc, known_be = usecase_names(), backend_names()
    for j, job in enumerate(jobs):
        if not isinstance(job, _Map):
            ck.add(_line(jobs, j), "must be a mapping with usecase, instances, backends", f"jobs[{j}]")
            continue
        tasks.extend(_expand_job(ck, job, j, seed=seed, repeats=repeats, time_limit=time_limit,
                                 known_uc=known_uc, known_be=known_be))
        if len(tasks) > MAX_TASKS:
            ck.add(_line(jobs, j), f"the job file expands to {len(tasks):,} tasks by jobs[{j}]; "
                   f"at most {MAX_TASKS:,} are allowed: lower counts, repeats or backends, or "
                   "split it into several job files", f"jobs[{j}]")
            break
    if ck.problems:
        raise JobFileError(source, ck.problems)
    seen: set[str] = set()
    unique = []
    for task in tasks:  # the same task listed twice runs once
        if task.task_id not in seen:
            seen.add(task.task_id)
            unique.append(task)
    return JobFile(name=name, source=source, sha256=sha256, seed=seed, tasks=tuple(unique))


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _expand_job(ck: _Checker, job: _Map, j: int, *, seed: int, repeats: int,
                time_limit: float | None, known_uc: list[str], known_be: list[str]) -> list[Task]:
    from hybrid_workbench.registry import get_backend, get_usecase

    where = f"jobs[{j}]"
    ck.keys(job, JOB_KEYS, where, where)
    repeats = ck.number(job, "repeats", int, 1, repeats, where, maximum=MAX_TASKS)
    time_limit = ck.number(job, "time_limit", float, 1e-9, time_limit, where)
    uc = None
    uc_name = job.get("usecase")
    if not isinstance(uc_name, str):
        ck.add(_line(job, "usecase") if "usecase" in job else job.line,
               f"required (one of {', '.join(known_uc)})", f"{where}.usecase")
    elif uc_name not in known_uc:
        close = difflib.get_close_matches(uc_name, known_uc, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        ck.add(_line(job, "usecase"), f"unknown use case {uc_name!r}; {hint}known: "
               f"{', '.join(known_uc)}", f"{where}.usecase")
    else:
        try:
            uc = get_usecase(uc_name)
        except WorkbenchError as exc:
            ck.add(_line(job, "usecase"), str(exc), f"{where}.usecase")
    formulation = job.get("formulation") or {}
    params = job.get("params") or {}
    for key, value in (("formulation", formulation), ("params", params)):
        if not isinstance(value, Mapping):
            ck.add(_line(job, key), "must be a mapping of name: value", f"{where}.{key}")
    form = None  # the use case's typed formulation options, validated here once
    if uc is not None and isinstance(formulation, Mapping):
        try:
            form = uc.make_formulation_options(_plain(formulation))
        except WorkbenchError as exc:
            ck.add(_line(job, "formulation"), str(exc), f"{where}.formulation")
    # backends and their options
    backends = job.get("backends")
    chosen: list[str] = []
    if not isinstance(backends, list) or not backends:
        ck.add(_line(job, "backends") if "backends" in job else job.line,
               "must be a non-empty list of backend names (see `hybrid backends`)",
               f"{where}.backends")
        backends = []
    options = job.get("options") or _Map()
    if not isinstance(options, Mapping):
        ck.add(_line(job, "options"), "must map backend names to option mappings", f"{where}.options")
        options = _Map()
    for b, be_name in enumerate(backends):
        line = _line(backends, b)
        bf = f"{where}.backends[{b}]"
        if not isinstance(be_name, str) or be_name not in known_be:
            close = difflib.get_close_matches(str(be_name), known_be, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            ck.add(line, f"unknown backend {be_name!r}; {hint}known: {', '.join(known_be)}", bf)
            continue
        try:
            be = get_backend(be_name)
        except WorkbenchError as exc:
            ck.add(line, str(exc), bf)
            continue
        avail = be.available()
        if avail is not True:
            ck.add(line, f"backend {be_name!r} is not available here: {avail}; "
                         f"install with: {be.install_hint()}", bf)
            continue
        if uc is not None:
            try:  # the kind follows from the formulation options (e.g. longshort -> bqm)
                uc.choose_model_kind(be, form)
            except WorkbenchError as exc:
                ck.add(line, str(exc), bf)
                continue
        opts = options.get(be_name) or {}
        if not isinstance(opts, Mapping):
            ck.add(_line(options, be_name), "must be a mapping of option: value",
                   f"{where}.options.{be_name}")
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                be.make_options(_plain(opts))
        except WorkbenchError as exc:
            ck.add(_line(options, be_name), str(exc), f"{where}.options.{be_name}")
            continue
        chosen.append(be_name)
    for be_name in options:
        if be_name not in backends:
            ck.add(_line(options, be_name), f"options given for {be_name!r}, which is not in "
                                            f"{where}.backends", f"{where}.options.{be_name}")
    instances = _instances(ck, job, where, uc, seed, _plain(params) if isinstance(params, Mapping) else {},
                           per_instance=max(1, len(chosen)) * repeats)
    expanded = len(instances) * len(chosen) * repeats
    if expanded > MAX_TASKS:  # refused before a single task is built
        ck.add(_line(job, "instances"), f"{len(instances):,} instances x {len(chosen)} backends x "
               f"{repeats} repeats = {expanded:,} tasks; at most {MAX_TASKS:,} are allowed per job "
               "file: lower counts, repeats or backends, or split it", f"{where}.instances")
        return []
    tasks = []
    for key, source in instances:
        key = with_params(key, _plain(params) if isinstance(params, Mapping) else {})
        for be_name in chosen:
            opts = _plain(options.get(be_name) or {})
            for r in range(repeats):
                task_seed = derive_seed(seed, uc_name, key, be_name, r)
                coords = dict(usecase=uc_name, instance=key, backend=be_name, repeat=r,
                              seed=task_seed, options=opts, time_limit=time_limit,
                              formulation=_plain(formulation), params=_plain(params))
                tasks.append(Task(task_id=_task_id(**coords), source=source, **coords))
    return tasks


def _instances(ck: _Checker, job: _Map, where: str, uc: Any, seed: int,
               params: dict[str, Any], per_instance: int = 1) -> list[tuple[str, dict[str, Any]]]:
    """(key, source) for every instance entry; problems for missing files or bad generators."""
    from hybrid_workbench.usecase import parse_generate_spec

    entries = job.get("instances")
    if not isinstance(entries, list) or not entries:
        ck.add(_line(job, "instances") if "instances" in job else job.line,
               "must be a non-empty list of paths, shipped names or {generate: {...}, count: N}",
               f"{where}.instances")
        return []
    out: list[tuple[str, dict[str, Any]]] = []
    for i, entry in enumerate(entries):
        line = _line(entries, i)
        field = f"{where}.instances[{i}]"
        gen: dict[str, Any] | None = None
        count = 1
        if isinstance(entry, str) and parse_generate_spec(entry) is not None:
            gen = parse_generate_spec(entry)
        elif isinstance(entry, Mapping):
            extra = [k for k in entry if k not in ("generate", "count")]
            if extra or not isinstance(entry.get("generate", {}), Mapping):
                ck.add(line, f"instance entry must be {{generate: {{...}}, count: N}}, got keys "
                             f"{sorted(entry)}", field)
                continue
            room = max(1, MAX_TASKS // max(1, per_instance))
            raw = entry.get("count")
            if isinstance(raw, int) and not isinstance(raw, bool) and raw > room:
                ck.add(_line(entry, "count"), (
                    f"{raw:,} instances x {per_instance:,} tasks each (backends x repeats) = "
                    f"{raw * per_instance:,} tasks; at most {MAX_TASKS:,} tasks are allowed per "
                    f"job file, so count can be at most {room:,} here: lower it, or split the "
                    "job file"), f"{field}.count")
                continue
            count = ck.number(entry, "count", int, 1, 1, field)
            gen = _plain(entry.get("generate") or {})
        elif not isinstance(entry, str):
            ck.add(line, f"instance entry must be a path, a shipped name or {{generate: ...}}, "
                         f"got {entry!r}", field)
            continue
        if gen is not None:
            base = gen.get("seed", seed)
            if not isinstance(base, int) or isinstance(base, bool):
                ck.add(line, f"generate seed must be an integer, got {base!r}", f"{field}.generate.seed")
                continue
            body = {k: v for k, v in gen.items() if k != "seed"}
            big = {k: v for k, v in body.items()
                   if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_GENERATE_INT}
            if big:
                k, v = next(iter(big.items()))
                ck.add(line, f"{k} = {v:,} is too large an instance to generate here; at most "
                             f"{MAX_GENERATE_INT:,} is allowed", f"{field}.generate.{k}")
                continue
            if uc is not None:
                try:  # generator parameters are checked by generating the first instance
                    uc.open("generate:", seed=base, **body)
                except (WorkbenchError, TypeError, ValueError) as exc:
                    ck.add(line, f"cannot generate {uc.name} instance from {gen}: {exc}",
                           f"{field}.generate")
                    continue
            for k in range(count):
                out.append((instance_key(body, base + k),
                            {"generate": body, "seed": base + k}))
            continue
        path = (ck.base_dir / entry) if not Path(entry).is_absolute() else Path(entry)
        if path.is_file():
            size = path.stat().st_size
            if size > MAX_INSTANCE_BYTES:
                ck.add(line, f"instance file {entry!r} is {size:,} bytes; at most "
                             f"{MAX_INSTANCE_BYTES:,} are allowed", field)
                continue
            out.append((entry, {"path": str(path.resolve())}))
        elif ("/" in entry or "\\" in entry or Path(entry).suffix.lower() in FILE_SUFFIXES
              or path.exists()):
            ck.add(line, f"instance file {entry!r} not found (looked for {path}); paths are "
                         "relative to the job file", field)
        elif uc is not None:
            try:  # a shipped name: check it resolves now, not mid-batch
                uc.load(entry, **params)
            except (WorkbenchError, OSError) as exc:
                ck.add(line, f"instance {entry!r} is neither a file next to the job file nor "
                             f"a shipped {uc.name} instance: {exc}", field)
                continue
            out.append((entry, {"name": entry}))
    return out
