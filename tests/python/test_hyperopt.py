"""parzen.hyperopt: Hyperopt 0.2.7's fmin/hp/Trials API on Parzen (issue 16, item 2)."""
import ast
import functools
import math
import os
import pickle
import re
import subprocess

import numpy as np
import pytest

from conftest import PYTHON, SOURCE_DIR, child_env
from parzen.hyperopt import (JOB_STATE_DONE, JOB_STATE_ERROR, STATUS_FAIL, STATUS_OK,
                             AllTrialsFailed, DuplicateLabel, InvalidLoss, MongoTrials,
                             SparkTrials, Trials, anneal, early_stop, fmin, hp, rand, space_eval,
                             tpe)

N = 200  # random draws per distribution


def run(fn, space, n=N, algo=rand.suggest, seed=0, **kwargs):
    trials = Trials()
    best = fmin(fn, space, algo=algo, max_evals=n, trials=trials,
                rstate=np.random.default_rng(seed), show_progressbar=False, **kwargs)
    return best, trials


def draws(node):
    seen = []
    _, trials = run(lambda v: seen.append(v) or 0.0, node)
    return seen, trials


# --- every hp type inside its support ------------------------------------------------------------
def test_uniform_and_quniform():
    xs, trials = draws(hp.uniform("x", -2, 3))
    assert all(-2 <= x <= 3 for x in xs) and min(xs) < -1.5 and max(xs) > 2.5
    assert trials.vals["x"] == xs
    qs, _ = draws(hp.quniform("q", 0.1, 1.0, 0.25))
    for v in qs:
        assert v in (0.0, 0.25, 0.5, 0.75, 1.0)  # round(x / q) * q, x in [0.1, 1]
    assert {0.0, 0.25, 0.5, 0.75, 1.0} == set(qs)


def test_loguniform_has_log_space_bounds():
    xs, _ = draws(hp.loguniform("lr", math.log(1e-4), math.log(1e-1)))
    assert all(1e-4 <= x <= 1e-1 for x in xs)
    # exp(uniform(low, high)): about half the draws below the geometric middle
    below = sum(x < math.sqrt(1e-4 * 1e-1) for x in xs) / len(xs)
    assert 0.35 < below < 0.65
    qs, _ = draws(hp.qloguniform("n", math.log(1), math.log(100), 5))
    assert all(v % 5 == 0 and 0 <= v <= 100 for v in qs)


def test_randint_forms_and_uniformint():
    a, trials = draws(hp.randint("a", 5))
    assert set(a) == {0, 1, 2, 3, 4} and all(type(v) is int for v in a)
    b, _ = draws(hp.randint("b", 3, 6))
    assert set(b) == {3, 4, 5}
    c, trials = draws(hp.uniformint("c", 1, 4))
    assert set(c) == {1, 2, 3, 4} and all(type(v) is int for v in c)
    assert all(isinstance(v, float) for v in trials.vals["c"])  # quniform's value, as Hyperopt


def test_normal_families():
    xs, _ = draws(hp.normal("n", 10, 2))
    assert abs(np.mean(xs) - 10) < 0.6 and 1.5 < np.std(xs) < 2.5
    assert all(10 - 12 <= x <= 10 + 12 for x in xs)  # truncated at ±6 sigma
    q, _ = draws(hp.qnormal("qn", 0, 5, 2))
    assert all(v % 2 == 0 for v in q)
    ln, _ = draws(hp.lognormal("ln", 0, 1))
    assert all(v > 0 for v in ln) and 0.7 < np.median(ln) < 1.4
    qln, _ = draws(hp.qlognormal("qln", 2, 1, 3))
    assert all(v % 3 == 0 and v >= 0 for v in qln)


def test_choice_and_pchoice_record_indices():
    vs, trials = draws(hp.choice("k", ["a", "b", "c"]))
    assert set(vs) == {"a", "b", "c"}
    assert [["a", "b", "c"][i] for i in trials.vals["k"]] == vs
    ps, trials = draws(hp.pchoice("p", [(0.8, "x"), (0.2, "y")]))
    assert 0.7 < ps.count("x") / len(ps) < 0.9
    assert set(trials.vals["p"]) == {0, 1}


def test_bad_arguments_name_the_parameter():
    with pytest.raises(ValueError, match="'x'"):
        hp.uniform("x", 2, 1)
    with pytest.raises(ValueError, match="sigma"):
        hp.normal("n", 0, 0)
    with pytest.raises(TypeError, match="hp expression"):
        hp.uniform("y", 0, hp.uniform("z", 1, 2))
    with pytest.raises(TypeError, match="arithmetic"):
        hp.uniform("w", 0, 1) + 1
    with pytest.raises(DuplicateLabel):
        run(lambda v: 0.0, {"a": hp.uniform("x", 0, 1), "b": hp.uniform("x", 0, 2)}, n=1)


