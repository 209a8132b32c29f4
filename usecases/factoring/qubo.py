"""Factoring as optimisation: ``(N - p q)**2`` over binary-encoded odd ``p``, ``q``, as a BQM.

Odd factors are written ``p = 1 + Σ_{i=1}^{P-1} 2**i x_i`` and ``q = 1 + Σ_{j=1}^{Q-1}
2**j y_j`` with ``P`` the bit length of ``isqrt(N)`` and ``Q`` that of ``N // 3``: the
smaller factor is at most ``sqrt(N)`` and the larger at most ``N / 3``, so every
factorisation ``N = p q`` with ``p <= q`` is representable, while ``p = 1`` cannot reach
``q = N`` (``2**Q - 1 < N``). The cost ``(N - p q)**2`` is zero exactly at factorisations.

Expanded, the cost has terms up to degree four (``x_i x_k y_j y_l``; ``x**2 = x`` reduces the
rest). :func:`dimod.make_quadratic` reduces it to a BQM by introducing one auxiliary
binary ``z = x_i y_j`` (labelled ``'p{i}*q{j}'``) per product pair it needs, each enforced
by a penalty of weight ``strength`` (Rosenberg's reduction ``x y - 2 z (x + y) + 3 z``, at
least 1 whenever ``z != x y``). The default strength is the sum of the absolute values of
the polynomial's non-constant coefficients: a wrong auxiliary then always costs more than
it can save, so for every ``p, q`` the BQM's minimum over auxiliaries equals the cost (the
tests check this by enumeration) and its ground states are the factorisations, energy 0.
Twice the largest coefficient is *not* enough from N = 35 on (enumeration finds cheaper
wrong auxiliaries). The polynomial product is written by
hand (a few lines over ``frozenset`` monomials): dimod's ``BinaryPolynomial`` has no
multiplication.

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
    bqm = dimod.make_quadratic(poly, float(strength), dimod.BINARY)
    p_bits, q_bits = register_sizes(n)
    return FactoringBQM(n=n, bqm=bqm, p_bits=p_bits, q_bits=q_bits, strength=float(strength),
                        num_terms_by_degree=dict(sorted(degrees.items())))
