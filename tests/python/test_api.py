"""Every public function and class of `parzen`, as Optuna 3.1 names them."""
import contextlib
import datetime
import inspect
import logging
import math

import pytest

import parzen
from parzen.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from parzen.trial import TrialState

from conftest import unique_name


def quadratic(trial):
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


# ---------------------------------------------------------------------------------------------
# module surface

def test_public_names():
    for name in ["create_study", "load_study", "delete_study", "get_all_study_summaries",
                 "get_all_study_names", "Study", "Trial", "FrozenTrial", "TrialPruned",
                 "distributions", "samplers", "pruners", "exceptions", "storages", "logging",
                 "study", "trial", "__version__"]:
        assert hasattr(parzen, name), name
    assert isinstance(parzen.__version__, str)
    assert parzen.TrialPruned is parzen.exceptions.TrialPruned
    assert parzen.study.MaxTrialsCallback
    assert parzen.study.StudyDirection.MINIMIZE != parzen.study.StudyDirection.MAXIMIZE


def test_trial_state_values_as_optuna():
    assert int(TrialState.RUNNING) == 0
    assert int(TrialState.COMPLETE) == 1
    assert int(TrialState.PRUNED) == 2
    assert int(TrialState.FAIL) == 3
    assert int(TrialState.WAITING) == 4
    assert TrialState.COMPLETE.is_finished()
    assert not TrialState.RUNNING.is_finished()
    assert parzen.TrialState is TrialState


def test_exception_hierarchy():
    e = parzen.exceptions
    assert issubclass(e.InvalidArgumentError, e.ParzenError)
    assert issubclass(e.InvalidArgumentError, ValueError)
    assert issubclass(e.OptionError, e.InvalidArgumentError)
    assert issubclass(e.NotFoundError, KeyError)
    assert issubclass(e.NotFoundError, e.ParzenError)
    assert issubclass(e.DuplicatedStudyError, e.ParzenError)
    assert issubclass(e.InvalidStateError, RuntimeError)
    assert issubclass(e.StorageInternalError, e.ParzenError)
    assert issubclass(e.StudyExhaustedError, e.ParzenError)
    assert issubclass(e.TrialPruned, e.ParzenError)
    assert issubclass(e.TrialFailed, e.ParzenError)


# ---------------------------------------------------------------------------------------------
# studies

def test_create_study_defaults_minimize():
    study = parzen.create_study()
    assert study.direction == parzen.study.StudyDirection.MINIMIZE
    assert study.directions == [parzen.study.StudyDirection.MINIMIZE]
    assert isinstance(study.study_name, str) and study.study_name
    assert study.trials == []


def test_create_study_direction_and_directions():
    assert parzen.create_study(direction="maximize").direction == parzen.study.StudyDirection.MAXIMIZE
    s = parzen.create_study(directions=["minimize", "maximize"])
    assert s.directions == [parzen.study.StudyDirection.MINIMIZE, parzen.study.StudyDirection.MAXIMIZE]
    with pytest.raises(ValueError):
        parzen.create_study(direction="minimize", directions=["minimize"])
    with pytest.raises(ValueError):
        parzen.create_study(direction="sideways")
    with pytest.raises(RuntimeError):
        s.direction  # several objectives, as Optuna


def test_optimize_quadratic(storage_url):
    study = parzen.create_study(storage=storage_url, sampler=parzen.samplers.TPESampler(seed=1))
    study.optimize(quadratic, n_trials=60)
    assert len(study.trials) == 60
    assert abs(study.best_params["x"] - 2) < 1.0
    assert study.best_value == pytest.approx((study.best_params["x"] - 2) ** 2)
    assert study.best_trial.value == study.best_value
    assert [t.number for t in study.trials] == list(range(60))


def test_load_and_delete_study(sqlite_url):
    name = unique_name()
    study = parzen.create_study(storage=sqlite_url, study_name=name, direction="maximize")
    study.optimize(lambda t: t.suggest_int("n", 0, 5), n_trials=4)
    loaded = parzen.load_study(study_name=name, storage=sqlite_url)
    assert loaded.study_name == name
    assert loaded.direction == parzen.study.StudyDirection.MAXIMIZE
    assert len(loaded.trials) == 4
    assert name in parzen.get_all_study_names(storage=sqlite_url)
    summaries = parzen.get_all_study_summaries(storage=sqlite_url)
    (summary,) = [s for s in summaries if s.study_name == name]
    assert summary.n_trials == 4
    assert summary.best_trial is not None
    parzen.delete_study(study_name=name, storage=sqlite_url)
    assert name not in parzen.get_all_study_names(storage=sqlite_url)
    with pytest.raises(KeyError):
        parzen.load_study(study_name=name, storage=sqlite_url)