# --- conditional spaces, space_eval ------------------------------------------------------------
SPACE = hp.choice("classifier", [
    {"type": "svm", "C": hp.loguniform("svm_C", -3, 3),
     "kernel": hp.choice("svm_kernel", [
         {"ktype": "linear"},
         {"ktype": "rbf", "width": hp.lognormal("svm_rbf_width", 0, 1)}])},
    {"type": "tree", "depth": hp.randint("tree_depth", 1, 10)},
])


def test_nested_choices_suggest_only_active_parameters():
    seen = []
    _, trials = run(lambda v: seen.append(v) or 0.0, SPACE, n=60)
    labels = {"classifier", "svm_C", "svm_kernel", "svm_rbf_width", "tree_depth"}
    study = trials._study
    for doc, value, frozen in zip(trials.trials, seen, study.trials):
        vals = doc["misc"]["vals"]
        assert set(vals) == labels  # every label, empty when inactive (as Hyperopt)
        active = {k for k, v in vals.items() if v}
        assert set(frozen.params) == active  # only the active ones reached Parzen
        if value["type"] == "svm":
            assert active >= {"svm_C", "svm_kernel"} and "tree_depth" not in active
            assert ("svm_rbf_width" in active) == (value["kernel"]["ktype"] == "rbf")
        else:
            assert active == {"classifier", "tree_depth"}
        assert all(doc["misc"]["idxs"][k] == ([doc["tid"]] if k in active else []) for k in labels)
        assert space_eval(SPACE, {k: v[0] for k, v in vals.items() if v}) == value
    assert {v["type"] for v in seen} == {"svm", "tree"}


def test_space_eval():
    space = {"k": hp.choice("k", ["linear", "rbf"]), "C": hp.uniform("C", 1, 10),
             "n": hp.randint("n", 5), "t": (1, hp.choice("inner", [hp.uniform("u", 0, 1), 7]))}
    assert space_eval(space, {"k": 1, "C": 2.5, "n": 3, "inner": 1}) == {
        "k": "rbf", "C": 2.5, "n": 3, "t": (1, 7)}
    assert space_eval(space, {"k": [0], "C": [2.5], "n": [3], "inner": [0], "u": [0.5]})["t"] == (
        1, 0.5)


# --- Trials, fmin's return value ---------------------------------------------------------------
def test_trials_contents_and_argmin():
    space = {"k": hp.choice("k", ["a", "b"]), "x": hp.uniform("x", -5, 5),
             "n": hp.randint("n", 4)}

    def f(p):
        return {"loss": (p["x"] - 1) ** 2 + (p["k"] == "b") + p["n"], "status": STATUS_OK,
                "extra": p["n"]}

    best, trials = run(f, space, n=60, algo=tpe.suggest)
    assert len(trials) == 60 and trials.tids == list(range(60))
    doc = trials.trials[0]
    assert set(doc) >= {"state", "tid", "spec", "result", "misc", "exp_key", "owner", "version",
                        "book_time", "refresh_time"}
    assert doc["state"] == JOB_STATE_DONE and doc["misc"]["tid"] == 0
    assert doc["misc"]["cmd"] == ("domain_attachment", "FMinIter_Domain")
    assert set(doc["result"]) == {"loss", "status", "extra"}  # extra keys are kept
    losses = trials.losses()
    assert len(losses) == 60 and trials.statuses() == ["ok"] * 60
    i = int(np.argmin(losses))
    assert trials.best_trial is trials.trials[i]
    assert trials.argmin == best == {k: v[0] for k, v in trials.trials[i]["misc"]["vals"].items()}
    assert best["k"] in (0, 1) and type(best["n"]) is int
    assert min(losses) < 0.5  # TPE found k=a, n=0, x near 1
    assert trials.results[i]["loss"] == min(losses)
    assert len(trials.vals["x"]) == 60 and len(trials.idxs["k"]) == 60
    # return_argmin=False: the space's value at the argmin
    value = fmin(f, space, algo=tpe.suggest, max_evals=61, trials=trials, return_argmin=False,
                 show_progressbar=False)
    assert value == space_eval(space, trials.argmin) and len(trials) == 61


