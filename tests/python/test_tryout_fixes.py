"""Fixes from the new-user try-out (issue 16): Optuna 3.1 objectives that must run unchanged."""

import collections
import logging
import math
import pickle
import warnings

import pytest

import parzen

parzen.logging.set_verbosity(parzen.logging.WARNING)


# F17: report(nan/inf) prunes the trial (Optuna's pruners prune a NaN) instead of ending the study
def _diverging(trial):
    lr = trial.suggest_float("lr", 1e-4, 10, log=True)
    for epoch in range(5):
        loss = float("nan") if lr > 1 else lr * (5 - epoch)
        trial.report(loss, epoch)
        if trial.should_prune():
            raise parzen.TrialPruned()
    return lr


def test_report_nan_prunes_and_the_study_goes_on():
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    study.optimize(_diverging, n_trials=30)
    states = collections.Counter(t.state for t in study.trials)
    assert len(study.trials) == 30
    assert states[parzen.trial.TrialState.FAIL] == 0
    assert states[parzen.trial.TrialState.PRUNED] >= 1
    assert any(t.params["lr"] > 1 for t in study.trials)
    for t in study.trials:
        if t.params["lr"] > 1:  # diverged: pruned at its first report
            assert t.state == parzen.trial.TrialState.PRUNED and not t.intermediate_values


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_report_non_finite_in_ask_tell(value):
    study = parzen.create_study(pruner=parzen.pruners.NopPruner())
    t = study.ask()
    t.report(0.5, 0)
    assert not t.should_prune()
    t.report(value, 1)  # no exception
    assert t.should_prune()
    with pytest.raises(ValueError):
        t.report(value, -1)  # a negative step is still refused
    study.tell(t, state=parzen.trial.TrialState.PRUNED)
    assert study.trials[0].state == parzen.trial.TrialState.PRUNED
    assert study.trials[0].intermediate_values == {0: 0.5}
    kept = []
    study.optimize(lambda trial: kept.append(trial) or 1.0, n_trials=1)
    with pytest.raises(RuntimeError, match="has finished"):
        kept[0].report(value, 0)  # a finished objective's trial is refused as for finite values


def test_report_float_step():
    study = parzen.create_study()
    t = study.ask()
    t.report(0.5, 3.0)  # Optuna accepts a float step
    study.tell(t, 1.0)
    assert study.trials[0].intermediate_values == {3: 0.5}
    t = study.ask()
    with pytest.raises(TypeError):
        t.report(0.5, 1.5)


