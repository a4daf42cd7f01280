#!/usr/bin/python3
"""Generates table.csv: every architecture of the NAS example's space x 3 seeds.

The space (the same as train.py's and experiment.toml's):
  depth                 1, 2, 3
  width_1 .. width_3    8, 16, 32   (width_k only when depth >= k)
  activation            relu, tanh, logistic
  learning_rate_init    0.003, 0.03
= (3 + 9 + 27) * 3 * 2 = 234 architectures.

Each row: one architecture and one seed; accuracy is the mean 3-fold stratified CV accuracy of
scikit-learn's MLPClassifier (adam, max_iter=10 epochs, batch 200) on the bundled digits data
(pixels scaled to [0, 1]); the seed fixes both the folds and the network's initialisation;
train_seconds is the wall time of the three fits and scorings.

Usage: /usr/bin/python3 examples/nas/make_table.py [--jobs N] [--out table.csv]
Rows are appended to OUT.partial as they finish, so an interrupted run resumes where it stopped;
the table is written sorted at the end. Run time is printed at the end (wall and CPU seconds);
record it in examples/nas/README.md.
"""
import argparse
import csv
import itertools
import multiprocessing
import os
import time
import warnings

WIDTHS = (8, 16, 32)
ACTIVATIONS = ("relu", "tanh", "logistic")
LEARNING_RATES = (0.003, 0.03)
SEEDS = (0, 1, 2)
MAX_ITER = 10


def architectures():
    for depth in (1, 2, 3):
        for widths in itertools.product(WIDTHS, repeat=depth):
            for activation in ACTIVATIONS:
                for lr in LEARNING_RATES:
                    yield depth, widths, activation, lr


def evaluate(job):
    depth, widths, activation, lr, seed = job
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neural_network import MLPClassifier

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    model = MLPClassifier(hidden_layer_sizes=widths, activation=activation,
                          learning_rate_init=lr, max_iter=MAX_ITER, random_state=seed)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
    start = time.perf_counter()
    scores = cross_val_score(model, x, y, cv=folds)
    seconds = time.perf_counter() - start
    padded = list(widths) + [""] * (3 - depth)
    return [depth, *padded, activation, lr, seed, f"{scores.mean():.6f}", f"{seconds:.4f}"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "table.csv"))
    args = parser.parse_args()
    # One BLAS thread per worker: these tiny networks only lose time to thread hand-offs.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    jobs = [(d, w, a, lr, s) for d, w, a, lr in architectures() for s in SEEDS]
    key = lambda row: tuple(str(x) for x in row[:7])  # noqa: E731
    partial = args.out + ".partial"
    done = {}
    if os.path.exists(partial):
        with open(partial, newline="") as f:
            for row in csv.reader(f):
                if len(row) == 9:
                    done[key(row)] = row
    todo = [j for j in jobs if key(row_key(j)) not in done]
    print(f"{len(jobs)} trainings, {len(done)} already in {partial}, {len(todo)} to run",
          flush=True)
    start = time.perf_counter()
    with multiprocessing.Pool(args.jobs) as pool, open(partial, "a", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        for row in pool.imap_unordered(evaluate, todo, chunksize=2):
            out.writerow(row)
            f.flush()
            done[key(row)] = row
    elapsed = time.perf_counter() - start
    rows = [done[key(row_key(j))] for j in jobs]
    cpu = sum(float(r[-1]) for r in rows)
    with open(args.out, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["depth", "width_1", "width_2", "width_3", "activation",
                      "learning_rate_init", "seed", "accuracy", "train_seconds"])
        out.writerows(rows)
    os.remove(partial)
    print(f"{len(rows)} rows ({len(rows) // len(SEEDS)} architectures x {len(SEEDS)} seeds) "
          f"written to {args.out}; this run: {elapsed:.0f} s wall with {args.jobs} processes; "
          f"sum of the trainings' wall times: {cpu:.0f} s")


def row_key(job):
    depth, widths, activation, lr, seed = job
    return [depth, *(list(widths) + [""] * (3 - depth)), activation, lr, seed]


if __name__ == "__main__":
    main()
