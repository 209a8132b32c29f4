"""``qaoa``: the Quantum Approximate Optimisation Algorithm as a BQM backend.

The quantum-classical loop: the BQM becomes an Ising cost ``C``
(:func:`~hybrid_workbench.algorithms.ising.bqm_to_pauli`); a SciPy optimiser tunes the ``2p`` angles
of ``prod_l exp(-i b_l B) exp(-i g_l C) |psi0>`` to minimise ``<C>`` (or its CVaR, the mean
of the lowest ``alpha`` fraction of the energy distribution); the optimised state is then
sampled and the samples come back as a :class:`dimod.SampleSet`.

Two execution paths compute the same numbers (a test checks ``<C>`` to 1e-9):

* ``fast`` -- :class:`~hybrid_workbench.algorithms.qaoa_sim.DiagonalQAOASimulator`, a statevector
  simulator specialised to diagonal costs (NumPy, numba or CuPy);
* ``primitives`` -- the circuit (``PauliEvolutionGate`` of the ``SparsePauliOp`` and RX
  mixers, :mod:`~hybrid_workbench.algorithms.qaoa_circuit`) on Qiskit V2 primitives: those
  of the gate-model backend named by ``gate_backend`` (``aer-statevector`` by default,
  asked of the registry), or primitives passed from Python. This is the path a real
  device takes.

Primitives from Python go to the constructor, since options stay JSON-able: the sampler
draws the final samples (and the shots of a CVaR objective); an estimator, when given,
computes ``<C>`` (exactly, for Qiskit's ``StatevectorEstimator``), otherwise ``<C>`` is
the mean of sampled energies. User primitives run as given (seed them yourself)::

    >>> from qiskit.primitives import StatevectorEstimator, StatevectorSampler
    >>> import dimod
    >>> ring = dimod.BinaryQuadraticModel({}, {(0, 1): 1, (1, 2): 1, (2, 3): 1, (3, 0): 1},
    ...                                   0.0, "SPIN")
    >>> user = QAOABackend(sampler=StatevectorSampler(seed=5), estimator=StatevectorEstimator())
    >>> r = user.solve(ring, seed=1, options={"p": 1})
    >>> r.energy, r.info["path"], r.info["primitives"]["source"]
    (-4.0, 'primitives', 'user')
    >>> from hybrid_workbench.algorithms.qaoa_sim import DiagonalQAOASimulator
    >>> fast = DiagonalQAOASimulator(ring).expectation(r.info["gammas"], r.info["betas"])
    >>> abs(fast - r.info["expectation"]) < 1e-9  # exact estimator = the fast engine
    True

Angles start from a linear ramp (a discretised annealing schedule) and, with
``init='interp'``, grow one layer at a time with the INTERP transfer of Zhou et al. (PRX
10, 021067, 2020): the optimum at depth ``k`` is interpolated to depth ``k+1``. With
``warm_start`` (a backend name), a classical solution biases the initial product state and
the mixer (warm-start QAOA, Egger et al., Quantum 5, 479, 2021). The cost is normalised
by its largest coefficient, so the default angles suit any scale.

A ``time_limit`` is kept (:mod:`hybrid_workbench.deadline`): on the fast path the cost of
the table, of one evaluation and of the final sampling is estimated first
(:mod:`~hybrid_workbench.algorithms.qaoa_plan`) and a model whose first evaluation cannot
fit is refused before work (:class:`~hybrid_workbench.errors.ProblemTooLargeError`, with
the figures); then no evaluation starts that would not end before the deadline with the
final sampling held back (:class:`~hybrid_workbench.algorithms.budget.Budget`, measured
costs). Stopped early, ``qaoa`` samples the best angles found so far at the depth reached
(``status='time_limit'``); finished early, it spends the rest on restarts from perturbed
best angles (``anytime``). ``info['trace']`` is the best objective so far against time.

Examples:
    >>> bqm = dimod.BinaryQuadraticModel({}, {(0, 1): 1.0, (1, 2): 1.0, (0, 2): 1.0}, 0.0, "SPIN")
    >>> r = QAOABackend().solve(bqm, seed=1, options={"p": 1})
    >>> r.energy, r.info["path"]
    (-1.0, 'fast')
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hybrid_workbench._optional import lazy_module

dimod = lazy_module("dimod")

from hybrid_workbench.algorithms.qaoa_circuit import (
    AerQAOAEvaluator,
    CircuitQAOAEvaluator,
)
from hybrid_workbench.algorithms.qaoa_loop import QAOARun, interp, linear_ramp, run_qaoa
from hybrid_workbench.backend import SamplerBackend
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import OptionsError, ProblemTooLargeError
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.primitives import Primitives, is_gate_model, machine_memory_bytes
from hybrid_workbench.result import Solved, Status

__all__ = ["QAOAOptions", "QAOABackend", "QAOARun", "run_qaoa", "linear_ramp", "interp",
           "AerQAOAEvaluator", "CircuitQAOAEvaluator"]

HARD_LIMIT = 34


@dataclass(frozen=True)
class QAOAOptions(BackendOptions):
    """Options of ``qaoa``.

    Attributes:
        p: number of layers.
        path: ``fast`` (diagonal-cost simulator), ``primitives`` (the circuit on Qiskit V2
            primitives) or ``auto`` (``primitives`` when the backend was given primitives
            from Python, else ``fast``).
        gate_backend: registered gate-model backend whose primitives the ``primitives``
            path uses (unless primitives were given from Python).
        gate_options: options of that backend's primitives (e.g. ``device``).
        engine: fast-path engine: ``auto`` (numba if installed), ``numba``, ``numpy``, ``cupy``.
        shots: samples drawn from the optimised state (and per CVaR or sampled objective).
        cvar_alpha: CVaR fraction in (0, 1]; 1 is the plain expectation.
        optimizer: ``scipy.optimize.minimize`` method.
        maxiter: optimiser iterations per depth.
        init: ``interp`` (grow 1..p with INTERP transfer) or ``ramp`` (linear ramp at p).
        ramp_delta: the linear ramp's time step (normalised cost).
        initial_angles: ``[g_1..g_p, b_1..b_p]`` to start from instead of the ramp.
        warm_start: backend name whose solution biases the initial state (None: ``|+>``).
        warm_start_epsilon: regularisation of the warm start (0 < eps <= 0.5).
        max_qubits: refuse larger models (default: what half this machine's memory holds).
        time_limit: seconds; the optimiser stops in time and the best angles are sampled;
            time left after convergence goes to restarts (None: run to convergence).
    """

    p: int = 2
    path: Literal["auto", "fast", "primitives"] = "auto"
    gate_backend: str = "aer-statevector"
    gate_options: dict[str, Any] = field(default_factory=dict)
    engine: Literal["auto", "numba", "numpy", "cupy"] = "auto"
    shots: int = 1024
    cvar_alpha: float = 1.0
    optimizer: Literal["COBYLA", "Nelder-Mead", "Powell", "L-BFGS-B", "SLSQP"] = "COBYLA"
    maxiter: int = 200
    init: Literal["interp", "ramp"] = "interp"
    ramp_delta: float = 0.75
    initial_angles: tuple[float, ...] | None = None
    warm_start: str | None = None
    warm_start_epsilon: float = 0.25
    max_qubits: int | None = None
    time_limit: float | None = None

    def __post_init__(self) -> None:
        if self.p < 1:
            raise OptionsError(f"p must be >= 1, got {self.p}")
        if self.shots < 1 or self.maxiter < 1:
            raise OptionsError("shots and maxiter must be >= 1")
        if not 0 < self.cvar_alpha <= 1:
            raise OptionsError(f"cvar_alpha must be in (0, 1], got {self.cvar_alpha}")
        if not 0 < self.warm_start_epsilon <= 0.5:
            raise OptionsError(f"warm_start_epsilon must be in (0, 0.5], got {self.warm_start_epsilon}")
        if self.initial_angles is not None and len(self.initial_angles) != 2 * self.p:
            raise OptionsError(f"initial_angles needs 2p = {2 * self.p} values (gammas then betas)")
        if self.max_qubits is not None and not 1 <= self.max_qubits <= HARD_LIMIT:
            raise OptionsError(f"max_qubits must be in 1..{HARD_LIMIT}, got {self.max_qubits}")


class QAOABackend(SamplerBackend[QAOAOptions]):
    """QAOA on BQMs: the fast diagonal-cost simulator, or any Qiskit V2 primitives.

    Args:
        sampler: a Qiskit ``BaseSamplerV2`` to run on (draws the final samples).
        estimator: a Qiskit ``BaseEstimatorV2`` for ``<C>`` (optional; needs a sampler).
        pass_manager: makes the circuit fit those primitives (None: run it as built).

    Without primitives, the ``path`` option chooses the fast simulator or the primitives
    of the ``gate_backend`` named in the options.
    """

    name = "qaoa"
    Options = QAOAOptions
    requires = ("qiskit", "scipy")
    package = "hybrid-workbench"
    device = "simulator"
    anytime = True
    description = "QAOA (p layers, CVaR, INTERP/ramp angles, warm start) on a fast simulator or Qiskit primitives"
    conformance = {"min_success": 0.8, "sizes": (4, 8, 12), "trials": 3,
                   "options": {"p": 2, "maxiter": 100}}

    def __init__(self, sampler: Any = None, estimator: Any = None,
                 pass_manager: Any = None) -> None:
        if sampler is None and estimator is not None:
            raise OptionsError("qaoa samples its optimised state: pass a sampler too (e.g. "
                               "qiskit.primitives.StatevectorSampler()); the estimator is "
                               "optional and gives exact <C> where it is exact")
        self.user_primitives = Primitives.from_user(sampler, estimator, pass_manager)

    def resolve_path(self, options: QAOAOptions) -> str:
        """``fast`` or ``primitives``: what ``auto`` means for this instance."""
        if options.path != "auto":
            return options.path
        return "primitives" if self.user_primitives is not None else "fast"

    def max_variables(self, options: QAOAOptions) -> int | None:
        memory = machine_memory_bytes() // 2 // 32  # see qaoa_sim.BYTES_PER_STATE
        fits = max(1, memory.bit_length() - 1)
        return min(options.max_qubits or HARD_LIMIT, fits, HARD_LIMIT)

    def _check(self, model: Any, options: QAOAOptions) -> None:
        try:
            super()._check(model, options)
        except ProblemTooLargeError:
            n = len(model.variables)
            limit = self.max_variables(options)
            raise ProblemTooLargeError(
                f"backend 'qaoa' simulates one qubit per variable: {n} variables need "
                f"~32*2^{n} bytes, over its limit of {limit} qubits (max_qubits; half this "
                "machine's memory); use 'decompose' with sub_backend='qaoa' to split the "
                "model into sub-problems") from None
        path = self.resolve_path(options)
        if self.user_primitives is not None and path == "fast":
            raise OptionsError("qaoa: this backend was given primitives, which path='fast' "
                               "would ignore; leave path at 'auto' (or use QAOABackend())")
        if path == "primitives" and self.user_primitives is None:
            from hybrid_workbench.registry import get_backend

            if not is_gate_model(get_backend(options.gate_backend)):
                raise OptionsError(f"qaoa: gate_backend {options.gate_backend!r} is not a "
                                   "gate-model backend (no primitives); use e.g. "
                                   "'aer-statevector'")

    def dry_run(self, model: Any, options: Mapping[str, Any] | BackendOptions | None = None,
                seed: int | None = None) -> dict[str, Any]:
        """The QAOA circuit the ``primitives`` path would submit, as the gate backend's dry
        run reports it (nothing runs); ``evaluations_max`` bounds the optimiser's calls."""
        from hybrid_workbench.algorithms.ising import bqm_to_pauli
        from hybrid_workbench.algorithms.qaoa_circuit import qaoa_circuit
        from hybrid_workbench.registry import get_backend

        opts = self.make_options(options)
        self._check(model, opts)
        if self.resolve_path(opts) != "primitives" or self.user_primitives is not None:
            raise OptionsError("qaoa: a dry run needs path=primitives and a gate_backend that "
                               "submits to a device (e.g. gate_backend=ibm); the fast path "
                               "submits nothing")
        op, _, variables = bqm_to_pauli(model)
        circuit, _, _ = qaoa_circuit(op, len(variables), opts.p)
        report = get_backend(opts.gate_backend).dry_run(circuit, opts.gate_options, seed=seed)
        layers = range(1, opts.p + 1) if opts.init == "interp" else (opts.p,)
        evaluations = opts.maxiter * len(layers) + 1
        total = report.get("estimated_qpu_s")
        return {**report, "backend": self.name, "gate_backend": opts.gate_backend, "p": opts.p,
                "evaluations_max": evaluations,
                "estimated_qpu_s_max": None if total is None else round(total * evaluations, 6)}

    def _setup(self, options: QAOAOptions) -> None:
        """Imports; under a time limit, the fast path's cost calibration (it compiles the
        numba kernels too), once per process."""
        super()._setup(options)
        import importlib

        for module in ("dimod", "scipy.optimize", "hybrid_workbench.algorithms.qaoa_sim",
                       "hybrid_workbench.algorithms.ising"):
            importlib.import_module(module)
        if self.resolve_path(options) == "primitives":
            import qiskit.circuit.library  # noqa: F401  (PauliEvolutionGate, seconds cold)
        if options.time_limit is not None and options.engine != "cupy":
            from hybrid_workbench._optional import is_installed
            from hybrid_workbench.algorithms.qaoa_plan import calibrate

            for engine in ("numpy", "numba"):
                if options.engine in ("auto", engine) and is_installed(engine):
                    calibrate(engine)

    def _solve(self, model: dimod.BinaryQuadraticModel, options: QAOAOptions,
               deadline: Deadline, seed: int) -> Solved:
        start = time.perf_counter()
        path = self.resolve_path(options)
        if model.num_variables == 0:
            ss = dimod.SampleSet.from_samples_bqm(([[]], []), model)
            return Solved(ss, solver_s=0.0, info={"path": path, "num_qubits": 0})
        resolved = dataclasses.replace(options, path=path)
        run = run_qaoa(model, resolved, seed, deadline, self.user_primitives)
        info: dict[str, Any] = {
            "path": path, "engine": run.engine, "num_qubits": model.num_variables,
            "p": options.p, "depth_reached": run.depth, "gammas": run.gammas,
            "betas": run.betas, "expectation": run.objective,
            "expectation_exact": run.expectation_exact, "history": run.history,
            "evaluations": run.evaluations, "restarts": run.restarts,
            "cost_scale": run.scale, "trace": run.trace}
        if path == "primitives":
            info["primitives"] = (self.user_primitives.describe() if self.user_primitives
                                  else {"source": options.gate_backend})
        if run.warm_start_energy is not None:
            info["warm_start_energy"] = run.warm_start_energy
        status = Status.TIME_LIMIT if run.stopped else Status.BEST_FOUND
        return Solved(run.sampleset, status=status, solver_s=time.perf_counter() - start,
                      info=info)
