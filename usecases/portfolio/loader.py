"""Reading a portfolio instance from a file: the JSON format or a CSV of prices.

Kept apart from :mod:`.instance` (the record and its checks) and :mod:`.prices` (prices to
mu and Sigma), which this module dispatches between, so neither imports the other back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.instancefiles import read_json_file
from hybrid_workbench.usecases.portfolio.instance import PortfolioInstance
from hybrid_workbench.usecases.portfolio.prices import instance_from_csv

__all__ = ["load_instance"]


def load_instance(source: str | Path, **params: Any) -> PortfolioInstance:
    """Load a JSON instance or a CSV of prices (``params``: k, risk_aversion, estimator...)."""
    path = Path(source)
    if not path.exists():
        raise InstanceError(f"{path}: no such file; give a JSON instance, a CSV of prices, or "
                            "generate:size=20,seed=1")
    if path.suffix.lower() in (".csv", ".txt"):
        return instance_from_csv(path, **params)
    data = read_json_file(path)
    try:
        return PortfolioInstance.from_dict(data, source=str(path), **params)
    except InstanceFormatError:
        raise
    except InstanceError as exc:  # the file's content: one class for every content mistake
        if params:
            raise
        raise InstanceFormatError(str(exc)) from None
