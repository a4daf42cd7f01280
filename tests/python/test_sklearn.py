"""parzen.sklearn (issue 16): ParzenSearchCV and the GridSearchCV/RandomizedSearchCV drop-ins.

Parity with scikit-learn's own searches, multimetric refit, the scipy.stats mapping and refusals,
nested CV, Pipelines, the meta-estimator checks, storages, pruning, and the two examples.
"""
import math
import os
import pickle
import subprocess

import numpy as np
import pytest
import scipy.stats as st
from sklearn import datasets
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge, SGDClassifier
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import estimator_checks

import parzen
from parzen.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from parzen.sklearn import ParzenGridSearchCV, ParzenRandomizedSearchCV, ParzenSearchCV

from conftest import PYTHON, SOURCE_DIR, child_env, unique_name

IRIS = datasets.load_iris()
X, Y = IRIS.data, IRIS.target
GRID = {"kernel": ("linear", "rbf"), "C": [1, 10]}


def _same_results(ours, theirs):
    a, b = ours.cv_results_, theirs.cv_results_
    assert sorted(a) == sorted(b)
    for key in b:
        if "time" in key:
            continue
        if key == "params":
            assert a[key] == b[key]
        elif key.startswith("param_"):
            assert list(a[key]) == list(b[key]), key
        else:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_params_ == theirs.best_params_
    if hasattr(theirs, "best_score_"):
        assert ours.best_score_ == theirs.best_score_


# --- grid parity ---------------------------------------------------------------------------------
def test_grid_parity_svm_iris():
    ours = ParzenGridSearchCV(SVC(), GRID, cv=5).fit(X, Y)
    theirs = GridSearchCV(SVC(), GRID, cv=5).fit(X, Y)
    _same_results(ours, theirs)
    assert [round(v, 4) for v in ours.cv_results_["mean_test_score"]] == [0.98, 0.9667, 0.9733,
                                                                           0.98]
    assert list(ours.cv_results_["rank_test_score"]) == [1, 4, 3, 1]
    assert ours.best_estimator_.get_params() == theirs.best_estimator_.get_params()
    # every candidate is a trial of the grid study, valued by its mean score
    assert [t.value for t in ours.trials_] == list(ours.cv_results_["mean_test_score"])


def test_grid_studies_are_built_when_read():
    # the grid alias builds its studies (one per grid, GridSampler, in memory) only when study_
    # or trials_ is read: their trials are the candidates, in cv_results_'s order
    grids = [{"kernel": ["rbf"], "C": [10, 1]}, {}, {"kernel": ("linear",), "C": [1, 10, 100]}]
    search = ParzenGridSearchCV(SVC(), grids, cv=3)
    assert not hasattr(search, "study_") and not hasattr(search, "trials_")
    search.fit(X, Y)
    _same_results(search, GridSearchCV(SVC(), grids, cv=3).fit(X, Y))
    assert "_study" not in search.__dict__  # nothing built yet
    study = search.study_
    assert search.study_ is study and isinstance(study.sampler, parzen.samplers.GridSampler)
    assert [t.params for t in study.trials] == search.cv_results_["params"][3:]
    trials = search.trials_  # the first grid's study, then the last's ({} has no trial)
    assert [t.params for t in trials] == (search.cv_results_["params"][:2]
                                          + search.cv_results_["params"][3:])
    assert [t.value for t in trials] == [v for i, v in enumerate(
        search.cv_results_["mean_test_score"]) if i != 2]
    assert [t.state for t in trials] == [parzen.TrialState.COMPLETE] * 5
    # a refit builds new studies from the new results
    search.set_params(param_grid={"C": [1, 2]}).fit(X, Y)
    assert search.study_ is not study and len(search.trials_) == 2
    assert [t.params for t in search.study_.trials] == [{"C": 1}, {"C": 2}]
    # a pickled copy builds its own study (the in-memory one is not pickled) and keeps trials_
    back = pickle.loads(pickle.dumps(search))
    assert [t.value for t in back.trials_] == [t.value for t in search.trials_]
    assert [t.params for t in back.study_.trials] == [{"C": 1}, {"C": 2}]
    fresh = pickle.loads(pickle.dumps(ParzenGridSearchCV(SVC(), {"C": [1]}).fit(X, Y)))
    assert [t.params for t in fresh.study_.trials] == [{"C": 1}]
    # a grid of {} only: one candidate, no parameter, no study
    empty = ParzenGridSearchCV(SVC(), {}, cv=2).fit(X, Y)
    assert empty.cv_results_["params"] == [{}] and empty.trials_ == []
    with pytest.raises(AttributeError, match="no parameter"):
        empty.study_


def test_search_cv_with_grid_sampler_is_the_grid():
    sampler = parzen.samplers.GridSampler({"C": [1, 10], "kernel": ["linear", "rbf"]})
    ours = ParzenSearchCV(SVC(), None, sampler=sampler, n_trials=None, cv=5).fit(X, Y)
    _same_results(ours, GridSearchCV(SVC(), GRID, cv=5).fit(X, Y))


def test_grid_parity_tree_and_ridge_and_pipeline():
    grid = {"max_depth": [1, 2, 3, None], "criterion": ["gini", "entropy"]}
    est = DecisionTreeClassifier(random_state=0)
    _same_results(ParzenGridSearchCV(est, grid, cv=3).fit(X, Y),
                  GridSearchCV(est, grid, cv=3).fit(X, Y))
    d = datasets.load_diabetes()
    grid = {"alpha": [0.01, 0.1, 1.0, 10.0], "fit_intercept": [True, False]}
    _same_results(ParzenGridSearchCV(Ridge(), grid, cv=4, return_train_score=True).fit(d.data,
                                                                                        d.target),
                  GridSearchCV(Ridge(), grid, cv=4, return_train_score=True).fit(d.data, d.target))
    pipe = Pipeline([("scale", StandardScaler()), ("svc", SVC())])
    # a list of grids, with an object-valued parameter (stored in the study by index)
    grid = [{"svc__C": [0.5, 5], "svc__kernel": ["rbf"]},
            {"svc__kernel": ["linear"], "scale": [StandardScaler(), "passthrough"]}]
    ours = ParzenGridSearchCV(pipe, grid, cv=3).fit(X, Y)
    _same_results(ours, GridSearchCV(pipe, grid, cv=3).fit(X, Y))


