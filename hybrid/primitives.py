"""Gate-model primitives: what a gate-model backend hands out, and how the core gets them.

QAOA, VQE and the circuit use cases run on Qiskit V2 primitives, never on a named
simulator. They get them in one of two ways:

* by backend *name*, through the registry: a gate-model backend implements
  ``primitives(options=None, seed=None) -> Primitives`` (the ``aer-*`` backends do), and
  :func:`backend_primitives` asks ``hybrid_workbench.registry.get_backend(name)`` for them;
* from *Python objects* the user passes: any :class:`qiskit.primitives.BaseSamplerV2` /
  :class:`~qiskit.primitives.BaseEstimatorV2` (Qiskit's reference ``StatevectorSampler``,
  IBM Runtime's ``SamplerV2`` on a device...) wrapped by :meth:`Primitives.from_user`.
  Options stay JSON-able, so such objects are handed to a backend's constructor
  (``QAOABackend(sampler=..., estimator=...)``), not to its options.

A :class:`Primitives` bundle holds a sampler, an estimator (either may be absent for user
primitives) and a pass manager (anything with ``run(circuit) -> circuit``; None runs the
circuits as built, which suits the reference primitives). Observables for a transpiled
circuit take its layout (:meth:`Primitives.observable_for`).

The core never imports a backend module: everything here is protocol and registry.

Examples:
    >>> from qiskit import QuantumCircuit
    >>> from qiskit.primitives import StatevectorEstimator
    >>> from qiskit.quantum_info import SparsePauliOp
    >>> prims = Primitives.from_user(estimator=StatevectorEstimator())
    >>> qc = QuantumCircuit(1); _ = qc.x(0)
    >>> isa = prims.transpile(qc)
    >>> float(prims.estimator.run([(isa, prims.observable_for(SparsePauliOp("Z"), isa))]
    ...                           ).result()[0].data.evs)
    -1.0
    >>> prims.sampler is None, prims.source
    (True, 'user')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from hybrid_workbench.errors import OptionsError, UnsupportedModelError

__all__ = ["Primitives", "backend_primitives", "is_gate_model", "machine_memory_bytes"]


def machine_memory_bytes() -> int:
    """Physical memory of this machine in bytes (from ``sysconf``; 8 GiB if unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 * 2 ** 30


@dataclass(frozen=True)
class Primitives:
    """A sampler, an estimator and the pass manager that makes circuits fit them.

    Attributes:
        sampler: a Qiskit ``BaseSamplerV2``, or None.
        estimator: a Qiskit ``BaseEstimatorV2``, or None.
        pass_manager: an object with ``run(circuit)`` (a Qiskit ``PassManager``), or None
            to run circuits as built.
        source: where they come from: a backend name, or ``'user'``.
        exact: whether the estimator returns exact expectations by default (precision 0),
            as far as the provider knows; user estimators are trusted as given.
    """

    sampler: Any = None
    estimator: Any = None
    pass_manager: Any = None
    source: str = "user"
    exact: bool = True

    def __post_init__(self) -> None:
        if self.sampler is None and self.estimator is None:
            raise OptionsError("primitives need a sampler, an estimator or both")
        from qiskit.primitives import BaseEstimatorV2, BaseSamplerV2

        if self.sampler is not None and not isinstance(self.sampler, BaseSamplerV2):
            raise OptionsError(f"sampler must be a Qiskit BaseSamplerV2 (e.g. qiskit.primitives."
                               f"StatevectorSampler()), got {type(self.sampler).__name__}")
        if self.estimator is not None and not isinstance(self.estimator, BaseEstimatorV2):
            raise OptionsError(f"estimator must be a Qiskit BaseEstimatorV2 (e.g. qiskit."
                               f"primitives.StatevectorEstimator()), got "
                               f"{type(self.estimator).__name__}")
        if self.pass_manager is not None and not callable(getattr(self.pass_manager, "run", None)):
            raise OptionsError("pass_manager must have a run(circuit) method (a Qiskit "
                               f"PassManager), got {type(self.pass_manager).__name__}")

    @classmethod
    def from_user(cls, sampler: Any = None, estimator: Any = None,
                  pass_manager: Any = None) -> Primitives | None:
        """User primitives, or None when none is given (then a backend's defaults apply)."""
        if sampler is None and estimator is None:
            if pass_manager is not None:
                raise OptionsError("a pass_manager needs a sampler or an estimator to go with")
            return None
        return cls(sampler=sampler, estimator=estimator, pass_manager=pass_manager,
                   source="user", exact=True)

    def transpile(self, circuit: Any) -> Any:
        """``circuit`` made runnable on these primitives (unchanged without a pass manager)."""
        return circuit if self.pass_manager is None else self.pass_manager.run(circuit)

    @staticmethod
    def observable_for(observable: Any, isa_circuit: Any) -> Any:
        """``observable`` laid out on the qubits of a transpiled circuit."""
        layout = getattr(isa_circuit, "layout", None)
        return observable if layout is None else observable.apply_layout(layout)

    def describe(self) -> dict[str, Any]:
        """JSON-safe record of what ran (for ``Result.info``)."""
        return {"source": self.source,
                "sampler": None if self.sampler is None else type(self.sampler).__name__,
                "estimator": None if self.estimator is None else type(self.estimator).__name__}


def is_gate_model(backend: Any) -> bool:
    """Whether ``backend`` hands out primitives (implements ``primitives()``)."""
    return callable(getattr(backend, "primitives", None))


def backend_primitives(name: str, options: Any = None, seed: int | None = None) -> Primitives:
    """The primitives of the gate-model backend registered as ``name``.

    Raises:
        BackendNotFoundError: no such backend.
        BackendUnavailableError: it cannot run here (the message says how to install it).
        UnsupportedModelError: it is not a gate-model backend.
    """
    from hybrid_workbench.errors import BackendUnavailableError
    from hybrid_workbench.registry import get_backend

    backend = get_backend(name)
    if not is_gate_model(backend):
        raise UnsupportedModelError(f"backend {name!r} is not a gate-model backend (it has no "
                                    "primitives()); use e.g. 'aer-statevector'")
    avail = backend.available()
    if avail is not True:
        raise BackendUnavailableError(f"backend {name!r} is not available here: {avail}; "
                                      f"install with: {backend.install_hint()}")
    return backend.primitives(options=options, seed=seed)
