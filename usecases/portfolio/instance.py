"""Portfolio instances: the mean-variance model, its validation and its file formats.

An instance is an expected-return vector ``mu`` and a covariance matrix ``sigma`` over
named assets (both annualised), plus the cardinality ``k`` and the ``risk_aversion``
``lambda`` of the selection problem::

    maximise  mu . w - lambda * w' Sigma w,   w = z / k,  z in {0,1}^n,  sum(z) = k

Formats read by :func:`~hybrid_workbench.usecases.portfolio.loader.load_instance`:

* **JSON** (the shared definition)::

    {"assets": ["A", "B", "C"], "mu": [0.08, 0.10, 0.07],
     "sigma": [[0.04, 0.01, 0.0], [0.01, 0.09, 0.02], [0.0, 0.02, 0.05]],
     "k": 2, "risk_aversion": 1.0}

  optional: ``name``, ``lot_cost`` (budget units per lot, for the integer-lot formulation).
* **CSV of prices**: a date column then one column per asset; ``k`` and
  ``risk_aversion`` (and ``estimator``: ``sample`` or ``ledoit-wolf``) come as
  parameters; ``mu`` and ``sigma`` are estimated from log returns
  (:mod:`hybrid_workbench.usecases.portfolio.estimators`).

Every check runs before any heavy work and raises :class:`~hybrid_workbench.errors.InstanceError`
(or :class:`~hybrid_workbench.errors.InstanceFormatError` naming the file, line or field).

Examples:
    >>> inst = PortfolioInstance.from_dict({"assets": ["A", "B", "C"], "mu": [0.08, 0.10, 0.07],
    ...     "sigma": [[0.04, 0.01, 0.0], [0.01, 0.09, 0.02], [0.0, 0.02, 0.05]],
    ...     "k": 2, "risk_aversion": 1.0})
    >>> round(inst.objective_of(["A", "B"]), 6)   # (0.08+0.10)/2 - (0.04+0.09+2*0.01)/4
    0.0525
    >>> PortfolioInstance.from_dict({"assets": ["A"], "mu": [0.1], "sigma": [[0.01]], "k": 2})
    Traceback (most recent call last):
    ...
    hybrid_workbench.errors.InstanceError: <dict>: k = 2 is out of range; choose 1 <= k <= 1 (the number of assets)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hybrid_workbench.errors import InstanceError, InstanceFormatError

__all__ = ["PortfolioInstance", "validate_model", "PSD_TOLERANCE"]

#: Most negative eigenvalue tolerated in ``sigma``, relative to its largest (round-off).
PSD_TOLERANCE = 1e-10


def validate_model(assets: list[str], mu: np.ndarray, sigma: np.ndarray, k: int,
                   risk_aversion: float, where: str) -> None:
    """Check shapes, symmetry, positive semidefiniteness, ``k`` and ``risk_aversion``.

    Raises:
        InstanceError: with a message naming ``where`` and how to fix the data.
    """
    n = len(assets)
    if n == 0:
        raise InstanceError(f"{where}: no assets; give at least one")
    if len(set(assets)) != n:
        dup = sorted({a for a in assets if assets.count(a) > 1})
        raise InstanceError(f"{where}: duplicate asset names {dup}; names must be unique")
    if mu.shape != (n,):
        raise InstanceError(f"{where}: mu has {mu.size} entries but there are {n} assets; "
                            "give one expected return per asset")
    if sigma.ndim != 2 or sigma.shape[0] != sigma.shape[1]:
        raise InstanceError(f"{where}: sigma is not square (shape {'x'.join(map(str, sigma.shape))}); "
                            "it must be an n x n covariance matrix")
    if sigma.shape[0] != n:
        raise InstanceError(f"{where}: sigma is {sigma.shape[0]}x{sigma.shape[0]} but there are "
                            f"{n} assets; give one row and column per asset")
    if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(sigma))):
        raise InstanceError(f"{where}: mu and sigma must be finite numbers (found NaN or inf)")
    asym = np.abs(sigma - sigma.T)
    if asym.max() > 1e-9 * max(1.0, float(np.abs(sigma).max())):
        i, j = np.unravel_index(int(np.argmax(asym)), asym.shape)
        raise InstanceError(
            f"{where}: sigma is not symmetric: sigma[{i}][{j}] = {sigma[i, j]:.6g} but "
            f"sigma[{j}][{i}] = {sigma[j, i]:.6g}; a covariance matrix must be symmetric")
    scale = max(1e-300, float(np.abs(sigma).max()))
    try:  # sigma + tol I is positive definite iff sigma's eigenvalues are all > -tol
        np.linalg.cholesky(sigma + PSD_TOLERANCE * scale * np.eye(n))
        is_psd = True
    except np.linalg.LinAlgError:
        is_psd = False
    eig_min = 0.0 if is_psd else float(np.linalg.eigvalsh(sigma)[0])
    if eig_min < -PSD_TOLERANCE * scale:
        raise InstanceError(
            f"{where}: sigma is not positive semidefinite: its most negative eigenvalue is "
            f"{eig_min:.6g}; fix the covariance (e.g. estimate it with estimator=ledoit-wolf, or "
            f"add {-eig_min:.3g} to the diagonal)")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise InstanceError(f"{where}: k must be an integer number of assets, got {k!r}")
    if not 1 <= k <= n:
        raise InstanceError(f"{where}: k = {k} is out of range; choose 1 <= k <= {n} "
                            "(the number of assets)")
    if isinstance(risk_aversion, bool) or not isinstance(risk_aversion, (int, float)) \
            or not np.isfinite(risk_aversion) or risk_aversion < 0:
        raise InstanceError(f"{where}: risk_aversion must be a finite number >= 0, "
                            f"got {risk_aversion!r}")


@dataclass(frozen=True, eq=False)
class PortfolioInstance:
    """A validated mean-variance selection problem.

    Attributes:
        name: instance name.
        assets: asset names (index ``i`` of ``mu``/``sigma`` is ``assets[i]``).
        mu: annualised expected returns, shape ``(n,)``.
        sigma: annualised covariance, shape ``(n, n)``, symmetric positive semidefinite.
        k: number of assets to select.
        risk_aversion: ``lambda`` in ``mu.w - lambda w' Sigma w``.
        lot_cost: budget units per lot of each asset (integer-lot formulation).
        meta: provenance (source file, estimator, annualisation factor, seed...).
    """

    name: str
    assets: tuple[str, ...]
    mu: np.ndarray
    sigma: np.ndarray
    k: int
    risk_aversion: float = 1.0
    lot_cost: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        mu = np.asarray(self.mu, dtype=float)
        sigma = np.asarray(self.sigma, dtype=float)
        where = self.meta.get("source", self.name)
        validate_model(list(self.assets), mu, sigma, self.k, self.risk_aversion, where)
        object.__setattr__(self, "mu", mu)
        object.__setattr__(self, "sigma", (sigma + sigma.T) / 2.0)
        object.__setattr__(self, "k", int(self.k))
        object.__setattr__(self, "risk_aversion", float(self.risk_aversion))
        if self.lot_cost is not None:
            cost = np.asarray(self.lot_cost, dtype=float)
            if cost.shape != mu.shape or np.any(cost <= 0) or np.any(cost != np.round(cost)):
                raise InstanceError(f"{where}: lot_cost must list one positive integer (budget "
                                    "units per lot) per asset")
            object.__setattr__(self, "lot_cost", cost.astype(np.int64))

    @property
    def n(self) -> int:
        """Number of assets."""
        return len(self.assets)

    def index_of(self, selected: Iterable[str]) -> np.ndarray:
        """Indices of the named assets (InstanceError on an unknown name)."""
        pos = {a: i for i, a in enumerate(self.assets)}
        try:
            return np.array([pos[a] for a in selected], dtype=np.int64)
        except KeyError as exc:
            raise InstanceError(f"unknown asset {exc.args[0]!r} in the solution") from None

    def mean_variance(self, w: np.ndarray) -> float:
        """``mu.w - lambda w' Sigma w`` for any weight vector (signed weights allowed)."""
        w = np.asarray(w, dtype=float)
        return float(self.mu @ w - self.risk_aversion * (w @ self.sigma @ w))

    def weights_of(self, selected: Iterable[str]) -> np.ndarray:
        """Equal weights ``z / k`` on the selected assets (``k`` from the instance)."""
        z = np.zeros(self.n)
        z[self.index_of(selected)] = 1.0
        return z / self.k

    def objective_of(self, selected: Iterable[str]) -> float:
        """The cardinality objective ``mu.w - lambda w' Sigma w`` with ``w = z / k``."""
        return self.mean_variance(self.weights_of(selected))

    def replace(self, **changes: Any) -> PortfolioInstance:
        """A copy with some fields changed (validated again)."""
        fields = {"name": self.name, "assets": self.assets, "mu": self.mu, "sigma": self.sigma,
                  "k": self.k, "risk_aversion": self.risk_aversion, "lot_cost": self.lot_cost,
                  "meta": dict(self.meta)}
        fields.update(changes)
        return PortfolioInstance(**fields)

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "assets": list(self.assets),
                               "mu": self.mu.tolist(), "sigma": self.sigma.tolist(),
                               "k": self.k, "risk_aversion": self.risk_aversion}
        if self.lot_cost is not None:
            out["lot_cost"] = self.lot_cost.tolist()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>",
                  **params: Any) -> PortfolioInstance:
        """Build from the JSON object; ``params`` (``k``, ``risk_aversion``) override it."""
        if not isinstance(data, Mapping):
            raise InstanceFormatError(f"{source}: expected a JSON object with assets, mu, sigma, k")
        unknown = set(params) - {"k", "risk_aversion"}
        if unknown:
            raise InstanceError(f"{source}: unknown parameter(s) {sorted(unknown)} for a JSON "
                                "instance; only k and risk_aversion may be overridden")
        merged = {**data, **params}
        missing = [f for f in ("assets", "mu", "sigma", "k") if f not in merged]
        if missing:
            raise InstanceFormatError(f"{source}: missing field(s) {missing}; the format is "
                                      '{"assets": [...], "mu": [...], "sigma": [[...]], "k": 2, '
                                      '"risk_aversion": 1.0}')
        assets = merged["assets"]
        if not isinstance(assets, list) or not all(isinstance(a, str) for a in assets):
            raise InstanceFormatError(f"{source}: field 'assets' must be a list of names")
        mu = _numeric(merged["mu"], "mu", source, ndim=1)
        sigma = _numeric(merged["sigma"], "sigma", source, ndim=2)
        return cls(name=str(merged.get("name", Path(source).stem)), assets=tuple(assets), mu=mu,
                   sigma=sigma, k=merged["k"], risk_aversion=merged.get("risk_aversion", 1.0),
                   lot_cost=merged.get("lot_cost"), meta={"source": source})


def _numeric(value: Any, field_name: str, source: str, ndim: int) -> np.ndarray:
    """A float array of ``ndim`` dimensions from JSON lists (rows may be ragged: reported)."""
    if ndim == 2:
        if not isinstance(value, list) or not all(isinstance(r, list) for r in value):
            raise InstanceFormatError(f"{source}: field '{field_name}' must be a list of rows")
        lengths = {len(r) for r in value}
        if len(lengths) > 1:
            raise InstanceError(f"{source}: sigma is not square: its rows have lengths "
                                f"{sorted(lengths)}; give n rows of n numbers")
        if value and len(value) != len(value[0]):
            raise InstanceError(f"{source}: sigma is not square ({len(value)} rows of "
                                f"{len(value[0])}); give n rows of n numbers")
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise InstanceFormatError(f"{source}: field '{field_name}' must hold numbers only") from None
    if arr.ndim != ndim:
        raise InstanceFormatError(f"{source}: field '{field_name}' must be a "
                                  f"{'list' if ndim == 1 else 'list of lists'} of numbers")
    return arr
