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
from rich.markup import escape
from rich.table import Table

from hybrid_workbench.errors import SolverError, WorkbenchError

app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,
                  help="Quantum-classical hybrid workbench: one problem, every backend.")
console = Console(width=None if sys.stdout.isatty() else 120)
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
            "max_variables": backend.max_variables(backend.make_options(None))
            if avail is True else None,
            "notes": backend.notes() if avail is True else "",
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
        # free text is escaped: an extra such as 'hybrid-workbench[braket]' is not markup
        table.add_row(r["name"], ", ".join(r["model_types"]),
                      "[green]yes[/]" if r["available"] else "[red]no[/]",
                      escape((r["version"] + (f"; {r['notes']}" if r.get("notes") else ""))
                             if r["available"] else (r["reason"] or "")),
                      escape(r["install_hint"] or ""))
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
            "max_variables": caps.max_variables, "notes": backend.notes() if avail is True else "",
            "options": describe_options(backend.Options)}
    if as_json:
        emit_json(data)
        return
    console.print(f"[bold]{backend.name}[/]: {backend.description}", highlight=False)
    limit = ("spends a time limit (anytime)" if caps.anytime else
             "honours a time limit" if caps.time_limit else "runs to completion (no time limit)")
    console.print(f"models: {', '.join(caps.model_kinds)}; device: {caps.device}; {limit}"
                  + ("" if avail is True else f"; not available here: {avail}")
                  + (f"; {data['notes']}" if data["notes"] else ""), highlight=False)
    table = Table(title=f"options of {backend.name} (set with -o key=value)")
    for col in ("option", "type", "default", "help"):
        table.add_column(col)

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
                      escape(r["description"]), escape(r["formats"]))
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
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="transpile and estimate the device cost without submitting "
        "(backends that submit to a device, e.g. ibm, or qaoa on one)")] = False,
) -> None:
    """Solve one instance of a use case on one backend.

    A dict option takes dotted keys or a YAML/JSON mapping: ``-o gate_options.ibm_backend=
    fake_sherbrooke`` is ``-o 'gate_options={ibm_backend: fake_sherbrooke}'``.
    """
    from hybrid_workbench.options import parse_option_strings
    from hybrid_workbench.registry import get_backend, get_usecase

    from hybrid_workbench.backend import check_seed

    uc = get_usecase(usecase)
    be = get_backend(backend)
    if seed is not None:
        check_seed(seed, "--seed")
    if dry_run and not be.has_dry_run():
        be.dry_run(None)  # the base class refuses, with its reason, before anything is loaded
    # Validated once, here, before anything is loaded; the typed options are carried forward.
    opts = be.make_options(nest_dotted(parse_option_strings(option or [])), time_limit)
    form_opts = uc.make_formulation_options(parse_option_strings(formulation or []))
    inst = uc.open(instance, **parse_option_strings(param or []))
    if dry_run:
        _dry_run(uc, inst, be, opts, form_opts, seed, as_json)
        return
    outcome = uc.solve(inst, be, seed=seed, options=opts, formulation_options=form_opts)
    data = outcome.to_dict()
    if as_json:
        emit_json(data)
        return
    fields = {key: data[key] for key in ("objective", "feasible", "energy", "status", "wall_s",
                                         "seed")}
    _print_fields(f"{usecase} / {data['instance']} on {data['backend']}",
                  {**fields, **data["metrics"]})


