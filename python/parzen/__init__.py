"""Parzen: hyperparameter optimisation with a C++ core, named as Optuna names it.

    import parzen

    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        return (x - 2) ** 2

    study = parzen.create_study()
    study.optimize(objective, n_trials=100)
    print(study.best_params)

Modules: ``parzen.study`` (Study, create_study, ...), ``parzen.trial`` (Trial, FrozenTrial,
create_trial), ``parzen.samplers``, ``parzen.pruners``, ``parzen.storages``,
``parzen.distributions``, ``parzen.exceptions``, ``parzen.logging``. The C++ extension is
``parzen._core``.
"""

# _core imports parzen.exceptions and parzen._state when it loads: keep them first.
from parzen import exceptions  # noqa: I001
from parzen._state import TrialState
from parzen import _core
from parzen import logging
from parzen import distributions
from parzen import samplers
from parzen import pruners
from parzen import storages
from parzen import trial
from parzen import study
from parzen import importance
from parzen.exceptions import TrialFailed, TrialPruned
from parzen.study import (Study, copy_study, create_study, delete_study, get_all_study_names,
                          get_all_study_summaries, load_study)
from parzen.trial import FrozenTrial, Trial, create_trial


def _version() -> str:
    v = getattr(_core, "__version__", None)
    if v:
        return str(v)
    try:
        from importlib.metadata import version

        return version("parzen")
    except Exception:
        return "0.1.0"  # the project's version (CMakeLists.txt, pyproject.toml)


__version__: str = _version()

__all__ = [
    "__version__", "create_study", "load_study", "delete_study", "copy_study",
    "get_all_study_summaries", "get_all_study_names", "Study", "Trial", "FrozenTrial",
    "TrialState", "TrialPruned", "TrialFailed", "create_trial", "distributions", "samplers",
    "pruners", "exceptions", "storages", "logging", "study", "trial",
]
