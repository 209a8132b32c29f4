"""From a molecule to a qubit Hamiltonian: PySCF integrals, active space, qiskit-nature mapping.

The pipeline (PySCF and qiskit-nature do the physics; this module only wires them):

1. PySCF: RHF (ROHF when ``spin > 0``) in the molecule's basis;
2. PySCF CASCI machinery: the active-space one- and two-electron integrals
   (``get_h1eff``/``get_h2eff``) and the constant ``E_core`` = nuclear repulsion + frozen-core
   energy (what a ``molecular`` formulation hands to ``sqd``);
3. only when a qubit operator is asked for, qiskit-nature: ``ElectronicEnergy.from_raw_integrals`` -> ``FermionicOp`` -> qubit
   operator with the chosen mapper (Jordan-Wigner, parity with two-qubit reduction,
   Bravyi-Kitaev).

**How the total energy is carried.** A :class:`~qiskit.quantum_info.SparsePauliOp` has no
separate constant, so ``E_core`` is kept *inside the identity term*: the lowest eigenvalue
of the returned operator is the total energy in Hartree, nuclear repulsion included, and
every backend's ``energy`` reads as a total energy with no bookkeeping in ``interpret``.
``E_core`` is also recorded in the formulation's ``info``.

**Particle-number sector.** The qubit space holds every electron number, and a state with
one electron more or less can lie below the molecule's ground state. By default a penalty
``mu * [(N_alpha - n_alpha)^2 + (N_beta - n_beta)^2]`` (``mu`` = ``sector_penalty`` Hartree)
is added: it vanishes on the molecule's sector, so there the spectrum is unchanged, and it
lifts every other sector, so the operator's ground energy *is* the molecule's (what FCI /
CASCI computes), for exact diagonalisation and hardware-efficient ansatze alike.

The dipole moment operator (per Cartesian direction, origin at 0, electronic part mapped
with the same mapper) is built here too, as in Rice et al. (J. Chem. Phys. 2021).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from hybrid_workbench._optional import require
from hybrid_workbench.algorithms.ansatz import make_mapper
from hybrid_workbench.errors import InstanceError
from hybrid_workbench.usecases.chemistry.molecule import Molecule

__all__ = ["AU_TO_DEBYE", "ActiveSpaceProblem", "build_problem", "make_mapper"]

AU_TO_DEBYE = 2.541746473  # 1 e*bohr in Debye (CODATA)


@dataclass
class ActiveSpaceProblem:
    """A molecule after the PySCF run: mean field, active space, integrals; qubit operators
    built from them on first use (a ``molecular`` formulation never maps to qubits).

    Attributes:
        molecule: the input molecule.
        mol, mf, casci: PySCF objects (``Mole``, converged SCF, ``CASCI`` on the active space).
        num_orbitals: active spatial orbitals; ``num_particles``: active (alpha, beta).
        core_energy: nuclear repulsion + frozen-core energy (Hartree).
        h1, h2: active-space one- and two-electron integrals (``(pq|rs)``, Hartree).
        dipole_integrals: ``<p|r_x|q>`` over the active orbitals (a.u., shape ``(3, n, n)``).
        dipole_constant: nuclear + frozen-core dipole (a.u., 3-vector).
        mapping: fermion-to-qubit mapping of the qubit operators.
        sector_penalty: Hartree per squared electron-count error in :attr:`hamiltonian`.
        timings: seconds spent in ``scf``, ``integrals`` and (once built) ``mapping``.
    """

    molecule: Molecule
    mol: Any
    mf: Any
    casci: Any
    num_orbitals: int
    num_particles: tuple[int, int]
    core_energy: float
    h1: np.ndarray
    h2: np.ndarray
    dipole_integrals: np.ndarray
    dipole_constant: np.ndarray
    mapping: str
    sector_penalty: float
    timings: dict[str, float]

    @property
    def num_qubits(self) -> int:
        """Qubits of the mapped Hamiltonian (two fewer with the reduced parity mapping)."""
        return 2 * self.num_orbitals - (2 if self.mapping == "parity" else 0)

    @property
    def full_space(self) -> bool:
        return self.num_orbitals == int(self.mol.nao) and sum(self.num_particles) == \
            self.molecule.num_electrons

    @functools.cached_property
    def mapper(self) -> Any:
        return make_mapper(self.mapping, self.num_particles)

    @functools.cached_property
    def hamiltonian(self) -> Any:
        """The qubit Hamiltonian (``E_core`` in the identity term, penalty added)."""
        from qiskit.quantum_info import SparsePauliOp
        from qiskit_nature.second_q.hamiltonians import ElectronicEnergy

        t0 = time.perf_counter()
        fermionic = ElectronicEnergy.from_raw_integrals(self.h1, self.h2).second_q_op()
        if self.sector_penalty:
            fermionic = fermionic + self.sector_penalty * _number_penalty(self.num_orbitals,
                                                                          self.num_particles)
        qubit_op = self.mapper.map(fermionic)
        n_qubits = qubit_op.num_qubits
        out = (qubit_op + SparsePauliOp("I" * n_qubits, float(self.core_energy))).simplify(
            atol=1e-12)
        self.timings["mapping_s"] = time.perf_counter() - t0
        return out

    @functools.cached_property
    def dipole_ops(self) -> list[Any]:
        """Per direction, the qubit operator of the active electrons' dipole (a.u.)."""
        from qiskit_nature.second_q.hamiltonians import ElectronicEnergy

        zeros = np.zeros((self.num_orbitals,) * 4)
        return [self.mapper.map(ElectronicEnergy.from_raw_integrals(
            -self.dipole_integrals[x], zeros).second_q_op()).simplify(atol=1e-12)
            for x in range(3)]

    def dipole(self, state: Any) -> np.ndarray:
        """Dipole moment vector (Debye) of a qubit state (Statevector or amplitude vector)."""
        from qiskit.quantum_info import Statevector

        sv = state if isinstance(state, Statevector) else Statevector(np.asarray(state))
        electronic = np.array([float(np.real(sv.expectation_value(op))) for op in self.dipole_ops])
        return (electronic + self.dipole_constant) * AU_TO_DEBYE

    def dipole_from_rdm1(self, rdm1: Any) -> np.ndarray:
        """Dipole moment vector (Debye) from the spin-summed active-space 1-RDM.

        ``mu = nuclear + core - sum_pq <p|r|q> gamma_pq`` (origin at 0, as :meth:`dipole`).
        """
        gamma = np.asarray(rdm1, dtype=float)
        electronic = -np.einsum("xpq,pq->x", self.dipole_integrals, gamma)
        return (electronic + self.dipole_constant) * AU_TO_DEBYE

    def hartree_fock_state(self) -> Any:
        """The Hartree-Fock determinant as a circuit (qiskit-nature ``HartreeFock``)."""
        from qiskit_nature.second_q.circuit.library import HartreeFock

        return HartreeFock(self.num_orbitals, self.num_particles, self.mapper)


