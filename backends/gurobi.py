"""``gurobi``: Gurobi's MIP solver on BQMs (nonconvex binary MIQP) and CQMs.

The baseline people who benchmark annealers reach for first. A BQM becomes
``min x'Qx + c'x + offset`` over binaries (spins are mapped to binaries and back), built
with Gurobi's matrix API so a dense 2000-variable QUBO loads in well under a second; a CQM
keeps its variable types, bounds and constraints (linear and quadratic).

Status is honest: ``optimal`` only when Gurobi proves it (default ``mip_gap=0``, so the
proof is a closed gap, up to Gurobi's tolerances); ``best_found`` with the bound and the gap
when the time limit stops it first; ``infeasible`` when Gurobi proves there is no feasible
point; ``no_solution`` when the limit came before any feasible point.

Licence: the pip wheel ships a size-limited licence (at most 2000 variables and 2000 linear
constraints, and at most 200 variables once the model has a quadratic term, so a QUBO of
more than 200 variables needs a full licence); a full licence is found the usual way (a ``gurobi.lic`` file, the
``GRB_LICENSE_FILE`` environment variable, or a WLS licence). Models beyond the licence in
force are refused before work, with the reason; ``hybrid backends gurobi`` shows the limit.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({"a": 1.0}, {("a", "b"): -2.0}, 0.0, "BINARY")
    >>> r = GurobiBackend().solve(bqm, seed=1)                     # doctest: +SKIP
    >>> r.energy, r.status                                          # doctest: +SKIP
    (-1.0, 'optimal')
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hybrid_workbench.backend import Backend
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import OptionsError, ProblemTooLargeError, SolverError
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved, Status

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["GurobiBackend", "GurobiOptions", "licence_limits"]

#: The pip wheel's size-limited licence: variables, linear constraints, and variables of a
#: model with quadratic terms (measured against gurobipy 13's pip licence).
RESTRICTED_VARIABLES = 2000
RESTRICTED_CONSTRAINTS = 2000
RESTRICTED_QUADRATIC_VARIABLES = 200


@dataclass(frozen=True)
class GurobiOptions(BackendOptions):
    """Options of ``gurobi``.

    Attributes:
        time_limit: seconds for the whole solve, model building included; None runs to a proof.
        threads: solver threads (0: Gurobi decides).
        mip_gap: relative gap at which Gurobi stops and calls the answer optimal (0: a proof).
        presolve: Gurobi's presolve level (-1 automatic, 0 off, 1 conservative, 2 aggressive).
    """

    time_limit: float | None = None
    threads: int = 0
    mip_gap: float = 0.0
    presolve: int = -1

    def __post_init__(self) -> None:
        if self.threads < 0:
            raise OptionsError(f"threads must be >= 0, got {self.threads}")
        if not 0.0 <= self.mip_gap < 1.0:
            raise OptionsError(f"mip_gap must be in [0, 1), got {self.mip_gap}")
        if self.presolve not in (-1, 0, 1, 2):
            raise OptionsError(f"presolve must be -1, 0, 1 or 2, got {self.presolve}")


@functools.cache
def licence_limits() -> tuple[int, int, int] | None:
    """``(variables, constraints, variables with quadratic terms)`` of a size-limited
    licence, or None for a full one.

    Probed once per process with an empty model one variable over the restricted size
    (Gurobi refuses it at once when the licence is the size-limited one).
    """
    import gurobipy as gp

    with gp.Env(params={"OutputFlag": 0}) as env, gp.Model(env=env) as m:
        m.addMVar(RESTRICTED_VARIABLES + 1, vtype=gp.GRB.BINARY)
        m.Params.TimeLimit = 0.0
        try:
            m.optimize()
        except gp.GurobiError as exc:
            if exc.errno == gp.GRB.Error.SIZE_LIMIT_EXCEEDED:
                return (RESTRICTED_VARIABLES, RESTRICTED_CONSTRAINTS,
                        RESTRICTED_QUADRATIC_VARIABLES)
            raise
    return None


class GurobiBackend(Backend[GurobiOptions]):
    """Gurobi on BQMs (binary MIQP) and CQMs."""

    name = "gurobi"
    model_kinds = ("bqm", "cqm")
    Options = GurobiOptions
    requires = ("gurobipy",)
    extra = "gurobi"
    package = "gurobipy"
    exact = True
    anytime = True
    description = "Gurobi MIP solver: proof of optimality or best found with bound and gap"

    def notes(self) -> str:
        if self.available() is not True:
            return ""
        limits = licence_limits()
        if limits is None:
            return "full licence"
        return (f"size-limited licence: at most {limits[2]} variables with quadratic terms, "
                f"{limits[0]} variables and {limits[1]} constraints otherwise")

    def max_variables(self, options: GurobiOptions) -> int | None:
        if self.available() is not True:
            return None
        limits = licence_limits()
        return None if limits is None else limits[2]  # models here are quadratic

    def too_large_message(self, n: int, limit: int, options: GurobiOptions) -> str:
        return (f"backend 'gurobi' runs under Gurobi's size-limited licence here (at most "
                f"{limit} variables in a model with quadratic terms); this model has {n}. A "
                f"full licence (gurobi.lic or GRB_LICENSE_FILE) lifts the limit")

    def _check(self, model: Any, options: GurobiOptions) -> None:
        super()._check(model, options)  # kind, and the licence's variable limit
        limits = licence_limits() if self.available() is True else None
        if limits is not None and hasattr(model, "constraints") and \
                len(model.constraints) > limits[1]:
            raise ProblemTooLargeError(
                f"backend 'gurobi' runs under Gurobi's size-limited licence here (at most "
                f"{limits[1]} constraints); this model has {len(model.constraints)}")

    def _setup(self, options: GurobiOptions) -> None:
        licence_limits()  # imports gurobipy and checks the licence once, before the clock

    def _solve(self, model: Any, options: GurobiOptions, deadline: Deadline,
               seed: int) -> Solved:
        import dimod
        import gurobipy as gp

        if len(model.variables) == 0:  # nothing to decide: the offset is the answer
            empty = (dimod.SampleSet.from_samples_cqm([{}], model) if hasattr(model, "constraints")
                     else dimod.SampleSet.from_samples_bqm(([[]], []), model))
            return Solved(empty, status=Status.OPTIMAL, solver_s=0.0)
        with gp.Env(params={"OutputFlag": 0}) as env, gp.Model(env=env) as m:
            if hasattr(model, "constraints"):
                labels, x = _build_cqm(m, model)
                kind = "cqm"
            else:
                labels, x = _build_bqm(m, model)
                kind = "bqm"
            m.Params.Seed = seed % 2_000_000_000
            m.Params.Threads = options.threads
            m.Params.MIPGap = options.mip_gap
            m.Params.Presolve = options.presolve
            if deadline.limited:  # model building came out of the same budget
                m.Params.TimeLimit = max(0.0, deadline.remaining() - 0.05)
            m.optimize()
            status, count = m.Status, m.SolCount
            info: dict[str, Any] = {"gurobi_status": int(status), "solution_count": int(count),
                                    "licence": "size-limited" if licence_limits() else "full",
                                    "runtime_s": float(m.Runtime), "nodes": float(m.NodeCount)}
            if status == gp.GRB.INFEASIBLE:
                return Solved(status=Status.INFEASIBLE, solver_s=m.Runtime, info=info,
                              model_kind=kind)
            if count == 0:
                if status in (gp.GRB.INF_OR_UNBD, gp.GRB.UNBOUNDED):
                    raise SolverError("gurobi: the model is unbounded or infeasible")
                return Solved(status=Status.NO_SOLUTION, solver_s=m.Runtime, model_kind=kind,
                              info={**info, "reason": "no feasible point within the time limit"})
            values = np.rint(x.X).astype(int).tolist()
            info["bound"] = _attr(m, "ObjBound")
            info["gap"] = _attr(m, "MIPGap")  # absent for a model with nothing to branch on
            proved = status == gp.GRB.OPTIMAL and options.mip_gap == 0.0
            result_status = Status.OPTIMAL if proved else (
                Status.TIME_LIMIT if status == gp.GRB.TIME_LIMIT else Status.BEST_FOUND)
        sample = dict(zip(labels, values))
        if kind == "cqm":
            for v in model.variables:
                if model.vartype(v) is dimod.SPIN:
                    sample[v] = 2 * sample[v] - 1
            ss = dimod.SampleSet.from_samples_cqm(sample, model)
        else:
            if model.vartype is dimod.SPIN:
                sample = {v: 2 * b - 1 for v, b in sample.items()}
            ss = dimod.SampleSet.from_samples_bqm(sample, model)
        return Solved(ss, status=result_status, solver_s=info["runtime_s"], info=info,
                      model_kind=kind)


def _attr(m: Any, name: str) -> float | None:
    try:
        value = float(getattr(m, name))
    except (AttributeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _build_bqm(m: Any, bqm: dimod.BinaryQuadraticModel) -> tuple[list[Any], Any]:
    """``min x'Qx + c'x + offset`` over binaries, with the matrix API (no Python loop)."""
    import dimod
    import gurobipy as gp
    import scipy.sparse as sp

    binary = bqm.change_vartype(dimod.BINARY, inplace=False) if bqm.vartype is dimod.SPIN \
        else bqm
    labels = list(binary.variables)
    n = len(labels)
    lin, (row, col, qval), offset = binary.to_numpy_vectors(variable_order=labels)
    x = m.addMVar(n, vtype=gp.GRB.BINARY, name="x")
    q = sp.coo_matrix((qval, (row, col)), shape=(n, n)).tocsr()
    m.setMObjective(q, np.asarray(lin, dtype=float), float(offset), xQ_L=x, xQ_R=x, xc=x,
                    sense=gp.GRB.MINIMIZE)
    return labels, x


def _build_cqm(m: Any, cqm: dimod.ConstrainedQuadraticModel) -> tuple[list[Any], Any]:
    """Variables with their types and bounds, the objective, every constraint."""
    import dimod
    import gurobipy as gp

    labels = list(cqm.variables)
    index = {v: i for i, v in enumerate(labels)}
    vtype, lb, ub = [], [], []
    for v in labels:
        t = cqm.vartype(v)
        if t in (dimod.BINARY, dimod.SPIN):
            vtype.append(gp.GRB.BINARY), lb.append(0.0), ub.append(1.0)
        else:
            vtype.append(gp.GRB.INTEGER if t is dimod.INTEGER else gp.GRB.CONTINUOUS)
            lb.append(float(cqm.lower_bound(v)))
            ub.append(float(cqm.upper_bound(v)))
    x = m.addMVar(len(labels), vtype=vtype, lb=lb, ub=ub, name="x")
    xs = x.tolist()
    spin = {v for v in labels if cqm.vartype(v) is dimod.SPIN}

    def term(v: Any) -> Any:  # a spin s is 2b - 1 over its binary b
        xi = xs[index[v]]
        return 2 * xi - 1 if v in spin else xi

    def expression(qm: Any) -> Any:
        expr = gp.QuadExpr(float(qm.offset))
        for v, bias in qm.iter_linear():
            expr += float(bias) * term(v)
        for u, v, bias in qm.iter_quadratic():
            expr += float(bias) * term(u) * term(v)
        return expr

    m.setObjective(expression(cqm.objective), gp.GRB.MINIMIZE)
    for name, comp in cqm.constraints.items():
        lhs, rhs = expression(comp.lhs), float(comp.rhs)
        sense = comp.sense.value if hasattr(comp.sense, "value") else str(comp.sense)
        constraint = lhs <= rhs if sense == "<=" else lhs >= rhs if sense == ">=" else lhs == rhs
        m.addConstr(constraint, name=str(name)[:255])
    return labels, x
