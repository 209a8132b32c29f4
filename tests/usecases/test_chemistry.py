"""Chemistry: molecule files, qubit Hamiltonians against PySCF FCI/CASCI, VQE accuracy, dipoles."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("pyscf", reason="the chemistry use case needs the 'chem' extra (pyscf)")
pytest.importorskip("qiskit_nature", reason="the chemistry use case needs qiskit-nature")

from pyscf import fci, gto, mcscf, scf

from hybrid_workbench.errors import (
    InstanceError,
    InstanceFormatError,
    ProblemTooLargeError,
)
from hybrid_workbench.registry import get_backend
from hybrid_workbench.usecases.chemistry import (
    Chemistry,
    QubitLimitError,
    load_molecule,
)
from hybrid_workbench.usecases.chemistry.molecule import Molecule


@pytest.fixture(scope="module")
def uc() -> Chemistry:
    return Chemistry()


def _pyscf_exact(atom: str, active: tuple[int, int] | None) -> float:
    """FCI (full space) or CASCI energy straight from PySCF, independent of the qubit path."""
    mol = gto.M(atom=atom, basis="sto-3g", verbose=0)
    mf = scf.RHF(mol).run()
    if active is None:
        return float(fci.FCI(mf).kernel()[0])
    mc = mcscf.CASCI(mf, active[1], active[0])
    return float(mc.kernel()[0])


def test_exact_eigen_matches_pyscf_fci_h2(uc: Chemistry) -> None:
    out = uc.solve(uc.load("H2"), "exact-eigen", seed=0)
    assert out.result.energy == pytest.approx(_pyscf_exact("H 0 0 0; H 0 0 0.735", None),
                                              abs=1e-8)
    assert out.evaluation.metrics["num_qubits"] == 4
    assert out.evaluation.metrics["reference_method"] == "fci"


def test_exact_eigen_matches_pyscf_casci_lih(uc: Chemistry) -> None:
    out = uc.solve(uc.load("LiH"), "exact-eigen", seed=0)
    exact = _pyscf_exact("Li 0 0 0; H 0 0 1.595", (2, 3))
    assert out.result.energy == pytest.approx(exact, abs=1e-8)
    m = out.evaluation.metrics
    assert m["num_qubits"] == 6 and m["chemical_accuracy"] and abs(m["error_mha"]) < 1e-5
    # the exact state's dipole equals CASCI's (PySCF density matrix)
    assert out.solution["dipole_debye"] == pytest.approx(m["reference_dipole_debye"], abs=1e-6)


def test_parity_mapping_saves_two_qubits(uc: Chemistry) -> None:
    out = uc.solve(uc.load("LiH", mapping="parity"), "exact-eigen", seed=0)
    assert out.evaluation.metrics["num_qubits"] == 4
    assert out.result.energy == pytest.approx(_pyscf_exact("Li 0 0 0; H 0 0 1.595", (2, 3)),
                                              abs=1e-8)


@pytest.mark.parametrize("name", ["H2", "LiH"])
def test_vqe_reaches_chemical_accuracy(uc: Chemistry, name: str) -> None:
    out = uc.solve(uc.load(name), "vqe", seed=1)
    m = out.evaluation.metrics
    assert abs(out.result.energy - m["reference_energy"]) <= 1.6e-3
    assert m["chemical_accuracy"] is True
    assert out.result.info["ansatz"]["kind"] == "uccsd"
    assert out.result.info["history"][-1] == pytest.approx(out.result.energy)


def test_hartree_fock_dipole_matches_pyscf(uc: Chemistry) -> None:
    from qiskit.quantum_info import Statevector

    problem = uc.problem(uc.load("LiH"))
    ours = problem.dipole(Statevector(problem.hartree_fock_state()))
    assert ours == pytest.approx(problem.mf.dip_moment(unit="Debye", verbose=0), abs=1e-5)
    assert np.real(Statevector(problem.hartree_fock_state()).expectation_value(
        problem.hamiltonian)) == pytest.approx(problem.mf.e_tot, abs=1e-9)


def test_cli_contract(cli) -> None:
    proc = cli("solve", "chemistry", "H2", "--backend", "exact-eigen", "--json", "--seed", "0")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["energy"] == pytest.approx(-1.1373060357, abs=1e-8)
    assert data["objective"] == data["energy"]
    m = data["metrics"]
    assert m["num_qubits"] == 4 and m["chemical_accuracy"] is True
    assert m["hf_energy"] == pytest.approx(-1.1169989968, abs=1e-8)
    assert set(m["reference_energies"]) >= {"hf", "mp2", "ccsd", "ccsd(t)", "fci"}


def test_qubit_limit_is_checked_before_building(uc: Chemistry, monkeypatch) -> None:
    from hybrid_workbench.usecases.chemistry import driver

    def forbidden(*args, **kwargs):
        raise AssertionError("built the Hamiltonian before checking the qubit limit")

    monkeypatch.setattr(driver, "build_problem", forbidden)
    fresh = Chemistry()
    with pytest.raises(QubitLimitError, match="exceed backend 'exact-eigen'") as err:
        fresh.solve(fresh.load("H2O"), "exact-eigen", options={"max_qubits": 6})
    assert isinstance(err.value, InstanceError) and isinstance(err.value, ProblemTooLargeError)


@pytest.mark.parametrize(("spec", "match"), [
    ({"atoms": [["Xx", [0, 0, 0]], ["H", [0, 0, 1]]]}, "unknown element 'Xx'"),
    ({"atoms": [["li", [0, 0, 0]], ["H", [0, 0, 1]]]}, "did you mean 'Li'"),
    ({"atoms": [["H", [0, 0, 0]], ["H", [0, 0, 1]], ["H", [0, 0, 2]]]}, "odd electron count"),
    ({"atoms": [["H", [0, 0, 0]], ["H", [0, 0, 1]]],
      "active_space": {"electrons": 4, "orbitals": 2}}, "larger than the molecule"),
    ({"atoms": [["H", [0, 0, 0]], ["H", [0, 0, 1]]], "mapping": "magic"}, "unknown mapping"),
])
def test_molecule_errors(spec: dict, match: str) -> None:
    with pytest.raises(InstanceError, match=match):
        Molecule.from_dict(spec, source="m.json")


def test_active_space_larger_than_basis() -> None:
    m = Molecule.from_dict({"atoms": [["H", [0, 0, 0]], ["H", [0, 0, 0.7]]],
                            "active_space": {"electrons": 2, "orbitals": 3}}, source="h2.json")
    with pytest.raises(InstanceError, match="larger than the molecule's 2 orbitals"):
        m.num_qubits()


def test_file_format_errors_name_the_file_and_field(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"atoms": [["H", [0, 0, 0]],\n ["H", [0, 0]]]}')
    with pytest.raises(InstanceFormatError, match=r"bad.json: atoms\[1\]"):
        load_molecule(bad)
    bad.write_text('{"atoms": [\n["H", [0, 0, 0]],,]}')
    with pytest.raises(InstanceFormatError, match="line 2"):
        load_molecule(bad)
    bad.write_text('{"atoms": [["H", [0, 0, 0]], ["H", [0, 0, 1]]], "chrge": 1}')
    with pytest.raises(InstanceFormatError, match="unknown field"):
        load_molecule(bad)
    with pytest.raises(InstanceError, match="shipped molecules"):
        load_molecule("unobtainium")


def test_shipped_library_and_generate(uc: Chemistry) -> None:
    from hybrid_workbench.usecases.chemistry.molecule import library_names

    assert {"H2", "LiH", "H2O", "H2S", "LiSH", "Li2S"} <= set(library_names())
    a, b = uc.generate(seed=4, molecule="LiH"), uc.generate(seed=4, molecule="LiH")
    assert a == b and a.active_space == (2, 3)
    assert uc.load("h2") == uc.load("H2.json")


# -- the molecular formulation and sqd ------------------------------------------------------
def test_sqd_h2o_energy_and_dipole_against_casci(uc: Chemistry) -> None:
    pytest.importorskip("ffsim")
    pytest.importorskip("qiskit_addon_sqd")
    m = uc.load("H2O")
    out = uc.solve(m, "sqd", seed=5, options={"shots": 20_000, "samples_per_batch": 100})
    assert out.result.model_kind == "molecular"
    assert out.formulation_info["num_qubits"] == 8 and "num_terms" not in out.formulation_info
    exact = _pyscf_exact("O 0 0 0.1173; H 0 0.7572 -0.4692; H 0 -0.7572 -0.4692", (4, 4))
    assert -1e-8 <= out.result.energy - exact < 1.6e-3
    metrics = out.evaluation.metrics
    assert metrics["reference_method"] == "casci" and metrics["chemical_accuracy"]
    assert metrics["dipole_error_debye"] < 0.01  # from sqd's 1-RDM vs PySCF CASCI's
    assert 1 <= metrics["subspace_dimension"] <= 36
    assert "density matrix" in out.solution["state"]


def test_sqd_n2_16_qubits_within_chemical_accuracy_at_defaults(uc: Chemistry) -> None:
    """N2 CAS(10e,8o), the library's own reference case: default options, two seeds, within
    1.6 mHa of PySCF's CASCI computed here (and never below it: SQD is variational)."""
    pytest.importorskip("ffsim")
    pytest.importorskip("qiskit_addon_sqd")
    mol = gto.M(atom="N 0 0 0; N 0 0 1.10", basis="sto-6g", verbose=0)
    casci = float(mcscf.CASCI(scf.RHF(mol).run(), 8, 10).kernel()[0])
    model = uc.formulate(uc.load("N2"), model_kind="molecular").model
    for seed in (0, 1):
        result = get_backend("sqd").solve(model, seed=seed)
        assert model.num_qubits == 16
        assert -1e-8 <= result.energy - casci < 1.6e-3, (seed, result.energy - casci)