def test_multimetric_refit():
    scoring = ["accuracy", "f1_macro"]
    ours = ParzenGridSearchCV(SVC(), GRID, cv=5, scoring=scoring, refit="f1_macro").fit(X, Y)
    _same_results(ours, GridSearchCV(SVC(), GRID, cv=5, scoring=scoring,
                                     refit="f1_macro").fit(X, Y))
    search = ParzenSearchCV(SVC(), {"C": FloatDistribution(0.1, 10, log=True)}, n_trials=4,
                            cv=3, scoring=scoring, refit="f1_macro", random_state=0).fit(X, Y)
    assert [t.value for t in search.trials_] == list(search.cv_results_["mean_test_f1_macro"])
    assert search.best_score_ == max(search.cv_results_["mean_test_f1_macro"])
    no_refit = ParzenSearchCV(SVC(), {"C": [1, 10]}, n_trials=2, cv=3, scoring=scoring,
                              refit=False).fit(X, Y)
    assert not hasattr(no_refit, "best_estimator_")
    assert "mean_test_accuracy" in no_refit.cv_results_


# --- param_distributions -------------------------------------------------------------------------
def test_scipy_distributions_map_exactly():
    space = {"a": st.uniform(1, 10), "b": st.loguniform(1e-3, 1e2), "c": st.reciprocal(1, 5),
             "d": st.randint(1, 5), "e": st.uniform(loc=-1, scale=2),
             "f": st.loguniform(1, 10, scale=2), "g": st.randint(0, 3, loc=10)}
    from parzen.sklearn import _dict_space as _space
    got = {k: d for k, (d, _, _) in _space(space).items()}
    assert got["a"] == FloatDistribution(1, 11)
    assert got["b"] == FloatDistribution(1e-3, 1e2, log=True)
    assert got["c"] == FloatDistribution(1, 5, log=True)
    assert got["d"] == IntDistribution(1, 4)
    assert got["e"] == FloatDistribution(-1, 1)
    assert got["f"] == FloatDistribution(2, 20, log=True)
    assert got["g"] == IntDistribution(10, 12)
    assert got is not None and isinstance(_space({"k": ["x", "y"]})["k"][0],
                                          CategoricalDistribution)


@pytest.mark.parametrize("bad, words", [
    (st.norm(0, 1), "norm"), (st.expon(), "expon"), (st.loguniform(1, 10, loc=1), "loc"),
    ("not a distribution", "not a Parzen distribution"), ([], "empty"),
    (st.randint(2, 2), "randint(2, 2)"), (st.uniform(1, -1), "uniform(1, -1)"),
    (st.uniform(1, 0), "scale must be > 0"),
])
def test_refused_distributions_name_the_parameter(bad, words):
    search = ParzenSearchCV(SVC(), {"C": [1.0], "gamma_x": bad}, n_trials=1, cv=2)
    with pytest.raises(ValueError, match="parameter 'gamma_x'") as e:
        search.fit(X, Y)
    assert words in str(e.value)
    assert "Distribution'" not in str(e.value)  # not the class as the parameter's name


def test_samples_inside_support_and_random_state():
    space = {"C": st.uniform(1, 10), "kernel": ["linear", "rbf"],
             "degree": st.randint(2, 4), "gamma": st.loguniform(1e-3, 1e1)}
    a = ParzenRandomizedSearchCV(SVC(), space, n_iter=12, cv=2, random_state=7).fit(X, Y)
    for p in a.cv_results_["params"]:
        assert 1 <= p["C"] <= 11 and p["kernel"] in ("linear", "rbf")
        assert p["degree"] in (2, 3) and 1e-3 <= p["gamma"] <= 1e1
    assert len(a.cv_results_["params"]) == 12
    b = ParzenRandomizedSearchCV(SVC(), space, n_iter=12, cv=2, random_state=7).fit(X, Y)
    assert a.cv_results_["params"] == b.cv_results_["params"]
    rs = ParzenRandomizedSearchCV(SVC(), space, n_iter=3, cv=2,
                                  sampler=parzen.samplers.RandomSampler(seed=1)).fit(X, Y)
    assert isinstance(rs.study_.sampler, parzen.samplers.RandomSampler)


# --- scikit-learn's meta-estimator contract ------------------------------------------------------
def test_estimator_checks_that_apply():
    for est in (ParzenSearchCV(SVC(), {"C": [1, 10]}, n_trials=2, cv=2),
                ParzenGridSearchCV(SVC(), GRID, cv=2),
                ParzenRandomizedSearchCV(SVC(), {"C": st.uniform(1, 10)}, n_iter=2, cv=2)):
        name = type(est).__name__
        estimator_checks.check_get_params_invariance(name, est)
        estimator_checks.check_set_params(name, est)
        estimator_checks.check_no_attributes_set_in_init(name, est)
        estimator_checks.check_estimators_overwrite_params(name, est)
        estimator_checks.check_fit_score_takes_y(name, est)
        estimator_checks.check_estimators_unfitted(name, est)
        estimator_checks.check_fit2d_1sample(name, est)
        c = clone(est)
        assert c.get_params().keys() == est.get_params().keys()
        assert c.get_params(deep=True)["estimator__C"] == 1.0
        with pytest.raises(NotFittedError):
            est.predict(X)


def test_pickle_fitted_search():
    search = ParzenSearchCV(SVC(), {"C": FloatDistribution(1, 10)}, n_trials=3, cv=2,
                            random_state=0).fit(X, Y)
    back = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(back.predict(X), search.predict(X))
    assert back.best_params_ == search.best_params_
    assert not hasattr(back, "study_")  # the private in-memory study is not pickled
    assert len(search.trials_) == 3 and len(back.trials_) == 3  # FrozenTrials pickle
    # a study= in an in-memory storage: left out (None) rather than failing the pickle
    study = parzen.create_study(direction="maximize")
    search = ParzenSearchCV(SVC(), {"C": FloatDistribution(1, 10)}, n_trials=2, cv=2,
                            study=study).fit(X, Y)
    back = pickle.loads(pickle.dumps(search))
    assert back.study is None and not hasattr(back, "study_")
    assert back.best_params_ == search.best_params_ and search.study is study


