"""Quantum random numbers from circuit samples, and two NIST SP 800-22 statistical tests.

Raw bits are the measured bitstrings concatenated in shot order (Qiskit's bit order, so
qubit ``n-1`` first in each string). Output bits of a random circuit are *not* uniform:
they follow the circuit's Porter-Thomas-like distribution, so raw bits carry a small bias
and correlations and fail the frequency test once enough of them are taken. The standard
remedy is a seeded randomness extractor; :func:`toeplitz_extract` hashes blocks of raw bits
with a random Toeplitz matrix (a two-universal hash family), keeping ``m`` output bits per
``N`` input bits where ``m`` is set from the min-entropy ``H_min = -log2 max_x p(x)`` of one
sample (computed from the ideal probabilities) minus a security margin.

An extractor's output passes statistical tests whatever its input; only the entropy
accounting (the min-entropy bound, which for a noisy device rests on the XEB evidence)
makes the output random. The tests below check statistics, not provenance.

The two tests are written from NIST SP 800-22 rev. 1a, sections 2.1 (frequency, "monobit")
and 2.3 (runs), by hand (no library in our dependencies implements them); the tests of
this module check them against the worked examples of that document.

Examples:
    >>> round(monobit_test("1011010101").p_value, 6)
    0.527089
    >>> round(runs_test("1001101011").p_value, 6)
    0.147232
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["NISTResult", "as_bits", "monobit_test", "runs_test", "bits_from_memory",
           "min_entropy_per_sample", "toeplitz_extract", "qrng_report", "ALPHA"]

ALPHA = 0.01  # NIST's recommended significance level


@dataclass(frozen=True)
class NISTResult:
    """Outcome of one statistical test: P-value and the verdict at level ``alpha``."""

    test: str
    p_value: float
    statistic: float
    num_bits: int
    alpha: float = ALPHA

    @property
    def passed(self) -> bool:
        return self.p_value >= self.alpha

    def to_dict(self) -> dict[str, Any]:
        return {"test": self.test, "p_value": self.p_value, "statistic": self.statistic,
                "num_bits": self.num_bits, "passed": self.passed}


def as_bits(bits: str | Sequence[int] | np.ndarray) -> np.ndarray:
    """A 0/1 ``uint8`` array from a ``'0101'`` string or a sequence of 0/1."""
    if isinstance(bits, str):
        arr = np.frombuffer(bits.encode("ascii"), dtype=np.uint8) - ord("0")
    else:
        arr = np.asarray(bits).astype(np.int64)
    if arr.ndim != 1 or arr.size == 0 or np.any((arr != 0) & (arr != 1)):
        raise ValueError("expected a non-empty sequence of 0/1 bits")
    return arr.astype(np.uint8)


def monobit_test(bits: str | Sequence[int] | np.ndarray, alpha: float = ALPHA) -> NISTResult:
    """NIST SP 800-22 2.1: ``P = erfc(|Σ(2ε-1)| / sqrt(2n))`` (recommended ``n >= 100``)."""
    from scipy.special import erfc

    eps = as_bits(bits)
    n = eps.size
    s_obs = abs(int(2 * int(eps.sum()) - n)) / math.sqrt(n)
    return NISTResult("frequency (monobit)", float(erfc(s_obs / math.sqrt(2))), s_obs, n, alpha)


def runs_test(bits: str | Sequence[int] | np.ndarray, alpha: float = ALPHA) -> NISTResult:
    """NIST SP 800-22 2.3: number of runs ``V_n`` against its expectation ``2nπ(1-π)``.

    As the standard prescribes, when the frequency prerequisite ``|π - 1/2| >= 2/sqrt(n)``
    fails the test is not run and the P-value is 0.
    """
    from scipy.special import erfc

    eps = as_bits(bits)
    n = eps.size
    pi = float(eps.mean())
    if abs(pi - 0.5) >= 2.0 / math.sqrt(n):
        return NISTResult("runs", 0.0, float("nan"), n, alpha)
    v_obs = 1 + int(np.count_nonzero(eps[1:] != eps[:-1]))
    num = abs(v_obs - 2.0 * n * pi * (1 - pi))
    den = 2.0 * math.sqrt(2.0 * n) * pi * (1 - pi)
    return NISTResult("runs", float(erfc(num / den)), float(v_obs), n, alpha)


def bits_from_memory(memory: Sequence[str]) -> np.ndarray:
    """Raw bits: the per-shot bitstrings concatenated in shot order."""
    if not memory:
        raise ValueError("no samples: per-shot bitstrings are needed for random bits")
    return as_bits("".join(s.replace(" ", "") for s in memory))


def min_entropy_per_sample(probs: np.ndarray) -> float:
    """``-log2 max_x p(x)``: the min-entropy (bits) of one sample of the distribution."""
    return float(-np.log2(np.max(probs)))


def toeplitz_extract(raw: np.ndarray, rate: float, seed: int, block: int = 1024,
                     security_bits: int = 32) -> np.ndarray:
    """Hash ``raw`` bits block by block with a seeded random Toeplitz matrix over GF(2).

    Args:
        raw: raw 0/1 bits (a trailing partial block is dropped).
        rate: min-entropy per raw bit (``H_min`` per sample / ``n``), in (0, 1].
        seed: seed of the public Toeplitz matrix (``block + m - 1`` uniform bits).
        block: raw bits per block ``N``.
        security_bits: margin ``2 log2(1/ε)`` removed from each block's output (leftover
            hash lemma); ``m = floor(rate * N) - security_bits``.

    Examples:
        >>> bits = np.random.default_rng(0).integers(0, 2, 4096)
        >>> toeplitz_extract(bits, rate=0.5, seed=1).size
        1920
    """
    if not 0 < rate <= 1:
        raise ValueError(f"rate must be in (0, 1], got {rate}")
    m = int(math.floor(rate * block)) - security_bits
    if m <= 0:
        raise ValueError(f"block of {block} bits at rate {rate} leaves nothing after a "
                         f"{security_bits}-bit margin; use a larger block")
    s = np.random.default_rng(seed).integers(0, 2, size=block + m - 1).astype(np.int64)
    blocks = np.asarray(raw, dtype=np.int64)[: (raw.size // block) * block].reshape(-1, block)
    out = np.empty((blocks.shape[0], m), dtype=np.uint8)
    for i, x in enumerate(blocks):
        # y_i = Σ_j T[i, j] x_j with T[i, j] = s[i - j + N - 1]: a slice of the convolution
        out[i] = np.convolve(s, x)[block - 1: block - 1 + m] % 2
    return out.ravel()


def qrng_report(memory: Sequence[str], probs: np.ndarray, seed: int = 0,
                block: int = 1024) -> dict[str, Any]:
    """NIST tests on raw and Toeplitz-extracted bits from per-shot samples."""
    raw = bits_from_memory(memory)
    n = int(round(np.log2(probs.size)))
    h_min = min_entropy_per_sample(probs)
    report: dict[str, Any] = {
        "raw_bits": int(raw.size), "min_entropy_per_sample": h_min,
        "raw": {t.test: t.to_dict() for t in (monobit_test(raw), runs_test(raw))},
    }
    if raw.size >= block:
        out = toeplitz_extract(raw, rate=h_min / n, seed=seed, block=block)
        report["extracted_bits"] = int(out.size)
        report["extracted"] = {t.test: t.to_dict() for t in (monobit_test(out), runs_test(out))}
    return report
