"""``hybrid demo``: per use case one instance sized where the methods differ, at equal budgets.

The suite comes from the shipped ``demo.yaml``: per use case its instances (a shipped name,
a file under the package's ``datasets`` folder, or generator parameters), the budgets
(seconds of solve time per run, the same for every backend) and the number of seeds. What
the reference is (certified, published, with its source) is the use case's own word
(:meth:`~hybrid_workbench.usecase.UseCase.reference_kind`, as ``hybrid compare`` uses
it); a ``reference:`` entry in an older copy of ``demo.yaml`` is still read, and ignored. :func:`plan_demo` turns it into a job for the batch
runner (a dict for :func:`~hybrid_workbench.batch.jobfile.job_from_dict`, also written as
``demo-job.yaml`` so that ``hybrid batch`` reruns it) and a :class:`DemoPlan` that the
report (:mod:`hybrid_workbench.batch.demoreport`) needs besides the stored rows.

Which backends take part is decided by
:func:`hybrid_workbench.compare.choose_backends`, the rule ``hybrid compare`` uses: every
available backend that takes one of the use case's model kinds, keeps a time limit and
accepts the instance's size. The others are listed with their reason, never dropped in
silence; QPU backends are left out (a demo spends no one's machine time).

Each budget ``B`` becomes the backend option ``time_limit: B`` (what the solver keeps);
the job's own ``time_limit`` is ``B + slack_s``, the hard stop of the batch runner, which
also covers building the model (the same for every backend of a use case).

Examples:
    >>> plan = plan_demo(quick=True, usecases=["chemistry"])
    >>> [j["usecase"] for j in plan.job["jobs"]], plan.job["repeats"] >= 3
    (['chemistry'], True)
    >>> plan.job["jobs"][0]["backends"], plan.job["jobs"][0]["options"]["vqe"]["time_limit"]
    (['vqe'], 1.0)
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "MIN_SEEDS",
    "DemoPlan",
    "UseCasePlan",
    "build_demo_job",
    "load_demo_spec",
    "plan_demo",
]

#: Fewest seeds the demo runs per (instance, backend, budget): intervals need three.
MIN_SEEDS = 3


def load_demo_spec() -> dict[str, Any]:
    """The shipped ``demo.yaml`` as a dict."""
    return yaml.safe_load(resources.files("hybrid_workbench.batch").joinpath("demo.yaml").read_text())


@dataclass
class UseCasePlan:
    """What the demo runs for one use case and how the report describes it.

    Attributes:
        usecase: its name.
        instances: ``(job-file entry, instance key, description)`` per instance.
        budgets: seconds of solve time per run.
        backends: the backends that run (equal budgets).
        excluded: ``(backend, reason)`` for each one that does not.
        reference_kind, reference_source: the stated reference where the use case knows
            one (``certified`` or ``published``); otherwise the report uses the best seen.
        tolerance: absolute slack under which a run counts as reaching the reference
            (chemical accuracy for chemistry; 0 elsewhere).
        gap_scale, gap_unit: gaps as ``scale * |objective - reference|`` in ``unit``, or
            as % of the reference when ``gap_unit`` is ``'%'``.
    """

    usecase: str
    instances: list[tuple[Any, str, str]]
    budgets: list[float]
    backends: list[str]
    excluded: list[tuple[str, str]] = field(default_factory=list)
    reference_kind: str = "best-seen"
    reference_source: str = ""
    tolerance: float = 0.0
    gap_scale: float = 1.0
    gap_unit: str = "%"


@dataclass
class DemoPlan:
    """The demo's job (for the batch runner), its use cases and its notes."""

    job: dict[str, Any]
    usecases: dict[str, UseCasePlan]
    notes: list[str]
    families: dict[str, str]
    quick: bool
    seeds: int


