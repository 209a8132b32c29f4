"""Equal-budget comparisons that name the winner.

``compare(usecase, instance, budgets=[1, 10], seeds=5)`` runs every chosen backend on the same
instance with the same wall budget per run (anytime backends spend it), several seeds per
budget, and scores every run against one stated :class:`Reference`:

* the reference is a **certified** optimum (the use case proves it, or exact enumeration of
  a small model), a **published** best-known value (with its source), or the **best seen**
  in this comparison, in that order of preference; its kind and source travel with every
  figure;
* the **target** for success and time to target is the reference, or, for a maximisation
  that no run reaches (or whose reference is only the best seen), 99.5 % of it (stated
  beside the figures);
Scores come from the one metrics module (:mod:`hybrid_workbench.batch.metrics`) that
``hybrid bench`` and the demo use too.

* per budget and backend: median and best objective, gap to the reference (%), success
  probability, median time to target (from the backend's best-so-far trace where it
  records one, else its wall time), a 95 % bootstrap interval of the median objective
  when there are at least 3 seeds, median solve and set-up time;
* one verdict line per budget, e.g. ``at 1 s: gpu-sa best (0.00 %), sb +0.01 %``.

A backend that cannot take part is listed with its reason (cannot honour a time limit,
wrong model kind, too large, missing package) instead of vanishing from the table.

Nothing here imports a backend or a use case: both come from the registry or the caller.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from hybrid_workbench.batch.metrics import bootstrap_ci, gap_pct, reaches, time_to_target
from hybrid_workbench.errors import OptionsError, UnsupportedModelError, WorkbenchError

__all__ = ["Reference", "Run", "Excluded", "Ranking", "Comparison", "choose_backends",
           "find_reference", "compare", "verdict_line"]

#: Fraction of a maximisation reference used as the target when no run reaches it.
TARGET_FRACTION = 0.995
#: Models up to this many binary variables get a certified reference by enumeration.
ENUMERATION_LIMIT = 26


@dataclass(frozen=True)
class Reference:
    """The value every gap is measured against, and where it comes from."""

    value: float | None
    kind: Literal["certified", "published", "best-seen", "none"]
    source: str


@dataclass(frozen=True)
class Excluded:
    backend: str
    reason: str


@dataclass
class Run:
    """One solve of the comparison."""

    backend: str
    budget_s: float
    seed: int
    objective: float | None = None
    feasible: bool = False
    wall_s: float | None = None
    setup_s: float | None = None
    status: str = "error"
    time_to_target_s: float | None = None
    trace: list[list[float]] = field(default_factory=list)  # [seconds, objective]
    error: str | None = None
    refused: bool = False  # refused before any work (too large for this budget, ...)
    sigma: float | None = None  # standard error of a sampled objective (XEB from shots)


@dataclass
class Ranking:
    """One backend's figures at one budget."""

    backend: str
    runs: int
    feasible_runs: int
    median_objective: float | None
    best_objective: float | None
    median_objective_ci: tuple[float, float] | None
    gap_pct: float | None
    best_gap_pct: float | None
    success_probability: float
    median_time_to_target_s: float | None
    median_wall_s: float | None
    median_setup_s: float | None
    errors: list[str] = field(default_factory=list)
    refused: bool = False  # every run was refused before work


@dataclass
class Comparison:
    usecase: str
    instance: str
    sense: str
    budgets: list[float]
    seeds: int
    reference: Reference
    target: float | None
    target_rule: str
    runs: list[Run]
    rankings: dict[float, list[Ranking]]
    excluded: list[Excluded]

    def verdicts(self) -> dict[float, str]:
        return {b: verdict_line(b, self.rankings[b]) for b in self.budgets}

    def to_dict(self) -> dict[str, Any]:
        from hybrid_workbench.result import to_jsonable

        return to_jsonable({
            "usecase": self.usecase, "instance": self.instance, "sense": self.sense,
            "seeds": self.seeds, "reference": asdict(self.reference),
            "target": {"value": self.target, "rule": self.target_rule},
            "budgets": [{"budget_s": b, "verdict": verdict_line(b, self.rankings[b]),
                         "ranking": [asdict(r) for r in self.rankings[b]]}
                        for b in self.budgets],
            "excluded": [asdict(e) for e in self.excluded],
            "runs": [asdict(r) for r in self.runs],
        })


# -- choosing who takes part -----------------------------------------------------------------
def choose_backends(uc: Any, instance: Any, names: Sequence[str] | None = None,
                    ) -> tuple[list[Any], list[Excluded]]:
    """The backends that can take part in an equal-budget comparison, and why the others can't.

    With ``names``, only those are considered (unknown names raise); without, every
    registered backend that accepts one of the use case's model kinds.
    """
    from hybrid_workbench.registry import all_backends, get_backend

    candidates = ([get_backend(n) for n in names] if names else
                  [b for b in all_backends().values()
                   if any(k in b.model_kinds for k in uc.model_kinds)])
    chosen, excluded = [], []
    for be in candidates:
        reason = _why_not(uc, instance, be)
        if reason is None:
            chosen.append(be)
        else:
            excluded.append(Excluded(be.name, reason))
    return chosen, excluded


