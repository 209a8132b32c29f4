"""``sqd``: sample-based quantum diagonalisation of molecular Hamiltonians.

The hybrid loop of Robledo-Moreno et al. (Sci. Adv. 2025), as qiskit-addon-sqd implements it:

1. a quantum circuit prepares an approximation of the ground state: the LUCJ ansatz of
   ffsim with parameters from CCSD amplitudes
   (:mod:`~hybrid_workbench.algorithms.sqd_circuit`);
2. it is sampled (``shots`` bitstrings) on a named sampler: ``ffsim`` (ffsim's sampler,
   exact and fast in the fixed-particle-number subspace), a gate-model backend of the
   registry (``aer-statevector``, ``aer-mps``, ``aer-noisy``...), or any Qiskit V2 sampler
   handed to the constructor (``SQDBackend(sampler=..., pass_manager=...)``);
3. ``qiskit_addon_sqd.fermion.diagonalize_fermionic_hamiltonian`` does the rest,
   iterated to self-consistency: configuration recovery (bitstrings with the wrong
   electron count are corrected from the current orbital occupancies), ``num_batches``
   subsamples of ``samples_per_batch`` configurations, the Hamiltonian projected onto the
   determinants they span (the product of their alpha and beta strings, each capped at
   ``max_dim``) and diagonalised by PySCF's selected-CI solver; the lowest batch energy
   and its occupancies seed the next iteration, until the energy and the occupancies stop
   changing or ``max_iterations`` is reached.

The model is a :class:`~hybrid_workbench.algorithms.sqd_circuit.MolecularHamiltonian`
(kind ``molecular``: integrals, core energy, electrons); the chemistry use case formulates
to it on request. ``energy`` is the total energy (``ecore`` included) of the best subspace
eigenvector, a variational upper bound of the active space's ground energy. ``info`` holds
``subspace_dimension`` and ``energy_history`` (per iteration), ``occupancies`` (alpha,
beta, per orbital), ``rdm1`` (the spin-summed one-particle density matrix of the final
state, active orbitals, for properties such as the dipole), the fraction of samples in the
right electron sector, CCSD and HF energies, and the circuit that was sampled.

Examples:
    H2 in STO-3G (integrals in its Hartree-Fock orbitals, rounded):

    >>> import numpy as np
    >>> h2 = np.zeros((2,) * 4)
    >>> h2[0, 0, 0, 0], h2[1, 1, 1, 1] = 0.6746, 0.6975
    >>> h2[0, 0, 1, 1] = h2[1, 1, 0, 0] = 0.6636
    >>> h2[0, 1, 0, 1] = h2[1, 0, 1, 0] = h2[0, 1, 1, 0] = h2[1, 0, 0, 1] = 0.1813
    >>> model = MolecularHamiltonian(np.diag([-1.2528, -0.4756]), h2, 0.7137, 2, (1, 1))
    >>> r = SQDBackend().solve(model, seed=1, options={"shots": 2000, "samples_per_batch": 10})
    >>> r.model_kind, round(r.energy, 3), r.info["subspace_dimension"][-1]
    ('molecular', -1.138, 4)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from hybrid_workbench.algorithms.sqd_circuit import (
    MolecularHamiltonian,
    fermionic_dimension,
)
from hybrid_workbench.backend import Backend
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import (
    OptionsError,
    ProblemTooLargeError,
    UnsupportedModelError,
)
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.primitives import (
    Primitives,
    backend_primitives,
    machine_memory_bytes,
)
from hybrid_workbench.result import Solved, Status

__all__ = ["MolecularHamiltonian", "SQDBackend", "SQDOptions"]

#: Bytes per amplitude of ffsim's fixed-particle-number state vector (complex128).
AMPLITUDE_BYTES = 16


@dataclass(frozen=True)
class SQDOptions(BackendOptions):
    """Options of ``sqd``.

    Attributes:
        sampler: ``auto`` (the sampler given to the constructor, else ``ffsim``),
            ``ffsim`` (ffsim's state-vector sampler in the particle-number subspace), or
            the name of a gate-model backend whose sampler is used (``aer-statevector``,
            ``aer-mps``, ``aer-noisy``...).
        shots: bitstrings sampled from the circuit.
        samples_per_batch: configurations per subsampled batch.
        num_batches: batches diagonalised per iteration (the best one is kept).
        max_dim: cap on the alpha (and beta) strings of a subspace, so its dimension is at
            most ``max_dim**2`` (None: no cap).
        max_iterations: configuration-recovery iterations at most.
        energy_tol: energy change (Hartree) below which the loop stops (with the
            occupancies within ``occupancies_tol``).
        occupancies_tol: largest change of an orbital occupancy counted as converged.
        symmetrize_spin: merge alpha and beta strings (closed shells; keeps the state
            spin-symmetric).
        lucj_reps: layers of the LUCJ ansatz (terms kept from the double factorisation
            of the CCSD ``t2``); None keeps them all.
        lucj_layout: which orbital pairs interact: ``all`` (the full UCJ operator, for
            simulators), ``square`` (alpha-alpha neighbours, alpha-beta on every orbital)
            or ``heavy-hex`` (alpha-beta on every fourth orbital, IBM's lattice).
        noise_backend: fake IBM device for a noisy sampler (default FakeSherbrooke).
        optimization_level: transpiler level for samplers that need a pass manager.
        max_qubits: refuse larger models (``2 * norb`` qubits).
        max_memory_gb: memory the ffsim sampler may use (default: half this machine's).
    """

    sampler: str = "auto"
    shots: int = 100_000
    samples_per_batch: int = 1000
    num_batches: int = 3
    max_dim: int | None = None
    max_iterations: int = 10
    energy_tol: float = 1e-8
    occupancies_tol: float = 1e-5
    symmetrize_spin: bool = True
    lucj_reps: int | None = None
    lucj_layout: Literal["all", "square", "heavy-hex"] = "all"
    noise_backend: str | None = None
    optimization_level: int = 1
    max_qubits: int = 40
    max_memory_gb: float | None = None

    def __post_init__(self) -> None:
        for name in ("shots", "samples_per_batch", "num_batches", "max_iterations"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise OptionsError(f"option {name!r} must be an integer >= 1, got {value!r}")
        if self.lucj_reps is not None and (isinstance(self.lucj_reps, bool) or self.lucj_reps < 1):
            raise OptionsError(f"option 'lucj_reps' must be >= 1 or None, got {self.lucj_reps!r}")
        if self.max_dim is not None and self.max_dim < 1:
            raise OptionsError(f"option 'max_dim' must be >= 1 or None, got {self.max_dim}")
        for name in ("energy_tol", "occupancies_tol"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise OptionsError(f"option {name!r} must be a finite number > 0, got {value!r}")
        if not 2 <= self.max_qubits <= 64:
            raise OptionsError(f"option 'max_qubits' must be in 2..64 (bitstrings are 64-bit "
                               f"CI strings per spin), got {self.max_qubits}")
        if not 0 <= self.optimization_level <= 3:
            raise OptionsError(f"option 'optimization_level' must be in 0..3, got "
                               f"{self.optimization_level}")
        if self.max_memory_gb is not None and not self.max_memory_gb > 0:
            raise OptionsError(f"option 'max_memory_gb' must be > 0, got {self.max_memory_gb}")
        if not self.sampler or not self.sampler.replace("-", "").isalnum():
            raise OptionsError(f"option 'sampler' must be 'auto', 'ffsim' or a backend name "
                               f"such as 'aer-noisy', got {self.sampler!r}")


class SQDBackend(Backend[SQDOptions]):
    """Sample-based quantum diagonalisation (LUCJ samples, configuration recovery, SCI).

    Args:
        sampler: a Qiskit ``BaseSamplerV2`` to draw the samples (used when the
            ``sampler`` option is ``auto``).
        pass_manager: what makes the circuit runnable on that sampler (after ffsim's
            decomposition); None runs it as decomposed.
    """

    name: ClassVar[str] = "sqd"
    model_kinds: ClassVar[tuple[str, ...]] = ("molecular",)
    Options = SQDOptions
    requires: ClassVar[tuple[str, ...]] = ("ffsim", "qiskit_addon_sqd", "pyscf")
    extra: ClassVar[str | None] = "chem"
    package: ClassVar[str | None] = "qiskit-addon-sqd"
    device: ClassVar[str] = "simulator"
    description: ClassVar[str] = ("sample-based quantum diagonalisation: LUCJ circuit from CCSD, "
                                  "configuration recovery, subspace diagonalisation "
                                  "(qiskit-addon-sqd, ffsim)")

    def __init__(self, sampler: Any = None, pass_manager: Any = None) -> None:
        self.user_primitives = Primitives.from_user(sampler=sampler, pass_manager=pass_manager)

    def resolve_sampler(self, options: SQDOptions) -> str:
        """The sampler ``auto`` means here: ``user`` or ``ffsim``."""
        if options.sampler != "auto":
            return options.sampler
        return "user" if self.user_primitives is not None else "ffsim"

    def max_variables(self, options: SQDOptions) -> int | None:
        return options.max_qubits

    def _check(self, model: Any, options: SQDOptions) -> None:
        if not isinstance(model, MolecularHamiltonian):
            from hybrid_workbench.models import describe_model

            raise UnsupportedModelError(
                f"backend 'sqd' accepts molecular models (hybrid_workbench.algorithms."
                f"sqd_circuit.MolecularHamiltonian: integrals, core energy, electrons), not "
                f"{describe_model(model)}; the chemistry use case builds one with "
                "model_kind='molecular'")
        n = model.num_qubits
        if n > options.max_qubits:
            raise ProblemTooLargeError(f"backend 'sqd': {n} qubits ({model.norb} orbitals) "
                                       f"exceed max_qubits={options.max_qubits}")
        na, nb = model.nelec
        if na != nb:
            raise UnsupportedModelError(
                f"backend 'sqd' builds its circuit from restricted CCSD, which needs a closed "
                f"shell (n_alpha == n_beta); this model has nelec={model.nelec}")
        if na == 0 or na == model.norb:
            raise UnsupportedModelError(
                f"backend 'sqd': nelec={model.nelec} in {model.norb} orbitals leaves nothing to "
                "correlate (empty or full spin sector); use a larger active space")
        sampler = self.resolve_sampler(options)
        if sampler == "user" and self.user_primitives is None:
            raise OptionsError("option sampler='user' needs a sampler given to SQDBackend(...)")
        if sampler == "ffsim":
            need = fermionic_dimension(model.norb, model.nelec) * AMPLITUDE_BYTES
            limit = (options.max_memory_gb * 2 ** 30 if options.max_memory_gb
                     else machine_memory_bytes() / 2)
            if need > limit:
                raise ProblemTooLargeError(
                    f"backend 'sqd': the ffsim sampler's state of {model.nelec} electrons in "
                    f"{model.norb} orbitals needs {need / 2 ** 30:.3g} GiB, over the limit of "
                    f"{limit / 2 ** 30:.3g} GiB (max_memory_gb)")
        elif sampler != "user":
            from hybrid_workbench.registry import get_backend

            gate_model = get_backend(sampler)
            if not callable(getattr(gate_model, "primitives", None)):
                raise OptionsError(f"option 'sampler': backend {sampler!r} is not a gate-model "
                                   "backend; use 'ffsim', 'aer-statevector' or 'aer-noisy'")
            gate_model.check_size("circuit", n)

    def _primitives(self, options: SQDOptions, seed: int) -> tuple[Any, Any, str]:
        sampler = self.resolve_sampler(options)
        if sampler == "ffsim":
            return "ffsim", None, "ffsim"
        if sampler == "user":
            assert self.user_primitives is not None
            prims = self.user_primitives
        else:
            backend_options: dict[str, Any] = {"shots": options.shots,
                                               "optimization_level": options.optimization_level}
            if options.noise_backend is not None:
                backend_options["noise_backend"] = options.noise_backend
            prims = backend_primitives(sampler, backend_options, seed=seed)
        return prims.sampler, prims.pass_manager, prims.source

    def _solve(self, model: Any, options: SQDOptions, deadline: Deadline, seed: int) -> Solved:
        from hybrid_workbench.algorithms.sqd_circuit import (
            ccsd_amplitudes,
            lucj_circuit,
            sample_bitstrings,
        )

        t1, t2, e_hf, e_ccsd = ccsd_amplitudes(model)
        circuit = lucj_circuit(model, t1, t2, reps=options.lucj_reps, layout=options.lucj_layout)
        sampler, pass_manager, source = self._primitives(options, seed)
        bits, circuit_info = sample_bitstrings(circuit, model, sampler, pass_manager,
                                               options.shots, seed)
        sqd = run_sqd_loop(model, bits, options, seed)
        info = {
            **sqd, "sampler": source, "shots": options.shots,
            "hf_energy": e_hf, "ccsd_energy": e_ccsd,
            "lucj": {"reps": options.lucj_reps, "layout": options.lucj_layout,
                     **circuit_info},
            "norb": model.norb, "nelec": list(model.nelec), "num_qubits": model.num_qubits,
            "fci_dimension": fermionic_dimension(model.norb, model.nelec),
        }
        status = Status.BEST_FOUND
        return Solved(energy=float(sqd["energy_final"]), status=status, info=info,
                      model_kind="molecular")


def run_sqd_loop(model: MolecularHamiltonian, bits: np.ndarray, options: SQDOptions,
                 seed: int) -> dict[str, Any]:
    """Configuration recovery and subspace diagonalisation on sampled ``bits``.

    Calls ``qiskit_addon_sqd.fermion.diagonalize_fermionic_hamiltonian`` and records,
    per iteration, the best batch's energy (total, ``ecore`` included) and its subspace
    dimension.

    Returns:
        JSON-safe ``info`` entries: ``energy_history``, ``subspace_dimension``,
        ``iterations``, ``occupancies`` (``[alpha, beta]``), ``rdm1`` (spin-summed),
        ``spin_square``, ``valid_fraction`` (samples with the right electron counts),
        ``unique_samples``.
    """
    from qiskit_addon_sqd.fermion import diagonalize_fermionic_hamiltonian

    n = model.norb
    history: list[float] = []
    dims: list[int] = []

    def record(results: list[Any]) -> None:
        best = min(results, key=lambda r: r.energy)
        history.append(float(best.energy) + model.ecore)
        state = best.sci_state
        dims.append(int(len(state.ci_strs_a) * len(state.ci_strs_b)) if state is not None
                    else 0)

    result = diagonalize_fermionic_hamiltonian(
        model.h1, model.h2, bits, options.samples_per_batch, n, model.nelec,
        num_batches=options.num_batches, energy_tol=options.energy_tol,
        occupancies_tol=options.occupancies_tol, max_iterations=options.max_iterations,
        symmetrize_spin=options.symmetrize_spin, max_dim=options.max_dim, callback=record,
        seed=seed)
    state = result.sci_state
    rdm1 = result.rdm1 if result.rdm1 is not None else state.rdm(rank=1, spin_summed=True)
    occ_a, occ_b = result.orbital_occupancies
    alpha = bits[:, n:].sum(axis=1)  # rightmost n columns are alpha (a_N..a_0)
    beta = bits[:, :n].sum(axis=1)
    valid = float(np.mean((alpha == model.nelec[0]) & (beta == model.nelec[1])))
    return {
        "energy_history": history, "subspace_dimension": dims, "iterations": len(history),
        "energy_final": float(result.energy) + model.ecore,
        "occupancies": [np.asarray(occ_a).tolist(), np.asarray(occ_b).tolist()],
        "rdm1": np.asarray(rdm1, dtype=float).tolist(),
        "spin_square": float(state.spin_square()) if state is not None else None,
        "valid_fraction": valid,
        "unique_samples": len(np.unique(np.packbits(bits, axis=1), axis=0)),
    }