def test_pipeline_and_nested_cv():
    pipe = Pipeline([("scale", StandardScaler()), ("svc", SVC())])
    search = ParzenSearchCV(pipe, {"svc__C": FloatDistribution(0.1, 10, log=True),
                                   "svc__kernel": ["linear", "rbf"]}, n_trials=3, cv=3,
                            random_state=0)
    scores = cross_val_score(search, X, Y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8
    search.fit(X, Y)
    assert set(search.best_params_) == {"svc__C", "svc__kernel"}
    assert set(search.study_.best_params) == {"svc__C", "svc__kernel"}


# --- study: storages, n_trials, timeout, failures ------------------------------------------------
def test_storage_resume_and_shared_study(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    name = unique_name("skl")
    kw = dict(n_trials=3, cv=2, storage=url, study_name=name, random_state=0)
    ParzenSearchCV(SVC(), {"C": FloatDistribution(1, 10)}, **kw).fit(X, Y)
    second = ParzenSearchCV(SVC(), {"C": FloatDistribution(1, 10)}, **kw).fit(X, Y)
    assert len(second.cv_results_["params"]) == 3
    assert len(parzen.load_study(study_name=name, storage=url).trials) == 6
    study = parzen.create_study(direction="maximize")
    ParzenSearchCV(SVC(), {"C": [1, 10]}, study=study, n_trials=2, cv=2).fit(X, Y)
    assert len(study.trials) == 2
    with pytest.raises(ValueError, match="maximize"):
        ParzenSearchCV(SVC(), {"C": [1]}, study=parzen.create_study(), cv=2).fit(X, Y)


def test_timeout_and_bad_arguments():
    search = ParzenSearchCV(SVC(), {"C": FloatDistribution(1, 10)}, n_trials=None, timeout=0.3,
                            cv=2).fit(X, Y)
    assert len(search.cv_results_["params"]) >= 1
    with pytest.raises(ValueError, match="n_trials"):
        ParzenSearchCV(SVC(), {"C": [1]}, n_trials=0).fit(X, Y)
    with pytest.raises(ValueError, match="timeout"):
        ParzenSearchCV(SVC(), {"C": [1]}, n_trials=None).fit(X, Y)
    with pytest.raises(ValueError, match="partial_fit"):
        ParzenSearchCV(SVC(), {"C": [1]}, enable_pruning=True).fit(X, Y)


def test_error_score_fails_the_trial_and_the_search_goes_on():
    # C <= 0 makes SVC.fit raise: error_score=nan scores it, the trial is FAIL, others complete
    grid = {"C": [-1.0, 1.0]}
    with pytest.warns(Warning):
        search = ParzenSearchCV(SVC(), grid, n_trials=None, cv=2,
                                sampler=parzen.samplers.GridSampler(grid)).fit(X, Y)
    states = [t.state for t in search.trials_]
    assert states == [parzen.TrialState.FAIL, parzen.TrialState.COMPLETE]
    assert search.best_params_ == {"C": 1.0}
    with pytest.raises(ValueError):
        # the grid sampler tries C = -1 for sure (two random draws may both be C = 1)
        ParzenSearchCV(SVC(), grid, n_trials=2, cv=2, error_score="raise",
                       sampler=parzen.samplers.GridSampler(grid)).fit(X, Y)
    # the grid alias evaluates the whole grid in one batch, as GridSearchCV: a nan row
    with pytest.warns(Warning):
        ours = ParzenGridSearchCV(SVC(), grid, cv=2).fit(X, Y)
    with pytest.warns(Warning):
        theirs = GridSearchCV(SVC(), grid, cv=2).fit(X, Y)
    _same_results(ours, theirs)
    assert [t.state for t in ours.trials_] == [parzen.TrialState.FAIL, parzen.TrialState.COMPLETE]


def test_n_jobs():
    search = ParzenSearchCV(SVC(), {"C": FloatDistribution(1, 10)}, n_trials=4, cv=3,
                            n_jobs=2, random_state=0).fit(X, Y)
    assert len(search.cv_results_["params"]) == 4 and len(search.trials_) == 4


def test_pruning_with_partial_fit():
    est = SGDClassifier(random_state=0)
    search = ParzenSearchCV(est, {"alpha": FloatDistribution(1e-6, 1e2, log=True)},
                            n_trials=12, cv=3, enable_pruning=True, max_iter=8,
                            random_state=0,
                            sampler=parzen.samplers.RandomSampler(seed=0)).fit(X, Y)
    states = [t.state for t in search.trials_]
    assert len(states) == 12
    assert parzen.TrialState.PRUNED in states
    n_complete = states.count(parzen.TrialState.COMPLETE)
    assert len(search.cv_results_["params"]) == n_complete
    for t in search.trials_:
        assert t.last_step is not None and t.last_step < 8


# --- the examples --------------------------------------------------------------------------------
def _run_example(name):
    path = os.path.join(SOURCE_DIR, "examples", "python", name)
    out = subprocess.run([PYTHON, path], env=child_env(), capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_example_grid_search_iris():
    out = _run_example("grid_search_iris.py")
    lines = out.splitlines()
    assert "mean_test_score" in lines[0] and "rank_test_score" in lines[0]
    rows = lines[1:5]
    for row, (params, score, rank) in zip(rows, [
            ("{'C': 1, 'kernel': 'linear'}", "0.980000", "1"),
            ("{'C': 1, 'kernel': 'rbf'}", "0.966667", "4"),
            ("{'C': 10, 'kernel': 'linear'}", "0.973333", "3"),
            ("{'C': 10, 'kernel': 'rbf'}", "0.980000", "1")]):
        assert params in row and score in row and row.rstrip().endswith(rank)
    assert "best estimator: SVC(C=1, kernel='linear')" in out
    assert "best score: 0.9800" in out
    assert "best params: {'C': 1, 'kernel': 'linear'}" in out


def test_example_random_search_iris():
    out = _run_example("random_search_iris.py")
    lines = out.splitlines()
    assert "mean_test_score" in lines[0]
    assert len([ln for ln in lines[1:] if ln.split()[0].isdigit()]) == 4
    assert "best estimator: SVC(" in out and "best score: 0.9" in out
    assert "best params: {'kernel': " in out


# --- try-out findings F14, F7, F1, F8 -------------------------------------------------------------
def test_repeated_choices_are_separate_candidates():
    # F14: scikit-learn evaluates each entry of a list, repeated or equal (1 == 1.0 == True)
    from sklearn.linear_model import LogisticRegression
    grid = {"C": [1, 1.0, True]}
    ours = ParzenGridSearchCV(LogisticRegression(max_iter=300), grid, cv=2).fit(X, Y)
    theirs = GridSearchCV(LogisticRegression(max_iter=300), grid, cv=2).fit(X, Y)
    _same_results(ours, theirs)
    assert [type(p["C"]) for p in ours.cv_results_["params"]] == [int, float, bool]
    search = ParzenRandomizedSearchCV(LogisticRegression(max_iter=300), {"C": [1, 1, 1, 10]},
                                      n_iter=4, cv=2, random_state=0).fit(X, Y)
    assert sorted(p["C"] for p in search.cv_results_["params"]) == [1, 1, 1, 10]
    search = ParzenSearchCV(SVC(), {"C": [1, 1, 2]}, n_trials=3, cv=2, random_state=0).fit(X, Y)
    assert {p["C"] for p in search.cv_results_["params"]} <= {1, 2}


def test_a_bad_choice_list_names_the_parameter():
    with pytest.raises(ValueError, match="parameter 'C': empty") as e:
        ParzenRandomizedSearchCV(SVC(), {"C": []}).fit(X, Y)
    assert "CategoricalDistribution" not in str(e.value)


def test_failed_candidates_are_nan_rows():
    # F7: as RandomizedSearchCV, every candidate is a row; a failed one has error_score, and its
    # trial is FAIL with the fit's error as the reason
    space = {"C": st.uniform(-1, 2)}
    with pytest.warns(Warning):
        search = ParzenRandomizedSearchCV(SVC(), space, n_iter=8, cv=2, random_state=0).fit(X, Y)
    scores = search.cv_results_["mean_test_score"]
    assert len(search.cv_results_["params"]) == 8 and len(search.trials_) == 8
    failed = [p["C"] <= 0 for p in search.cv_results_["params"]]
    assert any(failed) and not all(failed)
    assert list(np.isnan(scores)) == failed
    for t, f in zip(search.trials_, failed):
        assert (t.state == parzen.TrialState.FAIL) == f
        if f:
            assert "must be a float in the range" in t.fail_reason, t.fail_reason
    assert search.best_params_["C"] > 0
    with pytest.warns(Warning):
        search = ParzenSearchCV(SVC(), space, n_trials=6, cv=2, random_state=0,
                                error_score=-1.0).fit(X, Y)
    assert len(search.cv_results_["params"]) == 6
    assert -1.0 in list(search.cv_results_["mean_test_score"])
    # every fit of every candidate failed: scikit-learn's "All the ... fits failed" ValueError
    with pytest.raises(ValueError, match="All the 4 fits failed"):
        with pytest.warns(Warning):
            ParzenRandomizedSearchCV(SVC(), {"C": st.uniform(-2, 1)}, n_iter=2, cv=2,
                                     random_state=0).fit(X, Y)


def test_list_of_dicts():
    # F1: a list of dicts as param_distributions: a dict is chosen, then its parameters
    space = [{"kernel": ["linear"], "C": st.loguniform(1e-2, 1e2)},
             {"kernel": ["rbf"], "gamma": st.loguniform(1e-3, 1)}]
    search = ParzenRandomizedSearchCV(SVC(), space, n_iter=12, cv=2,
                                      sampler=parzen.samplers.RandomSampler(seed=1)).fit(X, Y)
    params = search.cv_results_["params"]
    assert len(params) == 12
    assert {tuple(sorted(p)) for p in params} == {("C", "kernel"), ("gamma", "kernel")}
    for p in params:
        assert ("C" in p) == (p["kernel"] == "linear")
    search = ParzenSearchCV(SVC(), space, n_trials=5, cv=2, random_state=0).fit(X, Y)
    assert len(search.cv_results_["params"]) == 5
    with pytest.raises(TypeError, match="list of such dicts"):
        ParzenSearchCV(SVC(), [], cv=2).fit(X, Y)


def test_randomized_all_lists_samples_without_replacement():
    # F8: as ParameterSampler, a finite space is sampled without replacement, n_iter capped
    with pytest.warns(UserWarning, match="The total space of parameters 2 is smaller than "
                                         "n_iter=10. Running 2 iterations"):
        search = ParzenRandomizedSearchCV(SVC(), {"kernel": ["linear", "rbf"]}, n_iter=10,
                                          cv=2, random_state=0).fit(X, Y)
    assert sorted(p["kernel"] for p in search.cv_results_["params"]) == ["linear", "rbf"]
    space = [{"kernel": ["linear", "rbf", "poly"], "C": [0.1, 1, 10, 100]},
             {"kernel": ["sigmoid"], "C": [1, 2]}]
    search = ParzenRandomizedSearchCV(SVC(), space, n_iter=13, cv=2, random_state=0,
                                      n_jobs=2).fit(X, Y)
    keys = [tuple(sorted(p.items())) for p in search.cv_results_["params"]]
    assert len(keys) == 13 and len(set(keys)) == 13
    # a continuous entry: sampled with replacement, no cap (as scikit-learn)
    search = ParzenRandomizedSearchCV(SVC(), {"kernel": ["linear"], "C": st.uniform(1, 2)},
                                      n_iter=3, cv=2, random_state=0).fit(X, Y)
    assert len(search.cv_results_["params"]) == 3


def test_a_nested_scikit_learn_search_keeps_its_own_fit_checks():
    # the all-fits-failed check is relaxed only for the Parzen search's own candidates: a
    # GridSearchCV as the estimator still raises its "All the N fits failed"
    from sklearn.linear_model import LogisticRegression
    inner = GridSearchCV(LogisticRegression(solver="liblinear"), {"penalty": ["l2"]}, cv=2)
    grids = {"param_grid": [{"penalty": ["elasticnet"]}, {"penalty": ["l2"]}]}
    with pytest.warns(Warning):
        search = ParzenGridSearchCV(inner, grids, cv=2).fit(X, Y)
    bad, good = search.trials_
    assert bad.state == parzen.TrialState.FAIL and good.state == parzen.TrialState.COMPLETE
    assert "All the 2 fits failed" in bad.fail_reason, bad.fail_reason


def test_an_infinite_score_is_a_failed_trial_with_the_reason():
    # a study stores finite values only (docs/python.md): the trial is FAIL and says why, while
    # cv_results_ (scikit-learn's) ranks the candidate
    def scorer(est, X_, y_):
        return float("inf") if est.C == 10.0 else est.score(X_, y_)
    search = ParzenGridSearchCV(SVC(), {"C": [1.0, 10.0]}, cv=2, scoring=scorer).fit(X, Y)
    assert search.best_params_ == {"C": 10.0}
    t = search.trials_[1]
    assert t.state == parzen.TrialState.FAIL and "mean test score is inf" in t.fail_reason


def _batch_sizes(cls, *args, **kwargs):
    """Fits a search whose evaluate_candidates calls are recorded; returns (search, sizes)."""
    sizes = []

    class Recorded(cls):
        def _run_search(self, evaluate_candidates):
            def evaluate(candidates, *a, **k):
                sizes.append(len(list(candidates)))
                return evaluate_candidates(candidates, *a, **k)
            super()._run_search(evaluate)

    search = Recorded(*args, **kwargs)
    search.fit(X, Y)
    return search, sizes


def test_trials_drawn_without_a_model_are_fitted_in_one_call():
    space = {"C": FloatDistribution(0.1, 10, log=True), "kernel": ["linear", "rbf"]}
    # A random search: every candidate at once, as RandomizedSearchCV.
    search, sizes = _batch_sizes(ParzenSearchCV, SVC(), space, n_trials=6, cv=3,
                                 sampler=parzen.samplers.RandomSampler(seed=1))
    assert sizes == [6]
    # TPE: its n_startup_trials random trials together, then one at a time (each model-drawn
    # trial sees every result before it).
    search, sizes = _batch_sizes(ParzenSearchCV, SVC(), space, n_trials=6, cv=3,
                                 sampler=parzen.samplers.TPESampler(seed=3, n_startup_trials=3))
    assert sizes == [3, 1, 1, 1]
    # The same candidates as the sequential ask/tell loop with the same sampler and scores.
    study = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=3, n_startup_trials=3),
                                direction="maximize")
    scores = list(search.cv_results_["mean_test_score"])
    for i in range(6):
        trial = study.ask()
        params = {"C": trial._suggest("C", space["C"]),
                  "kernel": trial._suggest("kernel", CategoricalDistribution(["linear", "rbf"]))}
        assert params == search.cv_results_["params"][i]
        study.tell(trial, scores[i])
    # A study that finished its startup already: no batch beyond n_jobs.
    done = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=3, n_startup_trials=3),
                               direction="maximize")
    done.optimize(lambda t: t.suggest_float("C", 0.1, 10, log=True), n_trials=3)
    _, sizes = _batch_sizes(ParzenSearchCV, SVC(), {"C": FloatDistribution(0.1, 10, log=True)},
                            n_trials=2, cv=3, study=done)
    assert sizes == [1, 1]
    # With a timeout (checked between calls) or pruning: one at a time.
    _, sizes = _batch_sizes(ParzenSearchCV, SVC(), space, n_trials=3, cv=3, timeout=600,
                            sampler=parzen.samplers.RandomSampler(seed=1))
    assert sizes == [1, 1, 1]


