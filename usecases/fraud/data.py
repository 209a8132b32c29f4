"""Imbalanced fraud data sets: the instance, its file formats and a seeded generator.

An instance is a labelled table split once, stratified, into a training part (from which
training data is selected) and a held-out test part (on which every selection is scored).
Label 1 is the minority ("fraud") class.

Accepted sources (:func:`load_instance`):

* **CSV** with a header and a label column: ``hybrid solve fraud data.csv --param
  label=is_fraud``. Parameters: ``label`` (default: the first of ``label``, ``is_fraud``,
  ``fraud``, ``Class``, ``class``, ``target``), ``positive`` (the fraud value; default the
  rarer one), ``drop`` (columns to ignore, e.g. ``drop=[id,time]``), ``test_size`` (0.3),
  ``seed`` (split seed, 0). Every other column must be numeric with no missing value.
* **JSON spec**, either of::

    {"generate": {"n_samples": 3000, "n_features": 12, "fraud_rate": 0.03,
                  "class_sep": 0.8, "seed": 0}, "test_size": 0.3}
    {"csv": "transactions.csv", "label": "is_fraud", "drop": ["id"], "test_size": 0.3}

  (a relative ``csv`` path is read from the JSON file's folder).
* ``generate:n_samples=3000,fraud_rate=0.03,seed=1`` on the command line.

Examples:
    >>> inst = generate_instance(seed=0, n_samples=500, fraud_rate=0.05)
    >>> inst.X_train.shape[1], int(inst.y_train.sum()) > 0, bool(inst.y_test.mean() < 0.1)
    (10, True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hybrid_workbench.instancefiles import read_json_file, read_text_file
from hybrid_workbench.errors import InstanceError, InstanceFormatError

__all__ = ["FraudInstance", "generate_instance", "load_instance", "from_arrays"]

LABEL_GUESSES = ("label", "is_fraud", "fraud", "Class", "class", "target")
GEN_KEYS = {"n_samples", "n_features", "n_informative", "fraud_rate", "class_sep", "flip_y",
            "seed"}


@dataclass(frozen=True, eq=False)
class FraudInstance:
    """A stratified train/test split of an imbalanced binary data set (1 = fraud)."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]
    source: str = ""
    seed: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def minority_index(self) -> np.ndarray:
        """Training-row indices of the fraud class."""
        return np.flatnonzero(self.y_train == 1)

    @property
    def majority_index(self) -> np.ndarray:
        """Training-row indices of the legitimate class."""
        return np.flatnonzero(self.y_train == 0)

    def summary(self) -> dict[str, Any]:
        return {"train": int(self.y_train.size), "test": int(self.y_test.size),
                "train_fraud": int(self.y_train.sum()), "test_fraud": int(self.y_test.sum()),
                "features": len(self.feature_names)}


def from_arrays(X: np.ndarray, y: np.ndarray, *, name: str = "data", source: str = "",
                feature_names: tuple[str, ...] | None = None, test_size: float = 0.3,
                seed: int = 0, meta: dict[str, Any] | None = None) -> FraudInstance:
    """Split ``X, y`` (labels 0/1) stratified into a :class:`FraudInstance`."""
    from sklearn.model_selection import train_test_split

    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(np.int64)
    if not 0.0 < float(test_size) < 1.0:
        raise InstanceError(f"{source or name}: test_size must be in (0, 1), got {test_size}")
    counts = np.bincount(y, minlength=2)
    if len(counts) > 2 or counts.min() < 4:
        raise InstanceError(f"{source or name}: need labels 0/1 with at least 4 rows of each "
                            f"class, got counts {counts.tolist()}")
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, random_state=seed,
                                          stratify=y)
    names = feature_names or tuple(f"x{i}" for i in range(X.shape[1]))
    return FraudInstance(name=name, X_train=Xtr, y_train=ytr, X_test=Xte, y_test=yte,
                         feature_names=tuple(names), source=source, seed=seed,
                         meta=dict(meta or {}))


