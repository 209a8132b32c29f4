"""What every conformance check shares: the failure type and the proof that no work started.

Kept apart from :mod:`hybrid_workbench.testing.conformance` so the BQM, circuit and Pauli
checks import it without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["ConformanceFailure", "fail", "no_work"]


class ConformanceFailure(AssertionError):
    """A backend broke the contract."""


def fail(backend: Any, message: str) -> None:
    """Raise :class:`ConformanceFailure` naming the backend."""
    raise ConformanceFailure(f"{backend.name}: {message}")


@contextmanager
def no_work(backend: Any) -> Iterator[None]:
    """Fail if the backend's ``_solve`` is entered inside the block."""
    original = backend._solve

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise ConformanceFailure(f"{backend.name}: started solving before rejecting the input")

    backend._solve = forbidden
    try:
        yield
    finally:
        del backend._solve
        if backend._solve is not original:  # pragma: no cover - instance attr shadowing
            backend._solve = original
