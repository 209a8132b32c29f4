"""``qaoa``: the Quantum Approximate Optimisation Algorithm as a BQM backend.

The quantum-classical loop: the BQM becomes an Ising cost ``C``
(:func:`~hybrid_workbench.algorithms.ising.bqm_to_pauli`); a SciPy optimiser tunes the ``2p`` angles
of ``prod_l exp(-i b_l B) exp(-i g_l C) |psi0>`` to minimise ``<C>`` (or its CVaR, the mean
of the lowest ``alpha`` fraction of the energy distribution); the optimised state is then
sampled and the samples come back as a :class:`dimod.SampleSet`.

Two execution paths compute the same numbers (a test checks ``<C>`` to 1e-9):

* ``fast`` -- :class:`~hybrid_workbench.algorithms.qaoa_sim.DiagonalQAOASimulator`, a statevector
  simulator specialised to diagonal costs (NumPy, numba or CuPy);
* ``aer`` -- the circuit (``PauliEvolutionGate`` of the ``SparsePauliOp`` and RX mixers) on
  Qiskit Aer's ``EstimatorV2`` / ``SamplerV2``: the path a real device would take.

Angles start from a linear ramp (a discretised annealing schedule) and, with
``init='interp'``, grow one layer at a time with the INTERP transfer of Zhou et al. (PRX
10, 021067, 2020): the optimum at depth ``k`` is interpolated to depth ``k+1``. With
``warm_start`` (a backend name), a classical solution biases the initial product state and
the mixer (warm-start QAOA, Egger et al., Quantum 5, 479, 2021). The cost is normalised
by its largest coefficient, so the default angles suit any scale.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({}, {(0, 1): 1.0, (1, 2): 1.0, (0, 2): 1.0}, 0.0, "SPIN")
    >>> r = QAOABackend().solve(bqm, seed=1, options={"p": 1})
    >>> r.energy, r.info["path"]
    (-1.0, 'fast')
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from hybrid_workbench._optional import lazy_module

dimod = lazy_module("dimod")
import numpy as np

from hybrid_workbench.backend import SamplerBackend
from hybrid_workbench.errors import OptionsError, ProblemTooLargeError
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved

__all__ = ["QAOAOptions", "QAOABackend", "QAOARun", "run_qaoa", "linear_ramp", "interp",
           "AerQAOAEvaluator"]

HARD_LIMIT = 34


@dataclass(frozen=True)
class QAOAOptions(BackendOptions):
    """Options of ``qaoa``.

    Attributes:
        p: number of layers.
        path: ``fast`` (diagonal-cost simulator) or ``aer`` (Aer V2 primitives).
        engine: fast-path engine: ``auto`` (numba if installed), ``numba``, ``numpy``, ``cupy``.
        shots: samples drawn from the optimised state.
        cvar_alpha: CVaR fraction in (0, 1]; 1 is the plain expectation.
        optimizer: ``scipy.optimize.minimize`` method.
        maxiter: optimiser iterations per depth.
        init: ``interp`` (grow 1..p with INTERP transfer) or ``ramp`` (linear ramp at p).
        ramp_delta: the linear ramp's time step (normalised cost).
        initial_angles: ``[g_1..g_p, b_1..b_p]`` to start from instead of the ramp.
        warm_start: backend name whose solution biases the initial state (None: ``|+>``).
        warm_start_epsilon: regularisation of the warm start (0 < eps <= 0.5).
        max_qubits: refuse larger models (default: what half this machine's memory holds).
    """

    p: int = 2
    path: Literal["fast", "aer"] = "fast"
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


def linear_ramp(p: int, delta: float = 0.75) -> np.ndarray:
    """Linear-ramp angles ``[g_1..g_p, b_1..b_p]`` (a Trotterised anneal for minimisation).

    Examples:
        >>> linear_ramp(2, 1.0).tolist()
        [0.25, 0.75, -0.75, -0.25]
    """
    f = (np.arange(p) + 0.5) / p
    return np.concatenate([delta * f, -delta * (1 - f)])


def interp(angles: np.ndarray) -> np.ndarray:
    """INTERP transfer of depth-``p`` angles to depth ``p + 1`` (Zhou et al. 2020).

    Examples:
        >>> interp(np.array([0.4, -0.6])).tolist()
        [0.4, 0.4, -0.6, -0.6]
    """
    p = len(angles) // 2

    def up(x: np.ndarray) -> np.ndarray:
        padded = np.concatenate([[0.0], x, [0.0]])
        i = np.arange(1, p + 2)
        return (i - 1) / p * padded[i - 1] + (p - i + 1) / p * padded[i]

    return np.concatenate([up(angles[:p]), up(angles[p:])])


class AerQAOAEvaluator:
    """QAOA energies and samples through Aer's ``EstimatorV2`` / ``SamplerV2``.

    The parametrised circuit is built and transpiled once; each evaluation binds angles.
    """

    def __init__(self, bqm: dimod.BinaryQuadraticModel, seed: int | None = None,
                 thetas: np.ndarray | None = None, p: int = 1) -> None:
        from qiskit import QuantumCircuit
        from qiskit.circuit import ParameterVector
        from qiskit.circuit.library import PauliEvolutionGate

        from hybrid_workbench.backends.aer import make_primitives
        from hybrid_workbench.algorithms.ising import bqm_to_pauli

        self.op, self.offset, self.variables = bqm_to_pauli(bqm)
        self.n, self.p = len(self.variables), p
        self.gammas, self.betas = ParameterVector("g", p), ParameterVector("b", p)
        qc = QuantumCircuit(self.n)
        if thetas is None:
            qc.h(range(self.n))
        else:
            for q, th in enumerate(thetas):
                qc.ry(float(th), q)
        for layer in range(p):
            qc.append(PauliEvolutionGate(self.op, time=self.gammas[layer]), range(self.n))
            for q in range(self.n):
                if thetas is None:
                    qc.rx(2 * self.betas[layer], q)
                else:
                    qc.ry(-float(thetas[q]), q)
                    qc.rz(2 * self.betas[layer], q)
                    qc.ry(float(thetas[q]), q)
        self.circuit = qc
        self.sampler, self.estimator, pm = make_primitives("statevector", seed=seed)
        self.isa = pm.run(qc)
        self.isa_measured = pm.run(qc.measure_all(inplace=False))
        self.observable = self.op.apply_layout(self.isa.layout)

    def _values(self, gammas: Any, betas: Any) -> list[float]:
        bind = dict(zip(self.gammas, gammas)) | dict(zip(self.betas, betas))
        return [float(bind[p]) for p in self.isa.parameters]

    def expectation(self, gammas: Any, betas: Any) -> float:
        pub = (self.isa, self.observable, self._values(gammas, betas))
        return float(self.estimator.run([pub]).result()[0].data.evs) + self.offset

    def sample_bits(self, gammas: Any, betas: Any, shots: int) -> np.ndarray:
        """Samples as a (shots, n) 0/1 array, qubit order."""
        pub = (self.isa_measured, self._values(gammas, betas))
        bits = self.sampler.run([pub], shots=shots).result()[0].data.meas
        arr = np.unpackbits(bits.array, axis=-1)[:, -bits.num_bits:]  # big-endian rows
        return arr[:, ::-1].astype(np.int8)


@dataclass
class QAOARun:
    """What a QAOA run produced, besides the samples."""

    sampleset: dimod.SampleSet
    gammas: list[float]
    betas: list[float]
    objective: float
    history: list[float] = field(default_factory=list)
    evaluations: int = 0
    engine: str = ""
    scale: float = 1.0
    warm_start_energy: float | None = None


def _warm_thetas(bqm: dimod.BinaryQuadraticModel, options: QAOAOptions, seed: int,
                 order: list[Any]) -> tuple[np.ndarray, float]:
    from hybrid_workbench.registry import get_backend

    res = get_backend(options.warm_start).solve(bqm, seed=seed)
    assert res.sample is not None and res.energy is not None
    bits = np.array([(res.sample[v] + 1) // 2 if bqm.vartype is dimod.SPIN else res.sample[v]
                     for v in order])
    eps = options.warm_start_epsilon
    c = np.where(bits == 1, 1 - eps, eps)
    return 2 * np.arcsin(np.sqrt(c)), float(res.energy)


def run_qaoa(bqm: dimod.BinaryQuadraticModel, options: QAOAOptions, seed: int) -> QAOARun:
    """Optimise the angles and sample the final state (see the module docstring)."""
    from scipy.optimize import minimize

    from hybrid_workbench.algorithms.ising import indices_to_samples, spin_arrays
    from hybrid_workbench.algorithms.qaoa_sim import DiagonalQAOASimulator

    rng = np.random.default_rng(seed)
    h, _, _, J, _, order = spin_arrays(bqm)
    coeffs = np.abs(np.concatenate([h, J]))
    scale = float(coeffs.max()) if coeffs.size and coeffs.max() > 0 else 1.0
    thetas, warm_energy = None, None
    if options.warm_start:
        thetas, warm_energy = _warm_thetas(bqm, options, seed, order)
    sim = DiagonalQAOASimulator(bqm, engine=options.engine) if options.path == "fast" else None
    history: list[float] = []
    evaluator: list[Any] = [None]

    def objective(x: np.ndarray, p: int) -> float:
        g, b = x[:p] / scale, x[p:]
        if sim is not None:
            val = sim.objective(g, b, thetas, options.cvar_alpha)
        else:
            ev = evaluator[0]
            if options.cvar_alpha >= 1:
                val = ev.expectation(g, b)
            else:
                bits = ev.sample_bits(g, b, options.shots)
                e = np.sort(bqm.energies((bits if bqm.vartype is dimod.BINARY else 2 * bits - 1,
                                          order)))
                val = float(e[: max(1, int(np.ceil(options.cvar_alpha * len(e))))].mean())
        history.append(float(val))
        return float(val)

    if options.initial_angles is not None:
        depths, x = [options.p], np.array(options.initial_angles, dtype=float)
    elif options.init == "ramp":
        depths, x = [options.p], linear_ramp(options.p, options.ramp_delta)
    else:
        depths, x = list(range(1, options.p + 1)), linear_ramp(1, options.ramp_delta)
    for k, p in enumerate(depths):
        if k > 0:
            x = interp(x)
        if options.path == "aer":
            evaluator[0] = AerQAOAEvaluator(bqm, seed=seed, thetas=thetas, p=p)
        res = minimize(objective, x, args=(p,), method=options.optimizer,
                       options={"maxiter": options.maxiter})
        x = np.asarray(res.x, dtype=float)
    p = options.p
    gammas, betas = x[:p] / scale, x[p:]
    if sim is not None:
        psi = sim.evolve(gammas, betas, thetas)  # engine's own form: no complex copy
        final = sim.energy_of(psi)
        states = indices_to_samples(sim.sample(psi, options.shots, rng), len(order), bqm.vartype)
        engine = sim.engine
    else:
        final = evaluator[0].expectation(gammas, betas)
        bits = evaluator[0].sample_bits(gammas, betas, options.shots)
        states = bits if bqm.vartype is dimod.BINARY else (2 * bits - 1).astype(np.int8)
        engine = "aer-statevector"
    ss = dimod.SampleSet.from_samples_bqm((states, order), bqm).aggregate()
    return QAOARun(sampleset=ss, gammas=[float(v) for v in gammas], betas=[float(v) for v in betas],
                   objective=float(final), history=history, evaluations=len(history),
                   engine=engine, scale=scale, warm_start_energy=warm_energy)


class QAOABackend(SamplerBackend):
    """QAOA on BQMs: fast diagonal-cost simulator or Qiskit Aer primitives."""

    name = "qaoa"
    Options = QAOAOptions
    requires = ("qiskit", "scipy")
    package = "hybrid-workbench"
    device = "simulator"
    description = "QAOA (p layers, CVaR, INTERP/ramp angles, warm start) on a fast or Aer simulator"
    conformance = {"min_success": 0.8, "sizes": (4, 8, 12), "trials": 3,
                   "options": {"p": 2, "maxiter": 100}}

    def max_variables(self, options: BackendOptions) -> int | None:
        assert isinstance(options, QAOAOptions)
        from hybrid_workbench.backends.aer import machine_memory_bytes

        memory = machine_memory_bytes() // 2 // 32  # see qaoa_sim.BYTES_PER_STATE
        fits = max(1, memory.bit_length() - 1)
        return min(options.max_qubits or HARD_LIMIT, fits, HARD_LIMIT)

    def _check(self, model: Any, options: BackendOptions) -> None:
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

    def _solve(self, model: dimod.BinaryQuadraticModel, options: BackendOptions,
               deadline: Deadline, seed: int) -> Solved:
        assert isinstance(options, QAOAOptions)
        start = time.perf_counter()
        if model.num_variables == 0:
            ss = dimod.SampleSet.from_samples_bqm(([[]], []), model)
            return Solved(ss, solver_s=0.0,
                                    info={"path": options.path, "num_qubits": 0})
        run = run_qaoa(model, options, seed)
        info = {"path": options.path, "engine": run.engine, "num_qubits": model.num_variables,
                "p": options.p, "gammas": run.gammas, "betas": run.betas,
                "expectation": run.objective, "history": run.history,
                "evaluations": run.evaluations, "cost_scale": run.scale}
        if run.warm_start_energy is not None:
            info["warm_start_energy"] = run.warm_start_energy
        return Solved(run.sampleset, solver_s=time.perf_counter() - start, info=info)
