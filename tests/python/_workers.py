"""Worker functions for the multiprocessing tests (a module of its own so that spawned children
can import them)."""
import os
import time


def optimize_worker(url, name, n_trials, sleep):
    import parzen

    study = parzen.load_study(study_name=name, storage=url)
    numbers = []

    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        c = trial.suggest_categorical("c", ["a", "b", None])
        trial.set_user_attr("pid", os.getpid())
        numbers.append(trial.number)
        time.sleep(sleep)
        return x * x + (c == "a")

    study.optimize(objective, n_trials=n_trials)
    return numbers


def optimize_pickled_study(study, n_trials):
    """A Study passed to a worker process by pickling (joblib/multiprocessing style)."""
    def objective(trial):
        trial.set_user_attr("pid", os.getpid())
        return trial.suggest_float("x", -1, 1) ** 2

    study.optimize(objective, n_trials=n_trials)
    return len(study.trials)
