"""Train one standard classifier on a chosen training set and score it on held-out data.

Every selection method is judged the same way: the same scikit-learn classifier (logistic
regression on standardised features by default, or a random forest), fitted on the rows the
method chose, scored on the untouched test split by recall, precision, F1 (at the 0.5
threshold) and PR-AUC (average precision, threshold-free: the fair summary on imbalanced
data). The comparators are imbalanced-learn's ``RandomUnderSampler`` and ``SMOTE``, plus
"all" (no resampling).

Examples:
    >>> from hybrid_workbench.usecases.fraud.data import generate_instance
    >>> inst = generate_instance(seed=0, n_samples=400, fraud_rate=0.1)
    >>> m = score(inst, training_rows(inst, {"method": "random", "seed": 0}))
    >>> sorted(m)[:3], 0.0 <= m["pr_auc"] <= 1.0
    (['f1', 'pr_auc', 'precision'], True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hybrid_workbench._optional import require
from hybrid_workbench.errors import InstanceError
from hybrid_workbench.usecases.fraud.data import FraudInstance

__all__ = ["CLASSIFIERS", "METHODS", "make_classifier", "training_rows", "score"]

CLASSIFIERS = ("logreg", "forest")
METHODS = ("qubo", "indices", "random", "smote", "all")


def make_classifier(name: str = "logreg", seed: int = 0) -> Any:
    """The downstream model: ``logreg`` (standardised logistic regression) or ``forest``."""
    require("sklearn", extra="ml", purpose="the fraud use case")
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    if name == "forest":
        return RandomForestClassifier(n_estimators=200, min_samples_leaf=2, random_state=seed,
                                      n_jobs=1)
    raise InstanceError(f"unknown classifier {name!r}; use one of {', '.join(CLASSIFIERS)}")


def training_rows(instance: FraudInstance,
                  solution: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The training set ``(X, y)`` a solution describes.

    ``method`` is ``qubo``/``indices`` (rows ``majority`` and ``minority`` of the training
    split; ``minority`` None keeps every fraud row), ``random`` (random undersampling to
    balance, seeded), ``smote`` (SMOTE oversampling to balance, seeded) or ``all``.
    """
    method = solution.get("method")
    seed = int(solution.get("seed", 0) or 0)
    X, y = instance.X_train, instance.y_train
    if method in ("qubo", "indices"):
        maj = np.asarray(solution.get("majority", []), dtype=np.int64)
        mino = solution.get("minority")
        mino = instance.minority_index if mino is None else np.asarray(mino, dtype=np.int64)
        rows = np.concatenate([maj, mino])
        return X[rows], y[rows]
    if method == "random":
        from imblearn.under_sampling import RandomUnderSampler

        return RandomUnderSampler(random_state=seed).fit_resample(X, y)
    if method == "smote":
        from imblearn.over_sampling import SMOTE

        k = min(5, int(y.sum()) - 1)
        return SMOTE(random_state=seed, k_neighbors=k).fit_resample(X, y)
    if method == "all":
        return X, y
    raise InstanceError(f"unknown selection method {method!r}; use one of {', '.join(METHODS)}")


def score(instance: FraudInstance, train: tuple[np.ndarray, np.ndarray],
          classifier: str = "logreg", seed: int = 0) -> dict[str, float]:
    """Fit the classifier on ``train`` and score it on the instance's test split."""
    from sklearn.metrics import (
        average_precision_score,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    X, y = train
    model = make_classifier(classifier, seed=seed).fit(X, y)
    proba = model.predict_proba(instance.X_test)[:, 1]
    pred = (proba >= 0.5).astype(np.int64)
    yt = instance.y_test
    return {"recall": float(recall_score(yt, pred, zero_division=0)),
            "precision": float(precision_score(yt, pred, zero_division=0)),
            "f1": float(f1_score(yt, pred, zero_division=0)),
            "pr_auc": float(average_precision_score(yt, proba)),
            "roc_auc": float(roc_auc_score(yt, proba)),
            "train_rows": int(len(y)), "train_fraud": int(np.sum(y))}
