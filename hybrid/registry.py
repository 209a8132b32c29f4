"""Discovery of backends and use cases through entry points, built-ins included.

Backends register under the entry-point group ``hybrid_workbench.backends`` and use cases
under ``hybrid_workbench.usecases`` -- the workbench's own through the same groups a third
party uses (PennyLane plugins, networkx backends). Entry points are read lazily and
cached; a plugin that fails to load is a warning, not a crash; names must be identifiers
(``[a-z][a-z0-9]*`` with ``-`` or ``_`` separators).

For notebooks and tests, :func:`register_backend` adds a backend class in-process.

Examples:
    >>> "exact" in backend_names()
    True
    >>> get_backend("exact").name
    'exact'
"""

from __future__ import annotations

import difflib
import importlib.metadata
import re
import threading
import warnings
from typing import Any, Generic, TypeVar

from hybrid_workbench.errors import BackendNotFoundError, UseCaseNotFoundError, WorkbenchError

__all__ = [
    "BACKEND_GROUP",
    "USECASE_GROUP",
    "PluginLoadWarning",
    "backend_names",
    "get_backend",
    "register_backend",
    "usecase_names",
    "get_usecase",
    "register_usecase",
]

BACKEND_GROUP = "hybrid_workbench.backends"
USECASE_GROUP = "hybrid_workbench.usecases"
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")

T = TypeVar("T")


class PluginLoadWarning(UserWarning):
    """A registered plugin could not be loaded (it is skipped)."""


class _Registry(Generic[T]):
    """Name -> lazily loaded, cached plugin instance."""

    def __init__(self, group: str, kind: str, not_found: type[WorkbenchError]) -> None:
        self.group, self.kind, self.not_found = group, kind, not_found
        self._entry_points: dict[str, importlib.metadata.EntryPoint] | None = None
        self._classes: dict[str, type] = {}
        self._instances: dict[str, T] = {}
        self._broken: dict[str, str] = {}
        self._lock = threading.RLock()

    def _scan(self) -> dict[str, importlib.metadata.EntryPoint]:
        with self._lock:
            if self._entry_points is None:
                found: dict[str, importlib.metadata.EntryPoint] = {}
                for ep in importlib.metadata.entry_points(group=self.group):
                    if not NAME_RE.match(ep.name):
                        warnings.warn(f"ignoring {self.kind} {ep.name!r} ({ep.value}): names must "
                                      "be identifiers like 'my-solver'", PluginLoadWarning,
                                      stacklevel=3)
                        continue
                    found.setdefault(ep.name, ep)
                self._entry_points = found
            return self._entry_points

    def names(self) -> list[str]:
        return sorted(set(self._scan()) | set(self._classes))

    def broken(self) -> dict[str, str]:
        """Plugins that failed to load, with the error."""
        return dict(self._broken)

    def register(self, cls: type, name: str | None = None) -> type:
        name = name or getattr(cls, "name", "")
        if not NAME_RE.match(name or ""):
            raise ValueError(f"{self.kind} name {name!r} is not an identifier like 'my-solver'")
        with self._lock:
            self._classes[name] = cls
            self._instances.pop(name, None)
        return cls

    def _load_class(self, name: str) -> type | None:
        if name in self._classes:
            return self._classes[name]
        ep = self._scan().get(name)
        if ep is None:
            return None
        try:
            cls = ep.load()
        except Exception as exc:  # a broken plugin must not take the workbench down
            self._broken[name] = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"{self.kind} {name!r} ({ep.value}) failed to load: {exc}",
                          PluginLoadWarning, stacklevel=4)
            return None
        self._classes[name] = cls
        return cls

    def get(self, name: str) -> T:
        with self._lock:
            if name in self._instances:
                return self._instances[name]
            cls = self._load_class(name)
            if cls is None:
                names = self.names()
                close = difflib.get_close_matches(name, names, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                why = f" It failed to load: {self._broken[name]}." if name in self._broken else ""
                raise self.not_found(f"no {self.kind} named {name!r}.{why}{hint} "
                                     f"Known: {', '.join(names)}")
            instance = cls()
            if getattr(instance, "name", name) != name:
                # the registered name wins; keep the instance consistent with it
                try:
                    instance.name = name
                except AttributeError:
                    pass
            self._instances[name] = instance
            return instance

    def all(self) -> dict[str, T]:
        """Every loadable plugin (broken ones are warned about and skipped)."""
        out: dict[str, T] = {}
        for name in self.names():
            try:
                out[name] = self.get(name)
            except self.not_found:
                continue
        return out


_backends: _Registry[Any] = _Registry(BACKEND_GROUP, "backend", BackendNotFoundError)
_usecases: _Registry[Any] = _Registry(USECASE_GROUP, "use case", UseCaseNotFoundError)


def backend_names() -> list[str]:
    """Names of all registered backends (available here or not)."""
    return _backends.names()


def get_backend(name: str) -> Any:
    """The backend registered under ``name`` (a cached instance)."""
    return _backends.get(name)


def all_backends() -> dict[str, Any]:
    """All loadable backends by name."""
    return _backends.all()


def broken_backends() -> dict[str, str]:
    return _backends.broken()


def register_backend(cls: type, name: str | None = None) -> type:
    """Register a backend class in-process (usable as a decorator)."""
    return _backends.register(cls, name)


def usecase_names() -> list[str]:
    return _usecases.names()


def get_usecase(name: str) -> Any:
    """The use case registered under ``name`` (a cached instance)."""
    return _usecases.get(name)


def all_usecases() -> dict[str, Any]:
    return _usecases.all()


def register_usecase(cls: type, name: str | None = None) -> type:
    return _usecases.register(cls, name)
