"""Optional dependencies: check without importing, import with an install hint.

Backends and use cases that need heavy or optional packages (qiskit, cupy, pyscf,
openjij, ortools...) import them through :func:`require` at the point of use, so that
``import hybrid`` stays light and a missing package becomes a
:class:`~hybrid_workbench.errors.MissingDependencyError` naming the extra to install.

Examples:
    >>> from hybrid_workbench._optional import is_installed
    >>> is_installed("json"), is_installed("surely_not_a_real_module_name")
    (True, False)
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache
from types import ModuleType
from typing import Any

from hybrid_workbench.errors import MissingDependencyError

__all__ = ["is_installed", "require", "install_hint", "lazy_module"]


@cache
def is_installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def install_hint(extra: str | None, package: str | None = None) -> str:
    """The pip command that brings a missing dependency."""
    if extra:
        return f"pip install 'hybrid-workbench[{extra}]'"
    if package:
        return f"pip install {package}"
    return "pip install hybrid-workbench"


def require(module: str, *, extra: str | None = None, package: str | None = None,
            purpose: str = "") -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` with an install hint.

    Args:
        module: dotted module name to import.
        extra: the project's extra that installs it (``"chem"``, ``"opt"``...).
        package: the PyPI distribution, when no extra carries it.
        purpose: what needs it, for the message.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        what = f" (needed for {purpose})" if purpose else ""
        raise MissingDependencyError(
            f"{module} is not installed{what}; install it with: {install_hint(extra, package)}"
        ) from exc


class _LazyModule(ModuleType):
    """A stand-in that imports the real module on first attribute access."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_lazy_target"] = name

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self.__dict__["_lazy_target"])
        self.__dict__.update(module.__dict__)
        return getattr(module, attr)


def lazy_module(name: str) -> ModuleType:
    """``dimod = lazy_module("dimod")``: import on first use, not at module load.

    Backend modules are imported whenever the registry lists backends; binding their
    heavier dependencies lazily keeps ``hybrid backends`` and the CLI's validation path
    fast (dimod alone costs about half a second to import, most of it networkx).

    Examples:
        >>> json_ = lazy_module("json")
        >>> json_.dumps([1])
        '[1]'
    """
    return _LazyModule(name)
