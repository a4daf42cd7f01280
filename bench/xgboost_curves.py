#!/usr/bin/python3
"""How much a few boosting rounds tell about the final log-loss on the XGBoost pruning task.

Usage: xgboost_curves.py CSV [N_CONFIGS] [SEED]

Trains N_CONFIGS (default 400) configurations drawn uniformly from the search space of
examples/xgboost (log-uniform where the example samples on a log scale) for 100 rounds each, on
the same split and XGBoost parameters as bench/optuna_xgboost.py, and prints, for each rung of a
successive-halving schedule with reduction factor 3 (1, 3, 9, 27, 81 rounds): the Spearman rank
correlation between the log-loss at the rung and after 100 rounds, the share of the best tenth
after 100 rounds that is also the best tenth at the rung, and the worst percentile at the rung of
a configuration in the best twentieth after 100 rounds (a reduction factor of 3 keeps the best
33 %). Then random search's best final log-loss among the first 20, 60 and all configurations.
One JSON line per rung and one for random search, then a Markdown table.
"""
import json
import math
import sys

import numpy as np
import xgboost as xgb
from scipy.stats import spearmanr

csv = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
max_rounds = 100

data = np.loadtxt(csv, delimiter=",", skiprows=1)
x, y = data[:, :-1].astype(np.float32), data[:, -1].astype(np.float32)
valid = np.arange(len(y)) % 4 == 0
dtrain = xgb.DMatrix(x[~valid], label=y[~valid], missing=np.nan)
dvalid = xgb.DMatrix(x[valid], label=y[valid], missing=np.nan)
rng = np.random.default_rng(seed)


def log_uniform(low, high):
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


curves = []
for i in range(n):
    params = {
        "objective": "binary:logistic", "eval_metric": "logloss", "nthread": 1,
        "tree_method": "exact", "verbosity": 0, "seed": 1,
        "eta": log_uniform(1e-3, 0.5),
        "max_depth": int(rng.integers(1, 11)),
        "subsample": float(rng.uniform(0.5, 1.0)),
        "colsample_bytree": float(rng.uniform(0.5, 1.0)),
        "min_child_weight": log_uniform(1e-2, 10.0),
        "lambda": log_uniform(1e-3, 10.0),
        "alpha": log_uniform(1e-3, 10.0),
    }
    booster = xgb.Booster(params, [dtrain, dvalid])
    curve = []
    for r in range(max_rounds):
        booster.update(dtrain, r)
        curve.append(float(booster.eval(dvalid, "valid", r).split("logloss:")[1]))
    curves.append(curve)

curves = np.array(curves)
final = curves[:, -1]
best_tenth = set(np.argsort(final)[: n // 10])
best_twentieth = np.argsort(final)[: n // 20]
rows = []
for rung in (1, 3, 9, 27, 81):
    at = curves[:, rung - 1]
    percentile = np.argsort(np.argsort(at)) / n  # 0: best at the rung
    row = {
        "rung": rung,
        "spearman": float(spearmanr(at, final).correlation),
        "best_tenth_overlap": len(best_tenth & set(np.argsort(at)[: n // 10])) / (n // 10),
        "worst_percentile_of_best_twentieth": float(100 * percentile[best_twentieth].max()),
    }
    rows.append(row)
    print(json.dumps(row))
random_best = {str(k): float(final[:k].min()) for k in (20, 60, n)}
print(json.dumps({"random_search_best_final": random_best, "configs": n}))

print(f"\n{n} random configurations, 100 rounds each:\n")
print("| rung (rounds) | Spearman with round 100 | best tenth also best tenth at the rung | "
      "worst percentile at the rung of the best twentieth |")
print("|---:|---:|---:|---:|")
for row in rows:
    print(f"| {row['rung']} | {row['spearman']:.3f} | {100 * row['best_tenth_overlap']:.0f} % | "
          f"{row['worst_percentile_of_best_twentieth']:.0f} % |")
print("\nrandom search, best final log-loss: " +
      ", ".join(f"{v:.4f} after {k} configurations" for k, v in random_best.items()))
