"""parzen.importance: Optuna's API names, the references of issue 20, and fANOVA values within
0.05 of Optuna 3.1's FanovaImportanceEvaluator on the same trials."""
import math
import random

import pytest

import parzen
from parzen.importance import (FanovaImportanceEvaluator, PedAnovaImportanceEvaluator,
                               get_param_importances)


def _study(n, objective, directions=None, seed=0):
    study = parzen.create_study(directions=directions or ["minimize"],
                                sampler=parzen.samplers.RandomSampler(seed=seed))
    study.optimize(objective, n_trials=n)
    return study


def _linear(trial):
    x1 = trial.suggest_float("x1", -10, 10)
    x2 = trial.suggest_float("x2", -10, 10)
    for i in range(4):
        trial.suggest_float(f"n{i}", -10, 10)
    return x1 + x2 / 1000


@pytest.mark.parametrize("evaluator", [None, PedAnovaImportanceEvaluator(),
                                       FanovaImportanceEvaluator(seed=0)])
def test_linear_function_puts_x1_first(evaluator):
    study = _study(300, _linear)
    result = get_param_importances(study, evaluator=evaluator)
    assert list(result)[0] == "x1"
    assert result["x1"] > 0.95
    assert sum(result.values()) == pytest.approx(1.0)
    assert list(result.values()) == sorted(result.values(), reverse=True)
    assert set(result) == {"x1", "x2", "n0", "n1", "n2", "n3"}


def test_fanova_matches_optuna_on_the_same_trials():
    optuna = pytest.importorskip("optuna")
    pytest.importorskip("sklearn")
    optuna.logging.set_verbosity(optuna.logging.ERROR)

    def objective(trial):
        x = trial.suggest_float("x", -3, 3)
        lr = trial.suggest_float("lr", 1e-4, 1, log=True)
        k = trial.suggest_int("k", 1, 6)
        c = trial.suggest_categorical("c", ["a", "b", "c"])
        return x * x + 0.5 * (math.log10(lr) + 2) ** 2 + 0.2 * k + {"a": 0, "b": 1, "c": 0.3}[c]

    study = _study(120, objective, seed=3)
    reference = optuna.create_study()
    reference.add_trials([
        optuna.trial.create_trial(
            params=t.params, value=t.value,
            distributions={
                "x": optuna.distributions.FloatDistribution(-3, 3),
                "lr": optuna.distributions.FloatDistribution(1e-4, 1, log=True),
                "k": optuna.distributions.IntDistribution(1, 6),
                "c": optuna.distributions.CategoricalDistribution(["a", "b", "c"]),
            }) for t in study.trials])
    expected = optuna.importance.get_param_importances(
        reference, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
    got = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0))
    assert set(got) == set(expected)
    for name in expected:
        assert got[name] == pytest.approx(expected[name], abs=0.05), (got, expected)
    assert list(got)[0] == list(expected)[0]


def test_multi_objective_needs_a_target_and_lower_target_is_better():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1)
        return x, y

    study = _study(200, objective, directions=["minimize", "maximize"])
    with pytest.raises(ValueError, match="specify the `target`"):
        get_param_importances(study)
    by_y = get_param_importances(study, target=lambda t: t.values[1])
    assert list(by_y)[0] == "y"
    assert by_y["y"] > 0.8
    by_x = get_param_importances(study, target=lambda t: t.values[0],
                                 evaluator=FanovaImportanceEvaluator(seed=1))
    assert list(by_x)[0] == "x"


def test_conditional_parameters_are_left_out_unless_named():
    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        if trial.suggest_categorical("use_z", [True, False]):
            z = trial.suggest_float("z", -1, 1)
            return x * x + 0.1 * z
        return x * x

    study = _study(200, objective)
    assert set(get_param_importances(study)) == {"x", "use_z"}
    named = get_param_importances(study, params=["x", "z"])
    assert set(named) == {"x", "z"}
    assert list(named)[0] == "x"


def test_errors_name_the_problem():
    study = _study(1, _linear)
    with pytest.raises(ValueError, match="at least 2 complete trials"):
        get_param_importances(study)
    study = _study(20, _linear)
    with pytest.raises(ValueError, match="no complete trial has the parameter 'w'"):
        get_param_importances(study, params=["w"])
    with pytest.raises(TypeError):
        get_param_importances(study, params="x1")
    with pytest.raises(ValueError):
        PedAnovaImportanceEvaluator(baseline_quantile=2)
    with pytest.raises(TypeError):
        get_param_importances(study, evaluator=object())


def test_fanova_seed_makes_it_deterministic():
    study = _study(100, _linear)
    a = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=5))
    b = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=5))
    assert a == b


def test_ped_anova_matches_a_port_of_optunas_on_the_same_trials():
    # bench/optuna_importance.py ports Optuna 4's PedAnovaImportanceEvaluator to NumPy (Optuna
    # 3.1, the one installed, has no PED-ANOVA): grids, Scott bandwidths, prior and quantile as
    # Optuna's code has them.
    pytest.importorskip("scipy")
    optuna_distributions = pytest.importorskip("optuna.distributions")
    import importlib.util
    import os

    from conftest import SOURCE_DIR
    spec = importlib.util.spec_from_file_location(
        "optuna_importance", os.path.join(SOURCE_DIR, "bench", "optuna_importance.py"))
    port = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(port)

    def objective(trial):
        x = trial.suggest_float("x", -3, 3)
        lr = trial.suggest_float("lr", 1e-4, 1, log=True)
        k = trial.suggest_int("k", 1, 200, log=True)
        s = trial.suggest_float("s", 0, 1, step=0.1)
        c = trial.suggest_categorical("c", ["a", "b", "c"])
        return (x * x + 0.5 * (math.log10(lr) + 2) ** 2 + 0.01 * k + s
                + {"a": 0, "b": 1, "c": 0.3}[c])

    study = _study(500, objective, seed=11)
    for direction in ("minimize", "maximize"):
        case = {"direction": direction, "values": [], "params": {}}
        trials = study.trials
        case["values"] = [t.value if direction == "minimize" else -t.value for t in trials]
        case["direction"] = "minimize"
        dists = {}
        for name, dist in trials[0].distributions.items():
            dists[name] = optuna_distributions.json_to_distribution(
                parzen.distributions.distribution_to_json(dist))
            case["params"][name] = [dist.to_internal_repr(t.params[name]) for t in trials]
        expected = port.ped_anova(case, dists)
        if direction == "minimize":
            got = get_param_importances(study)
        else:
            got = get_param_importances(study, target=lambda t: -t.value)
        for name in expected:
            assert got[name] == pytest.approx(expected[name], abs=1e-9), (name, got, expected)
