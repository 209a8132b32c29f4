"""Fraud benchmark: QUBO-selected training data vs random undersampling, SMOTE and none.

Over several seeded synthetic data sets (make_classification, 3 % fraud), the same
classifier is trained on each method's training set and scored on the same held-out split
(recall, precision, F1 at 0.5; PR-AUC; ROC-AUC). The QUBO selection runs on ``dwave-sa``.
Reported as means and standard deviations, whoever wins. A script because the other
methods are not backends (the engine compares backends; the QUBO solvers' comparison is
the job file ``benchmarks/jobs/fraud.yaml``). Writes docs/benchmarks/fraud_resampling.md
and fraud_metrics.png, then rebuilds docs/benchmarks.md.

    .venv/bin/python benchmarks/fraud.py [--quick]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from rich.progress import track

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
from collect import collect

from hybrid_workbench.usecases.fraud.compare import METRICS, compare
from hybrid_workbench.usecases.fraud.data import generate_instance

OUT = ROOT / "docs" / "benchmarks"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import pandas as pd

    n_samples = 1000 if args.quick else 4000
    data_seeds = range(2) if args.quick else range(6)
    classifiers = ("logreg",) if args.quick else ("logreg", "forest")
    frames = []
    for seed in track(list(data_seeds), description="fraud"):
        inst = generate_instance(seed=seed, n_samples=n_samples, fraud_rate=0.03)
        for clf in classifiers:
            df = compare(inst, seeds=[seed], classifier=clf)
            frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    summary = df.groupby(["classifier", "method"])[list(METRICS)].agg(["mean", "std"])

    fig, axes = plt.subplots(1, len(classifiers), figsize=(6 * len(classifiers), 4),
                             squeeze=False)
    methods = ["qubo", "random", "smote", "all"]
    for ax, clf in zip(axes[0], classifiers):
        width = 0.2
        for k, method in enumerate(methods):
            means = [summary.loc[(clf, method), (m, "mean")] for m in ("recall", "precision",
                                                                      "pr_auc")]
            stds = [summary.loc[(clf, method), (m, "std")] for m in ("recall", "precision",
                                                                    "pr_auc")]
            ax.bar(np.arange(3) + (k - 1.5) * width, means, width, yerr=stds, capsize=3,
                   label=method)
        ax.set_xticks(range(3), ["recall", "precision", "PR-AUC"])
        ax.set_ylim(0, 1)
        ax.set_title(f"{clf}: mean ± std over {len(data_seeds)} data sets")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "fraud_metrics.png", dpi=90)
    plt.close(fig)

    cmd = "`.venv/bin/python benchmarks/fraud.py" + (" --quick`" if args.quick else "`")
    lines = ["## Fraud: QUBO selection against resampling methods", "",
             ("Script, not a job file: random undersampling, SMOTE and no resampling are "
             "classical methods, not backends, so the engine cannot run them beside the QUBO "
             "selection. The QUBO solvers' own comparison is in the fraud section (job file "
             "`benchmarks/jobs/fraud.yaml`)."), "",
             (f"Machine: {platform.processor() or platform.machine()}, 2-core CPU, no GPU. "
             f"Repeat with {cmd}."), "",
             (f"{len(data_seeds)} synthetic data sets (`make_classification`, {n_samples} rows, "
             "3 % fraud, 30 % held out, seeds "
             f"{list(data_seeds)}). Training sets: `qubo` = all fraud rows + as many legitimate "
             "rows chosen by the selection QUBO (k-means prototypes, coverage - diversity, "
             "solved by `dwave-sa`); `random` = random undersampling to balance; `smote` = "
             "SMOTE to balance; `all` = no resampling. Same classifier, same test split. "
             "Recall/precision at the 0.5 threshold."), "",
             "| classifier | method | recall | precision | F1 | PR-AUC | ROC-AUC |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for clf in classifiers:
        for method in methods:
            cells = [f"{summary.loc[(clf, method), (m, 'mean')]:.3f} ± "
                     f"{summary.loc[(clf, method), (m, 'std')]:.3f}" for m in METRICS]
            lines.append(f"| {clf} | {method} | " + " | ".join(cells) + " |")
    wins = []
    for clf in classifiers:
        per = df[df.classifier == clf].pivot(index="seed", columns="method", values="recall")
        pr = df[df.classifier == clf].pivot(index="seed", columns="method", values="pr_auc")
        wins.append(f"{clf}: QUBO recall above random undersampling on "
                    f"{int((per.qubo > per.random).sum())}/{len(per)} data sets, above SMOTE on "
                    f"{int((per.qubo > per.smote).sum())}/{len(per)}; QUBO PR-AUC above random "
                    f"on {int((pr.qubo > pr.random).sum())}/{len(pr)}, above SMOTE on "
                    f"{int((pr.qubo > pr.smote).sum())}/{len(pr)}.")
    lines += ["", *wins, "", "![fraud metrics](./fraud_metrics.png)", ""]
    (OUT / "fraud_resampling.md").write_text("\n".join(lines))
    df.to_csv("/tmp/fraud_benchmark_rows.csv", index=False)
    print("\n".join(lines))
    print(collect())


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"done in {time.perf_counter() - t0:.0f} s")
