"""AGV routing: conflict-free routes for automated guided vehicles on a factory floor.

Each AGV appears at its start at its release time and leaves the floor when it first
reaches its goal; no two may share a node at a time step (vertex conflict) or swap along an
edge (swap conflict); following is allowed. The objective is the total arrival time.

* **Route selection** (what backends solve): each AGV picks one of its candidate routes
  (given in the file, or generated: shortest paths, detours, departure delays); a CQM for
  ``cpsat`` and a penalty BQM, with automatic penalties proved large enough, for
  annealing-style backends (:mod:`hybrid_workbench.usecases.agv.formulation`). Samples are mapped back to
  routes with a repair step whose effect is reported in ``metrics['repair']``.
* **Free routing** (:meth:`AGV.baseline`): any route in the time-expanded graph; exact
  CP-SAT model (:mod:`hybrid_workbench.usecases.agv.freerouting`).
* **Prioritised planning** (:meth:`AGV.prioritised`): space-time A*, one AGV at a time.

Examples:
    >>> agv = AGV()
    >>> inst = agv.generate(seed=0, agvs=3)
    >>> out = agv.solve(inst, "cpsat", seed=0, options={"num_workers": 1})
    >>> out.evaluation.feasible, out.evaluation.metrics["conflicts"]["count"]
    (True, 0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hybrid_workbench.errors import InstanceError, OptionsError
from hybrid_workbench.formulation import Formulation, FormulationOptions
from hybrid_workbench.result import Result
from hybrid_workbench.usecase import Evaluation, UseCase
from hybrid_workbench.usecases.agv.candidates import CandidateOptions, candidate_routes
from hybrid_workbench.usecases.agv.formulation import RouteSelection
from hybrid_workbench.usecases.agv.generator import generate_floor
from hybrid_workbench.usecases.agv.instance import AGVInstance, load_instance
from hybrid_workbench.usecases.agv.repair import repair_selection
from hybrid_workbench.usecases.agv.solution import (
    evaluate_solution,
    solution_from_routes,
)

__all__ = ["AGV", "AGVInstance", "AGVOptions"]

CANDIDATE_FIELDS = ("num_paths", "max_detour", "max_delay", "max_candidates", "max_overlap",
                    "planned")


@dataclass(frozen=True)
class AGVOptions(FormulationOptions):
    """Formulation options of ``agv``.

    Candidate generation (unset: the defaults of
    :class:`~hybrid_workbench.usecases.agv.candidates.CandidateOptions`; refused when the
    file gives its own candidates):

    Attributes:
        model_kind: ``cqm`` (for backends that take one) or ``bqm`` (penalty form).
        num_paths: distinct spatial paths per AGV (default 4).
        max_detour: longest detour over the shortest path, in steps (default 6).
        max_delay: latest departure delay, in steps (default 3).
        max_candidates: cap on candidates per AGV (default 16).
        max_overlap: fraction of shared cells above which a path is skipped (default 0.75).
        planned: add each AGV's prioritised-planning route (default true).
        penalty: ``auto`` (the proved bound) or a positive number (BQM only).
        objective: ``total`` arrival time or, CQM only, ``makespan``.
        repair: repair a sample that breaks the one-route-per-AGV rule (default true).
    """

    model_kind: Literal["cqm", "bqm"] | None = None
    num_paths: int | None = None
    max_detour: int | None = None
    max_delay: int | None = None
    max_candidates: int | None = None
    max_overlap: float | None = None
    planned: bool | None = None
    penalty: float | Literal["auto"] = "auto"
    objective: Literal["total", "makespan"] = "total"
    repair: bool = True

    def __post_init__(self) -> None:
        CandidateOptions(**self.candidate_options())  # ranges, one sentence per mistake
        if self.penalty != "auto" and not (math.isfinite(self.penalty) and self.penalty > 0):
            raise OptionsError(f"option 'penalty' must be 'auto' or a finite number > 0, "
                               f"got {self.penalty!r}")
        if self.objective == "makespan" and self.model_kind == "bqm":
            raise OptionsError("option 'objective'='makespan' is not quadratic in route "
                               "choices; use model_kind=cqm (a CQM backend such as cpsat) or "
                               "AGV.baseline(objective='makespan')")

    def candidate_options(self) -> dict[str, Any]:
        """The candidate-generation options that were set."""
        return {k: getattr(self, k) for k in CANDIDATE_FIELDS if getattr(self, k) is not None}


class AGV(UseCase):
    """Conflict-free AGV routing (route selection on backends; free routing as baseline)."""

    name = "agv"
    description = "conflict-free AGV routing on a factory floor; objective = total arrival time"
    sense = "min"
    model_kinds = ("cqm", "bqm")
    FormulationOptions = AGVOptions
    formats = ('JSON: {"grid": {"rows", "cols", "blocked"} or "graph": {"nodes", "edges"}, '
               '"agvs": [{"id", "start", "goal", "release"}], "horizon", optional "candidates"}')

    # -- instances -----------------------------------------------------------------------
    def load(self, source: str | Path, **params: Any) -> AGVInstance:
        if params:
            raise InstanceError(f"agv instance files take no extra parameters, got "
                                f"{sorted(params)}")
        return load_instance(source)

    def generate(self, seed: int = 0, **params: Any) -> AGVInstance:
        """A generated floor (see :func:`hybrid_workbench.usecases.agv.generator.generate_floor`)."""
        if "size" in params:  # the workbench's generic size parameter
            params["agvs"] = params.pop("size")
        return generate_floor(seed=seed, **params)

    # -- the flow ------------------------------------------------------------------------
    def model_kinds_for(self, options: AGVOptions) -> tuple[str, ...]:
        """The makespan objective is not quadratic in route choices: CQM only."""
        return ("cqm",) if options.objective == "makespan" else self.model_kinds

    def check(self, instance: AGVInstance, options: AGVOptions, backend: Any,
              backend_options: Any) -> None:
        """Generation options are refused when the file gives its own candidates."""
        super().check(instance, options, backend, backend_options)
        if instance.candidates is not None and options.candidate_options():
            candidate_routes(instance, **options.candidate_options())

    def _formulate(self, instance: AGVInstance,
                   options: AGVOptions) -> Formulation[RouteSelection]:
        """Route selection as a CQM or a BQM (see :class:`AGVOptions`)."""
        cands = candidate_routes(instance, **options.candidate_options())
        sel = RouteSelection.build(instance, cands, penalty=options.penalty)
        kind = options.model_kind
        model = sel.bqm() if kind == "bqm" else sel.cqm(options.objective)
        info = {**sel.info(), "model_kind": kind, "objective": options.objective,
                "repair": options.repair, "candidates_given": instance.candidates is not None}
        return Formulation(model=model, decoder=sel, info=info)

    @staticmethod
    def selection(formulation: Formulation[Any]) -> RouteSelection:
        """The candidates, costs and conflicts behind a formulation (its decoder)."""
        if not isinstance(formulation.decoder, RouteSelection):
            raise OptionsError("agv: this formulation was not made by AGV.formulate (its "
                               "decoder is not a RouteSelection)")
        return formulation.decoder

    def interpret(self, instance: AGVInstance, formulation: Formulation[RouteSelection],
                  result: Result) -> dict[str, Any]:
        sel = self.selection(formulation)
        if result.sample is None:
            return solution_from_routes(instance, {}, method=f"route selection on "
                                        f"{result.backend}", status=result.status)
        raw = sel.decode(result.sample)
        if formulation.info.get("repair", True):
            choice, report = repair_selection(sel, raw)
        else:
            choice = {a: ks[0] for a, ks in raw.items() if len(ks) == 1}
            report = {"applied": False, "disabled": True,
                      "one_hot_violations": [{"agv": a, "selected": ks}
                                             for a, ks in raw.items() if len(ks) != 1]}
        routes = {a: sel.candidates[a][k] for a, k in choice.items()}
        return solution_from_routes(instance, routes, method=f"route selection on "
                                    f"{result.backend}", choice=choice, repair=report)

    def evaluate(self, instance: AGVInstance, solution: Mapping[str, Any]) -> Evaluation:
        return evaluate_solution(instance, solution)

    # -- classical methods ---------------------------------------------------------------
    def baseline(self, instance: AGVInstance, time_limit: float = 60.0, seed: int = 0,
                 objective: str = "total", num_workers: int | None = None) -> dict[str, Any]:
        """Free routing by CP-SAT: optimal when ``status == 'optimal'``, else best found."""
        from hybrid_workbench.usecases.agv.freerouting import free_routing

        res = free_routing(instance, objective=objective, time_limit=time_limit, seed=seed,
                           num_workers=num_workers)
        return solution_from_routes(instance, res.routes, method="cpsat free routing",
                                    status=res.status, bound=res.bound, source=res.source,
                                    solver_wall_s=res.wall_s,
                                    model_size=res.size)

    def prioritised(self, instance: AGVInstance, restarts: int = 10,
                    seed: int = 0) -> dict[str, Any]:
        """Prioritised planning (space-time A*); AGVs it could not plan keep naive routes."""
        from hybrid_workbench.usecases.agv.planning import prioritised_planning

        plan = prioritised_planning(instance, restarts=restarts, seed=seed)
        return solution_from_routes(instance, plan.routes, method="prioritised planning",
                                    unplanned=plan.unplanned, orders_tried=plan.orders_tried)

    def naive(self, instance: AGVInstance) -> dict[str, Any]:
        """Every AGV on its own shortest path, ignoring the others."""
        from hybrid_workbench.usecases.agv.planning import naive_routes

        return solution_from_routes(instance, naive_routes(instance), method="naive shortest")

    def reference_kind(self, instance: AGVInstance) -> tuple[str, str]:
        return "certified", ("agv: free-routing optimum proved by CP-SAT (any route, not only "
                             "the candidates: a bound no route selection can beat)")

    def reference(self, instance: AGVInstance) -> float | None:
        """The free-routing optimum when CP-SAT proves it within 30 s, else None."""
        sol = self.baseline(instance, time_limit=30.0)
        return self.evaluate(instance, sol).objective if sol["status"] == "optimal" else None
