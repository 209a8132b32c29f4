"""Every registered backend runs the conformance suite (skipped, with the reason, where
its optional dependency or device is missing here)."""

from __future__ import annotations

import pytest

from hybrid_workbench.registry import backend_names, get_backend
from hybrid_workbench.testing.conformance import applicable_checks, live_skip_reason


def _cases() -> list:
    cases = []
    for name in backend_names():
        backend = get_backend(name)
        for check in applicable_checks(backend):
            cases.append(pytest.param(name, check, id=f"{name}-{check.__name__}"))
    return cases


@pytest.mark.parametrize(("name", "check"), _cases())
def test_conformance(name: str, check) -> None:
    backend = get_backend(name)
    live = live_skip_reason(backend)
    if live:
        pytest.skip(f"{name}: {live}")
    available = backend.available()
    if available is not True:
        pytest.skip(f"{name} not available here: {available}")
    check(backend)


def test_all_builtin_backends_are_registered() -> None:
    expected = {"exact", "dwave-sa", "dwave-tabu", "dwave-greedy", "openjij-sa", "openjij-sqa", "cpsat"}
    assert expected <= set(backend_names())