# F12: a step that does not divide the range lowers high with Optuna's warning
def test_step_not_dividing_range_is_adjusted_with_warning():
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=1))

    def objective(trial):
        n = trial.suggest_int("n_estimators", 50, 1000, step=100)
        f = trial.suggest_float("f", 0, 1, step=0.3)
        return n + f

    with pytest.warns(UserWarning, match=r"It will be replaced by \[50, 950\]"):
        study.optimize(objective, n_trials=20)
    assert all(t.state == parzen.trial.TrialState.COMPLETE for t in study.trials)
    for t in study.trials:
        assert t.params["n_estimators"] in range(50, 951, 100)
        assert t.params["f"] in (0.0, 0.3, 0.6, 0.9)
    assert study.trials[0].distributions["n_estimators"].high == 950
    assert study.trials[0].distributions["f"].high == pytest.approx(0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        study.optimize(lambda t: t.suggest_int("n_estimators", 50, 950, step=100), n_trials=1)


def test_step_float_adjust_message_as_optuna():
    study = parzen.create_study()
    t = study.ask()
    with pytest.warns(UserWarning) as rec:
        t.suggest_float("f", 0, 1, step=0.3)
    assert str(rec[0].message) == (
        "The distribution is specified by [0.0, 1.0] and step=0.3, but the range is not "
        "divisible by `step`. It will be replaced by [0.0, 0.9].")
    assert rec[0].filename == __file__


# F4: objective(study.best_trial) and FixedTrial
def _objective(trial):
    x = trial.suggest_float("x", -10, 10)
    n = trial.suggest_int("n", 1, 9, step=2)
    c = trial.suggest_categorical("c", ["a", "b"])
    trial.report(1.0, 0)
    assert not trial.should_prune()
    return (x - 2) ** 2 + n + (c == "b")


def test_objective_on_best_trial_and_fixed_trial():
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    study.optimize(_objective, n_trials=5)
    assert _objective(study.best_trial) == pytest.approx(study.best_value)
    assert _objective(pickle.loads(pickle.dumps(study.best_trial))) == pytest.approx(
        study.best_value)
    fixed = parzen.trial.FixedTrial(study.best_params)
    assert _objective(fixed) == pytest.approx(study.best_value)
    assert fixed.params == study.best_params and set(fixed.distributions) == {"x", "n", "c"}
    assert _objective(parzen.trial.FixedTrial({"x": 2.5, "n": 3, "c": "a"})) == 3.25
    with pytest.raises(ValueError, match="'x' is not found"):
        _objective(parzen.trial.FixedTrial({"n": 3, "c": "a"}))
    with pytest.warns(UserWarning, match="out of the range"):
        assert parzen.trial.FixedTrial({"x": 20.0}).suggest_float("x", 0, 1) == 20.0
    frozen = parzen.trial.create_trial(
        params={"x": 0.5}, distributions={"x": parzen.distributions.FloatDistribution(0, 1)},
        value=1.0)
    assert frozen.suggest_float("x", 0, 1) == 0.5
    with pytest.raises(ValueError):
        frozen.suggest_float("y", 0, 1)
    with pytest.raises(ValueError, match="out of the range"):
        study.best_trial.suggest_float("x", 100, 200)


# F15: a one-objective sampler with several directions is refused by create_study
def test_single_objective_sampler_refused_for_several_directions():
    with pytest.raises(ValueError, match="CmaEsSampler models one objective; this study has 2 "
                                         "directions .use .*RandomSampler.*TPESampler"):
        parzen.create_study(directions=["minimize", "minimize"],
                            sampler=parzen.samplers.CmaEsSampler(seed=0))
    # The GP handles up to 3 objectives (log EHVI); 4 are refused when the study is created.
    parzen.create_study(directions=["minimize"] * 3, sampler=parzen.samplers.GPSampler(seed=0))
    with pytest.raises(ValueError, match="GPSampler models at most 3 objectives; this study has 4 "
                                         "directions .use .*TPESampler.*NSGAIISampler"):
        parzen.create_study(directions=["minimize"] * 4, sampler=parzen.samplers.GPSampler(seed=0))
    parzen.create_study(directions=["minimize", "minimize"],
                        sampler=parzen.samplers.TPESampler(seed=0))  # multi-objective TPE
    parzen.create_study(directions=["minimize", "minimize"],
                        sampler=parzen.samplers.RandomSampler(seed=0))
    parzen.create_study(directions=["minimize"], sampler=parzen.samplers.TPESampler(seed=0))


# F16: Optuna's "A new study created" line, also through get_logger("optuna")
def test_study_created_line(tmp_path):
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Keep()
    parzen.logging.set_verbosity(parzen.logging.INFO)
    parzen.logging.get_logger("optuna").addHandler(handler)
    try:
        parzen.create_study(study_name="mem-x")
        url = f"sqlite:///{tmp_path}/ex.db"
        parzen.create_study(study_name="rdb-x", storage=url)
        parzen.create_study(study_name="rdb-x", storage=url, load_if_exists=True)
    finally:
        parzen.logging.get_logger("optuna").removeHandler(handler)
        parzen.logging.set_verbosity(parzen.logging.WARNING)
    assert records[:3] == ["A new study created in memory with name: mem-x",
                           "A new study created in RDB with name: rdb-x",
                           "Using an existing study with name 'rdb-x' instead of creating a new "
                           "one."]
    assert parzen.logging.get_logger("optuna") is logging.getLogger("parzen")


def test_fmin_logs_no_study_created_line(caplog):
    from parzen.hyperopt import fmin, hp, tpe
    parzen.logging.set_verbosity(parzen.logging.INFO)
    parzen.logging.enable_propagation()
    try:
        with caplog.at_level(logging.INFO, logger="parzen"):
            fmin(lambda x: x ** 2, hp.uniform("x", -1, 1), algo=tpe.suggest, max_evals=2,
                 show_progressbar=False)
            parzen.create_study(study_name="seen")
    finally:
        parzen.logging.disable_propagation()
        parzen.logging.set_verbosity(parzen.logging.WARNING)
    created = [r.getMessage() for r in caplog.records if "A new study" in r.getMessage()]
    assert created == ["A new study created in memory with name: seen"]


# breakit F15: a Trial used from a second thread (after its objective returned, or two threads on
# one asked trial) must not crash the interpreter; run in a subprocess so that a crash fails here.
def test_trial_used_from_other_threads_does_not_crash():
    import os
    import subprocess
    import sys
    worker = os.path.join(os.path.dirname(__file__), "_trial_threads_worker.py")
    for n_jobs in ("2", "1"):
        out = subprocess.run([sys.executable, worker, n_jobs], capture_output=True, text=True,
                             timeout=300, env=dict(os.environ))
        assert out.returncode == 0, (out.returncode, out.stderr[-2000:])
        assert out.stdout.strip() == "ok 220"


def test_trial_write_after_objective_returned_raises():
    kept = []
    study = parzen.create_study()
    study.optimize(lambda t: kept.append(t) or t.suggest_float("x", 0, 1), n_trials=1)
    with pytest.raises(parzen.exceptions.InvalidStateError, match="has finished"):
        kept[0].suggest_float("y", 0, 1)
    assert kept[0].params == study.trials[0].params


# breakit F20/F3: a deeply nested or cyclic attribute is a ValueError (not a C stack overflow),
# a value JSON cannot hold a TypeError naming the key
def test_deep_or_unserialisable_user_attrs():
    deep = []
    for _ in range(100000):
        deep = [deep]
    cyclic = []
    cyclic.append(cyclic)
    study = parzen.create_study()
    trial = study.ask()
    for set_attr in (trial.set_user_attr, study.set_user_attr):
        with pytest.raises(ValueError, match="'k' is nested deeper than 1000"):
            set_attr("k", deep)
        with pytest.raises(ValueError, match="'c' is nested deeper"):
            set_attr("c", cyclic)
        with pytest.raises(TypeError, match="'o' is not JSON serializable"):
            set_attr("o", object())
    with pytest.raises(ValueError, match="user_attrs is nested deeper"):
        study.enqueue_trial({}, user_attrs={"a": deep})
    ok = []
    for _ in range(900):
        ok = [ok]
    trial.set_user_attr("ok", {"a": ok, "t": (1, 2)})
    assert trial.user_attrs["ok"]["t"] == [1, 2]


# breakit F3: huge integers name the parameter / give Optuna's "could not be cast" failure
def test_huge_integers():
    study = parzen.create_study()
    trial = study.ask()
    with pytest.raises(ValueError, match="parameter 'b': choice .* does not fit in a 64-bit"):
        trial.suggest_categorical("b", [2 ** 70, 1])
    with pytest.raises(TypeError, match="parameter 'b'"):
        trial.suggest_categorical("b", [object()])
    study.optimize(lambda t: 2 ** 2000, n_trials=1)
    last = study.trials[-1]
    assert last.state == parzen.trial.TrialState.FAIL
    assert last.fail_reason.startswith("The value 1") and last.fail_reason.endswith(
        "could not be cast to float.")