def _merged(spec: dict[str, Any], quick: bool) -> dict[str, Any]:
    """The spec with its ``quick`` section laid over it (use cases key by key)."""
    spec = copy.deepcopy(spec)
    over = spec.pop("quick", None) or {}
    if not quick:
        return spec
    for key, value in over.items():
        if key == "usecases":
            for uc, settings in (value or {}).items():
                spec.setdefault("usecases", {}).setdefault(uc, {}).update(settings or {})
        else:
            spec[key] = value
    return spec


def _entry(raw: Any) -> Any:
    """A job-file instance entry: ``datasets/...`` becomes the shipped file's absolute path."""
    if isinstance(raw, str) and raw.startswith("datasets/"):
        from hybrid_workbench.data import PACKAGE_DATA

        return str(PACKAGE_DATA / raw[len("datasets/"):])
    return copy.deepcopy(raw)


def _open(uc: Any, entry: Any, seed: int) -> Any:
    if isinstance(entry, dict):
        gen = dict(entry.get("generate") or {})
        return uc.open("generate:", seed=int(gen.pop("seed", seed)), **gen)
    return uc.open(str(entry))


def _key(entry: Any, seed: int) -> str:
    """The instance key the job file gives this entry (as the store's ``instance`` column)."""
    from hybrid_workbench.batch.jobfile import instance_key

    if isinstance(entry, dict):
        gen = dict(entry.get("generate") or {})
        return instance_key({k: v for k, v in gen.items() if k != "seed"}, gen.get("seed", seed))
    return str(entry)


def _fits(uc: Any, instance: Any, be: Any, options: Any, models: dict[str, Any]) -> bool | str:
    """``be.supports`` on the instance's model for a backend with a size limit where the use
    case gives no size hint (the model is built once per kind); True otherwise."""
    kind = uc.choose_model_kind(be)
    if be.capabilities().max_variables is None or uc.size_hint(instance, kind) is not None:
        return True
    if kind not in models:
        models[kind] = uc.formulate(instance, {"model_kind": kind}).model
    return be.supports(models[kind], options)


def _participants(uc: Any, instance: Any, names: list[str] | None,
                  options: dict[str, Any]) -> tuple[list[str], list[tuple[str, str]]]:
    """Backends that keep a budget on this instance, and the others with their reason."""
    from hybrid_workbench.compare import choose_backends
    from hybrid_workbench.errors import WorkbenchError
    from hybrid_workbench.registry import all_backends

    chosen, excluded = choose_backends(uc, instance)
    out = [(e.backend, e.reason) for e in excluded]
    models: dict[str, Any] = {}
    keep = []
    for be in chosen:
        if be.device == "qpu":
            out.append((be.name, "runs on a QPU: a demo spends no one's machine time"))
        elif names is not None and be.name not in names:
            out.append((be.name, "not in this run's list (demo.yaml, --quick keeps it short)"))
        else:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    opts = be.make_options(options.get(be.name), 1.0)
                    ok = _fits(uc, instance, be, opts, models)
            except WorkbenchError as exc:
                out.append((be.name, f"the demo's options are refused: {exc}"))
                continue
            if ok is not True:
                out.append((be.name, f"does not take this model: {ok}"))
                continue
            keep.append(be.name)
    unknown = sorted(set(names or ()) - set(all_backends()))
    out += [(n, "no such backend is registered") for n in unknown]
    return keep, sorted(out)


