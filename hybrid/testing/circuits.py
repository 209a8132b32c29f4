"""Conformance checks for gate-model (circuit) backends.

Run by :mod:`hybrid_workbench.testing.conformance` for every backend that declares the ``circuit``
model kind. Each check compares against an independent reference: ideal output
distributions come from Qiskit's exact :class:`~qiskit.quantum_info.Statevector`, never
from the backend itself. What is checked:

* the result contract: ``model_kind='circuit'``, ``energy`` None, ``info['counts']`` of
  big-endian bitstrings summing to ``info['shots']``, ``info['num_qubits']``,
  ``info['method']``, and ``sample`` = the most frequent outcome as ``{clbit: bit}``;
* the sampled distribution is within a total-variation distance of the exact one (the
  backend states its tolerance as ``conformance['circuit_tvd']``; noisy simulators need
  more), on a GHZ state and on a random circuit;
* circuits without measurements are measured (``measure_all``); partial measurements
  keep the circuit's own classical bits;
* the same seed gives the same counts; the result survives JSON;
* a circuit over the backend's size limit is refused before work, in under a second;
  circuits with unbound parameters are refused with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hybrid_workbench.errors import ProblemTooLargeError, UnsupportedModelError
from hybrid_workbench.result import Result
from hybrid_workbench.testing.failures import fail as _fail
from hybrid_workbench.testing.failures import no_work

__all__ = ["CIRCUIT_CHECKS", "exact_distribution", "total_variation"]





def _options(backend: Any, **extra: Any) -> dict[str, Any]:
    """The backend's conformance options (e.g. a small device) with ``extra`` on top."""
    return {**dict((getattr(backend, "conformance", {}) or {}).get("options", {})), **extra}

def _tvd_limit(backend: Any) -> float:
    return float(dict(getattr(backend, "conformance", {}) or {}).get("circuit_tvd", 0.08))


def exact_distribution(circuit: Any) -> dict[str, float]:
    """Exact measurement probabilities of a measurement-free circuit (big-endian keys)."""
    from qiskit.quantum_info import Statevector

    return {k: float(v) for k, v in Statevector(circuit).probabilities_dict().items()}


def total_variation(counts: dict[str, int], probs: dict[str, float]) -> float:
    """Total-variation distance between empirical counts and a distribution."""
    shots = sum(counts.values())
    keys = set(counts) | set(probs)
    return 0.5 * sum(abs(counts.get(k, 0) / shots - probs.get(k, 0.0)) for k in keys)


def _ghz(n: int) -> Any:
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(n)
    qc.h(0)
    for q in range(n - 1):
        qc.cx(q, q + 1)
    return qc


def _random(n: int, seed: int) -> Any:
    from qiskit.circuit.random import random_circuit

    return random_circuit(n, 3, max_operands=2, seed=seed)


def _check_contract(backend: Any, result: Result, num_qubits: int, num_clbits: int,
                    shots: int, what: str) -> None:
    if not isinstance(result, Result) or result.model_kind != "circuit" or result.energy is not None:
        _fail(backend, f"{what}: expected a circuit Result with energy None, got {result!r}")
    info = result.info
    for key in ("counts", "shots", "num_qubits", "method"):
        if key not in info:
            _fail(backend, f"{what}: info lacks {key!r}")
    counts = dict(info["counts"])
    if info["shots"] != shots or sum(counts.values()) != shots:
        _fail(backend, f"{what}: counts sum to {sum(counts.values())}, shots {info['shots']}, "
                       f"asked {shots}")
    if info["num_qubits"] != num_qubits:
        _fail(backend, f"{what}: num_qubits {info['num_qubits']}, expected {num_qubits}")
    if any(len(k) != num_clbits or set(k) - {"0", "1"} for k in counts):
        _fail(backend, f"{what}: counts keys are not {num_clbits}-bit strings: {list(counts)[:4]}")
    top = max(counts.values())
    expected = {i: int(b) for i, b in enumerate(reversed(max(
        (k for k in counts if counts[k] == top))))}
    sample = dict(result.sample or {})
    if set(sample) != set(range(num_clbits)) or counts.get(
            "".join(str(sample[i]) for i in reversed(range(num_clbits))), -1) != top:
        _fail(backend, f"{what}: sample {sample} is not a most frequent outcome (e.g. {expected})")


def check_circuit_distribution(backend: Any) -> None:
    """GHZ and a random circuit: counts match the exact distribution within the tolerance."""
    limit = _tvd_limit(backend)
    shots = 4000
    for what, qc in (("GHZ-4", _ghz(4)), ("random-5", _random(5, seed=3))):
        probs = exact_distribution(qc)
        result = backend.solve(qc, seed=11, options=_options(backend, shots=shots))
        _check_contract(backend, result, qc.num_qubits, qc.num_qubits, shots, what)
        tvd = total_variation(dict(result.info["counts"]), probs)
        if tvd > limit:
            _fail(backend, f"{what}: total-variation distance {tvd:.3f} from the exact "
                           f"distribution exceeds {limit}")


def check_circuit_measurements(backend: Any) -> None:
    """Partial measurements keep their clbits; a Bell pair gives only 00 and 11 (ideal)."""
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(3, 2)
    qc.x(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    result = backend.solve(qc, seed=4, options=_options(backend, shots=500))
    _check_contract(backend, result, 3, 2, 500, "bell+spectator")
    counts = dict(result.info["counts"])
    good = counts.get("00", 0) + counts.get("11", 0)
    if good < (1 - 2 * _tvd_limit(backend)) * 500:
        _fail(backend, f"bell pair: only {good}/500 shots in 00/11: {counts}")


def check_circuit_seed_and_json(backend: Any) -> None:
    """Same seed, same counts; the result survives a JSON round trip."""
    qc = _random(4, seed=8)
    a = backend.solve(qc, seed=21, options=_options(backend, shots=300))
    b = backend.solve(qc, seed=21, options=_options(backend, shots=300))
    if dict(a.info["counts"]) != dict(b.info["counts"]):
        _fail(backend, "same seed gave different counts")
    again = Result.from_json(json.dumps(json.loads(a.to_json())))
    if again != a:
        _fail(backend, "circuit result changed through a JSON round trip")


def check_circuit_refusals(backend: Any) -> None:
    """Too many qubits: ProblemTooLargeError before any work; unbound parameters: refused."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter


    with no_work(backend):
        limit = backend.max_variables(backend.make_options(None))
        if limit is not None:
            big = QuantumCircuit(limit + 1)
            big.h(range(limit + 1))
            try:
                backend.solve(big, seed=0)
            except ProblemTooLargeError as exc:
                if str(limit + 1) not in str(exc):
                    _fail(backend, f"refusal does not name the size: {exc}")
            else:
                _fail(backend, f"accepted {limit + 1} qubits over its limit of {limit}")
        qc = QuantumCircuit(1)
        qc.rx(Parameter("t"), 0)
        try:
            backend.solve(qc, seed=0)
        except UnsupportedModelError:
            pass
        else:
            _fail(backend, "accepted a circuit with unbound parameters")


CIRCUIT_CHECKS: list[Callable[[Any], None]] = [
    check_circuit_distribution,
    check_circuit_measurements,
    check_circuit_seed_and_json,
    check_circuit_refusals,
]
