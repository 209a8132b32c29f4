"""``exact-eigen``: exact ground energy of a qubit Hamiltonian by (sparse) diagonalisation.

The reference backend for ``pauli`` models (:class:`qiskit.quantum_info.SparsePauliOp`),
as FCI is the reference of quantum chemistry: every VQE energy is scored against it.
Small operators (up to ``dense_max_qubits``) are diagonalised densely with
:func:`numpy.linalg.eigh`; larger ones are built as a SciPy CSR matrix
(``SparsePauliOp.to_matrix(sparse=True)``) and solved with ARPACK's Lanczos
(:func:`scipy.sparse.linalg.eigsh`), its start vector drawn from the seed so that the
same seed gives the same answer. The matrix size is estimated from the operator's
distinct X-patterns *before* anything is built, and an operator that would not fit in
``max_memory_gb`` is refused with the figures and the alternatives.

The result's ``energy`` is the lowest eigenvalue (the identity coefficient included, so a
chemistry Hamiltonian that keeps its nuclear-repulsion and core energy in the identity term
gives the total energy); ``info`` holds the ``num_eigenvalues`` lowest eigenvalues, the
method, and the ground state as sparse amplitudes (``ground_state``: basis indices in
Qiskit's little-endian order with real and imaginary parts) for up to
``state_max_qubits`` qubits.

Examples:
    >>> from qiskit.quantum_info import SparsePauliOp
    >>> op = SparsePauliOp.from_list([("ZZ", 1.0), ("XI", 0.5), ("II", -1.0)])
    >>> r = ExactEigenBackend().solve(op, seed=0)
    >>> round(r.energy, 10), r.status, r.info["num_qubits"]
    (-2.1180339887, 'optimal', 2)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from hybrid_workbench.backend import Backend
from hybrid_workbench.errors import OptionsError, ProblemTooLargeError, SolverError, UnsupportedModelError
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved, Status

__all__ = ["ExactEigenBackend", "ExactEigenOptions", "check_hermitian", "sparse_matrix_bytes",
           "sparse_state", "dense_state"]

BYTES_PER_NONZERO = 24  # complex128 value + int64 column index (+ row pointers, amortised)


@dataclass(frozen=True)
class ExactEigenOptions(BackendOptions):
    """Options of ``exact-eigen``.

    Attributes:
        max_qubits: refuse operators on more qubits.
        max_memory_gb: refuse operators whose sparse matrix would exceed this (GB).
        dense_max_qubits: diagonalise densely up to this many qubits (robust, all eigenvalues).
        num_eigenvalues: how many of the lowest eigenvalues to report.
        return_state: report the ground state (sparse amplitudes) in ``info``.
        state_max_qubits: only for operators up to this many qubits.
        tol: ARPACK convergence tolerance (0 = machine precision).
    """

    max_qubits: int = 26
    max_memory_gb: float = 4.0
    dense_max_qubits: int = 10
    num_eigenvalues: int = 4
    return_state: bool = True
    state_max_qubits: int = 16
    tol: float = 0.0

    def __post_init__(self) -> None:
        if not 1 <= self.max_qubits <= 40:
            raise OptionsError(f"max_qubits must be in 1..40, got {self.max_qubits}")
        if self.max_memory_gb <= 0:
            raise OptionsError(f"max_memory_gb must be positive, got {self.max_memory_gb}")
        if not 0 <= self.dense_max_qubits <= 14:
            raise OptionsError(f"dense_max_qubits must be in 0..14, got {self.dense_max_qubits}")
        if self.num_eigenvalues < 1:
            raise OptionsError(f"num_eigenvalues must be >= 1, got {self.num_eigenvalues}")
        if self.tol < 0:
            raise OptionsError(f"tol must be >= 0, got {self.tol}")


def check_hermitian(op: Any, atol: float = 1e-10) -> str | None:
    """None if ``op`` is Hermitian, else the reason (a ground energy needs a Hermitian operator)."""
    diff = (op - op.adjoint()).simplify(atol=atol)
    worst = float(np.max(np.abs(diff.coeffs))) if len(diff) else 0.0
    if worst > atol:
        return (f"the operator is not Hermitian (largest coefficient of H - H^dagger is "
                f"{worst:.3g}); a ground energy needs real coefficients on Pauli strings")
    return None


def sparse_matrix_bytes(op: Any) -> int:
    """Bytes of ``op`` as a CSR matrix: 2^n rows times its distinct X-patterns, estimated
    without building anything.

    Examples:
        >>> from qiskit.quantum_info import SparsePauliOp
        >>> sparse_matrix_bytes(SparsePauliOp.from_list([("ZZ", 1.0), ("ZI", 1.0), ("XX", 1.0)]))
        192
    """
    xs = np.asarray(op.paulis.x, dtype=bool)
    patterns = len({row.tobytes() for row in np.packbits(xs, axis=1)}) if len(xs) else 1
    return int(2 ** op.num_qubits * patterns * BYTES_PER_NONZERO)


def sparse_state(vector: np.ndarray, atol: float = 1e-10) -> dict[str, list[Any]]:
    """Amplitudes above ``atol`` as ``{"indices", "real", "imag"}`` (JSON-safe), with the
    global phase fixed so that the largest amplitude is real and positive."""
    vector = np.asarray(vector, dtype=complex)
    k = int(np.argmax(np.abs(vector)))
    if abs(vector[k]) > 0:
        vector = vector * (abs(vector[k]) / vector[k])
    idx = np.flatnonzero(np.abs(vector) > atol)
    return {"indices": idx.tolist(), "real": vector[idx].real.tolist(),
            "imag": vector[idx].imag.tolist(), "num_qubits": int(np.log2(len(vector)))}


def dense_state(state: Any) -> np.ndarray:
    """The full amplitude vector of a :func:`sparse_state` mapping."""
    vec = np.zeros(2 ** int(state["num_qubits"]), dtype=complex)
    vec[np.asarray(state["indices"], dtype=np.int64)] = (np.asarray(state["real"])
                                                           + 1j * np.asarray(state["imag"]))
    return vec


class ExactEigenBackend(Backend[ExactEigenOptions]):
    """Exact ground energy of a Hermitian SparsePauliOp (dense or sparse Lanczos)."""

    name = "exact-eigen"
    model_kinds = ("pauli",)
    Options = ExactEigenOptions
    requires = ("qiskit", "scipy")
    package = "scipy"
    exact = True
    description = "exact diagonalisation of SparsePauliOp Hamiltonians (NumPy dense / SciPy Lanczos)"
    conformance = {"pauli_atol": 1e-8, "pauli_sizes": (1, 2, 4, 6), "pauli_min_success": 1.0,
                   "options": {"dense_max_qubits": 3}}

    def max_variables(self, options: ExactEigenOptions) -> int | None:
        return options.max_qubits

    def _check(self, model: Any, options: ExactEigenOptions) -> None:
        super()._check(model, options)
        n = model.num_qubits
        need = sparse_matrix_bytes(model) if n > options.dense_max_qubits else 16 * 4 ** n
        if need > options.max_memory_gb * 1e9:
            raise ProblemTooLargeError(
                f"backend 'exact-eigen' would need about {need / 1e9:.1f} GB for the {n}-qubit "
                f"matrix of this operator (limit max_memory_gb = {options.max_memory_gb}); "
                "raise max_memory_gb if the machine has it, shrink the active space, or use "
                "'vqe' on a matrix-product-state simulator")
        reason = check_hermitian(model)
        if reason:
            raise UnsupportedModelError(f"backend 'exact-eigen': {reason}")

    def _solve(self, model: Any, options: ExactEigenOptions, deadline: Deadline,
               seed: int) -> Solved:
        n = model.num_qubits
        start = time.perf_counter()
        k = min(options.num_eigenvalues, 2 ** n)
        if n <= options.dense_max_qubits or n <= 3:  # ARPACK needs k < dimension - 1
            values, vectors = np.linalg.eigh(model.to_matrix())
            method = "dense (numpy.linalg.eigh)"
        else:
            from scipy.sparse.linalg import ArpackNoConvergence, eigsh

            matrix = model.to_matrix(sparse=True)
            rng = np.random.default_rng(seed)
            v0 = rng.standard_normal(2 ** n) + 1j * rng.standard_normal(2 ** n)
            try:
                values, vectors = eigsh(matrix, k=min(k, 2 ** n - 2), which="SA", v0=v0,
                                        tol=options.tol)
            except ArpackNoConvergence as exc:
                raise SolverError(f"exact-eigen: Lanczos did not converge on {n} qubits: "
                                  f"{exc}; raise tol") from None
            order = np.argsort(values)
            values, vectors = values[order], vectors[:, order]
            method = "sparse Lanczos (scipy.sparse.linalg.eigsh)"
        solver_s = time.perf_counter() - start
        values = np.real(values)
        info: dict[str, Any] = {"num_qubits": n, "num_terms": len(model),
                                "method": method, "eigenvalues": values[:k].tolist()}
        if options.return_state and n <= options.state_max_qubits:
            info["ground_state"] = sparse_state(vectors[:, 0])
        return Solved(energy=float(values[0]), solver_s=solver_s, status=Status.OPTIMAL,
                      info=info)
