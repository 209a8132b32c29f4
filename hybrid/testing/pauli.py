"""Conformance checks for backends of ``pauli`` models (ground energy of a SparsePauliOp).

Run by :mod:`hybrid_workbench.testing.conformance` for every backend that declares ``'pauli'``:

* the ground energy of small random Hermitian operators equals
  :func:`numpy.linalg.eigvalsh` of their dense matrix (built here, independently of any
  backend), within ``pauli_atol``, in every trial or the declared ``pauli_min_success``
  fraction (the tolerance for variational backends);
* non-Hermitian operators and operators over the backend's qubit limit are refused before
  any work (``_solve`` is never entered);
* the same seed gives the same energy; the result round-trips through JSON.

A backend tunes them through its ``conformance`` dict: ``pauli_atol`` (1e-6),
``pauli_sizes`` (qubit counts, default 1..4), ``pauli_trials`` (3), ``pauli_min_success``
(1.0), ``options`` (backend options used throughout).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from hybrid_workbench.errors import ProblemTooLargeError, UnsupportedModelError
from hybrid_workbench.result import Result
from hybrid_workbench.testing.failures import fail as _fail
from hybrid_workbench.testing.failures import no_work

__all__ = ["random_hermitian_op", "ground_energy_dense", "PAULI_CHECKS"]


def _settings(backend: Any) -> dict[str, Any]:
    defaults = {"pauli_atol": 1e-6, "pauli_sizes": (1, 2, 3, 4), "pauli_trials": 3,
                "pauli_min_success": 1.0, "options": {}, "deterministic": True}
    return {**defaults, **dict(getattr(backend, "conformance", {}) or {})}




def random_hermitian_op(num_qubits: int, seed: int = 0, num_terms: int | None = None) -> Any:
    """A random Hermitian SparsePauliOp: random Pauli strings with real coefficients.

    Examples:
        >>> op = random_hermitian_op(3, seed=1)
        >>> op.num_qubits, bool(np.allclose(op.to_matrix(), op.to_matrix().conj().T))
        (3, True)
    """
    from qiskit.quantum_info import SparsePauliOp

    rng = np.random.default_rng(seed)
    k = num_terms or 2 * num_qubits + 2
    labels = ["".join(rng.choice(list("IXYZ"), num_qubits)) for _ in range(k)]
    coeffs = rng.integers(-4, 5, size=k) / 2.0
    return SparsePauliOp(labels, coeffs).simplify()


def ground_energy_dense(op: Any) -> float:
    """Lowest eigenvalue of the dense matrix (the independent reference)."""
    return float(np.linalg.eigvalsh(op.to_matrix())[0])


def _check_result(backend: Any, op: Any, result: Any, what: str) -> None:
    if not isinstance(result, Result):
        _fail(backend, f"{what}: solve returned {type(result).__name__}, not Result")
    if result.model_kind != "pauli" or result.backend != backend.name:
        _fail(backend, f"{what}: bad metadata model_kind={result.model_kind!r} "
                       f"backend={result.backend!r}")
    if result.energy is None or not np.isfinite(result.energy):
        _fail(backend, f"{what}: no finite energy returned ({result.energy!r})")
    floor = ground_energy_dense(op)
    if result.energy < floor - 1e-8:
        _fail(backend, f"{what}: energy {result.energy} is below the ground energy {floor} "
                       "(variational bound violated)")


def check_pauli_ground(backend: Any) -> None:
    """Ground energies of random Hermitian operators match numpy.linalg.eigvalsh."""
    cfg = _settings(backend)
    total = hits = 0
    misses = []
    for n in cfg["pauli_sizes"]:
        for trial in range(cfg["pauli_trials"]):
            op = random_hermitian_op(n, seed=100 * n + trial)
            exact = ground_energy_dense(op)
            result = backend.solve(op, seed=trial, options=cfg["options"])
            _check_result(backend, op, result, f"n={n} trial {trial}")
            total += 1
            if abs(result.energy - exact) <= cfg["pauli_atol"]:
                hits += 1
            else:
                misses.append(f"n={n} trial {trial}: {result.energy} vs {exact}")
    if hits < cfg["pauli_min_success"] * total:
        _fail(backend, f"reached the exact ground energy (atol {cfg['pauli_atol']}) in "
                       f"{hits}/{total} operators (required {cfg['pauli_min_success']:.0%}); "
                       f"misses: {misses[:4]}")


def check_pauli_rejects(backend: Any) -> None:
    """Non-Hermitian operators, BQMs and operators over the qubit limit: refused before work."""
    import dimod
    from qiskit.quantum_info import SparsePauliOp


    with no_work(backend):
        for what, model in (("non-Hermitian operator", SparsePauliOp(["XZ", "ZI"], [1j, 1.0])),
                            ("BQM", dimod.BinaryQuadraticModel({0: 1.0}, {}, 0.0, "SPIN"))):
            if "bqm" in backend.model_kinds and what == "BQM":
                continue
            try:
                backend.solve(model, seed=0)
            except UnsupportedModelError:
                pass
            else:
                _fail(backend, f"accepted a {what}")
        limit = backend.max_variables(backend.make_options(_settings(backend)["options"]))
        if limit is not None:
            big = SparsePauliOp("Z" * (limit + 1))
            try:
                backend.solve(big, seed=0, options=_settings(backend)["options"])
            except ProblemTooLargeError:
                pass
            else:
                _fail(backend, f"accepted {limit + 1} qubits over its limit of {limit}")


def check_pauli_seed(backend: Any) -> None:
    """The same seed gives the same energy."""
    cfg = _settings(backend)
    if not cfg["deterministic"]:
        return
    op = random_hermitian_op(2, seed=7)
    a = backend.solve(op, seed=3, options=cfg["options"])
    b = backend.solve(op, seed=3, options=cfg["options"])
    if a.energy != b.energy:
        _fail(backend, f"same seed, different energies: {a.energy} vs {b.energy}")


def check_pauli_roundtrip(backend: Any) -> None:
    """The result survives JSON."""
    op = random_hermitian_op(2, seed=9)
    result = backend.solve(op, seed=1, options=_settings(backend)["options"])
    again = Result.from_json(json.dumps(json.loads(result.to_json())))
    if again != result:
        _fail(backend, "result changed through a JSON round trip")


PAULI_CHECKS = [check_pauli_ground, check_pauli_rejects, check_pauli_seed, check_pauli_roundtrip]
