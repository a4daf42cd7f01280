"""parzen.sklearn when a fit fails (break-it findings 2, 3, 4 and 11 of the issue-16 try-out).

A fit that raises leaves no trial RUNNING in the study (every asked, untold trial is told FAIL
with the reason, and the exception is re-raised); enable_pruning applies error_score to an
exception of partial_fit; clone / cross_val_score work on a search given an in-memory study;
the messages name the user's arguments.
"""
import copy
import warnings

import numpy as np
import pytest
from sklearn import datasets
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

import parzen
from parzen.distributions import FloatDistribution
from parzen.sklearn import ParzenGridSearchCV, ParzenRandomizedSearchCV, ParzenSearchCV

IRIS = datasets.load_iris()
X, Y = IRIS.data, IRIS.target


class Boom(ClassifierMixin, BaseEstimator):
    """Fits when a <= 0.5; raises RuntimeError("boom") otherwise (or KeyboardInterrupt)."""

    def __init__(self, a=1.0, interrupt=False):
        self.a = a
        self.interrupt = interrupt

    def fit(self, X, y):
        if self.a > 0.5:
            raise KeyboardInterrupt() if self.interrupt else RuntimeError("boom")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


class Diverging(SGDClassifier):
    """partial_fit raises for alpha > 0.01 (fit works)."""

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        if self.alpha > 0.01:
            raise RuntimeError("diverged")
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)


def _states(study):
    return [(t.number, t.state.name) for t in study.trials]


def _url(tmp_path):
    return f"sqlite:///{tmp_path / 'skl.db'}"


# --- finding 2: a raising fit leaves no RUNNING trial -------------------------------------------
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_raising_fit_fails_the_untold_trials(tmp_path, n_jobs):
    url = _url(tmp_path)
    # A grid of a: 0.2 fits, 0.9 raises (error_score="raise"); the order is the sampler's.
    search = ParzenSearchCV(Boom(), {"a": [0.2, 0.9, 0.3, 0.8]}, n_trials=8, cv=3,
                            n_jobs=n_jobs, error_score="raise", storage=url, study_name="r",
                            sampler=parzen.samplers.GridSampler({"a": [0.2, 0.9, 0.3, 0.8]}))
    with pytest.raises(RuntimeError, match="boom"):
        search.fit(X, Y)
    study = parzen.load_study(study_name="r", storage=url)
    states = dict(_states(study))
    assert "RUNNING" not in states.values(), states
    failed = [t for t in study.trials if t.state.name == "FAIL"]
    assert failed
    for t in failed:
        assert "RuntimeError" in t.fail_reason and "boom" in t.fail_reason, t.fail_reason
    # a trial finished before the error keeps its value
    for t in study.trials:
        if t.state.name == "COMPLETE":
            assert t.params["a"] <= 0.5 and t.value is not None
    # a second fit of the same study (error_score nan) goes on and finds no stale trial
    ParzenSearchCV(Boom(), {"a": [0.2, 0.9, 0.3, 0.8]}, n_trials=4, cv=3, storage=url,
                   study_name="r", sampler=parzen.samplers.RandomSampler(seed=0)).fit(X, Y)
    assert "RUNNING" not in dict(_states(parzen.load_study(study_name="r", storage=url))).values()


def test_interrupted_fit_fails_the_untold_trial(tmp_path):
    url = _url(tmp_path)
    # (a timeout: one trial per evaluate_candidates step, so trial 0 is told before trial 1)
    search = ParzenSearchCV(Boom(interrupt=True), {"a": [0.2, 0.9]}, n_trials=2, cv=3,
                            timeout=600, storage=url, study_name="k",
                            sampler=parzen.samplers.GridSampler({"a": [0.2, 0.9]}))
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, Y)
    study = parzen.load_study(study_name="k", storage=url)
    assert sorted(s for _, s in _states(study)) == ["COMPLETE", "FAIL"], _states(study)
    (failed,) = [t for t in study.trials if t.state.name == "FAIL"]
    assert failed.params["a"] == 0.9
    assert "KeyboardInterrupt" in failed.fail_reason


def test_unknown_estimator_parameter_leaves_no_running_trial(tmp_path):
    url = _url(tmp_path)
    with pytest.raises(ValueError, match="bogus"):
        ParzenSearchCV(SVC(), {"bogus": [1, 2]}, n_trials=4, cv=3, storage=url,
                       study_name="u").fit(X, Y)
    study = parzen.load_study(study_name="u", storage=url)
    assert study.trials and all(t.state.name == "FAIL" for t in study.trials), _states(study)
    assert "bogus" in study.trials[0].fail_reason


def test_raising_fit_with_repeats_fails_every_asked_trial():
    # ParzenRandomizedSearchCV on an all-list space asks one trial at a time and replaces the
    # repeated candidates: every trial it asked is finished when a fit raises
    search = ParzenRandomizedSearchCV(Boom(), {"a": [0.1, 0.2, 0.3, 0.9]}, n_iter=4, cv=3,
                                      error_score="raise", random_state=0,
                                      sampler=parzen.samplers.RandomSampler(seed=5))
    with pytest.raises(RuntimeError, match="boom"):
        search.fit(X, Y)
    states = dict(_states(search.study_))
    assert states and "RUNNING" not in states.values(), states
    assert "FAIL" in states.values()


# --- finding 3: enable_pruning applies error_score to partial_fit -------------------------------
def _pruning_search(url, name, **kw):
    return ParzenSearchCV(Diverging(), {"alpha": FloatDistribution(1e-4, 1, log=True)},
                          n_trials=6, cv=2, enable_pruning=True, max_iter=3, storage=url,
                          study_name=name, random_state=0, **kw)


