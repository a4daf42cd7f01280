#!/usr/bin/python3
"""Real tuning tasks: Parzen's default sampler (create_study() without a sampler: "auto") against
Optuna 3.1's TPESampler on scikit-learn models over the data sets bundled with scikit-learn,
3-fold cross-validated log-loss (classifiers) or mean squared error (regressors), minimised.

    PYTHONPATH=build/python /usr/bin/python3 bench/auto_sklearn_tasks.py [--seeds 10]
        [--trials 50] [--tasks svm,knn,...] [--jobs 2] [--systems parzen,optuna]
        [--rows FILE,...]

--systems runs only those systems (each run prints one JSON line); --rows reads back such lines
(other lines are skipped) from earlier runs, and a (task, system, seed) found there is not run
again. Optuna's side no Parzen change alters (TPESampler(seed=s) and the fits are
deterministic), so the two sides can run apart and be tabled together:

    /usr/bin/python3 bench/auto_sklearn_tasks.py --jobs 1 --systems optuna > optuna.txt
    PYTHONPATH=build/python /usr/bin/python3 bench/auto_sklearn_tasks.py --jobs 1 \\
        --systems parzen > parzen.txt
    /usr/bin/python3 bench/auto_sklearn_tasks.py --rows optuna.txt,parzen.txt   # runs nothing

Tasks (small data sets, n_jobs=1 inside each fit so that the run time stays sane):
  svm         SVC(probability=True) on breast_cancer (scaled), a conditional space: kernel in
              {linear, rbf, poly, sigmoid}; gamma only for rbf/poly/sigmoid, degree and coef0
              only where the kernel uses them; C log-uniform
  forest      RandomForestClassifier on wine: n_estimators, max_depth, min_samples_leaf,
              max_features, criterion
  adaboost    AdaBoostClassifier on breast_cancer: n_estimators, learning_rate (log)
  mlp         MLPClassifier on iris (scaled): hidden units (log int), alpha (log),
              learning_rate_init (log), activation
  elasticnet  ElasticNet on diabetes (scaled): alpha (log), l1_ratio -> MSE
  knn         KNeighborsRegressor on diabetes (scaled): n_neighbors, weights, p -> MSE

Each (task, system, seed) run: 50 evaluations, the final best value. Reported per task: median
[IQR] of the best value per system, and a two-sided Mann-Whitney U test (scipy) of Parzen's
default against Optuna's TPE. Prints one JSON line per run, then the table.
"""
import argparse
import json
import multiprocessing
import statistics
import sys
import warnings

import numpy as np

TASKS = ["svm", "forest", "adaboost", "mlp", "elasticnet", "knn"]


def data(name):
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler
    loader = {"breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine,
              "iris": datasets.load_iris, "diabetes": datasets.load_diabetes}[name]
    x, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(x), y


def objective_of(task):
    from sklearn import ensemble, linear_model, neighbors, neural_network, svm
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    if task in ("elasticnet", "knn"):
        x, y = data("diabetes")
        cv, scoring = KFold(3, shuffle=True, random_state=0), "neg_mean_squared_error"
    else:
        x, y = data({"svm": "breast_cancer", "forest": "wine", "adaboost": "breast_cancer",
                     "mlp": "iris"}[task])
        cv, scoring = StratifiedKFold(3, shuffle=True, random_state=0), "neg_log_loss"

    def model(t):
        if task == "svm":
            kernel = t.suggest_categorical("kernel", ["linear", "rbf", "poly", "sigmoid"])
            kw = {"C": t.suggest_float("C", 1e-3, 1e3, log=True)}
            if kernel != "linear":
                kw["gamma"] = t.suggest_float("gamma", 1e-4, 1e1, log=True)
            if kernel == "poly":
                kw["degree"] = t.suggest_int("degree", 2, 5)
            if kernel in ("poly", "sigmoid"):
                kw["coef0"] = t.suggest_float("coef0", -1, 1)
            return svm.SVC(kernel=kernel, probability=True, random_state=0, **kw)
        if task == "forest":
            return ensemble.RandomForestClassifier(
                n_estimators=t.suggest_int("n_estimators", 10, 100),
                max_depth=t.suggest_int("max_depth", 1, 12),
                min_samples_leaf=t.suggest_int("min_samples_leaf", 1, 10),
                max_features=t.suggest_float("max_features", 0.1, 1.0),
                criterion=t.suggest_categorical("criterion", ["gini", "entropy"]),
                random_state=0, n_jobs=1)
        if task == "adaboost":
            return ensemble.AdaBoostClassifier(
                n_estimators=t.suggest_int("n_estimators", 10, 100),
                learning_rate=t.suggest_float("learning_rate", 1e-3, 2.0, log=True),
                random_state=0)
        if task == "mlp":
            return neural_network.MLPClassifier(
                hidden_layer_sizes=(t.suggest_int("units", 4, 128, log=True),),
                alpha=t.suggest_float("alpha", 1e-6, 1e-1, log=True),
                learning_rate_init=t.suggest_float("learning_rate_init", 1e-4, 1e-1, log=True),
                activation=t.suggest_categorical("activation", ["relu", "tanh"]),
                max_iter=200, random_state=0)
        if task == "elasticnet":
            return linear_model.ElasticNet(alpha=t.suggest_float("alpha", 1e-4, 10, log=True),
                                           l1_ratio=t.suggest_float("l1_ratio", 0.0, 1.0),
                                           max_iter=5000)
        return neighbors.KNeighborsRegressor(n_neighbors=t.suggest_int("n_neighbors", 1, 50),
                                             weights=t.suggest_categorical(
                                                 "weights", ["uniform", "distance"]),
                                             p=t.suggest_int("p", 1, 2))

    def objective(t):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return -float(np.mean(cross_val_score(model(t), x, y, cv=cv, scoring=scoring,
                                                  n_jobs=1)))
    return objective


