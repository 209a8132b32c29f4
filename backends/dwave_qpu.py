"""``dwave-qpu`` and ``dwave-leap-hybrid``: D-Wave's annealer and Leap hybrid solvers (in progress)."""

from __future__ import annotations

from typing import Any

from hybrid_workbench.backend import Backend, SamplerBackend
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.result import Solved

__all__ = ["DWaveQPUBackend", "LeapHybridBackend"]


class DWaveQPUBackend(SamplerBackend[Any]):
    """D-Wave QPU behind a minor-embedding."""

    name = "dwave-qpu"
    requires = ("dwave.system",)
    package = "dwave-system"
    device = "qpu"

    def available(self) -> Any:
        return "not implemented yet"

    def _solve(self, model: Any, options: Any, deadline: Deadline, seed: int) -> Solved:
        raise NotImplementedError


class LeapHybridBackend(Backend[Any]):
    """Leap hybrid BQM/CQM solvers."""

    name = "dwave-leap-hybrid"
    model_kinds = ("bqm", "cqm")
    requires = ("dwave.system",)
    package = "dwave-system"
    device = "qpu"

    def available(self) -> Any:
        return "not implemented yet"

    def _solve(self, model: Any, options: Any, deadline: Deadline, seed: int) -> Solved:
        raise NotImplementedError
