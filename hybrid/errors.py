"""The workbench's exceptions: one root, a few meaningful branches.

Every error the workbench raises on purpose derives from :class:`WorkbenchError`, so a
caller (the CLI, a batch runner, a notebook) can catch exactly ours. Each message says
what is wrong *and* how to fix it.

Examples:
    >>> from hybrid_workbench.errors import OptionsError, WorkbenchError
    >>> issubclass(OptionsError, WorkbenchError) and issubclass(OptionsError, ValueError)
    True
"""

from __future__ import annotations

__all__ = [
    "WorkbenchError",
    "BackendNotFoundError",
    "BackendUnavailableError",
    "UnsupportedModelError",
    "ProblemTooLargeError",
    "OptionsError",
    "InstanceError",
    "InstanceFormatError",
    "UseCaseNotFoundError",
    "MissingDependencyError",
    "SolverError",
]


class WorkbenchError(Exception):
    """Root of every error the workbench raises deliberately."""


class BackendNotFoundError(WorkbenchError, LookupError):
    """No backend is registered under the requested name."""


class BackendUnavailableError(WorkbenchError, RuntimeError):
    """The backend is registered but cannot run here (missing package, no device...)."""


class UnsupportedModelError(WorkbenchError, TypeError):
    """The backend does not accept this kind (or this instance) of model."""


class ProblemTooLargeError(UnsupportedModelError):
    """The model is of an accepted kind but too large for this backend (memory, time)."""


class OptionsError(WorkbenchError, ValueError):
    """Unknown option, or an option value of the wrong type or range."""


class InstanceError(WorkbenchError, ValueError):
    """An instance is invalid (inconsistent data, impossible request)."""


class InstanceFormatError(InstanceError):
    """An instance file cannot be parsed; the message names the file and line."""


class UseCaseNotFoundError(WorkbenchError, LookupError):
    """No use case is registered under the requested name."""


class MissingDependencyError(WorkbenchError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class SolverError(WorkbenchError, RuntimeError):
    """A backend failed while solving a model it had accepted."""
