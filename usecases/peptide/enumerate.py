"""Exhaustive self-avoiding-walk enumeration: the certified optimum of short HP chains.

No library enumerates HP folds, so this is written here: a depth-first search over
self-avoiding walks with the lattice symmetries removed and a branch-and-bound cut.

* **Symmetry.** Residue 0 sits at the origin and residue 1 at ``+x`` (translations and
  rotations); the first step that leaves the x axis goes ``+y`` (reflection), and on the
  cubic lattice the first step that leaves the xy plane goes ``+z``. Every fold is
  equivalent to exactly one walk of that canonical form.
* **Bound.** A contact is counted when its later residue ``j`` is placed. At that moment
  ``j`` can gain at most ``z - 2`` new contacts (``z - 1`` for the last residue; ``z`` is
  the coordination number), and only with earlier H residues of the opposite parity at
  index ``<= j - 3``. Summing that over the residues still to place bounds what a partial
  walk can still earn; branches that cannot beat the best fold found are cut. With
  ``strict=True`` (the default) ties are cut as well, so the search proves the optimum
  energy; with ``count_optimal=True`` ties are kept and the optimal folds are counted
  (up to symmetry).

Examples:
    >>> from hybrid_workbench.usecases.peptide.lattice import parse_instance
    >>> res = enumerate_folds(parse_instance({"sequence": "HPPHHPHH"}))
    >>> res.energy, len(res.fold)
    (-3, 8)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hybrid_workbench.errors import InstanceError
from hybrid_workbench.usecases.peptide.lattice import PeptideInstance, Site, check_fold

__all__ = ["EnumerationResult", "enumerate_folds", "MAX_ENUMERATION_LENGTH"]

#: refuse longer chains: the number of walks grows like 2.64**n (square), 4.68**n (cubic)
MAX_ENUMERATION_LENGTH = {"square": 30, "cubic": 20}


@dataclass(frozen=True)
class EnumerationResult:
    """Best fold of an exhaustive search.

    Attributes:
        energy: certified optimum energy (-contacts).
        fold: one optimal fold (sites of residues 0..n-1).
        nodes: partial walks visited.
        num_optimal: number of optimal canonical folds (only with ``count_optimal``).
        wall_s: search time.
    """

    energy: int
    fold: tuple[Site, ...]
    nodes: int
    num_optimal: int | None
    wall_s: float


def enumerate_folds(instance: PeptideInstance, *, count_optimal: bool = False,
                    max_length: int | None = None) -> EnumerationResult:
    """Certified lowest-energy fold of ``instance`` by exhaustive (pruned) enumeration.

    Args:
        instance: the HP chain.
        count_optimal: also count the optimal canonical folds (slower: ties not pruned).
        max_length: refuse longer chains (default :data:`MAX_ENUMERATION_LENGTH`).
    """
    n, dim = instance.length, instance.dim
    limit = max_length if max_length is not None else MAX_ENUMERATION_LENGTH[instance.lattice]
    if n > limit:
        raise InstanceError(f"exhaustive enumeration is limited to {limit} residues on the "
                            f"{instance.lattice} lattice (got {n}); use a QUBO backend instead")
    start = time.perf_counter()
    z = 2 * dim
    seq = instance.sequence
    is_h = [c == "H" for c in seq]
    # sites as integers: x + y*S + z*S*S with an offset, so that steps are integer offsets
    side = 2 * n + 3
    off = n + 1
    strides = [side ** a for a in range(dim)]
    steps = [s * st for st in strides for s in (1, -1)]  # +x, -x, +y, -y, +z, -z
    origin = sum(off * st for st in strides)
    # most contacts residue j can still gain when placed (see module docstring)
    gain = [0] * n
    for j in range(n):
        if is_h[j]:
            partners = sum(1 for i in range(j - 2) if is_h[i] and (j - i) % 2)
            gain[j] = min(partners, z - 1 if j == n - 1 else z - 2)
    rest = [0] * (n + 1)
    for j in range(n - 1, -1, -1):
        rest[j] = rest[j + 1] + gain[j]

    occupied: dict[int, int] = {origin: 0}
    path = [origin]
    best = [-1, None, 0]  # best contacts, best path, number of optimal folds
    nodes = 0

    def place(k: int, contacts: int, phase: int) -> None:
        nonlocal nodes
        nodes += 1
        if k == n:
            if contacts > best[0]:
                best[0], best[1], best[2] = contacts, list(path), 1
            elif contacts == best[0]:
                best[2] += 1
            return
        bound = contacts + rest[k]
        if bound < best[0] or (bound == best[0] and not count_optimal):
            return
        here = path[-1]
        for idx, step in enumerate(steps):
            # canonical form: phase 0 = on the x axis, 1 = in the xy plane, 2 = free
            if phase == 0 and idx not in (0, 2):
                continue
            if phase == 1 and idx == 5:
                continue
            site = here + step
            if site in occupied:
                continue
            gained = 0
            if is_h[k]:
                for s in steps:
                    i = occupied.get(site + s, -1)
                    if i >= 0 and i < k - 1 and is_h[i]:
                        gained += 1
            new_phase = phase
            if phase == 0 and idx == 2:
                new_phase = 1 if dim == 3 else 2
            elif phase == 1 and idx == 4:
                new_phase = 2
            occupied[site] = k
            path.append(site)
            place(k + 1, contacts + gained, new_phase)
            path.pop()
            del occupied[site]

    occupied[origin + steps[0]] = 1
    path.append(origin + steps[0])
    place(2, 0, 0) if n > 2 else place(n, 0, 0)

    def decode(code: int) -> Site:
        return tuple((code // st) % side - off for st in strides)

    fold = tuple(decode(c) for c in best[1][:n])  # type: ignore[index]
    check = check_fold(instance, fold)
    assert check.valid and check.energy == -best[0], "enumeration produced an invalid fold"
    return EnumerationResult(energy=-int(best[0]), fold=fold, nodes=nodes,
                             num_optimal=int(best[2]) if count_optimal else None,
                             wall_s=time.perf_counter() - start)
