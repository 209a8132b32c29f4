"""``sqd``: energies certified by PySCF FCI on the same integrals, refusals before work, info."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ffsim", reason="sqd needs ffsim")
pytest.importorskip("qiskit_addon_sqd", reason="sqd needs qiskit-addon-sqd")
pytest.importorskip("pyscf", reason="sqd needs pyscf")

from pyscf import fci

from hybrid_workbench.algorithms.sqd import MolecularHamiltonian, SQDBackend
from hybrid_workbench.errors import (
    OptionsError,
    ProblemTooLargeError,
    UnsupportedModelError,
)
from hybrid_workbench.testing.failures import no_work

CHEMICAL_ACCURACY = 1.6e-3


def _model(name: str) -> MolecularHamiltonian:
    from hybrid_workbench.usecases.chemistry import Chemistry

    uc = Chemistry()
    return uc.formulate(uc.load(name), model_kind="molecular").model


def _fci(model: MolecularHamiltonian) -> float:
    """Exact ground energy of the same integrals (PySCF FCI, independent of sqd)."""
    e, _ = fci.direct_spin1.kernel(model.h1, model.h2, model.norb, model.nelec)
    return float(e) + model.ecore


@pytest.fixture(scope="module")
def h2o() -> MolecularHamiltonian:
    return _model("H2O")  # 4 electrons in 4 orbitals: 8 qubits


def test_ffsim_samples_reach_fci(h2o: MolecularHamiltonian) -> None:
    r = SQDBackend().solve(h2o, seed=3, options={"shots": 20_000, "samples_per_batch": 100})
    exact = _fci(h2o)
    assert r.energy >= exact - 1e-8  # a subspace eigenvalue is a variational upper bound
    assert r.energy - exact < CHEMICAL_ACCURACY
    info = r.info
    assert r.model_kind == "molecular" and info["sampler"] == "ffsim"
    assert len(info["subspace_dimension"]) == len(info["energy_history"]) == info["iterations"]
    assert all(1 <= d <= info["fci_dimension"] == 36 for d in info["subspace_dimension"])
    occ_a, occ_b = info["occupancies"]
    assert sum(occ_a) == pytest.approx(2) and sum(occ_b) == pytest.approx(2)
    assert np.trace(info["rdm1"]) == pytest.approx(4)


def test_aer_sampler_from_registry() -> None:
    lih = _model("LiH")  # 2 electrons in 3 orbitals: 6 qubits
    r = SQDBackend().solve(lih, seed=1, options={"sampler": "aer-statevector", "shots": 4000,
                                                 "samples_per_batch": 50})
    assert r.info["sampler"] == "aer-statevector" and r.info["lucj"]["depth"] > 0
    assert abs(r.energy - _fci(lih)) < CHEMICAL_ACCURACY


def test_user_sampler() -> None:
    from qiskit.primitives import StatevectorSampler

    lih = _model("LiH")
    r = SQDBackend(sampler=StatevectorSampler(seed=2)).solve(
        lih, seed=2, options={"shots": 4000, "samples_per_batch": 50})
    assert r.info["sampler"] == "user"
    assert abs(r.energy - _fci(lih)) < CHEMICAL_ACCURACY


def test_refusals_before_work(h2o: MolecularHamiltonian) -> None:
    backend = SQDBackend()
    open_shell = MolecularHamiltonian(h2o.h1, h2o.h2, h2o.ecore, h2o.norb, (3, 1))
    with no_work(backend):
        with pytest.raises(UnsupportedModelError, match="closed shell"):
            backend.solve(open_shell, seed=0)
        with pytest.raises(ProblemTooLargeError, match="max_qubits=6"):
            backend.solve(h2o, seed=0, options={"max_qubits": 6})
        with pytest.raises(ProblemTooLargeError, match="max_memory_gb"):
            big = MolecularHamiltonian(np.zeros((30, 30)), np.zeros((1,) * 4).reshape(1, 1, 1, 1)
                                       * np.zeros((30,) * 4), 0.0, 30, (15, 15))
            backend.solve(big, seed=0, options={"max_qubits": 60, "max_memory_gb": 1})
        with pytest.raises(OptionsError, match="not a gate-model backend"):
            backend.solve(h2o, seed=0, options={"sampler": "dwave-sa"})
        with pytest.raises(UnsupportedModelError, match="molecular models"):
            backend.solve("not a model", seed=0)
    with pytest.raises(OptionsError, match="samples_per_batch"):
        backend.make_options({"samples_per_batch": 0})
    with pytest.raises(ValueError, match="nelec"):
        MolecularHamiltonian(h2o.h1, h2o.h2, 0.0, h2o.norb, (5, 1))