def test_batched_ask_suggest_and_tell_match_the_one_at_a_time_calls():
    # StudyCore._ask_suggest / _tell_many (what the searches use): the same trials, parameters
    # and records as ask + suggest + tell one at a time on a study with the same seed.
    space = [("C", FloatDistribution(1e-2, 1e2, log=True)),
             ("kernel", CategoricalDistribution(["linear", "rbf"]))]

    def study():
        return parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=7),
                                   direction="maximize")

    batched = study()
    rows = batched._core._ask_suggest(3, space)
    assert [n for n, _ in rows] == [0, 1, 2]
    batched._core._tell_many([(0, 0.5, ""), (1, None, "2 of 5 fits failed: boom"), (2, 0.75, "")])
    single = study()
    expected = []
    for _ in range(3):
        trial = single.ask()
        expected.append((trial.number, tuple(trial._suggest(k, d) for k, d in space)))
    assert [(n, tuple(v)) for n, v in rows] == expected
    trials = batched.trials
    assert [t.state for t in trials] == [parzen.TrialState.COMPLETE, parzen.TrialState.FAIL,
                                         parzen.TrialState.COMPLETE]
    assert [t.value for t in trials] == [0.5, None, 0.75]
    assert trials[1].fail_reason == "2 of 5 fits failed: boom"
    assert trials[0].params == {"C": rows[0][1][0], "kernel": rows[0][1][1]}
    # A finished trial is refused as by tell (the trials before it are told).
    with pytest.raises(parzen.exceptions.InvalidStateError):
        batched._core._tell_many([(0, 0.1, "")])