def test_duplicated_study_and_load_if_exists(sqlite_url):
    name = unique_name()
    parzen.create_study(storage=sqlite_url, study_name=name)
    with pytest.raises(parzen.exceptions.DuplicatedStudyError):
        parzen.create_study(storage=sqlite_url, study_name=name)
    again = parzen.create_study(storage=sqlite_url, study_name=name, load_if_exists=True)
    assert again.study_name == name


def test_missing_study_not_found(sqlite_url):
    with pytest.raises(parzen.exceptions.NotFoundError) as info:
        parzen.load_study(study_name="no-such-study", storage=sqlite_url)
    assert isinstance(info.value, KeyError)
    assert "no-such-study" in str(info.value)
    assert not str(info.value).startswith("'")  # the message, not KeyError's repr
    with pytest.raises(KeyError):
        parzen.delete_study(study_name="no-such-study", storage=sqlite_url)


def test_memory_storage_shared_by_object():
    storage = parzen.storages.InMemoryStorage()
    name = unique_name()
    a = parzen.create_study(storage=storage, study_name=name)
    a.optimize(quadratic, n_trials=3)
    b = parzen.load_study(study_name=name, storage=storage)
    assert len(b.trials) == 3


def test_best_without_trials_raises():
    study = parzen.create_study()
    with pytest.raises(ValueError):
        study.best_trial
    with pytest.raises(ValueError):
        study.best_value


def test_stop_inside_callback():
    study = parzen.create_study()

    def cb(study, trial):
        if trial.number == 4:
            study.stop()

    study.optimize(quadratic, n_trials=100, callbacks=[cb])
    assert len(study.trials) == 5


def test_a_stored_stop_request_holds_until_cleared(tmp_path):
    # A stop request stored with the study (what `parzen stop` and the dashboard write: the
    # study system attribute parzen.stop_request) stops optimize in every process until
    # clear_stop_request() removes it.
    url = f"sqlite:///{tmp_path}/s.db"
    study = parzen.create_study(study_name="s", storage=url,
                                sampler=parzen.samplers.RandomSampler(seed=0))
    study.optimize(quadratic, n_trials=2)
    request = {"requested_at": "2026-12-01T03:00:00Z", "by": "parzen stop (ann@host)"}
    study._core._set_system_attr("parzen.stop_request", request)
    other = parzen.load_study(study_name="s", storage=url)
    other.optimize(quadratic, n_trials=3)
    assert len(other.trials) == 2  # stopped: no new trial
    assert other.clear_stop_request() == request
    assert other.clear_stop_request() is None
    study.optimize(quadratic, n_trials=3)
    assert len(study.trials) == 5


def test_timeout_stops():
    import time
    study = parzen.create_study()

    def slow(trial):
        time.sleep(0.05)
        return quadratic(trial)

    t0 = time.monotonic()
    study.optimize(slow, timeout=0.5)
    assert time.monotonic() - t0 < 3
    assert 3 <= len(study.trials) <= 15


# ---------------------------------------------------------------------------------------------
# trials

def test_suggest_api_types():
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    seen = {}

    def objective(trial):
        f = trial.suggest_float("f", -1.0, 1.0)
        lf = trial.suggest_float("lf", 1e-5, 1.0, log=True)
        sf = trial.suggest_float("sf", 0.0, 1.0, step=0.25)
        i = trial.suggest_int("i", 1, 9, step=2)
        li = trial.suggest_int("li", 1, 1000, log=True)
        c = trial.suggest_categorical("c", ["a", 1, 2.5, True, None])
        assert trial.suggest_float("f", -1.0, 1.0) == f  # same name: same value
        seen.setdefault("c", set()).add(repr(c))
        assert isinstance(f, float) and -1 <= f <= 1
        assert isinstance(lf, float) and 1e-5 <= lf <= 1
        assert sf in (0.0, 0.25, 0.5, 0.75, 1.0)
        assert isinstance(i, int) and i in (1, 3, 5, 7, 9)
        assert isinstance(li, int) and 1 <= li <= 1000
        assert c in ("a", 1, 2.5, True, None)
        assert trial.params["f"] == f
        assert isinstance(trial.number, int)
        assert isinstance(trial.distributions["f"], FloatDistribution)
        return f

    study.optimize(objective, n_trials=60)
    # every categorical type comes back as itself, None included
    assert seen["c"] == {"'a'", "1", "2.5", "True", "None"}
    t = study.trials[0]
    assert t.distributions["c"] == CategoricalDistribution(["a", 1, 2.5, True, None])
    assert t.distributions["i"] == IntDistribution(1, 9, step=2)
    assert t.distributions["lf"] == FloatDistribution(1e-5, 1.0, log=True)


def test_categorical_bool_is_not_int():
    study = parzen.create_study()
    out = []
    study.optimize(lambda t: out.append(t.suggest_categorical("b", [True, False])) or 0.0, n_trials=10)
    assert all(type(v) is bool for v in out)
    assert all(type(t.params["b"]) is bool for t in study.trials)


