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

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hybrid_workbench.errors import InstanceError, OptionsError, SolverError
from hybrid_workbench.formulation import Formulation, FormulationOptions
from hybrid_workbench.result import Result
from hybrid_workbench.usecase import Evaluation, UseCase
from hybrid_workbench.usecases.factoring.instance import (
    FactoringInstance,
    check_shor,
    is_prime,
    is_prime_power,
    load_instance,
    trial_division,
)

__all__ = ["Factoring", "FactoringInstance", "FactoringOptions"]


@dataclass(frozen=True)
class FactoringOptions(FormulationOptions):
    """Formulation options of ``factoring``.

    Attributes:
        model_kind: ``circuit`` (Shor) or ``bqm`` (the factoring QUBO, what ``formulate``
            builds by default); by default the first the backend accepts.
        a: Shor's base (default: the instance's, else the smallest coprime with N);
            circuit only.
        counting_qubits: Shor's counting register (default ``2 ceil(log2 N)``); circuit only.
        strength: the QUBO's reduction penalty (default: the proven one); bqm only.
    """

    model_kind: Literal["circuit", "bqm"] | None = None
    a: int | None = None
    counting_qubits: int | None = None
    strength: float | None = None

    def __post_init__(self) -> None:
        shor = self.a is not None or self.counting_qubits is not None
        if shor and (self.model_kind == "bqm" or self.strength is not None):
            raise OptionsError("options 'a' and 'counting_qubits' apply to Shor (model_kind="
                               "circuit) only, 'strength' to the QUBO (bqm) only; drop one side")
        if self.strength is not None and self.model_kind == "circuit":
            raise OptionsError("option 'strength' applies to the QUBO (model_kind=bqm) only; "
                               "drop it for circuit backends")
        if self.strength is not None and not (math.isfinite(self.strength) and self.strength > 0):
            raise OptionsError(f"option 'strength' must be a finite number > 0, "
                               f"got {self.strength!r}")
        if self.counting_qubits is not None and self.counting_qubits < 1:
            raise OptionsError(f"option 'counting_qubits' must be an integer >= 1, "
                               f"got {self.counting_qubits!r}")


