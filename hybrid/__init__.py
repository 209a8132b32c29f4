"""Hybrid workbench: one problem, every backend, one result shape.

The core API::

    import hybrid_workbench as hw
    result = hw.solve(bqm, "dwave-sa", seed=1)          # any registered backend
    hw.backend_names()                                  # what is registered
    hw.get_usecase("maxcut").solve(instance, "cpsat")   # a whole use-case flow

``import hybrid`` is light: names are resolved on first use (PEP 562), and qiskit, cupy,
pyscf, openjij -- even dimod -- load only when something that needs them runs. A
command that fails validation (say, a model too large for a backend) answers before
any of them is imported.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

logging.getLogger(__name__).addHandler(logging.NullHandler())

_EXPORTS: dict[str, str] = {
    "Backend": "hybrid_workbench.backend",
    "SamplerBackend": "hybrid_workbench.backend",
    "Capabilities": "hybrid_workbench.backend",
    "BackendOptions": "hybrid_workbench.options",
    "Result": "hybrid_workbench.result",
    "Status": "hybrid_workbench.result",
    "Timing": "hybrid_workbench.result",
    "solve": "hybrid_workbench.solve",
    "model_kind": "hybrid_workbench.models",
    "UseCase": "hybrid_workbench.usecase",
    "Formulation": "hybrid_workbench.usecase",
    "Evaluation": "hybrid_workbench.usecase",
    "Outcome": "hybrid_workbench.usecase",
    "all_backends": "hybrid_workbench.registry",
    "backend_names": "hybrid_workbench.registry",
    "get_backend": "hybrid_workbench.registry",
    "register_backend": "hybrid_workbench.registry",
    "all_usecases": "hybrid_workbench.registry",
    "get_usecase": "hybrid_workbench.registry",
    "usecase_names": "hybrid_workbench.registry",
    "register_usecase": "hybrid_workbench.registry",
    **{name: "hybrid_workbench.errors" for name in (
        "WorkbenchError", "BackendNotFoundError", "BackendUnavailableError",
        "UnsupportedModelError", "ProblemTooLargeError", "OptionsError", "InstanceError",
        "InstanceFormatError", "UseCaseNotFoundError", "MissingDependencyError", "SolverError")},
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        if name == "__version__":
            from importlib.metadata import PackageNotFoundError, version

            try:
                return version("hybrid-workbench")
            except PackageNotFoundError:  # pragma: no cover - source tree without install
                return "0.0.0+unknown"
        raise AttributeError(f"module 'hybrid' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | {"__version__"})


if TYPE_CHECKING:  # pragma: no cover
    from hybrid_workbench.backend import Backend, Capabilities, SamplerBackend
    from hybrid_workbench.errors import (
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
    from hybrid_workbench.models import model_kind
    from hybrid_workbench.options import BackendOptions
    from hybrid_workbench.registry import (
        all_backends,
        all_usecases,
        backend_names,
        get_backend,
        get_usecase,
        register_backend,
        register_usecase,
        usecase_names,
    )
    from hybrid_workbench.result import Result, Status, Timing
    from hybrid_workbench.solve import solve
    from hybrid_workbench.usecase import Evaluation, Formulation, Outcome, UseCase