def test_frozen_trial_attributes(storage_url):
    study = parzen.create_study(storage=storage_url)

    def objective(trial):
        trial.set_user_attr("note", {"k": [1, 2]})
        trial.report(0.5, 0)
        trial.report(0.25, 1)
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=1)
    t = study.trials[0]
    assert isinstance(t, parzen.FrozenTrial)
    assert t.number == 0
    assert t.state == TrialState.COMPLETE
    assert t.values == [t.params["x"]]
    assert t.value == t.params["x"]
    assert t.intermediate_values == {0: 0.5, 1: 0.25}
    assert t.user_attrs == {"note": {"k": [1, 2]}}
    assert isinstance(t.datetime_start, datetime.datetime)
    assert isinstance(t.datetime_complete, datetime.datetime)
    assert t.datetime_start <= t.datetime_complete
    assert isinstance(t.duration, datetime.timedelta)
    assert t.duration >= datetime.timedelta(0)
    assert "FrozenTrial" in repr(t)
    with pytest.raises(AttributeError):
        t.number = 5  # read-only
    assert study.get_trials(states=(TrialState.COMPLETE,)) == study.trials
    assert study.get_trials(states=(TrialState.FAIL,)) == []
    assert study.get_trials(deepcopy=False)[0].number == 0


def test_frozen_trial_value_several_objectives():
    study = parzen.create_study(directions=["minimize", "minimize"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=1)
    with pytest.raises(RuntimeError):
        study.trials[0].value
    assert len(study.trials[0].values) == 2


def test_ask_tell_loop(storage_url):
    study = parzen.create_study(storage=storage_url, direction="maximize")
    for _ in range(10):
        trial = study.ask()
        x = trial.suggest_float("x", 0, 1)
        study.tell(trial, x)
    pruned = study.ask()
    study.tell(pruned, state=TrialState.PRUNED)
    failed = study.ask()
    study.tell(failed.number, state=TrialState.FAIL)
    assert len(study.trials) == 12
    assert study.trials[10].state == TrialState.PRUNED
    assert study.trials[11].state == TrialState.FAIL
    assert study.best_value == max(t.value for t in study.trials[:10])


def test_ask_fixed_distributions():
    study = parzen.create_study()
    trial = study.ask({"x": FloatDistribution(0, 1), "c": CategoricalDistribution(["a", "b"])})
    assert 0 <= trial.params["x"] <= 1
    assert trial.params["c"] in ("a", "b")
    study.tell(trial, 1.0)
    assert set(study.trials[0].params) == {"x", "c"}


def test_tell_rules():
    study = parzen.create_study()
    t = study.ask()
    with pytest.raises((ValueError, TypeError)):
        study.tell(t, state=TrialState.COMPLETE)  # complete needs values
    study.tell(t, 1.0)
    with pytest.raises((ValueError, RuntimeError)):  # Optuna 3.1: ValueError
        study.tell(t, 2.0)  # already finished
    study.tell(t, 2.0, skip_if_finished=True)
    assert study.trials[0].value == 1.0
    t2 = study.ask()
    with pytest.warns(UserWarning, match="nan"):
        study.tell(t2, float("nan"))  # Optuna: a NaN value fails the trial, with a warning
    assert study.trials[1].state == TrialState.FAIL


def test_enqueue_trial(storage_url):
    study = parzen.create_study(storage=storage_url)
    study.enqueue_trial({"x": 1.5, "c": None}, user_attrs={"why": "seed"})
    study.enqueue_trial({"x": -3.0})

    def objective(trial):
        c = trial.suggest_categorical("c", ["a", None])
        return trial.suggest_float("x", -10, 10) + (0 if c is None else 1)

    study.optimize(objective, n_trials=3)
    assert study.trials[0].params == {"x": 1.5, "c": None}
    assert study.trials[0].user_attrs == {"why": "seed"}
    assert study.trials[1].params["x"] == -3.0
    # c is sampled for the second enqueued trial: its value is -3 or -2; the best is no worse
    assert study.best_value <= study.trials[1].value


def test_enqueue_skip_if_exists():
    study = parzen.create_study()
    study.enqueue_trial({"x": 1.0})
    study.enqueue_trial({"x": 1.0}, skip_if_exists=True)
    study.optimize(quadratic, n_trials=2)
    assert [t.params["x"] for t in study.trials].count(1.0) == 1


def test_add_trial_and_create_trial():
    study = parzen.create_study()
    trial = parzen.trial.create_trial(
        params={"x": 2.0}, distributions={"x": FloatDistribution(0, 10)}, value=0.0,
        user_attrs={"origin": "paper"}, intermediate_values={0: 1.0})
    study.add_trial(trial)
    study.add_trials([parzen.trial.create_trial(
        params={"x": 5.0}, distributions={"x": FloatDistribution(0, 10)}, value=9.0)])
    assert len(study.trials) == 2
    assert study.best_params == {"x": 2.0}
    assert study.trials[0].user_attrs == {"origin": "paper"}
    assert study.trials[0].intermediate_values == {0: 1.0}
    # the sampler sees added trials
    study.optimize(quadratic, n_trials=1)
    assert len(study.trials) == 3


def test_study_user_attrs(sqlite_url):
    name = unique_name()
    study = parzen.create_study(storage=sqlite_url, study_name=name)
    study.set_user_attr("dataset", "iris")
    study.set_user_attr("folds", 5)
    assert study.user_attrs == {"dataset": "iris", "folds": 5}
    assert parzen.load_study(study_name=name, storage=sqlite_url).user_attrs["dataset"] == "iris"
    assert isinstance(study.system_attrs, dict)


def test_best_trials_multi_objective():
    study = parzen.create_study(directions=["minimize", "minimize"],
                                sampler=parzen.samplers.RandomSampler(seed=3))

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        return x, 1 - x

    study.optimize(objective, n_trials=20)
    front = study.best_trials
    assert len(front) == 20  # every trial is on the front of x vs 1 - x
    with pytest.raises(RuntimeError):
        study.best_trial


def test_set_constraints():
    study = parzen.create_study()

    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        trial.set_constraints([x - 1.0])  # feasible when x <= 1
        return -x

    study.optimize(objective, n_trials=30)
    assert study.best_params["x"] <= 1.0


def test_trials_dataframe():
    pd = pytest.importorskip("pandas")
    study = parzen.create_study()

    def objective(trial):
        trial.set_user_attr("u", 1)
        return quadratic(trial)

    study.optimize(objective, n_trials=5)
    df = study.trials_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert len(df) == 5
    for col in ["number", "value", "datetime_start", "datetime_complete", "duration",
                "params_x", "user_attrs_u", "state"]:
        assert col in df.columns, col
    assert list(df["number"]) == [0, 1, 2, 3, 4]
    assert df["state"].iloc[0] == "COMPLETE"
    multi = study.trials_dataframe(multi_index=True)
    assert ("params", "x") in multi.columns


def test_trials_dataframe_without_pandas(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    study = parzen.create_study()
    study.optimize(quadratic, n_trials=1)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match="pandas"):
        study.trials_dataframe()


# ---------------------------------------------------------------------------------------------
# distributions

def test_distributions_as_optuna():
    f = FloatDistribution(0.0, 1.0)
    assert (f.low, f.high, f.log, f.step) == (0.0, 1.0, False, None)
    assert FloatDistribution(0.0, 1.0) == f
    assert hash(FloatDistribution(0.0, 1.0)) == hash(f)
    assert FloatDistribution(0.0, 1.0, log=False, step=0.5) != f
    assert "FloatDistribution" in repr(f)
    i = IntDistribution(1, 10)
    assert (i.low, i.high, i.log, i.step) == (1, 10, False, 1)
    c = CategoricalDistribution(["a", None, 3])
    assert tuple(c.choices) == ("a", None, 3)
    assert c.to_internal_repr(None) == 1
    assert c.to_external_repr(0) == "a"
    assert IntDistribution(3, 3).single()
    assert not i.single()
    assert f._contains(0.5) and not f._contains(2.0)
    with pytest.raises(ValueError):
        FloatDistribution(1.0, 0.0)
    with pytest.raises(ValueError):
        FloatDistribution(0.0, 1.0, log=True)
    with pytest.raises(ValueError):
        IntDistribution(1, 10, log=True, step=2)
    with pytest.raises(ValueError):
        CategoricalDistribution([])


def test_distribution_json_round_trip():
    d = parzen.distributions
    for dist in [FloatDistribution(0.5, 2.0, log=True), IntDistribution(0, 8, step=2),
                 CategoricalDistribution(["x", 1, None])]:
        assert d.json_to_distribution(d.distribution_to_json(dist)) == dist


def test_bad_distribution_names_parameter():
    study = parzen.create_study()
    with pytest.raises(ValueError, match="learning_rate"):
        study.optimize(lambda t: t.suggest_float("learning_rate", 1.0, 0.0), n_trials=1, catch=())
    with pytest.raises(ValueError, match="depth"):
        study.optimize(lambda t: t.suggest_int("depth", 0, 10, log=True), n_trials=1, catch=())


def test_changed_distribution_same_trial_raises():
    study = parzen.create_study()

    def objective(trial):
        trial.suggest_float("x", 0, 1)
        trial.suggest_int("x", 0, 5)
        return 0.0

    with pytest.raises(ValueError, match="x"):
        study.optimize(objective, n_trials=1)


# ---------------------------------------------------------------------------------------------
# samplers and pruners

SAMPLER_CLASSES = ["TPESampler", "RandomSampler", "GridSampler", "QMCSampler", "GPSampler",
                   "NSGAIISampler"]
PRUNER_CLASSES = ["MedianPruner", "PercentilePruner", "SuccessiveHalvingPruner", "HyperbandPruner",
                  "PatientPruner", "NopPruner"]


def test_every_registry_entry_has_a_class():
    from parzen import _core
    reg = _core.registry()
    assert {"tpe", "random", "grid", "qmc", "gp"} <= {s["name"] for s in reg["samplers"]}
    for cls in SAMPLER_CLASSES:
        assert hasattr(parzen.samplers, cls), cls
    for cls in PRUNER_CLASSES:
        assert hasattr(parzen.pruners, cls), cls


@pytest.mark.parametrize("make", [
    lambda: parzen.samplers.TPESampler(seed=1, n_startup_trials=5, multivariate=True),
    lambda: parzen.samplers.RandomSampler(seed=1),
    lambda: parzen.samplers.QMCSampler(seed=1),
    lambda: parzen.samplers.GPSampler(seed=1),
    lambda: parzen.samplers.GridSampler({"x": [-1.0, 0.0, 2.0], "n": [1, 2]}),
])
def test_each_sampler_runs(make):
    sampler = make()
    assert repr(sampler)
    study = parzen.create_study(sampler=sampler)

    def objective(trial):
        return quadratic_grid(trial)

    study.optimize(objective, n_trials=6)
    assert len(study.trials) == 6
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def quadratic_grid(trial):
    x = trial.suggest_float("x", -1.0, 2.0)
    n = trial.suggest_int("n", 1, 2)
    return (x - 2) ** 2 + n


def test_grid_sampler_exhausts_and_covers():
    grid = {"x": [-1.0, 0.0, 2.0], "n": [1, 2]}
    study = parzen.create_study(sampler=parzen.samplers.GridSampler(grid))
    study.optimize(quadratic_grid, n_trials=20)  # stops once the grid is done, as Optuna
    combos = {(t.params["x"], t.params["n"]) for t in study.trials}
    assert combos == {(x, n) for x in grid["x"] for n in grid["n"]}
    assert study.best_params == {"x": 2.0, "n": 1}


def test_sampler_unknown_keyword_typeerror():
    with pytest.raises(TypeError, match="n_startup_trails"):
        parzen.samplers.TPESampler(n_startup_trails=5)
    with pytest.raises(TypeError, match="seeed"):
        parzen.samplers.RandomSampler(seeed=1)
    with pytest.raises(TypeError, match="n_startup_trails"):
        parzen.pruners.MedianPruner(n_startup_trails=5)


def test_sampler_bad_option_value():
    with pytest.raises(ValueError):
        parzen.samplers.TPESampler(n_startup_trials=-3)
    with pytest.raises(ValueError):
        parzen.pruners.PercentilePruner(percentile=150.0)


@pytest.mark.parametrize("make", [
    lambda: parzen.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1),
    lambda: parzen.pruners.PercentilePruner(25.0, n_startup_trials=2),
    lambda: parzen.pruners.SuccessiveHalvingPruner(),
    lambda: parzen.pruners.HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3),
    lambda: parzen.pruners.PatientPruner(parzen.pruners.MedianPruner(), patience=1),
    lambda: parzen.pruners.NopPruner(),
])
def test_each_pruner_runs(make):
    pruner = make()
    assert repr(pruner)
    study = parzen.create_study(pruner=pruner, sampler=parzen.samplers.RandomSampler(seed=2))

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        for step in range(9):
            trial.report(x + 1.0 / (step + 1), step)  # a loss curve, its level set by x
            if trial.should_prune():
                raise parzen.TrialPruned()
        return x

    study.optimize(objective, n_trials=20)
    assert len(study.trials) == 20
    states = {t.state for t in study.trials}
    assert states <= {TrialState.COMPLETE, TrialState.PRUNED}
    if not isinstance(pruner, (parzen.pruners.NopPruner, parzen.pruners.PatientPruner)):
        assert TrialState.PRUNED in states


