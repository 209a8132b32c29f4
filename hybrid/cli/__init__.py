"""The ``hybrid`` command line (typer + rich).

Commands: ``backends``, ``usecases``, ``solve``, ``compare`` (and more from the batch and
benchmark modules).

Exit codes: 0 on success; 2 for usage and input errors (click's own usage message, or one
line naming the file, field or flag, what was wrong and what would be right); 1 for a run
that failed. Errors are one line on stderr, and also one JSON object on stdout when
``--json`` was given. Warnings the workbench raises on purpose (a limit a backend cannot
honour, a repaired sample) print as one ``warning:`` line on stderr.
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from hybrid_workbench.errors import SolverError, WorkbenchError

app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Quantum-classical hybrid workbench: one problem, every backend.")
console = Console()
err_console = Console(stderr=True)

__all__ = ["app", "main", "fail"]


def fail(message: str, code: int = 2) -> None:
    """Print one error line to stderr and exit."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _version_callback(value: bool) -> None:
    if value:
        import importlib.metadata

        try:
            version = importlib.metadata.version("hybrid-workbench")
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover - not installed
            version = "unknown"
        console.print(f"hybrid-workbench {version}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _root(version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version_callback, is_eager=True,
        help="print the version and exit")] = None) -> None:
    """Quantum-classical hybrid workbench: one problem, every backend."""


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, default=str) + "\n")
    sys.stdout.flush()


