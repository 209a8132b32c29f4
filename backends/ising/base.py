"""What ``sb`` and ``gpu-sa`` share as backends: checks before work, set-up once, Ocean names.

:class:`IsingBackend` is a :class:`~hybrid_workbench.backend.SamplerBackend` (a real
:class:`dimod.Sampler`) that

* checks in ``_check``, before any work, everything the options decide: the
  ``fill_time_limit`` combination, the device (``device="gpu"`` without one fails here) and
  the kernel (``kernel="compiled"`` on a GPU, or without numba);
* sets up in ``_setup``, once per process and per (device, kernel), outside the measured
  solve: compiled kernels loaded from numba's on-disk cache (or compiled into it), then a
  tiny solve through the same code path, so that lazy imports, BLAS thread start-up and
  the first calls of dimod and SciPy are paid there too. A first solve in a fresh process
  then costs about what a warm one does;
* spends a time limit (``anytime``), and lists Ocean's ``num_reads`` among its
  ``parameters``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, TypeVar

from hybrid_workbench import arrays
from hybrid_workbench.backend import SamplerBackend
from hybrid_workbench.backends.ising.options import ALIASES, IsingOptions
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import BackendUnavailableError

__all__ = ["IsingBackend"]

O = TypeVar("O", bound=IsingOptions)

#: (backend class, device, kernel) already set up in this process.
_READY: set[tuple[type, str, str]] = set()


def tiny_bqm() -> Any:
    """A three-spin model with a field, coupling magnitudes 1 and 2 (a frustrated triangle)."""
    import dimod

    return dimod.BinaryQuadraticModel({0: 0.5}, {(0, 1): 1.0, (1, 2): -2.0, (0, 2): 1.0},
                                      0.0, "SPIN")


class IsingBackend(SamplerBackend[O]):
    """Base of the Ising solvers (see the module docstring)."""

    device: ClassVar[str] = "cpu/gpu"
    anytime: ClassVar[bool] = True

    @property
    def parameters(self) -> dict[str, list[str]]:
        return {**super().parameters, **{alias: [] for alias in ALIASES}}

    def supports(self, model: Any, options: Any = None) -> Literal[True] | str:
        try:
            return super().supports(model, options)
        except BackendUnavailableError as exc:  # device="gpu" or kernel="compiled" here
            return str(exc)

    def context(self, options: Any) -> tuple[arrays.ArrayContext, str]:
        """The array context and the kernel (``compiled`` or ``array``) of a solve."""
        ctx = arrays.select(options.device)
        return ctx, arrays.resolve_kernel(options.kernel, ctx)

    def _check(self, model: Any, options: O) -> None:
        super()._check(model, options)
        options.check_fill()
        self.context(options)

    def _setup(self, options: O) -> None:
        super()._setup(options)
        ctx, kernel = self.context(options)
        key = (type(self), ctx.device, kernel)
        if key in _READY:
            return
        if kernel == "compiled":
            self._warm_kernels()
        for warm in self._warm_options(options):
            self._solve(tiny_bqm(), warm, Deadline.start(None), 0)
        _READY.add(key)

    def _warm_kernels(self) -> None:
        """Load this backend's compiled kernels (numba imported here)."""

    def _warm_options(self, options: O) -> list[O]:
        """Options of the tiny set-up solves: the same device and kernel, a short schedule."""
        return []
