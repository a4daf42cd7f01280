#!/usr/bin/python3
"""Optuna's side of bench_xgboost_pruning: the same XGBoost task with Optuna's TPE and its pruners.

Usage: optuna_xgboost.py CSV METHOD SEED MAX_ROUNDS ROUND_BUDGET
METHOD: none, median or hyperband. Same data, split (every fourth sample validates), search
space, XGBoost parameters and per-round reporting as examples/xgboost/tuning.cpp; Debian's
python3-xgboost wraps the same libxgboost. Prints one JSON line: the trajectory as
[rounds boosted so far, best complete trial's validation log-loss, whether the trial completed]
after each trial.
"""
import json
import math
import sys

import numpy as np
import optuna
import xgboost as xgb

csv, method, seed, max_rounds, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
optuna.logging.set_verbosity(optuna.logging.ERROR)

data = np.loadtxt(csv, delimiter=",", skiprows=1)
x, y = data[:, :-1].astype(np.float32), data[:, -1].astype(np.float32)
valid = np.arange(len(y)) % 4 == 0
dtrain = xgb.DMatrix(x[~valid], label=y[~valid], missing=np.nan)
dvalid = xgb.DMatrix(x[valid], label=y[valid], missing=np.nan)

pruners = {
    "none": optuna.pruners.NopPruner(),
    "median": optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5),
    "hyperband": optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max_rounds, reduction_factor=3),
}
rounds = 0
best = math.inf
trajectory = []


def objective(trial):
    global rounds
    params = {
        "objective": "binary:logistic", "eval_metric": "logloss", "nthread": 1,
        "tree_method": "exact", "verbosity": 0, "seed": seed,
        "eta": trial.suggest_float("eta", 1e-3, 0.5, log=True),
        "max_depth": trial.suggest_int("max_depth", 1, 10),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.5, 1.0),
        "min_child_weight": trial.suggest_float("min_child_weight", 1e-2, 10.0, log=True),
        "lambda": trial.suggest_float("lambda", 1e-3, 10.0, log=True),
        "alpha": trial.suggest_float("alpha", 1e-3, 10.0, log=True),
    }
    booster = xgb.Booster(params, [dtrain, dvalid])
    loss = math.nan
    for r in range(1, max_rounds + 1):
        booster.update(dtrain, r - 1)
        loss = float(booster.eval(dvalid, "valid", r - 1).split("logloss:")[1])
        rounds += 1
        trial.report(loss, r)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return loss


def callback(study, trial):
    global best
    if trial.state == optuna.trial.TrialState.COMPLETE:
        best = min(best, trial.value)
    trajectory.append([rounds, best, trial.state == optuna.trial.TrialState.COMPLETE])
    if rounds >= budget:
        study.stop()


study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed), pruner=pruners[method])
study.optimize(objective, callbacks=[callback])
print(json.dumps({"method": "optuna-" + method, "seed": seed, "trajectory": trajectory}))