def _why_not(uc: Any, instance: Any, be: Any) -> str | None:
    avail = be.available()
    if avail is not True:
        return f"not available here: {avail} (install: {be.install_hint()})"
    if not any(k in be.model_kinds for k in uc.model_kinds):
        return (f"takes {', '.join(be.model_kinds)} models; {uc.name} produces "
                f"{', '.join(uc.model_kinds)}")
    caps = be.capabilities()
    if not caps.time_limit:
        return "cannot honour a time budget (runs to completion)"
    kind = uc.choose_model_kind(be)
    size = uc.size_hint(instance, kind)
    if size is not None:
        try:
            be.check_size(kind, size)
        except WorkbenchError as exc:
            return f"too large: {str(exc).split('. Backends that')[0]}"
    return None


# -- the reference ---------------------------------------------------------------------------
def find_reference(uc: Any, instance: Any) -> Reference:
    """The use case's own reference, else a certified one by enumeration of a small model."""
    value = uc.reference(instance)
    if value is not None:
        kind, source = uc.reference_kind(instance)
        return Reference(float(value), kind, source)  # type: ignore[arg-type]
    size = uc.size_hint(instance, "bqm") if "bqm" in uc.model_kinds else None
    if size is not None and size <= ENUMERATION_LIMIT:
        out = uc.solve(instance, "exact", seed=0)
        if out.evaluation.feasible and out.evaluation.objective is not None:
            return Reference(float(out.evaluation.objective), "certified",
                             f"exact enumeration of the {size}-variable model")
    return Reference(None, "none", "")


# -- running ---------------------------------------------------------------------------------
def _objective_trace(out: Any, sense: str) -> list[list[float]]:
    """The energy trace in the use case's objective, where the final point shows the mapping."""
    trace = out.result.info.get("trace") or []
    energy, objective = out.result.energy, out.evaluation.objective
    if not trace or energy is None or objective is None:
        return []
    if abs(objective + energy) <= 1e-9 * max(1.0, abs(energy)):
        sign = -1.0
    elif abs(objective - energy) <= 1e-9 * max(1.0, abs(energy)):
        sign = 1.0
    else:
        return []  # the objective is not a plain function of the energy (penalties, decoding)
    return [[float(t), sign * float(e)] for t, e in trace]


def _one_run(uc: Any, instance: Any, be: Any, budget: float, seed: int,
             options: Mapping[str, Any], sense: str) -> Run:
    run = Run(backend=be.name, budget_s=budget, seed=seed)
    try:
        out = uc.solve(instance, be, seed=seed, time_limit=budget, options=dict(options))
    except (UnsupportedModelError, OptionsError) as exc:  # nothing was run
        run.error, run.refused = str(exc).split(". Backends that")[0], True
        return run
    except WorkbenchError as exc:
        run.error = str(exc)
        return run
    r = out.result
    run.objective = out.evaluation.objective
    run.feasible = bool(out.evaluation.feasible)
    run.wall_s, run.setup_s, run.status = r.timing.wall_s, r.timing.setup_s, r.status
    run.trace = _objective_trace(out, sense)
    sigma = out.evaluation.metrics.get("objective_sigma")
    run.sigma = None if sigma is None else float(sigma)
    return run


def compare(uc: Any, instance: Any, *, budgets: Sequence[float], seeds: int = 3,
            backends: Sequence[str] | None = None,
            options: Mapping[str, Mapping[str, Any]] | None = None,
            progress: Callable[[str, int], None] | None = None) -> Comparison:
    """Run the comparison (see the module docstring).

    ``progress(what, total)`` is called after each run, with the number of runs planned.
    """
    budgets = [float(b) for b in budgets]
    if not budgets or any(not math.isfinite(b) or b <= 0 for b in budgets):
        raise OptionsError(f"--budget must be finite positive seconds, got {budgets}")
    if seeds < 1:
        raise OptionsError(f"--seeds must be at least 1, got {seeds}")
    options = dict(options or {})
    chosen, excluded = choose_backends(uc, instance, backends)
    unknown = set(options) - {b.name for b in chosen} - {e.backend for e in excluded}
    if unknown:
        raise OptionsError(f"options given for backends not in the comparison: "
                           f"{', '.join(sorted(unknown))}")
    for be in chosen:  # bad options fail here, before any run
        be.make_options(options.get(be.name), budgets[0])
    reference = find_reference(uc, instance)
    runs = []
    total = len(budgets) * seeds * len(chosen)
    for budget in budgets:
        for seed in range(seeds):
            for be in chosen:
                runs.append(_one_run(uc, instance, be, budget, seed, options.get(be.name, {}),
                                     uc.sense))
                if progress is not None:
                    progress(f"{be.name} at {budget:g} s, seed {seed}", total)
    if reference.value is None:
        seen = [r.objective for r in runs if r.feasible and r.objective is not None]
        if seen:
            best = max(seen) if uc.sense == "max" else min(seen)
            reference = Reference(float(best), "best-seen", "best objective of this comparison")
    target, rule = _target(reference, runs, uc.sense)
    for run in runs:
        run.time_to_target_s = _time_to_target(run, target, uc.sense)
    rankings = {b: _rank([r for r in runs if r.budget_s == b], reference, uc.sense)
                for b in budgets}
    return Comparison(usecase=uc.name, instance=uc.instance_name(instance), sense=uc.sense,
                      budgets=budgets, seeds=seeds, reference=reference, target=target,
                      target_rule=rule, runs=runs, rankings=rankings, excluded=excluded)


