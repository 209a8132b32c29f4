"""Factoring instances: the number, its file format, validation, and classical number theory.

File format (JSON object; unknown keys are an error)::

    {"N": 21}                       # the number to factor
    {"N": 35, "a": 2, "name": "n35"}  # optional Shor base a (coprime with N) and name

Rules checked before any work: ``N`` is an odd composite integer, ``9 <= N <= 65535``;
for Shor's algorithm also not a prime power (``N = p**k`` is found classically with
integer roots) and ``N <= 127`` (``3 ceil(log2 N)`` qubits, 21 at most); ``a`` when given
is in ``2..N-1`` with ``gcd(a, N) = 1``.

The certified answers every method is checked against come from :func:`trial_division`
and, for Shor, the multiplicative order found by brute force (:func:`classical_order`).

Examples:
    >>> trial_division(35), classical_order(2, 35), is_prime_power(27)
    (5, 12, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.instancefiles import read_json_file

__all__ = ["FactoringInstance", "trial_division", "is_prime", "is_prime_power",
           "classical_order", "check_number", "check_shor", "load_instance", "MAX_N",
           "MAX_SHOR_N", "FIELDS"]

MAX_N = 65535
MAX_SHOR_N = 127
FIELDS = {"N", "a", "name"}


def trial_division(n: int) -> int:
    """The smallest prime factor of ``n >= 2`` (``n`` itself when prime)."""
    if n % 2 == 0:
        return 2
    f = 3
    while f * f <= n:
        if n % f == 0:
            return f
        f += 2
    return n


def is_prime(n: int) -> bool:
    return n >= 2 and trial_division(n) == n


def is_prime_power(n: int) -> bool:
    """Whether ``n = p**k`` for a prime ``p`` and ``k >= 2``."""
    for k in range(2, n.bit_length() + 1):
        root = round(n ** (1.0 / k))
        for c in (root - 1, root, root + 1):
            if c >= 2 and c ** k == n and is_prime(c):
                return True
    return False


def classical_order(a: int, n: int) -> int:
    """The order of ``a`` modulo ``n`` (smallest ``r > 0`` with ``a**r = 1 mod n``), by brute force."""
    if math.gcd(a, n) != 1:
        raise ValueError(f"{a} is not invertible modulo {n}")
    r, x = 1, a % n
    while x != 1:
        x = (x * a) % n
        r += 1
    return r


def check_number(n: Any, where: str = "factoring") -> int:
    """Validate ``N`` for any method; returns it as an int or raises InstanceError."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise InstanceError(f"{where}: N must be an integer, got {n!r}")
    n = int(n)
    if not 9 <= n <= MAX_N:
        raise InstanceError(f"{where}: N = {n} is outside the supported range 9..{MAX_N}")
    if n % 2 == 0:
        raise InstanceError(f"{where}: N = {n} is even, so 2 is a factor; give an odd N")
    if is_prime(n):
        raise InstanceError(f"{where}: N = {n} is prime, there is nothing to factor")
    return n


def check_shor(n: int, a: int | None = None) -> None:
    """Extra conditions for Shor's algorithm (raises InstanceError with the fix)."""
    if is_prime_power(n):
        raise InstanceError(f"shor: N = {n} is a prime power; Shor's order finding cannot split "
                            "it (integer roots do, classically); use the QUBO method or another N")
    if n > MAX_SHOR_N:
        raise InstanceError(f"shor: N = {n} needs {3 * n.bit_length()} qubits; this simulation "
                            f"supports N <= {MAX_SHOR_N}; use a BQM backend (QUBO method)")
    if a is not None and (not 1 < a < n or math.gcd(a, n) != 1):
        raise InstanceError(f"shor: base a = {a} must be in 2..{n - 1} and coprime with N = {n} "
                            f"(gcd = {math.gcd(a, n)})")


@dataclass(frozen=True)
class FactoringInstance:
    """A number to factor, with an optional Shor base ``a``."""

    N: int
    a: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "N", check_number(self.N))
        if self.a is not None:
            if not isinstance(self.a, (int, np.integer)) or isinstance(self.a, bool):
                raise InstanceError(f"factoring: a must be an integer, got {self.a!r}")
            if not 1 < self.a < self.N or math.gcd(int(self.a), self.N) != 1:
                raise InstanceError(
                    f"factoring: base a = {self.a} must be in 2..{self.N - 1} and coprime with "
                    f"N = {self.N} (gcd = {math.gcd(int(self.a), self.N)})")
            object.__setattr__(self, "a", int(self.a))
        if not self.name:
            object.__setattr__(self, "name", f"N{self.N}")

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"N": self.N, "name": self.name}
        if self.a is not None:
            out["a"] = self.a
        return out


def load_instance(source: str | Path) -> FactoringInstance:
    """Read ``{"N": 21}`` (see the module docstring); errors name the file and field."""
    path = Path(source)
    if not path.is_file():
        raise InstanceError(f"factoring: no such instance file {str(source)!r}; give a JSON file "
                            'like {"N": 21} or generate:max_n=35,seed=0')
    data = read_json_file(path)
    if not isinstance(data, dict):
        raise InstanceFormatError(f'{path}: expected a JSON object like {{"N": 21}}')
    if "N" not in data:
        raise InstanceFormatError(f'{path}: missing field "N" (the odd composite to factor); '
                                  f"found {sorted(data)}")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise InstanceFormatError(f"{path}: unknown field(s) {unknown}; allowed: {sorted(FIELDS)}")
    try:
        return FactoringInstance(N=data["N"], a=data.get("a"),
                                 name=str(data.get("name", path.stem)))
    except InstanceError as exc:
        raise InstanceFormatError(f"{path}: field error: {exc}") from None
