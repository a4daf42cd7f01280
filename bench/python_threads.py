#!/usr/bin/python3
"""Threads and the GIL: ``study.optimize(..., n_jobs=2)`` against ``n_jobs=1`` on an objective
that releases the GIL (numpy matrix products of about 50 ms), 200 trials, parzen and Optuna 3.1 in the
same run (issue 15's goal: parzen's n_jobs=2 time <= 0.6 x its n_jobs=1 time).

    /usr/bin/python3 bench/python_threads.py [--trials 200] [--work-ms 50] [--repeats 3]
        [--parzen-path build/python] [--systems parzen,optuna] [--objectives numpy,sleep]

The objective suggests two floats and runs K products of 300 x 300 matrices (``A @ A``: BLAS
dgemm, which releases the GIL); K is calibrated once at start so that one call takes --work-ms on
this machine (median of 7 timings). Not ``numpy.linalg.solve``, the issue's example: with Debian
12's numpy 1.24 it does not run in parallel even in two bare threads (measured: 2 threads 1.07x
the time of 1 for 256 x 256 solves, where products take 0.51x and sha256 0.51x), so it cannot
show a framework's threads. BLAS runs single-threaded
(OPENBLAS_NUM_THREADS=1, set here before numpy loads): otherwise one product already spreads over
the cores and n_jobs has nothing left to use. Each run: a fresh in-memory study, seeded TPE
sampler (parzen's TPESampler / Optuna's TPESampler, seed 1, 2, ... for the repeats), logging at
WARNING, timed around ``study.optimize`` alone.

Two controls tell a framework's limit from the machine's: "threads" runs the same numpy calls
in two bare Python threads, no study (the best n_jobs=2 can do on this machine at this moment:
on a shared machine whose other load takes the second core, it is near 1.0 too); and the
"sleep" objective (time.sleep of --work-ms, which releases the GIL and needs no CPU) scales with
n_jobs however busy the cores are, so a ratio near 0.5 there shows the study releases the GIL
around everything but the objective's Python code. Prints one JSON line per run and per
median, then a Markdown table and the goal.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE = 300
A = np.random.default_rng(0).standard_normal((SIZE, SIZE)) / SIZE
products = 1  # set by calibrate()


def work():
    x = A
    for _ in range(products):
        x = A @ A
    return float(x[0, 0])


def calibrate(target_ms):
    global products
    products = 1
    for _ in range(3):
        work()
    timings = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(20):
            work()
        timings.append((time.perf_counter() - start) / 20)
    products = max(1, round(target_ms / 1000 / statistics.median(timings)))
    timings = []
    for _ in range(7):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def objective(trial):
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", -5, 5)
    return x * x + y * y + 1e-12 * work()


def make_sleep_objective(seconds):
    def sleep_objective(trial):
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_float("y", -5, 5)
        time.sleep(seconds)
        return x * x + y * y
    return sleep_objective


def bare_threads(n_jobs, n_calls):
    """The control: n_calls of work() spread over n_jobs plain threads, no study."""
    counts = [n_calls // n_jobs + (1 if i < n_calls % n_jobs else 0) for i in range(n_jobs)]
    threads = [threading.Thread(target=lambda k=k: [work() for _ in range(k)]) for k in counts]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def run(system, n_jobs, n_trials, seed, func):
    if system == "optuna":
        import optuna
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        count = lambda: len(study.get_trials(deepcopy=False))  # noqa: E731
    else:
        import parzen
        parzen.logging.set_verbosity(parzen.logging.WARNING)
        study = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=seed))
        count = lambda: len(study.trials)  # noqa: E731
    start = time.perf_counter()
    study.optimize(func, n_trials=n_trials, n_jobs=n_jobs)
    seconds = time.perf_counter() - start
    if count() != n_trials:
        raise RuntimeError(f"{system}: {count()} trials instead of {n_trials}")
    return seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=200)
    p.add_argument("--work-ms", type=float, default=50.0, help="target time of one objective call")
    p.add_argument("--repeats", type=int, default=3, help="runs per cell; the table shows medians")
    p.add_argument("--parzen-path", default=os.path.join(REPO, "build", "python"),
                   help="where parzen is imported from (default: build/python)")
    p.add_argument("--systems", default="parzen,optuna", help="parzen, optuna or both")
    p.add_argument("--objectives", default="numpy,sleep",
                   help="numpy (the goal's), sleep (a control), or both")
    args = p.parse_args()
    systems = [s for s in args.systems.split(",") if s]
    objectives = [o for o in args.objectives.split(",") if o]
    if "parzen" in systems:
        sys.path.insert(0, args.parzen_path)

    call_ms = calibrate(args.work_ms)
    cores = len(os.sched_getaffinity(0))
    print(json.dumps({"calibration": {"matrix": SIZE, "products_per_call": products,
                                      "call_ms": call_ms, "cores": cores,
                                      "loadavg_1min": os.getloadavg()[0]}}), flush=True)
    funcs = {"numpy": objective, "sleep": make_sleep_objective(args.work_ms / 1000)}
    rows = [(o, s) for o in objectives for s in systems]
    if "numpy" in objectives:
        rows.insert(0, ("numpy", "threads"))
    times = {}
    for r in range(args.repeats):
        for obj, system in rows:
            for n_jobs in (1, 2):
                if system == "threads":
                    seconds = bare_threads(n_jobs, args.trials)
                else:
                    seconds = run(system, n_jobs, args.trials, 1 + r, funcs[obj])
                times.setdefault((obj, system, n_jobs), []).append(seconds)
                print(json.dumps({"objective": obj, "system": system, "n_jobs": n_jobs,
                                  "n_trials": args.trials, "seed": 1 + r, "seconds": seconds}),
                      flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    for (obj, system, n_jobs), v in sorted(med.items()):
        print(json.dumps({"objective": obj, "system": system, "n_jobs": n_jobs,
                          "n_trials": args.trials, "median_seconds": v,
                          "runs": len(times[(obj, system, n_jobs)])}))
    print(json.dumps({"machine": {"loadavg_1min_at_end": os.getloadavg()[0]}}))

    print(f"\n{args.trials} trials, {cores} cores; numpy: {call_ms:.1f} ms a call ({products} "
          f"products of {SIZE}x{SIZE} matrices, GIL released, BLAS on one thread); sleep: "
          f"{args.work_ms:.0f} ms; median of {args.repeats} runs:\n")
    print("| objective | system | n_jobs=1 s | n_jobs=2 s | ratio (2 ÷ 1) |")
    print("|---|---|---:|---:|---:|")
    for obj, system in rows:
        one, two = med[(obj, system, 1)], med[(obj, system, 2)]
        name = "bare threads, no study (control)" if system == "threads" else system
        print(f"| {obj} | {name} | {one:.2f} | {two:.2f} | {two / one:.3f} |")
    if "parzen" in systems and "numpy" in objectives:
        ratio = med[("numpy", "parzen", 2)] / med[("numpy", "parzen", 1)]
        print(f"\nGoal: parzen, numpy objective, n_jobs=2 ÷ n_jobs=1 = {ratio:.3f} (goal <= 0.6): "
              f"{'met' if ratio <= 0.6 else 'MISSED'}")
        control = med[("numpy", "threads", 2)] / med[("numpy", "threads", 1)]
        print(f"(bare threads on this machine now: {control:.3f})")

if __name__ == "__main__":
    main()
