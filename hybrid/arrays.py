"""Where array code runs: the one place that picks NumPy or CuPy, and compiled or array kernels.

Classical solvers in the core and in the backends are written once against an array module
``xp`` (``DESIGN.md``, "GPU and CPU from one code path"). Every one of them speaks the same
two options, resolved here:

* ``device``: ``"auto"`` (CuPy when it imports *and* a CUDA device is present, NumPy
  otherwise), ``"cpu"`` (NumPy, always) or ``"gpu"`` (CuPy, or
  :class:`~hybrid_workbench.errors.BackendUnavailableError` saying why not);
* ``kernel``: ``"auto"`` (compiled CPU kernels when numba is installed and the device is
  the CPU, array code otherwise), ``"compiled"`` (numba, CPU only) or ``"array"`` (array
  module operations: the path that runs on a GPU).

:func:`select` gives the :class:`ArrayContext` of a device, :func:`resolve_kernel` the
kernel for a context; both raise before any work. :func:`renamed_value` maps an option's
old value to its new spelling with a :class:`DeprecationWarning`, for one release.

CuPy is imported only here and only when asked for, so ``import hybrid_workbench`` and the
backend registry stay light. Detection follows CuPy's own advice:
``cupy.cuda.is_available()`` inside ``except (ImportError, RuntimeError)`` (a CuPy wheel
without a driver raises).

Threads of compiled kernels: :func:`prefer_workqueue` picks numba's ``workqueue``
threading layer unless the user chose one (``NUMBA_THREADING_LAYER``). On a shared or
oversubscribed machine the OpenMP layer's spin-waiting barriers collapse: 400 bit-packed
dSB steps on a 2000-node graph took 9.4 s with two OpenMP threads next to one busy
process, 0.3 s with ``workqueue`` and 0.22 s with one thread, and OpenBLAS products run
after an OpenMP region slowed from 0.13 ms to 8 ms. ``workqueue`` does not allow parallel
kernels launched from several Python threads at once; a program that does that should set
``NUMBA_THREADING_LAYER=omp`` (or ``tbb``).

Examples:
    >>> ctx = select("cpu")
    >>> ctx.xp.__name__, ctx.device, ctx.is_gpu
    ('numpy', 'cpu', False)
    >>> float(ctx.asnumpy(ctx.xp.ones(3, dtype=ctx.xp.float32)).sum())
    3.0
    >>> resolve_kernel("array", ctx)
    'array'
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     renamed_value("kernel", "vectorized", {"vectorized": "array"})
    'array'
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

import numpy as np
from hybrid_workbench._optional import is_installed
from hybrid_workbench.errors import BackendUnavailableError, OptionsError

__all__ = [
    "DEVICES",
    "KERNELS",
    "ArrayContext",
    "Device",
    "Kernel",
    "compiled_available",
    "cuda_status",
    "prefer_workqueue",
    "renamed_value",
    "resolve_kernel",
    "select",
]

Device = Literal["auto", "cpu", "gpu"]
Kernel = Literal["auto", "compiled", "array"]
DEVICES: tuple[str, ...] = ("auto", "cpu", "gpu")
KERNELS: tuple[str, ...] = ("auto", "compiled", "array")


@functools.cache
def cuda_status() -> tuple[bool, str]:
    """``(True, device name)`` when CuPy sees a CUDA device, else ``(False, reason)``."""
    try:
        import cupy

        if not cupy.cuda.is_available():
            return False, "cupy is installed but no CUDA device is visible"
        props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
        name = props["name"]
        return True, name.decode() if isinstance(name, bytes) else str(name)
    except ImportError:
        return False, ("cupy is not installed (pip install 'hybrid-workbench[gpu-cuda12]' "
                       "or '[gpu-cuda13]')")
    except RuntimeError as exc:  # CUDA driver/runtime missing or broken
        return False, f"CUDA is not usable: {exc}"


def compiled_available() -> bool:
    """Whether compiled CPU kernels can run here (numba imports; the ``fast`` extra)."""
    return is_installed("numba")


@dataclass(frozen=True)
class ArrayContext:
    """The array module chosen for one solve, and how to move data to and from it.

    Attributes:
        xp: ``numpy`` or ``cupy``.
        sparse: ``scipy.sparse`` or ``cupyx.scipy.sparse`` (CSR matrices).
        device: ``"cpu"`` or ``"gpu:<device name>"`` (recorded in results).
    """

    xp: ModuleType
    sparse: ModuleType
    device: str

    @property
    def is_gpu(self) -> bool:
        return self.device.startswith("gpu")

    @property
    def module_name(self) -> str:
        return self.xp.__name__

    def asarray(self, a: Any, dtype: Any = None) -> Any:
        """Host (NumPy) data onto the device."""
        return self.xp.asarray(a, dtype=dtype)

    def asnumpy(self, a: Any) -> np.ndarray:
        """Device data back to a NumPy array."""
        if self.is_gpu:
            return self.xp.asnumpy(a)
        return np.asarray(a)

    def csr(self, matrix: Any, dtype: Any = np.float32) -> Any:
        """A SciPy CSR matrix as a CSR matrix of this module (``cupyx`` on the GPU)."""
        return self.sparse.csr_matrix(matrix.astype(dtype))

    def issparse(self, a: Any) -> bool:
        return bool(self.sparse.issparse(a))

    def synchronize(self) -> None:
        """Wait for queued device work (a no-op on the CPU); call before reading a clock."""
        if self.is_gpu:
            self.xp.cuda.get_current_stream().synchronize()


def select(device: str = "auto") -> ArrayContext:
    """The array context for ``device`` (``"auto"``, ``"cpu"`` or ``"gpu"``).

    Raises:
        OptionsError: an unknown device name.
        BackendUnavailableError: ``device="gpu"`` where no CUDA device can be used.
    """
    if device not in DEVICES:
        raise OptionsError(f"device must be one of {list(DEVICES)}, got {device!r}")
    if device != "cpu":
        ok, detail = cuda_status()
        if ok:
            import cupy
            import cupyx.scipy.sparse

            return ArrayContext(cupy, cupyx.scipy.sparse, f"gpu:{detail}")
        if device == "gpu":
            raise BackendUnavailableError(
                f"device='gpu' asked for, but {detail}; use device='cpu' or 'auto'")
    import scipy.sparse

    return ArrayContext(np, scipy.sparse, "cpu")


def resolve_kernel(kernel: str, ctx: ArrayContext) -> Literal["compiled", "array"]:
    """The kernel that runs for the ``kernel`` option on ``ctx``'s device.

    Raises:
        OptionsError: ``kernel="compiled"`` on a GPU, or an unknown kernel name.
        BackendUnavailableError: ``kernel="compiled"`` without numba.
    """
    if kernel not in KERNELS:
        raise OptionsError(f"kernel must be one of {list(KERNELS)}, got {kernel!r}")
    if kernel == "compiled" and ctx.is_gpu:
        raise OptionsError("kernel='compiled' runs on the CPU; use device='cpu' or kernel='array'")
    if kernel == "compiled" and not compiled_available():
        raise BackendUnavailableError("kernel='compiled' needs numba: pip install "
                                      "'hybrid-workbench[fast]' (or use kernel='array')")
    if kernel == "auto":
        return "compiled" if not ctx.is_gpu and compiled_available() else "array"
    return "compiled" if kernel == "compiled" else "array"


def renamed_value(option: str, value: Any, renames: Mapping[Any, Any]) -> Any:
    """``value``, or its new spelling with a :class:`DeprecationWarning` if it was renamed."""
    if isinstance(value, str) and value in renames:
        new = renames[value]
        warnings.warn(f"{option}={value!r} is deprecated and will be removed in the next "
                      f"release; use {option}={new!r}", DeprecationWarning, stacklevel=3)
        return new
    return value


def prefer_workqueue() -> None:
    """Use numba's ``workqueue`` threading layer unless the user picked one (see above).

    Takes effect only before the first parallel kernel of the process runs.
    """
    import numba

    if "NUMBA_THREADING_LAYER" not in os.environ and numba.config.THREADING_LAYER == "default":
        numba.config.THREADING_LAYER = "workqueue"