# ---------------------------------------------------------------------------------------------
# callbacks, MaxTrialsCallback, progress bar, logging

def test_callbacks_receive_study_and_frozen_trial():
    study = parzen.create_study()
    seen = []
    study.optimize(quadratic, n_trials=5,
                   callbacks=[lambda s, t: seen.append((s is study, t.number, t.state))])
    assert seen == [(True, i, TrialState.COMPLETE) for i in range(5)]


def test_max_trials_callback(sqlite_url):
    study = parzen.create_study(storage=sqlite_url)
    study.optimize(quadratic, n_trials=50,
                   callbacks=[parzen.study.MaxTrialsCallback(7, states=(TrialState.COMPLETE,))])
    assert len(study.trials) == 7
    # counts the study's trials, not this call's: a second call stops at once
    study.optimize(quadratic, n_trials=50, callbacks=[parzen.study.MaxTrialsCallback(8)])
    assert len(study.trials) == 8


def test_progress_bar(capsys):
    pytest.importorskip("tqdm")
    study = parzen.create_study()
    study.optimize(quadratic, n_trials=5, show_progress_bar=True)
    err = capsys.readouterr().err
    assert "5/5" in err


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_logging_through_python_logging():
    """Per-trial INFO lines go to the "parzen" logger (as Optuna's to "optuna"), at the level
    parzen.logging.set_verbosity sets."""
    handler = _Records()
    logger = logging.getLogger("parzen")
    logger.addHandler(handler)
    old = parzen.logging.get_verbosity()
    try:
        parzen.logging.set_verbosity(parzen.logging.INFO)
        assert parzen.logging.get_verbosity() == parzen.logging.INFO
        study = parzen.create_study()
        study.optimize(quadratic, n_trials=2)
        assert any("Trial 1 finished with value" in m for m in handler.messages), handler.messages
        assert any("Best is trial" in m for m in handler.messages), handler.messages
        handler.messages.clear()
        parzen.logging.set_verbosity(parzen.logging.WARNING)
        study.optimize(quadratic, n_trials=1)
        assert not [m for m in handler.messages if "finished with value" in m]
        # a failed trial is a warning
        study.optimize(lambda t: float("nan"), n_trials=1)
        assert any("Trial 3" in m for m in handler.messages), handler.messages
    finally:
        parzen.logging.set_verbosity(old)
        logger.removeHandler(handler)