def run(args):
    task, system, trials, seed = args
    objective = objective_of(task)
    if system == "parzen":
        import parzen
        # The default sampler, seeded: what create_study() without a sampler builds.
        study = parzen.create_study(sampler=parzen.samplers.AutoSampler(seed=seed))
    else:
        import optuna
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=trials)
    return {"task": task, "system": system, "seed": seed, "trials": trials,
            "best": study.best_value}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--systems", default="parzen,optuna")
    ap.add_argument("--rows", default="", help="files of JSON lines from earlier runs")
    a = ap.parse_args()
    tasks = a.tasks.split(",")
    systems = a.systems.split(",")
    for s in systems:
        if s not in ("parzen", "optuna"):
            ap.error(f"--systems: unknown system '{s}' (parzen, optuna)")
    best = {}
    seen = set()

    def add(row, where):
        key = (row["task"], row["system"], row["seed"])
        if key in seen:
            sys.exit(f"{where}: a second row for task {key[0]}, system {key[1]}, seed {key[2]}")
        seen.add(key)
        best.setdefault((row["task"], row["system"]), []).append(row["best"])

    for path in filter(None, a.rows.split(",")):
        with open(path) as f:
            for number, line in enumerate(f, 1):
                if not line.startswith("{"):
                    continue
                row = json.loads(line)
                if (row.get("task") in tasks and row.get("seed") in range(a.seeds)
                        and row.get("trials") == a.trials):
                    add(row, f"{path}:{number}")
    jobs = [(t, s, a.trials, seed) for t in tasks for seed in range(a.seeds) for s in systems
            if (t, s, seed) not in seen]
    with multiprocessing.Pool(a.jobs) as pool:
        for row in pool.imap_unordered(run, jobs):
            print(json.dumps(row), flush=True)
            add(row, "this run")
    missing = [f"{t}/{s}" for t in tasks for s in ("parzen", "optuna")
               if len(best.get((t, s), [])) != a.seeds]
    if missing:
        sys.exit(f"rows missing (each needs {a.seeds} seeds): {', '.join(missing)}")
    from scipy.stats import mannwhitneyu

    def cell(v):
        q = np.percentile(v, [25, 50, 75])
        return f"{q[1]:.4g} [{q[0]:.3g}, {q[2]:.3g}]"
    print(f"\n{a.trials} evaluations, {a.seeds} seeds: best 3-fold CV loss, median [IQR]\n")
    print("| task | metric | parzen default (auto) | optuna tpe | parzen <= optuna | "
          "Mann-Whitney p |\n|---|---|---:|---:|---|---:|")
    for t in tasks:
        p, o = best[(t, "parzen")], best[(t, "optuna")]
        pv = mannwhitneyu(p, o, alternative="two-sided").pvalue
        metric = "MSE" if t in ("elasticnet", "knn") else "log-loss"
        print(f"| {t} | {metric} | {cell(p)} | {cell(o)} | "
              f"{'yes' if statistics.median(p) <= statistics.median(o) else 'no'} | {pv:.3f} |")


if __name__ == "__main__":
    sys.exit(main())
