#!/usr/bin/python3
"""Optuna's side of bench_tpe_quality: the final regret of one sampler on one function per seed.

Usage: optuna_quality.py FUNCTION SAMPLER N_TRIALS SEED [SEED ...]
SAMPLER: random, tpe, tpe-multivariate, cmaes. Prints one JSON line per seed. The functions
are those of bench/functions.hpp, with the same parameter names and ranges.
"""
import json
import math
import multiprocessing
import sys

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)


def floats(t, d, low, high):
    return [t.suggest_float(f"x{i}", low, high) for i in range(d)]


def branin(t):
    x, y = t.suggest_float("x", -5, 10), t.suggest_float("y", 0, 15)
    b, c = 5.1 / (4 * math.pi ** 2), 5 / math.pi
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(t):
    x = floats(t, 6, 0, 1)
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))


def rosenbrock5(t):
    x = floats(t, 5, -5, 10)
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(4))


def ackley10(t):
    x = floats(t, 10, -32.768, 32.768)
    d = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d))
            - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d) + 20 + math.e)


ACKLEY_SHIFT = [12.3, -7.9, 20.1, -15.4, 3.3, -24.6, 9.8, -2.7, 17.5, -11.2]


def ackley10_shifted(t):
    x = [v - s for v, s in zip(floats(t, 10, -32.768, 32.768), ACKLEY_SHIFT)]
    d = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d))
            - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d) + 20 + math.e)


def levy10(t):
    w = [1 + (v - 1) / 4 for v in floats(t, 10, -10, 10)]
    s = math.sin(math.pi * w[0]) ** 2
    s += sum((w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2) for i in range(len(w) - 1))
    return s + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def styblinski_tang8(t):
    return sum(v ** 4 - 16 * v * v + 5 * v for v in floats(t, 8, -5, 5)) / 2


def mixed(t):
    model = t.suggest_categorical("model", ["a", "b", "c"])
    x = t.suggest_float("x", -5, 5)
    n = t.suggest_int("n", 1, 20)
    lr = t.suggest_float("lr", 1e-5, 1, log=True)
    v = (x - 1) ** 2 + (n - 7) ** 2 / 10 + (math.log10(lr) + 3) ** 2
    if model == "a":
        v += (t.suggest_float("y", 0, 10) - 3) ** 2
    elif model == "b":
        v += 1 + abs(math.log2(t.suggest_int("k", 1, 64, log=True)) - 3)
    else:
        v += 2
    return v


PROBLEMS = {
    "branin": (branin, 0.397887357729738),
    "hartmann6": (hartmann6, -3.322368011415515),
    "rosenbrock5": (rosenbrock5, 0.0),
    "ackley10": (ackley10, 0.0),
    "ackley10_shifted": (ackley10_shifted, 0.0),
    "levy10": (levy10, 0.0),
    "styblinski_tang8": (styblinski_tang8, -39.16616570377142 * 8),
    "mixed": (mixed, 0.0),
}


def run(args):
    function, sampler_name, n_trials, seed = args
    objective, optimum = PROBLEMS[function]
    if sampler_name == "random":
        sampler = optuna.samplers.RandomSampler(seed=seed)
    elif sampler_name == "cmaes":
        sampler = optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    else:
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=sampler_name == "tpe-multivariate",
                                             group=sampler_name == "tpe-multivariate" and function == "mixed",
                                             warn_independent_sampling=False)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=n_trials)
    return {"system": "optuna", "sampler": sampler_name, "function": function, "seed": seed,
            "regret": study.best_value - optimum}


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    function, sampler_name, n_trials = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seeds = [int(s) for s in sys.argv[4:]]
    with multiprocessing.Pool(2) as pool:
        for row in pool.imap(run, [(function, sampler_name, n_trials, s) for s in seeds]):
            print(json.dumps(row), flush=True)
