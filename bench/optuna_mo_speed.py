#!/usr/bin/python3
"""Optuna's side of bench_mo_speed: ms per ask+tell of TPESampler on a multi-objective study.

Usage: optuna_mo_speed.py PROBLEM N K SEED   (PROBLEM: a multi-objective problem of
bench/optuna_mo_quality.py, e.g. zdt1 or dtlz2)
Prints one JSON line {"system": "optuna", "problem": ..., "n": N, "ms_per_trial": ...,
"cpu_ms_per_trial": ...} (wall-clock and process CPU time). The
study is prefilled with N completed trials of random parameters, then K trials are asked and
told with TPESampler; the first of them is a warm-up and not timed.
"""
import json
import sys
import time
import warnings

import numpy as np
import optuna

from optuna_mo_quality import PROBLEMS

warnings.simplefilter("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)
problem, n, k, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
function, n_objectives, ranges = PROBLEMS[problem]
dists = {f"x{i}": optuna.distributions.FloatDistribution(lo, hi) for i, (lo, hi) in enumerate(ranges)}
rng = np.random.RandomState(seed)
trials = []
for _ in range(n):
    params = {f"x{i}": float(rng.uniform(lo, hi)) for i, (lo, hi) in enumerate(ranges)}
    values = function(list(params.values()))[:n_objectives]
    trials.append(optuna.trial.create_trial(params=params, distributions=dists, values=values))
study = optuna.create_study(directions=["minimize"] * n_objectives,
                            sampler=optuna.samplers.TPESampler(seed=seed))
study.add_trials(trials)


def one():
    t = study.ask()
    x = [t.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(ranges)]
    study.tell(t, function(x)[:n_objectives])


one()  # warm-up
start, cpu_start = time.perf_counter(), time.process_time()
for _ in range(k - 1):
    one()
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
print(json.dumps({"system": "optuna", "problem": problem, "n": n,
                  "ms_per_trial": elapsed * 1000 / (k - 1),
                  "cpu_ms_per_trial": cpu * 1000 / (k - 1)}))
