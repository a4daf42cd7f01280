#!/usr/bin/python3
"""The seed's experiment from Python: an SVM on iris tuned by TPE through parzen.create_study.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/svm_iris.py
    .venv/bin/python examples/python/svm_iris.py --n-trials 100 --seed 42 --storage sqlite:///svm.db

The objective is the same as the C++ example (examples/svm_iris) and the CLI experiment
(examples/cli/svm_iris/tpe.toml): 5-fold stratified cross-validation accuracy of scikit-learn's
SVC on the same iris copy, kernel in {linear, rbf}, C uniform in [1, 10]. The code is an Optuna
tutorial's: replace `import parzen` by `import optuna as parzen` and it runs unchanged.
"""
import argparse
import os
import time

import numpy as np
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

import parzen

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "iris.csv")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="parallel trials (threads; scikit-learn releases the GIL in libsvm)")
    parser.add_argument("--storage", default=None,
                        help="a storage URL, e.g. sqlite:///svm.db (default: in memory)")
    args = parser.parse_args()

    data = np.loadtxt(DATA, delimiter=",", skiprows=1)
    X, y = data[:, :4], data[:, 4].astype(int)

    def objective(trial):
        kernel = trial.suggest_categorical("kernel", ["linear", "rbf"])
        c = trial.suggest_float("C", 1.0, 10.0)
        return cross_val_score(SVC(kernel=kernel, C=c), X, y, cv=5).mean()

    study = parzen.create_study(
        study_name="svm-iris-tpe", storage=args.storage, load_if_exists=True,
        direction="maximize", sampler=parzen.samplers.TPESampler(seed=args.seed))
    start = time.monotonic()
    study.optimize(objective, n_trials=args.n_trials, n_jobs=args.n_jobs)
    elapsed = time.monotonic() - start

    best = study.best_trial
    print(f"{len(study.trials)} trials in {elapsed:.1f} s")
    print(f"best accuracy {best.value:.4f} (trial {best.number}): "
          f"kernel={best.params['kernel']} C={best.params['C']:.4f}")


if __name__ == "__main__":
    main()