@app.command("backends")
def backends_cmd(
    name: Annotated[Optional[str], typer.Argument(
        help="a backend name: show its options (types, defaults, help)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List registered backends (model types, availability, install hint), or one backend's options."""
    from hybrid_workbench.registry import all_backends, broken_backends, get_backend

    if name is not None:
        _backend_detail(get_backend(name), as_json)
        return
    rows = []
    for name, backend in all_backends().items():
        avail = backend.available()
        rows.append({
            "name": name,
            "model_types": list(backend.model_kinds),
            "available": avail is True,
            "reason": None if avail is True else avail,
            "install_hint": None if avail is True else backend.install_hint(),
            "version": backend.version() if avail is True else None,
            "device": backend.device,
            "description": backend.description,
        })
    for name, why in broken_backends().items():
        rows.append({"name": name, "model_types": [], "available": False,
                     "reason": f"failed to load: {why}", "install_hint": None, "version": None,
                     "device": None, "description": ""})
    if as_json:
        emit_json(rows)
        return
    table = Table(title="Backends")
    for col in ("name", "models", "available", "version / reason", "install hint"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], ", ".join(r["model_types"]),
                      "[green]yes[/]" if r["available"] else "[red]no[/]",
                      r["version"] if r["available"] else (r["reason"] or ""),
                      r["install_hint"] or "")
    console.print(table)


def _backend_detail(backend: Any, as_json: bool) -> None:
    from hybrid_workbench.options import describe_options

    caps = backend.capabilities()
    avail = backend.available()
    data = {"name": backend.name, "description": backend.description,
            "model_types": list(caps.model_kinds), "device": caps.device,
            "available": avail is True, "reason": None if avail is True else avail,
            "install_hint": None if avail is True else backend.install_hint(),
            "time_limit": caps.time_limit, "anytime": caps.anytime, "exact": caps.exact,
            "max_variables": caps.max_variables,
            "options": describe_options(backend.Options)}
    if as_json:
        emit_json(data)
        return
    console.print(f"[bold]{backend.name}[/]: {backend.description}", highlight=False)
    limit = ("spends a time limit (anytime)" if caps.anytime else
             "honours a time limit" if caps.time_limit else "runs to completion (no time limit)")
    console.print(f"models: {', '.join(caps.model_kinds)}; device: {caps.device}; {limit}"
                  + ("" if avail is True else f"; not available here: {avail}"), highlight=False)
    table = Table(title=f"options of {backend.name} (set with -o key=value)")
    for col in ("option", "type", "default", "help"):
        table.add_column(col)
    from rich.markup import escape

    for row in data["options"]:
        table.add_row(row["name"], escape(row["type"]), escape(repr(row["default"])),
                      escape(row["help"].replace("``", "")))
    console.print(table)


@app.command("usecases")
def usecases_cmd(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """List registered use cases and their instance formats."""
    from hybrid_workbench.registry import all_usecases

    rows = [{"name": n, "description": u.description, "model_types": list(u.model_kinds),
             "sense": u.sense, "formats": u.formats} for n, u in all_usecases().items()]
    if as_json:
        emit_json(rows)
        return
    table = Table(title="Use cases")
    for col in ("name", "models", "objective", "description", "instance formats"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], ", ".join(r["model_types"]), r["sense"] + "imise",
                      r["description"], r["formats"])
    console.print(table)


@app.command("solve")
def solve_cmd(
    usecase: Annotated[str, typer.Argument(help="use case name (see `hybrid usecases`)")],
    instance: Annotated[str, typer.Argument(
        help="instance file, shipped name (e.g. G1), or generate:k=v,... (e.g. generate:size=20,seed=1)")],
    backend: Annotated[str, typer.Option("--backend", "-b", help="backend name (see `hybrid backends`)")],
    seed: Annotated[Optional[int], typer.Option("--seed", help="random seed")] = None,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help="seconds")] = None,
    option: Annotated[Optional[list[str]], typer.Option(
        "--option", "-o", help="backend option key=value (repeatable)")] = None,
    formulation: Annotated[Optional[list[str]], typer.Option(
        "--formulation", "-f", help="formulation option key=value (repeatable)")] = None,
    param: Annotated[Optional[list[str]], typer.Option(
        "--param", "-p", help="instance parameter key=value, e.g. k=5 for a price CSV (repeatable)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Solve one instance of a use case on one backend."""
    from hybrid_workbench.options import parse_option_strings
    from hybrid_workbench.registry import get_backend, get_usecase

    from hybrid_workbench.backend import check_seed

    uc = get_usecase(usecase)
    be = get_backend(backend)
    if seed is not None:
        check_seed(seed, "--seed")
    # Validated once, here, before anything is loaded; the typed options are carried forward.
    opts = be.make_options(parse_option_strings(option or []), time_limit)
    form_opts = _formulation_options(uc, parse_option_strings(formulation or []))
    inst = uc.open(instance, **parse_option_strings(param or []))
    outcome = uc.solve(inst, be, seed=seed, options=opts, formulation_options=form_opts)
    data = outcome.to_dict()
    if as_json:
        emit_json(data)
        return
    table = Table(title=f"{usecase} / {data['instance']} on {data['backend']}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key in ("objective", "feasible", "energy", "status", "wall_s", "seed"):
        value = data[key]
        table.add_row(key, f"{value:.6g}" if isinstance(value, float) else str(value))
    for key, value in data["metrics"].items():
        if not isinstance(value, (dict, list)):
            table.add_row(key, f"{value:.6g}" if isinstance(value, float) else str(value))
    console.print(table)


def _formulation_options(uc: Any, values: dict[str, Any]) -> Any:
    """The use case's typed formulation options where it declares them, else the mapping."""
    make = getattr(uc, "make_formulation_options", None)
    return make(values) if make is not None else values


@app.command("compare")
def compare_cmd(
    usecase: Annotated[str, typer.Argument(help="use case name")],
    instance: Annotated[str, typer.Argument(help="instance file, shipped name or generate:k=v,...")],
    backends: Annotated[Optional[str], typer.Option(
        "--backends", help="comma-separated backend names (default: every available one that fits)")] = None,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help="seconds per solve")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON list")] = False,
) -> None:
    """Solve one instance on several backends and show them side by side."""
    from hybrid_workbench.registry import all_backends, get_backend, get_usecase

    uc = get_usecase(usecase)
    inst = uc.open(instance)
    names = [b.strip() for b in backends.split(",")] if backends else None
    chosen = [get_backend(n) for n in names] if names else [
        b for b in all_backends().values()
        if b.available() is True and any(k in b.model_kinds for k in uc.model_kinds)]
    rows = []
    for be in chosen:
        try:
            out = uc.solve(inst, be, seed=seed, time_limit=time_limit).to_dict()
            rows.append({k: out[k] for k in ("backend", "objective", "feasible", "energy",
                                              "status", "wall_s")})
        except WorkbenchError as exc:
            if names:  # the user asked for this one: say why it could not run
                rows.append({"backend": be.name, "objective": None, "feasible": None,
                             "energy": None, "status": "refused", "wall_s": None,
                             "error": str(exc)})
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"{usecase} / {uc.instance_name(inst)}: backends side by side")
    for col in ("backend", "objective", "feasible", "energy", "status", "wall_s"):
        table.add_column(col, justify="right" if col in ("objective", "energy", "wall_s") else "left")
    sense_best = max if uc.sense == "max" else min
    values = [r["objective"] for r in rows if r["objective"] is not None and r["feasible"]]
    best = sense_best(values) if values else None
    for r in rows:
        obj = r["objective"]
        mark = "[bold green]" if obj is not None and obj == best else ""
        table.add_row(r["backend"], f"{mark}{obj:.6g}" if obj is not None else "-",
                      str(r["feasible"]), f"{r['energy']:.6g}" if r["energy"] is not None else "-",
                      r["status"], f"{r['wall_s']:.3f}" if r["wall_s"] is not None else "-")
    console.print(table)


def _register_extensions() -> None:
    """Attach command groups that live in other modules, if present."""
    import importlib

    for module in ("hybrid_workbench.cli.batch",):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def exit_code(exc: BaseException) -> int:
    """2 for usage and input errors, 1 for a run that failed."""
    return 1 if isinstance(exc, SolverError) else 2


def _show_warning(message: Any, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """Warnings as one short line on stderr (no file names, no source lines)."""
    err_console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def _report(message: str, code: int, as_json: bool) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    if as_json:
        emit_json({"error": message, "exit_code": code})
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: runs the app, turning errors into one line and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    _register_extensions()
    warnings.showwarning = _show_warning
    try:
        # Standalone mode: click prints its own usage message and exits 2 on usage errors.
        app(args=args, prog_name="hybrid", standalone_mode=True)
    except SystemExit:
        raise
    except WorkbenchError as exc:
        _report(str(exc), exit_code(exc), as_json)
    except KeyboardInterrupt:
        _report("interrupted", 130, as_json)
    except MemoryError:
        _report("out of memory; try a smaller instance or a backend with a lower memory need",
                1, as_json)
    except Exception as exc:  # a bug, not a user error: say so in one line
        _report(f"internal error, please report it: {exc}", 1, as_json)
