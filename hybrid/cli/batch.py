"""The batch commands of the ``hybrid`` CLI: ``batch``, ``results``, ``bench``, ``demo``.

Registered on :data:`hybrid_workbench.cli.app` when :func:`hybrid_workbench.cli._register_extensions` imports
this module. Heavy modules (pandas, matplotlib, Dask) load inside the commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from hybrid_workbench.cli import app, console, err_console, fail

__all__ = ["batch_cmd", "results_cmd", "bench_cmd", "demo_cmd"]

FORMATS = ("table", "csv", "json", "parquet")


def _default_store(jobfile: Path) -> Path:
    return jobfile.with_suffix(".sqlite")


def _store_folder(path: Path) -> None:
    """Refuse, as a usage error, a store whose folder does not exist."""
    if not path.parent.is_dir():
        raise typer.BadParameter(f"the folder {path.parent} does not exist, so {path} cannot be "
                                 "created; create the folder or choose another path",
                                 param_hint="'--store'")


def _run(jobfile: Path, store_path: Path | None, workers: int | None, scheduler: str | None,
         resume: bool, quiet: bool, retries: int = 2) -> tuple[Any, Path]:
    """Validate, open the store, run what is not stored yet; returns (job, store path)."""
    from hybrid_workbench.batch.jobfile import load_job
    from hybrid_workbench.batch.runner import run_batch
    from hybrid_workbench.batch.store import ResultStore

    if workers is not None and workers < 1:
        raise typer.BadParameter(f"must be at least 1, got {workers}", param_hint="'--workers'")
    if store_path is not None:
        _store_folder(store_path)
    job = load_job(jobfile)  # every problem listed before anything runs
    path = store_path or _default_store(jobfile)
    existed = path.is_file()
    with ResultStore(path) as store:
        hashes = store.job_hashes()
        if existed and hashes and job.sha256 not in hashes and not resume:
            fail(f"store {path} holds results of another version of a job file; pass --resume to "
                 "add this job's missing tasks to it, or choose another --store")
        summary = run_batch(job, store, workers=workers, scheduler=scheduler, progress=not quiet,
                            retries=retries, retry_crashed=resume)
    counts = ", ".join(f"{v} {k}" for k, v in sorted(summary.statuses.items())) or "nothing to run"
    extra = f"; {summary.retries} retried after their process died" if summary.retries else ""
    err_console.print(f"{job.name}: ran {summary.ran} task(s) ({counts}{extra}); {summary.skipped} "
                      f"already stored; store: {path}", highlight=False, soft_wrap=True)
    return job, path


@app.command("batch")
def batch_cmd(
    jobfile: Annotated[Path, typer.Argument(help="YAML job file (see the README's 'Batch' section)")],
    store: Annotated[Optional[Path], typer.Option(
        "--store", help="SQLite result store (default: the job file with .sqlite)")] = None,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", "-w", min=1, help="local worker processes (default: CPU count)")] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 (instead of local)")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="run again the tasks whose process died (stored as crashed), and add to "
                         "a store written by another version of this job file")] = False,
    retries: Annotated[int, typer.Option(
        "--retries", min=0, help="times a task runs again when its process dies (signal, "
                                 "memory, a lost worker)")] = 2,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Run every task of a job file not yet in the store; one row per task, kept as it finishes."""
    _run(jobfile, store, workers, scheduler, resume, quiet, retries)


