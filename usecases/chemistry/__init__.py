"""Quantum chemistry: from a molecule to a ground-state energy and a dipole moment.

The case the quantum programmes cite (Rice et al., J. Chem. Phys. 2021: LiH, H2S, LiSH,
Li2S from lithium-sulphur batteries). A molecule (file or shipped name, see
:mod:`hybrid_workbench.usecases.chemistry.molecule`) goes through PySCF and qiskit-nature
(:mod:`hybrid_workbench.usecases.chemistry.driver`) to one of two models:

* ``pauli`` (default): a qubit Hamiltonian, a ``SparsePauliOp`` whose identity term carries
  the nuclear-repulsion and frozen-core energy, so any ``pauli`` backend's ``energy`` is
  the total energy in Hartree (``vqe``, ``exact-eigen``);
* ``molecular`` (``model_kind='molecular'``, chosen for backends that take it, ``sqd``):
  the active-space integrals with the core energy and electron count, a
  :class:`~hybrid_workbench.algorithms.sqd_circuit.MolecularHamiltonian` (no qubit
  mapping is built, so active spaces of 16-28 qubits cost only the PySCF run).

``interpret`` recovers the solved state (the exact ground state from ``exact-eigen``, the
VQE circuit at its optimal parameters, or the one-particle density matrix of ``sqd``'s
subspace eigenvector) and computes its dipole moment; ``evaluate`` scores the energy against PySCF
references in the same active space (:mod:`hybrid_workbench.usecases.chemistry.references`): error in
mHa and whether chemical accuracy (1.6 mHa) is met; where the backend reports the standard
error of a shot-based energy (``info['energy_sigma']``) it becomes ``objective_sigma``.
CASCI runs up to :data:`~hybrid_workbench.usecases.chemistry.references.CASCI_MAX_DETERMINANTS`
determinants; beyond, the reference is CCSD(T) and the metrics say so.

An instance is a molecule file or a shipped name; ``load(name, active_space="10e10o")``
(``--param active_space=10e10o``; also ``basis``, ``mapping``) picks another active space.

Before anything is built, :meth:`Chemistry.check` compares the qubit count with the
backend's limit, and :meth:`Chemistry.backend_defaults` hands ``vqe``-like backends (those
whose options take ``num_particles``) the active space's electrons, orbitals and mapping,
so that they can use UCCSD from the Hartree-Fock state; both are hooks of the one flow,
:meth:`~hybrid_workbench.usecase.UseCase.solve`.

Examples:
    >>> from hybrid_workbench.usecases.chemistry import Chemistry
    >>> uc = Chemistry()
    >>> out = uc.solve(uc.load("H2"), "exact-eigen", seed=0)
    >>> round(out.result.energy, 6), out.evaluation.metrics["chemical_accuracy"]
    (-1.137306, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hybrid_workbench.errors import InstanceError, OptionsError, ProblemTooLargeError
from hybrid_workbench.formulation import Formulation, FormulationOptions, MappingDecoder
from hybrid_workbench.result import Result
from hybrid_workbench.usecase import Evaluation, UseCase
from hybrid_workbench.usecases.chemistry.molecule import (
    Molecule,
    library_names,
    load_molecule,
)

__all__ = [
    "CHEMICAL_ACCURACY_HA",
    "Chemistry",
    "ChemistryOptions",
    "Molecule",
    "QubitLimitError",
    "library_names",
    "load_molecule",
]

CHEMICAL_ACCURACY_HA = 1.6e-3
HINT_FIELDS = ("num_particles", "num_spatial_orbitals", "mapping")


class QubitLimitError(InstanceError, ProblemTooLargeError):
    """The molecule's active space needs more qubits than the chosen backend holds."""


@dataclass(frozen=True)
class ChemistryOptions(FormulationOptions):
    """Formulation options of ``chemistry``.

    Attributes:
        model_kind: ``pauli`` (qubit Hamiltonian) or ``molecular`` (integrals, for ``sqd``).
        sector_penalty: Hartree per squared electron-count error (0 disables it).
        mapping: fermion-to-qubit mapping (default: the molecule's).
    """

    model_kind: Literal["pauli", "molecular"] | None = None
    sector_penalty: float = 1.0
    mapping: Literal["jordan-wigner", "parity", "bravyi-kitaev"] | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.sector_penalty) and self.sector_penalty >= 0):
            raise OptionsError(f"option 'sector_penalty' must be a finite number >= 0 "
                               f"(Hartree), got {self.sector_penalty!r}")


