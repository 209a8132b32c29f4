"""``vqe``: the variational quantum eigensolver as a backend for ``pauli`` models.

A trial circuit (:mod:`hybrid_workbench.algorithms.ansatz`: UCCSD for molecules, hardware-efficient
otherwise) is optimised by SciPy to minimise the energy of a
:class:`~qiskit.quantum_info.SparsePauliOp` measured by a Qiskit V2 ``EstimatorV2``:

* ``aer-statevector`` (default) / ``aer-mps`` -- Aer's exact ``EstimatorV2`` from
  :func:`hybrid_workbench.backends.aer.make_primitives` (the ansatz is transpiled once by its pass manager,
  parameters are bound per call);
* ``reference`` -- Qiskit's ``StatevectorEstimator`` (pure Python statevector: the
  independent cross-check, slow beyond a few hundred gates);
* ``aer-noisy`` -- the noise model of a 127-qubit IBM device. Energies then come from
  shots (:class:`~hybrid_workbench.algorithms.mitigation.PauliMeasurement` on Aer's ``SamplerV2``),
  optimised with readout mitigation when asked, and the final energy is reported
  unmitigated, readout-mitigated and zero-noise extrapolated side by side
  (``info['noisy']``); ``energy`` is the one ``mitigation`` names.

With exact energies the gradient is taken by central differences, all ``2P + 1`` points in
one estimator call, and L-BFGS-B follows it; with shots COBYLA is used. ``info`` carries
``history`` (energy per iteration), the optimiser, the ansatz recipe (``ansatz``: rebuild it
with :func:`~hybrid_workbench.algorithms.ansatz.build_ansatz`), ``optimal_parameters``,
``num_parameters``, ``evaluations`` (energies computed) and ``iterations``.

Examples:
    >>> from qiskit.quantum_info import SparsePauliOp
    >>> op = SparsePauliOp.from_list([("ZZ", 1.0), ("XI", 0.5), ("IX", 0.5)])
    >>> r = VQEBackend().solve(op, seed=1, options={"ansatz": "real-amplitudes"})
    >>> round(r.energy, 6), r.info["optimizer"]
    (-1.414214, 'L-BFGS-B')
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hybrid_workbench.backend import Backend
from hybrid_workbench.errors import MissingDependencyError, OptionsError, SolverError, UnsupportedModelError
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.options import BackendOptions
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
        simulator: ``aer-statevector``, ``aer-mps``, ``aer-noisy`` or ``reference``.
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
    """

    ansatz: Literal["auto", "uccsd", "efficient-su2", "real-amplitudes"] = "auto"
    reps: int | None = None
    optimizer: Literal["auto", "L-BFGS-B", "BFGS", "SLSQP", "COBYLA", "Nelder-Mead",
                       "Powell"] = "auto"
    maxiter: int = 400
    tol: float = 1e-9
    restarts: int = 0
    simulator: Literal["reference", "aer-statevector", "aer-mps", "aer-noisy"] = "aer-statevector"
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


class VQEBackend(Backend):
    """Variational quantum eigensolver on Qiskit primitives (ideal or noisy, mitigated)."""

    name = "vqe"
    model_kinds = ("pauli",)
    Options = VQEOptions
    requires = ("qiskit", "scipy")
    package = "qiskit"
    device = "simulator"
    description = "VQE (UCCSD / hardware-efficient) on Qiskit estimators; noisy path with mitigation"
    conformance = {"pauli_atol": 1e-4, "pauli_min_success": 0.75, "pauli_sizes": (1, 2, 3),
                   "pauli_trials": 2,
                   "options": {"ansatz": "efficient-su2", "reps": 3, "restarts": 1}}

    def max_variables(self, options: BackendOptions) -> int | None:
        assert isinstance(options, VQEOptions)
        if options.simulator == "aer-noisy":
            return min(options.max_qubits, NOISY_MAX_QUBITS)
        return options.max_qubits

    def _check(self, model: Any, options: BackendOptions) -> None:
        super()._check(model, options)
        assert isinstance(options, VQEOptions)
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

    def _solve(self, model: Any, options: BackendOptions, deadline: Deadline, seed: int) -> Solved:
        assert isinstance(options, VQEOptions)
        start = time.perf_counter()
        info = run_vqe(model, options, seed)
        solver_s = time.perf_counter() - start
        energy = info.pop("energy")
        return Solved(energy=float(energy), solver_s=solver_s, status=Status.BEST_FOUND,
                      info=info)


