"""GPU-ready classical Ising solvers: simulated bifurcation (``sb``) and batched annealing (``gpu-sa``).

Both are written once against an array module (:mod:`hybrid_workbench.arrays`): CuPy when a
CUDA device is present, NumPy otherwise, so the same code runs in CI and on a GPU node.
Modules:

* :mod:`hybrid_workbench.arrays` -- array-module and device selection;
* :mod:`hybrid_workbench.backends.ising.model` -- BQM to dense/CSR Ising arrays, batched greedy descent;
* :mod:`hybrid_workbench.backends.ising.sb` -- the ``sb`` backend (bSB, dSB and heated variants);
* :mod:`hybrid_workbench.backends.ising.sa` -- the ``gpu-sa`` backend (Metropolis annealing of many replicas);
* :mod:`hybrid_workbench.backends.ising.sa_kernels` -- compiled CPU kernels (numba) of ``gpu-sa``, used when numba
  is installed, and the choice of numba's threading layer;
* :mod:`hybrid_workbench.backends.ising.sb_kernels` -- compiled CPU kernels of ``sb``: the exact bit-packed
  dSB product and fused CSR steps (imported only when numba is installed).

Nothing heavy is imported here: the registry imports the backend modules to list them.
"""