def test_batched_ask_suggest_stops_when_the_grid_is_exhausted():
    study = parzen.create_study(sampler=parzen.samplers.GridSampler({"k": ["a", "b"]}),
                                direction="maximize")
    space = [("k", CategoricalDistribution(["a", "b"]))]
    rows = study._core._ask_suggest(5, space)
    assert sorted(v[0] for _, v in rows) == ["a", "b"]
    study._core._tell_many([(n, 1.0, "") for n, _ in rows])
    with pytest.raises(parzen.exceptions.StudyExhaustedError):
        study._core._ask_suggest(1, space)


def test_an_invalid_random_state_is_refused_even_when_a_sampler_is_given():
    # an int seed's RandomState is made only when a repeat needs it; a bad random_state is
    # still scikit-learn's ValueError at fit
    for bad in (-1, 2**32, "seed"):
        search = ParzenSearchCV(SVC(), {"C": [1, 10]}, n_trials=1, cv=2, random_state=bad,
                                sampler=parzen.samplers.RandomSampler(seed=0))
        with pytest.raises(ValueError):
            search.fit(X, Y)


@pytest.mark.parametrize("space, batched", [
    ({"kernel": ["linear", "rbf"], "C": st.uniform(1, 10)}, True),  # the random example
    ({"kernel": ["linear", "rbf"], "shrinking": [True, False],
      "C": FloatDistribution(0.1, 10, log=True)}, True),
    ({"kernel": ["linear", "rbf"]}, True),
    # more numeric than categorical parameters: the auto sampler's GP, whose startup points are
    # not random draws: one trial at a time
    ({"kernel": ["linear", "rbf"], "C": FloatDistribution(0.1, 10, log=True),
      "gamma": FloatDistribution(1e-3, 1, log=True)}, False),
])
def test_the_default_sampler_batches_its_model_free_trials_with_the_same_candidates(space,
                                                                                      batched):
    # AutoSampler (the default) on a space where its rule picks TPE: the first trials (TPE's
    # startup) are asked together and evaluated in one evaluate_candidates call, and they are
    # the candidates one-at-a-time asks give (a timeout makes the search go one trial a step)
    for seed in (0, 2021):
        fast = _CountingSearch(SVC(), space, n_trials=12, cv=2, random_state=seed).fit(X, Y)
        slow = _CountingSearch(SVC(), space, n_trials=12, cv=2, random_state=seed,
                        timeout=1e6).fit(X, Y)
        assert slow.calls_ == [1] * 12
        assert fast.calls_ == ([10, 1, 1] if batched else [1] * 12)
        assert fast.cv_results_["params"] == slow.cv_results_["params"]
        np.testing.assert_array_equal(fast.cv_results_["mean_test_score"],
                                      slow.cv_results_["mean_test_score"])
        assert [t.params for t in fast.trials_] == [t.params for t in slow.trials_]
    # a study that already has trials: one at a time (its history is not only this space's)
    study = parzen.create_study(direction="maximize", sampler=parzen.samplers.AutoSampler(seed=1))
    _CountingSearch(SVC(), space, n_trials=2, cv=2, study=study).fit(X, Y)
    again = _CountingSearch(SVC(), space, n_trials=3, cv=2, study=study).fit(X, Y)
    assert again.calls_ == [1, 1, 1]