def nest_dotted(options: dict[str, Any]) -> dict[str, Any]:
    """``{'a.b': 1}`` -> ``{'a': {'b': 1}}``, merged with a mapping given as ``a={...}``.

    Examples:
        >>> nest_dotted({"gate_backend": "ibm", "gate_options": {"shots": 64},
        ...              "gate_options.ibm_backend": "fake_lagos"})
        {'gate_backend': 'ibm', 'gate_options': {'shots': 64, 'ibm_backend': 'fake_lagos'}}
    """
    out: dict[str, Any] = {}
    for key, value in options.items():
        *path, last = key.split(".")
        node = out
        for i, part in enumerate(path):
            child = node.setdefault(part, {})
            if not isinstance(child, dict) or not part:
                raise typer.BadParameter(
                    f"{key!r}: {'.'.join(path[:i + 1]) or key!r} is not a mapping option; "
                    "use key=value, or key.sub=value for a mapping option such as gate_options",
                    param_hint="--option")
            node = child
        if isinstance(node.get(last), dict) and isinstance(value, dict):
            node[last] = {**node[last], **value}
        elif last in node and isinstance(node[last], dict):
            raise typer.BadParameter(f"{key!r} is a mapping option; give it as {key}={{k: v}} "
                                     f"or {key}.k=v", param_hint="--option")
        else:
            node[last] = value
    return out


def _print_fields(title: str, fields: dict[str, Any]) -> None:
    """A two-column table of the scalar fields (nested values are left to ``--json``)."""
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in fields.items():
        if not isinstance(value, (dict, list)):
            table.add_row(key, f"{value:.6g}" if isinstance(value, float) else escape(str(value)))
    console.print(table)


def _dry_run(uc: Any, inst: Any, be: Any, opts: Any, form_opts: Any, seed: int | None,
             as_json: bool) -> None:
    """Formulate, and ask the backend what the solve would submit (nothing is submitted)."""
    if form_opts.model_kind is None:
        form_opts = form_opts.with_model_kind(uc.choose_model_kind(be, form_opts))
    uc.check(inst, form_opts, be, opts)
    model = uc.formulate(inst, form_opts).model
    report = be.dry_run(model, opts, seed=seed)
    if as_json:
        emit_json(report)
        return
    _print_fields(f"dry run: {uc.name} on {be.name} (nothing submitted)", report)


