"""``vqe``: the variational quantum eigensolver as a backend for ``pauli`` models.

A trial circuit (:mod:`hybrid_workbench.algorithms.ansatz`: UCCSD for molecules, hardware-efficient
otherwise) is optimised by SciPy to minimise the energy of a
:class:`~qiskit.quantum_info.SparsePauliOp` measured by a Qiskit V2 ``EstimatorV2``:

* ``aer-statevector`` (default) / ``aer-mps`` -- the exact ``EstimatorV2`` of that
  gate-model backend, asked of the registry (``primitives()``: the ansatz is transpiled
  once by its pass manager, parameters are bound per call);
* ``reference`` -- Qiskit's ``StatevectorEstimator`` (pure Python statevector: the
  independent cross-check, slow beyond a few hundred gates);
* ``aer-noisy`` -- the noise model of a 127-qubit IBM device. Energies then come from
  shots (:class:`~hybrid_workbench.algorithms.mitigation.PauliMeasurement` on Aer's ``SamplerV2``),
  optimised with readout mitigation when asked, and the final energy is reported
  unmitigated, readout-mitigated and zero-noise extrapolated side by side
  (``info['noisy']``); ``energy`` is the one ``mitigation`` names.

Primitives from Python go to the constructor (options stay JSON-able):
``VQEBackend(estimator=...)`` measures energies with that estimator (``precision`` from
``shots``); ``VQEBackend(sampler=..., pass_manager=...)`` without an estimator measures them
from shots, Pauli group by Pauli group, with the mitigation options of ``aer-noisy``::

    >>> from qiskit.primitives import StatevectorEstimator
    >>> from qiskit.quantum_info import SparsePauliOp
    >>> op = SparsePauliOp.from_list([("ZZ", 1.0), ("XI", 0.5), ("IX", 0.5)])
    >>> r = VQEBackend(estimator=StatevectorEstimator()).solve(
    ...     op, seed=1, options={"ansatz": "real-amplitudes"})
    >>> round(r.energy, 6), r.info["simulator"]
    (-1.414214, 'user')

A ``time_limit`` is kept: no energy (or gradient batch of ``2P + 1`` points) starts that
would not end before the deadline, with the final report's cost held back
(:class:`~hybrid_workbench.algorithms.budget.Budget`, costs measured as it runs); the best
parameters so far are kept (``status='time_limit'``); time left after the planned starts
goes to further random restarts (``anytime``). ``info['trace']`` is the best energy so far
against time.

With exact energies the gradient is taken by central differences, all ``2P + 1`` points in
one estimator call, and L-BFGS-B follows it; with shots COBYLA is used. ``info`` carries
``history`` (energy per iteration), the optimiser, the ansatz recipe (``ansatz``: rebuild it
with :func:`~hybrid_workbench.algorithms.ansatz.build_ansatz`), ``optimal_parameters``,
``num_parameters``, ``evaluations`` (energies computed) and ``iterations``.

Examples:
    >>> r = VQEBackend().solve(op, seed=1, options={"ansatz": "real-amplitudes"})
    >>> round(r.energy, 6), r.info["optimizer"]
    (-1.414214, 'L-BFGS-B')
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hybrid_workbench.algorithms.budget import Budget, DeadlineReached
from hybrid_workbench.backend import Backend
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import (
    MissingDependencyError,
    OptionsError,
    SolverError,
    UnsupportedModelError,
)
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.primitives import Primitives, backend_primitives
from hybrid_workbench.result import Solved, Status

__all__ = ["VQEBackend", "VQEOptions", "run_vqe"]

GRADIENT_FREE = ("COBYLA", "Nelder-Mead", "Powell")
NOISY_MAX_QUBITS = 12
GTOL = 1e-6  # gradient norm at which gradient-based optimisers stop (Hartree/radian)  # density-matrix simulation: 16 * 4^n bytes


@dataclass(frozen=True)
class VQEOptions(BackendOptions):
    """Options of ``vqe``.

    Attributes:
        ansatz: ``auto`` (UCCSD when ``num_particles`` is given, else efficient-su2),
            ``uccsd``, ``efficient-su2``, ``real-amplitudes``.
        reps: ansatz layers (default: 1 for UCCSD, 2 otherwise).
        optimizer: SciPy method; ``auto`` is L-BFGS-B on exact energies, COBYLA with shots.
        maxiter: optimiser iterations.
        tol: optimiser tolerance (relative energy change for L-BFGS-B/SLSQP; SciPy's
            ``tol`` for the gradient-free methods).
        restarts: extra random starting points (the best run is kept).
        simulator: ``aer-statevector``, ``aer-mps``, ``aer-noisy`` (gate-model backends
            asked of the registry) or ``reference`` (Qiskit's ``StatevectorEstimator``);
            ``auto``: the primitives given from Python, else ``aer-statevector``.
        shots: shots per energy (None: exact on ideal simulators, 4096 on ``aer-noisy``).
        mitigation: noisy path only: ``none``, ``readout``, ``zne``, ``readout+zne``.
        zne_factors: odd two-qubit-gate folding factors for ZNE.
        zne_fit: ``linear`` or ``richardson`` extrapolation.
        noise_backend: fake IBM device for ``aer-noisy`` (default FakeSherbrooke).
        num_particles: (alpha, beta) electrons (for UCCSD and the Hartree-Fock start).
        num_spatial_orbitals: active spatial orbitals (for UCCSD).
        mapping: fermion-to-qubit mapping the operator was built with.
        max_qubits: refuse larger operators.
        gradient_step: central-difference step (radians).
        time_limit: seconds; the best parameters when it comes are kept, time left after
            the planned starts goes to restarts (None: run to convergence).
    """

    ansatz: Literal["auto", "uccsd", "efficient-su2", "real-amplitudes"] = "auto"
    reps: int | None = None
    optimizer: Literal["auto", "L-BFGS-B", "BFGS", "SLSQP", "COBYLA", "Nelder-Mead",
                       "Powell"] = "auto"
    maxiter: int = 400
    tol: float = 1e-9
    restarts: int = 0
    simulator: Literal["auto", "reference", "aer-statevector", "aer-mps",
                       "aer-noisy"] = "auto"
    shots: int | None = None
    mitigation: Literal["none", "readout", "zne", "readout+zne"] = "readout+zne"
    zne_factors: tuple[int, ...] = (1, 3, 5)
    zne_fit: Literal["linear", "richardson"] = "linear"
    noise_backend: str | None = None
    num_particles: tuple[int, int] | None = None
    num_spatial_orbitals: int | None = None
    mapping: Literal["jordan-wigner", "parity", "bravyi-kitaev"] = "jordan-wigner"
    max_qubits: int = 16
    gradient_step: float = 1e-5
    time_limit: float | None = None

    def __post_init__(self) -> None:
        if self.reps is not None and self.reps < 1:
            raise OptionsError(f"reps must be >= 1, got {self.reps}")
        if self.maxiter < 1 or self.restarts < 0:
            raise OptionsError("maxiter must be >= 1 and restarts >= 0")
        if self.shots is not None and self.shots < 1:
            raise OptionsError(f"shots must be >= 1, got {self.shots}")
        if not self.zne_factors or any(f < 1 or f % 2 == 0 for f in self.zne_factors) \
                or len(set(self.zne_factors)) < 2:
            raise OptionsError(f"zne_factors must be >= 2 distinct odd integers, got "
                               f"{list(self.zne_factors)}")
        if not 0 < self.gradient_step < 0.1:
            raise OptionsError(f"gradient_step must be in (0, 0.1), got {self.gradient_step}")
        if not 1 <= self.max_qubits <= 30:
            raise OptionsError(f"max_qubits must be in 1..30, got {self.max_qubits}")


def _spec(model: Any, options: VQEOptions) -> Any:
    from hybrid_workbench.algorithms.ansatz import AnsatzSpec

    kind = AnsatzSpec(options.ansatz, model.num_qubits, 1, options.num_particles,
                      options.num_spatial_orbitals, options.mapping).resolve().kind
    reps = options.reps or (1 if kind == "uccsd" else 2)
    return AnsatzSpec(kind, model.num_qubits, reps, options.num_particles,
                      options.num_spatial_orbitals, options.mapping)


class VQEBackend(Backend[VQEOptions]):
    """Variational quantum eigensolver on Qiskit primitives (ideal or noisy, mitigated).

    Args:
        estimator: a Qiskit ``BaseEstimatorV2`` for the energies.
        sampler: a Qiskit ``BaseSamplerV2``: energies from shots when no estimator is given.
        pass_manager: makes circuits fit those primitives (None: run them as built).
    """

    name = "vqe"
    model_kinds = ("pauli",)
    Options = VQEOptions
    requires = ("qiskit", "scipy")
    package = "qiskit"
    device = "simulator"
    anytime = True
    description = "VQE (UCCSD / hardware-efficient) on Qiskit estimators; noisy path with mitigation"
    conformance = {"pauli_atol": 1e-4, "pauli_min_success": 0.75, "pauli_sizes": (1, 2, 3),
                   "pauli_trials": 2,
                   "options": {"ansatz": "efficient-su2", "reps": 3, "restarts": 1}}

    def __init__(self, estimator: Any = None, sampler: Any = None,
                 pass_manager: Any = None) -> None:
        self.user_primitives = Primitives.from_user(sampler, estimator, pass_manager)

    def resolve_simulator(self, options: VQEOptions) -> str:
        """The simulator ``auto`` means here: ``user`` or ``aer-statevector``."""
        if options.simulator != "auto":
            return options.simulator
        return "user" if self.user_primitives is not None else "aer-statevector"

    def max_variables(self, options: VQEOptions) -> int | None:
        if options.simulator == "aer-noisy":
            return min(options.max_qubits, NOISY_MAX_QUBITS)
        return options.max_qubits

    def _check(self, model: Any, options: VQEOptions) -> None:
        super()._check(model, options)
        if self.user_primitives is not None and options.simulator != "auto":
            raise OptionsError(f"vqe: this backend was given primitives, which simulator="
                               f"{options.simulator!r} would ignore; leave simulator at 'auto'")
        from hybrid_workbench.algorithms.eigen import check_hermitian

        reason = check_hermitian(model)
        if reason:
            raise UnsupportedModelError(f"backend 'vqe': {reason}")
        _spec(model, options).validate()
        if options.simulator == "aer-noisy":
            from hybrid_workbench._optional import is_installed

            if not is_installed("qiskit_ibm_runtime"):
                raise MissingDependencyError("simulator 'aer-noisy' needs qiskit-ibm-runtime; "
                                             "install it with: pip install "
                                             "'hybrid-workbench[noise]'")

    def _setup(self, options: VQEOptions) -> None:
        """Imports (SciPy's optimisers, the circuit library) before the deadline starts."""
        super()._setup(options)
        import scipy.optimize  # noqa: F401
        from qiskit import QuantumCircuit
        from qiskit.circuit import library  # noqa: F401

        simulator = self.resolve_simulator(options)
        if simulator.startswith("aer-"):  # build (and cache) the primitives, warm the transpiler
            prims = _primitives(simulator, None, options.noise_backend)
            qc = QuantumCircuit(2)
            qc.h(0)
            qc.cx(0, 1)
            prims.transpile(qc)

    def _solve(self, model: Any, options: VQEOptions, deadline: Deadline, seed: int) -> Solved:
        start = time.perf_counter()
        info = run_vqe(model, options, seed, deadline, self.user_primitives,
                       self.resolve_simulator(options))
        solver_s = time.perf_counter() - start
        energy = info.pop("energy")
        status = Status.TIME_LIMIT if info["stopped"] else Status.BEST_FOUND
        return Solved(energy=float(energy), solver_s=solver_s, status=status, info=info)


class _Objective:
    """Energy (and central-difference gradient) with a deadline, counting and a cache.

    Every estimator call goes through the :class:`Budget` (one cost unit per point), so
    none starts that would overshoot; the energy at each iterate is observed for the best
    point and the trace.
    """

    def __init__(self, batch: Any, step: float, budget: Budget) -> None:
        self.batch, self.step, self.budget = batch, step, budget
        self.cache: dict[bytes, float] = {}

    @property
    def evaluations(self) -> int:
        return self.budget.evaluations

    def energies(self, points: np.ndarray) -> np.ndarray:
        values = np.asarray(self.budget.run(lambda: self.batch(points), units=len(points),
                                            count=len(points)), dtype=float)
        for p, e in zip(points, values):
            self.cache[np.asarray(p).tobytes()] = float(e)
        self.budget.observe(float(values[0]), np.array(points[0], dtype=float))
        return values

    def value(self, x: np.ndarray) -> float:
        key = np.asarray(x, dtype=float).tobytes()
        if key not in self.cache:
            self.energies(np.asarray(x, dtype=float)[None, :])
        return self.cache[key]

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        x = np.asarray(x, dtype=float)
        shifts = np.eye(len(x)) * self.step
        points = np.vstack([x[None, :], x + shifts, x - shifts])
        e = self.energies(points)
        p = len(x)
        return float(e[0]), (e[1:p + 1] - e[p + 1:]) / (2 * self.step)


def _primitives(simulator: str, seed: int | None, noise_backend: str | None) -> Primitives:
    """The primitives of gate-model backend ``simulator``, asked of the registry (cached
    there: building a noisy pass manager's target takes seconds)."""
    options = {"noise_backend": noise_backend} if simulator == "aer-noisy" else None
    return backend_primitives(simulator, options=options, seed=seed)


def _ideal_batch(model: Any, ansatz: Any, options: VQEOptions, seed: int,
                 primitives: Primitives | None = None) -> Any:
    """A function points -> energies on an ideal estimator (``primitives`` or by name)."""
    simulator = options.simulator if primitives is None else "user"
    if simulator == "reference":
        from qiskit.primitives import StatevectorEstimator

        estimator = StatevectorEstimator(seed=seed)
        circuit, observable = ansatz, model
        precision = None if options.shots is None else 1.0 / np.sqrt(options.shots)
    else:
        if primitives is None:
            name = "aer-statevector" if simulator == "auto" else simulator
            primitives = _primitives(name, None if options.shots is None else seed, None)
        estimator = primitives.estimator
        circuit = primitives.transpile(ansatz)
        observable = primitives.observable_for(model, circuit)
        precision = (None if simulator == "user" else 0.0) if options.shots is None \
            else 1.0 / np.sqrt(options.shots)

    def batch(points: np.ndarray) -> np.ndarray:
        pub = (circuit, observable, points) if circuit.num_parameters else (circuit, observable)
        res = estimator.run([pub], precision=precision).result()[0]
        return np.broadcast_to(np.asarray(res.data.evs, dtype=float), (len(points),))

    return batch


def _method_options(method: str, options: VQEOptions) -> dict[str, Any]:
    """SciPy options: stop on the energy change (``tol``, relative) or a small gradient."""
    out: dict[str, Any] = {"maxiter": options.maxiter}
    if method == "L-BFGS-B":
        out.update(ftol=options.tol, gtol=GTOL)
    elif method == "BFGS":
        out.update(gtol=GTOL)
    elif method == "SLSQP":
        out.update(ftol=options.tol)
    return out


def _minimize(objective: _Objective, x0: np.ndarray, method: str, options: VQEOptions,
              history: list[float]) -> Any:
    """One optimiser run from ``x0``; iterates' energies go to ``history``."""
    from scipy.optimize import minimize

    def callback(xk: np.ndarray) -> None:
        history.append(objective.value(xk))

    kwargs: dict[str, Any] = {"method": method, "callback": callback,
                              "options": _method_options(method, options)}
    if method in GRADIENT_FREE:
        return minimize(objective.value, x0, tol=options.tol, **kwargs)
    return minimize(objective.value_and_grad, x0, jac=True, **kwargs)


def run_vqe(model: Any, options: VQEOptions, seed: int, deadline: Deadline | None = None,
            primitives: Primitives | None = None, simulator: str | None = None
            ) -> dict[str, Any]:
    """Run VQE on a validated model within ``deadline``; returns ``info`` with ``energy``.

    Args:
        primitives: user primitives (``simulator='user'``): the estimator when there is
            one, else shot energies on the sampler.
        simulator: the resolved simulator (default: ``options.simulator``, ``auto`` read
            as ``aer-statevector``).
    """
    from hybrid_workbench.algorithms.ansatz import build_ansatz

    deadline = deadline if deadline is not None else Deadline.start(None)
    simulator = simulator or options.simulator
    if simulator == "auto":
        simulator = "user" if primitives is not None else "aer-statevector"
    spec = _spec(model, options)
    ansatz = build_ansatz(spec)
    num_params = ansatz.num_parameters
    noisy = simulator == "aer-noisy" or (simulator == "user" and primitives is not None
                                         and primitives.estimator is None)
    shot_based = noisy or options.shots is not None
    method = options.optimizer if options.optimizer != "auto" else (
        "COBYLA" if shot_based else "L-BFGS-B")
    rng = np.random.default_rng(seed)
    # the noisy report measures each ZNE factor with 4x the shots
    budget = Budget(deadline, reserve_units=4.0 * len(options.zne_factors) if noisy else 0.0)

    sampler = measurement = mitigator = None
    if noisy:
        from hybrid_workbench.algorithms.mitigation import PauliMeasurement, ReadoutMitigator

        shots = options.shots or 4096
        prims = primitives if simulator == "user" else _primitives(
            "aer-noisy", seed, options.noise_backend)
        assert prims is not None
        sampler = prims.sampler
        measurement = PauliMeasurement(model, ansatz, prims.pass_manager)
        if any(c.num_parameters != num_params for c in measurement.circuits):
            raise SolverError("vqe: transpilation removed ansatz parameters")
        if "readout" in options.mitigation:
            mitigator = ReadoutMitigator.calibrate(sampler, measurement.circuits[0], shots=shots)

        def batch(points: np.ndarray) -> np.ndarray:
            raw, mit = measurement.energies(sampler, points, shots, mitigator=mitigator)
            return mit if mit is not None else raw
    else:
        batch = _ideal_batch(model, ansatz, options, seed,
                             primitives if simulator == "user" else None)

    objective = _Objective(batch, options.gradient_step, budget)
    starts = [np.zeros(num_params) if spec.kind == "uccsd" else
              rng.uniform(-np.pi, np.pi, num_params) * 0.5]
    starts += [rng.uniform(-np.pi, np.pi, num_params) for _ in range(options.restarts)]
    best = None
    history: list[float] = []
    iterations = runs = 0
    stopped = False
    try:
        while runs < len(starts) or (deadline.limited and num_params):
            x0 = starts[runs] if runs < len(starts) else rng.uniform(-np.pi, np.pi, num_params)
            run_history: list[float] = []
            if num_params == 0:
                res, x, e = None, x0, float(objective.energies(np.zeros((1, 0)))[0])
            else:
                run_history.append(objective.value(x0))
                res = _minimize(objective, x0, method, options, run_history)
                x, e = np.asarray(res.x), float(objective.value(res.x))
                iterations += int(getattr(res, "nit", 0) or 0)
            runs += 1
            if best is None or e < best[1]:
                best, history = (x, e, res), run_history
            if num_params == 0:
                break
    except DeadlineReached:
        stopped = runs < len(starts)
        if method not in GRADIENT_FREE and num_params and budget.fits(1):
            # a gradient batch no longer fits but single energies do: shrink the steps
            if budget.best_key is not None and (best is None or budget.best_value < best[1]):
                best, history = (budget.best_key, budget.best_value, None), [budget.best_value]
            method = "COBYLA"
            try:
                res = _minimize(objective, np.asarray(best[0] if best else starts[0]), method,
                                options, history)
                x, e = np.asarray(res.x), float(objective.value(res.x))
                if best is None or e < best[1]:
                    best = (x, e, res)
            except DeadlineReached:
                pass
        if budget.best_key is not None and (best is None or budget.best_value < best[1]):
            best = (budget.best_key, budget.best_value, None)
            history = history or [budget.best_value]
    if best is None:  # not one energy fitted in the time limit
        raise SolverError(f"vqe: the time limit ({deadline.limit_s} s) ended before the first "
                          "energy was measured; raise time_limit")
    x_opt, energy, res = best
    info: dict[str, Any] = {
        "energy": energy, "history": history, "optimizer": method,
        "ansatz": spec.to_dict(), "num_parameters": num_params,
        "optimal_parameters": np.asarray(x_opt).tolist(), "evaluations": objective.evaluations,
        "iterations": iterations, "starts": runs, "simulator": simulator,
        "num_qubits": model.num_qubits, "num_terms": len(model),
        "converged": bool(res.success) if res is not None else not stopped,
        "message": str(res.message) if res is not None else (
            "stopped by the time limit" if stopped else "no parameters"),
        "circuit_depth": ansatz.depth(), "stopped": stopped,
        "trace": budget.trace.to_list(),
    }
    if primitives is not None and simulator == "user":
        info["primitives"] = primitives.describe()
    if noisy:
        assert measurement is not None and sampler is not None
        from hybrid_workbench.algorithms.mitigation import mitigated_report

        info.update(mitigated_report(model, ansatz, measurement, sampler, mitigator,
                                     np.asarray(x_opt), options))
        info["energy"] = info["noisy"]["mitigated"]
    return info