class Chemistry(UseCase):
    """Ground-state energy and dipole of a molecule in an active space."""

    name = "chemistry"
    description = "molecular ground-state energy (Hartree) and dipole from PySCF + qiskit-nature"
    sense = "min"
    model_kinds = ("pauli", "molecular")
    FormulationOptions = ChemistryOptions
    formats = ("molecule JSON (atoms in Angstrom, basis, charge, spin, active_space, mapping) "
               f"or a shipped name: {', '.join(library_names())}")

    def __init__(self) -> None:
        self._problems: dict[Any, Any] = {}
        self._references: dict[Molecule, dict[str, Any]] = {}

    # -- instances -------------------------------------------------------------------------
    def load(self, source: str | Path, **params: Any) -> Molecule:
        """A molecule from a file or a shipped name; ``basis``, ``mapping`` and
        ``active_space`` (``"10e10o"``, ``[10, 10]`` or ``{"electrons": 10, "orbitals": 10}``)
        may be overridden."""
        unknown = sorted(set(params) - {"basis", "mapping", "active_space"})
        if unknown:
            raise InstanceError(f"chemistry takes the parameters basis, mapping and "
                                f"active_space, not {unknown}")
        molecule = load_molecule(source)
        if "active_space" in params:
            params = {**params, "active_space": _active_space_param(params["active_space"])}
        if params:
            spec = {**molecule.spec(), **params}
            if "active_space" in params:
                space = params["active_space"]
                spec["name"] = f"{molecule.name}-{space['electrons']}e{space['orbitals']}o"
            molecule = Molecule.from_dict(spec, source=molecule.source, name=spec["name"])
        return molecule

    def generate(self, seed: int = 0, molecule: str = "H2", scale: float | None = None,
                 **params: Any) -> Molecule:
        """A shipped molecule with its geometry stretched by a seeded factor in [0.8, 1.6]."""
        base = self.load(molecule, **params)
        if scale is not None and (isinstance(scale, bool) or not isinstance(scale, (int, float))
                                  or not (math.isfinite(scale) and scale > 0)):
            raise InstanceError(f"chemistry generator: scale must be a finite number > 0, "
                                f"got {scale!r}")
        factor = scale if scale is not None else float(np.random.default_rng(seed).uniform(0.8, 1.6))
        atoms = [[s, [c * factor for c in xyz]] for s, xyz in base.atoms]
        return base.with_geometry(atoms, name=f"{base.name}-x{factor:.3f}")

    # -- the flow --------------------------------------------------------------------------
    def problem(self, molecule: Molecule, sector_penalty: float = 1.0,
                mapping: str | None = None) -> Any:
        """The built (cached) :class:`~hybrid_workbench.usecases.chemistry.driver.ActiveSpaceProblem`."""
        key = (molecule, float(sector_penalty), mapping or molecule.mapping)
        if key not in self._problems:
            from hybrid_workbench.usecases.chemistry.driver import build_problem

            self._problems[key] = build_problem(molecule, sector_penalty=sector_penalty,
                                                mapping=mapping)
        return self._problems[key]

    def _formulate(self, instance: Molecule,
                   options: ChemistryOptions) -> Formulation[MappingDecoder]:
        """The qubit Hamiltonian (total energy: ``E_core`` kept in the identity term)."""
        mapping = options.mapping
        problem = self.problem(instance, options.sector_penalty, mapping)
        import importlib.metadata as md

        if options.model_kind == "molecular":
            return self._formulate_molecular(instance, problem)
        info = {
            "num_qubits": problem.num_qubits, "num_terms": len(problem.hamiltonian),
            "mapping": mapping or instance.mapping, "basis": instance.basis,
            "active_space": {"electrons": sum(problem.num_particles),
                             "orbitals": problem.num_orbitals,
                             "alpha_beta": list(problem.num_particles)},
            "core_energy_hartree": problem.core_energy,
            "energy_convention": "total energy: nuclear repulsion + frozen core kept in the "
                                 "identity term of the SparsePauliOp",
            "sector_penalty_hartree": problem.sector_penalty,
            "build_timings_s": dict(problem.timings),
            "versions": {d: md.version(d) for d in ("pyscf", "qiskit-nature", "qiskit")},
        }
        return Formulation(model=problem.hamiltonian, decoder=MappingDecoder(), info=info)

    def _formulate_molecular(self, instance: Molecule, problem: Any) -> Formulation:
        """The active-space integrals as a ``MolecularHamiltonian`` (for ``sqd``)."""
        import importlib.metadata as md

        from hybrid_workbench.algorithms.sqd_circuit import MolecularHamiltonian

        model = MolecularHamiltonian(problem.h1, problem.h2, problem.core_energy,
                                     problem.num_orbitals, problem.num_particles)
        info = {
            "num_qubits": model.num_qubits, "mapping": "jordan-wigner", "basis": instance.basis,
            "active_space": {"electrons": sum(problem.num_particles),
                             "orbitals": problem.num_orbitals,
                             "alpha_beta": list(problem.num_particles)},
            "core_energy_hartree": problem.core_energy,
            "energy_convention": "total energy: nuclear repulsion + frozen core in ecore",
            "sector_penalty_hartree": problem.sector_penalty, "model": "molecular",
            "build_timings_s": dict(problem.timings),
            "versions": {d: md.version(d) for d in ("pyscf", "ffsim", "qiskit-addon-sqd")},
        }
        return Formulation(model=model, decoder=MappingDecoder(), info=info)

    # -- before building: the qubit count, and the active space for ansatz backends -------
    @staticmethod
    def _mapped(instance: Molecule, options: ChemistryOptions) -> Molecule:
        """The molecule with the mapping the options ask for."""
        mapping = options.mapping or instance.mapping
        if mapping == instance.mapping:
            return instance
        return Molecule.from_dict({**instance.spec(), "mapping": mapping},
                                  source=instance.source, name=instance.name)

    def check(self, instance: Molecule, options: ChemistryOptions, backend: Any,
              backend_options: Any) -> None:
        """Refuse an active space with more qubits than the backend holds (nothing built)."""
        super().check(instance, options, backend, backend_options)
        molecular = options.model_kind == "molecular"
        molecule = instance if molecular else self._mapped(instance, options)
        limit = backend.max_variables(backend_options)
        n = 2 * molecule.validate_basis()[0] if molecular else molecule.num_qubits()
        if limit is not None and n > limit:
            how = ("shrink active_space or raise the backend's max_qubits" if molecular else
                   "shrink active_space, use the parity mapping (2 qubits fewer), or raise "
                   "the backend's max_qubits")
            raise QubitLimitError(
                f"{instance.source or instance.name}: {n} qubits ({molecule.active_space or 'full'}"
                f" active space, {'jordan-wigner' if molecular else molecule.mapping}) exceed "
                f"backend {backend.name!r}'s limit of {limit}; {how}")

    def backend_defaults(self, instance: Molecule, options: ChemistryOptions,
                         backend: Any) -> dict[str, Any]:
        """The active space's electrons, orbitals and mapping, for backends whose options
        take all three (``vqe``: UCCSD from the Hartree-Fock state)."""
        if not set(HINT_FIELDS) <= set(backend.Options.field_names()):
            return {}
        molecule = self._mapped(instance, options)
        orbitals = molecule.active_space[1] if molecule.active_space else \
            molecule.validate_basis()[0]
        return {"num_particles": tuple(molecule.active_electrons),
                "num_spatial_orbitals": orbitals, "mapping": molecule.mapping}

    def interpret(self, instance: Molecule, formulation: Formulation,
                  result: Result) -> dict[str, Any]:
        """Energy, and the dipole moment of the solved state where the backend gives it."""
        info = formulation.info
        molecular = info.get("model") == "molecular"
        problem = self.problem(instance, info["sector_penalty_hartree"],
                               None if molecular else info["mapping"])
        if result.info.get("rdm1") is not None:
            dipole = problem.dipole_from_rdm1(result.info["rdm1"]).tolist()
            source: str | None = f"{result.backend} state (its one-particle density matrix)"
        else:
            state, source = _solved_state(result)
            dipole = problem.dipole(state).tolist() if state is not None else None
        out = {"energy_hartree": result.energy, "num_qubits": info["num_qubits"],
               "dipole_debye": dipole,
               "dipole_norm_debye": None if dipole is None else float(np.linalg.norm(dipole)),
               "state": source}
        if result.info.get("subspace_dimension"):
            out["subspace_dimension"] = int(result.info["subspace_dimension"][-1])
        if result.info.get("energy_sigma") is not None:
            out["energy_sigma_hartree"] = float(result.info["energy_sigma"])
        return out

    def references(self, instance: Molecule) -> dict[str, Any]:
        """PySCF reference energies and timings (cached per molecule)."""
        if instance not in self._references:
            from hybrid_workbench.usecases.chemistry.references import (
                reference_energies,
            )

            self._references[instance] = reference_energies(self.problem(instance))
        return self._references[instance]

    def evaluate(self, instance: Molecule, solution: Mapping[str, Any]) -> Evaluation:
        from hybrid_workbench.usecases.chemistry.references import exact_method

        energy = solution.get("energy_hartree")
        feasible = energy is not None and math.isfinite(float(energy))
        refs = self.references(instance)
        method = _reference_method(refs, exact_method(self.problem(instance)))
        exact = refs[method]["energy"]
        hf = refs["hf"]["energy"]
        metrics: dict[str, Any] = {
            "num_qubits": solution.get("num_qubits"),
            "reference_method": method, "reference_energy": exact,
            "hf_energy": hf, method + "_energy": exact,
            "reference_energies": {k: v["energy"] for k, v in refs.items() if isinstance(v, dict)},
            "reference_timings_s": {k: v["wall_s"] for k, v in refs.items() if isinstance(v, dict)},
        }
        if feasible:
            error = float(energy) - exact
            metrics["error_mha"] = error * 1e3
            metrics["chemical_accuracy"] = bool(abs(error) <= CHEMICAL_ACCURACY_HA)
            if abs(hf - exact) > 1e-12:
                metrics["correlation_recovered"] = (hf - float(energy)) / (hf - exact)
        if solution.get("subspace_dimension") is not None:
            metrics["subspace_dimension"] = solution["subspace_dimension"]
        if solution.get("energy_sigma_hartree") is not None:
            # a shot-based energy: success is judged within its standard error
            metrics["objective_sigma"] = float(solution["energy_sigma_hartree"])
        if refs.get("dipole_debye") is not None:
            metrics["reference_dipole_debye"] = refs["dipole_debye"]
            if solution.get("dipole_debye") is not None:
                metrics["dipole_error_debye"] = float(np.linalg.norm(
                    np.subtract(solution["dipole_debye"], refs["dipole_debye"])))
        return Evaluation(feasible=feasible, objective=float(energy) if feasible else None,
                          metrics=metrics)

    def baseline(self, instance: Molecule, **options: Any) -> dict[str, Any]:
        """CASCI (FCI in the full space) in the same active space, through PySCF."""
        from hybrid_workbench.usecases.chemistry.references import exact_method

        refs = self.references(instance)
        method = _reference_method(refs, exact_method(self.problem(instance)))
        dipole = refs.get("dipole_debye")
        return {"energy_hartree": refs[method]["energy"], "dipole_debye": dipole,
                "dipole_norm_debye": None if dipole is None else float(np.linalg.norm(dipole)),
                "method": f"pyscf {method}", "num_qubits": self.problem(instance).num_qubits}

    def reference(self, instance: Molecule) -> float | None:
        from hybrid_workbench.usecases.chemistry.references import exact_method

        refs = self.references(instance)
        return refs[_reference_method(refs, exact_method(self.problem(instance)))]["energy"]

    def reference_kind(self, instance: Molecule) -> tuple[str, str]:
        from hybrid_workbench.usecases.chemistry.references import exact_method

        refs = self.references(instance)
        method = _reference_method(refs, exact_method(self.problem(instance)))
        if method in ("casci", "fci"):
            return "certified", f"chemistry: PySCF {method} in the same active space"
        return "published", f"chemistry: PySCF {method} (CASCI too large to run here)"


