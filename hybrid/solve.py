"""``hybrid_workbench.solve``: send a model to any registered backend in one call.

Examples:
    >>> import dimod, hybrid_workbench as hw
    >>> bqm = dimod.BinaryQuadraticModel({}, {("a", "b"): 1.0, ("b", "c"): 1.0}, 0.0, "SPIN")
    >>> r = hw.solve(bqm, "exact")
    >>> r.energy, r.status
    (-2.0, 'optimal')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hybrid_workbench.options import BackendOptions
from hybrid_workbench.registry import get_backend
from hybrid_workbench.result import Result

__all__ = ["solve"]


def solve(model: Any, backend: str | Any, *, options: Mapping[str, Any] | BackendOptions | None = None,
          seed: int | None = None, time_limit: float | None = None) -> Result:
    """Solve ``model`` on ``backend`` (a registered name or a backend instance).

    Args:
        model: a BQM, CQM, SparsePauliOp or QuantumCircuit.
        backend: backend name (see ``hybrid backends``) or instance.
        options: backend options (a mapping or the backend's ``Options``); unknown ones raise.
        seed: random seed; drawn and recorded in the result when omitted.
        time_limit: seconds, for backends that honour one.
    """
    be = get_backend(backend) if isinstance(backend, str) else backend
    return be.solve(model, options=options, seed=seed, time_limit=time_limit)
