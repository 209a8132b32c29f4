"""Classical Ising solvers: simulated bifurcation (``sb``) and batched annealing (``gpu-sa``).

Both are written once against an array module chosen by :mod:`hybrid_workbench.arrays`
(CuPy when a CUDA device is present, NumPy otherwise; ``device: auto|cpu|gpu``), with
compiled CPU kernels where numba is installed (``kernel: auto|compiled|array``), so the same
code runs in CI and on a GPU node. Modules:

* :mod:`~hybrid_workbench.backends.ising.model` -- BQM to dense/CSR Ising arrays, energies,
  batched greedy descent, spectral estimate;
* :mod:`~hybrid_workbench.backends.ising.options` -- the options both share (and Ocean's
  names for them: ``num_reads``, ``initial_states``);
* :mod:`~hybrid_workbench.backends.ising.schedule` -- the schedule that spends a time limit
  and completes by it, and the best-so-far trace;
* :mod:`~hybrid_workbench.backends.ising.base` -- checks before work, set-up once per process;
* :mod:`~hybrid_workbench.backends.ising.sb` and
  :mod:`~hybrid_workbench.backends.ising.sb_kernels` -- the ``sb`` backend (bSB, dSB, heated
  variants) and its compiled kernels (bit-packed dSB product, fused CSR steps);
* :mod:`~hybrid_workbench.backends.ising.sa` and
  :mod:`~hybrid_workbench.backends.ising.sa_kernels` -- the ``gpu-sa`` backend (Metropolis
  annealing of many replicas) and its compiled sweep kernel.

Nothing heavy is imported here: the registry imports the backend modules to list them
(numba only when a compiled kernel is set up).
"""
