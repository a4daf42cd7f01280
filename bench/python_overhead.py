#!/usr/bin/python3
"""Per-trial cost of ``study.optimize`` with a trivial 10-parameter objective: parzen from C++,
parzen from Python and Optuna 3.1 from Python, in the same run (issue 15's overhead goals).

    /usr/bin/python3 bench/python_overhead.py [--sizes 1000,10000] [--samplers random,tpe,gp]
        [--gp-trials 100] [--repeats 3] [--optuna-tpe-max-trials 1000]
        [--cpp build/bench/bench_python_overhead] [--parzen-path build/python]
        [--systems parzen-cpp,parzen-py,optuna]

The objective (the same function for parzen and Optuna, whose trial APIs match; the same in C++
in bench/python_overhead.cpp): four floats in [-5, 5], two log floats in [1e-5, 1e-1], an int in
[0, 100], a log int in [1, 1024], two categoricals of 3 and 4 strings; its value a cheap sum.
Each run is a fresh in-memory study named "overhead" in a fresh process (one thread, seeded
sampler; seed 1, 2, ... for the repeats; parzen from C++ and from Python then run exactly the same
trials, as the same-results test checks), timed around ``study.optimize(objective, n_trials=N)`` alone; per trial is that
time / N, so it averages over a study growing from 0 to N trials. Logging is set to WARNING for
both libraries (``parzen.logging.set_verbosity`` / ``optuna.logging.set_verbosity``), as for any
benchmark: at the default INFO both print one line per trial.

Systems: ``parzen-cpp`` (bench_python_overhead, Study::optimize), ``parzen-py``
(``parzen.create_study(...).optimize``) and ``optuna`` (Optuna 3.1's RandomSampler and
TPESampler; Optuna 3.1 has no GP sampler). Python-side overhead = parzen-py - parzen-cpp, per
trial, on the medians; the random sampler isolates it (goal: <= 20 us), and parzen's TPE from
Python is compared with Optuna's TPE at 1 000 trials (goal: >= 50x).

Caps (nothing is extrapolated; the table shows what ran): Optuna's TPE runs only at sizes up to
--optuna-tpe-max-trials (default 1 000: at 10 000 trials one run takes hours); the GP sampler runs
at --gp-trials only (default 100: its asks cost 40 ms at 100 trials and 0.4 s at 1 000, so 1 000
or 10 000 trials are impractical here).

Each run records wall-clock and CPU time (the process's: time.process_time, and
CLOCK_PROCESS_CPUTIME_ID in C++); on a shared machine the CPU time is the steadier of the two.
Prints one JSON line per run and per median, then a Markdown table and the goals for each.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def objective(trial):
    s = 0.0
    for name in ("x0", "x1", "x2", "x3"):
        x = trial.suggest_float(name, -5, 5)
        s += x * x
    s += math.log10(trial.suggest_float("lr", 1e-5, 1e-1, log=True)) + 3
    s += math.log10(trial.suggest_float("wd", 1e-5, 1e-1, log=True)) + 3
    s += trial.suggest_int("depth", 0, 100) / 100.0
    s += math.log2(trial.suggest_int("width", 1, 1024, log=True)) / 10.0
    if trial.suggest_categorical("activation", ["relu", "tanh", "sigmoid"]) != "relu":
        s += 0.5
    if trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop", "adagrad"]) == "sgd":
        s += 1.0
    return s


def run_one(system, sampler_name, n_trials, seed):
    """One measurement in this process: (wall, CPU) seconds spent in study.optimize."""
    if system == "optuna":
        import optuna
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        samplers = {"random": optuna.samplers.RandomSampler, "tpe": optuna.samplers.TPESampler}
        study = optuna.create_study(sampler=samplers[sampler_name](seed=seed))
        count = lambda: len(study.get_trials(deepcopy=False))  # noqa: E731
    else:
        import parzen
        parzen.logging.set_verbosity(parzen.logging.WARNING)
        samplers = {"random": parzen.samplers.RandomSampler, "tpe": parzen.samplers.TPESampler,
                    "gp": parzen.samplers.GPSampler}
        # The C++ half's study name: parzen's seeded draws depend on (seed, study name, trial),
        # so both halves then run exactly the same trials (the same TPE work).
        study = parzen.create_study(sampler=samplers[sampler_name](seed=seed),
                                    study_name="overhead")
        count = lambda: len(study.trials)  # noqa: E731
    cpu_start = time.process_time()
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    if count() != n_trials:
        raise RuntimeError(f"{system}: {count()} trials instead of {n_trials}")
    return seconds, cpu_seconds


def measure(args, system, sampler, n_trials, seed):
    if system == "parzen-cpp":
        cmd = [args.cpp, "--sampler", sampler, "--trials", str(n_trials), "--seed", str(seed)]
        env = None
    else:
        cmd = [sys.executable, os.path.abspath(__file__), "--one", system, sampler,
               str(n_trials), str(seed)]
        env = dict(os.environ)
        if system == "parzen-py":
            env["PYTHONPATH"] = args.parzen_path + (
                os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    row = [json.loads(line) for line in out.splitlines() if line.startswith("{")][-1]
    row["system"] = system
    return row


def fmt_us(v):
    return "—" if v is None else f"{v:,.1f}".replace(",", " ")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,10000", help="trials per study (random and TPE)")
    p.add_argument("--samplers", default="random,tpe,gp")
    p.add_argument("--gp-trials", type=int, default=100, help="trials per study for the GP sampler")
    p.add_argument("--repeats", type=int, default=3, help="runs per cell; the table shows medians")
    p.add_argument("--optuna-tpe-max-trials", type=int, default=1000,
                   help="Optuna's TPE runs only at sizes up to this (default 1000)")
    p.add_argument("--cpp", default=os.path.join(REPO, "build", "bench", "bench_python_overhead"),
                   help="the C++ half (bench/python_overhead.cpp)")
    p.add_argument("--parzen-path", default=os.path.join(REPO, "build", "python"),
                   help="PYTHONPATH that imports parzen (default: build/python)")
    p.add_argument("--systems", default="parzen-cpp,parzen-py,optuna",
                   help="which of parzen-cpp, parzen-py, optuna to run")
    p.add_argument("--one", nargs=4, metavar=("SYSTEM", "SAMPLER", "N", "SEED"),
                   help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.one:
        system, sampler, n, seed = args.one
        seconds, cpu_seconds = run_one(system, sampler, int(n), int(seed))
        print(json.dumps({"system": system, "sampler": sampler, "n_trials": int(n),
                          "seed": int(seed), "seconds": seconds,
                          "us_per_trial": seconds * 1e6 / int(n), "cpu_seconds": cpu_seconds,
                          "cpu_us_per_trial": cpu_seconds * 1e6 / int(n)}), flush=True)
        return

    sizes = [int(s) for s in args.sizes.split(",") if s]
    samplers = [s for s in args.samplers.split(",") if s]
    wanted = set(args.systems.split(","))
    cells = []  # (sampler, n, systems)
    for sampler in samplers:
        for n in ([args.gp_trials] if sampler == "gp" else sizes):
            systems = [s for s in ("parzen-cpp", "parzen-py") if s in wanted]
            if "optuna" in wanted and sampler != "gp" and not (
                    sampler == "tpe" and n > args.optuna_tpe_max_trials):
                systems.append("optuna")
            cells.append((sampler, n, systems))

    runs = {}  # (system, sampler, n) -> {"us_per_trial": [...], "cpu_us_per_trial": [...]}
    print(json.dumps({"machine": {"cores": len(os.sched_getaffinity(0)),
                                  "loadavg_1min": os.getloadavg()[0]}}), flush=True)
    for r in range(args.repeats):  # repeats outermost: the machine's noise spreads over cells
        for sampler, n, systems in cells:
            for system in systems:
                row = measure(args, system, sampler, n, 1 + r)
                for key in ("us_per_trial", "cpu_us_per_trial"):
                    runs.setdefault((system, sampler, n), {}).setdefault(key, []).append(row[key])
                print(json.dumps(row), flush=True)

    med = {}
    for (system, sampler, n), v in sorted(runs.items()):
        med[(system, sampler, n)] = {k: statistics.median(x) for k, x in v.items()}
        print(json.dumps({"system": system, "sampler": sampler, "n_trials": n,
                          "median_us_per_trial": med[(system, sampler, n)]["us_per_trial"],
                          "median_cpu_us_per_trial": med[(system, sampler, n)]["cpu_us_per_trial"],
                          "runs": len(v["us_per_trial"])}))
    print(json.dumps({"machine": {"loadavg_1min_at_end": os.getloadavg()[0]}}))

    for key, what in (("us_per_trial", "wall-clock"), ("cpu_us_per_trial", "CPU time")):
        def get(system, sampler, n, key=key):
            return med[(system, sampler, n)][key] if (system, sampler, n) in med else None
        print(f"\nMedian of {args.repeats} runs, microseconds of {what} per trial "
              f"(study.optimize / trials; in-memory, one thread):\n")
        print("| sampler | trials | parzen from C++ | parzen from Python | Python overhead "
              "| Optuna 3.1 from Python | Optuna ÷ parzen (Python) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for sampler, n, _ in cells:
            cpp, py, opt = (get(s, sampler, n) for s in ("parzen-cpp", "parzen-py", "optuna"))
            over = py - cpp if cpp is not None and py is not None else None
            ratio = f"{opt / py:.0f}×" if opt is not None and py is not None else "—"
            print(f"| {sampler} | {n} | {fmt_us(cpp)} | {fmt_us(py)} | {fmt_us(over)} | "
                  f"{fmt_us(opt)} | {ratio} |")

        print(f"\nGoals ({what}):")
        tpe_py, tpe_opt = get("parzen-py", "tpe", 1000), get("optuna", "tpe", 1000)
        if tpe_py is not None and tpe_opt is not None:
            ratio = tpe_opt / tpe_py
            print(f"- Optuna's TPE ÷ parzen's TPE from Python at 1 000 trials: {ratio:.0f}× "
                  f"(goal >= 50×): {'met' if ratio >= 50 else 'MISSED'}")
        for n in sizes:
            cpp, py = get("parzen-cpp", "random", n), get("parzen-py", "random", n)
            if cpp is not None and py is not None:
                verdict = "met" if py - cpp <= 20 else "MISSED"
                print(f"- Python-side overhead per trial, random sampler, {n} trials: "
                      f"{py - cpp:.1f} µs (goal <= 20 µs): {verdict}")

if __name__ == "__main__":
    main()