@app.command("results")
def results_cmd(
    store: Annotated[Path, typer.Argument(help="result store written by `hybrid batch`")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, json or parquet")] = "table",
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="write to this file (parquet: default STORE.parquet)")] = None,
    all_columns: Annotated[bool, typer.Option(
        "--all", help="every stored column, not only the contract ones")] = False,
) -> None:
    """Export the rows of a result store."""
    from hybrid_workbench.batch.store import COLUMNS, ROW_COLUMNS, ResultStore

    if fmt not in FORMATS:
        fail(f"unknown --format {fmt!r}; use one of {', '.join(FORMATS)}")
    cols = list(COLUMNS if all_columns else ROW_COLUMNS)
    with ResultStore(store, create=False) as st:
        frame = st.to_frame(cols)
    if fmt == "parquet":
        target = output or store.with_suffix(".parquet")
        try:
            frame.to_parquet(target, index=False)
        except ImportError as exc:
            fail(f"parquet export needs pyarrow: pip install pyarrow ({exc})")
        err_console.print(f"wrote {len(frame)} rows to {target}", highlight=False)
        return
    if fmt == "csv":
        text = frame.to_csv(index=False)
    elif fmt == "json":
        text = json.dumps(json.loads(frame.to_json(orient="records")), indent=None) + "\n"
    else:
        from rich.table import Table

        table = Table(title=f"{store} ({len(frame)} rows)")
        for c in cols:
            table.add_column(c, overflow="fold")
        for rec in frame.to_dict("records"):
            table.add_row(*[_cell(rec[c]) for c in cols])
        if output is None:
            console.print(table)
            return
        from rich.console import Console

        with open(output, "w") as fh:
            Console(file=fh, width=200).print(table)
        return
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _report(rows: list[dict[str, Any]], out: Path, title: str, notes: list[str],
            store_path: Path) -> dict[str, Path]:
    from hybrid_workbench.batch.report import markdown_table, summarise, write_report
    from hybrid_workbench.batch.store import ResultStore

    with ResultStore(store_path, create=False) as st:
        runs = st.runs()
    provenance: dict[str, Any] = {"store": str(store_path), "rows": len(rows),
                                  "command": " ".join(["hybrid", *sys.argv[1:]])}
    if runs:
        last = runs[-1]
        m = last["machine"]
        provenance["machine"] = (f"{m.get('cpu_model', m.get('processor', '?'))}, "
                                 f"{m.get('cpu_count')} CPUs, {m.get('memory_gib', '?')} GiB, "
                                 f"{m.get('platform')}")
        provenance["executor"] = last["scheduler"]
        provenance["packages"] = ", ".join(f"{k} {v}" for k, v in last["packages"].items())
        provenance["job file sha256"] = last["job_sha256"]
    paths = write_report(rows, out, title=title, notes=notes, provenance=provenance)
    if rows:
        console.print(markdown_table(summarise(rows)), highlight=False, soft_wrap=True)
    err_console.print(f"report: {paths['html']} and {paths['markdown']}", highlight=False)
    return paths