def test_the_default_sampler_batch_with_repeats_of_a_finite_space(monkeypatch):
    # ParzenRandomizedSearchCV on an all-list space (no candidate twice: a repeated draw is
    # replaced by an enqueued unseen candidate): the batched startup gives the candidates that
    # one-at-a-time steps give (forced here by turning the auto batch off)
    import parzen.sklearn as psk
    space = {"kernel": ["linear", "rbf"], "C": [1, 2, 3]}
    n_trials = []
    for seed in (0, 1, 2):
        fast = ParzenRandomizedSearchCV(SVC(), space, n_iter=6, cv=2, random_state=seed)
        fast.fit(X, Y)
        with monkeypatch.context() as m:
            m.setattr(psk, "_auto_independent_trials", lambda *args: 0)
            slow = ParzenRandomizedSearchCV(SVC(), space, n_iter=6, cv=2, random_state=seed)
            slow.fit(X, Y)
        assert fast.cv_results_["params"] == slow.cv_results_["params"]
        assert len({tuple(sorted(p.items())) for p in fast.cv_results_["params"]}) == 6
        assert [t.params for t in fast.study_.trials] == [t.params for t in slow.study_.trials]
        n_trials.append(len(fast.study_.trials))
    assert max(n_trials) > 6  # repeats were drawn and replaced


_FUSED_SPACE = [("kernel", CategoricalDistribution(["linear", "rbf"])),
                ("C", FloatDistribution(1, 10)),
                ("gamma", FloatDistribution(1e-4, 1, log=True))]


class _CountingSearch(ParzenSearchCV):
    """ParzenSearchCV that records, in calls_, how many candidates each evaluate_candidates call
    got (one call per batch of trials asked together)."""

    def _run_search(self, evaluate_candidates):
        self.calls_ = []

        def evaluate(candidates, *args, **kwargs):
            self.calls_.append(len(list(candidates)))
            return evaluate_candidates(candidates, *args, **kwargs)

        super()._run_search(evaluate)


def _replay(study, trials, names):
    # the trials of a seeded study, made again one at a time by ask/suggest/tell (the
    # parameters suggested in the order of names, with the trials' distributions)
    for t in trials:
        trial = study.ask()
        assert trial.number == t.number
        params = {name: trial._suggest(name, t.distributions[name]) for name in names}
        assert params == t.params
        if t.state == parzen.TrialState.COMPLETE:
            study.tell(trial, t.value)
        else:
            study.tell(trial, state=t.state)


def test_the_fused_core_calls_give_the_trials_of_separate_calls():
    # _create_and_ask = create_study + _ask_suggest; _tell_and_ask = _tell_many + _ask_suggest:
    # the same trials, parameters and states, on seeded studies whose sampler reads the history
    from parzen import study as pstudy
    from parzen.pruners import NopPruner
    for seed in (0, 7):
        a, asked_a = pstudy._create_study_and_ask(
            parzen.samplers.TPESampler(seed=seed, n_startup_trials=3), NopPruner(), "maximize", 4,
            _FUSED_SPACE)
        b = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=seed, n_startup_trials=3),
                                pruner=NopPruner(), direction="maximize")
        assert asked_a == b._core._ask_suggest(4, _FUSED_SPACE)
        assert len(asked_a) == 4 and a.direction == parzen.study.StudyDirection.MAXIMIZE
        asked = asked_a
        for step in range(6):
            told = [(n, -abs(v[1] - 5) + (v[0] == "rbf"), "") for n, v in asked]
            told[-1] = (told[-1][0], None, f"failed at step {step}")
            asked = a._core._tell_and_ask(told, 2, _FUSED_SPACE)
            b._core._tell_many(told)
            assert asked == b._core._ask_suggest(2, _FUSED_SPACE)
        a._core._tell_many([(n, 0.5, "") for n, _ in asked])
        b._core._tell_many([(n, 0.5, "") for n, _ in asked])

        def rows(s):
            return [(t.number, t.state, t.values, t.params, t.system_attrs.get("fail_reason"))
                    for t in s.get_trials(deepcopy=False)]

        assert rows(a) == rows(b) and len(rows(a)) == 16
        assert sum(t.state == parzen.TrialState.FAIL for t in a.trials) == 6


def test_the_fused_core_calls_when_the_sampler_is_exhausted():
    from parzen import study as pstudy
    from parzen.exceptions import StudyExhaustedError
    from parzen.pruners import NopPruner
    space = [("x", CategoricalDistribution([1, 2, 3]))]
    grid = parzen.samplers.GridSampler({"x": [1, 2, 3]})
    study, asked = pstudy._create_study_and_ask(grid, NopPruner(), "maximize", 5, space)
    assert sorted(v for _, (v,) in asked) == [1, 2, 3]  # fewer than asked for
    with pytest.raises(StudyExhaustedError):
        study._core._tell_and_ask([(n, float(v), "") for n, (v,) in asked], 1, space)
    # the results were told before the ask found the grid exhausted
    assert [t.state for t in study.trials] == [parzen.TrialState.COMPLETE] * 3
    # an exhausted sampler before the first trial: the study, and no trial
    empty = parzen.samplers.GridSampler({"x": [1]})
    study, asked = pstudy._create_study_and_ask(empty, NopPruner(), "maximize", 1, space)
    study._core._tell_many([(asked[0][0], 1.0, "")])
    assert study._core._tell_and_ask([], 0, space) == []