def plan_demo(*, quick: bool = False, repeats: int | None = None,
              spec: dict[str, Any] | None = None, usecases: list[str] | None = None,
              budgets: list[float] | None = None) -> DemoPlan:
    """The demo's job and plan (see the module docstring).

    Args:
        quick: lay the spec's ``quick`` section over it (smaller instances, one budget).
        repeats: seeds per (instance, backend, budget); at least :data:`MIN_SEEDS`.
        spec: a demo spec (default: the shipped ``demo.yaml``).
        usecases: only these use cases (default: every one the spec lists).
        budgets: override every use case's budgets (seconds per run).

    Raises:
        UseCaseNotFoundError: a name in ``usecases`` is not a registered use case.
        OptionsError: fewer than :data:`MIN_SEEDS` seeds, or a budget that is not positive.
    """
    from hybrid_workbench.errors import (
        OptionsError,
        UseCaseNotFoundError,
        WorkbenchError,
    )
    from hybrid_workbench.registry import all_usecases

    spec = _merged(spec or load_demo_spec(), quick)
    seed = int(spec.get("seed", 0))
    seeds = int(repeats if repeats is not None else spec.get("repeats", MIN_SEEDS))
    if seeds < MIN_SEEDS:
        raise OptionsError(f"the demo runs at least {MIN_SEEDS} seeds per backend and budget "
                           f"(intervals and medians need them), got {seeds}")
    if budgets is not None and (not budgets or any(not b > 0 for b in budgets)):
        raise OptionsError(f"budgets must be positive seconds, got {budgets}")
    present = all_usecases()
    listed = spec.get("usecases") or {}
    wanted = list(usecases) if usecases else list(listed)
    unknown = sorted(set(wanted) - set(present))
    if unknown:
        raise UseCaseNotFoundError(f"no use case named {', '.join(map(repr, unknown))}; "
                                   f"known: {', '.join(present)}")
    notes = [f"use case {n} is not in the demo (demo.yaml lists no instance for it)"
             for n in present if n not in listed and not usecases]
    options_all = spec.get("backend_options") or {}
    plans: dict[str, UseCasePlan] = {}
    jobs: list[dict[str, Any]] = []
    for name in wanted:
        settings = listed.get(name)
        if not settings or not settings.get("instances"):
            notes.append(f"use case {name} skipped: demo.yaml lists no instance for it")
            continue
        uc = present[name]
        entries = [(_entry(i["entry"]), str(i.get("about", ""))) for i in settings["instances"]]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                first = _open(uc, entries[0][0], seed)
        except (WorkbenchError, OSError, TypeError, ValueError) as exc:
            notes.append(f"use case {name} skipped: its demo instance cannot be opened ({exc})")
            continue
        names = settings.get("backends")
        backends, excluded = _participants(uc, first, names, options_all)
        if not backends:
            notes.append(f"use case {name} skipped: no backend can keep a time budget on it")
            continue
        kind, source = uc.reference_kind(first)  # as hybrid compare states it
        gap = settings.get("gap") or {}
        plan = UseCasePlan(
            usecase=name, instances=[(e, _key(e, seed), about) for e, about in entries],
            budgets=[float(b) for b in (budgets or settings.get("budgets")
                                        or spec.get("budgets") or [1])],
            backends=backends, excluded=excluded,
            reference_kind=kind, reference_source=source,
            tolerance=float(settings.get("tolerance", 0.0)),
            gap_scale=float(gap.get("scale", 1.0)), gap_unit=str(gap.get("unit", "%")))
        plans[name] = plan
        slack = float(settings.get("slack_s", spec.get("slack_s", 60)))
        for budget in plan.budgets:
            jobs.append({"usecase": name, "instances": [e for e, _, _ in plan.instances],
                         "backends": backends,
                         "options": {b: {**(options_all.get(b) or {}), "time_limit": budget}
                                     for b in backends},
                         "time_limit": budget + slack})
    job = {"name": "demo-quick" if quick else str(spec.get("name", "demo")), "seed": seed,
           "repeats": seeds, "jobs": jobs}
    return DemoPlan(job=job, usecases=plans, notes=notes,
                    families=dict(spec.get("families") or {}), quick=quick, seeds=seeds)


def build_demo_job(*, quick: bool = False, repeats: int | None = None,
                   spec: dict[str, Any] | None = None,
                   usecases: list[str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The demo's job (a dict for :func:`~hybrid_workbench.batch.jobfile.job_from_dict`) and
    its notes (see :func:`plan_demo`)."""
    plan = plan_demo(quick=quick, repeats=repeats, spec=spec, usecases=usecases)
    return plan.job, plan.notes
