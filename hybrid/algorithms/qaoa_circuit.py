"""QAOA as a circuit on Qiskit V2 primitives: the path a real device takes.

:class:`CircuitQAOAEvaluator` builds the parametrised QAOA circuit once
(``PauliEvolutionGate`` of the Ising cost and RX mixers, or the warm-start mixers),
transpiles it with the primitives' pass manager and binds angles per call. It takes a
:class:`~hybrid_workbench.primitives.Primitives` bundle, so it runs on any gate-model
backend's primitives (asked of the registry by name) or on primitives the user passes
(``StatevectorSampler``, a device's ``SamplerV2``...):

* :meth:`~CircuitQAOAEvaluator.expectation` -- ``<C>`` through the estimator when there is
  one (exact on a statevector estimator), else the mean energy of sampled shots;
* :meth:`~CircuitQAOAEvaluator.sample_bits` -- shots from the sampler.

Examples:
    >>> import dimod
    >>> from qiskit.primitives import StatevectorEstimator, StatevectorSampler
    >>> from hybrid_workbench.primitives import Primitives
    >>> bqm = dimod.BinaryQuadraticModel({}, {(0, 1): 1.0}, 0.0, "SPIN")
    >>> prims = Primitives.from_user(StatevectorSampler(seed=1), StatevectorEstimator())
    >>> ev = CircuitQAOAEvaluator(bqm, prims, p=1)
    >>> round(ev.expectation([0.0], [0.0]), 12)  # |++>: the mean of +1, -1, -1, +1
    0.0
    >>> ev.sample_bits([0.0], [0.0], 5).shape
    (5, 2)
"""

from __future__ import annotations

from typing import Any

from hybrid_workbench._optional import lazy_module

dimod = lazy_module("dimod")
import numpy as np

from hybrid_workbench.primitives import Primitives, backend_primitives

__all__ = ["CircuitQAOAEvaluator", "AerQAOAEvaluator", "qaoa_circuit"]


def qaoa_circuit(op: Any, n: int, p: int, thetas: np.ndarray | None = None
                 ) -> tuple[Any, Any, Any]:
    """The parametrised QAOA circuit of ``op``: ``(circuit, gammas, betas)``.

    Without ``thetas`` the start is ``|+>^n`` and the mixer ``RX(2 b)``; with them (warm
    start) the start is ``RY(theta_q)|0>`` and the mixer ``RY(theta) RZ(2 b) RY(-theta)``.
    """
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector
    from qiskit.circuit.library import PauliEvolutionGate

    gammas, betas = ParameterVector("g", p), ParameterVector("b", p)
    qc = QuantumCircuit(n)
    if thetas is None:
        qc.h(range(n))
    else:
        for q, th in enumerate(thetas):
            qc.ry(float(th), q)
    for layer in range(p):
        qc.append(PauliEvolutionGate(op, time=gammas[layer]), range(n))
        for q in range(n):
            if thetas is None:
                qc.rx(2 * betas[layer], q)
            else:
                qc.ry(-float(thetas[q]), q)
                qc.rz(2 * betas[layer], q)
                qc.ry(float(thetas[q]), q)
    return qc, gammas, betas


class CircuitQAOAEvaluator:
    """QAOA energies and samples through a sampler and (optionally) an estimator.

    Args:
        bqm: the model (its Ising form is the cost operator).
        primitives: the bundle to run on.
        thetas: warm-start angles (None: ``|+>`` start and X mixer).
        p: layers.
    """

    def __init__(self, bqm: dimod.BinaryQuadraticModel, primitives: Primitives,
                 thetas: np.ndarray | None = None, p: int = 1) -> None:
        from hybrid_workbench.algorithms.ising import bqm_to_pauli

        self.bqm, self.primitives = bqm, primitives
        self.op, self.offset, self.variables = bqm_to_pauli(bqm)
        self.n, self.p = len(self.variables), p
        self.circuit, self.gammas, self.betas = qaoa_circuit(self.op, self.n, p, thetas)
        self.isa = primitives.transpile(self.circuit) if primitives.estimator is not None else None
        self.isa_measured = (primitives.transpile(self.circuit.measure_all(inplace=False))
                             if primitives.sampler is not None else None)
        self.observable = (primitives.observable_for(self.op, self.isa)
                           if self.isa is not None else None)

    @property
    def exact(self) -> bool:
        """Whether :meth:`expectation` is exact (an exact estimator), not a shot mean."""
        return self.primitives.estimator is not None and self.primitives.exact

    def _values(self, circuit: Any, gammas: Any, betas: Any) -> list[float]:
        bind = dict(zip(self.gammas, gammas)) | dict(zip(self.betas, betas))
        return [float(bind[p]) for p in circuit.parameters]

    def expectation(self, gammas: Any, betas: Any, shots: int = 1024) -> float:
        """``<C>``: the estimator's value, or the mean energy of ``shots`` samples."""
        if self.isa is None:
            return float(self.energies(self.sample_bits(gammas, betas, shots)).mean())
        pub = (self.isa, self.observable, self._values(self.isa, gammas, betas))
        return float(self.primitives.estimator.run([pub]).result()[0].data.evs) + self.offset

    def sample_bits(self, gammas: Any, betas: Any, shots: int) -> np.ndarray:
        """Samples as a (shots, n) 0/1 array, qubit order."""
        if self.isa_measured is None:
            raise ValueError("these primitives have no sampler")
        pub = (self.isa_measured, self._values(self.isa_measured, gammas, betas))
        bits = self.primitives.sampler.run([pub], shots=shots).result()[0].data.meas
        arr = np.unpackbits(bits.array, axis=-1)[:, -bits.num_bits:]  # big-endian rows
        return arr[:, ::-1].astype(np.int8)

    def to_vartype(self, bits: np.ndarray) -> np.ndarray:
        """0/1 rows as the model's values (spins for SPIN models)."""
        return bits if self.bqm.vartype is dimod.BINARY else (2 * bits - 1).astype(np.int8)

    def energies(self, bits: np.ndarray) -> np.ndarray:
        """Energies of 0/1 rows (qubit order) under the model."""
        return np.asarray(self.bqm.energies((self.to_vartype(bits), self.variables)), dtype=float)


def AerQAOAEvaluator(bqm: dimod.BinaryQuadraticModel, seed: int | None = None,
                     thetas: np.ndarray | None = None, p: int = 1) -> CircuitQAOAEvaluator:
    """A :class:`CircuitQAOAEvaluator` on the ``aer-statevector`` backend's primitives
    (asked of the registry; exact estimator)."""
    return CircuitQAOAEvaluator(bqm, backend_primitives("aer-statevector", seed=seed),
                                thetas=thetas, p=p)
