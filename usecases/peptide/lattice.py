"""HP lattice proteins: the instance, its file format, and the fold check.

The HP model (Dill, 1985) reduces a protein to a chain of hydrophobic (``H``) and polar
(``P``) residues placed on the sites of a lattice, one residue per site, consecutive
residues on neighbouring sites (a self-avoiding walk). The energy of a fold is minus the
number of *topological contacts*: pairs of H residues that sit on neighbouring sites
without being neighbours in the chain.

Instance file (JSON)::

    {"sequence": "HPHPPHHPHH", "lattice": "square", "name": "optional"}

``lattice`` is ``square`` (2D, coordination 4) or ``cubic`` (3D, coordination 6); it
defaults to ``square``. A plain-text file holding just the sequence, or the sequence
itself given in place of a file name, also loads (the lattice then comes from the
``lattice`` parameter).

Both lattices are bipartite: residue ``i`` always sits on a site of parity ``i mod 2``,
so H-H contacts only join residues whose indices differ by an odd number >= 3.

Examples:
    >>> inst = parse_instance({"sequence": "HPPHHPHH", "lattice": "square"})
    >>> inst.length, inst.dim, inst.hydrophobic
    (8, 2, (0, 3, 4, 6, 7))
    >>> fold = [(0, 0), (1, 0), (1, 1), (0, 1)]
    >>> check_fold(parse_instance({"sequence": "HPPH"}), fold).energy
    -1
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hybrid_workbench.instancefiles import parse_json_text, read_text_file
from hybrid_workbench.errors import InstanceError, InstanceFormatError

__all__ = ["LATTICES", "PeptideInstance", "FoldCheck", "parse_instance", "load_instance",
           "generate_instance", "unit_vectors", "check_fold", "hh_contacts"]

#: lattice name -> dimension
LATTICES: dict[str, int] = {"square": 2, "cubic": 3}
SEQUENCE = re.compile(r"^[HP]+$")
Site = tuple[int, ...]


def unit_vectors(dim: int) -> list[Site]:
    """The ``2 * dim`` lattice steps, ``+x`` first.

    Examples:
        >>> unit_vectors(2)
        [(1, 0), (-1, 0), (0, 1), (0, -1)]
    """
    out: list[Site] = []
    for axis in range(dim):
        for sign in (1, -1):
            out.append(tuple(sign if a == axis else 0 for a in range(dim)))
    return out


@dataclass(frozen=True)
class PeptideInstance:
    """An HP sequence on a lattice.

    Attributes:
        sequence: string over ``H``/``P`` (length >= 2).
        lattice: ``square`` or ``cubic``.
        name: instance name.
        source: where it came from.
    """

    sequence: str
    lattice: str = "square"
    name: str = "peptide"
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def length(self) -> int:
        return len(self.sequence)

    @property
    def dim(self) -> int:
        return LATTICES[self.lattice]

    @property
    def coordination(self) -> int:
        return 2 * self.dim

    @property
    def hydrophobic(self) -> tuple[int, ...]:
        return tuple(i for i, c in enumerate(self.sequence) if c == "H")

    def contact_pairs(self) -> list[tuple[int, int]]:
        """H-H pairs that can ever be in contact: ``j - i`` odd and >= 3."""
        hs = self.hydrophobic
        return [(i, j) for a, i in enumerate(hs) for j in hs[a + 1:] if j - i >= 3 and (j - i) % 2]

    def to_json_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sequence": self.sequence, "lattice": self.lattice}


def parse_instance(data: Any, source: str = "<data>", **params: Any) -> PeptideInstance:
    """Validate a JSON object (or a bare sequence string) into a :class:`PeptideInstance`.

    ``params`` (``lattice``, ``name``) fill in or override the file's fields.
    """
    unknown = set(params) - {"lattice", "name"}
    if unknown:
        raise InstanceError(f"{source}: unknown peptide parameter(s) {sorted(unknown)}; "
                            "accepted: lattice (square|cubic), name")
    if isinstance(data, str):
        data = {"sequence": data}
    if not isinstance(data, Mapping):
        raise InstanceFormatError(f"{source}: expected a JSON object such as "
                                  '{"sequence": "HPHPPHHPHH", "lattice": "square"}')
    extra = set(data) - {"sequence", "lattice", "name", "comment", "best_known"}
    if extra:
        raise InstanceFormatError(f"{source}: unknown field(s) {sorted(extra)}; accepted: "
                                  "sequence, lattice, name, comment, best_known")
    seq = data.get("sequence")
    if not isinstance(seq, str):
        raise InstanceFormatError(f"{source}: field 'sequence' must be a string of H and P, "
                                  f"e.g. \"HPPHHPHH\"; got {seq!r}")
    seq = seq.strip().upper()
    if not SEQUENCE.match(seq):
        bad = sorted({c for c in seq if c not in "HP"})
        raise InstanceFormatError(f"{source}: field 'sequence' may only contain H and P; found "
                                  f"{''.join(bad) or 'nothing'!r} in {seq!r}")
    if len(seq) < 2:
        raise InstanceFormatError(f"{source}: field 'sequence' needs at least 2 residues, "
                                  f"got {len(seq)}")
    lattice = params.get("lattice", data.get("lattice", "square"))
    if lattice not in LATTICES:
        raise InstanceFormatError(f"{source}: field 'lattice' must be one of "
                                  f"{', '.join(LATTICES)}; got {lattice!r}")
    best = data.get("best_known")
    if best is not None and (not isinstance(best, (int, float)) or isinstance(best, bool)):
        raise InstanceFormatError(f"{source}: field 'best_known' must be a number, got {best!r}")
    name = str(params.get("name", data.get("name", f"{seq}-{lattice}")))
    return PeptideInstance(sequence=seq, lattice=str(lattice), name=name, source=source,
                           meta={"best_known": best} if best is not None else {})


def load_instance(source: str | Path, **params: Any) -> PeptideInstance:
    """Load a JSON instance file, a text file with the sequence, or a bare sequence."""
    path = Path(source)
    if not path.exists():
        if SEQUENCE.match(str(source).upper()):
            return parse_instance({"sequence": str(source)}, source="<sequence>", **params)
        raise InstanceError(f"instance file not found: {source} (give a JSON file like "
                            '{"sequence": "HPPHHPHH", "lattice": "square"} or the sequence itself)')
    text = read_text_file(path)
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        data = parse_json_text(text, path)
        inst = parse_instance(data, source=str(path), **params)
        if "name" not in params and not isinstance(data.get("name"), str):
            inst = PeptideInstance(inst.sequence, inst.lattice, path.stem, str(path), inst.meta)
        return inst
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if len(lines) != 1:
        raise InstanceFormatError(f"{path}: a text instance holds one line with the sequence, "
                                  f"found {len(lines)} non-comment lines")
    return parse_instance({"sequence": lines[0], "name": path.stem}, source=str(path), **params)


def generate_instance(seed: int = 0, length: int = 8, lattice: str = "square",
                      p_h: float = 0.5) -> PeptideInstance:
    """A random HP sequence (each residue H with probability ``p_h``), from a seed."""
    if isinstance(length, bool) or not isinstance(length, int) or length < 2:
        raise InstanceError(f"peptide generator: length must be an integer >= 2, got {length!r}")
    if isinstance(p_h, bool) or not isinstance(p_h, (int, float)) or not 0.0 <= p_h <= 1.0:
        raise InstanceError(f"peptide generator: p_h must be a probability in [0, 1], "
                            f"got {p_h!r}")
    rng = np.random.default_rng(seed)
    seq = "".join("H" if u < p_h else "P" for u in rng.random(length))
    return parse_instance({"sequence": seq, "lattice": lattice,
                           "name": f"random-{lattice}-n{length}-s{seed}"},
                          source=f"generate(seed={seed}, length={length})")


@dataclass(frozen=True)
class FoldCheck:
    """Validity and energy of a fold (``energy`` is None when the fold is invalid)."""

    valid: bool
    violations: tuple[str, ...]
    contacts: tuple[tuple[int, int], ...]
    energy: int | None


def hh_contacts(sequence: str, coords: Sequence[Sequence[int] | None]) -> list[tuple[int, int]]:
    """Non-bonded H-H pairs on neighbouring sites (missing residues are skipped)."""
    where = {tuple(c): i for i, c in enumerate(coords) if c is not None}
    out = []
    for i, c in enumerate(coords):
        if c is None or sequence[i] != "H":
            continue
        for d in range(len(c)):
            for s in (1, -1):
                nb = tuple(c[a] + (s if a == d else 0) for a in range(len(c)))
                j = where.get(nb)
                if j is not None and j > i + 1 and sequence[j] == "H":
                    out.append((i, j))
    return sorted(out)


def check_fold(instance: PeptideInstance, coords: Sequence[Sequence[int] | None]) -> FoldCheck:
    """Check a fold (one lattice site per residue) and score it; no repair is attempted.

    A fold is valid when every residue has a site of the lattice's dimension, consecutive
    residues are neighbours (unit distance) and no site holds two residues.
    """
    problems: list[str] = []
    if len(coords) != instance.length:
        problems.append(f"fold has {len(coords)} sites for {instance.length} residues")
    for i, c in enumerate(coords):
        if c is None:
            problems.append(f"residue {i} has no site")
        elif len(c) != instance.dim or not all(isinstance(v, (int, np.integer)) for v in c):
            problems.append(f"residue {i}: {list(c)} is not a {instance.dim}D integer site")
    if problems:
        return FoldCheck(False, tuple(problems), (), None)
    pts = [tuple(int(v) for v in c) for c in coords]  # type: ignore[union-attr]
    for i in range(len(pts) - 1):
        if sum(abs(a - b) for a, b in zip(pts[i], pts[i + 1])) != 1:
            problems.append(f"chain broken between residues {i} and {i + 1}")
    seen: dict[Site, int] = {}
    for i, p in enumerate(pts):
        if p in seen:
            problems.append(f"residues {seen[p]} and {i} share site {list(p)}")
        else:
            seen[p] = i
    contacts = tuple(hh_contacts(instance.sequence, pts))
    if problems:
        return FoldCheck(False, tuple(problems), contacts, None)
    return FoldCheck(True, (), contacts, -len(contacts))
