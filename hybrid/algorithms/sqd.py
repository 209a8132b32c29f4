"""``sqd``: sample-based quantum diagonalisation of molecular Hamiltonians (in progress)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from hybrid_workbench.backend import Backend
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import SolverError
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved

__all__ = ["SQDBackend", "SQDOptions"]


@dataclass(frozen=True)
class SQDOptions(BackendOptions):
    """Options of ``sqd``."""


class SQDBackend(Backend[SQDOptions]):
    """Sample-based quantum diagonalisation."""

    name: ClassVar[str] = "sqd"
    model_kinds: ClassVar[tuple[str, ...]] = ("molecular",)
    Options = SQDOptions
    requires: ClassVar[tuple[str, ...]] = ("ffsim", "qiskit_addon_sqd")
    package: ClassVar[str | None] = "qiskit-addon-sqd"
    description: ClassVar[str] = "sample-based quantum diagonalisation (in progress)"

    def _solve(self, model: Any, options: SQDOptions, deadline: Deadline, seed: int) -> Solved:
        raise SolverError("sqd is not implemented yet")
