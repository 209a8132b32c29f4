"""Hybrid workbench: one problem, every backend, one result shape.

The core API::

    import hybrid
    result = hybrid.solve(bqm, "dwave-sa", seed=1)       # any registered backend
    hybrid.backend_names()                                  # what is registered
    hybrid.get_usecase("maxcut").solve(instance, "cpsat")   # a whole use-case flow

``import hybrid`` is light: qiskit, cupy, pyscf and openjij load only when a backend or
use case that needs them runs.
"""

from __future__ import annotations

import logging

from hybrid.backend import Backend, Capabilities, SamplerBackend
from hybrid.errors import (
    BackendNotFoundError,
    BackendUnavailableError,
    InstanceError,
    InstanceFormatError,
    MissingDependencyError,
    OptionsError,
    ProblemTooLargeError,
    SolverError,
    UnsupportedModelError,
    UseCaseNotFoundError,
    WorkbenchError,
)
from hybrid.models import model_kind
from hybrid.options import BackendOptions
from hybrid.registry import (
    all_backends,
    backend_names,
    get_backend,
    get_usecase,
    register_backend,
    register_usecase,
    usecase_names,
)
from hybrid.result import Result, Status, Timing
from hybrid.solve import solve
from hybrid.usecase import Evaluation, Formulation, Outcome, UseCase

logging.getLogger(__name__).addHandler(logging.NullHandler())

try:
    from importlib.metadata import version as _version

    __version__ = _version("hybrid-workbench")
except Exception:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = [
    "Backend", "SamplerBackend", "Capabilities", "BackendOptions",
    "Result", "Status", "Timing", "solve", "model_kind",
    "UseCase", "Formulation", "Evaluation", "Outcome",
    "all_backends", "backend_names", "get_backend", "register_backend",
    "get_usecase", "usecase_names", "register_usecase",
    "WorkbenchError", "BackendNotFoundError", "BackendUnavailableError", "UnsupportedModelError",
    "ProblemTooLargeError", "OptionsError", "InstanceError", "InstanceFormatError",
    "UseCaseNotFoundError", "MissingDependencyError", "SolverError",
]
