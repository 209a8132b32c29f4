"""``cpsat``: Google OR-Tools CP-SAT on BQMs and CQMs, with a proof of optimality.

The exact classical baseline. A BQM becomes Boolean variables ``x`` plus one auxiliary
Boolean per interaction: ``y_ij = x_i AND x_j`` (``product`` encoding, tied by the clause on
the side the objective pushes against: ``y => x_i & x_j`` when the coefficient is
negative, ``x_i & x_j => y`` when positive, exact at every optimum), or
``e_ij = x_i XOR x_j`` for spins (``ising`` encoding, with triangle parity cuts). The BQM
model is written as a ``CpModelProto`` in protobuf text format from NumPy arrays and parsed
in C++ (0.5 s for the 50 000 products of OR-Library's bqp1000, against 3.5 s through the
Python API), so model building fits a short time limit. A CQM keeps its binary and
integer variables; products become exact AND/multiplication constraints.

The warm start (``hint='anneal'``) is a COMPLETE assignment: the anneal's ``x`` and every
auxiliary variable computed from it. CP-SAT takes a complete feasible hint as its first
incumbent; a hint of the ``x`` alone is not a solution to it, and its search then decides
auxiliaries whose propagation overrides the hinted ``x`` (it returned 7918 on bqp100.1
with the 7970 optimum as hint). The answer is never worse than the hint: if CP-SAT's were,
the hint is returned and ``info['returned']`` says so.

CP-SAT needs integer coefficients. The model is scaled by the smallest power of ten
(up to 10^9) that makes every coefficient an integer; when none does, coefficients are
rounded at a 10^9 relative resolution and the result says so: ``status`` is ``optimal``
only for a proof on the exact model, and ``info['proof']`` states what was proved.
``info['bound']`` is a proven lower bound on the energy in the BQM's units (CP-SAT's bound,
less the rounding error where coefficients were rounded), whatever stopped the search.
With a time limit, set-up, hint and search together return within the limit and
``status`` is ``time_limit`` unless optimality was proved.

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
from hybrid_workbench.deadline import Deadline, Trace
from hybrid_workbench.errors import OptionsError, SolverError, UnsupportedModelError
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved, Status

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["CPSATBackend", "CPSATOptions", "integer_scale"]

MAX_EXACT_POWER = 9
ROUNDING_RESOLUTION = 1e9
TRIANGLE_WORK_LIMIT = 2_000_000  # skip triangle cuts on very dense, large models
DEFAULT_TIME_LIMIT = 30.0
HINT_READS, HINT_SWEEPS = 4, 1000
HINT_SHARE = 0.25            # at most this share of a time limit goes to the anneal hint
SA_SWEEP_ENTRY_S = 4e-9      # dwave-samplers SA, per sweep and adjacency entry (2e-9 measured)
RESERVE_S = 0.2              # kept back from CP-SAT's limit to read its answer back
STOP_LATENCY = 2.5           # CP-SAT's overrun of its limit, in units of the model's parse time
BUILD_S_PER_ITEM = 1e-5      # writing + parsing one variable or constraint (bqp1000: 1 s loaded)


def integer_scale(coefficients: Iterable[float] | np.ndarray) -> tuple[float, bool]:
    """A factor making all coefficients integers: ``(factor, exact)``.

    Examples:
        >>> integer_scale([1.0, -2.0]), integer_scale([0.5, 0.25]), integer_scale([1 / 3])[1]
        ((1.0, True), (100.0, True), False)
    """
    coeffs = np.asarray(coefficients if isinstance(coefficients, np.ndarray)
                        else list(coefficients), dtype=float)
    coeffs = coeffs[coeffs != 0.0]
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
        time_limit: seconds (default 30) for everything: model building, hint and search;
            ``null`` runs until optimality is proved.
        num_workers: parallel search workers (default: the machine's cores, at most 8).
        encoding: ``ising`` (spins and cut variables ``e_ij = x_i XOR x_j`` with triangle
            parity cuts: the strong form for MaxCut-like models), ``product``
            (``y_ij = x_i AND x_j``: natural for QUBOs with penalties), or ``auto``
            (``ising`` for SPIN models, ``product`` for BINARY ones).
        hint: ``anneal`` warm-starts CP-SAT (on BQMs) from the best of a short simulated
            anneal (dwave-samplers, 4 reads x 1000 sweeps, fewer sweeps where that would
            take over a quarter of the time limit), the way MIP solvers run a primal
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


def _ints(values: np.ndarray) -> str:
    return ",".join(map(str, np.asarray(values, dtype=np.int64).tolist()))


@dataclass
class _BQMModel:
    """A BQM as CP-SAT text: variables ``0..n-1`` are ``x``, ``n..`` the auxiliaries.

    ``E = (objective + const) / scale + offset`` (exactly, unless ``rounding`` > 0, the
    largest change of any energy that rounding the scaled coefficients can make).
    """

    text: str
    n: int
    row: np.ndarray
    col: np.ndarray
    encoding: str
    const: int
    rounding: float
    fix_first: bool
    triangles: int

    def hint(self, x: np.ndarray) -> str:
        """The complete hint: ``x`` and every auxiliary variable computed from it."""
        if self.fix_first and x[0]:
            x = 1 - x  # spins without fields: the flipped state has the same energy
        aux = x[self.row] & x[self.col] if self.encoding == "product" else x[self.row] ^ x[self.col]
        values = np.concatenate([x, aux])
        return (f"solution_hint{{vars:[{_ints(np.arange(len(values)))}] "
                f"values:[{_ints(values)}]}}")


def _encode_bqm(h: np.ndarray, row: np.ndarray, col: np.ndarray, q: np.ndarray,
                encoding: str, scale: float) -> _BQMModel:
    """A BQM's vectors (BINARY for ``product``, SPIN for ``ising``) as a CP-SAT model."""
    n = len(h)
    hs, qs = h * scale, q * scale
    hi, qi = np.round(hs).astype(np.int64), np.round(qs).astype(np.int64)
    rounding = float(np.abs(hs - hi).sum() + np.abs(qs - qi).sum()) / scale
    keep = qi != 0
    row, col, qi = row[keep].astype(np.int64), col[keep].astype(np.int64), qi[keep]
    aux = np.arange(n, n + len(qi))
    triangles, fix_first = 0, False
    if encoding == "product":
        const = 0
        coeffs = np.concatenate([hi, qi])
        neg = qi < 0
        cons = [f"constraints{{enforcement_literal:{y} bool_and{{literals:[{a},{b}]}}}}"
                for y, a, b in zip(aux[neg].tolist(), row[neg].tolist(), col[neg].tolist())]
        cons += [f"constraints{{bool_or{{literals:[{-a - 1},{-b - 1},{y}]}}}}"
                 for y, a, b in zip(aux[~neg].tolist(), row[~neg].tolist(), col[~neg].tolist())]
    else:  # s = 2x - 1 and s_a s_b = 1 - 2 e_ab
        const = int(qi.sum() - hi.sum())
        coeffs = np.concatenate([2 * hi, -2 * qi])
        cons = [f"constraints{{bool_xor{{literals:[{a},{b},{-y - 1}]}}}}"
                for y, a, b in zip(aux.tolist(), row.tolist(), col.tolist())]
        tri = _triangle_cuts(n, row, col, aux)
        triangles = len(tri) // 4
        cons += tri
        fix_first = not hi.any()  # Z2 symmetry without fields: fix one spin
    nz = np.flatnonzero(coeffs)
    variables = ["variables{domain:[0,1]}"] * (n + len(qi))
    if fix_first:
        variables[0] = "variables{domain:[0,0]}"
    objective = f"objective{{vars:[{_ints(nz)}] coeffs:[{_ints(coeffs[nz])}]}}" if nz.size else ""
    text = "\n".join(variables + cons + [objective])
    return _BQMModel(text, n, row, col, encoding, const, rounding, fix_first, triangles)


