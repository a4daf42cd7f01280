#!/usr/bin/python3
"""Per-trial overhead of ``parzen run`` with a trivial trial program, beside the same loop driven
by Optuna 3.1 from Python, in the same run (issue 17's speed goal: <= 5 ms per trial).

    /usr/bin/python3 bench/cli_overhead.py [--trials 1000] [--repeats 1]
        [--parzen build/parzen] [--parts build/bench/bench_cli_overhead]
        [--systems parzen,optuna,parts]

The loop, for both: 1 000 trials, concurrency 1, TPE (seed 1) over one float parameter, a fresh
SQLite file, each trial the process ``printf 0.5`` whose output is the value.

- parzen: ``parzen run EXP.toml --progress lines`` (output to a file), with
  ``command = ["printf", "0.5"]``: everything a real run does (trial directory and logs, the
  supervisor, heartbeats, progress lines), timed from outside around the whole process.
- optuna: ``optuna.create_study(storage="sqlite:///...", sampler=TPESampler(seed=1))`` and
  ``study.optimize`` over an objective that suggests the float and runs
  ``subprocess.run(["printf", "0.5"], capture_output=True)``, timed around optimize (Optuna's
  import and study creation are not counted).
- parts (bench/cli_overhead.cpp): the breakdown of parzen's cost: starting and reading the trial
  processes alone (process), the study on SQLite without processes (sqlite), the same in memory
  (memory: the TPE sampler and the study core); storage writes = sqlite - memory; the rest of
  ``parzen run`` = parzen - process - sqlite.

Each figure is given as wall-clock and as CPU time (this process's children: the measured program
and every process it reaped). On a shared machine the CPU time is the steadier of the two; wall
time includes waiting for a core. Prints one JSON line per measurement, then a Markdown table.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

OPTUNA_CHILD = r"""
import json, subprocess, sys, time, resource
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
n, url = int(sys.argv[1]), sys.argv[2]
study = optuna.create_study(storage=url, study_name="overhead",
                            sampler=optuna.samplers.TPESampler(seed=1))
def objective(trial):
    trial.suggest_float("x", 0, 1)
    out = subprocess.run(["printf", "0.5"], capture_output=True, check=True)
    return float(out.stdout)
def cpu():
    s = resource.getrusage(resource.RUSAGE_SELF); c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
c0, t0 = cpu(), time.perf_counter()
study.optimize(objective, n_trials=n)
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu_seconds": cpu() - c0}))
"""


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_parzen(parzen, n, work):
    exp = os.path.join(work, "exp.toml")
    with open(exp, "w") as f:
        f.write(textwrap.dedent(f"""\
            name = "overhead"
            storage = "sqlite:///parzen.db"
            n_trials = {n}
            concurrency = 1
            command = ["printf", "0.5"]
            [search_space]
            x = {{ type = "float", low = 0, high = 1 }}
            [sampler]
            type = "tpe"
            seed = 1
            """))
    c0, t0 = children_cpu(), time.perf_counter()
    with open(os.path.join(work, "run.out"), "w") as out:
        subprocess.run([parzen, "run", exp, "--progress", "lines"], stdout=out, check=True)
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": children_cpu() - c0}


def run_optuna(n, work):
    out = subprocess.run(["/usr/bin/python3", "-c", OPTUNA_CHILD, str(n),
                          "sqlite:///" + os.path.join(work, "optuna.db")],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_parts(parts, n, work):
    c0 = children_cpu()
    out = subprocess.run([parts, "--trials", str(n), "--dir", work], capture_output=True,
                         text=True, check=True)
    del c0
    return {j["part"]: j for j in map(json.loads, out.stdout.strip().splitlines())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--parzen", default="build/parzen")
    ap.add_argument("--parts", default="build/bench/bench_cli_overhead")
    ap.add_argument("--systems", default="parzen,optuna,parts")
    a = ap.parse_args()
    systems = a.systems.split(",")
    results = {}
    for rep in range(a.repeats):
        for system in systems:
            work = tempfile.mkdtemp(prefix="parzen-cli-overhead-")
            try:
                if system == "parzen":
                    got = {"parzen run": run_parzen(os.path.abspath(a.parzen), a.trials, work)}
                elif system == "optuna":
                    got = {"optuna 3.1": run_optuna(a.trials, work)}
                elif system == "parts":
                    got = {f"part: {k}": v for k, v in
                           run_parts(os.path.abspath(a.parts), a.trials, work).items()}
                else:
                    sys.exit(f"unknown system {system}")
            finally:
                shutil.rmtree(work, ignore_errors=True)
            for name, r in got.items():
                row = {"system": name, "repeat": rep, "n_trials": a.trials,
                       "ms_per_trial": 1e3 * r["seconds"] / a.trials,
                       "cpu_ms_per_trial": 1e3 * r["cpu_seconds"] / a.trials}
                print(json.dumps(row), flush=True)
                results.setdefault(name, []).append(row)
    med = {k: (statistics.median(r["ms_per_trial"] for r in v),
               statistics.median(r["cpu_ms_per_trial"] for r in v)) for k, v in results.items()}
    print(f"\n{a.trials} trials, concurrency 1, TPE, SQLite, trial program `printf 0.5`; "
          f"median of {a.repeats}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| loop | wall ms/trial | CPU ms/trial |")
    print("| --- | ---: | ---: |")
    for k, (w, c) in med.items():
        print(f"| {k} | {w:.2f} | {c:.2f} |")
    if all(k in med for k in ("part: process", "part: sqlite", "part: memory")):
        print("\nbreakdown of parzen run (wall / CPU ms per trial):")
        p, s, m = med["part: process"], med["part: sqlite"], med["part: memory"]
        print(f"  process start and read (trial dir, supervisor, printf, logs): {p[0]:.2f} / {p[1]:.2f}")
        print(f"  storage writes and reads (SQLite - memory):                   {s[0]-m[0]:.2f} / {s[1]-m[1]:.2f}")
        print(f"  sampler and study core (TPE, in memory):                      {m[0]:.2f} / {m[1]:.2f}")
        if "parzen run" in med:
            r = med["parzen run"]
            print(f"  the rest of parzen run (startup, attrs, progress, heartbeat): "
                  f"{r[0]-p[0]-s[0]:.2f} / {r[1]-p[1]-s[1]:.2f}")
    if "parzen run" in med and "optuna 3.1" in med:
        r, o = med["parzen run"], med["optuna 3.1"]
        print(f"\ngoal: parzen run <= 5 ms per trial: {r[0]:.2f} ms wall "
              f"({'met' if r[0] <= 5 else 'NOT met'}), {r[1]:.2f} ms CPU "
              f"({'met' if r[1] <= 5 else 'NOT met'}); Optuna {o[0]:.2f} ms wall, "
              f"{o[1]:.2f} ms CPU ({o[0] / r[0]:.1f}x parzen's wall time)")


if __name__ == "__main__":
    main()
