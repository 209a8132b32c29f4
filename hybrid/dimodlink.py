"""The link to dimod without importing it: Ocean's sampler interface, registered on import.

``import hybrid_workbench`` stays free of dimod's import cost, yet every
:class:`~hybrid_workbench.backend.SamplerBackend` is a :class:`dimod.Sampler`: the mixin
gives the interface, and :func:`on_import` registers the class with ``dimod.Sampler`` the
moment dimod is imported (at once if it already is).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

__all__ = ["DimodSamplerMixin", "on_import"]


class DimodSamplerMixin:
    """The :class:`dimod.Sampler` interface, without importing dimod at class creation.

    ``SamplerBackend`` is registered as a virtual subclass of ``dimod.Sampler`` as soon as
    dimod is imported (see :func:`on_import`), so ``isinstance(backend,
    dimod.Sampler)`` holds and Ocean composites accept it, while ``import hybrid`` and
    the CLI's validation path stay free of dimod's import cost.
    """

    def sample_ising(self, h: Any, J: Any, **parameters: Any) -> Any:
        import dimod

        return self.sample(dimod.BinaryQuadraticModel.from_ising(h, J), **parameters)

    def sample_qubo(self, Q: Any, **parameters: Any) -> Any:
        import dimod

        return self.sample(dimod.BinaryQuadraticModel.from_qubo(Q), **parameters)

    def remove_unknown_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        params = self.parameters  # type: ignore[attr-defined]
        return {k: v for k, v in kwargs.items() if k in params}

    def close(self) -> None:
        """Nothing to release (dimod.Sampler interface)."""



def on_import(name: str, callback: Callable[[ModuleType], None]) -> None:
    """Call ``callback(module)`` once module ``name`` is imported (now, if it already is)."""
    if name in sys.modules:
        callback(sys.modules[name])
    else:
        sys.meta_path.insert(0, _OnImport(name, callback))


class _OnImport(importlib.abc.MetaPathFinder):
    """One-shot import hook: runs a callback right after a module is executed."""

    def __init__(self, name: str, callback: Callable[[ModuleType], None]) -> None:
        self.name, self.callback = name, callback

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        loader = getattr(spec, "loader", None)
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module
        callback = self.callback

        def exec_module(module: ModuleType) -> None:
            original(module)
            callback(module)

        loader.exec_module = exec_module
        return spec
