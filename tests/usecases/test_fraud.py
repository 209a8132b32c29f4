"""Fraud training-data selection: QUBO optimum vs brute force, data loading, scoring, CLI."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.usecases.fraud import Fraud
from hybrid_workbench.usecases.fraud.data import generate_instance
from hybrid_workbench.usecases.fraud.qubo import build_selection_qubo

FR = Fraud()


@pytest.fixture(scope="module")
def small():
    return generate_instance(seed=2, n_samples=400, fraud_rate=0.08)


def selection_objective(feats: np.ndarray, share: np.ndarray, k: int, chosen, beta=1.0) -> float:
    """The docstring's coverage + diversity objective, computed directly for one subset."""
    m = len(feats)
    d2 = np.array([[np.sum((a - b) ** 2) for b in feats] for a in feats])
    scale = np.median([d2[i, j] for i in range(m) for j in range(i + 1, m)])
    value = -sum(m * share[i] for i in chosen)
    for i, j in itertools.combinations(chosen, 2):
        value += 2 * beta / (k - 1) * np.exp(-d2[i, j] / scale)
    return value


@pytest.mark.parametrize("m,k,seed", [(10, 4, 0), (12, 3, 1), (9, 5, 2)])
def test_qubo_minimum_is_the_best_subset_of_size_k(m, k, seed) -> None:
    rng = np.random.default_rng(seed)
    feats = rng.normal(size=(m, 3))
    share = rng.dirichlet(np.ones(m))
    sel = build_selection_qubo([feats], [share], [k])
    labels = sel.blocks[0].labels()
    energies = {}
    for bits in itertools.product((0, 1), repeat=m):
        energies[bits] = sel.bqm.energy(dict(zip(labels, bits)))
    best_k = min(e for b, e in energies.items() if sum(b) == k)
    best_other = min(e for b, e in energies.items() if sum(b) != k)
    assert best_other > best_k  # the cardinality penalty is large enough
    brute = min(selection_objective(feats, share, k, c) for c in itertools.combinations(range(m), k))
    assert best_k == pytest.approx(brute)
    from hybrid_workbench.registry import get_backend

    res = get_backend("exact").solve(sel.bqm, seed=0)
    assert res.energy == pytest.approx(brute)
    assert len(sel.chosen(res.sample)[0]) == k


def test_solve_selects_exactly_k_legitimate_rows(small) -> None:
    out = FR.solve(small, "dwave-sa", seed=0)
    sol = out.solution
    assert out.evaluation.feasible
    assert len(sol["majority"]) == sol["target"] == int(small.y_train.sum())
    assert np.all(small.y_train[sol["majority"]] == 0)
    assert 0.0 <= out.evaluation.objective <= 1.0
    assert out.evaluation.objective == out.evaluation.metrics["pr_auc"]


def test_minority_selection_block(small) -> None:
    out = FR.solve(small, "dwave-sa", seed=0, formulation_options={"minority": "select"})
    sol = out.solution
    assert out.evaluation.feasible and len(sol["minority"]) == sol["minority_target"]
    assert np.all(small.y_train[sol["minority"]] == 1)


def test_evaluate_matches_an_independent_sklearn_fit(small) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, recall_score
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    maj = rng.choice(small.majority_index, size=30, replace=False)
    ev = FR.evaluate(small, {"method": "indices", "majority": maj.tolist(), "target": 30})
    rows = np.r_[maj, small.minority_index]
    sc = StandardScaler().fit(small.X_train[rows])
    lr = LogisticRegression(max_iter=2000).fit(sc.transform(small.X_train[rows]),
                                               small.y_train[rows])
    proba = lr.predict_proba(sc.transform(small.X_test))[:, 1]
    assert ev.objective == pytest.approx(average_precision_score(small.y_test, proba))
    assert ev.metrics["recall"] == pytest.approx(recall_score(small.y_test, proba >= 0.5))


