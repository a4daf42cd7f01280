"""Fixes from the try-outs of sessions 20 and 21 (Python): Optuna's ``Trial.study``, the search
classes' fitted attributes before fit, ``Study.__deepcopy__`` while trials run, and a tell of
several results that fails midway."""

import copy
import os
import sqlite3
import threading

import pytest

import parzen
from parzen.sklearn import ParzenGridSearchCV, ParzenRandomizedSearchCV, ParzenSearchCV

parzen.logging.set_verbosity(parzen.logging.WARNING)

State = parzen.trial.TrialState


# --- trial.study (new-user try-out 20, finding 9) ---------------------------------------------

def test_trial_study_is_the_optimizing_study_and_stops_it():
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=1))
    study.set_user_attr("dataset", "iris")
    seen = []

    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        assert trial.study is study
        best = trial.study.best_value if trial.number > 0 else None
        seen.append((trial.study.user_attrs["dataset"], best, trial.study.study_name))
        if trial.number == 3:
            trial.study.stop()
        return x * x

    study.optimize(objective, n_trials=20)
    assert len(study.trials) == 4  # stop() from trial 3: no new trial after it
    assert all(s[0] == "iris" and s[2] == study.study_name for s in seen)
    assert seen[1][1] == study.trials[0].value


def test_trial_study_with_threads_catch_and_ask():
    study = parzen.create_study()
    studies = []
    lock = threading.Lock()

    def objective(trial):
        with lock:
            studies.append(trial.study)
        if trial.number == 0:
            raise KeyError("boom")
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=6, n_jobs=2, catch=(KeyError,))
    assert len(studies) == 6 and all(s is study for s in studies)
    trial = study.ask()
    assert trial.study is study
    study.tell(trial, 0.5)
    assert trial.study is study  # still readable once told


def test_trial_study_in_a_url_storage_from_another_handle(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    first = parzen.create_study(study_name="s", storage=url)
    second = parzen.load_study(study_name="s", storage=url)
    numbers = []
    second.optimize(lambda t: numbers.append(t.study is second) or 1.0, n_trials=2)
    assert numbers == [True, True]
    assert len(first.trials) == 2


def test_a_trial_made_without_a_study_object_says_so():
    study = parzen.create_study()
    trial = study._core.ask()  # the core's own ask, below the Study object
    with pytest.raises(AttributeError, match="has no study"):
        trial.study


# --- fitted attributes before fit (finding 7) --------------------------------------------------

def _searches():
    from sklearn.svm import SVC
    return [
        ParzenSearchCV(SVC(), {"C": parzen.distributions.FloatDistribution(0.1, 10)}, n_trials=2),
        ParzenGridSearchCV(SVC(), {"C": [1, 2]}),
        ParzenRandomizedSearchCV(SVC(), {"C": [1, 2, 3]}, n_iter=2, random_state=0),
    ]


@pytest.mark.parametrize("search", _searches(), ids=lambda s: type(s).__name__)
def test_every_fitted_attribute_before_fit_says_call_fit_first(search):
    name = type(search).__name__
    for attr in ("study_", "trials_", "cv_results_", "best_estimator_", "best_score_",
                 "best_params_", "best_index_", "scorer_", "n_splits_", "refit_time_",
                 "multimetric_"):
        with pytest.raises(AttributeError) as e:
            getattr(search, attr)
        assert str(e.value) == f"{name!r} object has no attribute {attr!r} (call fit first)"
        assert not hasattr(search, attr)
    # Not a fitted attribute: scikit-learn's plain message.
    with pytest.raises(AttributeError) as e:
        search.stuyd_
    assert str(e.value) == f"{name!r} object has no attribute 'stuyd_'"
    # Unchanged: clone, deepcopy, pickling, predict's availability.
    from sklearn.base import clone
    clone(search)
    copy.deepcopy(search)
    assert hasattr(search, "predict")


def test_after_fit_a_missing_attribute_is_not_blamed_on_fit():
    from sklearn.datasets import load_iris
    from sklearn.svm import SVC
    X, y = load_iris(return_X_y=True)
    search = ParzenSearchCV(SVC(), {"C": parzen.distributions.FloatDistribution(0.1, 10)},
                            n_trials=2, refit=False, random_state=0)
    search.fit(X, y)
    assert len(search.trials_) == 2 and search.study_ is not None
    with pytest.raises(AttributeError) as e:
        search.best_estimator_  # refit=False: none, as scikit-learn's
    assert "call fit first" not in str(e.value)
    grid = ParzenGridSearchCV(SVC(), {})
    grid.fit(X, y)
    with pytest.raises(AttributeError, match=r"\(param_grid has no parameter\)"):
        grid.study_


# --- Study.__deepcopy__ while trials run (sklfix "left undone") --------------------------------

def test_deepcopy_while_trials_run_keeps_them_running_with_their_numbers():
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=3))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    running = study.ask()
    running.suggest_float("x", 0, 1)
    running.report(0.5, 0)
    study.enqueue_trial({"x": 0.25})
    done = study.ask()  # claims the enqueued trial
    study.tell(done, done.suggest_float("x", 0, 1))
    later = study.ask()
    later.suggest_float("x", 0, 1)
    copies = []
    study.optimize(lambda t: copies.append(copy.deepcopy(study)) or 1.0, n_trials=1)
    study.tell(running, 0.1)
    study.tell(later, 0.2)
    study.enqueue_trial({"x": 0.75})  # trial 6, waiting
    waiting = copy.deepcopy(study)
    assert waiting.trials[6].state == State.WAITING
    waiting.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert waiting.trials[6].params == {"x": 0.75}  # its enqueued value, not a new draw

    snapshot = copies[0]  # taken inside trial 5's objective: 2, 4 and 5 running
    original = {t.number: t for t in study.trials}
    got = {t.number: t for t in snapshot.trials}
    assert sorted(got) == [0, 1, 2, 3, 4, 5]
    assert [got[n].state for n in range(6)] == [State.COMPLETE, State.COMPLETE, State.RUNNING,
                                                State.COMPLETE, State.RUNNING, State.RUNNING]
    for n in range(6):
        assert got[n].params == original[n].params, n
    assert got[2].intermediate_values == {0: 0.5}
    assert got[3].value == 0.25
    # The copy goes on after them; the original is untouched by it.
    snapshot.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert [t.number for t in snapshot.trials] == [0, 1, 2, 3, 4, 5, 6]
    assert len(study.trials) == 7
    assert all(t.state == State.COMPLETE for t in study.trials[:6])


