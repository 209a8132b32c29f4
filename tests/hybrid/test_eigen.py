"""exact-eigen: ground energies against numpy.linalg.eigvalsh, states, and refusals."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("qiskit")
from qiskit.quantum_info import SparsePauliOp  # noqa: E402

from hybrid_workbench.algorithms.eigen import ExactEigenBackend, dense_state, sparse_matrix_bytes  # noqa: E402
from hybrid_workbench.errors import OptionsError, ProblemTooLargeError, UnsupportedModelError  # noqa: E402
from hybrid_workbench.testing.pauli import random_hermitian_op  # noqa: E402


@pytest.mark.parametrize("dense_max", [14, 0])
@pytest.mark.parametrize("n", [1, 3, 5, 7])
def test_ground_energy_matches_eigvalsh(n: int, dense_max: int) -> None:
    op = random_hermitian_op(n, seed=n, num_terms=3 * n)
    exact = np.linalg.eigvalsh(op.to_matrix())
    r = ExactEigenBackend().solve(op, seed=1, options={"dense_max_qubits": dense_max,
                                                       "num_eigenvalues": 2})
    assert r.energy == pytest.approx(exact[0], abs=1e-9)
    assert r.info["eigenvalues"][: min(2, len(exact))] == pytest.approx(exact[:2], abs=1e-8)
    assert r.status == "optimal" and r.model_kind == "pauli"


def test_ground_state_is_an_eigenvector() -> None:
    op = random_hermitian_op(6, seed=3)
    r = ExactEigenBackend().solve(op, seed=0, options={"dense_max_qubits": 0})
    v = dense_state(r.info["ground_state"])
    assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-8)
    residual = op.to_matrix() @ v - r.energy * v
    assert np.linalg.norm(residual) < 1e-6


def test_identity_constant_is_part_of_the_energy() -> None:
    op = SparsePauliOp.from_list([("ZI", 1.0), ("IZ", 0.5), ("II", -7.25)])
    assert ExactEigenBackend().solve(op, seed=0).energy == pytest.approx(-8.75, abs=1e-12)


def test_refusals_before_work() -> None:
    be = ExactEigenBackend()
    with pytest.raises(UnsupportedModelError, match="not Hermitian"):
        be.solve(SparsePauliOp(["XY"], [1j]), seed=0)
    wide = SparsePauliOp.from_list([("X" * 30, 1.0), ("Z" * 30, 1.0), ("Y" + "I" * 29, 1.0)])
    assert sparse_matrix_bytes(wide) == 2 ** 30 * 3 * 24  # three distinct X-patterns
    with pytest.raises(ProblemTooLargeError, match="max_memory_gb"):
        be.solve(wide, seed=0, options={"max_qubits": 40})
    with pytest.raises(ProblemTooLargeError):
        be.solve(SparsePauliOp("Z" * 27), seed=0)
    with pytest.raises(OptionsError, match="did you mean"):
        be.solve(wide, options={"max_qubit": 3})
