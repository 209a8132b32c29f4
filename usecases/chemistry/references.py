"""Classical reference energies through PySCF, in the same active space, with their timings.

HF is the mean field of :func:`~hybrid_workbench.usecases.chemistry.driver.build_problem`; MP2, CCSD and
CCSD(T) freeze the same core and drop the same virtual orbitals as the qubit Hamiltonian,
so all of them answer the same question; CASCI diagonalises that active space exactly (it
*is* FCI when the active space is the whole molecule, and is then labelled ``fci``).
CASCI also gives the reference dipole moment (from its one-particle density matrix). CASCI
is skipped, with the reason, above :data:`CASCI_MAX_DETERMINANTS`.

Every entry is ``{"energy": Hartree, "wall_s": seconds}``; a method PySCF cannot run on
this molecule (e.g. CCSD(T) on an open shell) gets ``{"energy": None, "error": ...}``.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from hybrid_workbench.usecases.chemistry.driver import AU_TO_DEBYE, ActiveSpaceProblem

__all__ = ["CASCI_MAX_DETERMINANTS", "exact_method", "reference_energies"]

#: Largest CASCI (determinants ``C(n, n_alpha) * C(n, n_beta)``) run as a reference: one
#: vector of 2e7 doubles is 160 MB and the Davidson solver keeps a dozen.
CASCI_MAX_DETERMINANTS = 20_000_000


def exact_method(problem: ActiveSpaceProblem) -> str:
    """``fci`` when the active space is the whole molecule, ``casci`` otherwise."""
    return "fci" if problem.full_space else "casci"


def _frozen(problem: ActiveSpaceProblem) -> list[int]:
    """Orbitals outside the active space (core and discarded virtuals), in the MO order used."""
    ncore = problem.casci.ncore
    nmo = problem.mf.mo_coeff.shape[1]
    keep = set(range(ncore, ncore + problem.num_orbitals))
    return [i for i in range(nmo) if i not in keep]


def _timed(fn: Any) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        energy = fn()
    except Exception as exc:  # noqa: BLE001 - a reference PySCF cannot compute is reported, not fatal
        return {"energy": None, "error": f"{type(exc).__name__}: {exc}",
                "wall_s": time.perf_counter() - start}
    return {"energy": float(energy), "wall_s": time.perf_counter() - start}


def reference_energies(problem: ActiveSpaceProblem,
                       methods: tuple[str, ...] = ("hf", "mp2", "ccsd", "ccsd(t)", "exact")
                       ) -> dict[str, Any]:
    """Reference energies (Hartree) and timings, plus the exact method's dipole (Debye).

    Args:
        problem: the built active-space problem.
        methods: any of ``hf``, ``mp2``, ``ccsd``, ``ccsd(t)``, ``exact`` (CASCI/FCI).

    Returns:
        ``{method: {"energy", "wall_s"}, ..., "dipole_debye": [x, y, z] or None}`` with the
        exact method stored under its name (``fci`` or ``casci``).
    """
    from pyscf import cc, mcscf, mp

    mf = problem.mf
    mo = problem.casci.mo_coeff
    frozen = _frozen(problem)
    out: dict[str, Any] = {}
    if "hf" in methods:
        out["hf"] = {"energy": float(mf.e_tot), "wall_s": problem.timings.get("scf_s", 0.0)}
    if "mp2" in methods:
        out["mp2"] = _timed(lambda: mp.MP2(mf, frozen=frozen or None, mo_coeff=mo).run(
            verbose=0).e_tot)
    ccsd_solver: dict[str, Any] = {}

    def run_ccsd() -> float:
        solver = cc.CCSD(mf, frozen=frozen or None, mo_coeff=mo)
        solver.verbose = 0
        solver.kernel()
        if not solver.converged:
            raise RuntimeError("CCSD did not converge")
        ccsd_solver["cc"] = solver
        return solver.e_tot

    if "ccsd" in methods or "ccsd(t)" in methods:
        out["ccsd"] = _timed(run_ccsd)
    if "ccsd(t)" in methods:
        if "cc" in ccsd_solver:
            solver = ccsd_solver["cc"]
            entry = _timed(lambda: solver.e_tot + solver.ccsd_t())
            entry["wall_s"] += out["ccsd"]["wall_s"]
            out["ccsd(t)"] = entry
        else:
            out["ccsd(t)"] = {"energy": None, "error": "CCSD failed",
                              "wall_s": out["ccsd"]["wall_s"]}
    out["dipole_debye"] = None
    dets = math.comb(problem.num_orbitals, problem.num_particles[0]) * \
        math.comb(problem.num_orbitals, problem.num_particles[1])
    if "exact" in methods and dets > CASCI_MAX_DETERMINANTS:
        out[exact_method(problem)] = {
            "energy": None, "wall_s": 0.0,
            "error": f"{dets:,} determinants exceed the CASCI limit of "
                     f"{CASCI_MAX_DETERMINANTS:,}; the reference is CCSD(T)"}
    elif "exact" in methods:
        name = exact_method(problem)
        casci = mcscf.CASCI(mf, problem.num_orbitals, problem.num_particles)
        casci.verbose = 0
        start = time.perf_counter()
        energy = casci.kernel(mo)[0]
        out[name] = {"energy": float(energy), "wall_s": time.perf_counter() - start}
        dm = casci.make_rdm1()
        mol = problem.mol
        with mol.with_common_orig((0.0, 0.0, 0.0)):
            ao_r = mol.intor_symmetric("int1e_r", comp=3)
        nuclear = np.einsum("i,ix->x", mol.atom_charges(), mol.atom_coords())
        electronic = -np.einsum("xij,ji->x", ao_r, dm)
        out["dipole_debye"] = ((nuclear + electronic) * AU_TO_DEBYE).tolist()
    return out
