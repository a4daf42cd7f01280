#!/usr/bin/python3
"""Optuna's side of bench_mo_quality (Debian python3-optuna 3.1).

Usage:
  optuna_mo_quality.py run PROBLEM SAMPLER N_TRIALS SEED [SEED ...]
      SAMPLER: tpe (TPESampler on a multi-objective study, i.e. Optuna's MOTPE), nsga2
      (NSGAIISampler), and for the constrained single-objective problems (gardner1, gardner2)
      tpe and tpe-multivariate. Constraints go to the sampler through constraints_func.
      Prints one JSON line per seed with the values of the feasible complete trials ("values"),
      from which bench_mo_quality computes the hypervolume or the regret itself, so that both
      systems are measured by the same code.
  optuna_mo_quality.py check PROBLEM X_JSON
      Prints {"values": [objectives..., constraints...]} at the point X_JSON (a JSON list), for
      bench_mo_quality --check, which compares them with bench/mo_functions.hpp.

The problems are those of bench/mo_functions.hpp (see there for the literature), with the same
parameter names x0, x1, ... and ranges.
"""
import json
import math
import multiprocessing
import sys
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)


def zdt_g(x):
    return 1 + 9 * sum(x[1:]) / (len(x) - 1)


def zdt1(x):
    g = zdt_g(x)
    return [x[0], g * (1 - math.sqrt(x[0] / g))]


def zdt2(x):
    g = zdt_g(x)
    return [x[0], g * (1 - (x[0] / g) ** 2)]


def zdt3(x):
    g = zdt_g(x)
    return [x[0], g * (1 - math.sqrt(x[0] / g) - x[0] / g * math.sin(10 * math.pi * x[0]))]


def dtlz2_objectives(x, m):
    g = sum((v - 0.5) ** 2 for v in x[m - 1:])
    f = []
    for i in range(m):
        v = 1 + g
        for j in range(m - 1 - i):
            v *= math.cos(x[j] * math.pi / 2)
        if i > 0:
            v *= math.sin(x[m - 1 - i] * math.pi / 2)
        f.append(v)
    return f


def dtlz2(x):
    return dtlz2_objectives(x, 3)


def s_multi(y, a, b, c):
    t = abs(y - c) / (2 * (math.floor(c - y) + c))
    return (1 + math.cos((4 * a + 2) * math.pi * (0.5 - t)) + 4 * b * t * t) / (b + 2)


def wfg4(z):
    k = 4
    y = [min(max(s_multi(min(max(v / (2 * (i + 1)), 0.0), 1.0), 30, 10, 0.35), 0.0), 1.0)
         for i, v in enumerate(z)]
    x1 = sum(y[:k]) / k
    xm = sum(y[k:]) / (len(y) - k)
    return [xm + 2 * math.sin(x1 * math.pi / 2), xm + 4 * math.cos(x1 * math.pi / 2)]


def bnh(x):
    return [4 * x[0] ** 2 + 4 * x[1] ** 2, (x[0] - 5) ** 2 + (x[1] - 5) ** 2,
            (x[0] - 5) ** 2 + x[1] ** 2 - 25, 7.7 - (x[0] - 8) ** 2 - (x[1] + 3) ** 2]


def srn(x):
    return [2 + (x[0] - 2) ** 2 + (x[1] - 1) ** 2, 9 * x[0] - (x[1] - 1) ** 2,
            x[0] ** 2 + x[1] ** 2 - 225, x[0] - 3 * x[1] + 10]


def constr(x):
    return [x[0], (1 + x[1]) / x[0], 6 - x[1] - 9 * x[0], 1 + x[1] - 9 * x[0]]


def c2_dtlz2(x):
    r = 0.4
    f = dtlz2_objectives(x, 3)
    c = min((f[i] - 1) ** 2 + sum(f[j] ** 2 for j in range(3) if j != i) - r * r for i in range(3))
    centre = sum((v - 1 / math.sqrt(3)) ** 2 for v in f) - r * r
    return f + [min(c, centre)]


def gardner1(x):
    return [math.cos(2 * x[0]) * math.cos(x[1]) + math.sin(x[0]),
            math.cos(x[0]) * math.cos(x[1]) - math.sin(x[0]) * math.sin(x[1]) - 0.5]


def gardner2(x):
    return [math.sin(x[0]) + x[1], math.sin(x[0]) * math.sin(x[1]) + 0.95]


# name: (function, number of objectives, ranges)
PROBLEMS = {
    "zdt1": (zdt1, 2, [(0, 1)] * 30),
    "zdt2": (zdt2, 2, [(0, 1)] * 30),
    "zdt3": (zdt3, 2, [(0, 1)] * 30),
    "dtlz2": (dtlz2, 3, [(0, 1)] * 12),
    "wfg4": (wfg4, 2, [(0, 2 * (i + 1)) for i in range(24)]),
    "bnh": (bnh, 2, [(0, 5), (0, 3)]),
    "srn": (srn, 2, [(-20, 20)] * 2),
    "constr": (constr, 2, [(0.1, 1), (0, 5)]),
    "c2_dtlz2": (c2_dtlz2, 3, [(0, 1)] * 12),
    "gardner1": (gardner1, 1, [(0, 6)] * 2),
    "gardner2": (gardner2, 1, [(0, 6)] * 2),
}


def constraints_of(trial):
    return trial.user_attrs["constraints"]


def run(args):
    problem, sampler_name, n_trials, seed = args
    function, n_objectives, ranges = PROBLEMS[problem]
    constrained = len(function([lo for lo, _ in ranges])) > n_objectives
    cf = constraints_of if constrained else None
    if sampler_name == "nsga2":
        sampler = optuna.samplers.NSGAIISampler(seed=seed, constraints_func=cf)
    else:
        sampler = optuna.samplers.TPESampler(seed=seed, constraints_func=cf,
                                             multivariate=sampler_name == "tpe-multivariate")

    def objective(trial):
        x = [trial.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(ranges)]
        out = function(x)
        if constrained:
            trial.set_user_attr("constraints", out[n_objectives:])
        return out[0] if n_objectives == 1 else tuple(out[:n_objectives])

    study = optuna.create_study(directions=["minimize"] * n_objectives, sampler=sampler)
    study.optimize(objective, n_trials=n_trials)
    values = []
    for t in study.trials:
        if t.state != optuna.trial.TrialState.COMPLETE:
            continue
        if constrained and any(c > 0 for c in t.user_attrs["constraints"]):
            continue
        values.append(list(t.values))
    return {"system": "optuna", "sampler": sampler_name, "problem": problem, "seed": seed,
            "values": values}


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    if sys.argv[1] == "check":
        function, _, _ = PROBLEMS[sys.argv[2]]
        print(json.dumps({"values": function(json.loads(sys.argv[3]))}))
        sys.exit(0)
    problem, sampler_name, n_trials = sys.argv[2], sys.argv[3], int(sys.argv[4])
    seeds = [int(s) for s in sys.argv[5:]]
    with multiprocessing.Pool(2) as pool:
        for row in pool.imap(run, [(problem, sampler_name, n_trials, s) for s in seeds]):
            print(json.dumps(row), flush=True)
