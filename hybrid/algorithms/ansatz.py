"""Parameterised trial circuits for VQE: UCCSD (qiskit-nature) and hardware-efficient ones.

* ``uccsd`` -- unitary coupled cluster with singles and doubles from qiskit-nature, on top
  of the Hartree-Fock determinant, for a molecule's active space. It needs the problem's
  structure (spatial orbitals, (alpha, beta) electrons, mapping), which a bare
  SparsePauliOp does not carry: the chemistry use case passes it as VQE options.
  Particle-number conserving, so it never leaves the molecule's sector.
* ``efficient-su2`` -- Qiskit's ``efficient_su2`` (RY and RZ layers, linear CX
  entanglement): complex amplitudes, any Hermitian operator.
* ``real-amplitudes`` -- Qiskit's ``real_amplitudes`` (RY layers): real ground states only
  (enough for molecular Hamiltonians, which are real).

Hardware-efficient ansatze start from the Hartree-Fock determinant when the electron
count is known (:func:`hartree_fock_bits`). :class:`AnsatzSpec` is the JSON-safe recipe
stored in a VQE result, from which :func:`build_ansatz` rebuilds the exact circuit (the
chemistry use case does this to compute a dipole moment from the optimal parameters).

Examples:
    >>> spec = AnsatzSpec(kind="real-amplitudes", num_qubits=3, reps=1)
    >>> build_ansatz(spec).num_parameters
    6
    >>> AnsatzSpec.from_dict(spec.to_dict()) == spec
    True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from hybrid_workbench._optional import require
from hybrid_workbench.errors import OptionsError

__all__ = ["AnsatzSpec", "build_ansatz", "hartree_fock_bits", "make_mapper", "ANSATZE", "MAPPINGS"]

ANSATZE = ("auto", "uccsd", "efficient-su2", "real-amplitudes")
MAPPINGS = ("jordan-wigner", "parity", "bravyi-kitaev")


def make_mapper(mapping: str, num_particles: tuple[int, int] | None = None) -> Any:
    """The qiskit-nature mapper for ``jordan-wigner``, ``parity`` (with the two-qubit
    reduction, which needs ``num_particles``) or ``bravyi-kitaev``."""
    mappers = require("qiskit_nature.second_q.mappers", extra="chem",
                      purpose="fermion-to-qubit mapping")
    if mapping == "jordan-wigner":
        return mappers.JordanWignerMapper()
    if mapping == "parity":
        if num_particles is None:
            raise OptionsError("the parity mapping with two-qubit reduction needs num_particles")
        return mappers.ParityMapper(num_particles=tuple(num_particles))
    if mapping == "bravyi-kitaev":
        return mappers.BravyiKitaevMapper()
    raise OptionsError(f"unknown mapping {mapping!r}; use one of {', '.join(MAPPINGS)}")


@dataclass(frozen=True)
class AnsatzSpec:
    """What is needed to rebuild a trial circuit exactly.

    Attributes:
        kind: ``uccsd``, ``efficient-su2`` or ``real-amplitudes`` (``auto`` is resolved by
            :meth:`resolve`).
        num_qubits: width.
        reps: layers (UCCSD repetitions, or hardware-efficient layers).
        num_particles: (alpha, beta) electrons, when known.
        num_spatial_orbitals: active spatial orbitals, when known.
        mapping: ``jordan-wigner``, ``parity`` (two-qubit reduced) or ``bravyi-kitaev``.
    """

    kind: str
    num_qubits: int
    reps: int = 1
    num_particles: tuple[int, int] | None = None
    num_spatial_orbitals: int | None = None
    mapping: str = "jordan-wigner"

    def resolve(self) -> AnsatzSpec:
        """``auto`` becomes ``uccsd`` when the electrons are known, else ``efficient-su2``."""
        if self.kind != "auto":
            return self
        kind = "uccsd" if self.num_particles is not None and self.num_spatial_orbitals else \
            "efficient-su2"
        return AnsatzSpec(kind, self.num_qubits, self.reps, self.num_particles,
                          self.num_spatial_orbitals, self.mapping)

    def validate(self) -> None:
        """Raise OptionsError when the spec cannot be built (before any work)."""
        if self.kind not in ANSATZE:
            raise OptionsError(f"unknown ansatz {self.kind!r}; use one of {', '.join(ANSATZE)}")
        if self.reps < 1:
            raise OptionsError(f"reps must be >= 1, got {self.reps}")
        if self.kind == "uccsd" and (self.num_particles is None or not self.num_spatial_orbitals):
            raise OptionsError("the uccsd ansatz needs num_particles=[alpha, beta] and "
                               "num_spatial_orbitals (the chemistry use case sets them)")
        if self.num_spatial_orbitals and self.kind in ("uccsd",):
            expected = 2 * self.num_spatial_orbitals - (2 if self.mapping == "parity" else 0)
            if expected != self.num_qubits:
                raise OptionsError(
                    f"uccsd with {self.num_spatial_orbitals} spatial orbitals and mapping "
                    f"{self.mapping!r} acts on {expected} qubits, but the operator has "
                    f"{self.num_qubits}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["num_particles"] = list(self.num_particles) if self.num_particles else None
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnsatzSpec:
        particles = data.get("num_particles")
        return cls(kind=data["kind"], num_qubits=int(data["num_qubits"]),
                   reps=int(data.get("reps", 1)),
                   num_particles=tuple(particles) if particles else None,  # type: ignore[arg-type]
                   num_spatial_orbitals=data.get("num_spatial_orbitals"),
                   mapping=data.get("mapping", "jordan-wigner"))


def hartree_fock_bits(spec: AnsatzSpec) -> list[int] | None:
    """Qubits set to 1 in the Hartree-Fock determinant (Jordan-Wigner, blocked spin order);
    None when the electrons are unknown or the mapping is not Jordan-Wigner (then
    qiskit-nature's ``HartreeFock`` circuit is used instead)."""
    if spec.num_particles is None or not spec.num_spatial_orbitals:
        return None
    if spec.mapping != "jordan-wigner":
        return None
    n = spec.num_spatial_orbitals
    na, nb = spec.num_particles
    return list(range(na)) + [n + i for i in range(nb)]


def _initial_state(spec: AnsatzSpec) -> Any:
    """The Hartree-Fock determinant for this mapping, or None."""
    if spec.num_particles is None or not spec.num_spatial_orbitals:
        return None
    from qiskit import QuantumCircuit

    bits = hartree_fock_bits(spec)
    if bits is not None:
        qc = QuantumCircuit(spec.num_qubits)
        for q in bits:
            qc.x(q)
        return qc
    lib = require("qiskit_nature.second_q.circuit.library", extra="chem", purpose="uccsd")
    return lib.HartreeFock(spec.num_spatial_orbitals, spec.num_particles,
                           make_mapper(spec.mapping, spec.num_particles))


def build_ansatz(spec: AnsatzSpec) -> Any:
    """The parameterised :class:`~qiskit.QuantumCircuit` of ``spec`` (decomposed to gates)."""
    spec = spec.resolve()
    spec.validate()
    from qiskit import QuantumCircuit

    initial = _initial_state(spec)
    if spec.kind == "uccsd":
        lib = require("qiskit_nature.second_q.circuit.library", extra="chem", purpose="uccsd")
        mapper = make_mapper(spec.mapping, spec.num_particles)  # type: ignore[arg-type]
        ansatz = lib.UCCSD(spec.num_spatial_orbitals, spec.num_particles, mapper,
                           reps=spec.reps, initial_state=initial)
        return ansatz.decompose(reps=2)
    from qiskit.circuit.library import efficient_su2, real_amplitudes

    if spec.kind == "efficient-su2":
        body = efficient_su2(spec.num_qubits, reps=spec.reps, entanglement="linear")
    else:
        body = real_amplitudes(spec.num_qubits, reps=spec.reps, entanglement="linear")
    circuit = QuantumCircuit(spec.num_qubits)
    if initial is not None:
        circuit.compose(initial, inplace=True)
    circuit.compose(body, inplace=True)
    return circuit
