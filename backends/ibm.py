"""IBM Quantum gate-model backend on Qiskit Runtime (work in progress)."""

from __future__ import annotations

from typing import Any

from hybrid_workbench.backend import Backend
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import BackendUnavailableError
from hybrid_workbench.result import Solved

__all__ = ["IBMBackend"]


class IBMBackend(Backend):
    """IBM Quantum devices through Qiskit Runtime primitives."""

    name = "ibm"
    model_kinds = ("circuit",)
    requires = ("qiskit", "qiskit_ibm_runtime")
    package = "qiskit-ibm-runtime"
    device = "qpu"
    description = "IBM Quantum via Qiskit Runtime SamplerV2/EstimatorV2"

    def _solve(self, model: Any, options: Any, deadline: Deadline, seed: int) -> Solved:
        raise BackendUnavailableError("backend 'ibm' is not finished")
