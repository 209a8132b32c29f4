"""The model currency: which kind of model an object is, and small helpers on models.

The workbench does not invent problem classes; it speaks the field's standard ones
(``DESIGN.md``):

============  =========================================  ==============================
kind          type                                       typical producer
============  =========================================  ==============================
``bqm``       :class:`dimod.BinaryQuadraticModel`        MaxCut, AGV, portfolio...
``cqm``       :class:`dimod.ConstrainedQuadraticModel`   constrained formulations
``pauli``     :class:`qiskit.quantum_info.SparsePauliOp`  chemistry, Ising to Pauli
``circuit``   :class:`qiskit.QuantumCircuit`             RCS, factoring
``molecular`` :class:`~hybrid_workbench.algorithms.       chemistry (for ``sqd``)
              sqd_circuit.MolecularHamiltonian`
============  =========================================  ==============================

A model type of the workbench's own (no library has one that fits) declares its kind with
a class attribute ``workbench_model_kind`` and its size with ``workbench_size`` (qubits or
variables), and may give ``describe()``: the core then knows it without importing it.

:func:`model_kind` tells them apart *without importing qiskit*, so that ``import hybrid``
stays light.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({"a": 1.0}, {("a", "b"): -1.0}, 0.5, "SPIN")
    >>> model_kind(bqm), model_size(bqm)
    ('bqm', 2)
    >>> encode_label(("x", 1)), decode_label(["x", 1])
    (['x', 1], ('x', 1))
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = [
    "ModelKind",
    "MODEL_KINDS",
    "model_kind",
    "model_size",
    "describe_model",
    "encode_label",
    "decode_label",
    "bqm_energy",
    "spin_to_binary_sample",
]

ModelKind = Literal["bqm", "cqm", "pauli", "circuit", "molecular", "unit-disk"]
MODEL_KINDS: tuple[str, ...] = ("bqm", "cqm", "pauli", "circuit", "molecular", "unit-disk")


def model_kind(model: Any) -> str | None:
    """The kind of ``model`` (``'bqm'``, ``'cqm'``, ``'pauli'``, ``'circuit'``, or a workbench
    model's declared ``workbench_model_kind``), or None.

    Recognised by class, without importing dimod or qiskit: a model of theirs can only
    exist once they are imported.
    """
    dimod_ = sys.modules.get("dimod")
    if dimod_ is not None:
        if isinstance(model, dimod_.BinaryQuadraticModel):
            return "bqm"
        if isinstance(model, dimod_.ConstrainedQuadraticModel):
            return "cqm"
    declared = getattr(type(model), "workbench_model_kind", None)
    if isinstance(declared, str) and declared in MODEL_KINDS:
        return declared
    for cls in type(model).__mro__:
        path = f"{cls.__module__}.{cls.__qualname__}"
        if path.startswith("qiskit.quantum_info.operators.symplectic.sparse_pauli_op.SparsePauliOp"):
            return "pauli"
        if path.startswith("qiskit.circuit.quantumcircuit.QuantumCircuit"):
            return "circuit"
    return None


def model_size(model: Any) -> int:
    """Number of variables (BQM/CQM) or qubits (Pauli operator, circuit)."""
    kind = model_kind(model)
    if kind in ("bqm", "cqm"):
        return len(model.variables)
    if kind in ("pauli", "circuit"):
        return int(model.num_qubits)
    if kind is not None:
        return int(model.workbench_size)
    raise TypeError(f"not a workbench model: {type(model).__name__}")


def describe_model(model: Any) -> str:
    """A one-line human description, for messages and tables."""
    kind = model_kind(model)
    if kind == "bqm":
        return (f"BQM with {model.num_variables} {model.vartype.name} variables and "
                f"{model.num_interactions} interactions")
    if kind == "cqm":
        return (f"CQM with {len(model.variables)} variables and "
                f"{len(model.constraints)} constraints")
    if kind == "pauli":
        return f"SparsePauliOp on {model.num_qubits} qubits with {len(model)} terms"
    if kind == "circuit":
        return f"QuantumCircuit on {model.num_qubits} qubits, depth {model.depth()}"
    if kind is not None and callable(getattr(model, "describe", None)):
        return str(model.describe())
    if kind is not None:
        return f"{kind} model of size {model_size(model)}"
    return f"object of type {type(model).__name__} (not a workbench model)"


def encode_label(label: Hashable) -> Any:
    """A JSON-safe form of a dimod variable label (tuples become lists, recursively)."""
    if isinstance(label, tuple):
        return [encode_label(x) for x in label]
    if hasattr(label, "item") and type(label).__module__ == "numpy":
        return label.item()  # numpy scalar
    return label


def decode_label(label: Any) -> Hashable:
    """Inverse of :func:`encode_label` (lists become tuples, as in dimod's serialisation)."""
    if isinstance(label, list):
        return tuple(decode_label(x) for x in label)
    return label


def bqm_energy(bqm: dimod.BinaryQuadraticModel, sample: Mapping[Hashable, int]) -> float:
    """Energy of ``sample`` recomputed term by term in plain Python.

    Deliberately independent of dimod's vectorised ``energies`` so that tests can use
    it to check every backend's reported energies.
    """
    energy = float(bqm.offset)
    for v, bias in bqm.iter_linear():
        energy += float(bias) * sample[v]
    for u, v, bias in bqm.iter_quadratic():
        energy += float(bias) * sample[u] * sample[v]
    return energy


def spin_to_binary_sample(sample: Mapping[Hashable, int]) -> dict[Hashable, int]:
    """Map spins (-1/+1) to bits (0/1): ``x = (s + 1) / 2``."""
    return {v: (int(s) + 1) // 2 for v, s in sample.items()}
