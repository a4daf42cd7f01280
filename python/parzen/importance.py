"""Hyperparameter importance, named as Optuna names it (``optuna.importance``).

    import parzen

    study = parzen.create_study()
    study.optimize(objective, n_trials=200)
    parzen.importance.get_param_importances(study)            # PED-ANOVA, the default
    parzen.importance.get_param_importances(
        study, evaluator=parzen.importance.FanovaImportanceEvaluator(seed=0))

Both evaluators run in C++ (``parzen/importance.hpp``): PED-ANOVA (Watanabe et al., IJCAI 2023,
Optuna's ``PedAnovaImportanceEvaluator``) and fANOVA over a random forest (Hutter et al., ICML
2014, Optuna's ``FanovaImportanceEvaluator``). The result is a dict ordered from the most to the
least important parameter, its values summing to 1.

Which trials and parameters count (Optuna's rules): complete trials only; ``params=None``
evaluates the parameters every complete trial has with one distribution (conditional parameters
are left out); naming ``params`` evaluates them on the trials that have all of them. A
multi-objective study needs ``target`` (e.g. ``target=lambda t: t.values[1]``); with a target,
lower values count as better (as in Optuna).
"""

import random
from typing import Callable, Dict, List, Optional

from parzen import _core

__all__ = [
    "BaseImportanceEvaluator",
    "FanovaImportanceEvaluator",
    "PedAnovaImportanceEvaluator",
    "get_param_importances",
]


def _direction_names(study) -> List[str]:
    return ["minimize" if int(d) == 1 else "maximize" for d in study.directions]


class BaseImportanceEvaluator:
    """Base class of the importance evaluators (Optuna's ``BaseImportanceEvaluator``)."""

    _name = ""

    def _options(self) -> dict:
        return {}

    def evaluate(self, study, params: Optional[List[str]] = None, *,
                 target: Optional[Callable] = None) -> Dict[str, float]:
        """The importance of each parameter of ``study``: a dict ordered by decreasing
        importance, summing to 1. Raises ValueError for fewer than 2 usable trials, an unknown
        parameter, or a multi-objective study without ``target``."""
        if params is not None:
            if not isinstance(params, (list, tuple)):
                raise TypeError(f"params must be a list of parameter names, got {params!r}")
            if any(not isinstance(p, str) for p in params):
                raise TypeError(f"params must contain only strings, got {params!r}")
            if len(params) == 0:
                raise ValueError("params must contain at least one parameter name")
        directions = _direction_names(study)
        if target is None and len(directions) > 1:
            raise ValueError(
                "If the `study` is being used for multi-objective optimization, please specify "
                "the `target`. For example, use `target=lambda t: t.values[0]` for the first "
                "objective value.")
        trials = study._core.trials(None)
        target_values = None
        if target is not None:
            # Only complete trials are read; the others keep a placeholder the core skips.
            target_values = [float(target(t)) if int(t.state) == 1 else float("nan")
                             for t in trials]
        pairs = _core.param_importances(trials, directions, self._name, list(params or []),
                                        target_values, **self._options())
        return dict(pairs)


class PedAnovaImportanceEvaluator(BaseImportanceEvaluator):
    """PED-ANOVA (Watanabe, Bansal and Hutter, IJCAI 2023): for each parameter, the Pearson
    divergence between a Parzen estimator of the trials in the top ``baseline_quantile`` and one
    of all the trials (``evaluate_on_local=True``) or the uniform distribution over its range
    (``False``). Cheap: linear in the number of trials. Parzen's default evaluator, as in
    Optuna 5."""

    _name = "ped-anova"

    def __init__(self, *, baseline_quantile: float = 0.1, evaluate_on_local: bool = True):
        if not 0.0 <= baseline_quantile <= 1.0:
            raise ValueError(f"baseline_quantile must be in [0, 1], but got {baseline_quantile}.")
        self._baseline_quantile = float(baseline_quantile)
        self._evaluate_on_local = bool(evaluate_on_local)

    def _options(self) -> dict:
        return {"baseline_quantile": self._baseline_quantile,
                "evaluate_on_local": self._evaluate_on_local}


class FanovaImportanceEvaluator(BaseImportanceEvaluator):
    """fANOVA (Hutter, Hoos and Leyton-Brown, ICML 2014): a random forest of ``n_trees``
    regression trees fitted to the objective; a parameter's importance is the variance of the
    prediction marginalised over the other parameters, as a fraction of the total, averaged over
    the trees. ``seed=None`` draws a fresh seed (as Optuna)."""

    _name = "fanova"

    def __init__(self, *, n_trees: int = 64, max_depth: int = 64, seed: Optional[int] = None):
        if n_trees < 1:
            raise ValueError(f"n_trees must be >= 1, but got {n_trees}.")
        if max_depth < 1:
            raise ValueError(f"max_depth must be >= 1, but got {max_depth}.")
        self._n_trees = int(n_trees)
        self._max_depth = int(max_depth)
        self._seed = seed

    def _options(self) -> dict:
        seed = random.getrandbits(63) if self._seed is None else int(self._seed) % (1 << 64)
        return {"n_trees": self._n_trees, "max_depth": self._max_depth, "seed": seed}


def get_param_importances(study, *, evaluator: Optional[BaseImportanceEvaluator] = None,
                          params: Optional[List[str]] = None,
                          target: Optional[Callable] = None) -> Dict[str, float]:
    """The parameters' importances for ``study``, as Optuna's
    ``optuna.importance.get_param_importances``: a dict from parameter name to importance,
    ordered from the most important, summing to 1. ``evaluator`` defaults to
    :class:`PedAnovaImportanceEvaluator`."""
    if evaluator is None:
        evaluator = PedAnovaImportanceEvaluator()
    if not isinstance(evaluator, BaseImportanceEvaluator):
        raise TypeError("evaluator must be a parzen.importance evaluator, e.g. "
                        "parzen.importance.FanovaImportanceEvaluator()")
    return evaluator.evaluate(study, params=params, target=target)
