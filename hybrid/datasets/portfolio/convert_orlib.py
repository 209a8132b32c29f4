"""Convert an OR-Library portfolio file (port1..port5) into the portfolio use case's JSON.

OR-Library format (J. E. Beasley): the number of assets ``N``; then, for each asset, its
mean weekly return and the standard deviation of that return; then, for every pair
``i <= j``, the line ``i j correlation`` (1-based). The JSON instance holds annualised
figures (52 weeks a year)::

    mu_i      = 52 * mean_i
    sigma_ij  = 52 * corr_ij * sd_i * sd_j

plus the cardinality ``k`` and the ``risk_aversion`` of the selection problem.

Usage (from the repository root; writes the JSON next to the source file)::

    python hybrid/datasets/portfolio/convert_orlib.py hybrid/datasets/portfolio/port1.txt \
        --name hangseng31 --market "Hang Seng" --k 5 --risk-aversion 1.0
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

WEEKS_PER_YEAR = 52


def read_orlib(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean weekly returns, their standard deviations, the correlation matrix)."""
    tokens = path.read_text().split()
    n = int(tokens[0])
    values = np.array(tokens[1:1 + 2 * n], dtype=float).reshape(n, 2)
    pairs = np.array(tokens[1 + 2 * n:], dtype=float).reshape(-1, 3)
    if len(pairs) != n * (n + 1) // 2:
        raise ValueError(f"{path}: expected {n * (n + 1) // 2} correlation lines, got {len(pairs)}")
    corr = np.zeros((n, n))
    for i, j, c in pairs:
        corr[int(i) - 1, int(j) - 1] = corr[int(j) - 1, int(i) - 1] = c
    if not np.allclose(np.diag(corr), 1.0):
        raise ValueError(f"{path}: the correlation of an asset with itself must be 1")
    return values[:, 0], values[:, 1], corr


def to_instance(path: Path, *, name: str, market: str, k: int,
                risk_aversion: float) -> dict[str, object]:
    """The use case's JSON instance (annualised mu and sigma) from an OR-Library file."""
    mean, sd, corr = read_orlib(path)
    mu = WEEKS_PER_YEAR * mean
    sigma = WEEKS_PER_YEAR * corr * np.outer(sd, sd)
    return {"name": name,
            "assets": [f"{market.replace(' ', '')}-{i + 1:03d}" for i in range(len(mu))],
            "mu": [round(float(x), 8) for x in mu],
            "sigma": [[round(float(x), 10) for x in row] for row in sigma],
            "k": k, "risk_aversion": risk_aversion}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("--name", required=True)
    ap.add_argument("--market", required=True)
    ap.add_argument("--k", type=int, required=True)
    ap.add_argument("--risk-aversion", type=float, default=1.0)
    args = ap.parse_args()
    data = to_instance(args.source, name=args.name, market=args.market, k=args.k,
                       risk_aversion=args.risk_aversion)
    out = args.source.with_name(args.name + ".json")
    out.write_text(json.dumps(data, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {out} ({len(data['assets'])} assets, k={args.k})")


if __name__ == "__main__":
    main()
