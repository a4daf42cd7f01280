"""Pruners (``parzen.pruners``): one class per pruner of Parzen's registry.

Generated from ``parzen._core.registry()`` with the registry's defaults; Optuna's classes keep
Optuna's names, positional order and keywords:

* ``NopPruner()``
* ``MedianPruner(n_startup_trials=5, n_warmup_steps=0, interval_steps=1, *, n_min_trials=1)``
* ``PercentilePruner(percentile, n_startup_trials=5, n_warmup_steps=0, interval_steps=1, *,
  n_min_trials=1)``
* ``ThresholdPruner(lower=None, upper=None, n_warmup_steps=0, interval_steps=1)``
* ``PatientPruner(wrapped_pruner, patience, min_delta=0.0)`` — ``wrapped_pruner`` is another
  pruner object or None (registry option ``wrapped``).
* ``SuccessiveHalvingPruner(min_resource="auto", reduction_factor=4, min_early_stopping_rate=0,
  bootstrap_count=0)``
* ``HyperbandPruner(min_resource=1, max_resource="auto", reduction_factor=3, bootstrap_count=0)``

Unknown keywords raise ``TypeError`` (with a did-you-mean); bad values raise ``ValueError``
(``parzen.exceptions.OptionError``). ``repr()`` shows every option.
"""

from typing import Any, List

from parzen._registry import BasePruner, build_classes, from_name

__all__: List[str] = ["BasePruner", "from_registry"]
__all__ += build_classes("pruner", BasePruner, globals())


def from_registry(name: str, **options: Any) -> BasePruner:
    """The pruner of a registry name (``"median"``, ``"hyperband"``...) with options given by
    their registry names. Raises ValueError for an unknown name, TypeError for an unknown
    option."""
    return from_name("pruner", globals(), name, options)
