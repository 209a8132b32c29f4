"""``cpsat``: Google OR-Tools CP-SAT on BQMs and CQMs, with a proof of optimality.

The exact classical baseline. A BQM is converted to binary variables; each product
``x_i x_j`` becomes a Boolean ``y_ij`` tied to it by clauses on the side the objective
pushes against (``y => x_i, y => x_j`` when the coefficient is negative,
``x_i & x_j => y`` when positive), which is exact at any optimum. A CQM keeps its binary
and integer variables; products become exact AND/multiplication constraints.

CP-SAT needs integer coefficients. The model is scaled by the smallest power of ten
(up to 10^9) that makes every coefficient an integer; when none does, coefficients are
rounded at a 10^9 relative resolution and the result says so: ``status`` is ``optimal``
only for a proof on the exact model, and ``info['proof']`` states what was proved.

With a time limit the result is the best found and ``status`` is ``time_limit``;
``info['bound']`` is CP-SAT's proven lower bound on the energy, whatever stopped it.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({}, {("a", "b"): 1.0, ("b", "c"): 1.0}, 0.0, "SPIN")
    >>> r = CPSATBackend().solve(bqm, seed=0)
    >>> r.energy, r.status
    (-2.0, 'optimal')
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from hybrid_workbench.backend import Backend
from hybrid_workbench.errors import OptionsError, SolverError, UnsupportedModelError
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Result, Solved, Status

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["CPSATBackend", "CPSATOptions", "integer_scale"]

MAX_EXACT_POWER = 9
ROUNDING_RESOLUTION = 1e9
TRIANGLE_WORK_LIMIT = 2_000_000  # skip triangle cuts on very dense, large models
DEFAULT_TIME_LIMIT = 30.0


def integer_scale(coefficients: Iterable[float]) -> tuple[float, bool]:
    """A factor making all coefficients integers: ``(factor, exact)``.

    Examples:
        >>> integer_scale([1.0, -2.0]), integer_scale([0.5, 0.25]), integer_scale([1 / 3])[1]
        ((1.0, True), (100.0, True), False)
    """
    coeffs = np.asarray([c for c in coefficients if c != 0.0], dtype=float)
    if coeffs.size == 0:
        return 1.0, True
    for power in range(MAX_EXACT_POWER + 1):
        scaled = coeffs * 10.0 ** power
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6):
            if np.max(np.abs(scaled)) < 2 ** 50:
                return float(10.0 ** power), True
            break
    return ROUNDING_RESOLUTION / float(np.max(np.abs(coeffs))), False


@dataclass(frozen=True)
class CPSATOptions(BackendOptions):
    """Options of ``cpsat``.

    Attributes:
        time_limit: seconds (default 30); ``null`` runs until optimality is proved.
        num_workers: parallel search workers (default: the machine's cores, at most 8).
        encoding: ``ising`` (spins and cut variables ``e_ij = x_i XOR x_j`` with triangle
            parity cuts: the strong form for MaxCut-like models), ``product``
            (``y_ij = x_i AND x_j``: natural for QUBOs with penalties), or ``auto``
            (``ising`` for SPIN models, ``product`` for BINARY ones).
        hint: ``anneal`` warm-starts CP-SAT (on BQMs) from the best of a short simulated
            anneal (dwave-samplers, 4 reads x 1000 sweeps), the way MIP solvers run a primal
            heuristic first; the proof is CP-SAT's alone, and ``info['hint_energy']`` shows
            what the hint brought. ``none`` gives CP-SAT's own search only.
        log: print CP-SAT's search log.
    """

    time_limit: float | None = DEFAULT_TIME_LIMIT
    num_workers: int | None = None
    encoding: Literal["auto", "ising", "product"] = "auto"
    hint: Literal["anneal", "none"] = "anneal"
    log: bool = False

    def __post_init__(self) -> None:
        if self.time_limit is not None and self.time_limit <= 0:
            raise OptionsError(f"time_limit must be positive, got {self.time_limit}")
        if self.num_workers is not None and self.num_workers < 1:
            raise OptionsError(f"num_workers must be >= 1, got {self.num_workers}")


class _Builder:
    """Translates a binary/integer quadratic objective (and constraints) into CP-SAT."""

    def __init__(self) -> None:
        from ortools.sat.python import cp_model

        self.cp_model = cp_model
        self.model = cp_model.CpModel()
        self.vars: dict[Any, Any] = {}
        self.exact = True

    def add_variables(self, qm: Any) -> None:
        import dimod

        for v in qm.variables:
            vt = qm.vartype(v)
            if vt is dimod.BINARY:
                self.vars[v] = self.model.NewBoolVar(f"x{len(self.vars)}")
            elif vt is dimod.INTEGER:
                lb, ub = qm.lower_bound(v), qm.upper_bound(v)
                if max(abs(lb), abs(ub)) > 2 ** 40:
                    raise UnsupportedModelError(
                        f"cpsat: integer variable {v!r} has bounds [{lb}, {ub}]; give it finite "
                        "bounds below 2^40 (cqm.set_upper_bound)")
                self.vars[v] = self.model.NewIntVar(int(math.ceil(lb)), int(math.floor(ub)),
                                                    f"x{len(self.vars)}")
            else:
                raise UnsupportedModelError(
                    f"cpsat takes binary, spin and integer variables; {v!r} is {vt.name}")

    def _product(self, u: Any, v: Any, sign: int | None, qm: Any) -> Any:
        """A variable equal to x_u * x_v (or bounded on the side ``sign`` allows)."""
        import dimod

        a, b = self.vars[u], self.vars[v]
        both_binary = qm.vartype(u) is dimod.BINARY and qm.vartype(v) is dimod.BINARY
        if both_binary and u != v:
            y = self.model.NewBoolVar("")
            if sign is None or sign > 0:      # need x_u & x_v => y
                self.model.AddBoolOr([a.Not(), b.Not(), y])
            if sign is None or sign < 0:      # need y => x_u, y => x_v
                self.model.AddImplication(y, a)
                self.model.AddImplication(y, b)
            return y
        if both_binary:
            return a
        bounds = [qm.lower_bound(u) * qm.lower_bound(v), qm.lower_bound(u) * qm.upper_bound(v),
                  qm.upper_bound(u) * qm.lower_bound(v), qm.upper_bound(u) * qm.upper_bound(v)]
        y = self.model.NewIntVar(int(min(bounds)), int(max(bounds)), "")
        self.model.AddMultiplicationEquality(y, [a, b])
        return y

    def linear_expr(self, qm: Any, scale: float, one_sided: bool) -> Any:
        terms = []
        for v, bias in qm.iter_linear():
            c = round(bias * scale)
            if c:
                terms.append(c * self.vars[v])
        for u, v, bias in qm.iter_quadratic():
            c = round(bias * scale)
            if c:
                y = self._product(u, v, (1 if c > 0 else -1) if one_sided else None, qm)
                terms.append(c * y)
        return sum(terms) if terms else 0

    def coefficients(self, qm: Any) -> list[float]:
        return [b for _, b in qm.iter_linear()] + [b for *_, b in qm.iter_quadratic()]


class CPSATBackend(Backend):
    """OR-Tools CP-SAT: optimal with a proof when it finishes, best found otherwise."""

    name = "cpsat"
    model_kinds = ("bqm", "cqm")
    Options = CPSATOptions
    requires = ("ortools",)
    package = "ortools"
    exact = True
    description = "OR-Tools CP-SAT on BQM/CQM: proof of optimality, or best found in a time limit"

    def _check(self, model: Any, options: BackendOptions) -> None:
        import dimod

        super()._check(model, options)
        if isinstance(model, dimod.ConstrainedQuadraticModel):
            for v in model.variables:
                if model.vartype(v) is dimod.REAL:
                    raise UnsupportedModelError(
                        f"cpsat takes binary, spin and integer variables; {v!r} is REAL "
                        "(use a MIP solver, or discretise it)")

    def _solve(self, model: Any, options: BackendOptions, deadline: Deadline, seed: int) -> Solved:
        import dimod

        assert isinstance(options, CPSATOptions)
        if isinstance(model, dimod.BinaryQuadraticModel):
            return self._solve_bqm(model, options, seed)
        return self._solve_cqm(model, options, seed)

    def _run(self, builder: _Builder, options: CPSATOptions, seed: int) -> tuple[Any, Any, float]:
        cp_model = builder.cp_model
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.random_seed = seed % (2 ** 31)
        params.num_workers = options.num_workers or max(1, min(8, os.cpu_count() or 1))
        params.log_search_progress = options.log
        if options.time_limit is not None:
            params.max_time_in_seconds = float(options.time_limit)
        start = time.perf_counter()
        status = solver.Solve(builder.model)
        elapsed = time.perf_counter() - start
        if status == cp_model.MODEL_INVALID:
            raise SolverError(f"cpsat rejected the translated model: "
                              f"{builder.model.Validate()}")
        return solver, status, elapsed

    def _status(self, cp_model: Any, status: Any, exact: bool) -> tuple[str, str]:
        if status == cp_model.OPTIMAL:
            if exact:
                return Status.OPTIMAL, "optimal"
            return Status.BEST_FOUND, "optimal for the integer-rounded model only"
        if status == cp_model.INFEASIBLE:
            return Status.INFEASIBLE, "proved infeasible"
        return Status.TIME_LIMIT, "no proof: stopped by the time limit"

    def _ising_objective(self, builder: _Builder, spin: dimod.BinaryQuadraticModel,
                         labels: list[Any], scale: float) -> tuple[Any, int]:
        """Ising encoding: ``s_i = 2 x_i - 1`` and ``s_i s_j = 1 - 2 e_ij``, ``e_ij = x_i XOR x_j``.

        Adds the parity constraints of every triangle of the interaction graph
        (``e_ab + e_bc + e_ac`` is 0 or 2), which tighten CP-SAT's LP relaxation by orders
        of magnitude on MaxCut-like models. Returns the objective and the triangle count.
        """
        m = builder.model
        x = builder.vars
        terms, const = [], 0
        for v, bias in spin.iter_linear():
            c = round(bias * scale)
            if c:
                terms.append(2 * c * x[v])
                const -= c
        edge: dict[frozenset[Any], Any] = {}
        adj: dict[Any, set[Any]] = {v: set() for v in labels}
        for u, v, bias in spin.iter_quadratic():
            c = round(bias * scale)
            if not c:
                continue
            e = m.NewBoolVar("")
            m.AddBoolXOr([x[u], x[v], e.Not()])  # e == x_u XOR x_v
            edge[frozenset((u, v))] = e
            adj[u].add(v)
            adj[v].add(u)
            terms.append(-2 * c * e)
            const += c
        work = sum(min(len(adj[u]), len(adj[v])) for u, v in (tuple(k) for k in edge))
        triangles = 0
        if work <= TRIANGLE_WORK_LIMIT:
            order = {v: i for i, v in enumerate(labels)}
            for key, e_ab in edge.items():
                a, b = sorted(key, key=order.__getitem__)
                for c_ in adj[a] & adj[b]:
                    if order[c_] > order[b]:
                        e_ac, e_bc = edge[frozenset((a, c_))], edge[frozenset((b, c_))]
                        m.Add(e_ab + e_ac + e_bc <= 2)
                        m.Add(e_ab <= e_ac + e_bc)
                        m.Add(e_ac <= e_ab + e_bc)
                        m.Add(e_bc <= e_ab + e_ac)
                        triangles += 1
        # Z2 symmetry: without fields, s and -s have the same energy; fix one spin
        if all(round(b * scale) == 0 for _, b in spin.iter_linear()):
            m.Add(x[labels[0]] == 0)
        return sum(terms) + const, triangles

    @staticmethod
    def _add_anneal_hint(builder: _Builder, bqm: dimod.BinaryQuadraticModel,
                         labels: list[Any], seed: int) -> Any:
        """Hint CP-SAT with the best of a short anneal; returns that sample (dimod row)."""
        import dimod
        from dwave.samplers import SimulatedAnnealingSampler

        best = SimulatedAnnealingSampler().sample(
            bqm, num_reads=4, num_sweeps=1000, seed=seed % (2 ** 32)).first
        for v in labels:
            value = best.sample[v]
            builder.model.AddHint(builder.vars[v], int(value > 0) if bqm.vartype is dimod.SPIN
                                  else int(value))
        return best

    def _solve_bqm(self, bqm: dimod.BinaryQuadraticModel, options: CPSATOptions,
                   seed: int) -> Result:
        import dimod

        labels = list(bqm.variables)
        if not labels:
            ss = dimod.SampleSet.from_samples_bqm(([[]], []), bqm)
            return Solved(ss, status=Status.OPTIMAL,
                                    info={"proof": "optimal", "bound": float(bqm.offset)})
        encoding = options.encoding
        if encoding == "auto":
            encoding = "ising" if bqm.vartype is dimod.SPIN else "product"
        work = bqm.change_vartype(dimod.SPIN if encoding == "ising" else dimod.BINARY,
                                  inplace=False)
        builder = _Builder()
        for v in labels:
            builder.vars[v] = builder.model.NewBoolVar(f"x{len(builder.vars)}")
        scale, exact = integer_scale(builder.coefficients(work))
        info: dict[str, Any] = {"encoding": encoding}
        if encoding == "ising":
            objective, info["triangles"] = self._ising_objective(builder, work, labels, scale)
        else:
            objective = builder.linear_expr(work, scale, one_sided=True)
        builder.model.Minimize(objective)
        hint = None
        if options.hint == "anneal":
            hint = self._add_anneal_hint(builder, bqm, labels, seed)
            info["hint_energy"] = float(hint.energy)
        solver, status, elapsed = self._run(builder, options, seed)
        cp_model = builder.cp_model
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = np.array([[solver.Value(builder.vars[v]) for v in labels]], dtype=np.int8)
            if bqm.vartype is dimod.SPIN:
                values = 2 * values - 1
        elif hint is not None:
            values = np.array([[hint.sample[v] for v in labels]], dtype=np.int8)
            info["returned"] = "the anneal hint: CP-SAT found no solution within the time limit"
        else:
            raise SolverError(f"cpsat found no solution within the time limit "
                              f"({solver.StatusName(status)}); raise --time-limit")
        ss = dimod.SampleSet.from_samples_bqm((values, labels), bqm)
        result_status, proof = self._status(cp_model, status, exact)
        bound = solver.BestObjectiveBound() / scale + float(work.offset)
        return Solved(ss, status=result_status, solver_s=elapsed, info={
            "proof": proof, "bound": bound, "cp_sat_status": solver.StatusName(status),
            "scale": scale, "exact_scaling": exact,
            "num_workers": solver.parameters.num_workers, **info})

    def _solve_cqm(self, cqm: dimod.ConstrainedQuadraticModel, options: CPSATOptions,
                   seed: int) -> Result:
        import dimod

        work = cqm.spin_to_binary(inplace=False)
        labels = list(work.variables)
        builder = _Builder()
        builder.add_variables(work)
        exact = True
        for label, constraint in work.constraints.items():
            lhs = constraint.lhs
            rhs = float(constraint.rhs) - float(lhs.offset)
            c_scale, c_exact = integer_scale(builder.coefficients(lhs) + [rhs])
            exact &= c_exact
            expr = builder.linear_expr(lhs, c_scale, one_sided=False)
            bound = rhs * c_scale
            sense = constraint.sense
            if sense is dimod.sym.Sense.Le:
                builder.model.Add(expr <= math.floor(bound + 1e-9))
            elif sense is dimod.sym.Sense.Ge:
                builder.model.Add(expr >= math.ceil(bound - 1e-9))
            else:
                if abs(bound - round(bound)) > 1e-9:
                    raise UnsupportedModelError(
                        f"cpsat: equality constraint {label!r} has a non-integer right-hand side "
                        "after scaling")
                builder.model.Add(expr == round(bound))
        scale, obj_exact = integer_scale(builder.coefficients(work.objective))
        exact &= obj_exact
        builder.model.Minimize(builder.linear_expr(work.objective, scale, one_sided=True))
        solver, status, elapsed = self._run(builder, options, seed)
        cp_model = builder.cp_model
        result_status, proof = self._status(cp_model, status, exact)
        info: dict[str, Any] = {"proof": proof, "cp_sat_status": solver.StatusName(status),
                                "exact_scaling": exact}
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if status == cp_model.INFEASIBLE:
                return Solved(status=Status.INFEASIBLE, solver_s=elapsed, info=info)
            return Solved(status=Status.NO_SOLUTION, solver_s=elapsed,
                          info={**info, "reason": "no feasible point found within the time "
                                "limit; raise --time-limit"})
        sample = {v: solver.Value(builder.vars[v]) for v in labels}
        for v in cqm.variables:  # map spins back
            if cqm.vartype(v) is dimod.SPIN:
                sample[v] = 2 * sample[v] - 1
        ss = dimod.SampleSet.from_samples_cqm(sample, cqm)
        info["bound"] = solver.BestObjectiveBound() / scale + float(work.objective.offset)
        return Solved(ss, status=result_status, solver_s=elapsed,
                                info=info, model_kind="cqm")
