#!/usr/bin/python3
"""Pruning from Python: a linear classifier trained epoch by epoch (scikit-learn's
SGDClassifier.partial_fit on the digits data set), each epoch's validation accuracy reported to
the study, unpromising trials stopped early by a median or Hyperband pruner.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/pruning.py
    .venv/bin/python examples/python/pruning.py --pruner hyperband --n-trials 60

As in Optuna: trial.report(value, step) after each epoch, then trial.should_prune() and
`raise parzen.TrialPruned()`. A pruned trial costs only the epochs it ran.
"""
import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import parzen

EPOCHS = 20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pruner", choices=["median", "hyperband"], default="median")
    args = parser.parse_args()

    X, y = load_digits(return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, random_state=0,
                                                          stratify=y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_valid = scaler.transform(X_train), scaler.transform(X_valid)
    classes = np.unique(y)

    def objective(trial):
        alpha = trial.suggest_float("alpha", 1e-6, 1e1, log=True)
        loss = trial.suggest_categorical("loss", ["hinge", "log_loss", "modified_huber"])
        eta0 = trial.suggest_float("eta0", 1e-4, 1.0, log=True)
        clf = SGDClassifier(alpha=alpha, loss=loss, learning_rate="constant", eta0=eta0,
                            random_state=0)
        accuracy = 0.0
        for epoch in range(EPOCHS):
            clf.partial_fit(X_train, y_train, classes=classes)
            accuracy = clf.score(X_valid, y_valid)
            trial.report(accuracy, epoch)
            if trial.should_prune():
                raise parzen.TrialPruned()
        return accuracy

    if args.pruner == "median":
        pruner = parzen.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2)
    else:
        pruner = parzen.pruners.HyperbandPruner(min_resource=1, max_resource=EPOCHS,
                                                reduction_factor=3)
    study = parzen.create_study(direction="maximize", pruner=pruner,
                                sampler=parzen.samplers.TPESampler(seed=args.seed))
    start = time.monotonic()
    study.optimize(objective, n_trials=args.n_trials)
    elapsed = time.monotonic() - start

    pruned = study.get_trials(deepcopy=False, states=(parzen.trial.TrialState.PRUNED,))
    complete = study.get_trials(deepcopy=False, states=(parzen.trial.TrialState.COMPLETE,))
    epochs = sum(len(t.intermediate_values) for t in study.trials)
    print(f"{len(study.trials)} trials in {elapsed:.1f} s: {len(complete)} complete, "
          f"{len(pruned)} pruned ({epochs} of {EPOCHS * len(study.trials)} epochs run)")
    best = study.best_trial
    print(f"best validation accuracy {best.value:.4f} (trial {best.number}): {best.params}")


if __name__ == "__main__":
    main()