# --- _tell_many failing midway (sklfix "left undone") ------------------------------------------

def _refuse_completing(path, number):
    """A real SQLite failure for one trial: a trigger makes the database refuse to store trial
    ``number`` as COMPLETE (the error a full disk or a constraint gives, for one write)."""
    db = sqlite3.connect(path)
    db.execute("CREATE TRIGGER refuse BEFORE UPDATE OF state ON trials "
               f"WHEN NEW.number = {int(number)} AND NEW.state = 'complete' "
               "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END")
    db.commit()
    db.close()


def _states(study):
    return [t.state for t in study.trials]


def test_tell_many_failing_midway_fails_the_untold_trials(tmp_path):
    path = str(tmp_path / "t.db")
    study = parzen.create_study(study_name="t", storage=f"sqlite:///{path}")
    numbers = [n for n, _ in study._core._ask_suggest(
        4, [("x", parzen.distributions.FloatDistribution(0, 1))])]
    assert numbers == [0, 1, 2, 3]
    _refuse_completing(path, 1)
    with pytest.raises(Exception, match="refused by the test trigger"):
        study._core._tell_many([(0, 0.5, ""), (1, 0.6, ""), (2, 0.7, ""), (3, None, "mine")])
    trials = study.trials
    assert _states(study) == [State.COMPLETE, State.FAIL, State.FAIL, State.FAIL]
    assert trials[0].value == 0.5
    assert "refused by the test trigger" in trials[1].fail_reason
    for t in trials[2:]:
        assert t.fail_reason.startswith("not told: telling trial 1 raised: "), t.fail_reason
        assert "refused by the test trigger" in t.fail_reason


def test_tell_many_after_another_process_finished_a_trial(tmp_path):
    url = f"sqlite:///{tmp_path / 'o.db'}"
    study = parzen.create_study(study_name="o", storage=url)
    study._core._ask_suggest(3, [("x", parzen.distributions.FloatDistribution(0, 1))])
    other = parzen.load_study(study_name="o", storage=url)
    other.tell(1, state=State.FAIL)  # e.g. `parzen tell`, or a worker's heartbeat check
    with pytest.raises(parzen.exceptions.InvalidStateError, match="trial 1 is already"):
        study._core._tell_many([(0, 0.5, ""), (1, 0.6, ""), (2, 0.7, "")])
    assert _states(study) == [State.COMPLETE, State.FAIL, State.FAIL]
    assert study.trials[2].fail_reason.startswith("not told: telling trial 1 raised: ")


def test_a_search_whose_storage_refuses_a_result_leaves_no_trial_running(tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.svm import SVC
    X, y = load_iris(return_X_y=True)
    path = str(tmp_path / "cv.db")
    url = f"sqlite:///{path}"
    parzen.create_study(study_name="cv", storage=url, direction="maximize")
    _refuse_completing(path, 1)
    # A random search asks its 4 trials together and tells their scores in one call at the end.
    search = ParzenSearchCV(SVC(), {"C": parzen.distributions.FloatDistribution(0.1, 10)},
                            n_trials=4, storage=url, study_name="cv",
                            sampler=parzen.samplers.RandomSampler(seed=0))
    with pytest.raises(Exception, match="refused by the test trigger"):
        search.fit(X, y)
    study = parzen.load_study(study_name="cv", storage=url)
    assert study.trials, "the search asked trials"
    assert State.RUNNING not in _states(study), [(t.number, t.state) for t in study.trials]
    assert _states(study) == [State.COMPLETE, State.FAIL, State.FAIL, State.FAIL]
    assert study.trials[3].fail_reason.startswith("not told: telling trial 1 raised: ")
