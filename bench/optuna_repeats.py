"""Optuna 3.1's TPE on bench_repeats' space (SVM on iris, kernel / C / conditional gamma), one
JSON line per seed with the number of complete trials that repeat an earlier trial's parameters.

    /usr/bin/python3 optuna_repeats.py IRIS_CSV N_SEEDS N_TRIALS
"""
import json
import sys

import numpy as np
import optuna
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.svm import SVC

optuna.logging.set_verbosity(optuna.logging.WARNING)


def load(path):
    rows = open(path).read().split("\n")[1:]
    data = np.array([[float(v) for v in r.split(",")] for r in rows if r.strip()])
    return data[:, :-1], data[:, -1].astype(int)


def main():
    path, n_seeds, n_trials = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    x, y = load(path)
    folds = StratifiedKFold(n_splits=5)

    def objective(trial):
        kernel = trial.suggest_categorical("kernel", ["linear", "rbf"])
        c = trial.suggest_float("C", 0.01, 1000, log=True)
        gamma = trial.suggest_float("gamma", 1e-4, 10, log=True) if kernel == "rbf" else "scale"
        return cross_val_score(SVC(kernel=kernel, C=c, gamma=gamma), x, y, cv=folds).mean()

    for seed in range(n_seeds):
        study = optuna.create_study(direction="maximize",
                                    sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(objective, n_trials=n_trials)
        seen, repeats = set(), 0
        for t in study.trials:
            if t.state != optuna.trial.TrialState.COMPLETE:
                continue
            key = tuple(sorted(t.params.items()))
            repeats += key in seen
            seen.add(key)
        print(json.dumps({"seed": seed, "repeats": repeats}), flush=True)


if __name__ == "__main__":
    main()
