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

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hybrid_workbench.errors import InstanceError, OptionsError
from hybrid_workbench.result import Result
from hybrid_workbench.usecase import Evaluation, Formulation, UseCase
from hybrid_workbench.usecases.agv.candidates import candidate_routes
from hybrid_workbench.usecases.agv.formulation import RouteSelection
from hybrid_workbench.usecases.agv.generator import generate_floor
from hybrid_workbench.usecases.agv.instance import AGVInstance, load_instance
from hybrid_workbench.usecases.agv.repair import repair_selection
from hybrid_workbench.usecases.agv.solution import evaluate_solution, solution_from_routes

__all__ = ["AGV", "AGVInstance"]

FORMULATION_OPTIONS = ("num_paths", "max_detour", "max_delay", "max_candidates", "max_overlap",
                       "planned", "penalty", "objective", "repair")


class AGV(UseCase):
    """Conflict-free AGV routing (route selection on backends; free routing as baseline)."""

    name = "agv"
    description = "conflict-free AGV routing on a factory floor; objective = total arrival time"
    sense = "min"
    model_kinds = ("cqm", "bqm")
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
    def formulate(self, instance: AGVInstance, model_kind: str = "cqm",
                  **options: Any) -> Formulation:
        """Route selection as a CQM or a BQM.

        Options: candidate generation (``num_paths``, ``max_detour``, ``max_delay``,
        ``max_candidates``, ``max_overlap``, ``planned``; refused when the file gives candidates),
        ``penalty`` (``'auto'``: the proved bound), ``objective`` (``'total'`` or, CQM
        only, ``'makespan'``), ``repair`` (default true).
        """
        unknown = sorted(set(options) - set(FORMULATION_OPTIONS))
        if unknown:
            raise OptionsError(f"agv: unknown formulation option(s) {unknown}; valid: "
                               f"{', '.join(FORMULATION_OPTIONS)}")
        penalty = options.pop("penalty", "auto")
        objective = options.pop("objective", "total")
        repair = bool(options.pop("repair", True))
        if model_kind not in self.model_kinds:
            raise OptionsError(f"agv: model_kind must be one of {self.model_kinds}")
        if objective == "makespan" and model_kind == "bqm":
            raise OptionsError("agv: the makespan objective is not quadratic in route choices; "
                               "use a CQM backend (cpsat) or AGV.baseline(objective='makespan')")
        cands = candidate_routes(instance, **options)
        sel = RouteSelection.build(instance, cands, penalty=penalty)
        model = sel.bqm() if model_kind == "bqm" else sel.cqm(objective)
        info = {**sel.info(), "model_kind": model_kind, "objective": objective,
                "repair": repair, "candidates_given": instance.candidates is not None}
        return Formulation(model=model, decode=sel.decode, info=info)

    @staticmethod
    def selection(formulation: Formulation) -> RouteSelection:
        """The candidates, costs and conflicts behind a formulation (its decoder's owner)."""
        owner = getattr(formulation.decode, "__self__", None)
        if not isinstance(owner, RouteSelection):
            raise OptionsError("agv: this formulation was not made by AGV.formulate")
        return owner

    def interpret(self, instance: AGVInstance, formulation: Formulation,
                  result: Result) -> dict[str, Any]:
        sel = self.selection(formulation)
        if result.sample is None:
            return solution_from_routes(instance, {}, method=f"route selection on "
                                        f"{result.backend}", status=result.status)
        raw = formulation.decode(result.sample)
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

    def reference(self, instance: AGVInstance) -> float | None:
        """The free-routing optimum when CP-SAT proves it within 30 s, else None."""
        sol = self.baseline(instance, time_limit=30.0)
        return self.evaluate(instance, sol).objective if sol["status"] == "optimal" else None