@contextlib.contextmanager
def _parzen_records(level):
    """The "parzen" logger's messages, at verbosity `level`, while the block runs."""
    handler = _Records()
    logger = logging.getLogger("parzen")
    logger.addHandler(handler)
    old = parzen.logging.get_verbosity()
    try:
        parzen.logging.set_verbosity(level)
        yield handler.messages
    finally:
        parzen.logging.set_verbosity(old)
        logger.removeHandler(handler)


def test_logged_best_trial_is_never_infeasible():
    """The per-trial INFO line's "Best is trial N" names a feasible trial only, as best_trial
    does: trial 1 has the lower value but violates its constraint."""

    def objective(t):
        t.suggest_float("x", 0, 1)
        t.set_constraints([1.0 if t.number == 1 else -1.0])
        return 1.0 - t.number

    with _parzen_records(parzen.logging.INFO) as messages:
        study = parzen.create_study()
        study.optimize(objective, n_trials=2)
    lines = [m for m in messages if "Trial 1 finished" in m]
    assert lines and "Best is trial 0 with value: 1.0" in lines[0], messages
    assert study.best_trial.number == 0


def test_sampler_warnings_go_through_the_parzen_logger(capfd):
    """A sampler's own warnings (here CMA-ES on one parameter) reach the "parzen" logger and
    follow set_verbosity, like the study's lines (new-user try-out 21, finding 13)."""
    handler = _Records()
    logger = logging.getLogger("parzen")
    logger.addHandler(handler)
    old = parzen.logging.get_verbosity()
    objective = lambda t: t.suggest_float("x", -1, 1) ** 2  # noqa: E731
    try:
        parzen.logging.set_verbosity(parzen.logging.WARNING)
        study = parzen.create_study(sampler=parzen.samplers.CmaEsSampler(seed=0))
        study.optimize(objective, n_trials=4)
        assert any("CmaEsSampler needs two or more" in m for m in handler.messages), handler.messages
        handler.messages.clear()
        capfd.readouterr()
        parzen.logging.set_verbosity(parzen.logging.ERROR)
        quiet = parzen.create_study(sampler=parzen.samplers.CmaEsSampler(seed=0))
        quiet.optimize(objective, n_trials=4)
        assert not [m for m in handler.messages if "CmaEsSampler" in m], handler.messages
        assert "CmaEsSampler" not in capfd.readouterr().err
    finally:
        parzen.logging.set_verbosity(old)
        logger.removeHandler(handler)


