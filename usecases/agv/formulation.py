r"""Route selection as a QUBO (annealing-style backends) and as a CQM (``cpsat``).

Each AGV ``a`` picks one of its candidate routes ``k``; ``x[a, k] = 1`` when it does. The
cost of a candidate is its arrival time ``c[a, k]``; write ``m[a] = min_k c[a, k]`` and
``c'[a, k] = c[a, k] - m[a] >= 0`` (the candidate's delay over the AGV's best one). Two
candidates of different AGVs *conflict* when their timed routes share a node at a time step
or swap along an edge (:mod:`hybrid_workbench.usecases.agv.conflicts`). This is the QUBO of Ohzeki et al.
(Frontiers in Computer Science, 2019): one-hot per AGV, pairwise conflict penalties, route
cost.

**CQM** (exact constrained form)::

    minimise   sum_{a,k} c[a,k] x[a,k]
    subject to sum_k x[a,k] == 1                (every AGV)
               x[a,k] + x[b,l] <= 1             (every conflicting candidate pair)

With ``objective="makespan"`` an integer ``makespan >= sum_k c[a,k] x[a,k]`` per AGV is added
and the objective becomes ``W * makespan + total`` with ``W = sum_a max_k c[a,k] + 1``
(makespan first, total arrival time as the tie-breaker).

**BQM** (penalty form), per connected component ``C`` of the AGV conflict graph (AGVs
joined when any of their candidates conflict)::

    E(x) = sum_a m[a] + sum_{a,k} c'[a,k] x[a,k]
           + sum_C P_C [ sum_{a in C} (1 - sum_k x[a,k])^2 + sum_{conflicts in C} x[a,k] x[b,l] ]

so a feasible assignment's energy *is* its total arrival time. The automatic penalty is
``P_C = U_C + 1`` (arrival times are integers), where ``U_C`` is the delay
``sum_{a in C} c'[a, k_a]`` of a feasible selection of the component found greedily
(cheapest non-conflicting candidate, AGV after AGV, over a few orders), or, when the greedy
finds none, the worst-case ``U_C = D_C = sum_{a in C} max_k c'[a,k]``.

*Claim*: if a feasible assignment (one route per AGV, no conflict) exists, every assignment
of least energy is feasible and optimal for the total arrival time.

*Proof*: ``E`` splits into a sum over components, ``E = sum_a m[a] + sum_C E_C``, where
``E_C`` holds the terms of the AGVs in ``C`` (no term couples two components). Let ``x*``
be a feasible optimum; its restriction to ``C`` is feasible there, so
``E_C(x*) = sum_{a in C} c'[a, k_a] <= D_C``. Take any assignment ``x`` infeasible in ``C``.
Its cost terms are ``>= 0`` (all ``c' >= 0``; an AGV with no route contributes 0, which is
why the ``m[a]`` are kept in the offset rather than in the linear terms), and it either
violates a one-hot constraint, adding ``P_C (1 - n)^2 >= P_C`` for the integer ``n != 1``,
or it selects two conflicting routes, adding ``>= P_C``. So
``E_C(x) >= P_C = U_C + 1 > E_C(x*)``. On a component where ``x`` is feasible,
``E_C(x) >= E_C(x*)`` because ``x*`` restricted to ``C`` is an optimum of that component
(components are independent). Summing, ``E(x) > E(x*)`` for every ``x`` infeasible
anywhere: the ground states are feasible, and among feasible assignments ``E`` equals the
total arrival time. If *no* feasible assignment exists the ground state is infeasible, and
the interpretation reports it (``feasible`` is false). Per-component penalties keep ``P``
as small as the proof allows, which matters to annealers, whose resolution is relative to
the largest bias. A user-set ``penalty`` below the bound is accepted but reported in
``info['penalty_guaranteed']``.

Examples:
    >>> from hybrid_workbench.usecases.agv.instance import AGVInstance
    >>> inst = AGVInstance.from_dict({"grid": {"rows": 1, "cols": 3},
    ...     "agvs": [{"id": "a", "start": [0, 0], "goal": [0, 2]},
    ...              {"id": "b", "start": [0, 2], "goal": [0, 1]}], "horizon": 4})
    >>> sel = RouteSelection.build(inst, {"a": ((0, 1, 2), (0, 0, 1, 2)), "b": ((2, 1), (2, 2, 1))})
    >>> bqm = sel.bqm()
    >>> sel.penalties, bqm.num_variables
    ([2], 4)
    >>> float(bqm.energy({("a", 0): 0, ("a", 1): 1, ("b", 0): 1, ("b", 1): 0}))  # 3 + 1
    4.0
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import dimod

from hybrid_workbench.errors import OptionsError
from hybrid_workbench.usecases.agv.conflicts import conflicting_pairs
from hybrid_workbench.usecases.agv.instance import AGVInstance, Route

__all__ = ["RouteSelection"]

Var = tuple[str, int]


@dataclass
class RouteSelection:
    """Candidates, their costs and conflicts: the data both models are built from."""

    instance: AGVInstance
    candidates: dict[str, tuple[Route, ...]]
    cost: dict[Var, int]
    conflicts: list[tuple[Var, Var]]
    components: list[list[str]]
    penalties: list[float] = field(default_factory=list)
    bounds: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, inst: AGVInstance, candidates: Mapping[str, tuple[Route, ...]],
              penalty: float | str = "auto") -> RouteSelection:
        """Compute costs, candidate conflicts, conflict components and their penalties."""
        import networkx as nx

        cands = {v.id: tuple(candidates[v.id]) for v in inst.vehicles}
        cost = {(a, k): inst.vehicle[a].release + len(r) - 1
                for a, routes in cands.items() for k, r in enumerate(routes)}
        pairs = conflicting_pairs(((a, k), a, inst.vehicle[a].release, r)
                                  for a, routes in cands.items() for k, r in enumerate(routes))
        conflicts = sorted(pairs, key=lambda p: (str(p[0]), str(p[1])))
        g = nx.Graph()
        g.add_nodes_from(cands)
        g.add_edges_from((p[0][0], p[1][0]) for p in conflicts)
        order = {v.id: i for i, v in enumerate(inst.vehicles)}
        components = sorted((sorted(c, key=order.__getitem__) for c in nx.connected_components(g)),
                            key=lambda c: order[c[0]])
        sel = cls(inst, cands, cost, conflicts, components)
        sel.bounds = [sel.greedy_delay(comp) + 1 for comp in components]
        if penalty == "auto":
            sel.penalties = list(sel.bounds)
        else:
            try:
                value = float(penalty)
            except (TypeError, ValueError):
                raise OptionsError(f"agv: penalty must be 'auto' or a positive number, got "
                                   f"{penalty!r}") from None
            if value <= 0:
                raise OptionsError(f"agv: penalty must be positive, got {value}")
            sel.penalties = [value] * len(components)
        return sel

    def greedy_delay(self, component: list[str]) -> int:
        """``U_C``: least delay of a greedy feasible selection of ``component``, else ``D_C``."""
        nbrs: dict[Var, set[Var]] = {}
        for u, v in self.conflicts:
            nbrs.setdefault(u, set()).add(v)
            nbrs.setdefault(v, set()).add(u)
        worst = sum(self.spread(a) for a in component)
        orders = [component, sorted(component, key=lambda a: len(self.candidates[a])),
                  sorted(component, key=lambda a: -self.spread(a)), component[::-1]]
        best = worst
        for order in orders:
            picks: dict[str, int] = {}
            for a in order:
                ok = [k for k in range(len(self.candidates[a]))
                      if not any(picks.get(b) == l for b, l in nbrs.get((a, k), ()))]
                if not ok:
                    break
                picks[a] = min(ok, key=lambda k: self.cost[(a, k)])
            else:
                best = min(best, sum(self.cost[(a, k)] - self.min_cost(a) for a, k in picks.items()))
        return best

    def spread(self, agv: str) -> int:
        costs = [self.cost[(agv, k)] for k in range(len(self.candidates[agv]))]
        return max(costs) - min(costs)

    def min_cost(self, agv: str) -> int:
        return min(self.cost[(agv, k)] for k in range(len(self.candidates[agv])))

    @property
    def num_variables(self) -> int:
        return len(self.cost)

    def penalty_of(self) -> dict[str, float]:
        return {a: p for comp, p in zip(self.components, self.penalties) for a in comp}

    def bqm(self) -> dimod.BinaryQuadraticModel:
        """The penalty QUBO (see the module docstring for the bound and its proof)."""
        bqm = dimod.BinaryQuadraticModel(dimod.BINARY)
        pen = self.penalty_of()
        for a, routes in self.candidates.items():
            m = self.min_cost(a)
            bqm.offset += m
            for k in range(len(routes)):
                bqm.add_variable((a, k), self.cost[(a, k)] - m)
            bqm.add_linear_equality_constraint([((a, k), 1.0) for k in range(len(routes))],
                                               lagrange_multiplier=pen[a], constant=-1.0)
        for u, v in self.conflicts:
            bqm.add_interaction(u, v, pen[u[0]])
        return bqm

    def cqm(self, objective: str = "total") -> dimod.ConstrainedQuadraticModel:
        """The constrained model: one-hot equalities and pairwise conflict exclusions."""
        cqm = dimod.ConstrainedQuadraticModel()
        total = dimod.BinaryQuadraticModel(dimod.BINARY)
        for var, c in self.cost.items():
            total.add_variable(var, c)
        if objective == "total":
            cqm.set_objective(total)
        elif objective == "makespan":
            span = dimod.Integer("makespan", lower_bound=0, upper_bound=self.instance.horizon)
            weight = sum(max(self.cost[(a, k)] for k in range(len(r)))
                         for a, r in self.candidates.items()) + 1
            cqm.set_objective(weight * span + total)
            for a, routes in self.candidates.items():
                cqm.add_constraint_from_iterable(
                    [("makespan", 1)] + [((a, k), -self.cost[(a, k)]) for k in range(len(routes))],
                    ">=", 0, label=f"makespan[{a}]")
        else:
            raise OptionsError(f"agv: objective must be 'total' or 'makespan', got {objective!r}")
        for a, routes in self.candidates.items():
            cqm.add_constraint_from_iterable([((a, k), 1) for k in range(len(routes))], "==", 1,
                                             label=f"one-route[{a}]")
        for n, (u, v) in enumerate(self.conflicts):
            cqm.add_constraint_from_iterable([(u, 1), (v, 1)], "<=", 1, label=f"conflict[{n}]")
        return cqm

    def decode(self, sample: Mapping[Hashable, Any]) -> dict[str, list[int]]:
        """Indices of the candidates each AGV selected (empty or several: infeasible)."""
        return {a: [k for k in range(len(routes)) if round(float(sample.get((a, k), 0))) == 1]
                for a, routes in self.candidates.items()}

    def info(self) -> dict[str, Any]:
        guaranteed = all(p >= b for p, b in zip(self.penalties, self.bounds))
        return {"form": "route selection", "num_candidates": self.num_variables,
                "candidates_per_agv": {a: len(r) for a, r in self.candidates.items()},
                "candidate_conflicts": len(self.conflicts),
                "components": len(self.components),
                "largest_component": max((len(c) for c in self.components), default=0),
                "penalties": self.penalties, "penalty_bounds": self.bounds,
                "penalty_guaranteed": guaranteed}
