#!/usr/bin/python3
"""Optuna's side of bench_tpe_speed: ms per ask+tell at a given number of completed trials.

Usage: optuna_speed.py SAMPLER N K SEED   (SAMPLER: tpe, tpe-multivariate, random)
Prints one JSON line: {"system": "optuna", "sampler": ..., "n": N, "ms_per_trial": ...}.
The study is prefilled with N completed trials of random parameters (10 floats in [-5, 5],
sphere objective), then K trials are asked and told with the sampler under test; the first
of them is a warm-up and not timed.
"""
import json
import sys
import time

import numpy as np
import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
sampler_name, n, k, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
dists = {f"x{i}": optuna.distributions.FloatDistribution(-5, 5) for i in range(10)}
rng = np.random.RandomState(seed)
trials = []
for _ in range(n):
    params = {name: float(rng.uniform(-5, 5)) for name in dists}
    trials.append(optuna.trial.create_trial(params=params, distributions=dists,
                                            value=sum(v * v for v in params.values())))
if sampler_name == "random":
    sampler = optuna.samplers.RandomSampler(seed=seed)
else:
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=sampler_name == "tpe-multivariate")
study = optuna.create_study(sampler=sampler)
study.add_trials(trials)


def one():
    t = study.ask()
    study.tell(t, sum(t.suggest_float(name, -5, 5) ** 2 for name in dists))


one()  # warm-up
start = time.perf_counter()
for _ in range(k - 1):
    one()
elapsed = time.perf_counter() - start
print(json.dumps({"system": "optuna", "sampler": sampler_name, "n": n,
                  "ms_per_trial": elapsed * 1000 / (k - 1)}))
