"""Portfolio: every registered backend vs enumeration, price CSVs, estimators, CLI errors."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.registry import all_backends
from hybrid_workbench.usecases.portfolio import Portfolio
from hybrid_workbench.usecases.portfolio.analysis import backtest, equal_weight, markowitz_strategy, performance
from hybrid_workbench.usecases.portfolio.market import factor_market, simulate_prices
from hybrid_workbench.usecases.portfolio.prices import instance_from_csv

PF = Portfolio()
HYBRID = str(Path(sys.executable).with_name("hybrid"))
# backends whose best answer must be the optimum on the small instance below
MUST_REACH = {"exact", "cpsat", "dwave-sa", "dwave-tabu", "openjij-sa"}


def optimum(inst) -> float:
    best = -np.inf
    for combo in itertools.combinations(range(inst.n), inst.k):
        w = np.zeros(inst.n)
        w[list(combo)] = 1.0 / inst.k
        best = max(best, float(inst.mu @ w - inst.risk_aversion * w @ inst.sigma @ w))
    return best


@pytest.mark.parametrize("name", sorted(all_backends()))
def test_every_backend_against_enumeration(name: str) -> None:
    backend = all_backends()[name]
    if backend.available() is not True or not {"bqm", "cqm"} & set(backend.model_kinds):
        pytest.skip(f"{name}: not available here or takes neither BQM nor CQM")
    inst = PF.generate(seed=11, size=8, k=3)
    reason = backend.supports(PF.formulate(inst, model_kind=PF.choose_model_kind(backend)).model)
    if reason is not True:  # e.g. a QPU backend without credentials
        pytest.skip(f"{name}: {reason}")
    best = optimum(inst)
    opts = {"num_reads": 100} if name in ("dwave-sa", "openjij-sa") else None
    out = PF.solve(inst, backend, seed=5, options=opts)
    ev = out.evaluation
    recomputed = inst.objective_of(out.solution)
    assert ev.objective == pytest.approx(recomputed, abs=1e-12)
    if ev.feasible:
        assert ev.objective <= best + 1e-9                    # nobody beats the certified optimum
        assert out.result.energy == pytest.approx(-ev.objective, abs=1e-9)
    else:
        assert len(out.solution) != inst.k
    if name in MUST_REACH or backend.capabilities().exact:
        assert ev.feasible and ev.objective == pytest.approx(best, abs=1e-9)


def _write_prices(tmp_path: Path, size: int = 6, days: int = 120) -> tuple[Path, object]:
    prices = simulate_prices(factor_market(seed=3, size=size), days=days, seed=4)
    path = tmp_path / "prices.csv"
    prices.to_csv(path, index_label="date")
    return path, prices


def test_csv_estimators_match_numpy(tmp_path) -> None:
    path, prices = _write_prices(tmp_path)
    inst = instance_from_csv(path, k=2, risk_aversion=2.0)
    r = np.diff(np.log(prices.to_numpy()), axis=0)
    assert inst.meta["annualisation_factor"] == 252 and inst.meta["estimator"] == "sample"
    np.testing.assert_allclose(inst.mu, 252 * r.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(inst.sigma, 252 * np.cov(r.T, ddof=1), rtol=1e-6)
    lw = instance_from_csv(path, k=2, estimator="ledoit-wolf")
    d = lw.meta["shrinkage"]
    assert 0 < d < 1
    rc = r - r.mean(axis=0)
    s = rc.T @ rc / len(r)
    target = np.trace(s) / s.shape[0] * np.eye(s.shape[0])
    np.testing.assert_allclose(lw.sigma, 252 * ((1 - d) * s + d * target), rtol=1e-9)


def test_estimator_recovers_the_factor_model() -> None:
    market = factor_market(seed=8, size=5)
    prices = simulate_prices(market, days=252 * 40, seed=9)
    from hybrid_workbench.usecases.portfolio.prices import instance_from_prices

    est = instance_from_prices(prices, k=2)
    np.testing.assert_allclose(est.sigma, market.sigma, rtol=0.1, atol=0.003)


@pytest.mark.parametrize(("text", "error", "match"), [
    ("date,A,B\n2024-01-02,1,2\n2024-01-03,,2\n2024-01-04,1,2\n", InstanceFormatError,
     "line 3, column 'A': missing price"),
    ("date,A,B\n2024-01-02,1,2\n2024-01-03,nan,2\n2024-01-04,1,2\n", InstanceFormatError,
     "line 3, column 'A': NaN price"),
    ("date,A,B\n2024-01-02,1,2\n", InstanceError, "fewer than two dates"),
    ("date,A,B\n2024-01-02,1,2\n2024-01-03,1\n2024-01-04,1,2\n", InstanceFormatError,
     "line 3: 2 cells but the header has 3"),
    ("date,A,B\n2024-01-02,1,2\n2024-01-03,-1,2\n2024-01-04,1,2\n", InstanceFormatError,
     "must be a positive"),
    ("date,A,B\n2024-01-03,1,2\n2024-01-02,1,2\n2024-01-04,1,2\n", InstanceFormatError,
     "line 3: date 2024-01-02 is not after"),
])
def test_bad_price_files(tmp_path, text, error, match) -> None:
    path = tmp_path / "p.csv"
    path.write_text(text)
    with pytest.raises(error, match=match):
        PF.load(path, k=1)


def test_csv_needs_k_and_checks_its_range(tmp_path) -> None:
    path, _ = _write_prices(tmp_path)
    with pytest.raises(InstanceError, match="needs k"):
        PF.load(path)
    with pytest.raises(InstanceError, match="k = 9 is out of range"):
        PF.load(path, k=9)
    with pytest.raises(InstanceError, match="unknown estimator"):
        PF.load(path, k=2, estimator="magic")


def test_cli_solves_json_and_csv(tmp_path) -> None:
    path, _ = _write_prices(tmp_path)
    run = subprocess.run([HYBRID, "solve", "portfolio", str(path), "--backend", "exact", "--json",
                          "--seed", "1", "--param", "k=3", "--param", "risk_aversion=1.0",
                          "--param", "estimator=ledoit-wolf"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    inst = instance_from_csv(path, k=3, risk_aversion=1.0, estimator="ledoit-wolf")
    assert data["feasible"] and len(data["solution"]) == 3
    assert data["objective"] == pytest.approx(optimum(inst), abs=1e-9)


@pytest.mark.parametrize(("payload", "match"), [
    ({"sigma": [[0.04, 0.1], [0.1, 0.09]]}, "not positive semidefinite"),
    ({"k": 5}, "out of range"),
])
def test_cli_bad_instance_is_one_line(tmp_path, payload, match) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"assets": ["A", "B"], "mu": [0.1, 0.2],
                                "sigma": [[0.04, 0.01], [0.01, 0.09]], "k": 1, **payload}))
    run = subprocess.run([HYBRID, "solve", "portfolio", str(path), "--backend", "exact"],
                         capture_output=True, text=True)
    assert run.returncode == 2
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and match in lines[0] and "Traceback" not in run.stderr


def test_backtest_by_hand_and_metrics() -> None:
    import pandas as pd

    prices = pd.DataFrame({"A": [100, 110, 99, 108.9, 108.9, 119.79],
                           "B": [50, 50, 55, 55, 60.5, 60.5]},
                          index=pd.bdate_range("2024-01-01", periods=6), dtype=float)
    bt = backtest(prices, {"eq": equal_weight}, k=1, window=3, hold=5, estimator="sample")
    # bought 50/50 at t=3, drifting: day 4 A flat, B +10 %; day 5 A +10 %, B flat
    r4 = 0.5 * 0.0 + 0.5 * 0.10
    va, vb = 0.5, 0.55
    r5 = (va * 1.10 + vb) / (va + vb) - 1
    np.testing.assert_allclose(bt.returns["eq"].to_numpy(), [r4, r5])
    p = performance(np.array([0.10, -0.5, 0.2]))
    assert p["max_drawdown"] == pytest.approx(-0.5)


def test_backtest_selection_vs_benchmarks() -> None:
    from hybrid_workbench.usecases.portfolio.analysis import selection_strategy

    prices = simulate_prices(factor_market(seed=1, size=8), days=140, seed=2)
    bt = backtest(prices, {"equal": equal_weight, "markowitz": markowitz_strategy,
                           "select": selection_strategy()}, k=3, window=60, hold=20)
    m = bt.metrics
    assert list(m.index) == ["equal", "markowitz", "select"]
    assert (m["annual_volatility"] > 0).all() and (m["max_drawdown"] <= 0).all()
    assert (m["avg_turnover"] >= 0).all() and (m["avg_turnover"] <= 1).all()
    for w in bt.weights["select"]:
        assert np.count_nonzero(w) == 3 and w.sum() == pytest.approx(1.0)
