"""Array-module selection: CuPy on a CUDA device, NumPy otherwise.

The GPU Ising solvers are written once against an array module ``xp`` (``DESIGN.md``,
"GPU and CPU from one code path"). :func:`select` picks it from the ``device`` option:

* ``"auto"``: CuPy when it imports *and* a CUDA device is present, NumPy otherwise;
* ``"cpu"``: NumPy, always;
* ``"gpu"``: CuPy, or :class:`~hybrid_workbench.errors.BackendUnavailableError` saying why not.

CuPy is imported only here and only when asked for, so ``import hybrid`` and the backend
registry stay light. Detection follows CuPy's own advice: ``cupy.cuda.is_available()``
inside ``except (ImportError, RuntimeError)`` (a CuPy wheel without a driver raises).

Examples:
    >>> ctx = select("cpu")
    >>> ctx.xp.__name__, ctx.device, ctx.is_gpu
    ('numpy', 'cpu', False)
    >>> float(ctx.asnumpy(ctx.xp.ones(3, dtype=ctx.xp.float32)).sum())
    3.0
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

import numpy as np

from hybrid_workbench.errors import BackendUnavailableError

__all__ = ["ArrayContext", "Device", "cuda_status", "select"]

Device = Literal["auto", "cpu", "gpu"]


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


def select(device: Device = "auto") -> ArrayContext:
    """The array context for ``device`` (``"auto"``, ``"cpu"`` or ``"gpu"``).

    Raises:
        BackendUnavailableError: ``device="gpu"`` where no CUDA device can be used.
    """
    if device not in ("auto", "cpu", "gpu"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'gpu', got {device!r}")
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