class _Objective:
    """Energy (and central-difference gradient) with evaluation counting and a cache."""

    def __init__(self, batch: Any, step: float) -> None:
        self.batch, self.step = batch, step
        self.evaluations = 0
        self.cache: dict[bytes, float] = {}

    def energies(self, points: np.ndarray) -> np.ndarray:
        values = np.asarray(self.batch(points), dtype=float)
        self.evaluations += len(points)
        for p, e in zip(points, values):
            self.cache[np.asarray(p).tobytes()] = float(e)
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


@functools.lru_cache(maxsize=8)
def _primitives(kind: str, seed: int | None, noise_backend: str | None) -> tuple[Any, Any, Any]:
    """Aer primitives and pass manager, built once per process and kind (building the
    pass manager's target takes seconds; runs stay reproducible: every run passes the seed)."""
    from hybrid_workbench.backends.aer import make_primitives

    return make_primitives(kind, seed=seed, noise_backend=noise_backend)


def _ideal_batch(model: Any, ansatz: Any, options: VQEOptions, seed: int) -> Any:
    """A function points -> energies on an ideal estimator."""
    if options.simulator == "reference":
        from qiskit.primitives import StatevectorEstimator

        estimator = StatevectorEstimator(seed=seed)
        circuit, observable = ansatz, model
        precision = None if options.shots is None else 1.0 / np.sqrt(options.shots)
    else:
        kind = options.simulator.removeprefix("aer-")
        _, estimator, pm = _primitives(kind, None if options.shots is None else seed, None)
        circuit = pm.run(ansatz)
        observable = model.apply_layout(circuit.layout)
        precision = 0.0 if options.shots is None else 1.0 / np.sqrt(options.shots)

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


