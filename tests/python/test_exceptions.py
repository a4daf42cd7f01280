"""Exceptions: catch tuples, re-raising the original exception, TrialPruned, bad arguments."""
import traceback

import pytest

import parzen
from parzen.trial import TrialState


class MyError(Exception):
    pass


def raise_my_error(trial):
    trial.suggest_float("x", 0, 1)
    raise MyError("boom from the objective")


def test_uncaught_exception_reraised_original(storage_url):
    study = parzen.create_study(storage=storage_url)
    with pytest.raises(MyError) as info:
        study.optimize(raise_my_error, n_trials=5)
    # the same exception object, with the objective's frame in its traceback
    assert str(info.value) == "boom from the objective"
    frames = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert "raise_my_error" in frames
    assert len(study.trials) == 1
    assert study.trials[0].state == TrialState.FAIL
    assert "MyError" in study.trials[0].fail_reason
    assert "boom from the objective" in study.trials[0].fail_reason


def test_same_exception_object():
    err = MyError("identity")
    study = parzen.create_study()

    def objective(trial):
        raise err

    with pytest.raises(MyError) as info:
        study.optimize(objective, n_trials=1)
    assert info.value is err


def test_reraised_with_n_jobs_and_no_trial_left_running():
    study = parzen.create_study()
    with pytest.raises(MyError):
        study.optimize(raise_my_error, n_trials=20, n_jobs=3)
    assert all(t.state != TrialState.RUNNING for t in study.trials)
    assert TrialState.FAIL in {t.state for t in study.trials}


def test_catch_tuple():
    study = parzen.create_study()
    study.optimize(raise_my_error, n_trials=4, catch=(MyError,))
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 4
    study.optimize(raise_my_error, n_trials=2, catch=(ValueError, Exception))
    assert len(study.trials) == 6
    # an exception not in the tuple is re-raised
    with pytest.raises(MyError):
        study.optimize(raise_my_error, n_trials=2, catch=(ValueError,))


def test_catch_single_class_accepted():
    study = parzen.create_study()
    study.optimize(raise_my_error, n_trials=2, catch=MyError)
    assert len(study.trials) == 2


def test_trial_pruned_is_a_pruned_trial():
    study = parzen.create_study()

    def objective(trial):
        trial.report(3.0, 0)
        raise parzen.TrialPruned()

    study.optimize(objective, n_trials=3)
    assert [t.state for t in study.trials] == [TrialState.PRUNED] * 3


def test_optuna_trial_pruned_also_prunes():
    optuna = pytest.importorskip("optuna")
    study = parzen.create_study()

    def objective(trial):
        raise optuna.TrialPruned()

    study.optimize(objective, n_trials=1)
    assert study.trials[0].state in (TrialState.PRUNED, TrialState.FAIL)


def test_trial_failed_reason():
    study = parzen.create_study()

    def objective(trial):
        raise parzen.exceptions.TrialFailed("out of memory on the GPU")

    study.optimize(objective, n_trials=1, catch=(parzen.exceptions.TrialFailed,))
    assert study.trials[0].state == TrialState.FAIL
    assert "out of memory on the GPU" in study.trials[0].fail_reason


def test_type_error_on_unknown_sampler_keyword():
    with pytest.raises(TypeError) as info:
        parzen.samplers.TPESampler(seed=1, n_startup_trail=3)
    assert "n_startup_trail" in str(info.value)
    assert "n_startup_trials" in str(info.value)  # did you mean


def test_value_error_names_parameter():
    with pytest.raises(ValueError, match="alpha"):
        parzen.create_study().optimize(lambda t: t.suggest_float("alpha", 0.0, 1.0, log=True),
                                       n_trials=1)
    with pytest.raises(ValueError, match="beta"):
        parzen.create_study().optimize(lambda t: t.suggest_int("beta", 5, 1), n_trials=1)
    with pytest.raises(ValueError, match="gamma"):
        parzen.create_study().optimize(lambda t: t.suggest_categorical("gamma", []), n_trials=1)


def test_errors_are_parzen_errors(sqlite_url):
    with pytest.raises(parzen.exceptions.ParzenError):
        parzen.load_study(study_name="missing", storage=sqlite_url)


def test_bad_storage_url():
    with pytest.raises((ValueError, parzen.exceptions.ParzenError)):
        parzen.create_study(storage="mysql://nowhere/db")


def test_optimize_bad_arguments():
    study = parzen.create_study()
    with pytest.raises(ValueError):
        study.optimize(lambda t: 0.0, n_trials=-1)


def test_wrong_number_of_values_fails_trial():
    study = parzen.create_study(directions=["minimize", "maximize"])
    study.optimize(lambda t: 1.0, n_trials=1)
    assert study.trials[0].state == TrialState.FAIL
    study.optimize(lambda t: (1.0, 2.0, 3.0), n_trials=1)
    assert study.trials[1].state == TrialState.FAIL


def test_exception_in_callback_propagates():
    study = parzen.create_study()

    def cb(study, trial):
        raise MyError("from callback")

    with pytest.raises(MyError):
        study.optimize(lambda t: 0.0, n_trials=3, callbacks=[cb])
    assert all(t.state != TrialState.RUNNING for t in study.trials)
