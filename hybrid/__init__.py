"""Hybrid workbench: one problem, every backend, one result shape.

The core API::

    import hybrid
    result = hybrid.solve(bqm, "dwave-sa", seed=1)          # any registered backend
    hybrid.backend_names()                                  # what is registered
    hybrid.get_usecase("maxcut").solve(instance, "cpsat")   # a whole use-case flow

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
    "Backend": "hybrid.backend",
    "SamplerBackend": "hybrid.backend",
    "Capabilities": "hybrid.backend",
    "BackendOptions": "hybrid.options",
    "Result": "hybrid.result",
    "Status": "hybrid.result",
    "Timing": "hybrid.result",
    "solve": "hybrid.solve",
    "model_kind": "hybrid.models",
    "UseCase": "hybrid.usecase",
    "Formulation": "hybrid.usecase",
    "Evaluation": "hybrid.usecase",
    "Outcome": "hybrid.usecase",
    "all_backends": "hybrid.registry",
    "backend_names": "hybrid.registry",
    "get_backend": "hybrid.registry",
    "register_backend": "hybrid.registry",
    "all_usecases": "hybrid.registry",
    "get_usecase": "hybrid.registry",
    "usecase_names": "hybrid.registry",
    "register_usecase": "hybrid.registry",
    **{name: "hybrid.errors" for name in (
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
        all_usecases,
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