def _number_penalty(num_orbitals: int, num_particles: tuple[int, int]) -> Any:
    """``(N_alpha - n_alpha)^2 + (N_beta - n_beta)^2`` as a FermionicOp (blocked spin order)."""
    from qiskit_nature.second_q.operators import FermionicOp

    n = num_orbitals
    total = None
    for offset, target in ((0, num_particles[0]), (n, num_particles[1])):
        number = FermionicOp({f"+_{offset + i} -_{offset + i}": 1.0 for i in range(n)},
                             num_spin_orbitals=2 * n)
        shifted = number - FermionicOp({"": float(target)}, num_spin_orbitals=2 * n)
        term = (shifted @ shifted).normal_order().simplify()
        total = term if total is None else total + term
    return total


def build_problem(molecule: Molecule, *, sector_penalty: float = 1.0,
                  mapping: str | None = None, max_scf_cycles: int = 200) -> ActiveSpaceProblem:
    """Run PySCF: mean field, active-space integrals and dipole integrals of ``molecule``.

    The qubit Hamiltonian and dipole operators are built on first use
    (:attr:`ActiveSpaceProblem.hamiltonian`).

    Args:
        molecule: the molecule (validated against its basis first).
        sector_penalty: ``mu`` (Hartree) of the particle-number penalty; 0 disables it.
        mapping: overrides ``molecule.mapping``.
        max_scf_cycles: SCF iterations before giving up.

    Raises:
        InstanceError: the active space does not fit the basis, or the SCF does not converge.
    """
    gto = require("pyscf.gto", extra="chem", purpose="the chemistry use case")
    from pyscf import ao2mo, mcscf, scf

    num_active, _ = molecule.validate_basis()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    mol = gto.M(atom=molecule.pyscf_atom(), basis=molecule.basis, charge=molecule.charge,
                spin=molecule.spin, unit="Angstrom", verbose=0)
    mf = (scf.RHF(mol) if molecule.spin == 0 else scf.ROHF(mol))
    mf.max_cycle = max_scf_cycles
    mf.kernel()
    if not mf.converged:
        raise InstanceError(f"{molecule.source or molecule.name}: the SCF did not converge in "
                            f"{max_scf_cycles} cycles; check the geometry (Angstrom) and charge")
    timings["scf_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    nalpha, nbeta = molecule.active_electrons
    casci = mcscf.CASCI(mf, num_active, (nalpha, nbeta))
    casci.verbose = 0
    mo = mf.mo_coeff
    if molecule.active_orbitals is not None:
        mo = casci.sort_mo(list(molecule.active_orbitals), base=0)
    casci.mo_coeff = mo
    h1, core_energy = casci.get_h1eff(mo)
    h2 = ao2mo.restore(1, casci.get_h2eff(mo), num_active)

    # dipole: nuclear + frozen core as a constant, active electrons through their integrals
    ncore = casci.ncore
    with mol.with_common_orig((0.0, 0.0, 0.0)):
        ao_r = mol.intor_symmetric("int1e_r", comp=3)
    nuclear = np.einsum("i,ix->x", mol.atom_charges(), mol.atom_coords())
    core = mo[:, :ncore]
    active = mo[:, ncore:ncore + num_active]
    core_dipole = -2.0 * np.einsum("xij,ik,jk->x", ao_r, core, core)
    r_act = np.einsum("ip,xij,jq->xpq", active, ao_r, active)
    timings["integrals_s"] = time.perf_counter() - t0
    return ActiveSpaceProblem(
        molecule=molecule, mol=mol, mf=mf, casci=casci, num_orbitals=num_active,
        num_particles=(nalpha, nbeta), core_energy=float(core_energy), h1=np.asarray(h1),
        h2=np.asarray(h2), dipole_integrals=r_act, dipole_constant=nuclear + core_dipole,
        mapping=mapping or molecule.mapping, sector_penalty=float(sector_penalty),
        timings=timings)