def test_same_seed_same_trials_and_continuing():
    space = {"x": hp.uniform("x", 0, 1), "k": hp.choice("k", [1, 2, 3])}
    f = lambda p: p["x"] * p["k"]  # noqa: E731
    _, t1 = run(f, space, n=30, algo=tpe.suggest, seed=5)
    _, t2 = run(f, space, n=30, algo=tpe.suggest, seed=5)
    assert t1.vals == t2.vals
    fmin(f, space, algo=tpe.suggest, max_evals=40, trials=t1, show_progressbar=False)
    assert len(t1) == 40  # max_evals counts the trials already there
    fmin(f, space, algo=tpe.suggest, max_evals=40, trials=t1, show_progressbar=False)
    assert len(t1) == 40


def test_failing_objectives_do_not_stop_the_search():
    def f(p):
        if p["x"] < 0.3:
            raise RuntimeError("boom")
        if p["x"] < 0.6:
            return {"status": STATUS_FAIL, "why": "too small"}
        return p["x"]

    best, trials = run(f, {"x": hp.uniform("x", 0, 1)}, n=50, catch_eval_exceptions=True)
    assert len(trials) == 50
    states = [t["state"] for t in trials.trials]
    assert JOB_STATE_ERROR in states
    errors = [t for t in trials.trials if t["state"] == JOB_STATE_ERROR]
    assert all(t["misc"]["error"][1] == "boom" for t in errors)
    assert all(t["result"] == {"status": "new"} for t in errors)
    failed = [t for t in trials.trials if t["result"].get("status") == STATUS_FAIL]
    assert failed and all(t["result"]["why"] == "too small" for t in failed)
    assert trials.losses().count(None) == len(errors) + len(failed)
    assert best["x"] >= 0.6
    # without catch_eval_exceptions the exception propagates, the trial recorded as an error
    trials = Trials()
    with pytest.raises(RuntimeError, match="boom"):
        fmin(lambda p: 1 / 0 if False else f({"x": 0.0}), {"x": hp.uniform("x", 0, 1)},
             algo=rand.suggest, max_evals=5, trials=trials, show_progressbar=False)
    assert len(trials) == 1 and trials.trials[0]["state"] == JOB_STATE_ERROR
    with pytest.raises(AllTrialsFailed):
        trials.best_trial
    # a dict without a loss is an invalid result
    with pytest.raises(InvalidLoss):
        run(lambda p: {"status": STATUS_OK}, {"x": hp.uniform("x", 0, 1)}, n=1)


def test_nan_losses_are_never_the_best():
    # A NaN first loss must not win for good (nothing compares < NaN): skipped, as Hyperopt's
    # Trials.best_trial (np.nanargmin) skips it; every loss NaN is AllTrialsFailed.
    losses = iter([float("nan"), 3.0, float("nan"), 1.0, 2.0])
    trials = Trials()
    best = fmin(lambda p: next(losses), hp.uniform("a", 0, 1), algo=rand.suggest, max_evals=5,
                trials=trials, show_progressbar=False, rstate=np.random.default_rng(0))
    assert trials.best_trial["tid"] == 3
    assert best == {"a": trials.trials[3]["misc"]["vals"]["a"][0]}
    assert trials.average_best_error() == 1.0
    trials = Trials()
    with pytest.raises(AllTrialsFailed):
        fmin(lambda p: float("nan"), hp.uniform("a", 0, 1), algo=rand.suggest, max_evals=3,
             trials=trials, show_progressbar=False, rstate=np.random.default_rng(0))
    assert len(trials) == 3
    with pytest.raises(AllTrialsFailed):
        trials.average_best_error()


def test_loss_threshold_early_stop_timeout():
    space = {"x": hp.uniform("x", 0, 1)}
    _, trials = run(lambda p: p["x"], space, n=500, loss_threshold=0.05)
    assert len(trials) < 500 and min(trials.losses()) <= 0.05
    assert all(v > 0.05 for v in trials.losses()[:-1])  # stopped at the first one

    calls = []

    def stop_after_7(trials, *args):
        calls.append(args)
        return len(trials) >= 7, [len(trials)]

    _, trials = run(lambda p: p["x"], space, n=100, early_stop_fn=stop_after_7)
    assert len(trials) == 7 and calls[0] == () and calls[1] == (1,)
    _, trials = run(lambda p: 1.0, space, n=100,
                    early_stop_fn=early_stop.no_progress_loss(5))
    assert len(trials) == 5  # Hyperopt's count: the first evaluation is no-progress 1
    import time
    _, trials = run(lambda p: time.sleep(0.05) or p["x"], space, n=1000, timeout=0.3)
    assert 2 <= len(trials) <= 10


