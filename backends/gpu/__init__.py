"""Deprecated: the Ising solvers moved to :mod:`hybrid_workbench.backends.ising`.

Kept for one release so that old imports, and environments installed before the move
(whose entry points still name ``hybrid_workbench.backends.gpu.sb`` and ``.sa``), keep
working. The old submodules are aliases of the new ones (the same classes); reinstall
(``pip install -e .``) to refresh the entry points, and import from
``hybrid_workbench.backends.ising`` (array selection: :mod:`hybrid_workbench.arrays`).
"""

import importlib
import sys
import warnings

warnings.warn("hybrid_workbench.backends.gpu is deprecated; import hybrid_workbench.backends.ising "
              "(and hybrid_workbench.arrays) instead", DeprecationWarning, stacklevel=2)

_MOVED = {"sb": "hybrid_workbench.backends.ising.sb",
          "sa": "hybrid_workbench.backends.ising.sa",
          "ising": "hybrid_workbench.backends.ising.model",
          "kernels": "hybrid_workbench.backends.ising.sa_kernels",
          "arrays": "hybrid_workbench.arrays"}

for _old, _new in _MOVED.items():
    sys.modules[f"{__name__}.{_old}"] = globals()[_old] = importlib.import_module(_new)