@app.command("compare")
def compare_cmd(
    usecase: Annotated[str, typer.Argument(help="use case name")],
    instance: Annotated[str, typer.Argument(help="instance file, shipped name or generate:k=v,...")],
    budget: Annotated[str, typer.Option(
        "--budget", help="wall seconds per run, comma-separated for several (e.g. 1,10)")] = "1,10",
    seeds: Annotated[int, typer.Option("--seeds", help="runs per backend and budget")] = 3,
    backends: Annotated[Optional[str], typer.Option(
        "--backends", help="comma-separated backend names (default: every one that can take part)")] = None,
    option: Annotated[Optional[list[str]], typer.Option(
        "--option", "-o", help="backend option backend.key=value (repeatable)")] = None,
    param: Annotated[Optional[list[str]], typer.Option(
        "--param", "-p", help="instance parameter key=value (repeatable)")] = None,
    plot: Annotated[Optional[str], typer.Option(
        "--plot", help="write quality against time to this image file (png, svg, pdf)")] = None,
    time_limit: Annotated[Optional[float], typer.Option(
        "--time-limit", hidden=True, help="deprecated: use --budget")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Equal-budget comparison: every backend gets the same wall budget per run; names the winner."""
    from hybrid_workbench.options import parse_option_strings
    from hybrid_workbench.registry import get_usecase

    if time_limit is not None:
        warnings.warn("--time-limit is deprecated for compare; use --budget", DeprecationWarning)
        err_console.print("[yellow]warning:[/] --time-limit is deprecated for compare; use "
                          "--budget (taken as --budget this time)", highlight=False)
        budget = str(time_limit)
    budgets = _parse_budgets(budget)
    if seeds < 1:
        raise typer.BadParameter(f"must be at least 1, got {seeds}", param_hint="--seeds")
    per_backend: dict[str, dict[str, Any]] = {}
    for key, value in parse_option_strings(option or []).items():
        be_name, dot, opt = key.partition(".")
        if not dot or not opt:
            raise typer.BadParameter(f"{key!r} must name its backend, e.g. sb.num_replicas=64",
                                     param_hint="--option")
        per_backend.setdefault(be_name.replace("_", "-"), {})[opt] = value
    if plot is not None:
        _check_writable(plot, "--plot")
    uc = get_usecase(usecase)
    inst = uc.open(instance, **parse_option_strings(param or []))
    names = [b.strip() for b in backends.split(",") if b.strip()] if backends else None
    result = _run_compare(uc, inst, budgets, seeds, names, per_backend, quiet=as_json)
    if plot is not None:
        from hybrid_workbench.plots import plot_quality_vs_time

        plot_quality_vs_time(result, plot)
    if as_json:
        emit_json(result.to_dict())
        return
    _print_comparison(result, plot)


def _parse_budgets(text: str) -> list[float]:
    import math

    try:
        budgets = [float(b) for b in text.split(",") if b.strip()]
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a comma-separated list of seconds, e.g. 1,10",
                                 param_hint="--budget") from None
    if not budgets or any(not math.isfinite(b) or b <= 0 for b in budgets):
        raise typer.BadParameter(f"budgets must be finite positive seconds, got {text!r}",
                                 param_hint="--budget")
    return budgets


def _check_writable(path: str, flag: str) -> None:
    from pathlib import Path

    folder = Path(path).expanduser().resolve().parent
    if not folder.is_dir():
        raise typer.BadParameter(f"folder {str(folder)!r} does not exist; create it first or "
                                 "choose another path", param_hint=flag)


def _run_compare(uc: Any, inst: Any, budgets: list[float], seeds: int,
                 names: list[str] | None, options: dict[str, dict[str, Any]],
                 quiet: bool) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from hybrid_workbench.compare import compare

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True, disable=quiet) as bar:
        task = bar.add_task("comparing (the reference first)", total=None)

        def advance(what: str, total: int) -> None:
            bar.update(task, advance=1, total=total, description=what)

        return compare(uc, inst, budgets=budgets, seeds=seeds, backends=names,
                       options=options, progress=advance)


def _fmt(value: Any, spec: str = ".6g") -> str:
    return "-" if value is None else format(value, spec)


def _print_comparison(result: Any, plot: str | None) -> None:
    ref = result.reference
    ref_text = (f"{ref.value:.6g} ({ref.kind}: {ref.source})" if ref.value is not None
                else "none (no run was feasible)")
    console.print(f"[bold]{result.usecase} / {result.instance}[/]: {result.seeds} seed(s) per "
                  f"backend and budget; reference {ref_text}", highlight=False)
    console.print(f"target for success and time to target: {_fmt(result.target)} "
                  f"({result.target_rule})", highlight=False)
    for b in result.budgets:
        table = Table(title=f"budget {b:g} s per run")
        for col in ("#", "backend", "median", "best", "95% CI median", "gap %", "P(target)",
                    "to target s", "solve s", "setup s"):
            table.add_column(col, justify="left" if col == "backend" else "right",
                             no_wrap=col == "backend")
        for i, r in enumerate(result.rankings[b], 1):
            ci = (f"{r.median_objective_ci[0]:.6g}..{r.median_objective_ci[1]:.6g}"
                  if r.median_objective_ci else "-")
            name = r.backend + (f" ({r.errors[0][:60]})" if r.errors and not r.feasible_runs
                                else "")
            table.add_row(str(i), name, _fmt(r.median_objective), _fmt(r.best_objective),
                          ci, _fmt(r.gap_pct, ".2f"),
                          f"{r.success_probability:.2f}", _fmt(r.median_time_to_target_s, ".3g"),
                          _fmt(r.median_wall_s, ".3g"), _fmt(r.median_setup_s, ".2f"))
        console.print(table)
        console.print(f"[bold]{result.verdicts()[b]}[/]", highlight=False)
    for e in result.excluded:
        console.print(f"left out: {e.backend}: {e.reason}", highlight=False)
    if plot:
        console.print(f"plot: {plot}", highlight=False)


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