def generate_instance(seed: int = 0, n_samples: int = 3000, n_features: int = 10,
                      n_informative: int = 5, fraud_rate: float = 0.03, class_sep: float = 0.8,
                      flip_y: float = 0.01, test_size: float = 0.3) -> FraudInstance:
    """A seeded imbalanced data set from :func:`sklearn.datasets.make_classification`."""
    from sklearn.datasets import make_classification

    _check_generator(n_samples=n_samples, n_features=n_features, n_informative=n_informative,
                     fraud_rate=fraud_rate, class_sep=class_sep, flip_y=flip_y,
                     test_size=test_size, seed=seed)
    X, y = make_classification(n_samples=n_samples, n_features=n_features,
                               n_informative=n_informative,
                               n_redundant=min(2, n_features - n_informative),
                               weights=[1.0 - fraud_rate], class_sep=class_sep, flip_y=flip_y,
                               random_state=seed)
    name = f"synthetic-n{n_samples}-f{n_features}-r{fraud_rate:g}-s{seed}"
    return from_arrays(X, y, name=name, source=f"make_classification(seed={seed})",
                       test_size=test_size, seed=seed,
                       meta={"generator": {"n_samples": n_samples, "n_features": n_features,
                                           "fraud_rate": fraud_rate, "class_sep": class_sep}})


def _integer(value: Any, lo: int) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= lo