def test_infeasible_selection_is_flagged(small) -> None:
    maj = small.majority_index[:5].tolist()
    ev = FR.evaluate(small, {"method": "qubo", "majority": maj, "target": 6})
    assert not ev.feasible and ev.objective is None
    ev = FR.evaluate(small, {"method": "qubo", "majority": small.minority_index[:3].tolist()})
    assert not ev.feasible


def test_baseline_is_smote_and_scores(small) -> None:
    sol = FR.baseline(small)
    ev = FR.evaluate(small, sol)
    assert sol["method"] == "smote" and ev.feasible
    assert ev.metrics["train_fraud"] == ev.metrics["train_rows"] // 2  # balanced by SMOTE


def test_compare_table(small) -> None:
    from hybrid_workbench.usecases.fraud.compare import compare, summarise

    df = compare(small, seeds=[0, 1])
    assert len(df) == 8 and set(df["method"]) == {"qubo", "random", "smote", "all"}
    assert df["feasible"].all()
    assert summarise(df).shape[0] == 4


def _csv(tmp_path, text: str):
    path = tmp_path / "tx.csv"
    path.write_text(text)
    return path


def test_csv_loading_and_errors(tmp_path) -> None:
    rng = np.random.default_rng(0)
    lines = ["amount,hour,is_fraud"]
    for i in range(120):
        lines.append(f"{rng.normal():.3f},{rng.integers(24)},{int(i % 12 == 0)}")
    good = _csv(tmp_path, "\n".join(lines) + "\n")
    inst = FR.load(good, label="is_fraud")
    assert inst.feature_names == ("amount", "hour") and inst.y_train.sum() + inst.y_test.sum() == 10
    assert FR.load(good).meta["label"] == "is_fraud"  # guessed
    with pytest.raises(InstanceFormatError, match="not in the header"):
        FR.load(good, label="fraud_flag")
    bad = _csv(tmp_path, "a,kind,is_fraud\n1,x,0\n2,y,1\n")
    with pytest.raises(InstanceFormatError, match=r"non-numeric column\(s\) \['kind'\]"):
        FR.load(bad)
    hole = _csv(tmp_path, "a,b,is_fraud\n1,2,0\n1,,1\n")
    with pytest.raises(InstanceFormatError, match="line 3: column 'b'"):
        FR.load(hole)
    one = _csv(tmp_path, "a,is_fraud\n1,0\n2,0\n")
    with pytest.raises(InstanceFormatError, match="exactly two values"):
        FR.load(one)
    with pytest.raises(InstanceError, match="unknown parameter"):
        FR.load(good, lable="is_fraud")


def test_json_specs(tmp_path) -> None:
    spec = tmp_path / "gen.json"
    spec.write_text(json.dumps({"generate": {"n_samples": 300, "fraud_rate": 0.1, "seed": 4}}))
    inst = FR.load(spec)
    assert inst.name == "gen" and inst.y_train.size == 210
    spec.write_text(json.dumps({"generate": {"n_rows": 300}}))
    with pytest.raises(InstanceFormatError, match="'generate' takes"):
        FR.load(spec)
    spec.write_text("{\n \"csv\": }")
    with pytest.raises(InstanceFormatError, match="line 2"):
        FR.load(spec)
    spec.write_text(json.dumps({"csv": "missing.csv"}))
    with pytest.raises(InstanceFormatError, match="does not exist"):
        FR.load(spec)


def test_cli_solve_csv_with_label_param(tmp_path, cli) -> None:
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=300, n_features=5, weights=[0.9], random_state=3)
    lines = ["f0,f1,f2,f3,f4,is_fraud"] + [",".join(f"{v:.4f}" for v in row) + f",{t}"
                                          for row, t in zip(X, y)]
    path = _csv(tmp_path, "\n".join(lines) + "\n")
    proc = cli("solve", "fraud", str(path), "--backend", "dwave-sa", "--seed", "0",
               "--param", "label=is_fraud", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["feasible"] and 0.0 <= data["objective"] <= 1.0
    assert data["objective"] == data["metrics"]["pr_auc"]
    proc = cli("solve", "fraud", str(path), "--backend", "dwave-sa", "--param", "label=nope")
    assert proc.returncode != 0 and "not in the header" in proc.stderr