def test_logging_default_handler_toggles():
    parzen.logging.disable_default_handler()
    parzen.logging.enable_default_handler()
    parzen.logging.disable_propagation()
    parzen.logging.enable_propagation()
    parzen.logging.disable_propagation()


def test_help_explains():
    for obj in [parzen.create_study, parzen.load_study, parzen.Study.optimize, parzen.Study.ask,
                parzen.Study.tell, parzen.samplers.TPESampler, parzen.pruners.MedianPruner]:
        assert obj.__doc__ and len(obj.__doc__) > 40, obj


def test_objective_return_conversions():
    np = pytest.importorskip("numpy")
    study = parzen.create_study()
    values = iter([np.float64(1.5), np.float32(2.0), 3, np.int64(4), None, "x", float("nan")])
    study.optimize(lambda t: next(values), n_trials=7)
    states = [t.state for t in study.trials]
    assert states[:4] == [TrialState.COMPLETE] * 4
    assert states[4:] == [TrialState.FAIL] * 3
    assert [t.value for t in study.trials[:4]] == [1.5, 2.0, 3.0, 4.0]
    assert "could not be cast to float" in study.trials[4].fail_reason


def test_copy_study(sqlite_url, tmp_path):
    name = unique_name()
    src = parzen.create_study(storage=sqlite_url, study_name=name, direction="maximize")
    src.set_user_attr("k", "v")
    src.optimize(lambda t: t.suggest_int("n", 0, 9), n_trials=5)
    dst_url = f"sqlite:///{tmp_path / 'copy.db'}"
    parzen.copy_study(from_study_name=name, from_storage=sqlite_url, to_storage=dst_url)
    dst = parzen.load_study(study_name=name, storage=dst_url)
    assert [t.params for t in dst.trials] == [t.params for t in src.trials]
    assert [t.values for t in dst.trials] == [t.values for t in src.trials]
    assert dst.user_attrs == {"k": "v"}
    assert dst.direction == parzen.study.StudyDirection.MAXIMIZE


