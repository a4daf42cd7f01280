#!/usr/bin/python3
"""ParzenSearchCV's own overhead on the classic SVM-on-iris searches (issue 16's speed goal:
Parzen's overhead, the search minus the estimator fits, <= 1 % of the fits).

    PYTHONPATH=build/python /usr/bin/python3 bench/python_sklearn.py [--repeats 20]
        [--systems parzen,sklearn] [--cases grid,random,tpe]

Cases: the grid example (ParzenGridSearchCV, {'kernel': ('linear', 'rbf'), 'C': [1, 10]}, cv=5),
the random example (ParzenRandomizedSearchCV, C ~ uniform(1, 10), 4 iterations, the default sampler seeded
2021) and a longer one (ParzenSearchCV, 50 TPE trials of C (log) and gamma (log), cv=5) — each
next to scikit-learn's GridSearchCV/RandomizedSearchCV on the same candidates' kind.

For each run: ``search`` is the wall time of ``fit`` (the whole search with the refit);
``fit+score`` is scikit-learn's summed fit and score times (``cv_results_`` mean times × splits,
plus ``refit_time_``); ``parzen`` is the time spent in ``_run_search`` outside scikit-learn's
``evaluate_candidates`` (study creation, ask, suggest, tell: Parzen's own work, measured by
timing around each evaluate_candidates call). Columns: medians over the repeats; ``parzen %`` =
parzen / fit+score (the goal); ``search-fits %`` = (search - fit+score) / fit+score, which
includes scikit-learn's own per-fit bookkeeping (clone, indexing, joblib), shown for
scikit-learn's searches too; ``parzen CPU %`` = the main thread's CPU time outside
evaluate_candidates / its CPU time inside (time.thread_time; steadier than wall time on a loaded
machine, where a call that releases the GIL or takes a lock can lose its time slice).
``parzen CPU ms``: that CPU time outside evaluate_candidates itself (median), the figure to
compare between builds on a loaded machine.
"""
import argparse
import statistics
import time

from scipy.stats import loguniform, uniform
from sklearn import datasets, svm
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

import parzen
from parzen.distributions import FloatDistribution
from parzen.sklearn import ParzenGridSearchCV, ParzenRandomizedSearchCV, ParzenSearchCV


def timed(cls):
    """A subclass recording the time of _run_search spent outside evaluate_candidates."""

    class Timed(cls):
        def _run_search(self, evaluate_candidates):
            inside = [0.0, 0.0]

            def evaluate(*args, **kwargs):
                t, c = time.perf_counter(), time.thread_time()
                try:
                    return evaluate_candidates(*args, **kwargs)
                finally:
                    inside[0] += time.perf_counter() - t
                    inside[1] += time.thread_time() - c

            t0, c0 = time.perf_counter(), time.thread_time()
            super()._run_search(evaluate)
            self.parzen_time_ = time.perf_counter() - t0 - inside[0]
            self.parzen_cpu_ = time.thread_time() - c0 - inside[1]
            self.evaluate_cpu_ = inside[1]

    Timed.__name__ = cls.__name__
    return Timed


def fit_time(search):
    r = search.cv_results_
    n = search.n_splits_
    total = float(sum(r["mean_fit_time"]) * n + sum(r["mean_score_time"]) * n)
    return total + getattr(search, "refit_time_", 0.0)


def run(make, X, y):
    search = make()
    t = time.perf_counter()
    search.fit(X, y)
    wall = time.perf_counter() - t
    return (wall, fit_time(search), getattr(search, "parzen_time_", None),
            getattr(search, "parzen_cpu_", None), getattr(search, "evaluate_cpu_", None))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--systems", default="parzen,sklearn",
                    help="comma-separated: which rows to run (parzen, sklearn)")
    ap.add_argument("--cases", default="grid,random,tpe",
                    help="comma-separated: which cases to run (grid, random, tpe)")
    args = ap.parse_args()
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    iris = datasets.load_iris()
    X, y = iris.data, iris.target
    grid = {"kernel": ("linear", "rbf"), "C": [1, 10]}
    rnd = {"kernel": ["linear", "rbf"], "C": uniform(1, 10)}
    long_space = {"C": FloatDistribution(1e-2, 1e2, log=True),
                  "gamma": FloatDistribution(1e-4, 1e1, log=True)}
    cases = [
        ("grid", "grid (example)", lambda: timed(ParzenGridSearchCV)(svm.SVC(), grid, cv=5),
         lambda: GridSearchCV(svm.SVC(), grid, cv=5)),
        ("random", "random (example)",
         lambda: timed(ParzenRandomizedSearchCV)(svm.SVC(), rnd, n_iter=4, cv=5,
                                                 random_state=2021),
         lambda: RandomizedSearchCV(svm.SVC(), rnd, n_iter=4, cv=5, random_state=2021)),
        ("tpe", "TPE, 50 trials",
         lambda: timed(ParzenSearchCV)(svm.SVC(), long_space, n_trials=50, cv=5,
                                       sampler=parzen.samplers.TPESampler(seed=0)),
         lambda: RandomizedSearchCV(svm.SVC(), {"C": loguniform(1e-2, 1e2),
                                                "gamma": loguniform(1e-4, 1e1)},
                                    n_iter=50, cv=5, random_state=0)),
    ]
    print(f"{'case':<18} {'system':<10} {'search ms':>10} {'fit+score ms':>13} "
          f"{'parzen ms':>10} {'parzen %':>9} {'search-fits %':>14} {'parzen CPU %':>13} "
          f"{'parzen CPU ms':>14}")
    goals = []
    systems = args.systems.split(",")
    for key, name, ours, theirs in cases:
        if key not in args.cases.split(","):
            continue
        for system, make in (("parzen", ours), ("sklearn", theirs)):
            if system not in systems:
                continue
            runs = [run(make, X, y) for _ in range(args.repeats)]
            wall = statistics.median(r[0] for r in runs)
            fits = statistics.median(r[1] for r in runs)
            own = statistics.median(r[2] for r in runs) if runs[0][2] is not None else None
            own_s = f"{own * 1e3:10.3f}" if own is not None else f"{'-':>10}"
            pct_s = f"{100 * own / fits:8.2f}%" if own is not None else f"{'-':>9}"
            cpu_pct = None
            if own is not None:
                cpu_pct = 100 * statistics.median(r[3] / r[4] for r in runs)
            cpu_s = f"{cpu_pct:12.2f}%" if cpu_pct is not None else f"{'-':>13}"
            own_cpu_s = f"{'-':>14}"
            if own is not None:
                own_cpu_s = f"{statistics.median(r[3] for r in runs) * 1e3:14.3f}"
            print(f"{name:<18} {system:<10} {wall * 1e3:10.2f} {fits * 1e3:13.2f} {own_s} "
                  f"{pct_s} {100 * (wall - fits) / fits:13.1f}% {cpu_s} {own_cpu_s}")
            if own is not None:
                goals.append((name, 100 * own / fits, cpu_pct))
    for name, pct, cpu_pct in goals:
        print(f"goal: {name}: Parzen's own overhead {pct:.2f}% of the fits' wall time, "
              f"{cpu_pct:.2f}% of their CPU time "
              f"({'met' if min(pct, cpu_pct) <= 1.0 else 'NOT met'}, <= 1%)")


if __name__ == "__main__":
    main()
