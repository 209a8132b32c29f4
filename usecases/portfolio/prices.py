"""Price files: a CSV of dates x assets, checked cell by cell, turned into an instance.

The CSV has a header ``date,A,B,...`` and one row per date; every cell must be a
positive number. Errors name the file, the line and the column: a missing or ``NaN``
price, a row with the wrong number of cells, an unreadable or repeated date, fewer than
two dates. ``k``, ``risk_aversion``, ``estimator`` and ``periods_per_year`` come from
the command line (``--param k=5``) because a price file does not carry them.

Examples:
    >>> import io
    >>> text = "date,A,B\\n2024-01-02,10,20\\n2024-01-03,10.5,19\\n2024-01-04,10.2,19.5\\n"
    >>> df = read_prices(io.StringIO(text), source="demo.csv")
    >>> list(df.columns), len(df)
    (['A', 'B'], 3)
    >>> read_prices(io.StringIO("date,A\\n2024-01-02,1\\n2024-01-03,\\n2024-01-04,2\\n"), source="demo.csv")
    Traceback (most recent call last):
    ...
    hybrid_workbench.errors.InstanceFormatError: demo.csv, line 3, column 'A': missing price; fill or drop the row
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any, TextIO

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.usecases.portfolio.instance import PortfolioInstance

__all__ = ["read_prices", "instance_from_prices", "instance_from_csv", "PRICE_PARAMS"]

PRICE_PARAMS = ("k", "risk_aversion", "estimator", "periods_per_year", "name")


def read_prices(handle: TextIO | str | Path, source: str | None = None) -> Any:
    """A DataFrame of prices (DatetimeIndex when the dates parse, else the raw labels)."""
    import pandas as pd

    if isinstance(handle, (str, Path)):
        source = source or str(handle)
        from hybrid_workbench.instancefiles import read_text_file

        text = read_text_file(handle)
    else:
        text = handle.read()
    source = source or "<prices>"
    rows = list(csv.reader(io.StringIO(text)))
    numbered = [(i + 1, r) for i, r in enumerate(rows) if r and any(c.strip() for c in r)]
    if not numbered:
        raise InstanceFormatError(f"{source}: empty file; expected a header 'date,A,B,...'")
    head_line, header = numbered[0]
    header = [h.strip() for h in header]
    if len(header) < 2:
        raise InstanceFormatError(f"{source}, line {head_line}: the header needs a date column "
                                  "and at least one asset column, e.g. 'date,A,B'")
    assets = header[1:]
    if any(not a for a in assets) or len(set(assets)) != len(assets):
        raise InstanceFormatError(f"{source}, line {head_line}: asset column names must be "
                                  f"non-empty and unique, got {assets}")
    body = numbered[1:]
    if len(body) < 2:
        raise InstanceError(f"{source}: {len(body)} date(s): fewer than two dates; give at "
                            "least three rows of prices to estimate returns and covariances")
    dates: list[str] = []
    values: list[list[float]] = []
    for line, row in body:
        if len(row) != len(header):
            raise InstanceFormatError(
                f"{source}, line {line}: {len(row)} cells but the header has {len(header)} "
                f"({', '.join(header)}); every row needs a date and one price per asset")
        dates.append(row[0].strip())
        parsed = []
        for col, cell in zip(assets, row[1:]):
            cell = cell.strip()
            if not cell:
                raise InstanceFormatError(f"{source}, line {line}, column {col!r}: missing price; "
                                          "fill or drop the row")
            try:
                x = float(cell)
            except ValueError:
                raise InstanceFormatError(f"{source}, line {line}, column {col!r}: {cell!r} is not "
                                          "a number") from None
            if math.isnan(x):
                raise InstanceFormatError(f"{source}, line {line}, column {col!r}: NaN price; fill "
                                          "or drop the row")
            if not math.isfinite(x) or x <= 0:
                raise InstanceFormatError(f"{source}, line {line}, column {col!r}: price {cell} "
                                          "must be a positive finite number")
            parsed.append(x)
        values.append(parsed)
    lines = [line for line, _ in body]
    try:
        index: Any = pd.DatetimeIndex(pd.to_datetime(dates, format="mixed"))
    except (ValueError, TypeError):
        bad = next((ln for ln, d in zip(lines, dates) if _bad_date(d)), lines[0])
        raise InstanceFormatError(f"{source}, line {bad}: cannot read the date; use ISO dates "
                                  "like 2024-01-31") from None
    for i in range(1, len(index)):
        if index[i] <= index[i - 1]:
            raise InstanceFormatError(f"{source}, line {lines[i]}: date {dates[i]} is not after "
                                      f"{dates[i - 1]}; sort the rows by date, without repeats")
    return pd.DataFrame(values, index=index, columns=assets)


def _bad_date(text: str) -> bool:
    import pandas as pd

    try:
        pd.to_datetime(text)
        return False
    except (ValueError, TypeError):
        return True


def instance_from_prices(prices: Any, *, k: int | None = None, risk_aversion: float = 1.0,
                         estimator: str = "sample", periods_per_year: int | None = None,
                         name: str = "prices", source: str = "<prices>") -> PortfolioInstance:
    """An instance whose ``mu``/``sigma`` are estimated from ``prices`` (dates x assets)."""
    from hybrid_workbench.usecases.portfolio.estimators import estimate

    if k is None:
        raise InstanceError(f"{source}: a price file needs k (the number of assets to select); "
                            "give it with --param k=5")
    if prices.isna().to_numpy().any():
        raise InstanceError(f"{source}: the prices contain NaN or missing values; fill or drop them")
    if len(prices) < 2:
        raise InstanceError(f"{source}: {len(prices)} date(s): fewer than two dates")
    est = estimate(prices, estimator=estimator, periods_per_year=periods_per_year)
    return PortfolioInstance(
        name=name, assets=tuple(str(c) for c in prices.columns), mu=est.mu, sigma=est.sigma,
        k=k, risk_aversion=risk_aversion,
        meta={"source": source, **est.meta(), "first_date": str(prices.index[0]),
              "last_date": str(prices.index[-1])})


def instance_from_csv(path: str | Path, **params: Any) -> PortfolioInstance:
    """Load a CSV of prices; ``params`` are :data:`PRICE_PARAMS` (``k`` is required)."""
    unknown = sorted(set(params) - set(PRICE_PARAMS))
    if unknown:
        raise InstanceError(f"{path}: unknown parameter(s) {unknown} for a price file; "
                            f"accepted: {', '.join(PRICE_PARAMS)}")
    if "k" not in params:
        raise InstanceError(f"{path}: a price file needs k (the number of assets to select); "
                            "give it with --param k=5 (and --param risk_aversion=1.0)")
    prices = read_prices(path)
    params.setdefault("name", Path(path).stem)
    return instance_from_prices(prices, source=str(path), **params)
