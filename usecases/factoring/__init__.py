"""Factoring: Shor's algorithm on gate-model backends, ``(N - p q)**2`` as a QUBO on annealers.

The method follows from the backend's model kind:

* **circuit** backends (``aer-statevector``...) run Shor's order finding
  (:mod:`hybrid_workbench.usecases.factoring.shor`): base ``a`` (the instance's, else the smallest coprime
  with ``N``), ``t = 2 ceil(log2 N)`` counting qubits, continued-fraction decoding of every
  shot; ``success_probability`` is the share of shots that yield the factors;
* **bqm** backends (``exact``, ``cpsat``, ``dwave-sa``, ``openjij-sa``...) minimise the
  factoring QUBO (:mod:`hybrid_workbench.usecases.factoring.qubo`); ``success_probability`` is the share of
  returned reads (weighted by occurrences) whose ``p q = N`` (None for solvers that prove
  optimality, whose returned states are not samples).

Solution: ``{"p", "q", "method", ...}``. Evaluation (independent of the model):
``feasible`` is true only when ``p q = N`` with ``1 < p, q < N``; ``objective = |N - p q|``
(0 when factored, lower is better; None when no factors came out). ``baseline`` is trial
division, the certified answer.

Instance files: ``{"N": 21}`` or ``{"N": 35, "a": 2}`` (:mod:`hybrid_workbench.usecases.factoring.instance`).

Examples:
    >>> fac = Factoring()
    >>> out = fac.solve(fac.generate(seed=0, max_n=21), "exact", seed=0)
    >>> out.evaluation.feasible, out.evaluation.objective, out.solution["method"]
    (True, 0, 'qubo')
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hybrid_workbench.errors import InstanceError, SolverError
from hybrid_workbench.result import Result
from hybrid_workbench.usecase import Evaluation, Formulation, UseCase
from hybrid_workbench.usecases.factoring.instance import (
    FactoringInstance,
    check_shor,
    is_prime,
    is_prime_power,
    load_instance,
    trial_division,
)

__all__ = ["Factoring", "FactoringInstance"]


class Factoring(UseCase):
    """Integer factoring by Shor's algorithm (circuits) or as a QUBO (annealers)."""

    name = "factoring"
    description = "factor an odd composite N: Shor on circuit backends, (N-pq)^2 QUBO on BQM ones"
    sense = "min"
    model_kinds = ("circuit", "bqm")
    formats = 'JSON {"N": 21} or {"N": 35, "a": 2} (odd composite, 9..65535; Shor: N <= 127)'

    # -- instances ---------------------------------------------------------------------
    def load(self, source: str | Path, **params: Any) -> FactoringInstance:
        if params:
            raise InstanceError(f"factoring files take no extra parameters, got {sorted(params)}")
        return load_instance(source)

    def generate(self, seed: int = 0, min_n: int = 15, max_n: int = 35,
                 shor: bool = True) -> FactoringInstance:
        """A random odd composite in ``min_n..max_n`` (not a prime power when ``shor``)."""
        pool = [n for n in range(max(9, int(min_n)), int(max_n) + 1)
                if n % 2 and not is_prime(n) and not (shor and is_prime_power(n))]
        if not pool:
            raise InstanceError(f"factoring: no suitable odd composite in {min_n}..{max_n}")
        n = int(np.random.default_rng(seed).choice(pool))
        return FactoringInstance(N=n, name=f"N{n}-s{seed}")

    # -- the flow ----------------------------------------------------------------------
    def formulate(self, instance: FactoringInstance, model_kind: str = "bqm", *,
                  a: int | None = None, counting_qubits: int | None = None,
                  strength: float | None = None) -> Formulation:
        """Shor circuit (``model_kind='circuit'``; options ``a``, ``counting_qubits``) or
        factoring BQM (``'bqm'``; option ``strength``, the reduction penalty)."""
        n = instance.N
        if model_kind == "circuit":
            from hybrid_workbench.usecases.factoring.shor import default_base, shor_circuit, shor_qubits

            base = int(a) if a is not None else (instance.a or default_base(n))
            check_shor(n, base)
            t, work = shor_qubits(n, counting_qubits)
            if not work <= t <= 2 * work + 1:
                raise InstanceError(f"shor: counting_qubits must be in {work}..{2 * work + 1} "
                                    f"for N = {n}, got {t}")
            circuit = shor_circuit(n, base, t)
            return Formulation(model=circuit, info={
                "method": "shor", "a": base, "counting_qubits": t, "work_qubits": work,
                "num_qubits": t + work,
                "modular_exponentiation": "controlled permutation matrices (UnitaryGate)",
                "post_processing": "continued fractions (Fraction.limit_denominator), "
                                   "multiples of the denominator up to ceil(log2 N)"})
        if model_kind == "bqm":
            if a is not None or counting_qubits is not None:
                raise InstanceError("a and counting_qubits apply to Shor (circuit backends) only")
            from hybrid_workbench.usecases.factoring.qubo import factoring_bqm

            fb = factoring_bqm(n, strength)
            return Formulation(model=fb.bqm, decode=fb.decode, info=fb.info())
        raise InstanceError(f"factoring produces circuit or bqm models, not {model_kind!r}")

    def interpret(self, instance: FactoringInstance, formulation: Formulation,
                  result: Result) -> dict[str, Any]:
        info = formulation.info
        if info.get("method") == "shor":
            from hybrid_workbench.usecases.factoring.shor import analyse_counts

            counts = result.info.get("counts")
            if counts is None:
                raise SolverError(f"backend {result.backend!r} returned no counts "
                                  "(result.info['counts'])")
            out = analyse_counts(counts, info["counting_qubits"], info["a"], instance.N)
            return {**out, "method": "shor", "a": info["a"], "num_qubits": info["num_qubits"]}
        p, q = formulation.decode(result.sample or {})
        success = None  # an exact solver's list of lowest states is not a sample distribution
        if result.samples is not None and len(result.samples) and not result.proved_optimal:
            ss = result.samples
            hits = np.array([np.prod(formulation.decode(s)) == instance.N for s in ss.samples()])
            weights = ss.record.num_occurrences
            success = float(np.dot(hits, weights) / weights.sum())
        return {"p": int(p), "q": int(q), "method": "qubo", "success_probability": success,
                "proved_optimal": result.proved_optimal,
                "num_variables": info["num_variables"],
                "num_auxiliary_variables": info["num_auxiliary_variables"]}

    def evaluate(self, instance: FactoringInstance, solution: Mapping[str, Any]) -> Evaluation:
        n = instance.N
        p, q = solution.get("p"), solution.get("q")
        spf = trial_division(n)
        metrics: dict[str, Any] = {"N": n, "smallest_prime_factor": spf,
                                   "trial_division": [spf, n // spf]}
        for key in ("method", "success_probability", "order", "a", "num_qubits",
                    "num_variables", "num_auxiliary_variables", "shots"):
            if solution.get(key) is not None:
                metrics[key] = solution[key]
        if not isinstance(p, (int, np.integer)) or not isinstance(q, (int, np.integer)):
            return Evaluation(feasible=False, objective=None, metrics=metrics)
        p, q = int(p), int(q)
        feasible = p * q == n and 1 < p < n and 1 < q < n
        if feasible:
            # certify against trial division: the smaller factor is a multiple of spf
            metrics["agrees_with_trial_division"] = min(p, q) % spf == 0 or max(p, q) % spf == 0
        return Evaluation(feasible=feasible, objective=abs(n - p * q), metrics=metrics)

    def reference(self, instance: FactoringInstance) -> float | None:
        return 0.0

    def baseline(self, instance: FactoringInstance) -> dict[str, Any]:
        """Trial division: the smallest prime factor and its cofactor."""
        spf = trial_division(instance.N)
        return {"p": spf, "q": instance.N // spf, "method": "trial division"}
