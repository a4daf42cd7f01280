"""Memory: many trials in a loop do not grow the resident set beyond a bound."""
import gc

import pytest

import parzen

from conftest import SANITIZE

psutil = pytest.importorskip("psutil")
pytestmark = pytest.mark.skipif(SANITIZE, reason="ASan's quarantine and shadow memory inflate RSS")


def rss_mb():
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def test_10000_trials_loop_rss_bounded():
    """10 000 trials through optimize and ask/tell on one study: the trials themselves cost a
    few hundred bytes each; a leak of a Trial, a FrozenTrial or a Python reference per trial
    shows up as tens of MB."""
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))

    def objective(trial):
        return trial.suggest_float("x", 0, 1) + trial.suggest_int("n", 0, 10)

    study.optimize(objective, n_trials=500)  # warm up allocators and caches
    before = rss_mb()
    study.optimize(objective, n_trials=5000)
    for _ in range(5000):
        t = study.ask()
        study.tell(t, objective(t))
    grown = rss_mb() - before
    assert len(study.trials) == 10500
    assert grown < 40, f"RSS grew by {grown:.1f} MB over 10 000 trials"


def test_repeated_studies_do_not_leak():
    """Studies created, optimised, read and dropped in a loop: RSS flat after warm-up."""
    def once():
        study = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=0),
                                    pruner=parzen.pruners.MedianPruner())
        study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=50,
                       callbacks=[lambda s, t: None])
        _ = study.trials, study.best_trial, study.best_params

    for _ in range(20):
        once()
    before = rss_mb()
    for _ in range(200):  # 10 000 trials
        once()
    grown = rss_mb() - before
    assert grown < 20, f"RSS grew by {grown:.1f} MB over 200 studies"


def test_failing_objective_does_not_leak():
    """Exceptions carry tracebacks and frames: the failed trials must not keep them alive."""
    def objective(trial):
        trial.suggest_float("x", 0, 1)
        payload = bytearray(100_000)  # noqa: F841  kept alive by a leaked frame
        raise RuntimeError("fail")

    study = parzen.create_study()
    study.optimize(objective, n_trials=200, catch=(RuntimeError,))
    before = rss_mb()
    study.optimize(objective, n_trials=2000, catch=(RuntimeError,))
    grown = rss_mb() - before
    assert grown < 60, f"RSS grew by {grown:.1f} MB over 2000 failed trials"