def test_points_to_evaluate_come_first():
    space = {"k": hp.choice("k", ["a", "b"]), "x": hp.quniform("x", 0, 10, 0.5),
             "n": hp.normal("n", 0, 1)}
    seen = []
    points = [{"k": 1, "x": 2.5, "n": 0.3}, {"k": 0, "x": 7.0, "n": -1.25}]
    run(lambda p: seen.append(p) or 0.0, space, n=5, algo=tpe.suggest,
        points_to_evaluate=points)
    assert seen[0] == {"k": "b", "x": 2.5, "n": 0.3}
    assert seen[1] == {"k": "a", "x": 7.0, "n": -1.25}
    with pytest.raises(ValueError, match="unknown labels"):
        run(lambda p: 0.0, space, n=1, points_to_evaluate=[{"zz": 1}])


def test_algos_and_refusals():
    space = {"x": hp.uniform("x", -1, 1)}
    for algo in (anneal.suggest, functools.partial(tpe.suggest, n_startup_jobs=5),
                 functools.partial(tpe.suggest, n_EI_candidates=10, prior_weight=0.5)):
        best, trials = run(lambda p: p["x"] ** 2, space, n=30, algo=algo)
        assert min(trials.losses()) < 0.05
    assert "n_ei_candidates=10" in repr(trials._study.sampler)
    with pytest.raises(TypeError, match="gamma"):
        run(lambda p: 0.0, space, n=1, algo=functools.partial(tpe.suggest, gamma=0.1))
    with pytest.raises(TypeError, match="my_algo"):
        def my_algo(new_ids, domain, trials, seed):
            return []
        run(lambda p: 0.0, space, n=1, algo=my_algo)
    with pytest.raises(NotImplementedError, match="tpe.suggest"):
        tpe.suggest([0], None, Trials(), 1)
    with pytest.raises(TypeError, match="SparkTrials"):
        SparkTrials(parallelism=2)
    with pytest.raises(TypeError, match="MongoTrials"):
        MongoTrials("mongo://localhost/db/jobs")
    with pytest.raises(TypeError, match="max_queue_len"):
        run(lambda p: 0.0, space, n=1, max_queue_len=4)
    with pytest.raises(TypeError, match="rstate"):
        fmin(lambda p: 0.0, space, algo=rand.suggest, max_evals=1, rstate=7,
             show_progressbar=False)
    with pytest.raises(TypeError, match="dict"):
        fmin(lambda p: 0.0, space, algo=rand.suggest, max_evals=1, trials={},
             show_progressbar=False)


def test_trials_save_file_resumes(tmp_path):
    path = str(tmp_path / "trials.pkl")
    space = {"x": hp.uniform("x", 0, 1), "k": hp.choice("k", [0, 1])}
    fmin(lambda p: p["x"] + p["k"], space, algo=tpe.suggest, max_evals=10,
         trials_save_file=path, show_progressbar=False)
    with open(path, "rb") as f:
        saved = pickle.load(f)
    assert len(saved) == 10 and saved._study is None
    best = fmin(lambda p: p["x"] + p["k"], space, algo=tpe.suggest, max_evals=25,
                trials_save_file=path, show_progressbar=False)
    with open(path, "rb") as f:
        saved = pickle.load(f)
    assert len(saved) == 25 and saved.argmin == best
    assert len(pickle.loads(pickle.dumps(saved))) == 25


# --- the example -----------------------------------------------------------------------------
def test_hyperopt_iris_example():
    pytest.importorskip("sklearn")
    path = os.path.join(SOURCE_DIR, "examples", "python", "hyperopt_iris.py")
    with open(path) as f:
        source = f.read()
    assert "from parzen.hyperopt import fmin, tpe, hp, STATUS_OK, Trials" in source
    out = subprocess.run([PYTHON, path], env=child_env(), capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    best = ast.literal_eval(re.search(r"best: (\{.*\})", out.stdout).group(1))
    assert set(best) == {"kernel", "C"} and best["kernel"] in (0, 1) and 1 <= best["C"] <= 10
    try:
        import tqdm  # noqa: F401
        assert "100/100" in out.stderr  # the progress bar, as Hyperopt's
    except ImportError:
        pass
    from sklearn import datasets
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import SVC
    X, y = datasets.load_iris(return_X_y=True)
    acc = cross_val_score(SVC(kernel=["linear", "rbf"][best["kernel"]], C=best["C"]), X, y).mean()
    assert 1 - acc <= 0.0134  # the best the space reaches: accuracy 0.9867
