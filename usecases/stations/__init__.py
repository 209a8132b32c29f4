"""Charging-station placement on an AGV floor: maximum independent set on unit-disk graphs.

Stations (chargers, or sensors) go on candidate sites of the floor; two stations closer
than a keep-out radius interfere (AGVs queueing at one block the other, radio cells
overlap). Place as many as possible: a maximum independent set of the unit-disk conflict
graph, the problem Rydberg-atom arrays solve natively (Pichler et al. 2018; Ebadi et al.,
Science 2022).

Formulations (``model_kind``):

* ``bqm`` (default): the MIS QUBO ``-sum x_i + 2 sum_(ij conflict) x_i x_j`` over the site
  ids; its energy is minus the number of stations for every conflict-free placement.
* ``unit-disk``: the :class:`~hybrid_workbench.usecases.stations.geometry.UnitDiskGraph`
  itself (site positions and radius), for geometric backends (``neutral-atom``); it
  converts to the same QUBO, so ``exact`` and ``cpsat`` certify what it returns.

The solution is the list of chosen site ids; :meth:`Stations.evaluate` checks every pair
against the radius (feasibility first), then counts stations against the certified
optimum (CP-SAT with a proof, :meth:`Stations.reference`).

Examples:
    >>> uc = Stations()
    >>> inst = uc.generate(seed=1, atoms=8)
    >>> out = uc.solve(inst, "exact", seed=0)
    >>> out.evaluation.feasible, out.evaluation.objective == -out.result.energy
    (True, True)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hybrid_workbench.errors import InstanceError
from hybrid_workbench.result import Result
from hybrid_workbench.usecase import (
    Evaluation,
    Formulation,
    FormulationOptions,
    UseCase,
)
from hybrid_workbench.usecases.stations.geometry import MODEL_KIND, UnitDiskGraph
from hybrid_workbench.usecases.stations.instance import (
    StationsInstance,
    generate_instance,
    load_instance,
)

__all__ = ["SelectionDecoder", "Stations", "StationsInstance", "UnitDiskGraph"]

#: Instances up to this many sites get the certified optimum in their metrics.
REFERENCE_MAX_SITES = 400


@dataclass(frozen=True)
class SelectionDecoder:
    """Sample to the chosen site ids (value 1), in site order."""

    ids: tuple[Hashable, ...]

    def decode(self, sample: Mapping[Hashable, Any]) -> list[Hashable]:
        return [i for i in self.ids if int(sample[i]) == 1]


class Stations(UseCase):
    """Station placement with a keep-out radius (MIS on a unit-disk graph)."""

    name = "stations"
    description = ("charging stations on an AGV floor, none within a radius of another "
                   "(maximum independent set on a unit-disk graph)")
    sense = "max"
    model_kinds = ("bqm", MODEL_KIND)
    default_model_kind = "bqm"
    formats = ('JSON {"radius_m": r, "sites": [{"id", "x", "y"}, ...]} (metres); '
               "generate:atoms=10,seed=1[,filling=0.5,spacing_m=2,radius_cells=1.5]")
    FormulationOptions = FormulationOptions

    def load(self, source: str | Path, **params: Any) -> StationsInstance:
        if params:
            raise InstanceError(f"stations files take no extra parameters, got {sorted(params)}")
        return load_instance(source)

    def generate(self, seed: int = 0, atoms: int = 10, filling: float = 0.5,
                 spacing_m: float = 2.0, radius_cells: float = 1.5) -> StationsInstance:
        return generate_instance(seed=seed, atoms=atoms, filling=filling, spacing_m=spacing_m,
                                 radius_cells=radius_cells)

    def size_hint(self, instance: StationsInstance, model_kind: str) -> int:
        return len(instance.sites)

    def _formulate(self, instance: StationsInstance,
                   options: FormulationOptions) -> Formulation[SelectionDecoder]:
        graph = instance.graph()
        decoder = SelectionDecoder(graph.labels)
        info = {"sites": graph.num_nodes, "conflicts": len(graph.edges),
                "radius_m": instance.radius_m}
        if options.model_kind == MODEL_KIND:
            return Formulation(model=graph, decoder=decoder,
                               info={**info, "encoding": "unit-disk graph (positions in m)"})
        return Formulation(model=graph.to_bqm(), decoder=decoder,
                           info={**info, "encoding": "MIS QUBO: -sum x + 2 sum_conflicts x x",
                                 "penalty": graph.penalty})

    def interpret(self, instance: StationsInstance, formulation: Formulation[SelectionDecoder],
                  result: Result) -> dict[str, Any]:
        chosen = formulation.decode(result.sample) if result.sample is not None else []
        return {"stations": list(chosen), "count": len(chosen)}

    def evaluate(self, instance: StationsInstance, solution: Mapping[str, Any]) -> Evaluation:
        """Feasible when every id is a site, none repeats and no two are within the radius;
        the objective is the number of stations."""
        index = {i: k for k, i in enumerate(instance.ids)}
        chosen: Sequence[Any] = solution.get("stations", []) if solution else []
        unknown = [s for s in chosen if s not in index]
        picked = [index[s] for s in chosen if s in index]
        limit = instance.radius_m * (1 + 1e-9)
        conflicts = sum(
            1 for a in range(len(picked)) for b in range(a + 1, len(picked))
            if math.dist(instance.sites[picked[a]], instance.sites[picked[b]]) <= limit)
        feasible = not unknown and len(set(picked)) == len(picked) and conflicts == 0
        count = len(picked)
        metrics: dict[str, Any] = {"stations": count, "conflicts": conflicts,
                                   "unknown_sites": len(unknown), "sites": len(instance.sites)}
        optimum = self.reference(instance)
        if optimum is not None:
            metrics["optimum"] = int(optimum)
            metrics["ratio_to_optimum"] = count / optimum if feasible and optimum else None
            metrics["is_optimal"] = bool(feasible and count == optimum)
        return Evaluation(feasible=feasible, objective=float(count) if feasible else None,
                          metrics=metrics)

    def reference(self, instance: StationsInstance) -> float | None:
        """The maximum number of stations, proved by CP-SAT (None past
        ``REFERENCE_MAX_SITES`` sites or when no proof comes within 30 s)."""
        if len(instance.sites) > REFERENCE_MAX_SITES:
            return None
        return _certified_optimum(instance)

    def reference_kind(self, instance: StationsInstance) -> tuple[str, str]:
        return "certified", "stations: CP-SAT proves the maximum independent set"

    def baseline(self, instance: StationsInstance, time_limit: float = 30.0,
                 seed: int = 0) -> dict[str, Any]:
        """CP-SAT on the MIS QUBO (the method and whether it was proved optimal are in
        ``solution['method']``)."""
        from hybrid_workbench.registry import get_backend

        formulation = self.formulate(instance, model_kind="bqm")
        result = get_backend("cpsat").solve(formulation.model, seed=seed, time_limit=time_limit)
        method = "cpsat (proved optimal)" if result.proved_optimal else "cpsat (time limit)"
        return {**self.interpret(instance, formulation, result), "method": method}


@functools.lru_cache(maxsize=64)
def _certified_optimum(instance: StationsInstance) -> float | None:
    from hybrid_workbench.registry import get_backend

    result = get_backend("cpsat").solve(instance.graph().to_bqm(), seed=0, time_limit=30.0)
    return -float(result.energy) if result.proved_optimal and result.energy is not None else None
