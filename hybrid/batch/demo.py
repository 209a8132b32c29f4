"""``hybrid demo``: a small suite over every use case present and every backend that fits.

The suite's instances come from the shipped ``demo.yaml`` (small generator parameters per
use case). A use case it does not list is tried with its generator's defaults and kept
only when its model has at most ``max_variables`` variables or qubits; otherwise it is
skipped with a note saying why. Each use case runs on every available backend whose model
kinds it produces and whose :meth:`~hybrid_workbench.backend.Backend.supports` accepts the model
(QPU-type backends are left out: a demo spends no one's machine time). The notes go into
the report, so what was skipped is never silent.
"""

from __future__ import annotations

import warnings
from importlib import resources
from typing import Any

import yaml

__all__ = ["load_demo_spec", "build_demo_job"]


def load_demo_spec() -> dict[str, Any]:
    """The shipped ``demo.yaml`` as a dict."""
    return yaml.safe_load(resources.files("hybrid_workbench.batch").joinpath("demo.yaml").read_text())


def _size(model: Any) -> int:
    if hasattr(model, "variables"):
        return len(model.variables)
    return int(getattr(model, "num_qubits", 0))


def _first_instance(uc: Any, entry: Any, seed: int) -> Any:
    if isinstance(entry, dict):
        gen = dict(entry.get("generate") or {})
        return uc.open("generate:", seed=int(gen.pop("seed", seed)), **gen)
    return uc.open(str(entry))


def build_demo_job(*, quick: bool = False, repeats: int | None = None,
                   spec: dict[str, Any] | None = None,
                   usecases: list[str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The demo's job (a dict for :func:`~hybrid_workbench.batch.jobfile.job_from_dict`) and its notes.

    ``usecases`` restricts the suite to those names (default: every use case present).
    """
    from hybrid_workbench.errors import WorkbenchError
    from hybrid_workbench.registry import all_backends, all_usecases

    spec = spec or load_demo_spec()
    seed = int(spec.get("seed", 0))
    limit = int(spec.get("max_variables", 24))
    settings = {**spec, **(spec.get("quick") or {})} if quick else spec
    notes: list[str] = []
    backends = {}
    unavailable = []
    for name, be in all_backends().items():
        avail = be.available()
        if avail is not True:
            unavailable.append(f"{name} ({avail})")
        elif be.device == "qpu":
            notes.append(f"backend {name} left out: it runs on a QPU")
        else:
            backends[name] = be
    if unavailable:
        notes.append("backends not available here: " + "; ".join(unavailable))
    options: dict[str, dict[str, Any]] = {}
    for name, opts in (spec.get("backend_options") or {}).items():
        if name in backends:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    backends[name].make_options(opts)
                options[name] = dict(opts)
            except WorkbenchError as exc:
                notes.append(f"demo options for {name} dropped: {exc}")
    jobs = []
    present = all_usecases()
    if usecases:
        unknown = sorted(set(usecases) - set(present))
        if unknown:
            from hybrid_workbench.errors import UseCaseNotFoundError

            raise UseCaseNotFoundError(f"no use case named {', '.join(map(repr, unknown))}; "
                                       f"known: {', '.join(present)}")
        present = {k: v for k, v in present.items() if k in usecases}
    for uc_name, uc in present.items():
        entries = (spec.get("usecases") or {}).get(uc_name)
        listed = entries is not None
        if not listed:
            entries = [{"generate": {}}]
        if quick:
            first = entries[0]
            entries = [{**first, "count": 1} if isinstance(first, dict) else first]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                instance = _first_instance(uc, entries[0], seed)
        except (WorkbenchError, TypeError, ValueError) as exc:
            notes.append(f"use case {uc_name} skipped: its generator needs parameters the demo "
                         f"does not know ({exc}); add them to hybrid/batch/demo.yaml")
            continue
        models: dict[str, Any] = {}
        chosen = []
        for be_name, be in backends.items():
            kinds = [k for k in uc.model_kinds if k in be.model_kinds]
            if not kinds:
                continue
            try:
                if kinds[0] not in models:
                    models[kinds[0]] = uc.formulate(instance, model_kind=kinds[0]).model
                model = models[kinds[0]]
            except Exception as exc:  # noqa: BLE001 - a note, not a crash
                notes.append(f"{uc_name}: cannot formulate a {kinds[0]} model ({exc})")
                models[kinds[0]] = None
                continue
            if model is None:
                continue
            if not listed and _size(model) > limit:
                notes.append(f"use case {uc_name} skipped: its default instance has "
                             f"{_size(model)} variables (> {limit}); add small generator "
                             "parameters to hybrid/batch/demo.yaml")
                chosen = []
                break
            ok = be.supports(model, options.get(be_name))
            if ok is not True:
                notes.append(f"{uc_name}: backend {be_name} left out: {ok}")
                continue
            chosen.append(be_name)
        if not chosen:
            if not any(n.startswith(f"use case {uc_name} skipped") for n in notes):
                notes.append(f"use case {uc_name} skipped: no available backend takes its models")
            continue
        jobs.append({"usecase": uc_name, "instances": entries, "backends": chosen,
                     "options": {b: options[b] for b in chosen if b in options}})
    job = {"name": "demo-quick" if quick else "demo", "seed": seed,
           "repeats": int(repeats or settings.get("repeats", 3)),
           "time_limit": float(settings.get("time_limit", 20)), "jobs": jobs}
    return job, notes