def _target(reference: Reference, runs: Iterable[Run], sense: str) -> tuple[float | None, str]:
    if reference.value is None:
        return None, "no reference"
    # the best seen is reached by the run that set it, by construction: not a target
    reached = reference.kind != "best-seen" and any(
        r.feasible and reaches(r.objective, True, reference.value, sense, sigma=r.sigma)
        for r in runs)
    if reached:
        return reference.value, f"the {reference.kind} reference"
    if sense == "max" and reference.value > 0 and reference.kind == "best-seen":
        return (TARGET_FRACTION * reference.value,
                f"{100 * TARGET_FRACTION:g} % of the best seen")
    if sense == "max" and reference.value > 0:
        return (TARGET_FRACTION * reference.value,
                f"{100 * TARGET_FRACTION:g} % of the {reference.kind} reference (no run reached it)")
    return reference.value, f"the {reference.kind} reference"


def _time_to_target(run: Run, target: float | None, sense: str) -> float | None:
    return time_to_target(run.trace, run.wall_s, run.objective, run.feasible, target, sense,
                          sigma=run.sigma)


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _rank(runs: list[Run], reference: Reference, sense: str) -> list[Ranking]:
    out = []
    for name in dict.fromkeys(r.backend for r in runs):
        mine = [r for r in runs if r.backend == name]
        objs = [r.objective for r in mine if r.feasible and r.objective is not None]
        best = (max(objs) if sense == "max" else min(objs)) if objs else None
        med = _median(objs)
        ci = None
        if len(objs) >= 3:
            lo, hi = bootstrap_ci(objs, lambda x: float(statistics.median(x)))
            ci = (lo, hi)
        ttt = [r.time_to_target_s for r in mine if r.time_to_target_s is not None]
        out.append(Ranking(
            backend=name, runs=len(mine), feasible_runs=len(objs), median_objective=med,
            best_objective=best, median_objective_ci=ci,
            gap_pct=gap_pct(med, reference.value, sense),
            best_gap_pct=gap_pct(best, reference.value, sense),
            success_probability=len(ttt) / len(mine) if mine else 0.0,
            median_time_to_target_s=_median(ttt),
            median_wall_s=_median([r.wall_s for r in mine if r.wall_s is not None]),
            median_setup_s=_median([r.setup_s for r in mine if r.setup_s is not None]),
            errors=sorted({r.error for r in mine if r.error}),
            refused=bool(mine) and all(r.refused for r in mine)))

    def key(r: Ranking) -> tuple[Any, ...]:
        objective = r.median_objective
        quality = math.inf if objective is None else (-objective if sense == "max" else objective)
        ttt = math.inf if r.median_time_to_target_s is None else r.median_time_to_target_s
        return (r.feasible_runs == 0, quality, -r.success_probability, ttt)

    return sorted(out, key=key)


def verdict_line(budget: float, ranking: Sequence[Ranking]) -> str:
    """``at 1 s: gpu-sa best (0.00 %), sb +0.01 %, dwave-sa +0.02 %`` (gaps of the medians).

    Examples:
        >>> rows = [Ranking("a", 3, 3, 100.0, 100.0, None, 0.0, 0.0, 1.0, 0.1, 1.0, 0.0),
        ...         Ranking("b", 3, 0, None, None, None, None, None, 0.0, None, 1.0, 0.0)]
        >>> verdict_line(1.0, rows)
        'at 1 s: a best (0.00 %, target in 0.1 s), b no feasible answer'
    """
    parts = []
    for i, r in enumerate(ranking):
        if r.refused:
            parts.append(f"{r.backend} refused ({r.errors[0][:70]})" if r.errors
                         else f"{r.backend} refused")
        elif r.feasible_runs == 0:
            parts.append(f"{r.backend} no feasible answer" if not r.errors
                         else f"{r.backend} failed")
        elif r.gap_pct is None:
            what = "best" if i == 0 else ""
            parts.append(f"{r.backend} {what} (median {r.median_objective:.6g})".replace("  ", " "))
        else:
            ttt = r.median_time_to_target_s
            when = f", target in {ttt:.3g} s" if ttt is not None else ""
            if i == 0:
                parts.append(f"{r.backend} best ({r.gap_pct:.2f} %{when})")
            else:
                parts.append(f"{r.backend} +{r.gap_pct:.2f} %" + (f" ({when[2:]})" if when else ""))
    return f"at {budget:g} s: " + (", ".join(parts) if parts else "no backend ran")
