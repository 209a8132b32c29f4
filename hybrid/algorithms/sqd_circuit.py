"""The molecular model of ``sqd`` and its quantum part: CCSD amplitudes, the LUCJ circuit, samples.

:class:`MolecularHamiltonian` is the ``molecular`` model: the active space's one- and
two-electron integrals (spatial orbitals, chemists' notation ``(pq|rs)``), the constant
``ecore`` (nuclear repulsion plus frozen core, so energies are total energies) and the
electron count. ffsim's own ``ffsim.MolecularHamiltonian`` carries the integrals but not
the electrons, which SQD needs (the sector it samples and diagonalises in), hence this small
frozen record; :meth:`MolecularHamiltonian.to_ffsim` hands the integrals to ffsim.

The circuit is the local unitary cluster Jastrow (LUCJ) ansatz of ffsim, with its
parameters taken from restricted CCSD amplitudes computed by PySCF *from the model's
integrals* (a mean-field object that reads them, in the model's orbital basis), so the
backend needs nothing but the model. Samples come from:

* ``ffsim`` -- ffsim's own sampler, which applies the ansatz to the state vector in the
  fixed-particle-number subspace (``C(norb, n_alpha) * C(norb, n_beta)`` amplitudes
  instead of ``2**(2 norb)``): exact sampling of the ideal circuit, fast to 28+ qubits;
* any V2 sampler with its pass manager (the ``aer-*`` backends asked of the registry, a
  user's sampler, a noisy simulator): the ffsim gates are decomposed by ffsim's
  ``PRE_INIT`` passes and then transpiled for that sampler.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

__all__ = [
    "MolecularHamiltonian",
    "ccsd_amplitudes",
    "fermionic_dimension",
    "lucj_circuit",
    "sample_bitstrings",
]


@dataclass(frozen=True, eq=False)
class MolecularHamiltonian:
    """A molecular Hamiltonian in an active space (the ``molecular`` model kind).

    Attributes:
        h1: one-electron integrals, shape ``(norb, norb)``, Hartree.
        h2: two-electron integrals ``(pq|rs)``, shape ``(norb,) * 4``, Hartree.
        ecore: constant energy (nuclear repulsion + frozen core), Hartree.
        norb: active spatial orbitals (``2 * norb`` qubits under Jordan-Wigner).
        nelec: active ``(n_alpha, n_beta)`` electrons.

    Examples:
        >>> import numpy as np
        >>> m = MolecularHamiltonian(np.zeros((2, 2)), np.zeros((2,) * 4), 0.7, 2, (1, 1))
        >>> m.num_qubits, m.nelec
        (4, (1, 1))
    """

    h1: np.ndarray
    h2: np.ndarray
    ecore: float
    norb: int
    nelec: tuple[int, int]

    #: how the core recognises this model type (``hybrid_workbench.models.model_kind``)
    workbench_model_kind: ClassVar[str] = "molecular"

    def __post_init__(self) -> None:
        h1 = np.asarray(self.h1, dtype=float)
        h2 = np.asarray(self.h2, dtype=float)
        n = int(self.norb)
        if n < 1 or h1.shape != (n, n) or h2.shape != (n,) * 4:
            raise ValueError(f"MolecularHamiltonian: h1 must be ({n}, {n}) and h2 ({n},)*4 for "
                             f"norb={n}, got {h1.shape} and {h2.shape}")
        na, nb = (int(x) for x in self.nelec)
        if not (0 <= na <= n and 0 <= nb <= n):
            raise ValueError(f"MolecularHamiltonian: nelec {self.nelec} does not fit in {n} "
                             "orbitals (each spin takes at most norb electrons)")
        object.__setattr__(self, "h1", h1)
        object.__setattr__(self, "h2", h2)
        object.__setattr__(self, "ecore", float(self.ecore))
        object.__setattr__(self, "norb", n)
        object.__setattr__(self, "nelec", (na, nb))

    @property
    def num_qubits(self) -> int:
        """Qubits of the Jordan-Wigner encoding: one per spin orbital."""
        return 2 * self.norb

    @property
    def workbench_size(self) -> int:
        """The model's size in the core's tables: its qubits."""
        return self.num_qubits

    def describe(self) -> str:
        """One line for messages and tables."""
        return (f"molecular Hamiltonian: {sum(self.nelec)} electrons in {self.norb} orbitals "
                f"({self.num_qubits} qubits)")

    def to_ffsim(self) -> Any:
        """The same integrals as an ``ffsim.MolecularHamiltonian`` (constant included)."""
        import ffsim

        return ffsim.MolecularHamiltonian(self.h1, self.h2, constant=self.ecore)


def fermionic_dimension(norb: int, nelec: tuple[int, int]) -> int:
    """Determinants in the ``nelec`` sector: ``C(norb, n_alpha) * C(norb, n_beta)``."""
    return math.comb(norb, nelec[0]) * math.comb(norb, nelec[1])


def ccsd_amplitudes(model: MolecularHamiltonian) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Restricted CCSD on the model's integrals, in its orbital basis.

    A PySCF RHF object is given the integrals (``get_hcore``, identity overlap, ``_eri``)
    and the aufbau occupation of the model's orbitals, without an SCF run, so the
    amplitudes refer to the model's orbitals (those the circuit acts on).

    Returns:
        ``(t1, t2, e_hf, e_ccsd)``: amplitudes and total energies (``ecore`` included).
    """
    from pyscf import ao2mo, cc, gto, scf

    n, (na, nb) = model.norb, model.nelec
    mol = gto.M(verbose=0)
    mol.nelectron = na + nb
    mol.incore_anyway = True
    mf = scf.RHF(mol)
    mf.get_hcore = lambda *_: model.h1
    mf.get_ovlp = lambda *_: np.eye(n)
    mf.energy_nuc = lambda *_: model.ecore
    mf._eri = ao2mo.restore(8, model.h2, n)
    mf.mo_coeff = np.eye(n)
    mf.mo_occ = np.array([2.0] * na + [0.0] * (n - na))
    e_hf = float(mf.energy_tot(mf.make_rdm1()))
    solver = cc.CCSD(mf)
    solver.verbose = 0
    solver.kernel()
    return np.asarray(solver.t1), np.asarray(solver.t2), e_hf, float(solver.e_tot)


