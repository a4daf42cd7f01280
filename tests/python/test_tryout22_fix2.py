"""Try-out 22 findings fixed by engineer "fix2" (session 22), from Python.

B1: ``study.best_trial`` when every complete trial is infeasible raised Optuna's "No trials are
completed yet." although trials were complete; it now keeps the core's message. (Found on the
way: ``optimize`` with INFO logging raised TypeError after such a trial, naming no best.)
B2: ``TPESampler(constraints_method=None)`` was accepted and shown as None; Parzen's own choice
options now refuse None naming it, while Optuna's None defaults stay accepted
(``NSGAIISampler(crossover=None)``, ``CmaEsSampler(restart_strategy=None)``: "never").
B3: ``constraints_method="ctpe"`` with several directions is refused by ``create_study`` before
the study is stored (it once failed every trial).
"""
import logging

import pytest

import parzen
from parzen.exceptions import NotFoundError, OptionError

from test_api import _Records


def test_best_trial_says_every_complete_trial_is_infeasible():
    level = parzen.logging.get_verbosity()
    parzen.logging.set_verbosity(parzen.logging.INFO)
    try:
        _all_infeasible()
    finally:
        parzen.logging.set_verbosity(level)


def _all_infeasible():
    study = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=1))

    def objective(trial):
        trial.set_constraints([1.0])
        return trial.suggest_float("x", 0, 1)

    records = _Records()
    logging.getLogger("parzen").addHandler(records)
    try:
        study.optimize(objective, n_trials=3)
    finally:
        logging.getLogger("parzen").removeHandler(records)
    lines = [m for m in records.messages if m.startswith("Trial 2 finished with value")]
    assert len(lines) == 1 and lines[0].endswith("No feasible trial yet."), records.messages
    with pytest.raises(ValueError, match="no feasible trial: all 3 complete trials violate") as e:
        study.best_trial
    assert isinstance(e.value, NotFoundError)
    assert study.best_trials == []
    # Without a complete trial: Optuna's message, as before.
    empty = parzen.create_study()
    with pytest.raises(ValueError, match="No trials are completed yet."):
        empty.best_trial


def test_constraints_method_none_is_refused_naming_it():
    with pytest.raises(OptionError, match="constraints_method=None is not one of its choices: "
                                          "auto, optuna, ctpe") as e:
        parzen.samplers.TPESampler(constraints_method=None)
    assert e.value.key == "constraints_method"
    # Optuna's None for an option whose default is unset, or for the "" choice, still works.
    parzen.samplers.TPESampler(seed=None)
    parzen.samplers.NSGAIISampler(crossover=None)
    parzen.samplers.NSGAIIISampler(crossover=None)
    with pytest.raises(OptionError, match="acquisition=None"):
        parzen.samplers.GPSampler(acquisition=None)
    cma = parzen.samplers.CmaEsSampler(restart_strategy=None, sigma0=None)
    assert cma._core_options().get("restart_strategy", "") == ""


def test_ctpe_with_several_objectives_is_refused_before_the_study_is_stored(tmp_path):
    url = f"sqlite:///{tmp_path / 'mo.db'}"
    sampler = parzen.samplers.TPESampler(constraints_method="ctpe")
    with pytest.raises(OptionError, match='constraints_method = "ctpe" models one objective') as e:
        parzen.create_study(storage=url, study_name="mo", sampler=sampler,
                            directions=["minimize", "minimize"])
    assert e.value.key == "constraints_method"
    assert parzen.get_all_study_names(url) == []
    # One objective: accepted, and the same sampler object can serve it.
    parzen.create_study(storage=url, study_name="one", sampler=sampler)
