"""What a circuit would cost on an IBM device, computed from its transpiled form alone.

:func:`isa_report` describes a circuit transpiled to a device's ISA: depth, two-qubit gate
count and two-qubit depth, the operations, and the scheduled duration from the target's
gate and measurement durations (``QuantumCircuit.estimate_duration``). :func:`qpu_seconds`
turns that into the QPU seconds of ``shots`` executions: each shot takes the circuit's
duration plus the device's repetition delay (``configuration().default_rep_delay``), so

    ``estimated_qpu_s = shots * (duration_s + rep_delay_s)``

It leaves out the fixed per-job overhead the Runtime adds (loading, compiling
the control electronics' programs), which IBM does not publish; the real usage of a job is
``job.usage()`` after it ran, which ``ibm`` records in ``Result.info``.

Examples:
    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(2); _ = qc.cx(0, 1); _ = qc.cx(1, 0)
    >>> two_qubit_gates(qc), two_qubit_depth(qc)
    (2, 2)
    >>> qpu_seconds(1000, 1e-6, 249e-6)
    0.25
"""

from __future__ import annotations

from typing import Any

__all__ = ["isa_report", "qpu_seconds", "two_qubit_depth", "two_qubit_gates"]


def _is_two_qubit(instruction: Any) -> bool:
    op = instruction.operation
    return op.num_qubits == 2 and op.name not in ("barrier", "measure")


def two_qubit_gates(circuit: Any) -> int:
    """Number of two-qubit gates."""
    return sum(1 for inst in circuit.data if _is_two_qubit(inst))


def two_qubit_depth(circuit: Any) -> int:
    """Depth counted in two-qubit gates only."""
    return int(circuit.depth(_is_two_qubit))


def qpu_seconds(shots: int, duration_s: float | None, rep_delay_s: float | None) -> float | None:
    """``shots * (duration_s + rep_delay_s)``, rounded to microseconds, or None if unknown."""
    if duration_s is None:
        return None
    return round(shots * (duration_s + (rep_delay_s or 0.0)), 6)


def _duration_s(isa: Any, backend: Any) -> float | None:
    target = getattr(backend, "target", None)
    if target is None:
        return None
    try:
        return float(isa.estimate_duration(target, unit="s"))
    except Exception:  # noqa: BLE001 - a target without durations has no estimate
        return None


def _rep_delay_s(backend: Any) -> float | None:
    try:
        value = backend.configuration().default_rep_delay
    except Exception:  # noqa: BLE001 - not every backend publishes one
        return None
    return None if value is None else float(value)


def isa_report(isa: Any, backend: Any, shots: int) -> dict[str, Any]:
    """Depth, two-qubit counts, duration and estimated QPU seconds of a transpiled circuit."""
    duration = _duration_s(isa, backend)
    rep_delay = _rep_delay_s(backend)
    return {
        "depth": int(isa.depth()),
        "two_qubit_gates": two_qubit_gates(isa),
        "two_qubit_depth": two_qubit_depth(isa),
        "operations": {str(k): int(v) for k, v in isa.count_ops().items()},
        "duration_s": duration,
        "rep_delay_s": rep_delay,
        "shots": int(shots),
        "estimated_qpu_s": qpu_seconds(shots, duration, rep_delay),
        "estimate": "shots x (scheduled circuit duration + repetition delay); excludes the "
                    "Runtime's fixed per-job overhead",
    }
