#!/usr/bin/python3
"""The Python peers of bench_cmaes (run by it through /usr/bin/python3; prints JSON lines).

  cmaes_peer.py raw FUNCTION SEED...   python3-cmaes's CMA ask/tell loop: evaluations until the
                                       best value is below 1e-8 (10-D, mean 3, sigma 2,
                                       unbounded, at most 100 000 evaluations)
  cmaes_peer.py speed N_TRIALS         Optuna 3.1 CmaEsSampler: ms per trial over N_TRIALS trials
                                       of a 10-D sphere in memory
"""
import json
import sys
import time

import numpy as np


def sphere(x):
    return float(np.sum(x * x))


def ellipsoid(x):
    n = len(x)
    return float(sum((1000 ** (i / (n - 1)) * x[i]) ** 2 for i in range(n)))


def rosenbrock(x):
    return float(sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1)))


FUNCTIONS = {"sphere": sphere, "ellipsoid": ellipsoid, "rosenbrock": rosenbrock}


def raw(name, seed):
    from cmaes import CMA

    f = FUNCTIONS[name]
    opt = CMA(mean=np.full(10, 3.0), sigma=2.0, seed=seed)
    evals = 0
    while evals < 100000:
        sols = []
        best = np.inf
        for _ in range(opt.population_size):
            x = opt.ask()
            v = f(x)
            best = min(best, v)
            sols.append((x, v))
        evals += len(sols)
        if best < 1e-8:
            return evals
        opt.tell(sols)
    return None


def speed(n_trials):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    sampler = optuna.samplers.CmaEsSampler(seed=1, warn_independent_sampling=False)
    study = optuna.create_study(sampler=sampler)

    def objective(trial):
        return sum((trial.suggest_float(f"x{i}", -5, 5) - 1) ** 2 for i in range(10))

    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    return (time.perf_counter() - start) * 1000 / n_trials


if __name__ == "__main__":
    if sys.argv[1] == "raw":
        for s in sys.argv[3:]:
            print(json.dumps({"system": "python3-cmaes", "function": sys.argv[2], "seed": int(s),
                              "evaluations": raw(sys.argv[2], int(s))}), flush=True)
    elif sys.argv[1] == "speed":
        n = int(sys.argv[2])
        print(json.dumps({"system": "optuna", "trials": n, "ms_per_trial": speed(n)}), flush=True)