def _triangle_cuts(n: int, row: np.ndarray, col: np.ndarray, aux: np.ndarray) -> list[str]:
    """Parity cuts of every triangle of the graph (``e_ab + e_bc + e_ac`` is 0 or 2).

    They tighten CP-SAT's LP relaxation by orders of magnitude on MaxCut-like models;
    skipped where enumerating the triangles would cost over ``TRIANGLE_WORK_LIMIT``.
    """
    adj: list[set[int]] = [set() for _ in range(n)]
    edge: dict[tuple[int, int], int] = {}
    for a, b, y in zip(row.tolist(), col.tolist(), aux.tolist()):
        a, b = min(a, b), max(a, b)
        edge[a, b] = y
        adj[a].add(b)
        adj[b].add(a)
    if sum(min(len(adj[a]), len(adj[b])) for a, b in edge) > TRIANGLE_WORK_LIMIT:
        return []
    cuts = []
    lin = "constraints{{linear{{vars:[{},{},{}] coeffs:[{}] domain:[{}]}}}}"
    for (a, b), e_ab in edge.items():
        for c in adj[a] & adj[b]:
            if c > b:
                e_ac, e_bc = edge[a, c], edge[b, c]
                cuts += [lin.format(e_ab, e_ac, e_bc, "1,1,1", "0,2"),
                         lin.format(e_ab, e_ac, e_bc, "1,-1,-1", "-2,0"),
                         lin.format(e_ac, e_ab, e_bc, "1,-1,-1", "-2,0"),
                         lin.format(e_bc, e_ab, e_ac, "1,-1,-1", "-2,0")]
    return cuts