def test_pruning_partial_fit_error_with_nan_error_score_goes_on(tmp_path):
    url = _url(tmp_path)
    search = _pruning_search(url, "p")
    with pytest.warns(FitFailedWarning, match="diverged"):
        search.fit(X, Y)
    study = parzen.load_study(study_name="p", storage=url)
    assert len(study.trials) == 6
    assert "RUNNING" not in dict(_states(study)).values()
    failed = [t for t in study.trials if t.state.name == "FAIL"]
    assert failed and all(t.params["alpha"] > 0.01 for t in failed)
    assert all("partial_fit" in t.fail_reason and "diverged" in t.fail_reason for t in failed)
    ok = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert ok and all(t.params["alpha"] <= 0.01 for t in ok)
    # the failed trials are not candidates: cv_results_ has the surviving ones
    assert len(search.cv_results_["params"]) == len(ok)
    assert search.best_params_["alpha"] <= 0.01


def test_pruning_partial_fit_error_with_numeric_error_score(tmp_path):
    url = _url(tmp_path)
    with pytest.warns(FitFailedWarning):
        _pruning_search(url, "n", error_score=-1.0).fit(X, Y)
    study = parzen.load_study(study_name="n", storage=url)
    bad = [t for t in study.trials if t.params["alpha"] > 0.01]
    assert bad and all(t.state.name == "COMPLETE" and t.value == -1.0 for t in bad)


def test_pruning_partial_fit_error_with_raise(tmp_path):
    url = _url(tmp_path)
    with pytest.raises(RuntimeError, match="diverged"):
        _pruning_search(url, "x", error_score="raise").fit(X, Y)
    study = parzen.load_study(study_name="x", storage=url)
    assert study.trials and "RUNNING" not in dict(_states(study)).values()
    assert study.trials[-1].state.name == "FAIL"
    assert "diverged" in study.trials[-1].fail_reason


# --- finding 4: clone of a search given an in-memory study --------------------------------------
def test_clone_and_cross_val_score_with_in_memory_study():
    study = parzen.create_study(direction="maximize")
    search = ParzenSearchCV(SVC(), {"C": [1, 2]}, n_trials=2, cv=3, study=study)
    copied = clone(search)
    assert copied.study is not study
    assert copied.study.study_name == study.study_name
    scores = cross_val_score(search, X, Y, cv=2)
    assert scores.shape == (2,) and np.all(scores > 0.5)
    # each outer fold searched its own copy: the user's study is untouched
    assert len(study.trials) == 0
    search.fit(X, Y)
    assert len(study.trials) == 2


def test_deepcopy_of_in_memory_study_copies_its_trials():
    study = parzen.create_study(direction="maximize",
                                sampler=parzen.samplers.RandomSampler(seed=1))
    study.set_user_attr("k", 1)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    twin = copy.deepcopy(study)
    assert twin is not study and twin.study_name == study.study_name
    assert [t.value for t in twin.trials] == [t.value for t in study.trials]
    assert twin.user_attrs == {"k": 1}
    assert twin.direction == study.direction
    twin.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(twin.trials) == 5 and len(study.trials) == 3


def test_deepcopy_of_in_memory_grid_study_keeps_its_reserved_points():
    study = parzen.create_study(sampler=parzen.samplers.GridSampler({"x": [0, 1, 2, 3]}))
    study.optimize(lambda t: t.suggest_int("x", 0, 3), n_trials=2)
    twin = copy.deepcopy(study)
    twin.optimize(lambda t: t.suggest_int("x", 0, 3), n_trials=2)
    # the copy continues the grid (the points of the first two trials stay reserved)
    assert sorted(t.params["x"] for t in twin.trials) == [0, 1, 2, 3]
    assert "study_token" not in twin.system_attrs or (
        twin.system_attrs["study_token"] != study.system_attrs["study_token"])


def test_deepcopy_of_url_study_is_a_handle_to_the_same_study(tmp_path):
    url = _url(tmp_path)
    study = parzen.create_study(storage=url, study_name="d")
    twin = copy.deepcopy(study)
    twin.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(study.trials) == 2


def test_nested_cv_with_url_study(tmp_path):
    study = parzen.create_study(storage=_url(tmp_path), study_name="nested",
                                direction="maximize")
    search = ParzenSearchCV(SVC(), {"C": [1, 2]}, n_trials=2, cv=3, study=study)
    assert cross_val_score(search, X, Y, cv=2).shape == (2,)
    assert len(study.trials) == 4  # a URL study is shared: both folds add to it


# --- finding 11: messages name the user's arguments ---------------------------------------------
@pytest.mark.parametrize("n_iter", [0, -1, 1.5])
def test_randomized_search_names_n_iter(n_iter):
    with pytest.raises(ValueError, match="n_iter") as info:
        ParzenRandomizedSearchCV(SVC(), {"C": [1, 2]}, n_iter=n_iter, cv=3).fit(X, Y)
    assert "n_trials" not in str(info.value)


def test_grid_sampler_missing_parameter_message_names_no_cpp_type():
    search = ParzenSearchCV(SVC(), {"gamma": [0.1, 1]},
                            sampler=parzen.samplers.GridSampler({"C": [1, 2, 3]}),
                            n_trials=None, cv=3)
    with pytest.raises(Exception, match="gamma") as info:
        search.fit(X, Y)
    assert "::" not in str(info.value) and "Options" not in str(info.value), str(info.value)
    assert "GridSampler" in str(info.value)


def test_grid_search_raise_leaves_no_study():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = ParzenGridSearchCV(Boom(), {"a": [0.2, 0.9]}, cv=3, error_score="raise")
        with pytest.raises(RuntimeError, match="boom"):
            search.fit(X, Y)
    with pytest.raises(AttributeError):
        search.study_
