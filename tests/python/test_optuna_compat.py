"""API compatibility: Optuna-tutorial objectives run unchanged against `optuna` (3.1) and
`parzen`; both finish with sensible bests. `lib` is the module under test: the tutorial code
only names `lib.create_study`, `lib.TrialPruned`, `lib.samplers`, `lib.pruners`,
`lib.trial.TrialState`."""
import pytest

import parzen

optuna = pytest.importorskip("optuna")
optuna.logging.set_verbosity(optuna.logging.WARNING)

LIBS = pytest.mark.parametrize("lib", [optuna, parzen], ids=["optuna", "parzen"])


@LIBS
def test_quadratic(lib):
    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        return (x - 2) ** 2

    study = lib.create_study(sampler=lib.samplers.TPESampler(seed=10))
    study.optimize(objective, n_trials=60)
    assert study.best_value < 0.5
    assert abs(study.best_params["x"] - 2) < 0.8
    assert len(study.trials) == 60


@LIBS
def test_svm_on_iris(lib):
    sklearn = pytest.importorskip("sklearn")  # noqa: F841
    from sklearn import datasets, svm
    from sklearn.model_selection import cross_val_score

    X, y = datasets.load_iris(return_X_y=True)

    def objective(trial):
        kernel = trial.suggest_categorical("kernel", ["linear", "rbf"])
        c = trial.suggest_float("C", 1e-2, 1e2, log=True)
        clf = svm.SVC(kernel=kernel, C=c, gamma="scale")
        return cross_val_score(clf, X, y, cv=3).mean()

    study = lib.create_study(direction="maximize", sampler=lib.samplers.TPESampler(seed=42))
    study.optimize(objective, n_trials=20)
    assert study.best_value >= 0.96
    assert study.best_params["kernel"] in ("linear", "rbf")


@LIBS
def test_conditional_space(lib):
    def objective(trial):
        classifier = trial.suggest_categorical("classifier", ["SVC", "RandomForest"])
        if classifier == "SVC":
            c = trial.suggest_float("svc_c", 1e-3, 1e3, log=True)
            return abs(c - 1.0) / 10
        depth = trial.suggest_int("rf_max_depth", 2, 32, log=True)
        return abs(depth - 8) / 8 + 0.05

    study = lib.create_study(sampler=lib.samplers.TPESampler(seed=3))
    study.optimize(objective, n_trials=50)
    assert study.best_value < 0.1
    keys = {frozenset(t.params) for t in study.trials}
    assert keys <= {frozenset({"classifier", "svc_c"}), frozenset({"classifier", "rf_max_depth"})}


@LIBS
def test_multi_objective(lib):
    def objective(trial):
        x = trial.suggest_float("x", 0, 5)
        y = trial.suggest_float("y", 0, 3)
        v0 = 4 * x ** 2 + 4 * y ** 2
        v1 = (x - 5) ** 2 + (y - 5) ** 2
        return v0, v1

    study = lib.create_study(directions=["minimize", "minimize"],
                             sampler=lib.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=60)
    front = study.best_trials
    assert 3 <= len(front) <= 60
    for t in front:  # nobody dominates a front member
        assert not any(o.values[0] <= t.values[0] and o.values[1] <= t.values[1]
                       and o.values != t.values for o in study.trials)


@LIBS
def test_pruning_report_should_prune(lib):
    def objective(trial):
        lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
        loss = 1.0
        for step in range(30):
            loss *= 1 - min(lr, 0.3)
            trial.report(loss, step)
            if trial.should_prune():
                raise lib.TrialPruned()
        return loss

    study = lib.create_study(sampler=lib.samplers.RandomSampler(seed=1),
                             pruner=lib.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5))
    study.optimize(objective, n_trials=40)
    states = [t.state for t in study.trials]
    TrialState = lib.trial.TrialState
    assert states.count(TrialState.PRUNED) >= 5
    assert study.best_value < 0.01
    pruned = [t for t in study.trials if t.state == TrialState.PRUNED]
    assert all(max(t.intermediate_values) >= 5 for t in pruned)  # warm-up


@LIBS
def test_user_attrs(lib):
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.set_user_attr("double", 2 * x)
        return x

    study = lib.create_study()
    study.set_user_attr("contributors", ["alice", "bob"])
    study.optimize(objective, n_trials=5)
    assert study.user_attrs == {"contributors": ["alice", "bob"]}
    for t in study.trials:
        assert t.user_attrs["double"] == pytest.approx(2 * t.params["x"])


@LIBS
def test_enqueue_trial(lib):
    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        y = trial.suggest_int("y", -5, 5)
        return x ** 2 + y ** 2

    study = lib.create_study()
    study.enqueue_trial({"x": 0.0, "y": 0})
    study.enqueue_trial({"x": 1.0})
    study.optimize(objective, n_trials=5)
    assert study.trials[0].params == {"x": 0.0, "y": 0}
    assert study.trials[1].params["x"] == 1.0
    assert study.best_value == 0.0


@LIBS
def test_ask_tell(lib):
    study = lib.create_study(direction="maximize", sampler=lib.samplers.TPESampler(seed=0))
    for _ in range(30):
        trial = study.ask()
        x = trial.suggest_float("x", -1, 1)
        n = trial.suggest_int("n", 1, 4)
        study.tell(trial, -(x ** 2) - n)
    assert study.best_value > -1.2
    assert study.best_params["n"] == 1
    # define-and-run: ask with fixed distributions
    dist = {"x": lib.distributions.FloatDistribution(-1, 1)}
    trial = study.ask(dist)
    study.tell(trial, -trial.params["x"] ** 2)
    assert len(study.trials) == 31


@LIBS
def test_grid_search(lib):
    search_space = {"x": [-50, 0, 50], "y": [-99, 0, 99]}
    study = lib.create_study(sampler=lib.samplers.GridSampler(search_space))
    study.optimize(lambda t: t.suggest_float("x", -100, 100) ** 2 + t.suggest_int("y", -100, 100) ** 2,
                   n_trials=20)
    assert len(study.trials) == 9
    assert study.best_value == 0


@LIBS
def test_trials_dataframe_same_columns(lib):
    pytest.importorskip("pandas")

    def objective(trial):
        trial.set_user_attr("a", 1)
        return trial.suggest_float("x", 0, 1)

    study = lib.create_study()
    study.optimize(objective, n_trials=3)
    cols = set(study.trials_dataframe().columns)
    assert {"number", "value", "datetime_start", "datetime_complete", "duration", "params_x",
            "user_attrs_a", "state"} <= cols


def test_parzen_matches_optuna_columns():
    pytest.importorskip("pandas")

    def objective(trial):
        trial.set_user_attr("a", 1)
        return trial.suggest_float("x", 0, 1)

    cols = {}
    for lib in (optuna, parzen):
        # Optuna's TPE and Parzen's write no system attributes (Parzen's default, auto, stores
        # its choice as one: a system_attrs_auto:sampler column, as Optuna's NSGA-II adds its own).
        study = lib.create_study(sampler=lib.samplers.TPESampler())
        study.optimize(objective, n_trials=2)
        cols[lib.__name__] = list(study.trials_dataframe().columns)
    assert cols["parzen"] == cols["optuna"]
