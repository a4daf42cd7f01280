#!/usr/bin/python3
"""Optuna's side of bench_hyperband_overhead: TPE with a HyperbandPruner (1 to 27, eta 3) on a
cheap 5-D objective reporting 27 steps, in memory. Usage: optuna_hyperband_overhead.py N_TRIALS.
Prints one JSON line: the method, the trials and the seconds the study took."""
import json
import sys
import time

import optuna

n = int(sys.argv[1])
optuna.logging.set_verbosity(optuna.logging.ERROR)


def objective(trial):
    s = sum(trial.suggest_float(f"x{i}", -5, 5) ** 2 for i in range(5))
    for step in range(1, 28):
        trial.report(s + 10.0 / step, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return s


study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1),
                            pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=27,
                                                                  reduction_factor=3))
start = time.perf_counter()
study.optimize(objective, n_trials=n)
print(json.dumps({"method": "optuna-tpe-hyperband", "trials": n,
                  "seconds": time.perf_counter() - start}))
