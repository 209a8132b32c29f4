"""Repair of a broken fold read from an annealer's sample: the nearest valid walk.

An annealer on the grid-placement QUBO (:mod:`.qubo`) often stops in a local minimum that
is not a fold: a residue on no site (dropping one residue costs the one-hot weight ``A``,
while putting it back needs a free site next to both of its neighbours), two residues on
one site, or a broken bond. Leaving those answers infeasible throws away a nearly folded
chain; :func:`repair_fold` rebuilds the closest self-avoiding walk instead.

The walk is grown residue by residue from the fixed start (residues 0 and 1) by
depth-first search over free lattice neighbours. At each residue the candidates are tried
in this order: a site the sample puts the residue on; then the site closest (Manhattan) to
where the sample puts it (or, when the sample gives it no site, to where it puts the next
residue); then a site the sample gives no later residue; then the most new H-H contacts; then the most free neighbours (fewer dead ends).
Backtracking makes the search complete: a self-avoiding walk of any length exists (the
straight chain), so a valid fold always comes back. Residues the sample already placed
validly keep their sites, so a valid fold is returned unchanged.

The use case reports every repair (``repaired: true`` with the raw sample's violations and
the residues moved), so a table can tell an annealer's own folds from repaired ones.

Examples:
    >>> from hybrid_workbench.usecases.peptide.lattice import check_fold, parse_instance
    >>> inst = parse_instance({"sequence": "HPPHPH"})
    >>> placed = [[(0, 0)], [(1, 0)], [(1, 1)], [], [(0, 2)], [(0, 1)]]   # residue 3 missing
    >>> fold, report = repair_fold(inst, placed)
    >>> check_fold(inst, fold).valid, report["moved"]
    (True, [3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hybrid_workbench.usecases.peptide.lattice import PeptideInstance, Site, unit_vectors

__all__ = ["repair_fold", "MAX_NODES"]

#: search nodes before giving up on the sample's guidance (then: the straight chain)
MAX_NODES = 200_000


def _add(a: Site, b: Site) -> Site:
    return tuple(x + y for x, y in zip(a, b))


def _dist(a: Site, b: Site) -> int:
    return sum(abs(x - y) for x, y in zip(a, b))


def repair_fold(instance: PeptideInstance, placed: Sequence[Sequence[Site]],
                max_nodes: int = MAX_NODES) -> tuple[list[Site], dict[str, Any]]:
    """The valid fold closest to a sample's placements, and what was changed.

    Args:
        instance: the chain.
        placed: for each residue, the sites the sample puts it on (empty: none; several:
            a one-hot violation). Residues 0 and 1 are taken as placed (origin, ``+x``).
        max_nodes: search nodes before falling back to the straight chain.

    Returns:
        ``(fold, report)``: one site per residue forming a self-avoiding walk, and
        ``{"moved": residues whose site differs from their single placement (or that had
        none or several), "nodes": search nodes, "fallback": True if the straight chain was
        returned}``.
    """
    n, steps = instance.length, unit_vectors(instance.dim)
    seq = instance.sequence
    want = [[tuple(int(v) for v in p) for p in sites] for sites in placed]
    want += [[] for _ in range(n - len(want))]
    start = [(0,) * instance.dim, steps[0]][:n]
    claims: dict[Site, list[int]] = {}
    for i, sites in zip(range(n), want):
        for p in sites:
            claims.setdefault(p, []).append(i)

    def guide(i: int) -> list[Site]:
        if want[i]:
            return want[i]
        return want[i + 1] if i + 1 < n else []

    def order(i: int, prev: Site, used: dict[Site, int]) -> list[Site]:
        options = []
        targets = guide(i)
        for s in steps:
            q = _add(prev, s)
            if q in used:
                continue
            exact = 0 if q in want[i] else 1
            dist = min((_dist(q, t) for t in targets), default=0)
            taken = 1 if any(j > i for j in claims.get(q, ())) else 0
            gain = 0
            if seq[i] == "H":
                gain = sum(1 for s2 in steps if (j := used.get(_add(q, s2))) is not None
                           and j < i - 1 and seq[j] == "H")
            free = sum(1 for s2 in steps if _add(q, s2) not in used)
            options.append(((exact, dist, taken, -gain, -free), q))
        options.sort()
        return [q for _, q in options]

    fold: list[Site] = list(start)
    used: dict[Site, int] = {p: i for i, p in enumerate(fold)}
    stack: list[list[Site]] = []
    nodes, fallback = 0, False
    if len(fold) < n:
        stack.append(order(len(fold), fold[-1], used))
    while len(fold) < n:
        if nodes >= max_nodes:
            fallback = True
            break
        if not stack:                       # cannot happen: the straight chain exists
            fallback = True
            break
        options = stack[-1]
        if not options:                     # dead end: step back
            stack.pop()
            if len(fold) <= len(start):
                fallback = True
                break
            del used[fold.pop()]
            continue
        q = options.pop(0)
        nodes += 1
        used[q] = len(fold)
        fold.append(q)
        if len(fold) < n:
            stack.append(order(len(fold), q, used))
    if fallback:
        fold = [tuple(i if a == 0 else 0 for a in range(instance.dim)) for i in range(n)]
    moved = [i for i in range(len(start), n) if len(want[i]) != 1 or want[i][0] != fold[i]]
    return fold, {"moved": moved, "nodes": nodes, "fallback": fallback}
