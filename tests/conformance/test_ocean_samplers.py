"""Ocean's own sampler tests on every registered backend that is a :class:`dimod.Sampler`.

``dimod.testing.load_sampler_bqm_tests`` is the suite D-Wave runs on its samplers: empty,
one-, two- and three-variable models as Ising, QUBO and each BQM class (``Float32BQM``,
``Float64BQM``, ``DictBQM``), with tuple labels and integer biases up to 105; the sample
set must cover exactly the model's variables, in its vartype, with correct energies. The
suite is generated per backend into a throwaway ``TestCase`` and each of its methods
becomes one pytest case here, so a failure names the backend and the case.

Backends run with their default options (what an Ocean user gets), except where the
defaults are slow for CI (the options in :data:`OPTIONS`) or cannot run here (a QPU
without credentials: its conformance options, which name the vendor's offline stand-in),
through a thin :class:`dimod.Sampler` that adds them (the reason is stated there).
"""

from __future__ import annotations

import functools
import unittest
from typing import Any

import dimod
import dimod.testing
import pytest

from hybrid_workbench.registry import all_backends, get_backend

#: Lighter options for backends whose defaults take seconds per call (32 calls each).
OPTIONS: dict[str, dict[str, Any]] = {
    "dwave-tabu": {"num_reads": 1},  # 0.1 s time-out per read
    "openjij-sqa": {"num_sweeps": 100},  # 8 Trotter slices x 1000 sweeps x 10 reads
    "qaoa": {"p": 1, "maxiter": 20},  # a statevector optimisation per call
    "decompose": {"sub_backend": "exact", "sub_size": 4, "tabu_timeout": 5},  # QAOA per part
}

class _WithOptions(dimod.Sampler):
    """``backend`` with fixed extra options (for the backends listed in :data:`OPTIONS`)."""

    def __init__(self, backend: Any, options: dict[str, Any]) -> None:
        self.backend, self.options = backend, options

    @property
    def parameters(self) -> dict[str, list[str]]:
        return self.backend.parameters

    @property
    def properties(self) -> dict[str, Any]:
        return self.backend.properties

    def sample(self, bqm: dimod.BinaryQuadraticModel, **parameters: Any) -> dimod.SampleSet:
        return self.backend.sample(bqm, **{**self.options, **parameters})


def _sampler(name: str) -> Any:
    """The backend, with :data:`OPTIONS`; one whose defaults cannot run here (a QPU without
    credentials) runs with its conformance options, which name its offline stand-in."""
    backend = get_backend(name)
    options = OPTIONS.get(name)
    if options is None and backend.supports(dimod.BinaryQuadraticModel("SPIN")) is not True:
        options = dict((getattr(backend, "conformance", {}) or {}).get("options", {}))
    return _WithOptions(backend, options) if options else backend


@functools.lru_cache(maxsize=None)
def _suite(name: str) -> type[unittest.TestCase]:
    """dimod's generated test case for backend ``name``."""

    def factory() -> Any:
        return _sampler(name)

    factory.__name__ = name.replace("-", "_")

    @dimod.testing.load_sampler_bqm_tests(factory)
    class OceanSuite(unittest.TestCase):
        pass

    return OceanSuite


def _sampler_backends() -> list[str]:
    return sorted(name for name, backend in all_backends().items()
                  if isinstance(backend, dimod.Sampler))


def _cases() -> list[Any]:
    cases = []
    for name in _sampler_backends():
        marks = [pytest.mark.slow] if name in ("qaoa", "decompose") else []
        methods = unittest.defaultTestLoader.getTestCaseNames(_suite(name))
        cases += [pytest.param(name, m, id=f"{name}-{m.removeprefix('test_')}", marks=marks)
                  for m in methods]
    return cases


@pytest.mark.parametrize(("name", "method"), _cases())
def test_ocean_sampler_suite(name: str, method: str) -> None:
    backend = get_backend(name)
    available = backend.available()
    if available is not True:
        pytest.skip(f"{name} not available here: {available}")
    getattr(_suite(name)(method), method)()


def test_the_annealers_are_in_the_suite() -> None:
    names = _sampler_backends()
    assert {"dwave-sa", "dwave-tabu", "dwave-greedy", "openjij-sa", "openjij-sqa"} <= set(names)
    assert len(_cases()) >= 32 * len(names)