def run_vqe(model: Any, options: VQEOptions, seed: int) -> dict[str, Any]:
    """Run VQE on a validated model; returns ``info`` with ``energy``."""
    from scipy.optimize import minimize

    from hybrid_workbench.algorithms.ansatz import build_ansatz

    spec = _spec(model, options)
    ansatz = build_ansatz(spec)
    num_params = ansatz.num_parameters
    noisy = options.simulator == "aer-noisy"
    shot_based = noisy or options.shots is not None
    method = options.optimizer if options.optimizer != "auto" else (
        "COBYLA" if shot_based else "L-BFGS-B")
    rng = np.random.default_rng(seed)

    sampler = measurement = mitigator = None
    if noisy:
        from hybrid_workbench.algorithms.mitigation import PauliMeasurement, ReadoutMitigator

        shots = options.shots or 4096
        sampler, _, pm = _primitives("noisy", seed, options.noise_backend)
        measurement = PauliMeasurement(model, ansatz, pm)
        if any(c.num_parameters != num_params for c in measurement.circuits):
            raise SolverError("vqe: transpilation removed ansatz parameters")
        if "readout" in options.mitigation:
            mitigator = ReadoutMitigator.calibrate(sampler, measurement.circuits[0], shots=shots)

        def batch(points: np.ndarray) -> np.ndarray:
            raw, mit = measurement.energies(sampler, points, shots, mitigator=mitigator)
            return mit if mit is not None else raw
    else:
        batch = _ideal_batch(model, ansatz, options, seed)

    objective = _Objective(batch, options.gradient_step)
    starts = [np.zeros(num_params) if spec.kind == "uccsd" else
              rng.uniform(-np.pi, np.pi, num_params) * 0.5]
    starts += [rng.uniform(-np.pi, np.pi, num_params) for _ in range(options.restarts)]
    best = None
    history: list[float] = []
    iterations = 0
    for x0 in starts:
        run_history: list[float] = [objective.value(x0)] if num_params else []

        def callback(xk: np.ndarray, run_history: list[float] = run_history) -> None:
            run_history.append(objective.value(xk))

        if num_params == 0:
            res = None
            x, e = x0, float(objective.energies(np.zeros((1, 0)))[0])
        else:
            kwargs: dict[str, Any] = {"method": method, "callback": callback,
                                      "options": _method_options(method, options)}
            if method in GRADIENT_FREE:
                kwargs["tol"] = options.tol
            if method in GRADIENT_FREE:
                res = minimize(objective.value, x0, **kwargs)
            else:
                res = minimize(objective.value_and_grad, x0, jac=True, **kwargs)
            x, e = np.asarray(res.x), float(objective.value(res.x))
            iterations += int(getattr(res, "nit", 0) or 0)
        if best is None or e < best[1]:
            best = (x, e, res)
            history = run_history
    assert best is not None
    x_opt, energy, res = best
    info: dict[str, Any] = {
        "energy": energy, "history": history, "optimizer": method,
        "ansatz": spec.to_dict(), "num_parameters": num_params,
        "optimal_parameters": x_opt.tolist(), "evaluations": objective.evaluations,
        "iterations": iterations, "starts": len(starts), "simulator": options.simulator,
        "num_qubits": model.num_qubits, "num_terms": len(model),
        "converged": bool(res.success) if res is not None else True,
        "message": str(res.message) if res is not None else "no parameters",
        "circuit_depth": ansatz.depth(),
    }
    if noisy:
        assert measurement is not None and sampler is not None
        info.update(_mitigated_report(model, ansatz, measurement, sampler, mitigator, x_opt,
                                      options))
        info["energy"] = info["noisy"]["mitigated"]
    return info


def _mitigated_report(model: Any, ansatz: Any, measurement: Any, sampler: Any,
                      mitigator: Any, x: np.ndarray, options: VQEOptions) -> dict[str, Any]:
    """Final energy at ``x``: unmitigated, readout-mitigated, ZNE, side by side."""
    from qiskit.quantum_info import Statevector

    from hybrid_workbench.algorithms.mitigation import extrapolate

    shots = 4 * (options.shots or 4096)  # the final estimate gets more shots
    raw, ro = [], []
    for factor in options.zne_factors:
        r, m = measurement.energies(sampler, x[None, :], shots, factor=factor, mitigator=mitigator)
        raw.append(float(r[0]))
        ro.append(float(m[0]) if m is not None else None)
    factors = list(options.zne_factors)
    base = factors.index(min(factors))
    report: dict[str, Any] = {
        "unmitigated": raw[base], "zne_factors": factors, "zne_fit": options.zne_fit,
        "energies_by_factor": raw,
        "zne": extrapolate(factors, raw, options.zne_fit),
    }
    if mitigator is not None:
        report["readout_mitigated"] = ro[base]
        report["energies_by_factor_readout"] = ro
        report["readout+zne"] = extrapolate(factors, ro, options.zne_fit)
        report["readout_fidelity"] = mitigator.assignment_fidelity()
    chosen = options.mitigation
    report["mitigated"] = report["unmitigated"] if chosen == "none" else (
        report["readout_mitigated"] if chosen == "readout" else report[chosen])
    bound = ansatz.assign_parameters(x) if ansatz.num_parameters else ansatz
    report["ideal_at_optimum"] = float(np.real(Statevector(bound).expectation_value(model)))
    report["final_shots"] = shots
    return {"noisy": report, "noise_backend": options.noise_backend or "FakeSherbrooke"}