class Factoring(UseCase):
    """Integer factoring by Shor's algorithm (circuits) or as a QUBO (annealers)."""

    name = "factoring"
    description = "factor an odd composite N: Shor on circuit backends, (N-pq)^2 QUBO on BQM ones"
    sense = "min"
    model_kinds = ("circuit", "bqm")
    default_model_kind = "bqm"
    FormulationOptions = FactoringOptions
    formats = 'JSON {"N": 21} or {"N": 35, "a": 2} (odd composite, 9..65535; Shor: N <= 127)'

    # -- instances ---------------------------------------------------------------------
    def load(self, source: str | Path, **params: Any) -> FactoringInstance:
        if params:
            raise InstanceError(f"factoring files take no extra parameters, got {sorted(params)}")
        return load_instance(source)

    def generate(self, seed: int = 0, min_n: int = 15, max_n: int = 35,
                 shor: bool = True) -> FactoringInstance:
        """A random odd composite in ``min_n..max_n`` (not a prime power when ``shor``)."""
        for key, value in (("min_n", min_n), ("max_n", max_n)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise InstanceError(f"factoring generator: {key} must be an integer, "
                                    f"got {value!r}")
        if not isinstance(shor, bool):
            raise InstanceError(f"factoring generator: shor must be true or false, got {shor!r}")
        pool = [n for n in range(max(9, min_n), max_n + 1)
                if n % 2 and not is_prime(n) and not (shor and is_prime_power(n))]
        if not pool:
            raise InstanceError(f"factoring generator: no suitable odd composite in "
                                f"{min_n}..{max_n}; widen the range (e.g. max_n=35)")
        n = int(np.random.default_rng(seed).choice(pool))
        return FactoringInstance(N=n, name=f"N{n}-s{seed}")

    # -- the flow ----------------------------------------------------------------------
    def model_kinds_for(self, options: FactoringOptions) -> tuple[str, ...]:
        """Shor's options ask for the circuit, ``strength`` for the QUBO."""
        if options.a is not None or options.counting_qubits is not None:
            return ("circuit",)
        if options.strength is not None:
            return ("bqm",)
        return self.model_kinds

    def check(self, instance: FactoringInstance, options: FactoringOptions, backend: Any,
              backend_options: Any) -> None:
        """Shor's conditions on ``N`` and on the options, before any circuit is built."""
        super().check(instance, options, backend, backend_options)
        if options.model_kind == "circuit":
            self._shor_plan(instance, options)

    def _shor_plan(self, instance: FactoringInstance,
                   options: FactoringOptions) -> tuple[int, int, int]:
        """``(a, t, work)``: base, counting and work qubits, every condition checked."""
        from hybrid_workbench.usecases.factoring.shor import default_base, shor_qubits

        n = instance.N
        check_shor(n)
        if options.a is not None and (not 1 < options.a < n or math.gcd(options.a, n) != 1):
            raise OptionsError(f"factoring formulation: option 'a' must be in 2..{n - 1} and "
                               f"coprime with N = {n}, got {options.a} (gcd = "
                               f"{math.gcd(options.a, n)})")
        base = options.a if options.a is not None else (instance.a or default_base(n))
        t, work = shor_qubits(n, options.counting_qubits)
        if not work <= t <= 2 * work + 1:
            raise OptionsError(f"factoring formulation: option 'counting_qubits' must be in "
                               f"{work}..{2 * work + 1} for N = {n}, got {t}")
        return base, t, work

    def _formulate(self, instance: FactoringInstance,
                   options: FactoringOptions) -> Formulation[Any]:
        """Shor circuit (``model_kind='circuit'``; options ``a``, ``counting_qubits``) or
        factoring BQM (``'bqm'``; option ``strength``, the reduction penalty)."""
        n = instance.N
        if options.model_kind == "circuit":
            from hybrid_workbench.usecases.factoring.shor import ShorDecoder, shor_circuit

            base, t, work = self._shor_plan(instance, options)
            circuit = shor_circuit(n, base, t)
            return Formulation(model=circuit, decoder=ShorDecoder(n, base, t, work), info={
                "method": "shor", "a": base, "counting_qubits": t, "work_qubits": work,
                "num_qubits": t + work,
                "modular_exponentiation": "controlled permutation matrices (UnitaryGate)",
                "post_processing": "continued fractions (Fraction.limit_denominator), "
                                   "multiples of the denominator up to ceil(log2 N)"})
        from hybrid_workbench.usecases.factoring.qubo import factoring_bqm

        fb = factoring_bqm(n, options.strength)
        return Formulation(model=fb.bqm, decoder=fb, info=fb.info())

    def interpret(self, instance: FactoringInstance, formulation: Formulation[Any],
                  result: Result) -> dict[str, Any]:
        from hybrid_workbench.usecases.factoring.shor import ShorDecoder

        decoder = formulation.decoder
        if isinstance(decoder, ShorDecoder):
            counts = result.info.get("counts")
            if counts is None:
                raise SolverError(f"backend {result.backend!r} returned no counts "
                                  "(result.info['counts']); Shor needs a circuit-sampling "
                                  "backend")
            return {**decoder.decode(counts), "method": "shor", "a": decoder.a,
                    "num_qubits": decoder.counting_qubits + decoder.work_qubits}
        info = formulation.info
        p, q = decoder.decode(result.sample or {})
        success = None  # an exact solver's list of lowest states is not a sample distribution
        if result.samples is not None and len(result.samples) and not result.proved_optimal:
            ss = result.samples
            hits = np.array([np.prod(decoder.decode(s)) == instance.N for s in ss.samples()])
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