def test_package_ships_type_stubs():
    import os
    pkg = os.path.dirname(parzen.__file__)
    assert os.path.exists(os.path.join(pkg, "py.typed"))
    assert os.path.exists(os.path.join(pkg, "_core.pyi"))


def test_frozen_trials_compare_and_copy():
    import copy
    study = parzen.create_study()
    study.optimize(quadratic, n_trials=2)
    a, b = study.trials
    assert a == study.trials[0]
    assert a != b
    assert copy.deepcopy(a) == a  # Optuna's FrozenTrial copies and pickles
    assert copy.copy(a) == a
    assert study.get_trials(deepcopy=True) == study.trials


def test_frozen_trial_pickles():
    """multiprocessing returns FrozenTrials from workers: they must pickle (as Optuna's)."""
    import pickle
    study = parzen.create_study()

    def objective(trial):
        trial.set_user_attr("u", [1, "two"])
        trial.report(0.5, 3)
        return trial.suggest_categorical("c", ["a", "b"]) == "a"

    study.optimize(objective, n_trials=1)
    t = study.trials[0]
    u = pickle.loads(pickle.dumps(t))
    assert u == t
    assert (u.number, u.state, u.params, u.values, u.intermediate_values, u.user_attrs,
            u.distributions, u.datetime_start) == (t.number, t.state, t.params, t.values,
                                                   t.intermediate_values, t.user_attrs,
                                                   t.distributions, t.datetime_start)
    d = t.distributions["c"]
    assert pickle.loads(pickle.dumps(d)) == d


def test_study_summaries_fields():
    storage = parzen.storages.InMemoryStorage()
    name = unique_name()
    study = parzen.create_study(storage=storage, study_name=name, direction="maximize")
    study.set_user_attr("a", 1)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    (s,) = [s for s in parzen.get_all_study_summaries(storage) if s.study_name == name]
    assert s.n_trials == 3
    assert s.direction == parzen.study.StudyDirection.MAXIMIZE
    assert s.best_trial.number == study.best_trial.number
    assert s.user_attrs == {"a": 1}
    assert isinstance(s.datetime_start, datetime.datetime)


def test_from_registry_and_parzen_only_classes():
    s = parzen.samplers.from_registry("tpe", seed=3, n_startup_trials=4)
    assert isinstance(s, parzen.samplers.TPESampler)
    assert isinstance(parzen.pruners.from_registry("median"), parzen.pruners.MedianPruner)
    with pytest.raises(ValueError, match="tpee"):
        parzen.samplers.from_registry("tpee")
    with pytest.raises(TypeError, match="bogus"):
        parzen.samplers.from_registry("random", bogus=1)
    # BOHB with its Hyperband pruner; ThresholdPruner
    study = parzen.create_study(
        sampler=parzen.samplers.BohbSampler(seed=0),
        pruner=parzen.pruners.HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3))

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        for step in range(9):
            trial.report(x + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise parzen.TrialPruned()
        return x

    study.optimize(objective, n_trials=30)
    assert len(study.trials) == 30
    study = parzen.create_study(pruner=parzen.pruners.ThresholdPruner(upper=0.5))
    study.optimize(objective, n_trials=10)
    assert all(t.state == TrialState.PRUNED for t in study.trials if t.params["x"] > 0.5)


def test_study_sampler_pruner_properties():
    sampler = parzen.samplers.RandomSampler(seed=1)
    pruner = parzen.pruners.NopPruner()
    study = parzen.create_study(sampler=sampler, pruner=pruner)
    assert isinstance(study.sampler, parzen.samplers.RandomSampler)
    assert isinstance(study.pruner, parzen.pruners.NopPruner)


def test_get_storage():
    storage = parzen.storages.get_storage(None)
    assert isinstance(storage, parzen.storages.BaseStorage)


def test_deprecated_suggest_aliases():
    study = parzen.create_study()

    def objective(trial):
        a = trial.suggest_uniform("a", 0, 1)
        b = trial.suggest_loguniform("b", 1e-3, 1)
        c = trial.suggest_discrete_uniform("c", 0, 1, 0.5)
        assert 0 <= a <= 1 and 1e-3 <= b <= 1 and c in (0.0, 0.5, 1.0)
        return a

    with pytest.warns(FutureWarning, match="suggest_float"):  # as Optuna 3.1
        study.optimize(objective, n_trials=3)
    assert study.trials[0].distributions["c"] == FloatDistribution(0, 1, step=0.5)


def test_numpy_scalars_as_options_choices_and_values():
    np = pytest.importorskip("numpy")
    study = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=np.int64(3)),
                                pruner=parzen.pruners.MedianPruner(n_startup_trials=np.int32(2)))
    seen = set()

    def objective(trial):
        c = trial.suggest_categorical("c", [np.int64(1), np.float64(2.5), np.str_("a"),
                                            np.bool_(True)])
        seen.add(repr(c))
        trial.report(np.float32(0.5), np.int64(0))
        return np.float32(1.0) if c == "a" else np.float64(2.0)

    study.optimize(objective, n_trials=20)
    assert seen == {"1", "2.5", "'a'", "True"}  # Parzen hands back the Python scalars
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    t = study.ask()
    study.tell(t, np.float64(3.0))
    assert study.trials[-1].value == 3.0


