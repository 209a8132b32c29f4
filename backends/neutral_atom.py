"""``neutral-atom``: analog Rydberg-array backend (work in progress)."""

from __future__ import annotations

from typing import Any, ClassVar

from hybrid_workbench.backend import Backend
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import SolverError
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved

__all__ = ["NeutralAtomBackend"]


class NeutralAtomBackend(Backend[BackendOptions]):
    """Analog Rydberg array (not yet usable)."""

    name = "neutral-atom"
    model_kinds: ClassVar[tuple[str, ...]] = ("unit-disk",)
    Options = BackendOptions

    def _solve(self, model: Any, options: BackendOptions, deadline: Deadline, seed: int) -> Solved:
        raise SolverError("neutral-atom is not implemented yet")