def _reference_method(refs: Mapping[str, Any], exact: str) -> str:
    """The exact method when it ran, else the best of CCSD(T), CCSD, HF that did."""
    for method in (exact, "ccsd(t)", "ccsd", "hf"):
        if isinstance(refs.get(method), dict) and refs[method].get("energy") is not None:
            return method
    return "hf"


def _active_space_param(value: Any) -> dict[str, int]:
    """``"10e10o"``, ``"10e,10o"``, ``[10, 10]`` or a dict, as the file's active_space object."""
    if isinstance(value, Mapping):
        return dict(value)
    parts: Any = value
    if isinstance(value, str):
        import re

        match = re.fullmatch(r"\s*(\d+)\s*e?\s*[,x ]?\s*(\d+)\s*o?\s*", value.lower())
        parts = match.groups() if match else None
    try:
        ne, no = (int(p) for p in parts)
    except (TypeError, ValueError):
        raise InstanceError(f"chemistry: parameter active_space must look like '10e10o' "
                            f"(electrons, orbitals), got {value!r}") from None
    return {"electrons": ne, "orbitals": no}


def _solved_state(result: Result) -> tuple[Any, str | None]:
    """The solved state (amplitude vector) from a result's info, and where it came from."""
    info = result.info
    if info.get("ground_state") is not None:
        from hybrid_workbench.algorithms.eigen import dense_state

        return dense_state(info["ground_state"]), "exact ground state"
    if info.get("ansatz") is not None and info.get("optimal_parameters") is not None:
        from qiskit.quantum_info import Statevector

        from hybrid_workbench.algorithms.ansatz import AnsatzSpec, build_ansatz

        circuit = build_ansatz(AnsatzSpec.from_dict(dict(info["ansatz"])))
        if circuit.num_parameters:
            circuit = circuit.assign_parameters(list(info["optimal_parameters"]))
        return Statevector(circuit), "vqe circuit at the optimal parameters"
    return None, None