@pytest.mark.parametrize("sampler, space", [
    (None, {"kernel": ["linear", "rbf"], "C": st.uniform(1, 10)}),  # the random example
    (parzen.samplers.TPESampler(seed=3), {"C": FloatDistribution(1, 10),
                                          "gamma": FloatDistribution(1e-4, 1, log=True)}),
])
def test_a_search_gives_the_trials_of_one_at_a_time_asks_and_tells(sampler, space):
    # a fresh in-memory search creates its study with its first ask, and tells each step's
    # results with the next step's ask: the trials of a plain ask/suggest/tell loop of the same
    # seeded sampler
    search = ParzenSearchCV(SVC(), space, n_trials=14, cv=2, random_state=2021,
                            sampler=sampler).fit(X, Y)
    trials = search.study_.trials
    assert [t.state for t in trials] == [parzen.TrialState.COMPLETE] * 14
    assert [t.value for t in trials] == list(search.cv_results_["mean_test_score"])
    if sampler is None:
        # the default sampler object is made when first read: AutoSampler(seed=random_state)
        assert type(search.study_.sampler) is parzen.samplers.AutoSampler
        assert search.study_.sampler == parzen.samplers.AutoSampler(seed=2021)
        assert search.study_.sampler is search.study_.sampler
        again = parzen.samplers.AutoSampler(seed=2021)
    else:
        assert search.study_.sampler is sampler
        again = parzen.samplers.TPESampler(seed=3)
    assert type(search.study_.pruner) is parzen.pruners.NopPruner
    _replay(parzen.create_study(direction="maximize", sampler=again), trials, list(space))


def test_a_failing_step_leaves_the_earlier_steps_told():
    # the results of a step are told with the next step's ask: when that step raises, they
    # are told all the same
    class Failing(ParzenSearchCV):
        def _run_search(self, evaluate_candidates):
            calls = []

            def evaluate(candidates, *args, **kwargs):
                calls.append(1)
                if len(calls) == 3:
                    raise RuntimeError("the third step fails")
                return evaluate_candidates(candidates, *args, **kwargs)

            super()._run_search(evaluate)

    search = Failing(SVC(), {"C": FloatDistribution(1, 10)}, n_trials=20, cv=2,
                     sampler=parzen.samplers.TPESampler(seed=0, n_startup_trials=2))
    with pytest.raises(RuntimeError, match="third step"):
        search.fit(X, Y)
    # ... and the failing step's trial is told FAIL with the exception (no RUNNING trial left)
    states = [t.state for t in search.study_.trials]
    assert states == [parzen.TrialState.COMPLETE] * 3 + [parzen.TrialState.FAIL]
    assert "the third step fails" in search.study_.trials[3].fail_reason


def test_the_distributions_of_entries_are_reused_by_what_determines_them():
    # the distribution of a list or scipy entry is kept by the entry's types and values (or
    # scipy name and arguments): equal entries share it, entries that differ do not
    import parzen.sklearn as psk
    a = psk._Space({"k": [1, 2], "C": st.uniform(1, 10)})
    b = psk._Space({"k": [1, 2], "C": st.uniform(loc=1, scale=10)})
    assert a.dicts[0]["k"][0] is psk._Space({"k": [1, 2]}).dicts[0]["k"][0]
    assert a.dicts[0]["C"][0] == b.dicts[0]["C"][0] == FloatDistribution(1, 11)
    assert a.dicts[0]["C"][0] is psk._Space({"C": st.uniform(1, 10)}).dicts[0]["C"][0]
    for other in ([1.0, 2.0], [True, False], [1, 3], ["1", "2"], (np.int64(1), 2)):
        dist, decode, _ = psk._Space({"k": other}).dicts[0]["k"]
        assert list(dist.choices) == [psk._plain(v) for v in other]
        assert [type(c) for c in dist.choices] == [type(psk._plain(v)) for v in other]
        assert decode(dist.choices[0]) is other[0]
    zero = psk._Space({"k": [0.0, 1.0]}).dicts[0]["k"][0]
    negative = psk._Space({"k": [-0.0, 1.0]}).dicts[0]["k"][0]
    assert math.copysign(1, zero.choices[0]) == 1 and math.copysign(1, negative.choices[0]) == -1
    assert psk._Space({"k": [[1], [2], [3]]}).dicts[0]["k"][0].choices == (0, 1, 2)
    # an unhashable argument: made each time, the same distribution
    arr = psk._Space({"C": st.uniform(loc=np.array(1.0), scale=np.array(10.0))})
    assert arr.dicts[0]["C"][0] == FloatDistribution(1, 11)
    # refused entries are still refused on every fit
    for _ in range(2):
        with pytest.raises(ValueError, match="parameter 'C'"):
            psk._Space({"C": st.norm(0, 1)})
    # a search fitted twice (nested CV refits it) gives the same results
    search = ParzenRandomizedSearchCV(SVC(), {"kernel": ["linear", "rbf"], "C": st.uniform(1, 10)},
                                      n_iter=4, cv=2, random_state=2021)
    first = search.fit(X, Y).cv_results_["params"]
    assert search.fit(X, Y).cv_results_["params"] == first


