"""MaxCut: split a weighted graph's nodes in two so the weight of crossing edges is largest.

The classic benchmark of Ising machines (G-set, K2000). The formulation is the Ising model
whose energy is minus the cut::

    E(s) = sum_{(i,j)} (w_ij / 2) s_i s_j - W / 2  =  -cut(s),   W = sum of weights

so every backend's energy reads directly as a (negated) cut.

Examples:
    >>> from hybrid_workbench.usecases.maxcut import MaxCut
    >>> mc = MaxCut()
    >>> g = mc.generate(seed=0, size=10, kind="regular", degree=3)
    >>> out = mc.solve(g, "exact", seed=0)
    >>> out.evaluation.objective == -out.result.energy
    True
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hybrid_workbench.errors import InstanceError
from hybrid_workbench.result import Result
from hybrid_workbench.usecase import Evaluation, Formulation, FormulationOptions, UseCase
from hybrid_workbench.usecases.maxcut.io import MaxCutInstance, generate_graph, load_graph

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["MaxCut", "MaxCutInstance", "SideDecoder", "maxcut_bqm"]


def maxcut_bqm(instance: MaxCutInstance) -> dimod.BinaryQuadraticModel:
    """The SPIN BQM with energy ``-cut`` (variables labelled by node)."""
    import dimod

    n = instance.num_nodes
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
        np.zeros(n), (instance.u, instance.v, instance.w / 2.0), -instance.total_weight / 2.0,
        dimod.SPIN)
    if instance.nodes != tuple(range(n)):
        bqm.relabel_variables(dict(enumerate(instance.nodes)), inplace=True)
    return bqm


@dataclass(frozen=True)
class SideDecoder:
    """Spins to sides: ``decode(sample)[i]`` is 1 when node ``nodes[i]`` has spin +1."""

    nodes: tuple[Any, ...]

    def decode(self, sample: Mapping[Hashable, Any]) -> np.ndarray:
        return np.array([1 if sample[v] > 0 else 0 for v in self.nodes], dtype=np.int8)


class MaxCut(UseCase):
    """Weighted MaxCut on G-set/rudy or edge-list JSON graphs."""

    name = "maxcut"
    description = "weighted MaxCut (G-set, rudy, edge-list JSON); energy = -cut"
    sense = "max"
    model_kinds = ("bqm",)
    formats = "rudy/G-set text ('n m' then 'i j w', 1-based), edge-list JSON, or a G-set name"

    def load(self, source: str | Path, **params: Any) -> MaxCutInstance:
        if params:
            raise InstanceError(f"maxcut files take no extra parameters, got {sorted(params)}")
        return load_graph(source)

    def generate(self, seed: int = 0, **params: Any) -> MaxCutInstance:
        return generate_graph(seed=seed, **params)

    def _formulate(self, instance: MaxCutInstance,
                   options: FormulationOptions) -> Formulation[SideDecoder]:
        return Formulation(model=maxcut_bqm(instance), decoder=SideDecoder(instance.nodes),
                           info={"encoding": "Ising, s_i = +1 on side 1; energy = -cut"})

    def interpret(self, instance: MaxCutInstance, formulation: Formulation[SideDecoder],
                  result: Result) -> dict[str, Any]:
        side = formulation.decode(result.sample or {})
        return self.partition(instance, side)

    @staticmethod
    def partition(instance: MaxCutInstance, side: np.ndarray) -> dict[str, Any]:
        nodes = instance.nodes
        return {"side": [[nodes[i] for i in np.flatnonzero(side == 0)],
                         [nodes[i] for i in np.flatnonzero(side == 1)]]}

    def evaluate(self, instance: MaxCutInstance, solution: Mapping[str, Any]) -> Evaluation:
        index = {n: i for i, n in enumerate(instance.nodes)}
        side = np.full(instance.num_nodes, -1, dtype=np.int8)
        for part, members in enumerate(solution["side"]):
            for node in members:
                node = tuple(node) if isinstance(node, list) else node
                side[index[node]] = part
        feasible = bool(np.all(side >= 0))
        cut = instance.cut_value(side) if feasible else None
        metrics: dict[str, Any] = {"cut": cut, "num_nodes": instance.num_nodes,
                                   "num_edges": instance.num_edges}
        if instance.best_known is not None and cut is not None:
            metrics["best_known"] = instance.best_known
            metrics["ratio_to_best_known"] = cut / instance.best_known
        return Evaluation(feasible=feasible, objective=cut, metrics=metrics)

    def size_hint(self, instance: MaxCutInstance, model_kind: str) -> int:
        return instance.num_nodes

    def reference(self, instance: MaxCutInstance) -> float | None:
        return instance.best_known

    def reference_kind(self, instance: MaxCutInstance) -> tuple[str, str]:
        return "published", (f"best-known cut of {instance.name} "
                              "(hybrid_workbench/datasets/gset/best_known.csv, with its source)")

    def baseline(self, instance: MaxCutInstance, time_limit: float = 10.0,
                 seed: int = 0) -> dict[str, Any]:
        """Certified optimum where CP-SAT proves it in ``time_limit``; best of CP-SAT and
        long simulated annealing otherwise. The method used is in ``solution['method']``."""
        from hybrid_workbench.registry import get_backend

        formulation = self.formulate(instance)
        best = get_backend("cpsat").solve(formulation.model, seed=seed, time_limit=time_limit)
        method = "cpsat (proved optimal)" if best.proved_optimal else "cpsat (time limit)"
        if not best.proved_optimal:
            sa = get_backend("dwave-sa").solve(formulation.model, seed=seed,
                                               options={"num_reads": 32, "num_sweeps": 4000})
            if sa.energy is not None and (best.energy is None or sa.energy < best.energy):
                best, method = sa, "dwave-sa (32 reads x 4000 sweeps)"
        solution = self.interpret(instance, formulation, best)
        return {**solution, "method": method}
