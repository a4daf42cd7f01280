#!/usr/bin/python3
"""Issue 16's Hyperopt goal through the CLI: Parzen's own TPE, run by `parzen run`, against
Hyperopt-style TPE (`parzen.hyperopt.fmin(..., algo=tpe.suggest)`, Hyperopt's defaults) on the
classic Hyperopt SVM-on-iris example, over 20 seeds.

    PYTHONPATH=build/python /usr/bin/python3 bench/hyperopt_cli.py [--parzen build/parzen]
        [--seeds 20] [--max-evals 100] [--keep DIR]

For each seed s:
- CLI: an experiment file (direction "minimize", `[sampler] type = "tpe"`, `seed = s`, the
  sampler's defaults; `concurrency = 1`; `n_trials = --max-evals`; `stop_when = 0.0134`) whose
  trial program, bench/hyperopt_cli_trial.py run by /usr/bin/python3, prints 1 - mean 5-fold
  accuracy of SVC(kernel, C) on scikit-learn's iris; the space is the example's (kernel
  choice of linear/rbf, C uniform in [1, 10]). `parzen run` stops when a trial reaches the
  threshold; the trials are then read back with `parzen export --format json`.
- fmin: `fmin(objective, space, algo=tpe.suggest, max_evals=--max-evals,
  rstate=np.random.default_rng(s), loss_threshold=0.0134)` on the same objective in-process
  (`hp.choice('kernel', ['linear', 'rbf'])`, `hp.uniform('C', 1, 10)`).
- For reference, Parzen's TPE through `parzen.create_study` (TPESampler(seed=s)), which stood in
  for the CLI before.

"Evaluations to first reach": the number of the first trial (1-based) whose loss is <= 0.0134
(accuracy 0.9867, the best the space reaches); a seed that never reaches it counts
max-evals + 1. Goal: the CLI's median <= fmin's median, and every seed reaching 0.0134.
Exit status 0 when both hold.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import numpy as np

THRESHOLD = 0.0134
HERE = os.path.dirname(os.path.abspath(__file__))
TRIAL = os.path.join(HERE, "hyperopt_cli_trial.py")

EXPERIMENT = """\
# bench/hyperopt_cli.py, seed {seed}: the classic Hyperopt SVM-on-iris example by `parzen run`.
name = "hyperopt-cli-{seed}"
direction = "minimize"
n_trials = {max_evals}
concurrency = 1
stop_when = {threshold}
storage = "sqlite:///{db}"
command = ["/usr/bin/python3", "{trial}", "--kernel", "{{kernel}}", "--C", "{{C}}"]

[search_space]
kernel = {{ _type = "choice", _value = ["linear", "rbf"] }}
C = {{ _type = "uniform", _value = [1, 10] }}

