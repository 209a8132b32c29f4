"""Charging-station placement on an AGV floor: maximum independent set on unit-disk graphs."""

from __future__ import annotations

from typing import Any

from hybrid_workbench.errors import InstanceError
from hybrid_workbench.usecase import Evaluation, Formulation, UseCase

__all__ = ["Stations"]


class Stations(UseCase):
    """Station placement (work in progress)."""

    name = "stations"
    sense = "max"

    def load(self, source: Any, **params: Any) -> Any:
        raise InstanceError("stations: not implemented yet")

    def generate(self, seed: int = 0, **params: Any) -> Any:
        raise InstanceError("stations: not implemented yet")

    def _formulate(self, instance: Any, options: Any) -> Formulation[Any]:
        raise InstanceError("stations: not implemented yet")

    def interpret(self, instance: Any, formulation: Any, result: Any) -> Any:
        raise InstanceError("stations: not implemented yet")

    def evaluate(self, instance: Any, solution: Any) -> Evaluation:
        raise InstanceError("stations: not implemented yet")

    def baseline(self, instance: Any, **options: Any) -> Any:
        raise InstanceError("stations: not implemented yet")
