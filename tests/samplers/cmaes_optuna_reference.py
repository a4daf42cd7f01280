#!/usr/bin/python3
"""Reference runs of Optuna 3.1's CmaEsSampler for tests/samplers/cmaes_test.cpp
(CmaEsSampler.SameGenerationsAsOptunaForTheSameCandidates).

Each case is an ask/tell loop of Optuna's CmaEsSampler (cmaes 0.9.1 underneath): trials are
asked in batches and told in reverse order, some fail, some are pruned after reporting. The
script prints every step (the parameters Optuna's sampler proposed, in suggestion order; how the
trial ended), the generation Optuna recorded on each trial, and every distribution Optuna stored
(generation, mean, sigma, covariance, in Optuna's transformed space with its bounds; the
dimensions in the order of "names", Parzen's are sorted by name). The C++
test replays the same steps with Parzen's CmaEsSampler, each trial enqueued with Optuna's
parameters, and compares the generations and the distributions: the sampler layers (startup
trial, transform, sigma0, how a generation is assembled, pruned trials) must agree.

Every case's parameters have the same range in the transformed space (Optuna's CMA-ES works in
that space, Parzen's in [0, 1] per parameter: the two coincide, up to one scale factor, only
then). Regenerate the stored copy with:
    /usr/bin/python3 tests/samplers/cmaes_optuna_reference.py \
        > tests/samplers/data/cmaes_optuna_reference.json
"""
import json
import math
import pickle
import warnings

import optuna

warnings.simplefilter("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)

R = 15.0
LN21 = math.log(21.0)

CASES = [
    {
        "name": "floats, ints, steps, log; minimize",
        "direction": "minimize",
        "consider_pruned_trials": False,
        "params": [
            {"name": "x", "type": "float", "low": -5.0, "high": 10.0},
            {"name": "y", "type": "float", "low": 0.0, "high": 15.0},
            {"name": "n", "type": "int", "low": 0, "high": 14},
            {"name": "s", "type": "float", "low": 0.0, "high": 13.5, "step": 1.5},
            {"name": "lr", "type": "float", "low": 1e-3, "high": 1e-3 * math.exp(R), "log": True},
        ],
        "trials": 70,
        "batch": 3,
        "seed": 3,
    },
    {
        "name": "log int, pruned trials counted; maximize",
        "direction": "maximize",
        "consider_pruned_trials": True,
        "params": [
            {"name": "k", "type": "int", "low": 1, "high": 10, "log": True},
            {"name": "u", "type": "float", "low": 0.0, "high": LN21},
            {"name": "v", "type": "float", "low": -LN21 / 2, "high": LN21 / 2},
        ],
        "trials": 60,
        "batch": 2,
        "seed": 7,
    },
    {
        # Trial 0 is pruned (after reporting) before trial 1 is asked: with
        # consider_pruned_trials it counts as one of the two startup trials (though not for the
        # intersection search space, so trial 1 is drawn independently either way), and trial 2
        # is CMA-ES's.
        "name": "stepped int, a pruned startup trial, n_startup_trials 2; minimize",
        "direction": "minimize",
        "consider_pruned_trials": True,
        "n_startup_trials": 2,
        "params": [
            {"name": "a", "type": "float", "low": 0.0, "high": 10.0},
            {"name": "b", "type": "float", "low": -3.0, "high": 7.0},
            {"name": "m", "type": "int", "low": 0, "high": 8, "step": 2},
        ],
        "trials": 40,
        "batch": 1,
        "seed": 11,
    },
    {
        # Trials 0 and 1 have a parameter the later ones lack (a conditional one): trial 2 is
        # drawn from a 4-D first distribution, and once trial 2 completes the intersection
        # search space shrinks to 3-D before the first update. Optuna then starts a fresh 3-D
        # distribution (it stores none before its first update) and counts trial 2 in it.
        "name": "the space shrinks before the first update; minimize",
        "direction": "minimize",
        "consider_pruned_trials": False,
        "params": [
            {"name": "a", "type": "float", "low": 0.0, "high": 4.0},
            {"name": "b", "type": "float", "low": 1.0, "high": 5.0},
            {"name": "c", "type": "float", "low": -2.0, "high": 2.0},
            {"name": "w", "type": "float", "low": 0.0, "high": 4.0, "only_trials": [0, 1, 2]},
        ],
        "trials": 45,
        "batch": 1,
        "seed": 5,
    },
]


def suggest(trial, p):
    if p["type"] == "int":
        return trial.suggest_int(p["name"], p["low"], p["high"], log=p.get("log", False),
                                 step=p.get("step", 1))
    return trial.suggest_float(p["name"], p["low"], p["high"], log=p.get("log", False),
                               step=p.get("step"))


def unit(p, v):
    lo, hi = p["low"], p["high"]
    if p.get("log"):
        return (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo))
    return (v - lo) / (hi - lo)


