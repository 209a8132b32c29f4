"""Ising models as Pauli operators, and measured bitstrings back to samples.

A BQM becomes a diagonal Hamiltonian of Z and ZZ terms (:func:`bqm_to_pauli`), the cost
operator of QAOA and the observable of the Aer path. One convention is used throughout
the workbench, chosen so that **the measured bit is the binary value**:

* qubit ``i`` carries variable ``variables[i]``;
* a BINARY variable equals its bit, ``x_i = b_i``;
* a SPIN variable is ``s_i = 2 b_i - 1`` (bit 1 is spin +1, as dimod's ``x = (s + 1) / 2``);
* hence ``s_i = -Z_i`` and ``E(s) = offset + sum_i -h_i Z_i + sum_ij J_ij Z_i Z_j``, where
  ``h``, ``J``, ``offset`` are the SPIN form of the model (BINARY models are converted
  with dimod's exact change of variables).

Qiskit bitstrings are big-endian (qubit 0 is the *last* character); :func:`bitstrings_to_samples`
and :func:`indices_to_samples` do the decoding.

Examples:
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({"a": 1.0}, {("a", "b"): -2.0}, 0.5, "BINARY")
    >>> op, offset, order = bqm_to_pauli(bqm)
    >>> order, sorted(op.to_list()), offset
    (['a', 'b'], [('ZI', (0.5+0j)), ('ZZ', (-0.5+0j))], 0.5)
    >>> bitstrings_to_samples(["11", "01"], order, "BINARY").tolist()
    [[1, 1], [1, 0]]
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from hybrid_workbench._optional import lazy_module

dimod = lazy_module("dimod")
import numpy as np

__all__ = ["spin_arrays", "bqm_to_pauli", "pauli_to_bqm", "bitstrings_to_samples",
           "indices_to_samples", "samples_to_bitstrings"]


def spin_arrays(bqm: dimod.BinaryQuadraticModel, variables: Sequence[Hashable] | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, list[Hashable]]:
    """The SPIN form of ``bqm`` as arrays: ``(h, i, j, J, offset, variables)``.

    ``E(s) = offset + h @ s + sum_k J[k] * s[i[k]] * s[j[k]]`` with ``s`` in ``variables``
    order (``i[k] < j[k]``).
    """
    order = list(bqm.variables) if variables is None else list(variables)
    spin = bqm.spin if bqm.vartype is dimod.BINARY else bqm
    h, (row, col, J), offset = spin.to_numpy_vectors(variable_order=order)
    row, col = np.asarray(row, dtype=np.int64), np.asarray(col, dtype=np.int64)
    lo, hi = np.minimum(row, col), np.maximum(row, col)
    return (np.asarray(h, dtype=float), lo, hi, np.asarray(J, dtype=float), float(offset), order)


def bqm_to_pauli(bqm: dimod.BinaryQuadraticModel) -> tuple[Any, float, list[Hashable]]:
    """The BQM as a ``SparsePauliOp`` of Z and ZZ terms.

    Returns:
        ``(operator, offset, variables)``: ``energy(sample) = <operator> + offset`` on the
        basis state whose bit ``i`` encodes ``variables[i]`` (see the module convention).
        The operator has no identity term; for a model without variables it is the zero
        operator on one qubit.
    """
    from qiskit.quantum_info import SparsePauliOp

    h, i, j, J, offset, order = spin_arrays(bqm)
    n = len(order)
    if n == 0:
        return SparsePauliOp(["I"], [0.0]), offset, order
    terms: list[tuple[str, list[int], float]] = [("Z", [q], -float(h[q])) for q in range(n)]
    terms += [("ZZ", [int(a), int(b)], float(c)) for a, b, c in zip(i, j, J)]
    op = SparsePauliOp.from_sparse_list(terms, num_qubits=n).simplify(atol=0.0)
    return op, offset, order


def pauli_to_bqm(operator: Any, offset: float = 0.0,
                 variables: Sequence[Hashable] | None = None) -> dimod.BinaryQuadraticModel:
    """Inverse of :func:`bqm_to_pauli`: a diagonal Z/ZZ operator as a SPIN BQM.

    Raises:
        ValueError: when a term is not I, Z or ZZ (not an Ising Hamiltonian).
    """
    n = operator.num_qubits
    labels = list(range(n)) if variables is None else list(variables)
    bqm = dimod.BinaryQuadraticModel("SPIN")
    bqm.add_variables_from((v, 0.0) for v in labels)
    bqm.offset = float(offset)
    for pauli, coeff in operator.to_list():
        c = float(np.real(coeff))
        zs = [n - 1 - k for k, ch in enumerate(pauli) if ch != "I"]
        if any(ch not in "IZ" for ch in pauli) or len(zs) > 2:
            raise ValueError(f"term {pauli} is not an Ising term (only I, Z, ZZ allowed)")
        if not zs:
            bqm.offset += c
        elif len(zs) == 1:
            bqm.add_linear(labels[zs[0]], -c)
        else:
            bqm.add_quadratic(labels[zs[0]], labels[zs[1]], c)
    return bqm


def _values(bits: np.ndarray, vartype: dimod.Vartype | str) -> np.ndarray:
    vt = dimod.as_vartype(vartype)
    bits = bits.astype(np.int8)
    return bits if vt is dimod.BINARY else (2 * bits - 1).astype(np.int8)


def bitstrings_to_samples(bitstrings: Iterable[str], variables: Sequence[Hashable],
                          vartype: dimod.Vartype | str) -> np.ndarray:
    """Big-endian Qiskit bitstrings to a sample array (rows in ``variables`` order)."""
    rows = [[int(ch) for ch in reversed(s)] for s in bitstrings]
    n = len(variables)
    if any(len(r) != n for r in rows):
        raise ValueError(f"every bitstring must have {n} bits, one per variable")
    return _values(np.array(rows, dtype=np.int8).reshape(len(rows), n), vartype)


def indices_to_samples(indices: np.ndarray, num_variables: int,
                       vartype: dimod.Vartype | str) -> np.ndarray:
    """Basis-state indices (bit ``i`` of the index = qubit ``i``) to a sample array."""
    idx = np.asarray(indices, dtype=np.int64)
    bits = (idx[:, None] >> np.arange(num_variables, dtype=np.int64)) & 1
    return _values(bits, vartype)


def samples_to_bitstrings(samples: np.ndarray, vartype: dimod.Vartype | str) -> list[str]:
    """Inverse of :func:`bitstrings_to_samples`: sample rows to big-endian bitstrings."""
    arr = np.atleast_2d(np.asarray(samples))
    bits = arr if dimod.as_vartype(vartype) is dimod.BINARY else (arr + 1) // 2
    return ["".join(str(int(b)) for b in reversed(row)) for row in bits]
