"""QUBO-selected training data against random undersampling, SMOTE and no resampling.

One row per (seed, method) with recall, precision, F1, PR-AUC and ROC-AUC of the same
classifier on the same held-out split, so the comparison is like for like. Nothing here
decides a winner: :func:`summarise` gives means and standard deviations over seeds, and
the caller reports them as they are.

Examples:
    >>> from hybrid_workbench.usecases.fraud.data import generate_instance
    >>> inst = generate_instance(seed=1, n_samples=400, fraud_rate=0.08)
    >>> df = compare(inst, seeds=[0], methods=("random", "smote"))
    >>> sorted(df["method"])
    ['random', 'smote']
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from hybrid_workbench.usecases.fraud.data import FraudInstance
from hybrid_workbench.usecases.fraud.training import score, training_rows

__all__ = ["compare", "summarise", "DEFAULT_METHODS"]

DEFAULT_METHODS = ("qubo", "random", "smote", "all")
METRICS = ("recall", "precision", "f1", "pr_auc", "roc_auc")


def compare(instance: FraudInstance, seeds: Iterable[int] = (0, 1, 2),
            methods: Iterable[str] = DEFAULT_METHODS, backend: str = "dwave-sa",
            classifier: str = "logreg", backend_options: Mapping[str, Any] | None = None,
            formulation: Mapping[str, Any] | None = None) -> Any:
    """A pandas DataFrame: one row per seed and method (``qubo`` solved on ``backend``)."""
    import pandas as pd

    from hybrid_workbench.usecases.fraud import Fraud

    uc = Fraud()
    rows = []
    for seed in seeds:
        for method in methods:
            start = time.perf_counter()
            if method == "qubo":
                out = uc.solve(instance, backend, seed=seed, options=backend_options,
                               formulation_options={"classifier": classifier, "seed": seed,
                                                    **dict(formulation or {})})
                metrics = dict(out.evaluation.metrics)
                metrics["feasible"] = out.evaluation.feasible
            else:
                sol = {"method": method, "seed": seed}
                metrics = score(instance, training_rows(instance, sol), classifier, seed=seed)
                metrics["feasible"] = True
            rows.append({"seed": seed, "method": method, "classifier": classifier,
                         **{k: metrics.get(k) for k in (*METRICS, "train_rows", "feasible")},
                         "wall_s": time.perf_counter() - start})
    return pd.DataFrame(rows)


def summarise(df: Any) -> Any:
    """Mean and standard deviation of each metric per method (methods as rows)."""
    return df.groupby("method")[list(METRICS)].agg(["mean", "std"])
