"""Molecules: the JSON file format, the shipped library, and checks made before any work.

A molecule file is JSON (coordinates in Angstrom)::

    {"name": "LiH",
     "atoms": [["Li", [0.0, 0.0, 0.0]], ["H", [0.0, 0.0, 1.595]]],
     "basis": "sto-3g", "charge": 0, "spin": 0,
     "active_space": {"electrons": 2, "orbitals": 3},
     "mapping": "jordan-wigner"}

``spin`` is ``2S`` (the number of unpaired electrons, PySCF's convention). ``name``,
``charge`` (0), ``spin`` (0), ``basis`` (``sto-3g``), ``active_space`` (the full space)
and ``mapping`` (``jordan-wigner``; also ``parity``, which applies the two-qubit
reduction, and ``bravyi-kitaev``) are optional. The active space takes the ``orbitals``
spatial orbitals around the Fermi level (PySCF's CASCI convention), or the 0-based
molecular orbitals listed in ``indices`` (energy order). A shipped molecule is named
instead of a path: ``H2``, ``LiH``, ``H2O``, ``H2S``, ``LiSH``, ``Li2S``.

Everything here is checked without PySCF (element symbols, electron count against the
spin, active-space electrons); the basis-dependent checks (orbital counts, qubits) are in
:meth:`Molecule.validate_basis`, which builds only the PySCF ``Mole`` (no integrals).

Examples:
    >>> m = load_molecule("LiH")
    >>> m.num_electrons, m.active_space, m.mapping
    (4, (2, 3), 'jordan-wigner')
    >>> Molecule.from_dict({"atoms": [["H", [0, 0, 0]]]}, source="h.json")
    Traceback (most recent call last):
    ...
    hybrid_workbench.errors.InstanceError: h.json: 1 electron(s) with spin 0: an odd electron count needs an odd 'spin' (2S, e.g. "spin": 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.instancefiles import read_json_file

__all__ = ["ELEMENTS", "MAPPINGS", "Molecule", "library_names", "load_molecule"]

ELEMENTS = ["H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn"]
MAPPINGS = ("jordan-wigner", "parity", "bravyi-kitaev")
LIBRARY = Path(__file__).parent / "molecules"
KEYS = {"name", "atoms", "basis", "charge", "spin", "active_space", "mapping", "description"}


def library_names() -> list[str]:
    """Names of the shipped molecules."""
    return sorted(p.stem for p in LIBRARY.glob("*.json"))


@dataclass(frozen=True)
class Molecule:
    """A molecule with its basis, charge, spin, active space and fermion-to-qubit mapping.

    Attributes:
        name: label.
        atoms: ``((symbol, (x, y, z)), ...)`` in Angstrom.
        basis: PySCF basis name.
        charge: total charge.
        spin: ``2S`` = number of alpha minus beta electrons.
        active_space: ``(electrons, orbitals)`` or None for the full space.
        active_orbitals: 0-based MO indices of the active space, or None (Fermi level).
        mapping: ``jordan-wigner``, ``parity`` (two-qubit reduced) or ``bravyi-kitaev``.
    """

    name: str
    atoms: tuple[tuple[str, tuple[float, float, float]], ...]
    basis: str = "sto-3g"
    charge: int = 0
    spin: int = 0
    active_space: tuple[int, int] | None = None
    active_orbitals: tuple[int, ...] | None = None
    mapping: str = "jordan-wigner"
    source: str = ""
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        where = self.source or self.name
        if not self.atoms:
            raise InstanceError(f"{where}: 'atoms' is empty; give [[symbol, [x, y, z]], ...]")
        for i, (symbol, _) in enumerate(self.atoms):
            if symbol not in ELEMENTS:
                close = [e for e in ELEMENTS if e.lower() == symbol.lower()]
                hint = f"; did you mean {close[0]!r}?" if close else " (symbols like 'H', 'Li', 'S')"
                raise InstanceError(f"{where}: atoms[{i}]: unknown element {symbol!r}{hint}")
        n = self.num_electrons
        if n < 1:
            raise InstanceError(f"{where}: charge {self.charge} leaves {n} electrons")
        if self.spin < 0 or self.spin > n or (n - self.spin) % 2:
            parity = "odd" if n % 2 else "even"
            raise InstanceError(
                f"{where}: {n} electron(s) with spin {self.spin}: an {parity} electron count "
                f"needs an {parity} 'spin' (2S, e.g. \"spin\": {n % 2})"
                if (n - self.spin) % 2 else
                f"{where}: spin {self.spin} is impossible with {n} electrons (0 <= 2S <= N)")
        if self.mapping not in MAPPINGS:
            raise InstanceError(f"{where}: unknown mapping {self.mapping!r}; use one of "
                                f"{', '.join(MAPPINGS)}")
        if self.active_space is not None:
            ne, no = self.active_space
            if ne < 1 or no < 1:
                raise InstanceError(f"{where}: active_space needs electrons >= 1 and orbitals >= 1")
            if ne > n:
                raise InstanceError(f"{where}: active space of {ne} electrons is larger than the "
                                    f"molecule's {n} electrons")
            if ne > 2 * no:
                raise InstanceError(f"{where}: {ne} active electrons do not fit in {no} orbitals "
                                    f"(at most {2 * no})")
            if (n - ne) % 2 or (ne - self.spin) % 2 or ne < self.spin:
                raise InstanceError(f"{where}: {ne} active electrons with spin {self.spin} in a "
                                    f"{n}-electron molecule: the core must be doubly occupied "
                                    "(N - active electrons even) and active electrons >= spin")
            if self.active_orbitals is not None and len(self.active_orbitals) != no:
                raise InstanceError(f"{where}: active_space.indices lists "
                                    f"{len(self.active_orbitals)} orbitals, 'orbitals' says {no}")

    # -- derived quantities (no PySCF) ------------------------------------------------------
    @property
    def num_electrons(self) -> int:
        return sum(ELEMENTS.index(s) + 1 for s, _ in self.atoms) - self.charge

    @property
    def active_electrons(self) -> tuple[int, int]:
        """(alpha, beta) electrons in the active space."""
        ne = self.active_space[0] if self.active_space else self.num_electrons
        return (ne + self.spin) // 2, (ne - self.spin) // 2

    def pyscf_atom(self) -> str:
        return "; ".join(f"{s} {x:.10f} {y:.10f} {z:.10f}" for s, (x, y, z) in self.atoms)

    def validate_basis(self) -> tuple[int, int]:
        """Check the active space against the basis; return ``(active orbitals, total orbitals)``.

        Builds only PySCF's ``Mole`` (basis functions, no integrals).
        """
        from hybrid_workbench._optional import require

        gto = require("pyscf.gto", extra="chem", purpose="the chemistry use case")
        where = self.source or self.name
        try:
            mol = gto.M(atom=self.pyscf_atom(), basis=self.basis, charge=self.charge,
                        spin=self.spin, unit="Angstrom", verbose=0)
        except (KeyError, RuntimeError, ValueError) as exc:
            raise InstanceError(f"{where}: PySCF cannot build this molecule with basis "
                                f"{self.basis!r}: {exc}") from None
        nao = int(mol.nao)
        if self.active_space is None:
            return nao, nao
        ne, no = self.active_space
        ncore = (self.num_electrons - ne) // 2
        if no + ncore > nao:
            raise InstanceError(
                f"{where}: active space of {no} orbitals (+ {ncore} core) is larger than the "
                f"molecule's {nao} orbitals in basis {self.basis!r}; use at most {nao - ncore}")
        if self.active_orbitals is not None:
            bad = [i for i in self.active_orbitals if not 0 <= i < nao]
            if bad or len(set(self.active_orbitals)) != no:
                raise InstanceError(f"{where}: active_space.indices must be {no} distinct MO "
                                    f"indices in 0..{nao - 1}, got {list(self.active_orbitals)}")
        return no, nao

    def num_qubits(self) -> int:
        """Qubits of the mapped Hamiltonian (two fewer with the reduced parity mapping)."""
        no, _ = self.validate_basis()
        return 2 * no - (2 if self.mapping == "parity" else 0)

    def with_geometry(self, atoms: Any, name: str | None = None) -> Molecule:
        """The same molecule (basis, active space...) at other coordinates."""
        return replace(self, atoms=_atoms(atoms, self.source or self.name),
                       name=name or self.name)

    def spec(self) -> dict[str, Any]:
        """The JSON form of this molecule (the file format)."""
        out: dict[str, Any] = {"name": self.name,
                               "atoms": [[s, list(xyz)] for s, xyz in self.atoms],
                               "basis": self.basis, "charge": self.charge, "spin": self.spin,
                               "mapping": self.mapping}
        if self.active_space is not None:
            out["active_space"] = {"electrons": self.active_space[0],
                                   "orbitals": self.active_space[1]}
            if self.active_orbitals is not None:
                out["active_space"]["indices"] = list(self.active_orbitals)
        return out

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "<dict>", name: str | None = None) -> Molecule:
        """Validate and build a molecule from the JSON structure; errors name the field."""
        if not isinstance(data, dict):
            raise InstanceFormatError(f"{source}: expected a JSON object with 'atoms'")
        unknown = sorted(set(data) - KEYS)
        if unknown:
            raise InstanceFormatError(f"{source}: unknown field(s) {unknown}; valid fields: "
                                      f"{', '.join(sorted(KEYS))}")
        if "atoms" not in data:
            raise InstanceFormatError(f"{source}: missing 'atoms', e.g. "
                                      '"atoms": [["H", [0, 0, 0]], ["H", [0, 0, 0.735]]]')
        ints = {}
        for key in ("charge", "spin"):
            value = data.get(key, 0)
            if not isinstance(value, int) or isinstance(value, bool):
                raise InstanceFormatError(f"{source}: '{key}' must be an integer, got {value!r}")
            ints[key] = value
        basis = data.get("basis", "sto-3g")
        if not isinstance(basis, str) or not basis:
            raise InstanceFormatError(f"{source}: 'basis' must be a basis name like 'sto-3g'")
        active, indices = _active_space(data.get("active_space"), source)
        mapping = data.get("mapping", "jordan-wigner")
        if not isinstance(mapping, str):
            raise InstanceFormatError(f"{source}: 'mapping' must be one of {', '.join(MAPPINGS)}")
        return cls(name=str(data.get("name", name or Path(source).stem)),
                   atoms=_atoms(data["atoms"], source), basis=basis, charge=ints["charge"],
                   spin=ints["spin"], active_space=active, active_orbitals=indices,
                   mapping=mapping.lower(), source=source,
                   description=str(data.get("description", "")))


def _atoms(atoms: Any, source: str) -> tuple[tuple[str, tuple[float, float, float]], ...]:
    if not isinstance(atoms, (list, tuple)):
        raise InstanceFormatError(f"{source}: 'atoms' must be a list of [symbol, [x, y, z]]")
    out = []
    for i, atom in enumerate(atoms):
        ok = (isinstance(atom, (list, tuple)) and len(atom) == 2 and isinstance(atom[0], str)
              and isinstance(atom[1], (list, tuple)) and len(atom[1]) == 3
              and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in atom[1]))
        if not ok:
            raise InstanceFormatError(f"{source}: atoms[{i}] must be [symbol, [x, y, z]] with "
                                      f"coordinates in Angstrom, got {atom!r}")
        out.append((atom[0], tuple(float(c) for c in atom[1])))
    return tuple(out)  # type: ignore[return-value]


def _active_space(spec: Any, source: str) -> tuple[tuple[int, int] | None, tuple[int, ...] | None]:
    if spec is None:
        return None, None
    if not isinstance(spec, dict) or not {"electrons", "orbitals"} <= set(spec) \
            or not set(spec) <= {"electrons", "orbitals", "indices"}:
        raise InstanceFormatError(f"{source}: 'active_space' must be "
                                  '{"electrons": int, "orbitals": int} (optionally "indices")')
    ne, no = spec["electrons"], spec["orbitals"]
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (ne, no)):
        raise InstanceFormatError(f"{source}: active_space electrons/orbitals must be integers")
    indices = spec.get("indices")
    if indices is not None:
        if not isinstance(indices, list) or not all(isinstance(i, int) for i in indices):
            raise InstanceFormatError(f"{source}: active_space.indices must be a list of integers")
        indices = tuple(sorted(indices))
    return (ne, no), indices


def load_molecule(source: str | Path) -> Molecule:
    """A molecule from a JSON file, or a shipped one by name (``H2``, ``LiH``...)."""
    path = Path(source)
    if not path.exists():
        by_name = {n.lower(): n for n in library_names()}
        key = str(source).lower().removesuffix(".json")
        if key in by_name:
            path = LIBRARY / f"{by_name[key]}.json"
        else:
            raise InstanceError(f"molecule file not found: {source}; shipped molecules: "
                                f"{', '.join(library_names())}")
    data = read_json_file(path)
    try:
        return Molecule.from_dict(data, source=str(path), name=path.stem)
    except InstanceFormatError:
        raise
    except InstanceError as exc:  # the file's content: one class for every content mistake
        raise InstanceFormatError(str(exc)) from None
