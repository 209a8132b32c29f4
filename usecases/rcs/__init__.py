"""Random-circuit sampling (RCS): Sycamore-style circuits scored by linear XEB fidelity.

Google's 2019 "quantum supremacy" experiment sampled 53-qubit random circuits and scored
the samples with the linear cross-entropy benchmark, ``F_XEB = 2**n <p(x)> - 1`` (about
0.002 on the device); the classical side of the argument is how hard it is to simulate
the same circuits. This use case builds those circuits at simulator sizes
(:mod:`hybrid_workbench.usecases.rcs.circuits`), samples them on any gate-model backend, and scores the
samples against the ideal probabilities (:mod:`hybrid_workbench.usecases.rcs.xeb`); the noise decay of
``F_XEB`` against the digital error model and a quantum random-number mode
(:mod:`hybrid_workbench.usecases.rcs.qrng`) live in :mod:`hybrid_workbench.usecases.rcs.experiments`.

Flow: ``formulate`` gives the measured circuit; ``interpret`` keeps the backend's counts;
``evaluate`` recomputes the ideal probabilities from the instance (Qiskit ``Statevector``)
and returns ``objective = F_XEB`` (higher is better), with its standard error and the value
a perfect sampler would reach (``metrics['ideal_xeb']``). ``baseline`` is classical exact
sampling from the statevector.

Examples:
    >>> rcs = RCS()
    >>> inst = rcs.generate(seed=2, rows=2, cols=2, depth=6)
    >>> sol = rcs.baseline(inst, shots=4000, seed=1)
    >>> ev = rcs.evaluate(inst, sol)
    >>> ev.feasible, abs(ev.objective - ev.metrics["ideal_xeb"]) < 4 * ev.metrics["xeb_sigma"]
    (True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from hybrid_workbench.errors import InstanceError, SolverError
from hybrid_workbench.result import Result
from hybrid_workbench.formulation import Formulation, FormulationOptions, MappingDecoder
from hybrid_workbench.usecase import Evaluation, UseCase
from hybrid_workbench.usecases.rcs.circuits import (
    PATTERN,
    RCSInstance,
    build_circuit,
    count_gates,
    load_instance,
)
from hybrid_workbench.usecases.rcs.xeb import counts_to_arrays, linear_xeb

__all__ = ["RCS", "RCSInstance", "ideal_probabilities_of"]


@lru_cache(maxsize=8)
def _probs(instance: RCSInstance) -> np.ndarray:
    from hybrid_workbench.usecases.rcs.xeb import ideal_probabilities

    probs = ideal_probabilities(build_circuit(instance, measure=False))
    probs.setflags(write=False)
    return probs


def ideal_probabilities_of(instance: RCSInstance) -> np.ndarray:
    """The ideal output distribution of the instance's circuit (cached, read-only)."""
    return _probs(instance)


class RCS(UseCase):
    """Sycamore-style random-circuit sampling scored by linear cross-entropy (XEB)."""

    name = "rcs"
    description = "random-circuit sampling (Sycamore-style grid); objective = linear XEB fidelity"
    sense = "max"
    model_kinds = ("circuit",)
    formats = 'JSON {"rows": 3, "cols": 3, "depth": 8, "seed": 0} (2..26 qubits)'

    # -- instances ---------------------------------------------------------------------
    def load(self, source: str | Path, **params: Any) -> RCSInstance:
        if params:
            raise InstanceError(f"rcs files take no extra parameters, got {sorted(params)}; "
                                "put rows/cols/depth/seed in the JSON file")
        return load_instance(source)

    def generate(self, seed: int = 0, rows: int = 3, cols: int = 3, depth: int = 8,
                 **params: Any) -> RCSInstance:
        if params:
            raise InstanceError(f"rcs generator takes rows, cols, depth, seed; got {sorted(params)}")
        return RCSInstance(rows=rows, cols=cols, depth=depth, seed=seed)

    # -- the flow ----------------------------------------------------------------------
    def _formulate(self, instance: RCSInstance,
                   options: FormulationOptions) -> Formulation[MappingDecoder]:
        circuit = build_circuit(instance)
        gates = count_gates(instance)
        return Formulation(model=circuit, info={
            "num_qubits": instance.num_qubits, "grid": [instance.rows, instance.cols],
            "cycles": instance.depth, "pattern": PATTERN, "gates": gates,
            "two_qubit_gate": "fSim(pi/2, pi/6) as RXX RYY CP",
            "single_qubit_gates": "sqrt(X), sqrt(Y), sqrt(W) as RGate(pi/2, phi)"})

    def size_hint(self, instance: RCSInstance, model_kind: str) -> int:
        return instance.num_qubits

    def interpret(self, instance: RCSInstance, formulation: Formulation,
                  result: Result) -> dict[str, Any]:
        counts = result.info.get("counts")
        if counts is None:
            raise SolverError(f"backend {result.backend!r} returned no counts "
                              "(result.info['counts']); rcs needs a circuit-sampling backend")
        counts = {str(k): int(v) for k, v in counts.items()}
        return {"counts": counts, "shots": int(sum(counts.values())),
                "most_frequent": max(sorted(counts), key=counts.__getitem__) if counts else None}

    def evaluate(self, instance: RCSInstance, solution: Mapping[str, Any]) -> Evaluation:
        counts = solution.get("counts") or {}
        n = instance.num_qubits
        try:
            counts_to_arrays(counts, n)
            valid = sum(counts.values()) > 0
        except ValueError:
            valid = False
        metrics: dict[str, Any] = {"num_qubits": n, "cycles": instance.depth,
                                   "shots": int(sum(counts.values())) if counts else 0,
                                   "distinct_outcomes": len(counts),
                                   **{f"{k}_gates": v for k, v in count_gates(instance).items()}}
        if not valid:
            return Evaluation(feasible=False, objective=None, metrics=metrics)
        est = linear_xeb(ideal_probabilities_of(instance), counts)
        # objective_sigma: the XEB is estimated from shots; success is judged within it
        metrics.update({"xeb_sigma": est.sigma, "objective_sigma": est.sigma,
                        "ideal_xeb": est.ideal,
                        "normalised_xeb": est.fidelity / est.ideal if est.ideal > 0 else None,
                        "z_vs_zero": est.fidelity / est.sigma if est.sigma > 0 else None})
        return Evaluation(feasible=True, objective=est.fidelity, metrics=metrics)

    def reference(self, instance: RCSInstance) -> float | None:
        """The XEB a perfect sampler reaches in expectation: ``2**n Σ p**2 - 1``."""
        p = ideal_probabilities_of(instance)
        return float(p.size * np.dot(p, p) - 1.0)

    def baseline(self, instance: RCSInstance, shots: int = 1024, seed: int = 0) -> dict[str, Any]:
        """Classical exact sampling: ``shots`` draws from the statevector's distribution."""
        p = ideal_probabilities_of(instance)
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(shots, p / p.sum())
        n = instance.num_qubits
        counts = {format(int(i), f"0{n}b"): int(draws[i]) for i in np.flatnonzero(draws)}
        return {"counts": counts, "shots": shots,
                "most_frequent": max(sorted(counts), key=counts.__getitem__),
                "method": "exact statevector sampling (Qiskit Statevector + NumPy multinomial)"}