def objective(case, params):
    # A rotated quadratic in [0, 1] units, so the covariance learns something.
    u = [unit(p, params[p["name"]]) for p in case["params"] if p["name"] in params]
    v = sum((a - 0.3 - 0.1 * i) ** 2 * (1 + i) for i, a in enumerate(u))
    v += 0.5 * u[0] * u[1]
    return -v if case["direction"] == "maximize" else v


def run(case):
    sampler = optuna.samplers.CmaEsSampler(
        seed=case["seed"], consider_pruned_trials=case["consider_pruned_trials"],
        n_startup_trials=case.get("n_startup_trials", 1), warn_independent_sampling=False)
    study = optuna.create_study(direction=case["direction"], sampler=sampler)
    steps = []
    asked = 0
    while asked < case["trials"]:
        batch = []
        for _ in range(min(case["batch"], case["trials"] - asked)):
            t = study.ask()
            params = {p["name"]: suggest(t, p) for p in case["params"]
                      if t.number in p.get("only_trials", [t.number])}
            steps.append({"ask": t.number, "params": [[p["name"], params[p["name"]]]
                                                       for p in case["params"]
                                                       if p["name"] in params]})
            batch.append((t, params))
            asked += 1
        for t, params in reversed(batch):
            value = objective(case, params)
            if t.number % 11 == 5:
                study.tell(t, state=optuna.trial.TrialState.FAIL)
                steps.append({"tell": t.number, "state": "fail"})
            elif t.number % 7 == 0:
                t.report(value + 0.25 * (1 if case["direction"] == "minimize" else -1), 1)
                t.report(value, 3)
                study.tell(t, state=optuna.trial.TrialState.PRUNED)
                steps.append({"tell": t.number, "state": "pruned", "reports": [[1, value + 0.25 * (
                    1 if case["direction"] == "minimize" else -1)], [3, value]]})
            else:
                study.tell(t, value)
                steps.append({"tell": t.number, "state": "complete", "value": value})

    generation_of = {}
    distributions = {}
    for t in study.get_trials(deepcopy=False):
        if "cma:generation" in t.system_attrs:
            generation_of[t.number] = t.system_attrs["cma:generation"]
        parts = sorted((k for k in t.system_attrs if k.startswith("cma:optimizer:")),
                       key=lambda k: int(k.rsplit(":", 1)[1]))
        if parts:
            opt = pickle.loads(bytes.fromhex("".join(t.system_attrs[k] for k in parts)))
            distributions[opt.generation] = {
                "generation": opt.generation, "mean": opt._mean.tolist(), "sigma": opt._sigma,
                "C": opt._C.tolist(), "bounds": opt._bounds.tolist(),
                "popsize": opt.population_size}
    # The order of the dimensions in Optuna's distributions (its intersection search space's).
    last = study.get_trials(deepcopy=False)[-1]
    names = list(sampler.infer_relative_search_space(study, last).keys())
    return {"name": case["name"], "direction": case["direction"], "names": names,
            "consider_pruned_trials": case["consider_pruned_trials"],
            "n_startup_trials": case.get("n_startup_trials", 1), "params": case["params"],
            "steps": steps, "generation_of": [[k, v] for k, v in sorted(generation_of.items())],
            "distributions": [distributions[g] for g in sorted(distributions)]}


if __name__ == "__main__":
    print(json.dumps({"optuna": optuna.__version__, "cases": [run(c) for c in CASES]}))