def _number(value: Any, lo: float, hi: float, lo_open: bool, hi_open: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        return False
    v = float(value)
    return (lo < v if lo_open else lo <= v) and (v < hi if hi_open else v <= hi)


def _check_generator(*, where: str = "fraud generator", **values: Any) -> None:
    """Each generator parameter's type and range, one sentence per mistake."""
    rules = {
        "n_samples": (lambda v: _integer(v, 40), "an integer >= 40"),
        "n_features": (lambda v: _integer(v, 2), "an integer >= 2"),
        "n_informative": (lambda v: _integer(v, 1), "an integer >= 1"),
        "fraud_rate": (lambda v: _number(v, 0.0, 0.5, True, True), "a number in (0, 0.5)"),
        "class_sep": (lambda v: _number(v, 0.0, 1e6, True, False), "a number > 0"),
        "flip_y": (lambda v: _number(v, 0.0, 1.0, False, True), "a number in [0, 1)"),
        "test_size": (lambda v: _number(v, 0.0, 1.0, True, True), "a number in (0, 1)"),
        "seed": (lambda v: _integer(v, 0) and v < 2 ** 32, "an integer in 0..2^32-1"),
    }
    for name, value in values.items():
        ok, want = rules[name]
        if not ok(value):
            raise InstanceError(f"{where}: {name} must be {want}, got {value!r}")
    informative, features = values.get("n_informative", 5), values.get("n_features", 10)
    if informative > features:
        raise InstanceError(f"{where}: n_informative ({informative}) must be "
                            f"<= n_features ({features})")


def _read_csv(path: Path, label: str | None = None, positive: Any = None,
              drop: list[str] | str | None = None, test_size: float = 0.3,
              seed: int = 0, name: str | None = None) -> FraudInstance:
    import pandas as pd

    _check_generator(where=f"{path}: parameter", test_size=test_size, seed=seed)
    try:
        df = pd.read_csv(path)
    except UnicodeDecodeError:
        read_text_file(path)  # names the line of the first byte that is not UTF-8
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InstanceFormatError(f"{path}: cannot be read as CSV: "
                                  f"{str(exc).strip() or 'no columns'}") from None
    cols = [str(c) for c in df.columns]
    df.columns = cols
    if label is None:
        label = next((c for c in LABEL_GUESSES if c in cols), None)
        if label is None:
            raise InstanceFormatError(f"{path}: no label column found; name it with --param "
                                      f"label=COLUMN (columns: {', '.join(cols)})")
    if label not in cols:
        raise InstanceFormatError(f"{path}: label column {label!r} not in the header "
                                  f"(columns: {', '.join(cols)})")
    drop_list = [drop] if isinstance(drop, str) else list(drop or [])
    missing = [c for c in drop_list if c not in cols]
    if missing:
        raise InstanceFormatError(f"{path}: cannot drop {missing}: not columns of the file")
    labels = df[label]
    if labels.isna().any():
        row = int(np.flatnonzero(labels.isna().to_numpy())[0])
        raise InstanceFormatError(f"{path}, line {row + 2}: label column {label!r} is empty")
    values = labels.unique()
    if len(values) != 2:
        raise InstanceFormatError(f"{path}: label column {label!r} must hold exactly two values, "
                                  f"found {len(values)}: {list(values)[:5]}")
    if positive is None:
        counts = labels.value_counts()
        positive = counts.index[-1]
    elif positive not in set(values.tolist()):
        match = [v for v in values if str(v) == str(positive)]
        if not match:
            raise InstanceFormatError(f"{path}: positive={positive!r} is not a value of "
                                      f"{label!r} ({list(values)})")
        positive = match[0]
    feats = df.drop(columns=[label, *drop_list])
    bad = [c for c in feats.columns if not pd.api.types.is_numeric_dtype(feats[c])]
    if bad:
        raise InstanceFormatError(f"{path}: non-numeric column(s) {bad}; encode them or "
                                  f"ignore them with --param drop=[{','.join(bad)}]")
    if feats.shape[1] == 0:
        raise InstanceFormatError(f"{path}: no feature columns besides the label")
    na = feats.isna().to_numpy()
    if na.any():
        row, col = map(int, np.argwhere(na)[0])
        raise InstanceFormatError(f"{path}, line {row + 2}: column {feats.columns[col]!r} is "
                                  "empty; fill or drop missing values first")
    X = feats.to_numpy(dtype=float)
    bad_rows, bad_cols = np.nonzero(~np.isfinite(X))
    if bad_rows.size:
        row, col = int(bad_rows[0]), int(bad_cols[0])
        raise InstanceFormatError(f"{path}, line {row + 2}: column {feats.columns[col]!r} holds "
                                  f"{X[row, col]}; every feature value must be a finite number")
    y = (labels == positive).to_numpy().astype(np.int64)
    return from_arrays(X, y, name=name or path.stem, source=str(path),
                       feature_names=tuple(feats.columns), test_size=test_size, seed=seed,
                       meta={"label": label, "positive": str(positive)})


def load_instance(source: str | Path, **params: Any) -> FraudInstance:
    """Load a CSV or a JSON spec (module docstring); ``params`` come from ``--param``."""
    path = Path(source)
    if not path.exists():
        raise InstanceError(f"instance file not found: {source} (give a CSV with a label "
                            "column, a JSON spec, or generate:n_samples=3000,seed=1)")
    csv_keys = {"label", "positive", "drop", "test_size", "seed", "name"}
    if path.suffix.lower() != ".json":
        unknown = set(params) - csv_keys
        if unknown:
            raise InstanceError(f"{path}: unknown parameter(s) {sorted(unknown)}; CSV files "
                                f"take {', '.join(sorted(csv_keys))}")
        return _read_csv(path, **params)
    spec = read_json_file(path)
    if not isinstance(spec, dict) or ("generate" in spec) == ("csv" in spec):
        raise InstanceFormatError(f"{path}: expected an object with exactly one of 'generate' "
                                  '(e.g. {"generate": {"n_samples": 3000, "fraud_rate": 0.03}}) '
                                  'or \'csv\' (e.g. {"csv": "data.csv", "label": "is_fraud"})')
    spec = {**spec, **params}
    if "generate" in spec:
        gen = spec.pop("generate")
        extra = set(spec) - {"test_size", "name", "comment"}
        if not isinstance(gen, dict) or set(gen) - GEN_KEYS or extra:
            raise InstanceFormatError(f"{path}: 'generate' takes {sorted(GEN_KEYS)}; the spec "
                                      "itself takes test_size, name")
        test_size = spec.get("test_size", 0.3)
        try:
            _check_generator(where=f"{path}: field 'generate'", **gen)
            _check_generator(where=f"{path}: field", test_size=test_size)
        except InstanceError as exc:
            raise InstanceFormatError(str(exc)) from None
        inst = generate_instance(**gen, test_size=test_size)
        return FraudInstance(**{**inst.__dict__, "name": spec.get("name", path.stem),
                                "source": str(path)})
    csv = Path(spec.pop("csv"))
    spec.pop("comment", None)
    unknown = set(spec) - csv_keys
    if unknown:
        raise InstanceFormatError(f"{path}: unknown field(s) {sorted(unknown)}; a CSV spec "
                                  f"takes csv, {', '.join(sorted(csv_keys))}")
    csv = csv if csv.is_absolute() else path.parent / csv
    if not csv.exists():
        raise InstanceFormatError(f"{path}: field 'csv' names {csv}, which does not exist")
    return _read_csv(csv, **spec)
