"""The Python side of bench_importance: Optuna 3.1's FanovaImportanceEvaluator, and a NumPy port
of Optuna 4's PedAnovaImportanceEvaluator (Optuna 3.1 has no PED-ANOVA and no other Optuna can be
installed here), on the trials bench_importance writes.

    /usr/bin/python3 bench/optuna_importance.py CASES.json

CASES.json: {"cases": [{"name", "evaluator": "fanova"|"ped-anova", "direction":
"minimize"|"maximize", "space": {param: parzen distribution JSON}, "params": {param: [internal
value per trial]}, "values": [...], "repeats": N}]}. Prints one JSON line per case: {"name",
"seconds" (best of the repeats), "importances": {param: value}}.
"""

import json
import sys
import time
import warnings

import numpy as np
from scipy.special import ndtr
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.importance import FanovaImportanceEvaluator

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")


def distribution(j):
    if j["type"] == "float":
        return FloatDistribution(j["low"], j["high"], log=j["log"], step=j.get("step"))
    if j["type"] == "int":
        return IntDistribution(j["low"], j["high"], log=j["log"], step=j["step"])
    return CategoricalDistribution(j["choices"])


def make_study(case):
    dists = {k: distribution(v) for k, v in case["space"].items()}
    study = optuna.create_study(direction=case["direction"])
    names = list(dists)
    trials = []
    for k, value in enumerate(case["values"]):
        params = {n: dists[n].to_external_repr(case["params"][n][k]) for n in names}
        trials.append(
            optuna.trial.create_trial(params=params, distributions=dists, value=float(value))
        )
    study.add_trials(trials)
    return study, dists


# --- Optuna 4's PED-ANOVA (optuna/importance/_ped_anova), ported to NumPy + SciPy ----------------


def _grid_counts(dist, values, n_steps):
    if isinstance(dist, CategoricalDistribution):
        counts = np.zeros(len(dist.choices))
        np.add.at(counts, np.asarray(values, dtype=int), 1)
        return counts, True
    if isinstance(dist, IntDistribution) and dist.log:
        n_steps = min(int(np.ceil(np.log(dist.high - dist.low + 1) / np.log(2))) + 1, n_steps)
    elif dist.step is not None:
        n_steps = min(round((dist.high - dist.low) / dist.step) + 1, n_steps)
    scaler = np.log if dist.log else np.asarray
    grids = np.linspace(scaler(dist.low), scaler(dist.high), n_steps)
    params = scaler(np.asarray(values, dtype=float))
    indices = np.searchsorted(grids, params - (grids[1] - grids[0]) / 2)
    counts = np.zeros(grids.size)
    np.add.at(counts, indices, 1)
    return counts, False


def _mass(a, b):
    return ndtr(b) - ndtr(a)


def _pmf(counts, categorical, prior_weight=1.0):
    n = counts.size
    mus = np.arange(n)[counts > 0]
    w = counts[counts > 0]
    if categorical:
        n_kernels = mus.size + 1
        rows = np.full((n_kernels, n), prior_weight / n_kernels)
        rows[np.arange(mus.size), mus] += 1
        rows /= rows.sum(axis=1, keepdims=True)
        weights = np.append(w, prior_weight)
        return (weights / weights.sum()) @ rows
    total = w.sum()
    mean = mus @ (w / total)
    sd = np.sqrt((mus - mean) ** 2 @ w / max(1, total - 1))
    cum = np.cumsum(w)
    i25 = np.searchsorted(cum, total // 4, side="left")
    i75 = np.searchsorted(cum, total * 3 // 4, side="right")
    iqr = mus[min(mus.size - 1, i75)] - mus[i25]
    sigma = max(1.059 * min(iqr / 1.34, sd) * total ** (-0.2), 0.5 / 1.64)
    mus = np.append(mus, 0.5 * (n - 1)).astype(float)
    sigmas = np.append(np.full(mus.size - 1, sigma), float(n))
    weights = np.append(w, prior_weight)
    weights = weights / weights.sum()
    x = np.arange(n)[:, None]
    norm = _mass((-0.5 - mus) / sigmas, (n - 0.5 - mus) / sigmas)
    cell = _mass((x - 0.5 - mus) / sigmas, (x + 0.5 - mus) / sigmas) / norm
    return cell @ weights


def ped_anova(case, dists, baseline_quantile=0.1):
    values = np.asarray(case["values"], dtype=float)
    loss = values if case["direction"] == "minimize" else -values
    cutoff = max(np.partition(loss, 1)[1], np.quantile(loss, baseline_quantile, method="higher"))
    top = loss <= cutoff
    out = {}
    for name, dist in dists.items():
        column = np.asarray(case["params"][name])
        c_all, categorical = _grid_counts(dist, column, 50)
        c_top, _ = _grid_counts(dist, column[top], 50)
        p_top = _pmf(c_top, categorical) + 1e-12
        p_local = _pmf(c_all, categorical) + 1e-12
        out[name] = float(p_local @ ((p_top / p_local - 1) ** 2))
    total = sum(out.values())
    return {k: v / total for k, v in out.items()}


def main() -> None:
    with open(sys.argv[1]) as f:
        cases = json.load(f)["cases"]
    for case in cases:
        study, dists = make_study(case)
        best = float("inf")
        result = None
        for _ in range(max(1, case.get("repeats", 1))):
            start = time.perf_counter()
            if case["evaluator"] == "fanova":
                result = FanovaImportanceEvaluator(seed=0).evaluate(study)
            else:
                result = ped_anova(case, dists)
            best = min(best, time.perf_counter() - start)
        print(json.dumps({"name": case["name"], "seconds": best, "importances": dict(result)}),
              flush=True)


if __name__ == "__main__":
    main()
