"""The grid-placement QUBO of an HP chain (the lattice-placement form used on annealers).

One binary variable ``x[i, p]`` says "residue ``i`` sits on site ``p``". Residue 0 is
fixed at the origin and residue 1 at ``+x`` (translations and rotations removed), residue
2 may only go straight on or turn ``+y`` (a reflection removed), and residue ``i`` may only
use sites it can reach from its predecessor's candidates, of parity ``i mod 2`` (the
lattice is bipartite). That keeps the model small: 18 variables for 5 residues, 64 for 7,
about ``n**3 / 3`` on the square lattice. The energy is::

    F(x) = - sum_{H-H pairs i, j >= i + 3, (i, j) odd} sum_{p ~ q} x[i, p] x[j, q]
           + A sum_i (1 - sum_p x[i, p])**2                (each residue on one site)
           + B sum_p sum_{i < j} x[i, p] x[j, p]            (self-avoidance)
           + C sum_i sum_{p !~ q} x[i, p] x[i + 1, q]       (chain connectivity)

so a valid fold has ``F = E_HP = -(number of H-H contacts)``.

**Penalty weights that make the feasible optimum win.** Let ``D`` be the largest number
of contact terms any one variable takes part in, and ``U`` an upper bound on the contacts
of any placement with no residue twice, no shared site and no broken bond (residue ``i``
has at most ``min(z, #partners(i))`` contacts, and each contact joins an even and an odd
residue, so ``U = min`` of the two parity sums). Take ``A = max(U, D) + 1`` and
``B = C = A + D + 1``. Let ``x`` minimise ``F`` and suppose it is not a fold:

* a residue on ``k >= 2`` sites: dropping one lowers the one-hot term by
  ``A (2k - 3) >= A``, can only lower the other penalties, and loses at most ``D``
  contacts, so ``F`` drops by at least ``A - D > 0``: impossible;
* two residues on one site, or a broken bond: dropping one of the two placements costs at
  most ``A`` (one-hot) plus ``D`` (contacts) and saves at least ``B`` (or ``C``)
  ``> A + D``: impossible;
* hence some residues are missing and the rest form valid chain pieces: ``F >= -U + A > 0``,
  while the straight chain is a fold with ``F = 0``: not a minimum either.

So every minimum of ``F`` is a valid fold, and its energy is the HP optimum (also checked
against exhaustive enumeration in the tests). ``penalty_scale < 1`` gives up the proof.

Examples:
    >>> from hybrid_workbench.usecases.peptide.lattice import parse_instance
    >>> enc = build_grid_qubo(parse_instance({"sequence": "HPPHH"}))
    >>> enc.bqm.num_variables, enc.weights
    (18, {'one_hot': 2.0, 'overlap': 4.0, 'chain': 4.0})
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import dimod

from hybrid_workbench.errors import InstanceError
from hybrid_workbench.usecases.peptide.lattice import PeptideInstance, Site, unit_vectors

__all__ = ["GridEncoding", "candidate_sites", "build_grid_qubo", "build_grid_cqm", "variable_label"]

#: refuse models beyond this many variables (the quadratic terms grow like n**5)
MAX_VARIABLES = 6000


def variable_label(i: int, site: Site) -> str:
    """``'r3@1,-2'``: residue 3 on site (1, -2)."""
    return f"r{i}@" + ",".join(str(v) for v in site)


def _add(a: Site, b: Site) -> Site:
    return tuple(x + y for x, y in zip(a, b))


def candidate_sites(instance: PeptideInstance) -> tuple[dict[int, Site], list[list[Site]]]:
    """Fixed residues and, for each residue, the sites it may use (sorted).

    Examples:
        >>> from hybrid_workbench.usecases.peptide.lattice import parse_instance
        >>> fixed, cand = candidate_sites(parse_instance({"sequence": "HPPH"}))
        >>> fixed, cand[2], len(cand[3])
        ({0: (0, 0), 1: (1, 0)}, [(1, 1), (2, 0)], 5)
    """
    dim, n = instance.dim, instance.length
    origin = (0,) * dim
    step = unit_vectors(dim)
    fixed = {0: origin, 1: step[0]}
    cand: list[list[Site]] = [[origin], [step[0]]]
    if n > 2:
        cand.append(sorted([_add(step[0], step[0]), _add(step[0], step[2])]))
    for _ in range(3, n):
        nxt = {_add(p, s) for p in cand[-1] for s in step}
        nxt -= set(fixed.values())
        cand.append(sorted(nxt))
    return fixed, cand[:n]


@dataclass(frozen=True)
class GridEncoding:
    """The grid-placement BQM and what is needed to read its samples.

    Attributes:
        bqm: BINARY model; a valid fold's energy is its HP energy.
        fixed: residues pinned by symmetry (index -> site).
        candidates: sites each residue may use.
        weights: penalty weights ``one_hot`` (A), ``overlap`` (B), ``chain`` (C).
        max_contact_degree: ``D`` of the module docstring.
        contact_bound: ``U`` of the module docstring.
    """

    bqm: dimod.BinaryQuadraticModel
    fixed: Mapping[int, Site]
    candidates: tuple[tuple[Site, ...], ...]
    weights: Mapping[str, float]
    max_contact_degree: int
    contact_bound: int

    def decode(self, sample: Mapping[Hashable, Any]) -> dict[str, Any]:
        """Sites per residue (None where a residue is on 0 or several sites) and why.

        Nothing is repaired: a residue on several sites is reported, not moved.
        """
        coords: list[list[int] | None] = []
        problems: list[str] = []
        for i, sites in enumerate(self.candidates):
            if i in self.fixed:
                coords.append(list(self.fixed[i]))
                continue
            on = [p for p in sites if sample.get(variable_label(i, p), 0) > 0]
            if len(on) == 1:
                coords.append(list(on[0]))
            else:
                coords.append(None)
                problems.append(f"residue {i} is on {len(on)} sites" +
                                (f": {[list(p) for p in on]}" if on else ""))
        return {"coords": coords, "decode_problems": problems}

    def info(self) -> dict[str, Any]:
        return {"encoding": "grid placement (one-hot residue-on-site), parity-split, "
                            "residues 0-1 fixed, reflection removed at residue 2",
                "num_variables": self.bqm.num_variables,
                "num_interactions": self.bqm.num_interactions,
                "auxiliary_variables": 0,
                "penalty_weights": dict(self.weights),
                "max_contact_degree": self.max_contact_degree,
                "contact_bound": self.contact_bound,
                "candidate_sites": [len(c) for c in self.candidates]}


def build_grid_qubo(instance: PeptideInstance, penalty_scale: float = 1.0) -> GridEncoding:
    """Build the grid-placement QUBO with the automatic penalty weights (module docstring)."""
    if not penalty_scale > 0:
        raise InstanceError(f"penalty_scale must be > 0, got {penalty_scale}")
    fixed, cand = candidate_sites(instance)
    n, step = instance.length, unit_vectors(instance.dim)
    free = [i for i in range(n) if i not in fixed]
    num_vars = sum(len(cand[i]) for i in free)
    if num_vars > MAX_VARIABLES:
        raise InstanceError(f"the grid QUBO of a {n}-residue chain has {num_vars} variables "
                            f"(limit {MAX_VARIABLES}); use a shorter chain")
    contact: dict[tuple[str, str], float] = defaultdict(float)
    contact_lin: dict[str, float] = defaultdict(float)
    degree: dict[str, int] = defaultdict(int)
    partners: dict[int, int] = defaultdict(int)
    for i, j in instance.contact_pairs():
        partners[i] += 1
        partners[j] += 1
        cj = set(cand[j])
        for p in cand[i]:
            for s in step:
                q = _add(p, s)
                if q not in cj:
                    continue
                vj = variable_label(j, q)
                degree[vj] += 1
                if i in fixed:
                    contact_lin[vj] -= 1.0
                else:
                    vi = variable_label(i, p)
                    degree[vi] += 1
                    contact[(vi, vj)] -= 1.0
    z = instance.coordination
    caps = {i: min(z, k) for i, k in partners.items()}
    bound = min(sum(c for i, c in caps.items() if i % 2 == 0),
                sum(c for i, c in caps.items() if i % 2 == 1)) if caps else 0
    d = max(degree.values(), default=0)
    a = float(max(bound, d) + 1) * penalty_scale
    b = c = float(max(bound, d) + d + 2) * penalty_scale
    bqm = dimod.BinaryQuadraticModel("BINARY")
    for i in free:
        labels = [variable_label(i, p) for p in cand[i]]
        bqm.add_variables_from((v, -a) for v in labels)  # A (1 - sum x)^2 = A - A sum x + 2A sum_{p<q}
        bqm.offset += a
        bqm.add_interactions_from((u, v, 2 * a) for k, u in enumerate(labels)
                                  for v in labels[k + 1:])
    by_site: dict[Site, list[str]] = defaultdict(list)
    for i in free:
        for p in cand[i]:
            by_site[p].append(variable_label(i, p))
    for labels in by_site.values():
        bqm.add_interactions_from((u, v, b) for k, u in enumerate(labels) for v in labels[k + 1:])
    for i in range(n - 1):
        if i in fixed and i + 1 in fixed:
            continue
        if i in fixed:  # residue 2's candidates all neighbour residue 1's fixed site
            continue
        nxt = set(cand[i + 1])
        for p in cand[i]:
            near = {_add(p, s) for s in step}
            bqm.add_interactions_from((variable_label(i, p), variable_label(i + 1, q), c)
                                      for q in nxt if q not in near)
    bqm.add_linear_from(contact_lin)
    bqm.add_quadratic_from(contact)
    return GridEncoding(bqm=bqm, fixed=fixed, candidates=tuple(tuple(c) for c in cand),
                        weights={"one_hot": a, "overlap": b, "chain": c},
                        max_contact_degree=d, contact_bound=bound)


def build_grid_cqm(instance: PeptideInstance) -> tuple[dimod.ConstrainedQuadraticModel,
                                                       GridEncoding]:
    """The same placement variables with the rules as exact constraints (for CP-SAT/MIP).

    Objective: ``-(contacts)``; constraints: each free residue on exactly one site, each
    site holding at most one residue, and ``x[i, p] <= sum_{q ~ p} x[i + 1, q]`` (a residue's
    successor is on a neighbouring site). Linear constraints let an exact solver prove
    optimality far sooner than on the penalised QUBO. Returns the CQM and the QUBO's
    :class:`GridEncoding` (same labels, same decoder).
    """
    enc = build_grid_qubo(instance)
    fixed, cand = enc.fixed, enc.candidates
    step = unit_vectors(instance.dim)
    obj = dimod.BinaryQuadraticModel("BINARY")
    obj.add_variables_from((v, 0.0) for v in enc.bqm.variables)
    for i, j in instance.contact_pairs():
        cj = set(cand[j])
        for p in cand[i]:
            for s in step:
                q = _add(p, s)
                if q in cj:
                    if i in fixed:
                        obj.add_linear(variable_label(j, q), -1.0)
                    else:
                        obj.add_quadratic(variable_label(i, p), variable_label(j, q), -1.0)
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(obj)
    free = [i for i in range(instance.length) if i not in fixed]
    by_site: dict[Site, list[str]] = defaultdict(list)
    for i in free:
        labels = [variable_label(i, p) for p in cand[i]]
        cqm.add_discrete(labels, label=f"one_site_{i}")
        for p in cand[i]:
            by_site[p].append(variable_label(i, p))
    for p, labels in by_site.items():
        if len(labels) > 1:
            cqm.add_constraint_from_iterable([(v, 1) for v in labels], "<=", 1,
                                             label="site_" + ",".join(map(str, p)))
    for i in free[:-1]:
        nxt = set(cand[i + 1])
        for p in cand[i]:
            near = [variable_label(i + 1, q) for q in (_add(p, s) for s in step) if q in nxt]
            cqm.add_constraint_from_iterable([(variable_label(i, p), 1)] +
                                             [(v, -1) for v in near], "<=", 0,
                                             label=f"bond_{variable_label(i, p)}")
    return cqm, enc