def _beta_range(spin: dimod.BinaryQuadraticModel) -> list[float]:
    """dwave-samplers' default beta range, vectorised (its own loops over the BQM in Python)."""
    h, (row, col, J), _ = spin.to_numpy_vectors()
    total = np.abs(h).copy()
    np.add.at(total, row, np.abs(J))
    np.add.at(total, col, np.abs(J))
    smallest = np.where(h != 0, np.abs(h), np.inf)
    np.minimum.at(smallest, row, np.where(J != 0, np.abs(J), np.inf))
    np.minimum.at(smallest, col, np.where(J != 0, np.abs(J), np.inf))
    smallest = smallest[np.isfinite(smallest)]
    hot = math.log(2) / (2 * total.max()) if total.max() > 0 else 1.0
    if smallest.size == 0:
        return [hot, hot]
    low = smallest.min()
    return [hot, math.log(np.sum(smallest == low) / 0.01) / (2 * low)]


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


class CPSATBackend(Backend[CPSATOptions]):
    """OR-Tools CP-SAT: optimal with a proof when it finishes, best found otherwise."""

    name = "cpsat"
    model_kinds = ("bqm", "cqm")
    Options = CPSATOptions
    requires = ("ortools",)
    package = "ortools"
    exact = True
    anytime = True
    description = "OR-Tools CP-SAT on BQM/CQM: proof of optimality, or best found in a time limit"

    def _check(self, model: Any, options: CPSATOptions) -> None:
        import dimod

        super()._check(model, options)
        if isinstance(model, dimod.ConstrainedQuadraticModel):
            for v in model.variables:
                if model.vartype(v) is dimod.REAL:
                    raise UnsupportedModelError(
                        f"cpsat takes binary, spin and integer variables; {v!r} is REAL "
                        "(use a MIP solver, or discretise it)")

    def _setup(self, options: CPSATOptions) -> None:
        """Imports CP-SAT's Python layer (1 s: it loads pandas) and the annealer."""
        import ortools.sat.python.cp_model  # noqa: F401

        if options.hint == "anneal":
            import dwave.samplers  # noqa: F401

    def _solve(self, model: Any, options: CPSATOptions, deadline: Deadline,
               seed: int) -> Solved:
        import dimod

        if isinstance(model, dimod.BinaryQuadraticModel):
            return self._solve_bqm(model, options, deadline, seed)
        return self._solve_cqm(model, options, deadline, seed)

    @staticmethod
    def _run(model: Any, options: CPSATOptions, seed: int, time_s: float | None,
             callback: Any = None, max_lp: bool = False) -> tuple[Any, Any, float]:
        """Solve ``model``; ``max_lp`` makes the one full-problem worker of a small
        portfolio (fewer than 8 workers) CP-SAT's ``max_lp`` (linearisation level 2)."""
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        params = solver.parameters
        params.random_seed = seed % (2 ** 31)
        params.num_workers = options.num_workers or max(1, min(8, os.cpu_count() or 1))
        if max_lp and params.num_workers < 8:
            params.subsolvers.append("max_lp")
        params.log_search_progress = options.log
        if time_s is not None:
            params.max_time_in_seconds = max(0.0, float(time_s))
        start = time.perf_counter()
        status = solver.Solve(model, callback)
        elapsed = time.perf_counter() - start
        if status == cp_model.MODEL_INVALID:
            raise SolverError(f"cpsat rejected the translated model: {model.Validate()}")
        return solver, status, elapsed

    @staticmethod
    def _search_time(deadline: Deadline, parse_s: float = 0.0) -> float | None:
        """CP-SAT's own limit: what is left of the deadline, less a reserve.

        CP-SAT overruns its limit by the time its presolve or LP steps take to notice it:
        up to 1.5 s on a 50 000-product model on a loaded 2-core machine, about 2.5 times
        the time the same machine took to parse that model, which is the measure used.
        """
        if not deadline.limited:
            return None
        return deadline.remaining() - RESERVE_S - STOP_LATENCY * parse_s

    def _status(self, cp_model: Any, status: Any, exact: bool) -> tuple[str, str]:
        if status == cp_model.OPTIMAL:
            if exact:
                return Status.OPTIMAL, "optimal"
            return Status.BEST_FOUND, "optimal for the integer-rounded model only"
        if status == cp_model.INFEASIBLE:
            return Status.INFEASIBLE, "proved infeasible"
        return Status.TIME_LIMIT, "no proof: stopped by the time limit"

    @staticmethod
    def _anneal(bqm: dimod.BinaryQuadraticModel, spin: dimod.BinaryQuadraticModel,
                labels: list[Any], seed: int, deadline: Deadline) -> tuple[np.ndarray, float]:
        """The best of a short anneal as 0/1 values in ``labels`` order, and its energy.

        Under a time limit the sweeps are cut so that the anneal takes at most
        ``HINT_SHARE`` of it (at least 10 sweeps, one read).
        """
        from dwave.samplers import SimulatedAnnealingSampler

        sweeps, reads = HINT_SWEEPS, HINT_READS
        if deadline.limited:
            per_sweep = SA_SWEEP_ENTRY_S * (len(labels) + 2 * bqm.num_interactions)
            budget = HINT_SHARE * float(deadline.limit_s or 0.0)
            sweeps = int(min(HINT_SWEEPS, max(10, budget / (reads * per_sweep))))
        stop = deadline.started + HINT_SHARE * (deadline.limit_s or math.inf)
        best = SimulatedAnnealingSampler().sample(
            spin, num_reads=reads, num_sweeps=sweeps, seed=seed % (2 ** 31),
            beta_range=_beta_range(spin),
            interrupt_function=lambda: time.perf_counter() > stop).first
        x = np.array([best.sample[v] > 0 for v in labels], dtype=np.int64)
        return x, float(bqm.energy(dict(zip(labels, _values(x, bqm)))))

    def _solve_bqm(self, bqm: dimod.BinaryQuadraticModel, options: CPSATOptions,
                   deadline: Deadline, seed: int) -> Solved:
        import dimod
        from ortools.sat.python import cp_model

        labels = list(bqm.variables)
        if not labels:
            ss = dimod.SampleSet.from_samples_bqm(([[]], []), bqm)
            return Solved(ss, status=Status.OPTIMAL,
                          info={"proof": "optimal", "bound": float(bqm.offset)})
        trace = Trace(started=deadline.started)
        encoding = options.encoding
        if encoding == "auto":
            encoding = "ising" if bqm.vartype is dimod.SPIN else "product"
        work = bqm.change_vartype(dimod.SPIN if encoding == "ising" else dimod.BINARY,
                                  inplace=False)
        h, (row, col, q), offset = work.to_numpy_vectors(variable_order=labels)
        scale, exact = integer_scale(np.concatenate([h, q]))
        if encoding == "ising":  # trivial bound: every term at its lowest
            trivial = offset - np.abs(h).sum() - np.abs(q).sum()
        else:
            trivial = offset + h[h < 0].sum() + q[q < 0].sum()
        info: dict[str, Any] = {"encoding": encoding, "scale": scale, "exact_scaling": exact,
                                "bound": float(trivial)}
        hint_x: np.ndarray | None = None
        if options.hint == "anneal":
            spin = work if encoding == "ising" else bqm.change_vartype(dimod.SPIN, inplace=False)
            hint_x, info["hint_energy"] = self._anneal(bqm, spin, labels, seed, deadline)
            trace.record(info["hint_energy"])
        solver = status = None
        elapsed = 0.0
        build_s = BUILD_S_PER_ITEM * (len(h) + 2 * len(q))
        skipped = None
        if deadline.limited and build_s > deadline.remaining():  # seen before building
            skipped = (f"the time limit leaves less than building the CP-SAT model takes "
                       f"(about {build_s:.2g} s for {len(q)} products)")
        else:
            enc = _encode_bqm(h, row, col, q, encoding, scale)
            if encoding == "ising":
                info["triangles"] = enc.triangles
            text = enc.text if hint_x is None else enc.text + "\n" + enc.hint(hint_x)
            model, parse_s = _parse(text)
            info["build_s"] = round(deadline.elapsed(), 6)
            search_s = self._search_time(deadline, parse_s)
            if search_s is not None and search_s <= 0.05:
                skipped = "CP-SAT had no time left after the model and the hint"
            else:
                def energy_of(objective: float) -> float:
                    return (objective + enc.const) / scale + offset

                solver, status, elapsed = self._run(
                    model, options, seed, search_s, _trace_callback(trace, energy_of),
                    max_lp=encoding == "product")
        found = solver is not None and status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        candidates = []
        if found:
            solution = solver.ResponseProto().solution
            x = np.fromiter((solution[i] for i in range(enc.n)), dtype=np.int64, count=enc.n)
            candidates.append(("cp-sat", x))
            bound = (solver.BestObjectiveBound() + enc.const) / scale + offset
            info["bound"] = float(max(trivial, bound - enc.rounding))
        if hint_x is not None:
            candidates.append(("hint", hint_x))
        if solver is not None:
            info.update(cp_sat_status=solver.StatusName(status),
                        num_workers=solver.parameters.num_workers)
        if not candidates:
            return Solved(status=Status.NO_SOLUTION, solver_s=elapsed, info={
                **info, "proof": "none", "trace": [], "reason": skipped or
                "no solution found within the time limit; raise --time-limit"})
        rows = np.array([_values(x, bqm) for _, x in candidates], dtype=np.int8)
        energies = bqm.energies((rows, labels))
        pick = 0 if energies[0] <= energies[-1] + 1e-9 else len(candidates) - 1
        ss = dimod.SampleSet.from_samples_bqm((rows[pick:pick + 1], labels), bqm)
        trace.record(float(energies[pick]))
        if candidates[pick][0] == "cp-sat":
            result_status, proof = self._status(cp_model, status, exact)
        else:
            why = skipped or ("CP-SAT found no solution within the time limit" if not found
                              else "CP-SAT's answer was worse than the hint (rounded coefficients)")
            result_status = Status.BEST_FOUND if status == cp_model.OPTIMAL else Status.TIME_LIMIT
            proof, info["returned"] = f"no proof: {why}", f"the anneal hint: {why}"
        return Solved(ss, status=result_status, solver_s=elapsed, info={
            **info, "proof": proof, "trace": trace.to_list()})

    def _solve_cqm(self, cqm: dimod.ConstrainedQuadraticModel, options: CPSATOptions,
                   deadline: Deadline, seed: int) -> Solved:
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
        solver, status, elapsed = self._run(builder.model, options, seed,
                                            self._search_time(deadline))
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
        return Solved(ss, status=result_status, solver_s=elapsed, info=info, model_kind="cqm")


