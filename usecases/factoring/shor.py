"""Shor's algorithm at simulator sizes: order-finding circuit and continued-fraction decoding.

Order finding by phase estimation: ``t`` counting qubits (``0..t-1``, default ``t = 2L``)
and an ``L = ceil(log2 N)``-qubit work register (``t..t+L-1``) prepared in ``|1>``. Counting
qubit ``j`` controls ``U**(2**j)`` with ``U|y> = |a y mod N>`` (identity for ``y >= N``);
an inverse QFT (Qiskit's ``QFTGate``) on the counting register and its measurement give
``y ≈ 2**t s / r`` for a random ``s``, where ``r`` is the order of ``a`` modulo ``N``.

Modular exponentiation is written as permutation matrices: each controlled ``U**(2**j)`` is
one :class:`qiskit.circuit.library.UnitaryGate` on ``L + 1`` qubits (``2**(L+1)`` square,
at most 256 here). That is exact and adequate at N <= 127; it is not a scalable
reversible-arithmetic construction (Beauregard's adder circuits would be), and it hides the
gate count a real device would need.

Decoding (:func:`decode_outcome`): ``Fraction(y, 2**t).limit_denominator(N)`` gives a
candidate ``r0`` (the denominator of ``s/r`` in lowest terms); ``r0`` and its multiples up
to ``ceil(log2 N) r0`` are tried until ``a**r = 1 mod N``. An even order with
``a**(r/2) != -1 mod N`` yields the factors ``gcd(a**(r/2) ± 1, N)``.

:func:`qpe_distribution` is the textbook outcome distribution of phase estimation, from
the order alone (``|1> = r**-1/2 Σ_s |u_s>``), used to certify the circuit independently.

Examples:
    >>> decode_outcome(64, t=8, a=7, n=15)  # 64/256 = 1/4 -> r = 4
    {'y': 64, 'order': 4, 'factors': [3, 5]}
    >>> round(float(qpe_distribution(r=4, t=3)[2]), 3)
    0.25
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["shor_circuit", "shor_qubits", "decode_outcome", "analyse_counts",
           "qpe_distribution", "default_base", "ShorDecoder"]


def shor_qubits(n: int, counting_qubits: int | None = None) -> tuple[int, int]:
    """``(t, L)``: counting and work register sizes for ``N = n``."""
    work = n.bit_length()
    return (2 * work if counting_qubits is None else int(counting_qubits)), work


def default_base(n: int) -> int:
    """The smallest ``a >= 2`` coprime with ``n`` (2 for every odd ``n``)."""
    return next(a for a in range(2, n) if math.gcd(a, n) == 1)


def _controlled_mult(a_power: int, n: int, work: int) -> np.ndarray:
    """Permutation matrix of ``|c, y> -> |c, a_power**c y mod n>`` (control = lowest bit)."""
    dim = 2 ** (work + 1)
    perm = np.arange(dim)
    for y in range(n):
        perm[1 + 2 * y] = 1 + 2 * ((a_power * y) % n)
    matrix = np.zeros((dim, dim))
    matrix[perm, np.arange(dim)] = 1.0
    return matrix


def shor_circuit(n: int, a: int, counting_qubits: int | None = None) -> Any:
    """The order-finding circuit for ``a`` modulo ``n``, measuring the counting register.

    Returns:
        a :class:`qiskit.QuantumCircuit` on ``t + L`` qubits with one ``t``-bit classical
        register ``c`` (counting qubit ``j`` to bit ``j``).
    """
    from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
    from qiskit.circuit.library import QFTGate, UnitaryGate

    t, work = shor_qubits(n, counting_qubits)
    count, target = QuantumRegister(t, "count"), QuantumRegister(work, "work")
    creg = ClassicalRegister(t, "c")
    qc = QuantumCircuit(count, target, creg, name=f"shor-{n}-a{a}")
    qc.h(count)
    qc.x(target[0])
    for j in range(t):
        a_power = pow(a, 2 ** j, n)
        if a_power == 1:
            continue  # U**(2**j) is the identity
        gate = UnitaryGate(_controlled_mult(a_power, n, work), label=f"c-{a}^{2 ** j} mod {n}")
        qc.append(gate, [count[j], *target])
    qc.append(QFTGate(t).inverse(), count)
    qc.measure(count, creg)
    return qc


def decode_outcome(y: int, t: int, a: int, n: int) -> dict[str, Any]:
    """Continued-fraction decoding of one outcome: the order found (or None) and factors."""
    out: dict[str, Any] = {"y": int(y), "order": None, "factors": None}
    if y == 0:
        return out
    r0 = Fraction(int(y), 2 ** t).limit_denominator(n).denominator
    for k in range(1, max(1, math.ceil(math.log2(n))) + 1):
        r = k * r0
        if r >= n:
            break
        if pow(a, r, n) == 1:
            out["order"] = r
            break
    r = out["order"]
    if r is not None and r % 2 == 0:
        half = pow(a, r // 2, n)
        if half != n - 1:
            p = math.gcd(half - 1, n)
            q = math.gcd(half + 1, n)
            for f in (p, q):
                if 1 < f < n:
                    out["factors"] = sorted((f, n // f))
                    break
    return out


def analyse_counts(counts: Mapping[str, int], t: int, a: int, n: int) -> dict[str, Any]:
    """Decode every outcome; success probability = share of shots that yield factors.

    The reported factors and order are those of the most frequent successful outcome.
    """
    shots = sum(counts.values())
    good = 0
    best: dict[str, Any] | None = None
    best_count = -1
    orders: dict[int, int] = {}
    for key in sorted(counts):
        c = int(counts[key])
        dec = decode_outcome(int(key.replace(" ", ""), 2), t, a, n)
        if dec["order"] is not None:
            orders[dec["order"]] = orders.get(dec["order"], 0) + c
        if dec["factors"] is not None:
            good += c
            if c > best_count:
                best, best_count = dec, c
    return {"p": best["factors"][0] if best else None, "q": best["factors"][1] if best else None,
            "order": max(orders, key=orders.__getitem__) if orders else None,
            "success_probability": good / shots if shots else 0.0,
            "order_found_probability": sum(orders.values()) / shots if shots else 0.0,
            "shots": int(shots)}


def qpe_distribution(r: int, t: int) -> np.ndarray:
    """Exact phase-estimation outcome probabilities for an order-``r`` unitary on ``|1>``.

    ``P(y) = (1/r) Σ_s |2**-t Σ_k exp(2πi k (s/r - y/2**t))|**2``.
    """
    dim = 2 ** t
    y = np.arange(dim)
    probs = np.zeros(dim)
    for s in range(r):
        delta = s / r - y / dim
        # |2**-t Σ_k e^{2πikδ}|^2 = sin^2(π 2^t δ) / (4^t sin^2(π δ)), and 1 at integer δ
        den = np.sin(np.pi * delta)
        near = np.isclose(den, 0.0, atol=1e-12)
        ratio = np.where(near, 1.0, np.sin(np.pi * dim * delta) / (dim * np.where(near, 1.0, den)))
        probs += ratio ** 2 / r
    return probs


@dataclass(frozen=True)
class ShorDecoder:
    """Decodes a Shor circuit's counts (bit string -> shots) into factors and the order.

    Attributes:
        N: the number factored.
        a: the base of the order finding.
        counting_qubits: size of the counting register (read out).
        work_qubits: size of the work register.
    """

    N: int
    a: int
    counting_qubits: int
    work_qubits: int

    def decode(self, sample: Mapping[str, int]) -> dict[str, Any]:
        """``sample``: the measured counts; see :func:`analyse_counts`."""
        return analyse_counts(sample, self.counting_qubits, self.a, self.N)
