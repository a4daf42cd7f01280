"""Pruning through report/should_prune, as Optuna's pruners behave (seeded)."""
import pytest

import parzen
from parzen.trial import TrialState


def curve_objective(trial):
    # loss curves: a trial's level is fixed by x, so bad trials are bad from the first step
    x = trial.suggest_float("x", 0, 1)
    for step in range(20):
        loss = x + 1.0 / (step + 1)
        trial.report(loss, step)
        if trial.should_prune():
            raise parzen.TrialPruned()
    return x


def test_median_pruner_prunes_worse_than_median():
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0),
                                pruner=parzen.pruners.MedianPruner(n_startup_trials=5,
                                                                   n_warmup_steps=2))
    study.optimize(curve_objective, n_trials=60)
    pruned = study.get_trials(states=(TrialState.PRUNED,))
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert 15 <= len(pruned) <= 50
    assert all(len(t.intermediate_values) >= 3 for t in pruned)  # warm-up honoured
    assert all(t.number >= 5 for t in pruned)  # start-up trials honoured
    # pruned trials are the bad ones: their x is above the median of the completed ones
    import statistics
    med = statistics.median(t.params["x"] for t in complete)
    assert statistics.mean(t.params["x"] for t in pruned) > med
    # a pruned trial's value is its last intermediate value
    for t in pruned:
        last = max(t.intermediate_values)
        assert t.value == pytest.approx(t.intermediate_values[last])


def test_nop_pruner_never_prunes():
    study = parzen.create_study(pruner=parzen.pruners.NopPruner())
    study.optimize(curve_objective, n_trials=20)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_hyperband_prunes_and_keeps_best():
    study = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=1),
                                pruner=parzen.pruners.HyperbandPruner(min_resource=1,
                                                                      max_resource=20,
                                                                      reduction_factor=3))
    study.optimize(curve_objective, n_trials=80)
    assert len(study.get_trials(states=(TrialState.PRUNED,))) >= 20
    assert study.best_value < 0.2


def test_threshold_or_percentile_pruner():
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=3),
                                pruner=parzen.pruners.PercentilePruner(10.0, n_startup_trials=5))
    study.optimize(curve_objective, n_trials=40)
    pruned = study.get_trials(states=(TrialState.PRUNED,))
    assert len(pruned) >= 20  # keeps only the top 10 %


def test_should_prune_in_ask_tell():
    study = parzen.create_study(pruner=parzen.pruners.MedianPruner(n_startup_trials=1))
    t = study.ask()
    t.report(0.1, 0)
    study.tell(t, 0.1)
    t = study.ask()
    t.report(5.0, 0)
    assert t.should_prune()
    study.tell(t, state=TrialState.PRUNED)
    assert study.trials[1].state == TrialState.PRUNED
    assert study.trials[1].value == 5.0


def test_report_rules():
    study = parzen.create_study()
    t = study.ask()
    with pytest.raises(ValueError):
        t.report(1.0, -1)  # negative step
    t.report(1.0, 0)
    t.report(2.0, 0)  # reported again: the first value is kept (a warning)
    study.tell(t, 1.0)
    assert study.trials[0].intermediate_values == {0: 1.0}


def test_pruning_with_n_jobs(sqlite_url):
    study = parzen.create_study(storage=sqlite_url, sampler=parzen.samplers.RandomSampler(seed=0),
                                pruner=parzen.pruners.MedianPruner(n_startup_trials=4))
    study.optimize(curve_objective, n_trials=40, n_jobs=4)
    assert len(study.trials) == 40
    assert study.get_trials(states=(TrialState.PRUNED,))
