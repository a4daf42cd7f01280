"""Optuna 3.1's NSGAIISampler on ZDT1 / ZDT2 (30 variables in [0, 1], two objectives), for
bench_nsga2: one JSON line per seed with the hypervolume (reference (11, 11)) of all trials and
the milliseconds per trial.

    /usr/bin/python3 bench/optuna_nsga2.py PROBLEM N_TRIALS SEED...
"""

import json
import math
import sys
import time

import numpy as np
import optuna
from optuna._hypervolume import WFG

N_VARIABLES = 30


def make_objective(problem):
    def objective(trial):
        x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(N_VARIABLES)]
        g = 1 + 9 * sum(x[1:]) / (N_VARIABLES - 1)
        f1 = x[0]
        if problem == "zdt1":
            f2 = g * (1 - math.sqrt(f1 / g))
        else:
            f2 = g * (1 - (f1 / g) ** 2)
        return f1, f2

    return objective


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    problem, n_trials = sys.argv[1], int(sys.argv[2])
    for seed in map(int, sys.argv[3:]):
        study = optuna.create_study(
            directions=["minimize", "minimize"], sampler=optuna.samplers.NSGAIISampler(seed=seed)
        )
        start = time.perf_counter()
        study.optimize(make_objective(problem), n_trials=n_trials)
        elapsed = time.perf_counter() - start
        points = np.array([t.values for t in study.trials if t.values is not None])
        inside = points[np.all(points < 11.0, axis=1)]
        hv = WFG().compute(inside, np.array([11.0, 11.0])) if len(inside) else 0.0
        print(
            json.dumps(
                {"problem": problem, "seed": seed, "hypervolume": hv,
                 "ms_per_trial": elapsed * 1e3 / n_trials}
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