def _parse(text: str) -> tuple[Any, float]:
    """A ``CpModel`` from protobuf text (parsed in C++ where ortools has it), and the time."""
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    model = cp_model.CpModel()
    proto = model.Proto()
    if hasattr(proto, "parse_text_format"):  # ortools >= 9.12: the C++ proto
        if not proto.parse_text_format(text):
            raise SolverError("cpsat: the BQM's CP-SAT model did not parse")
    else:  # pragma: no cover - older ortools: a Python protobuf message
        from google.protobuf import text_format

        text_format.Parse(text, proto)
    return model, time.perf_counter() - start


def _values(x: np.ndarray, bqm: dimod.BinaryQuadraticModel) -> np.ndarray:
    """0/1 values as the BQM's own (spins: ``2 x - 1``)."""
    return 2 * x - 1 if bqm.vartype.name == "SPIN" else x


def _trace_callback(trace: Trace, energy_of: Any) -> Any:
    """A CP-SAT solution callback recording each incumbent in ``trace``.

    The value recorded is CP-SAT's objective in energy units, which is never below the
    energy of that incumbent's ``x`` (the auxiliaries are tied on one side only).
    """
    from ortools.sat.python import cp_model

    class _Callback(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            trace.record(energy_of(self.ObjectiveValue()))

    return _Callback()
