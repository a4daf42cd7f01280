#!/usr/bin/python3
"""Multi-objective tuning with a constraint: a random forest's validation error against its size
(scikit-learn's RandomForestClassifier on the digits data set), the model limited to 1 MiB.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/accuracy_vs_size.py
    .venv/bin/python examples/python/accuracy_vs_size.py --n-trials 80 --max-size-kib 512

Two objectives, both minimised: the validation error (1 - accuracy) and the pickled model's size
in KiB. A bigger forest is more accurate, up to a point; there is no single best trial but a
Pareto front of trade-offs, which `study.best_trials` returns. The size limit is a constraint
(`trial.set_constraints([size - limit])`: feasible when <= 0): trials over it stay in the study
but are never on the front. As in Optuna: `directions=[...]`, the objective returns a tuple.
"""
import argparse
import pickle
import sys

from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

import parzen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-size-kib", type=float, default=1024.0,
                        help="the constraint: models above this size are infeasible")
    args = parser.parse_args()

    X, y = load_digits(return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.3, random_state=0,
                                                          stratify=y)

    def objective(trial):
        model = RandomForestClassifier(
            n_estimators=trial.suggest_int("n_estimators", 1, 64, log=True),
            max_depth=trial.suggest_int("max_depth", 2, 16),
            max_features=trial.suggest_categorical("max_features", ["sqrt", "log2"]),
            min_samples_leaf=trial.suggest_int("min_samples_leaf", 1, 8),
            random_state=0, n_jobs=1)
        model.fit(X_train, y_train)
        error = 1.0 - model.score(X_valid, y_valid)
        size_kib = len(pickle.dumps(model)) / 1024.0
        trial.set_constraints([size_kib - args.max_size_kib])
        return error, size_kib

    parzen.logging.set_verbosity(parzen.logging.WARNING)  # the front below, not a line a trial
    study = parzen.create_study(study_name="forest-error-vs-size",
                                directions=["minimize", "minimize"],
                                sampler=parzen.samplers.TPESampler(seed=args.seed))
    study.optimize(objective, n_trials=args.n_trials)

    complete = [t for t in study.trials if t.state == parzen.TrialState.COMPLETE]
    infeasible = sum(1 for t in complete if any(c > 0 for c in t.constraints))
    front = sorted(study.best_trials, key=lambda t: t.values[1])
    # Trials with equal values (the same forest drawn twice) share a row.
    rows = []
    for t in front:
        if rows and rows[-1][0].values == t.values:
            rows[-1][1].append(t.number)
        else:
            rows.append((t, [t.number]))
    if not front:
        smallest = min((t.values[1] for t in complete), default=None)
        print(f"{len(study.trials)} trials, none feasible: every model is over "
              f"{args.max_size_kib:g} KiB" +
              (f" (the smallest was {smallest:.1f} KiB); raise --max-size-kib" if smallest else ""))
        return 1
    print(f"{len(study.trials)} trials ({infeasible} over {args.max_size_kib:g} KiB, "
          f"infeasible); Pareto front of {len(front)} in {len(rows)} distinct trade-offs:")
    print(f"{'error':>7}  {'size KiB':>9}  {'trials':<10}  params")
    for t, numbers in rows:
        trials = ",".join(map(str, numbers))
        print(f"{t.values[0]:>7.4f}  {t.values[1]:>9.1f}  {trials:<10}  {t.params}")
    small, accurate = front[0], min(front, key=lambda t: t.values[0])
    print(f"smallest model: {small.values[1]:.1f} KiB at error {small.values[0]:.4f}; "
          f"most accurate: error {accurate.values[0]:.4f} at {accurate.values[1]:.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
