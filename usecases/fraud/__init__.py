"""Fraud detection: annealing-chosen training data for a standard classifier.

Banks have reported better fraud recall when the training rows of a classifier are chosen
by an annealer for diversity and representativeness instead of by random undersampling or
SMOTE. This use case reproduces that pipeline honestly, so the claim can be checked:

* instance: an imbalanced labelled table, split once into train/test (:mod:`.data`): a CSV
  with a label column, a JSON spec (generated or CSV), or ``generate:...``;
* formulation: the selection QUBO over k-means prototypes of the legitimate class
  (:mod:`.qubo`): pick ``K`` (default: as many as there are fraud rows) that cover the class
  and are unlike each other; options ``k_ratio`` (K / fraud rows, 1.0), ``candidates``
  (prototypes, default ``min(2K, 120)``), ``beta`` (diversity weight, 1.0), ``minority``
  (``all`` or ``select``), ``minority_fraction`` (0.5), ``classifier`` (``logreg`` or
  ``forest``), ``seed`` (k-means, default the instance's);
* interpretation: the chosen training rows (nothing repaired; a wrong count is infeasible);
* evaluation (:mod:`.training`), independent of the QUBO: the classifier is fitted on the
  chosen rows plus the fraud rows and scored on the held-out split;
* baseline: SMOTE with the same classifier; :func:`hybrid_workbench.usecases.fraud.compare.compare` adds
  random undersampling and no resampling over several seeds.

**CLI objective**: the PR-AUC (average precision) of the classifier on the held-out test
split, higher is better (``sense = "max"``); recall, precision, F1 and ROC-AUC are in
``metrics``. PR-AUC is used because recall alone rewards whichever method keeps the
fewest legitimate rows, and it does not depend on a decision threshold.

Examples:
    >>> from hybrid_workbench.usecases.fraud import Fraud
    >>> fr = Fraud()
    >>> inst = fr.generate(seed=0, n_samples=400, fraud_rate=0.08)
    >>> out = fr.solve(inst, "dwave-sa", seed=0)
    >>> out.evaluation.feasible, len(out.solution["majority"]) == out.solution["target"]
    (True, True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hybrid_workbench.errors import InstanceError
from hybrid_workbench.result import Result
from hybrid_workbench.usecase import Evaluation, Formulation, UseCase
from hybrid_workbench.usecases.fraud.data import FraudInstance, generate_instance, load_instance
from hybrid_workbench.usecases.fraud.qubo import build_selection_qubo, prototypes
from hybrid_workbench.usecases.fraud.training import CLASSIFIERS, score, training_rows

__all__ = ["Fraud", "FraudInstance"]

FORMULATION_OPTIONS = {"k_ratio", "candidates", "beta", "minority", "minority_fraction",
                       "classifier", "seed"}


def _standardise(instance: FraudInstance, X: np.ndarray) -> np.ndarray:
    mu = instance.X_train.mean(0)
    sd = instance.X_train.std(0)
    return (X - mu) / np.where(sd > 0, sd, 1.0)


class Fraud(UseCase):
    """Training-data selection for fraud detection as a QUBO, scored downstream."""

    name = "fraud"
    description = ("fraud-detection training-data selection (diverse, representative subset); "
                   "objective = held-out PR-AUC")
    sense = "max"
    model_kinds = ("bqm",)
    formats = ("CSV with a label column (--param label=is_fraud), JSON spec "
               '{"generate": {...}} or {"csv": "f.csv", "label": ...}, or generate:...')

    def load(self, source: str | Path, **params: Any) -> FraudInstance:
        return load_instance(source, **params)

    def generate(self, seed: int = 0, **params: Any) -> FraudInstance:
        return generate_instance(seed=seed, **params)

    def formulate(self, instance: FraudInstance, model_kind: str = "bqm",
                  **options: Any) -> Formulation:
        unknown = set(options) - FORMULATION_OPTIONS
        if unknown:
            raise InstanceError(f"unknown fraud formulation option(s) {sorted(unknown)}; "
                                f"accepted: {', '.join(sorted(FORMULATION_OPTIONS))}")
        classifier = str(options.get("classifier", "logreg"))
        if classifier not in CLASSIFIERS:
            raise InstanceError(f"classifier must be one of {CLASSIFIERS}, got {classifier!r}")
        minority = str(options.get("minority", "all"))
        if minority not in ("all", "select"):
            raise InstanceError(f"minority must be 'all' or 'select', got {minority!r}")
        seed = int(options.get("seed", instance.seed))
        maj, mino = instance.majority_index, instance.minority_index
        k = max(2, int(round(float(options.get("k_ratio", 1.0)) * len(mino))))
        if k >= len(maj):
            raise InstanceError(f"k_ratio asks for {k} legitimate rows, the training split has "
                                f"{len(maj)}; lower k_ratio")
        m = int(options.get("candidates", min(2 * k, 120)))
        if not k < m <= len(maj):
            raise InstanceError(f"candidates must be in ({k}, {len(maj)}], got {m}")
        Xs = _standardise(instance, instance.X_train)
        rows, share = prototypes(Xs[maj], m, seed=seed)
        feats, shares, ks, groups = [Xs[maj][rows]], [share], [k], [maj[rows]]
        if minority == "select":
            frac = float(options.get("minority_fraction", 0.5))
            km = max(2, int(round(frac * len(mino))))
            mm = min(len(mino), max(km + 1, min(2 * km, 120)))
            if not km < mm:
                raise InstanceError(f"minority_fraction={frac} leaves nothing to choose from")
            mrows, mshare = prototypes(Xs[mino], mm, seed=seed)
            feats.append(Xs[mino][mrows])
            shares.append(mshare)
            ks.append(km)
            groups.append(mino[mrows])
        sel = build_selection_qubo(feats, shares, ks, beta=float(options.get("beta", 1.0)))

        def decode(sample: Any) -> dict[str, Any]:
            chosen = sel.chosen(sample)
            out = {"method": "qubo", "classifier": classifier, "seed": seed,
                   "majority": sorted(groups[0][chosen[0]].tolist()), "target": k,
                   "minority": None, "minority_target": None}
            if len(chosen) > 1:
                out["minority"] = sorted(groups[1][chosen[1]].tolist())
                out["minority_target"] = ks[1]
            return out

        info = {"encoding": "select K of M k-means prototypes: -coverage + diversity + "
                            "cardinality penalty", "num_variables": sel.bqm.num_variables,
                "candidates": [b.size for b in sel.blocks], "k": ks,
                "penalty": [b.penalty for b in sel.blocks], "beta": sel.beta,
                "auxiliary_variables": 0, "classifier": classifier}
        return Formulation(model=sel.bqm, decode=decode, info=info)

    def interpret(self, instance: FraudInstance, formulation: Formulation,
                  result: Result) -> dict[str, Any]:
        return formulation.decode(result.sample or {})

    def evaluate(self, instance: FraudInstance, solution: dict[str, Any]) -> Evaluation:
        """Feasibility of the selection, then the classifier's held-out scores."""
        method = solution.get("method")
        problems: list[str] = []
        if method in ("qubo", "indices"):
            maj = np.asarray(solution.get("majority", []), dtype=np.int64)
            mino = solution.get("minority")
            n = instance.y_train.size
            if maj.size and (maj.min() < 0 or maj.max() >= n or np.any(instance.y_train[maj] != 0)):
                problems.append("'majority' must list legitimate training rows")
            if len(set(maj.tolist())) != maj.size:
                problems.append("'majority' repeats rows")
            target = solution.get("target")
            if target is not None and maj.size != int(target):
                problems.append(f"{maj.size} legitimate rows chosen, {target} asked")
            if mino is not None:
                mi = np.asarray(mino, dtype=np.int64)
                if mi.size == 0 or mi.min() < 0 or mi.max() >= n or np.any(instance.y_train[mi] != 1):
                    problems.append("'minority' must list fraud training rows")
                elif solution.get("minority_target") is not None and \
                        mi.size != int(solution["minority_target"]):
                    problems.append(f"{mi.size} fraud rows chosen, "
                                    f"{solution['minority_target']} asked")
            if maj.size == 0:
                problems.append("no legitimate rows chosen")
        metrics: dict[str, Any] = {"method": method, **instance.summary(), "problems": problems}
        if problems:
            return Evaluation(feasible=False, objective=None, metrics=metrics)
        scores = score(instance, training_rows(instance, solution),
                       classifier=str(solution.get("classifier", "logreg")),
                       seed=int(solution.get("seed", 0) or 0))
        metrics.update(scores)
        return Evaluation(feasible=True, objective=scores["pr_auc"], metrics=metrics)

    def baseline(self, instance: FraudInstance, classifier: str = "logreg",
                 seed: int | None = None) -> dict[str, Any]:
        """SMOTE to balance, then the same classifier (the usual strong classical recipe)."""
        return {"method": "smote", "classifier": classifier,
                "seed": instance.seed if seed is None else seed}