[sampler]
type = "tpe"
seed = {seed}
"""


def first_reach(losses):
    for i, loss in enumerate(losses):
        if loss is not None and loss <= THRESHOLD:
            return i + 1
    return None


def cli_losses(parzen_bin, seed, max_evals, workdir):
    """The losses of the CLI run of one seed, in trial order (None for a trial without a
    value)."""
    db = os.path.join(workdir, "parzen.db")
    exp = os.path.join(workdir, "experiment.toml")
    with open(exp, "w") as f:
        f.write(EXPERIMENT.format(seed=seed, max_evals=max_evals, threshold=THRESHOLD, db=db,
                                  trial=TRIAL))
    run = subprocess.run([parzen_bin, "run", exp], cwd=workdir, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"seed {seed}: parzen run exited {run.returncode}:\n{run.stdout}\n"
                         f"{run.stderr}")
    export = subprocess.run([parzen_bin, "export", f"hyperopt-cli-{seed}", "--storage",
                             f"sqlite:///{db}", "--format", "json"], capture_output=True,
                            text=True, check=True)
    trials = json.loads(export.stdout)["trials"]
    bad = [t for t in trials if t["state"].lower() != "complete"]
    if bad:
        raise SystemExit(f"seed {seed}: trial {bad[0]['number']} is {bad[0]['state']}: "
                         f"{bad[0].get('fail_reason')}")
    return [t["values"][0] for t in sorted(trials, key=lambda t: t["number"])]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parzen", default=os.path.join(HERE, "..", "build", "parzen"),
                    help="the parzen binary (default: build/parzen)")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--max-evals", type=int, default=100)
    ap.add_argument("--keep", help="keep each seed's experiment, storage and trial logs here")
    args = ap.parse_args()
    if args.seeds < 1:
        raise SystemExit("--seeds must be >= 1")
    parzen_bin = os.path.abspath(args.parzen)
    if not os.access(parzen_bin, os.X_OK):
        raise SystemExit(f"{parzen_bin}: no parzen binary there (build it, or give --parzen)")

    import parzen
    from parzen.hyperopt import STATUS_OK, Trials, fmin, hp, tpe
    from sklearn import datasets
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import SVC

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    X, y = datasets.load_iris(return_X_y=True)

    def loss(kernel, c):
        return 1 - cross_val_score(SVC(kernel=kernel, C=c), X, y).mean()

    space = {"kernel": hp.choice("kernel", ["linear", "rbf"]), "C": hp.uniform("C", 1, 10)}
    root = args.keep or tempfile.mkdtemp(prefix="parzen-hyperopt-cli-")
    os.makedirs(root, exist_ok=True)
    rows = []
    try:
        for seed in range(args.seeds):
            workdir = os.path.join(root, f"seed-{seed}")
            shutil.rmtree(workdir, ignore_errors=True)
            os.makedirs(workdir)
            c_losses = cli_losses(parzen_bin, seed, args.max_evals, workdir)

            trials = Trials()
            fmin(lambda p: {"loss": loss(p["kernel"], p["C"]), "status": STATUS_OK}, space,
                 algo=tpe.suggest, max_evals=args.max_evals, trials=trials,
                 rstate=np.random.default_rng(seed), show_progressbar=False,
                 loss_threshold=THRESHOLD)
            h_losses = trials.losses()

            study = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=seed))

            def stop(study, trial):
                if trial.value <= THRESHOLD:
                    study.stop()

            study.optimize(lambda t: loss(t.suggest_categorical("kernel", ["linear", "rbf"]),
                                          t.suggest_float("C", 1.0, 10.0)),
                           n_trials=args.max_evals, callbacks=[stop])
            p_losses = [t.value for t in study.trials]
            row = {"seed": seed,
                   "cli_first_reach": first_reach(c_losses), "cli_best_loss": min(c_losses),
                   "fmin_first_reach": first_reach(h_losses), "fmin_best_loss": min(h_losses),
                   "create_study_first_reach": first_reach(p_losses)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    def median(key):
        return statistics.median(r[key] or args.max_evals + 1 for r in rows)

    def mean(key):
        return statistics.mean(r[key] or args.max_evals + 1 for r in rows)

    def reached(key):
        return sum(r[key] is not None for r in rows)

    print(f"\n{args.seeds} seeds, at most {args.max_evals} evaluations, stopped at the first "
          f"loss <= {THRESHOLD}:")
    print("| TPE | seeds reaching 0.0134 | median evaluations to first reach | mean |")
    print("| --- | ---: | ---: | ---: |")
    for name, key in (("Parzen TPE, `parzen run` (CLI)", "cli_first_reach"),
                      ("Hyperopt-style, `fmin(algo=tpe.suggest)`", "fmin_first_reach"),
                      ("Parzen TPE, `create_study` (reference)", "create_study_first_reach")):
        print(f"| {name} | {reached(key)}/{len(rows)} | {median(key)} | {mean(key):.2f} |")
    ok_all = reached("cli_first_reach") == len(rows)
    ok_median = median("cli_first_reach") <= median("fmin_first_reach")
    print(f"goal: every seed reaches 0.0134 through the CLI: {'PASS' if ok_all else 'FAIL'}; "
          f"the CLI's median {median('cli_first_reach')} <= fmin's "
          f"{median('fmin_first_reach')}: {'PASS' if ok_median else 'FAIL'}")
    sys.exit(0 if ok_all and ok_median else 1)


if __name__ == "__main__":
    main()