def test_dipole_from_casci_rdm1_matches_pyscf(uc: Chemistry) -> None:
    """The 1-RDM route of the dipole (what sqd uses) reproduces PySCF CASCI's dipole."""
    m = uc.load("LiH")
    problem = uc.problem(m)
    _, ci = fci.direct_spin1.kernel(problem.h1, problem.h2, problem.num_orbitals,
                                    problem.num_particles, conv_tol=1e-12)
    rdm1 = fci.direct_spin1.make_rdm1(ci, problem.num_orbitals, problem.num_particles)
    assert problem.dipole_from_rdm1(rdm1) == pytest.approx(
        uc.references(m)["dipole_debye"], abs=1e-4)


def test_active_space_parameter(uc: Chemistry) -> None:
    m = uc.load("LiSH", active_space="10e10o")
    assert m.active_space == (10, 10) and m.name == "LiSH-10e10o" and m.num_qubits() == 20
    assert uc.load("Li2S", active_space=[12, 12]).active_space == (12, 12)
    with pytest.raises(InstanceError, match="active_space must look like"):
        uc.load("LiSH", active_space="ten")


def test_molecular_qubit_limit_is_checked_before_building(monkeypatch) -> None:
    from hybrid_workbench.usecases.chemistry import driver

    def forbidden(*args, **kwargs):
        raise AssertionError("ran PySCF before checking the qubit limit")

    monkeypatch.setattr(driver, "build_problem", forbidden)
    fresh = Chemistry()
    with pytest.raises(QubitLimitError, match="24 qubits .* exceed backend 'sqd'"):
        fresh.solve(fresh.load("Li2S", active_space="12e12o"), "sqd", options={"max_qubits": 20})


def test_objective_sigma_from_a_shot_based_energy(uc: Chemistry) -> None:
    m = uc.load("H2")
    form = uc.formulate(m)
    result = get_backend("exact-eigen").solve(form.model, seed=0)
    noisy = result.replace(info={**result.info, "energy_sigma": 0.002})
    metrics = uc.evaluate(m, uc.interpret(m, form, noisy)).metrics
    assert metrics["objective_sigma"] == 0.002
    assert "objective_sigma" not in uc.evaluate(m, uc.interpret(m, form, result)).metrics
