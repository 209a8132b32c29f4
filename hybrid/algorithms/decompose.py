"""``decompose``: large BQMs solved through sub-problems small enough for a quantum backend.

This is how a 16-qubit QAOA takes part in an 800-variable problem. The loop keeps one
full assignment (the *incumbent*) and repeats, until three rounds in a row bring no improvement
or the time limit is reached:

1. **select** ``sub_size`` variables: by *energy impact* (``selection='impact'``: the
   variables whose single flip costs least, grown breadth-first along the interaction
   graph so the sub-problem is connected, as dwave-hybrid's ``EnergyImpactDecomposer``
   does) or by *graph partition* (``selection='partition'``: recursive Kernighan-Lin
   bisection of the interaction graph with NetworkX into parts of at most ``sub_size``);
   ``'both'`` alternates rounds;
2. **solve** the sub-BQM -- the model with every other variable fixed at the incumbent
   (dimod's ``fix_variables``) -- on the sub-backend (``sub_backend``, any registered BQM
   backend: ``qaoa``, ``exact``, ``openjij-sqa``...), and adopt its best sub-assignment
   when it lowers the energy;
3. **sweep** the full model classically from the incumbent (``sweep='steepest'``:
   steepest descent, or ``'tabu'``; both from ``dwave-samplers``; ``'none'`` skips it).

Without a time limit the loop stops after three rounds in a row without improvement (or
``max_rounds``, 20 by default). The initial incumbent is a steepest-descent local minimum
from a random state. The result's ``info`` records how many sub-problems the sub-backend
improved, so the quantum contribution can be told apart from the classical sweeps.

A ``time_limit`` is ONE deadline over the whole loop (:mod:`hybrid_workbench.deadline`):
each sub-solve gets a share of what is left (the rest of the round plus one more round's
worth of sub-problems, but at least a quarter of what is left), handed to the sub-backend as its own
``time_limit`` when it honours one; a sub-backend that does not is only started while its
slowest measured sub-solve still fits. The final sweep's measured cost is held back, and
the stitched incumbent is returned in time. Given a limit the loop spends it (``anytime``):
rounds go on until the deadline (or ``max_rounds`` when set), and a sub-backend that
refuses its share as too short ends the loop (``status='time_limit'``).
``info['trace']`` is the incumbent's energy against time.

Examples:
    >>> import dimod
    >>> bqm = dimod.generators.ran_r(1, 12, seed=4)
    >>> r = DecomposeBackend().solve(bqm, seed=2, options={"sub_backend": "exact", "sub_size": 6})
    >>> r.energy == float(dimod.ExactSolver().sample(bqm).first.energy)
    True
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from hybrid_workbench._optional import lazy_module

dimod = lazy_module("dimod")
import numpy as np

from hybrid_workbench.backend import SamplerBackend
from hybrid_workbench.deadline import Deadline, Trace
from hybrid_workbench.errors import OptionsError, ProblemTooLargeError
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved, Status

__all__ = ["DecomposeOptions", "DecomposeBackend", "partition", "impact_subsets"]


@dataclass(frozen=True)
class DecomposeOptions(BackendOptions):
    """Options of ``decompose``.

    Attributes:
        sub_backend: registered BQM backend that solves each sub-problem.
        sub_size: variables per sub-problem (qubits, for a gate-model sub-backend).
        sub_options: options passed to the sub-backend.
        selection: ``impact``, ``partition`` or ``both`` (alternating rounds).
        sweep: classical sweep on the full model: ``steepest``, ``tabu`` or ``none``.
        tabu_timeout: milliseconds per tabu sweep.
        max_rounds: upper bound on rounds (a round visits about n / sub_size
            sub-problems); None: 20 without a time limit, no bound with one.
        time_limit: seconds for the whole loop, sub-solves included (None: until three
            rounds in a row bring nothing).
    """

    sub_backend: str = "qaoa"
    sub_size: int = 16
    sub_options: dict[str, Any] = field(default_factory=dict)
    selection: Literal["impact", "partition", "both"] = "both"
    sweep: Literal["steepest", "tabu", "none"] = "steepest"
    tabu_timeout: int = 100
    max_rounds: int | None = None
    time_limit: float | None = None

    def __post_init__(self) -> None:
        if self.sub_size < 1 or (self.max_rounds or 1) < 1 or self.tabu_timeout < 1:
            raise OptionsError("sub_size, max_rounds and tabu_timeout must be >= 1")
        if self.time_limit is not None and self.time_limit <= 0:
            raise OptionsError(f"time_limit must be positive, got {self.time_limit}")


def partition(bqm: dimod.BinaryQuadraticModel, size: int, seed: int = 0) -> list[list[Any]]:
    """Parts of at most ``size`` variables by recursive Kernighan-Lin bisection (NetworkX).

    Edge weights are ``|J_ij|``, so strongly coupled variables tend to share a part.
    """
    import networkx as nx
    from networkx.algorithms.community import kernighan_lin_bisection

    g = nx.Graph()
    g.add_nodes_from(bqm.variables)
    g.add_weighted_edges_from((u, v, abs(b)) for u, v, b in bqm.iter_quadratic())
    parts, stack = [], [list(bqm.variables)]
    while stack:
        nodes = stack.pop()
        if len(nodes) <= size:
            parts.append(nodes)
            continue
        a, b = kernighan_lin_bisection(g.subgraph(nodes), weight="weight", seed=seed)
        stack.extend([list(a), list(b)])
    return parts


class _Couplings:
    """The model as arrays, built once per solve: biases, symmetric couplings (CSR), labels.

    Flip gains and sub-models come from one sparse product instead of Python loops over
    the model's neighbourhoods (on a dense 2000-variable model: milliseconds, not seconds).
    """

    def __init__(self, bqm: dimod.BinaryQuadraticModel) -> None:
        import scipy.sparse as sp

        self.labels = list(bqm.variables)
        self.index = {v: i for i, v in enumerate(self.labels)}
        n = len(self.labels)
        h, (row, col, q), _ = bqm.to_numpy_vectors(variable_order=self.labels)
        self.h = np.asarray(h, dtype=float)
        upper = sp.coo_matrix((np.asarray(q, dtype=float), (row, col)), shape=(n, n))
        self.J = (upper + upper.T).tocsr()
        self.spin = bqm.vartype is dimod.SPIN
        self.vartype = bqm.vartype

    def vector(self, state: dict[Any, int]) -> np.ndarray:
        return np.fromiter((state[v] for v in self.labels), dtype=float, count=len(self.labels))

    def neighbours(self, v: Any) -> list[Any]:
        i = self.index[v]
        return [self.labels[j] for j in self.J.indices[self.J.indptr[i]:self.J.indptr[i + 1]]]

    def gains(self, state: dict[Any, int]) -> dict[Any, float]:
        x = self.vector(state)
        field_ = self.h + self.J @ x
        gain = -2.0 * x * field_ if self.spin else (1.0 - 2.0 * x) * field_
        return dict(zip(self.labels, gain.tolist()))

    def sub_model(self, state: dict[Any, int], subset: list[Any]) -> dimod.BinaryQuadraticModel:
        """The model over ``subset`` with every other variable fixed at ``state`` (no offset)."""
        import scipy.sparse as sp

        x = self.vector(state)
        idx = np.fromiter((self.index[v] for v in subset), dtype=np.int64, count=len(subset))
        inside = self.J[idx][:, idx]
        field_ = self.h[idx] + self.J[idx] @ x - inside @ x[idx]
        tri = sp.triu(inside, k=1).tocoo()
        return dimod.BinaryQuadraticModel.from_numpy_vectors(
            field_, (tri.row, tri.col, tri.data), 0.0, self.vartype, variable_order=subset)


def _flip_gains(bqm: dimod.BinaryQuadraticModel, state: dict[Any, int]) -> dict[Any, float]:
    """Energy change of flipping each variable alone (negative: the flip improves)."""
    return _Couplings(bqm).gains(state)


def impact_subsets(bqm: dimod.BinaryQuadraticModel, state: dict[Any, int], size: int,
                   count: int, rng: np.random.Generator | None = None,
                   couplings: _Couplings | None = None) -> list[list[Any]]:
    """Up to ``count`` connected subsets of ``size`` variables seeded at the cheapest flips.

    Each subset starts at the unused variable with the lowest flip cost and grows
    breadth-first, preferring neighbours with low flip cost. With ``rng``, flip costs get
    a small random jitter so that successive rounds explore different subsets.
    """
    arrays = couplings or _Couplings(bqm)
    gains = arrays.gains(state)
    if rng is not None:
        spread = float(np.std(list(gains.values()))) or 1.0
        gains = {v: g + 0.5 * spread * float(rng.random()) for v, g in gains.items()}
    ranked = sorted(bqm.variables, key=lambda v: (gains[v], str(v)))
    used: set[Any] = set()
    subsets = []
    for seed_v in ranked:
        if len(subsets) >= count:
            break
        if seed_v in used:
            continue
        chosen, frontier = [seed_v], [seed_v]
        members = {seed_v}
        while frontier and len(chosen) < size:
            nxt = sorted({u for v in frontier for u in arrays.neighbours(v)} - members,
                         key=lambda u: (gains[u], str(u)))
            frontier = []
            for u in nxt[: size - len(chosen)]:
                chosen.append(u)
                members.add(u)
                frontier.append(u)
        for v in ranked:  # pad disconnected leftovers with the next cheapest flips
            if len(chosen) >= size:
                break
            if v not in members:
                chosen.append(v)
                members.add(v)
        used.update(chosen[: max(1, size // 2)])
        subsets.append(chosen)
    return subsets


MIN_SHARE_S = 0.02  # a sub-solve share below this ends the loop
PARTITION_MAX_EDGES = 50_000  # under a time limit, larger models select by energy impact only
#: measured fixed cost per coupling (arrays, two steepest-descent sweeps, one selection
#: round: about 4 s for the 2 million couplings of a dense 2000-variable model, 2 cores)
FIXED_S_PER_COUPLING = 2e-6
SHARE_FLOOR = 4  # a sub-solve gets at least 1 / SHARE_FLOOR of what is left
DEFAULT_ROUNDS = 20  # max_rounds without a time limit
PATIENCE = 3  # rounds without improvement that end an unlimited loop


class DecomposeBackend(SamplerBackend[DecomposeOptions]):
    """Decomposition loop: sub-problems on a (quantum) sub-backend, classical sweeps between."""

    name = "decompose"
    Options = DecomposeOptions
    requires = ("dwave.samplers", "networkx")
    package = "hybrid-workbench"
    anytime = True
    description = ("large BQMs split into sub-problems for a sub-backend (qaoa by default), "
                   "stitched with classical sweeps")
    conformance = {"options": {"sub_size": 4, "sub_options": {"p": 1, "maxiter": 60}},
                   "sizes": (4, 6, 8), "trials": 2, "min_success": 0.9}

    def _sweep(self, bqm: dimod.BinaryQuadraticModel, state: dict[Any, int],
               options: DecomposeOptions, seed: int) -> dict[Any, int]:
        if options.sweep == "none" or bqm.num_variables == 0:
            return state
        order = list(bqm.variables)
        init = np.array([[state[v] for v in order]])
        if options.sweep == "steepest":
            from dwave.samplers import SteepestDescentSolver

            ss = SteepestDescentSolver().sample(bqm, initial_states=(init, order))
        else:
            from dwave.samplers import TabuSampler

            ss = TabuSampler().sample(bqm, initial_states=(init, order), num_reads=1,
                                      timeout=options.tabu_timeout, seed=seed % 2 ** 31)
        best = dict(ss.first.sample)
        return best if bqm.energy(best) <= bqm.energy(state) else state

    def _sub_backend(self, options: DecomposeOptions) -> Any:
        from hybrid_workbench.registry import get_backend

        return get_backend(options.sub_backend)

    def _check(self, model: Any, options: DecomposeOptions) -> None:
        """The sub-backend must exist, take BQMs and take ``sub_size`` variables."""
        super()._check(model, options)
        sub = self._sub_backend(options)
        sub.check_size("bqm", min(options.sub_size, len(model.variables)),
                       sub.make_options(options.sub_options))
        if options.time_limit is not None:
            fixed = FIXED_S_PER_COUPLING * model.num_interactions
            if fixed > options.time_limit / 2:
                raise ProblemTooLargeError(
                    f"backend 'decompose' needs about {fixed:.1f} s of fixed work (arrays, two "
                    f"full-model sweeps, one selection round) on a model with "
                    f"{model.num_interactions:,} couplings, more than half of the "
                    f"{options.time_limit:g} s limit; give at least {2 * fixed:.0f} s")

    def _setup(self, options: DecomposeOptions) -> None:
        """Imports, and the sub-backend's own set-up (kernels, calibration), before the
        deadline starts."""
        super()._setup(options)
        sub = self._sub_backend(options)
        limited = options.time_limit is not None and sub.capabilities().time_limit
        sub._setup(sub.make_options(options.sub_options,
                                    time_limit=options.time_limit if limited else None))

    def _solve(self, model: dimod.BinaryQuadraticModel, options: DecomposeOptions,
               deadline: Deadline, seed: int) -> Solved:
        start = time.perf_counter()
        rng = np.random.default_rng(seed)
        sub = self._sub_backend(options)
        sub_limited = sub.capabilities().time_limit
        sub_cap = options.sub_options.get("time_limit")
        trace = Trace(started=deadline.started)
        values = (-1, 1) if model.vartype is dimod.SPIN else (0, 1)
        state = {v: values[int(b)] for v, b in zip(model.variables, rng.integers(0, 2, len(model)))}
        sweep_start = time.perf_counter()
        state = self._sweep(model, state, options, seed)
        sweep_s = time.perf_counter() - sweep_start  # held back for the final sweep
        energy = model.energy(state) if len(model) else model.offset
        trace.record(float(energy))
        arrays = _Couplings(model)
        # Kernighan-Lin bisection in NetworkX is slow on dense models: under a time limit,
        # partition rounds are only run where the graph is small enough to bisect in time
        can_partition = not deadline.limited or model.num_interactions <= PARTITION_MAX_EDGES
        parts: list[list[Any]] | None = None
        solved = improved = rounds = stale = 0
        status, history = Status.BEST_FOUND, [float(energy)]
        per_round = max(1, int(np.ceil(len(model) / max(1, options.sub_size))))
        max_rounds = options.max_rounds or (DEFAULT_ROUNDS if not deadline.limited else None)
        slowest_sub_s = 0.0

        def time_is_up() -> bool:
            left = deadline.remaining() - 1.5 * sweep_s
            return deadline.limited and (left < MIN_SHARE_S or left < slowest_sub_s)

        while len(model) and (max_rounds is None or rounds < max_rounds):
            use_partition = can_partition and (options.selection == "partition" or (
                options.selection == "both" and rounds % 2 == 1))
            if use_partition and (parts is None or rounds > 1):  # a fresh bisection each time
                parts = partition(model, options.sub_size, seed=seed + rounds)
            subsets = parts if use_partition and parts is not None else impact_subsets(
                model, state, options.sub_size, 2 * per_round, rng, arrays)
            rounds += 1
            round_start = energy
            for i, subset in enumerate(subsets):
                limit = None
                if deadline.limited and not sub_limited and time_is_up():
                    status = Status.TIME_LIMIT
                    break
                if deadline.limited and sub_limited:
                    left = max(0.0, deadline.remaining() - 1.5 * sweep_s)
                    # a fair share of the rest of the round and one more, but never under
                    # a quarter of what is left (a large model under a short limit gets
                    # fewer sub-solves, each one long enough to do something)
                    limit = max(left / (len(subsets) - i + per_round), left / SHARE_FLOOR)
                    if sub_cap is not None:
                        limit = min(limit, float(sub_cap))
                    if limit < MIN_SHARE_S:
                        status = Status.TIME_LIMIT
                        break
                elif sub_cap is not None and sub_limited:
                    limit = float(sub_cap)
                sub_bqm = arrays.sub_model(state, subset)
                sub_start = time.perf_counter()
                sub_seed = int(rng.integers(2 ** 31))
                try:
                    result = sub.solve(sub_bqm, options=options.sub_options, seed=sub_seed,
                                       time_limit=limit if sub_limited else None)
                except ProblemTooLargeError:
                    if not deadline.limited:
                        raise
                    # the share is too short for the sub-backend: offer it all that is
                    # left once; refused again, the loop ends
                    left = deadline.remaining() - 1.5 * sweep_s
                    try:
                        if not sub_limited or left < MIN_SHARE_S or limit is None \
                                or left <= 1.01 * limit:
                            raise
                        result = sub.solve(sub_bqm, options=options.sub_options, seed=sub_seed,
                                           time_limit=left)
                    except ProblemTooLargeError:
                        status = Status.TIME_LIMIT
                        break
                slowest_sub_s = max(slowest_sub_s, time.perf_counter() - sub_start)
                solved += 1
                current = sub_bqm.energy({v: state[v] for v in sub_bqm.variables})
                if result.energy is not None and result.energy < current - 1e-9:
                    state.update(result.sample)
                    energy = model.energy(state)
                    trace.record(float(energy))
                    improved += 1
            state = self._sweep(model, state, options, seed + rounds)
            energy = model.energy(state)
            trace.record(float(energy))
            history.append(float(energy))
            stale = stale + 1 if energy >= round_start - 1e-9 else 0
            if status == Status.TIME_LIMIT or (not deadline.limited and stale >= PATIENCE):
                break
            if deadline.limited and time_is_up():
                break
        order = list(model.variables)
        ss = dimod.SampleSet.from_samples_bqm(([[state[v] for v in order]], order), model)
        return Solved(
            ss, status=status, solver_s=time.perf_counter() - start,
            info={"rounds": rounds, "subproblems": solved, "subproblems_improved": improved,
                  "energy_history": history, "sub_backend": options.sub_backend,
                  "partition_rounds": can_partition,
                  "trace": trace.to_list()})