class _Raising(SVC):
    """An SVC whose fit raises for C > 8 (error_score="raise" makes the search raise)."""

    def fit(self, X, y, sample_weight=None):
        if self.C > 8:
            raise RuntimeError("C too large")
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("space", [
    {"kernel": ["linear", "rbf"], "C": st.uniform(1, 10)},  # the random example
    {"C": st.loguniform(0.1, 100), "kernel": ("linear", "rbf"), "shrinking": [True, False]},
    {"C": FloatDistribution(0.5, 0.5), "degree": IntDistribution(2, 2), "kernel": ["poly"],
     "gamma": IntDistribution(1, 9, step=2), "coef0": FloatDistribution(0, 1, step=0.25),
     "class_weight": [None, "balanced", {0: 2}], "shrinking": [True, False],
     "decision_function_shape": ["ovr", "ovo"]},  # single values, steps, objects by index
])
def test_a_search_drawn_at_random_builds_its_study_when_read(space):
    # The default sampler (seeded) draws every trial of a short search at random: the fit
    # evaluates those draws (_core._random_candidates) and creates no study; study_/trials_
    # build it when first read. It holds the trials of a search on a study created first, with
    # the same sampler (its trials asked together too); a timeout makes the search go one trial
    # at a time: the same candidates.
    def trials(study):
        return [(t.number, t.state, t.params, t.distributions, t.values, t.system_attrs,
                 t.fail_reason) for t in study.trials]

    for seed in (0, 2021, 2**32 - 1):
        fast = _CountingSearch(SVC(), space, n_trials=4, cv=2, random_state=seed).fit(X, Y)
        assert "_lazy_study" in fast.__dict__ and fast.calls_ == [4]
        study = parzen.create_study(direction="maximize",
                                    sampler=parzen.samplers.AutoSampler(seed=seed))
        slow = _CountingSearch(SVC(), space, n_trials=4, cv=2, study=study).fit(X, Y)
        assert "_lazy_study" not in slow.__dict__ and slow.calls_ == [4]
        steps = _CountingSearch(SVC(), space, n_trials=4, cv=2, random_state=seed, timeout=1e6)
        steps.fit(X, Y)
        assert "_lazy_study" not in steps.__dict__ and steps.calls_ == [1] * 4
        assert fast.cv_results_["params"] == slow.cv_results_["params"]
        assert fast.cv_results_["params"] == steps.cv_results_["params"]
        np.testing.assert_array_equal(fast.cv_results_["mean_test_score"],
                                      slow.cv_results_["mean_test_score"])
        assert [t.params for t in fast.trials_] == [t.params for t in slow.trials_]
        assert "_lazy_study" not in fast.__dict__  # trials_ built it
        assert trials(fast.study_) == trials(slow.study_)
        assert fast.study_ is fast.study_
        assert isinstance(fast.study_.sampler, parzen.samplers.AutoSampler)
        # the random example's class, likewise
        alias = ParzenRandomizedSearchCV(SVC(), space, n_iter=4, cv=2, random_state=seed)
        alias.fit(X, Y)
        assert "_lazy_study" in alias.__dict__ and trials(alias.study_) == trials(slow.study_)
    # a second fit of the same object: a new study, built when read
    first = fast.study_
    fast.fit(X, Y)
    assert "_lazy_study" in fast.__dict__ and fast.study_ is not first
    assert trials(fast.study_) == trials(first)
    # a fit that creates its study at once after one that did not: study_ is the new one
    fast.set_params(timeout=1e6).fit(X, Y)
    assert "_lazy_study" not in fast.__dict__
    assert [t.params for t in fast.study_.trials] == [t.params for t in first.trials]
    # pickled before study_ is read: trials_ kept, the private in-memory study not
    plain = ParzenSearchCV(SVC(), space, n_trials=4, cv=2, random_state=seed).fit(X, Y)
    assert "_lazy_study" in plain.__dict__
    back = pickle.loads(pickle.dumps(plain))
    assert not hasattr(back, "study_") and len(back.trials_) == 4
    assert [t.params for t in back.trials_] == [t.params for t in first.trials]
    # model-guided trials (more than the startup), no seed, or a RandomSampler: created at once
    for kwargs in ({"n_trials": 11, "random_state": 0}, {"n_trials": 4},
                   {"n_trials": 4, "sampler": parzen.samplers.RandomSampler(seed=0)}):
        other = _CountingSearch(SVC(), space, cv=2, **kwargs).fit(X, Y)
        assert "_lazy_study" not in other.__dict__
        assert len(other.study_.trials) == kwargs["n_trials"]


def test_a_raising_fit_of_a_search_drawn_at_random_leaves_its_trials_failed():
    # error_score="raise" and a fit that raises: the study (not created by the fit) is
    # created then, its trials FAIL with the error, as those of a study created at once
    space = {"kernel": ["linear", "rbf"], "C": st.uniform(1, 10)}
    search = ParzenRandomizedSearchCV(_Raising(), space, n_iter=4, cv=2, random_state=2021,
                                      error_score="raise")
    with pytest.raises(RuntimeError, match="C too large"):
        search.fit(X, Y)
    assert "_lazy_study" not in search.__dict__
    trials = search.study_.trials
    assert len(trials) == 4 and {t.state.name for t in trials} == {"FAIL"}
    assert all("RuntimeError" in t.fail_reason and "C too large" in t.fail_reason
               for t in trials)
    study = parzen.create_study(direction="maximize",
                                sampler=parzen.samplers.AutoSampler(seed=2021))
    eager = ParzenSearchCV(_Raising(), space, n_trials=4, cv=2, study=study,
                           error_score="raise")
    with pytest.raises(RuntimeError, match="C too large"):
        eager.fit(X, Y)
    assert [(t.params, t.state, t.fail_reason) for t in trials] == [
        (t.params, t.state, t.fail_reason) for t in study.trials]
    # error_score nan: the failed candidates' trials FAIL in the study built when read
    search.set_params(error_score=np.nan)
    with pytest.warns(Warning):
        search.fit(X, Y)
    assert "_lazy_study" in search.__dict__
    states = [t.state.name for t in search.study_.trials]
    scores = search.cv_results_["mean_test_score"]
    assert states == ["COMPLETE" if np.isfinite(v) else "FAIL" for v in scores]
    assert "FAIL" in states and "COMPLETE" in states


def test_a_search_space_is_reused_only_while_its_entries_are_the_same_objects():
    # _Space objects are kept by the param_distributions dict: a fit on the same dict with the
    # same entry objects reuses its space; any change of an entry (a choice replaced in place,
    # even by an equal value of another type, a new scipy argument, a new key) makes a new one
    import parzen.sklearn as psk
    space = {"kernel": ["linear", "rbf"], "C": st.uniform(1, 10), "shrinking": [1, 0]}
    first = psk._cached_space(space)
    assert psk._cached_space(space) is first
    assert ParzenSearchCV(SVC(), space, n_trials=2, cv=2, random_state=0)._search_space() is first
    space["shrinking"][0] = True  # equal to 1, another type: a new space, True decoded
    second = psk._cached_space(space)
    assert second is not first
    assert {second.dicts[0]["shrinking"][1](v)
            for v in second.dicts[0]["shrinking"][0].choices} == {True, 0}
    assert any(type(second.dicts[0]["shrinking"][1](v)) is bool
               for v in second.dicts[0]["shrinking"][0].choices)
    space["C"] = st.uniform(2, 10)
    third = psk._cached_space(space)
    assert third is not second and third.dicts[0]["C"][0].low == 2.0
    space["gamma"] = ["scale"]
    assert "gamma" in psk._cached_space(space).dicts[0]
    # a list of dicts, arrays as scipy arguments: not kept, made each time
    assert psk._cached_space([space]) is not psk._cached_space([space])
    frozen = st.randint(np.array(1), np.array(5))
    arr = {"degree": frozen}
    assert psk._cached_space(arr).dicts[0]["degree"][0].high == 4
    search = ParzenSearchCV(SVC(kernel="poly"), arr, n_trials=2, cv=2, random_state=0)
    assert all(1 <= p["degree"] <= 4 for p in search.fit(X, Y).cv_results_["params"])
