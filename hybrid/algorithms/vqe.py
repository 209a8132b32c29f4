"""``vqe``: the variational quantum eigensolver as a backend for ``pauli`` models.

A trial circuit (:mod:`hybrid_workbench.algorithms.ansatz`: UCCSD for molecules, hardware-efficient
otherwise) is optimised by SciPy to minimise the energy of a
:class:`~qiskit.quantum_info.SparsePauliOp` measured by a Qiskit V2 ``EstimatorV2``:

* ``aer-statevector`` (default) / ``aer-mps`` -- the exact ``EstimatorV2`` of that
  gate-model backend, asked of the registry (``primitives()``: the ansatz is transpiled
  once by its pass manager, parameters are bound per call);
* ``reference`` -- Qiskit's ``StatevectorEstimator`` (pure Python statevector: the
  independent cross-check, slow beyond a few hundred gates);
* any other gate-model backend by name (``simulator='ibm'``, with ``gate_options`` such
  as ``{"ibm_backend": "fake_sherbrooke"}``): its primitives, as if given from Python;
* ``aer-noisy`` -- the noise model of a 127-qubit IBM device, simulated on the qubits the
  ansatz is laid out on (:mod:`hybrid_workbench.algorithms.vqe_noisy`). Energies then come
  from shots, and the optimum is measured again unmitigated and with the error mitigation
  that ``mitigation`` names, side by side with the ideal value (``info['noisy']``);
  ``energy`` is the mitigated one.

Error mitigation is IBM's, through the Qiskit Runtime's ``resilience`` options
(:mod:`hybrid_workbench.algorithms.mitigation`): ``readout`` is TREX, ``zne`` zero-noise
extrapolation by gate folding over ``zne_factors`` (``zne_fit``). On a Runtime
``EstimatorV2`` given from Python the options are set on that estimator (in place) and
the Runtime mitigates every energy; on ``aer-noisy`` the Runtime's client-side estimator applies them
locally to the final energy. ``auto`` leaves a Runtime estimator's options as they are and
is ``readout+zne`` on ``aer-noisy``.

Primitives from Python go to the constructor (options stay JSON-able):
``VQEBackend(estimator=...)`` measures energies with that estimator (``precision`` from
``shots``); ``VQEBackend(sampler=..., pass_manager=...)`` without an estimator measures them
from shots, Pauli group by Pauli group (no mitigation there)::

    >>> from qiskit.primitives import StatevectorEstimator
    >>> from qiskit.quantum_info import SparsePauliOp
    >>> op = SparsePauliOp.from_list([("ZZ", 1.0), ("XI", 0.5), ("IX", 0.5)])
    >>> r = VQEBackend(estimator=StatevectorEstimator()).solve(
    ...     op, seed=1, options={"ansatz": "real-amplitudes"})
    >>> round(r.energy, 6), r.info["simulator"]
    (-1.414214, 'user')

With shots (``shots`` set, ``aer-noisy``, a sampler or a Runtime estimator) the reported
``energy`` is a fresh measurement at the optimum (the lowest of many noisy energies is
biased low) and ``info['energy_sigma']`` its standard error, from the estimator's ``stds``;
it is None for exact energies.

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
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np

from hybrid_workbench.algorithms.budget import Budget
from hybrid_workbench.algorithms.vqe_loop import (
    Objective,
    ideal_batch,
    optimise,
)
from hybrid_workbench.backend import Backend
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import (
    MissingDependencyError,
    OptionsError,
    UnsupportedModelError,
)
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.primitives import Primitives, backend_primitives
from hybrid_workbench.registry import NAME_RE
from hybrid_workbench.result import Solved, Status

__all__ = ["VQEBackend", "VQEOptions", "run_vqe"]

NOISY_MAX_QUBITS = 12
#: simulators run by this module itself; any other name is a gate-model backend (e.g. ibm)
BUILTIN_SIMULATORS = ("auto", "reference", "aer-statevector", "aer-mps", "aer-noisy")


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
            asked of the registry), ``reference`` (Qiskit's ``StatevectorEstimator``), or the
            name of any other gate-model backend (e.g. ``ibm``), whose primitives are built
            with ``gate_options``; ``auto``: the primitives given from Python, else
            ``aer-statevector``.
        gate_options: options of that other gate-model backend's primitives (e.g.
            ``{"ibm_backend": "fake_sherbrooke"}``).
        shots: shots per energy (None: exact on ideal simulators, 4096 on ``aer-noisy``).
        mitigation: ``none``, ``readout`` (TREX), ``zne``, ``readout+zne``: the Runtime's
            resilience options, on a Runtime estimator or (locally) on ``aer-noisy``;
            ``auto``: ``readout+zne`` on ``aer-noisy``, a Runtime estimator's own options.
        zne_factors: odd two-qubit-gate folding factors for ZNE.
        zne_fit: ``linear`` or ``richardson`` (the polynomial through every factor).
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
    simulator: str = "auto"
    gate_options: dict[str, Any] = field(default_factory=dict)
    shots: int | None = None
    mitigation: Literal["auto", "none", "readout", "zne", "readout+zne"] = "auto"
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
        if not NAME_RE.match(self.simulator or ""):
            raise OptionsError(f"simulator must be 'auto', 'reference', an 'aer-*' simulator or "
                               f"a gate-model backend's name such as 'ibm', got {self.simulator!r}")
        if self.gate_options and self.simulator in BUILTIN_SIMULATORS:
            raise OptionsError(f"gate_options are for another gate-model backend (e.g. "
                               f"simulator='ibm'); simulator={self.simulator!r} takes none")
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
    conformance: ClassVar[dict[str, Any]] = {"pauli_atol": 1e-4, "pauli_min_success": 0.75, "pauli_sizes": (1, 2, 3),
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
        if options.simulator not in BUILTIN_SIMULATORS:  # another gate-model backend
            from hybrid_workbench.primitives import is_gate_model
            from hybrid_workbench.registry import get_backend

            if not is_gate_model(get_backend(options.simulator)):
                raise OptionsError(f"vqe: simulator={options.simulator!r} is not a gate-model "
                                   "backend (it hands out no primitives); use e.g. "
                                   "'aer-statevector' or 'ibm'")
        if self.user_primitives is not None and options.simulator != "auto":
            raise OptionsError(f"vqe: this backend was given primitives, which simulator="
                               f"{options.simulator!r} would ignore; leave simulator at 'auto'")
        from hybrid_workbench.algorithms.eigen import check_hermitian

        reason = check_hermitian(model)
        if reason:
            raise UnsupportedModelError(f"backend 'vqe': {reason}")
        _spec(model, options).validate()
        if options.mitigation not in ("auto", "none") and options.simulator in (
                "auto", "reference", "aer-statevector", "aer-mps"):
            from hybrid_workbench.algorithms.mitigation import is_runtime_estimator

            estimator = getattr(self.user_primitives, "estimator", None)
            if not is_runtime_estimator(estimator):
                raise OptionsError(f"vqe: mitigation={options.mitigation!r} runs on "
                                   "simulator='aer-noisy' or a Qiskit Runtime EstimatorV2; "
                                   "set mitigation='none' for these primitives")
        if options.simulator == "aer-noisy":
            from hybrid_workbench._optional import is_installed

            missing = [m for m in ("qiskit_ibm_runtime", "qiskit_aer") if not is_installed(m)]
            if missing:
                raise MissingDependencyError(f"simulator 'aer-noisy' needs {missing[0]}; "
                                             "install it with: pip install "
                                             "'hybrid-workbench[noise]'")

    def _setup(self, options: VQEOptions) -> None:
        """Imports (SciPy's optimisers, the circuit library) before the deadline starts."""
        super()._setup(options)
        import scipy.optimize  # noqa: F401
        from qiskit import QuantumCircuit
        from qiskit.circuit import library  # noqa: F401

        simulator = self.resolve_simulator(options)
        qc = QuantumCircuit(2)
        qc.h(0)
        qc.cx(0, 1)
        if simulator == "aer-noisy":  # the fake device and its pass manager (cached)
            from hybrid_workbench.algorithms.vqe_noisy import (
                DEFAULT_NOISE_BACKEND,
                fake_device,
            )

            fake_device(options.noise_backend or DEFAULT_NOISE_BACKEND)[1].run(qc)
        elif simulator.startswith("aer-"):  # build (and cache) the primitives, warm the transpiler
            backend_primitives(simulator).transpile(qc)

    def _solve(self, model: Any, options: VQEOptions, deadline: Deadline, seed: int) -> Solved:
        start = time.perf_counter()
        simulator = self.resolve_simulator(options)
        if simulator in BUILTIN_SIMULATORS or simulator == "user":
            info = run_vqe(model, options, seed, deadline, self.user_primitives, simulator)
        else:  # another gate-model backend by name: its primitives, as if given from Python
            primitives = backend_primitives(simulator, options.gate_options or None, seed=seed)
            info = run_vqe(model, options, seed, deadline, primitives, "user")
            info["simulator"] = simulator
        solver_s = time.perf_counter() - start
        energy = info.pop("energy")
        status = Status.TIME_LIMIT if info["stopped"] else Status.BEST_FOUND
        return Solved(energy=float(energy), solver_s=solver_s, status=status, info=info)


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
    from hybrid_workbench.algorithms.vqe_noisy import mitigation_reserve_s

    deadline = deadline if deadline is not None else Deadline.start(None)
    simulator = simulator or options.simulator
    if simulator == "auto":
        simulator = "user" if primitives is not None else "aer-statevector"
    spec = _spec(model, options)
    ansatz = build_ansatz(spec)
    num_params = ansatz.num_parameters
    noisy = simulator == "aer-noisy" or (simulator == "user" and primitives is not None
                                         and primitives.estimator is None)
    runtime, resilience = False, None
    if simulator == "user" and primitives is not None and primitives.estimator is not None:
        from hybrid_workbench.algorithms.mitigation import (
            is_runtime_estimator,
            resilience_options,
        )

        runtime = is_runtime_estimator(primitives.estimator)
        resilience = None if options.mitigation == "auto" else resilience_options(
            options.mitigation, options.zne_factors, options.zne_fit)
    shot_based = noisy or runtime or options.shots is not None
    method = options.optimizer if options.optimizer != "auto" else (
        "COBYLA" if shot_based else "L-BFGS-B")
    rng = np.random.default_rng(seed)
    # the final report: the optimum measured again with 4x the shots, and mitigated
    budget = Budget(deadline, reserve_units=4.0 if noisy else 1.0 if shot_based else 0.0,
                    reserve_s=mitigation_reserve_s(options) if simulator == "aer-noisy" else 0.0)

    path = None
    if noisy:
        from hybrid_workbench.algorithms.vqe_noisy import noisy_path

        path = noisy_path(model, ansatz, options, seed,
                          primitives if simulator == "user" else None)
        batch = path.batch
    else:
        if runtime and options.mitigation != "auto":
            from hybrid_workbench.algorithms.mitigation import apply_resilience

            assert primitives is not None
            apply_resilience(primitives.estimator, resilience)
        batch = ideal_batch(model, ansatz, options, seed,
                             primitives if simulator == "user" else None)

    objective = Objective(batch, options.gradient_step, budget)
    starts = [np.zeros(num_params) if spec.kind == "uccsd" else
              rng.uniform(-np.pi, np.pi, num_params) * 0.5]
    starts += [rng.uniform(-np.pi, np.pi, num_params) for _ in range(options.restarts)]
    loop = optimise(objective, starts, method, options, deadline, rng)
    x_opt, energy, res = loop.best
    history, iterations, runs, stopped, method = (loop.history, loop.iterations, loop.runs,
                                                  loop.stopped, loop.method)
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
    info["energy_sigma"] = None
    if runtime:
        info["resilience"] = resilience if resilience is not None else "estimator's own"
    if path is not None:
        info.update(path.report(np.asarray(x_opt, dtype=float), options, seed))
    elif shot_based:
        # a fresh estimate at the optimum: the lowest noisy energy seen is biased low
        values, sigmas = batch(np.asarray(x_opt, dtype=float)[None, :])
        info["energy"] = float(values[0])
        info["energy_sigma"] = float(sigmas[0]) if np.isfinite(sigmas[0]) else None
    return info