@app.command("bench")
def bench_cmd(
    source: Annotated[Path, typer.Argument(help="result store, or a YAML job file to run first")],
    store: Annotated[Optional[Path], typer.Option(
        "--store", help="store for a job file (default: the job file with .sqlite)")] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="report folder (default: STORE-report beside the store)")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1,
                                                   help="local workers")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="see `hybrid batch --resume`")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Quantum-vs-classical metrics (ratio, success, TTS99, feasibility, bootstrap CIs) and a report."""
    from hybrid_workbench.batch.store import ResultStore

    if source.suffix.lower() in (".yaml", ".yml"):
        job, store_path = _run(source, store, workers, scheduler, resume, quiet)
        ids = {t.task_id for t in job.tasks}
        title = f"Benchmark: {job.name}"
    else:
        store_path, ids, title = source, None, f"Benchmark: {source.stem}"
    with ResultStore(store_path, create=False) as st:
        rows = [r for r in st.rows() if ids is None or r["task_id"] in ids]
    _report(rows, out or store_path.with_name(store_path.stem + "-report"), title, [], store_path)


@app.command("demo")
def demo_cmd(
    out: Annotated[Path, typer.Option("--out", help="folder for the store and the report")] = Path("hybrid-demo"),
    quick: Annotated[bool, typer.Option(
        "--quick", help="smaller instances, one budget, fewer backends (about 2 minutes)")] = False,
    usecases: Annotated[Optional[str], typer.Option(
        "--usecases", help="comma-separated use cases (default: every one demo.yaml lists)")] = None,
    repeats: Annotated[Optional[int], typer.Option(
        "--repeats", min=3, help="seeds per backend and budget (at least 3)")] = None,
    budget: Annotated[Optional[str], typer.Option(
        "--budget", help="comma-separated seconds per run, replacing demo.yaml's budgets")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1,
                                                   help="local workers")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Who wins what: each use case at equal budgets on every backend that keeps one; writes
    OUT/demo-job.yaml (rerun it with `hybrid batch`), OUT/demo.sqlite and OUT/report.html."""
    import time

    import yaml

    from hybrid_workbench.batch.demo import plan_demo
    from hybrid_workbench.batch.demoreport import WHO, score_demo, who_wins_rows, write_demo_report
    from hybrid_workbench.batch.jobfile import load_job
    from hybrid_workbench.batch.runner import run_batch
    from hybrid_workbench.batch.store import ResultStore

    start = time.perf_counter()
    only = [u.strip() for u in usecases.split(",") if u.strip()] if usecases else None
    budgets = None
    if budget is not None:
        try:
            budgets = [float(b) for b in budget.split(",") if b.strip()]
        except ValueError:
            raise typer.BadParameter(f"expected seconds such as 1,10; got {budget!r}",
                                     param_hint="'--budget'") from None
    plan = plan_demo(quick=quick, repeats=repeats, usecases=only, budgets=budgets)
    if not plan.job["jobs"]:
        fail("no use case could be set up for the demo: " + "; ".join(plan.notes))
    out.mkdir(parents=True, exist_ok=True)
    job_path = out / "demo-job.yaml"
    job_path.write_text("# written by `hybrid demo`; rerun with `hybrid batch " + job_path.name
                        + "`\n" + yaml.safe_dump(plan.job, sort_keys=False))
    job = load_job(job_path)
    store_path = out / "demo.sqlite"
    with ResultStore(store_path) as st:
        summary = run_batch(job, st, workers=workers, scheduler=scheduler, progress=not quiet)
        ids = {t.task_id for t in job.tasks}
        rows = [r for r in st.rows() if r["task_id"] in ids]
        runs = st.runs()
    counts = ", ".join(f"{v} {k}" for k, v in sorted(summary.statuses.items())) or "all stored"
    err_console.print(f"demo: {len(job.tasks)} tasks ({counts}; {summary.skipped} already stored) "
                      f"in {summary.wall_s:.0f} s", highlight=False)
    m = runs[-1]["machine"] if runs else {}
    provenance = {
        "command": " ".join(["hybrid", *sys.argv[1:]]),
        "mode": ("quick (smaller instances, one budget, fewer backends)" if quick else "full"),
        "job file": f"{job_path.name} (sha256 {job.sha256[:12]}), {len(job.tasks)} tasks",
        "machine": (f"{m.get('cpu_model', m.get('processor', '?'))}, {m.get('cpu_count')} CPUs, "
                    f"{m.get('memory_gib', '?')} GiB, {m.get('platform')}"),
        "executor": runs[-1]["scheduler"] if runs else "?",
        "packages": ", ".join(f"{k} {v}" for k, v in (runs[-1]["packages"] if runs else {}).items()),
        "wall time": f"{time.perf_counter() - start:.0f} s until the report",
    }
    paths = write_demo_report(plan, rows, out, notes=plan.notes, provenance=provenance)
    from rich.table import Table

    table = Table(title="who wins what")
    for h in WHO:
        table.add_column(h, overflow="fold")
    for row in who_wins_rows(score_demo(plan, rows)):
        table.add_row(*row)
    console.print(table)
    err_console.print(f"report: {paths['html']} and {paths['markdown']} "
                      f"({time.perf_counter() - start:.0f} s)", highlight=False)