def lucj_circuit(model: MolecularHamiltonian, t1: np.ndarray, t2: np.ndarray, *,
                 reps: int | None, layout: str) -> Any:
    """The measured LUCJ circuit (Hartree-Fock state, then the spin-balanced UCJ operator).

    Args:
        model: the Hamiltonian (orbitals and electrons).
        t1, t2: CCSD amplitudes that set the operator's parameters.
        reps: UCJ layers (terms of the double factorisation of ``t2``); None: all.
        layout: ``all`` (every orbital pair interacts: the full UCJ operator),
            ``square`` (alpha-alpha neighbours, alpha-beta on every orbital) or
            ``heavy-hex`` (alpha-beta on every fourth orbital, IBM's heavy-hex lattice).

    Qubits ``0..norb-1`` hold the alpha spin orbitals and ``norb..2 norb-1`` the beta
    ones, so a measured bitstring reads ``b_N..b_0 a_N..a_0``, the order
    qiskit-addon-sqd expects.
    """
    import ffsim
    from qiskit import QuantumCircuit, QuantumRegister

    n = model.norb
    pairs: Any = None
    if layout != "all":
        step = 1 if layout == "square" else 4
        pairs = ([(p, p + 1) for p in range(n - 1)], [(p, p) for p in range(0, n, step)])
    op = ffsim.UCJOpSpinBalanced.from_t_amplitudes(t2, t1=t1, n_reps=reps,
                                                   interaction_pairs=pairs)
    qubits = QuantumRegister(2 * n, name="q")
    circuit = QuantumCircuit(qubits)
    circuit.append(ffsim.qiskit.PrepareHartreeFockJW(n, model.nelec), qubits)
    circuit.append(ffsim.qiskit.UCJOpSpinBalancedJW(op), qubits)
    circuit.measure_all()
    return circuit


def sample_bitstrings(circuit: Any, model: MolecularHamiltonian, sampler: Any,
                      pass_manager: Any, shots: int, seed: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Run ``circuit`` on ``sampler`` (``'ffsim'`` or a V2 sampler); boolean bitstrings.

    Returns:
        ``(bits, info)``: a ``(shots, 2 norb)`` boolean array (leftmost column = highest
        qubit) and the circuit's size as run (``depth``, ``two_qubit_gates``).
    """
    import ffsim
    from qiskit.primitives import BitArray

    if isinstance(sampler, str):
        run_sampler = ffsim.qiskit.FfsimSampler(default_shots=shots, seed=seed)
        isa = circuit
        info = {"depth": None, "two_qubit_gates": None}
    else:
        run_sampler = sampler
        decomposed = ffsim.qiskit.PRE_INIT.run(circuit)
        isa = decomposed if pass_manager is None else pass_manager.run(decomposed)
        ops = isa.count_ops()
        info = {"depth": int(isa.depth()),
                "two_qubit_gates": int(sum(v for k, v in ops.items()
                                           if k in ("cx", "cz", "ecr", "rzz", "swap", "iswap")))}
    pub = run_sampler.run([isa], shots=shots).result()[0]
    bit_array: BitArray = pub.data.meas if hasattr(pub.data, "meas") else \
        next(iter(pub.data.values()))
    bits = bit_array.to_bool_array(order="big")
    return np.asarray(bits, dtype=bool), info
