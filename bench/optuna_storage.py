#!/usr/bin/python3
"""Optuna's side of bench_storage_throughput: trials per second through its RDB storage.

Usage: optuna_storage.py URL STUDY WORKERS TRIALS_PER_WORKER
Starts WORKERS processes that each run TRIALS_PER_WORKER trials of a 5-parameter random-search
objective on one study in URL (an SQLAlchemy URL: sqlite:///file.db, postgresql://...), and prints
one JSON line with the throughput measured from the first start to the last exit.
"""
import json
import multiprocessing
import sys
import time

import optuna


def work(args):
    url, study_name, n, seed = args
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.load_study(study_name=study_name, storage=url,
                              sampler=optuna.samplers.RandomSampler(seed=seed))
    study.optimize(lambda t: sum(t.suggest_float(f"x{i}", -5, 5) ** 2 for i in range(5)), n_trials=n)


def own_database(url, name):
    """Optuna's tables would clash with parzen's in one PostgreSQL database: use a new one."""
    import psycopg2
    conn = psycopg2.connect(url)
    conn.autocommit = True
    db = name.replace("-", "_")
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {db}")
        cur.execute(f"CREATE DATABASE {db}")
    conn.close()
    return url[: url.rfind("/") + 1] + db


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    url, name, workers, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if url.startswith("postgresql"):
        url = own_database(url, name)
    optuna.create_study(study_name=name, storage=url)
    start = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        pool.map(work, [(url, name, n, seed) for seed in range(workers)])
    elapsed = time.perf_counter() - start
    study = optuna.load_study(study_name=name, storage=url)
    complete = len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))
    print(json.dumps({"system": "optuna", "workers": workers, "complete": complete,
                      "seconds": elapsed, "trials_per_second": complete / elapsed}))
