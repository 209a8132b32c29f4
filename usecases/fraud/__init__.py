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

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hybrid_workbench.errors import OptionsError
from hybrid_workbench.formulation import Formulation, FormulationOptions
from hybrid_workbench.result import Result
from hybrid_workbench.usecase import Evaluation, UseCase
from hybrid_workbench.usecases.fraud.data import FraudInstance, generate_instance, load_instance
from hybrid_workbench.usecases.fraud.qubo import Selection, build_selection_qubo, prototypes
from hybrid_workbench.usecases.fraud.training import score, training_rows

__all__ = ["Fraud", "FraudInstance", "FraudOptions", "SelectionDecoder"]



@dataclass(frozen=True)
class FraudOptions(FormulationOptions):
    """Formulation options of ``fraud``.

    Attributes:
        model_kind: ``bqm`` (the only kind).
        k_ratio: legitimate rows to choose per fraud row (K / fraud rows); > 0.
        candidates: k-means prototypes to choose from (default ``min(2K, 120)``).
        beta: diversity weight; a finite number >= 0.
        minority: ``all`` (keep every fraud row) or ``select`` (choose them too).
        minority_fraction: share of fraud rows kept with ``minority=select``; in (0, 1].
        classifier: ``logreg`` or ``forest``, fitted on the chosen rows.
        seed: k-means seed (default: the instance's).
    """

    model_kind: Literal["bqm"] | None = None
    k_ratio: float = 1.0
    candidates: int | None = None
    beta: float = 1.0
    minority: Literal["all", "select"] = "all"
    minority_fraction: float = 0.5
    classifier: Literal["logreg", "forest"] = "logreg"
    seed: int | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.k_ratio) and self.k_ratio > 0):
            raise OptionsError(f"option 'k_ratio' must be a finite number > 0, "
                               f"got {self.k_ratio!r}")
        if not (math.isfinite(self.beta) and self.beta >= 0):
            raise OptionsError(f"option 'beta' must be a finite number >= 0, got {self.beta!r}")
        if not 0.0 < self.minority_fraction <= 1.0:
            raise OptionsError(f"option 'minority_fraction' must be in (0, 1], "
                               f"got {self.minority_fraction!r}")
        if self.candidates is not None and self.candidates < 3:
            raise OptionsError(f"option 'candidates' must be an integer >= 3, "
                               f"got {self.candidates!r}")
        if self.seed is not None and not 0 <= self.seed < 2 ** 32:
            raise OptionsError(f"option 'seed' must be an integer in 0..2^32-1, "
                               f"got {self.seed!r}")


@dataclass(frozen=True)
class SelectionDecoder:
    """Chosen training rows from a sample of the selection QUBO.

    Attributes:
        selection: the QUBO and its blocks (legitimate prototypes, then fraud ones).
        groups: training-row index of each block's candidates.
        targets: rows to choose per block.
        classifier: the classifier the evaluation fits.
        seed: k-means (and classifier) seed.
    """

    selection: Selection
    groups: tuple[np.ndarray, ...]
    targets: tuple[int, ...]
    classifier: str
    seed: int

    def decode(self, sample: Mapping[Hashable, Any]) -> dict[str, Any]:
        chosen = self.selection.chosen(sample)
        out = {"method": "qubo", "classifier": self.classifier, "seed": self.seed,
               "majority": sorted(self.groups[0][chosen[0]].tolist()), "target": self.targets[0],
               "minority": None, "minority_target": None}
        if len(chosen) > 1:
            out["minority"] = sorted(self.groups[1][chosen[1]].tolist())
            out["minority_target"] = self.targets[1]
        return out


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
    FormulationOptions = FraudOptions
    formats = ("CSV with a label column (--param label=is_fraud), JSON spec "
               '{"generate": {...}} or {"csv": "f.csv", "label": ...}, or generate:...')

    def load(self, source: str | Path, **params: Any) -> FraudInstance:
        return load_instance(source, **params)

    def generate(self, seed: int = 0, **params: Any) -> FraudInstance:
        return generate_instance(seed=seed, **params)

    def _plan(self, instance: FraudInstance, options: FraudOptions) -> tuple[int, int]:
        """``(K, M)``: legitimate rows to choose and prototypes to choose them from."""
        n_maj, n_min = instance.majority_index.size, instance.minority_index.size
        k = max(2, int(round(options.k_ratio * n_min)))
        if k >= n_maj:
            raise OptionsError(f"fraud formulation: option 'k_ratio'={options.k_ratio:g} asks "
                               f"for {k} legitimate rows, the training split has {n_maj}; "
                               f"lower k_ratio below {n_maj / max(n_min, 1):.3g}")
        m = options.candidates if options.candidates is not None else min(2 * k, 120)
        if not k < m <= n_maj:
            raise OptionsError(f"fraud formulation: option 'candidates' must be in "
                               f"{k + 1}..{n_maj} (more than K = {k}, at most the legitimate "
                               f"training rows), got {m}")
        if options.minority == "select" and \
                not max(2, int(round(options.minority_fraction * n_min))) < n_min:
            raise OptionsError(f"fraud formulation: option 'minority_fraction'="
                               f"{options.minority_fraction:g} keeps all {n_min} fraud rows, "
                               "leaving nothing to choose; lower it or use minority=all")
        return k, m

    def check(self, instance: FraudInstance, options: FraudOptions, backend: Any,
              backend_options: Any) -> None:
        """The selection sizes against the instance, before k-means runs."""
        super().check(instance, options, backend, backend_options)
        self._plan(instance, options)

    def _formulate(self, instance: FraudInstance,
                   options: FraudOptions) -> Formulation[SelectionDecoder]:
        k, m = self._plan(instance, options)
        seed = options.seed if options.seed is not None else instance.seed
        maj, mino = instance.majority_index, instance.minority_index
        Xs = _standardise(instance, instance.X_train)
        rows, share = prototypes(Xs[maj], m, seed=seed)
        feats, shares, ks, groups = [Xs[maj][rows]], [share], [k], [maj[rows]]
        if options.minority == "select":
            km = max(2, int(round(options.minority_fraction * len(mino))))
            mm = min(len(mino), max(km + 1, min(2 * km, 120)))
            mrows, mshare = prototypes(Xs[mino], mm, seed=seed)
            feats.append(Xs[mino][mrows])
            shares.append(mshare)
            ks.append(km)
            groups.append(mino[mrows])
        sel = build_selection_qubo(feats, shares, ks, beta=options.beta)
        decoder = SelectionDecoder(sel, tuple(groups), tuple(ks), options.classifier, seed)
        info = {"encoding": "select K of M k-means prototypes: -coverage + diversity + "
                            "cardinality penalty", "num_variables": sel.bqm.num_variables,
                "candidates": [b.size for b in sel.blocks], "k": ks,
                "penalty": [b.penalty for b in sel.blocks], "beta": sel.beta,
                "auxiliary_variables": 0, "classifier": options.classifier}
        return Formulation(model=sel.bqm, decoder=decoder, info=info)

    def interpret(self, instance: FraudInstance, formulation: Formulation[SelectionDecoder],
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
