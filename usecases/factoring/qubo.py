"""Factoring as optimisation: ``(N - p q)**2`` over binary-encoded odd ``p``, ``q``, as a BQM.

Odd factors are written ``p = 1 + Σ_{i=1}^{P-1} 2**i x_i`` and ``q = 1 + Σ_{j=1}^{Q-1}
2**j y_j`` with ``P`` the bit length of ``isqrt(N)`` and ``Q`` that of ``N // 3``: the
smaller factor is at most ``sqrt(N)`` and the larger at most ``N / 3``, so every
factorisation ``N = p q`` with ``p <= q`` is representable, while ``p = 1`` cannot reach
``q = N`` (``2**Q - 1 < N``). The cost ``(N - p q)**2`` is zero exactly at factorisations.

Expanded, the cost has terms up to degree four (``x_i x_k y_j y_l``; ``x**2 = x`` reduces the
rest). It is reduced to a BQM as :func:`dimod.make_quadratic` does, by introducing one
auxiliary binary ``z = u v`` (labelled ``'u*v'``, e.g. ``'p1*p2'``) per product pair it
needs, the most frequent pair first, each enforced
by a penalty of weight ``strength`` (Rosenberg's reduction ``x y - 2 z (x + y) + 3 z``, at
least 1 whenever ``z != x y``). The default strength is the sum of the absolute values of
the polynomial's non-constant coefficients: a wrong auxiliary then always costs more than
it can save, so for every ``p, q`` the BQM's minimum over auxiliaries equals the cost (the
tests check this by enumeration) and its ground states are the factorisations, energy 0.
Twice the largest coefficient is *not* enough from N = 35 on (enumeration finds cheaper
wrong auxiliaries). Two parts are written by hand (a few lines over ``frozenset``
monomials): the polynomial product, since dimod's ``BinaryPolynomial`` has no
multiplication, and the reduction loop, since ``dimod.make_quadratic`` breaks ties
between equally frequent pairs in the iteration order of string sets, which changes
from process to process (``PYTHONHASHSEED``): the same seed then gave a different model
and a different answer in every run. Here ties go to the smallest pair in sorted order
and the variables come in one fixed order.

Examples:
    >>> f = factoring_bqm(15)
    >>> f.num_logical, f.num_auxiliary, f.p_bits, f.q_bits
    (3, 1, 2, 3)
    >>> f.decode({**{v: 0 for v in f.bqm.variables}, "p1": 1, "q2": 1})
    (3, 5)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import dimod

__all__ = ["FactoringBQM", "factoring_bqm", "factoring_polynomial", "register_sizes"]

Poly = dict[frozenset, float]


def register_sizes(n: int) -> tuple[int, int]:
    """``(P, Q)``: bit lengths of ``p`` (``<= isqrt(N)``) and ``q`` (``<= N // 3``)."""
    return math.isqrt(n).bit_length(), (n // 3).bit_length()


def _number(prefix: str, bits: int) -> Poly:
    poly: Poly = {frozenset(): 1.0}
    for i in range(1, bits):
        poly[frozenset({f"{prefix}{i}"})] = float(2 ** i)
    return poly


def _mul(a: Poly, b: Poly) -> Poly:
    out: Poly = {}
    for ta, ca in a.items():
        for tb, cb in b.items():
            term = ta | tb  # binary variables: x * x = x
            out[term] = out.get(term, 0.0) + ca * cb
    return {t: c for t, c in out.items() if c != 0.0}


def factoring_polynomial(n: int) -> dimod.BinaryPolynomial:
    """The cost ``(N - p q)**2`` as a binary polynomial in ``p1.., q1..``."""
    p_bits, q_bits = register_sizes(n)
    pq = _mul(_number("p", p_bits), _number("q", q_bits))
    residual: Poly = {t: -c for t, c in pq.items()}
    residual[frozenset()] = residual.get(frozenset(), 0.0) + n
    square = _mul(residual, residual)
    return dimod.BinaryPolynomial({tuple(sorted(t)): c for t, c in square.items()}, dimod.BINARY)


@dataclass(frozen=True)
class FactoringBQM:
    """The reduced model and what is needed to read ``p``, ``q`` back."""

    n: int
    bqm: dimod.BinaryQuadraticModel
    p_bits: int
    q_bits: int
    strength: float
    num_terms_by_degree: Mapping[int, int]

    @property
    def logical(self) -> list[str]:
        return [f"p{i}" for i in range(1, self.p_bits)] + [f"q{j}" for j in range(1, self.q_bits)]

    @property
    def num_logical(self) -> int:
        return (self.p_bits - 1) + (self.q_bits - 1)

    @property
    def num_auxiliary(self) -> int:
        return self.bqm.num_variables - self.num_logical

    def decode(self, sample: Mapping[Hashable, Any]) -> tuple[int, int]:
        """``(p, q)`` from a sample (auxiliary variables ignored)."""
        p = 1 + sum(2 ** i * int(sample.get(f"p{i}", 0)) for i in range(1, self.p_bits))
        q = 1 + sum(2 ** j * int(sample.get(f"q{j}", 0)) for j in range(1, self.q_bits))
        return p, q

    def info(self) -> dict[str, Any]:
        return {"method": "qubo", "encoding": "p = 1 + sum 2^i p_i, q = 1 + sum 2^j q_j (odd)",
                "cost": "(N - p q)^2, quartic, reduced with dimod.make_quadratic",
                "p_bits": self.p_bits, "q_bits": self.q_bits,
                "num_logical_variables": self.num_logical,
                "num_auxiliary_variables": self.num_auxiliary,
                "auxiliary_variables": "z = p_i * q_j, labelled 'p{i}*q{j}'",
                "num_variables": self.bqm.num_variables,
                "num_interactions": self.bqm.num_interactions,
                "penalty_strength": self.strength,
                "terms_by_degree": dict(self.num_terms_by_degree)}


def _make_quadratic(poly: dimod.BinaryPolynomial, strength: float) -> dimod.BinaryQuadraticModel:
    """Rosenberg reduction, deterministic: the most frequent pair first, ties by label."""
    terms: dict[tuple[str, ...], float] = {tuple(sorted(t)): float(c) for t, c in poly.items()}
    penalties: list[tuple[str, str, str]] = []
    while True:
        counts: dict[tuple[str, str], int] = {}
        for term in terms:
            if len(term) > 2:
                for i, u in enumerate(term):
                    for v in term[i + 1:]:
                        counts[(u, v)] = counts.get((u, v), 0) + 1
        if not counts:
            break
        u, v = min(counts, key=lambda pair: (-counts[pair], pair))
        z = f"{u}*{v}"
        penalties.append((u, v, z))
        reduced: dict[tuple[str, ...], float] = {}
        for term, c in terms.items():
            if len(term) > 2 and u in term and v in term:
                term = tuple(sorted([w for w in term if w not in (u, v)] + [z]))
            reduced[term] = reduced.get(term, 0.0) + c
        terms = reduced
    bqm = dimod.BinaryQuadraticModel(dimod.BINARY)
    labels = sorted({w for term in terms for w in term} | {z for *_, z in penalties})
    bqm.add_variables_from((w, 0.0) for w in labels)
    for term, c in sorted(terms.items()):
        if len(term) == 0:
            bqm.offset += c
        elif len(term) == 1:
            bqm.add_linear(term[0], c)
        else:
            bqm.add_quadratic(term[0], term[1], c)
    for u, v, z in penalties:  # strength * (u v - 2 u z - 2 v z + 3 z)
        bqm.add_quadratic(u, v, strength)
        bqm.add_quadratic(u, z, -2 * strength)
        bqm.add_quadratic(v, z, -2 * strength)
        bqm.add_linear(z, 3 * strength)
    return bqm


def factoring_bqm(n: int, strength: float | None = None) -> FactoringBQM:
    """Build the reduced BQM for ``N = n`` (``strength``: Rosenberg penalty weight)."""
    poly = factoring_polynomial(n)
    degrees: dict[int, int] = {}
    for term in poly:
        degrees[len(term)] = degrees.get(len(term), 0) + 1
    if strength is None:
        strength = float(sum(abs(c) for t, c in poly.items() if t))
    if strength <= 0:
        raise ValueError(f"penalty strength must be positive, got {strength}")
    bqm = _make_quadratic(poly, float(strength))
    p_bits, q_bits = register_sizes(n)
    return FactoringBQM(n=n, bqm=bqm, p_bits=p_bits, q_bits=q_bits, strength=float(strength),
                        num_terms_by_degree=dict(sorted(degrees.items())))
