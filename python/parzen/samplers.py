"""Samplers (``parzen.samplers``): one class per sampler of Parzen's registry.

Generated from ``parzen._core.registry()`` (the C++ registry, the same table as ``parzen info``),
so every sampler and every option is here, with the registry's defaults, as keyword arguments.
Optuna's classes keep Optuna's names, positional order and keywords:

* ``RandomSampler(seed=None)``
* ``TPESampler(consider_prior=True, prior_weight=1.0, consider_magic_clip=True,
  consider_endpoints=False, n_startup_trials=10, n_ei_candidates=24, gamma=None, weights=None,
  seed=None, *, multivariate=False, group=False, constant_liar=False, weight_by_bandwidth=True,
  per_bracket=False, warn_independent_sampling=True, constraints_func=None)`` — ``gamma``,
  ``weights`` and ``constraints_func`` other than None raise TypeError (Parzen has no such option;
  constraints come from ``trial.set_constraints``).
* ``GridSampler(search_space, seed=None, *, shuffle=False)`` — Parzen's default visits the grid
  in order (Optuna 3.1 shuffles): pass ``shuffle=True`` for Optuna's behaviour.
* ``QMCSampler(*, seed=None, scramble=True, qmc_type="sobol")`` — Parzen's default scrambles
  (Optuna's does not); only ``qmc_type="sobol"`` exists.
* ``GPSampler(*, seed=None, n_startup_trials=20, acquisition="logei", ...)`` (Optuna 3.1 has no
  GPSampler; the name is Optuna's later one).
* Parzen's others under their registry names, e.g. ``BohbSampler`` (``"bohb"``; needs a
  ``HyperbandPruner`` in the study).

Unknown keywords raise ``TypeError`` naming the keyword and the accepted ones (with a
did-you-mean); values of the wrong type or out of range raise ``ValueError``
(``parzen.exceptions.OptionError``). ``repr()`` shows every option.
"""

from typing import Any, List

from parzen._registry import BaseSampler, build_classes, from_name

__all__: List[str] = ["BaseSampler", "from_registry"]
__all__ += build_classes("sampler", BaseSampler, globals())


def from_registry(name: str, **options: Any) -> BaseSampler:
    """The sampler of a registry name (``"tpe"``, ``"gp"``...) with options given by their
    registry names, as in an experiment file. Raises ValueError for an unknown name, TypeError
    for an unknown option."""
    return from_name("sampler", globals(), name, options)