def test_nsga3_reference_points_as_optuna_takes_them():
    # Optuna 3.2+'s NSGAIIISampler(reference_points=...): a list of points or a numpy array, one
    # coordinate per objective; None (the default) for the Das-Dennis points.
    import numpy as np

    sig = inspect.signature(parzen.samplers.NSGAIIISampler)
    assert sig.parameters["reference_points"].default is None
    points = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    sampler = parzen.samplers.NSGAIIISampler(population_size=6, seed=2, reference_points=points)

    def objective(t):
        x, y = t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)
        return x, (1 - x) + y

    study = parzen.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(objective, n_trials=18)
    assert {t.system_attrs.get("nsga2:generation") for t in study.trials} == {0, 1, 2}
    # Given as lists, and None as Optuna's default.
    parzen.samplers.NSGAIIISampler(reference_points=[[1, 0], [0, 1]])
    parzen.samplers.NSGAIIISampler(reference_points=None)
    # Points of the wrong shape are refused when the sampler is made, naming the option ...
    with pytest.raises(ValueError, match="reference_points.*point 1 has 3 coordinates"):
        parzen.samplers.NSGAIIISampler(reference_points=[[1, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="reference_points.*must be a list of numbers"):
        parzen.samplers.NSGAIIISampler(reference_points=[[1, "a"]])
    # ... and points for three objectives on a two-objective study by create_study, before the
    # study is stored (Sampler::check_objectives, since try-out 22), saying what to do.
    with pytest.raises(parzen.exceptions.OptionError,
                       match="3 coordinates but the study has 2 objectives") as e:
        parzen.create_study(
            directions=["minimize", "minimize"],
            sampler=parzen.samplers.NSGAIIISampler(population_size=4, seed=0,
                                                   reference_points=[[1, 0, 0], [0, 1, 0]]))
    assert e.value.key == "reference_points"


def test_several_objectives_nsga2_and_the_default_gp():
    def zdt1(t):
        x = [t.suggest_float(f"x{i}", 0, 1) for i in range(3)]
        g = 1 + 9 * sum(x[1:]) / 2
        return x[0], g * (1 - (x[0] / g) ** 0.5)

    study = parzen.create_study(directions=["minimize", "minimize"],
                                sampler=parzen.samplers.NSGAIISampler(population_size=10, seed=1,
                                                                      crossover="sbx"))
    study.optimize(zdt1, n_trials=40)
    gens = {t.system_attrs.get("nsga2:generation") for t in study.trials}
    assert gens == {0, 1, 2, 3}, gens
    assert study.best_trials and all(t.state == parzen.TrialState.COMPLETE
                                      for t in study.best_trials)
    with pytest.raises(TypeError, match="constraints_func"):
        parzen.samplers.NSGAIISampler(constraints_func=lambda t: [0.0])
    # No sampler given: the auto sampler, which picks the GP (log EHVI) once a trial is
    # complete, for a budget of at most 300 trials (Optuna 3.1 would use NSGA-II).
    default = parzen.create_study(directions=["minimize", "maximize"])
    assert isinstance(default.sampler, parzen.samplers.AutoSampler)
    default.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)),
                     n_trials=15)
    assert len(default.best_trials) >= 1
    picked = [t.system_attrs["auto:sampler"] for t in default.trials]
    assert picked == ["random"] + ["gp"] * 14, picked


def test_a_plain_database_path_is_an_sqlite_storage(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    study = parzen.create_study(storage="plain.db", study_name="p")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert (tmp_path / "plain.db").exists()
    again = parzen.load_study(study_name="p", storage=f"sqlite:///{tmp_path / 'plain.db'}")
    assert len(again.trials) == 2
