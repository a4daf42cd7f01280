"""The ``algo=`` values of ``fmin``: ``tpe.suggest``, ``rand.suggest``, ``anneal.suggest`` (and
``functools.partial`` of them), each mapped to a Parzen sampler."""

import functools
from typing import Any, Callable, Dict, Optional, Tuple

from parzen import samplers


class Suggest:
    """A Hyperopt ``suggest`` function as fmin's ``algo``: names the Parzen sampler fmin uses.
    Calling it directly (Hyperopt's ``suggest(new_ids, domain, trials, seed)`` protocol) is not
    supported."""

    def __init__(self, module: str, build: Callable[..., Any], accepted: Dict[str, Any],
                 doc: str) -> None:
        self._module = module
        self._build = build
        self._accepted = accepted  # Hyperopt keyword -> its default
        self.__doc__ = doc
        self.__name__ = "suggest"
        self.__qualname__ = "suggest"
        self.__module__ = f"parzen.hyperopt.{module}"

    def __repr__(self) -> str:
        return f"<parzen.hyperopt.{self._module}.suggest>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"parzen.hyperopt.{self._module}.suggest is not callable directly (Hyperopt's "
            "suggest(new_ids, domain, trials, seed) protocol is not supported): pass it as "
            "fmin(..., algo=" + self._module + ".suggest)")

    def sampler(self, seed: Optional[int], kwargs: Dict[str, Any]) -> Any:
        for key in kwargs:
            if key not in self._accepted:
                raise TypeError(f"parzen.hyperopt: {self._module}.suggest option {key!r} is not "
                                f"supported by Parzen (accepted: {sorted(self._accepted)})")
        return self._build(seed, **kwargs)


def resolve(algo: Any) -> Tuple[Suggest, Dict[str, Any]]:
    """(the Suggest, its keyword options) of fmin's ``algo``; TypeError for anything else."""
    kwargs: Dict[str, Any] = {}
    while isinstance(algo, functools.partial):
        if algo.args:
            raise TypeError("parzen.hyperopt: functools.partial(suggest, ...) with positional "
                            "arguments is not supported; give options by keyword")
        kwargs = {**(algo.keywords or {}), **kwargs}
        algo = algo.func
    if not isinstance(algo, Suggest):
        name = getattr(algo, "__module__", "?") + "." + getattr(algo, "__qualname__", repr(algo))
        raise TypeError(f"parzen.hyperopt: algo={name} is not supported: custom suggest "
                        "functions (and Hyperopt's atpe, mix) cannot drive Parzen; use "
                        "tpe.suggest, rand.suggest or anneal.suggest, or a Parzen sampler "
                        "through parzen.create_study")
    return algo, kwargs


# --- tpe ------------------------------------------------------------------------------------
def _tpe(seed: Optional[int], n_startup_jobs: int = 20, n_EI_candidates: int = 24,
         prior_weight: float = 1.0, gamma: float = 0.25, linear_forgetting: int = 25,
         verbose: bool = True) -> Any:
    if gamma != 0.25:
        raise TypeError("parzen.hyperopt: tpe.suggest option 'gamma' is not supported: Parzen's "
                        "TPE splits good/bad trials with Optuna's gamma(n) = min(ceil(0.1 n), 25)")
    if linear_forgetting != 25:
        raise TypeError("parzen.hyperopt: tpe.suggest option 'linear_forgetting' is not "
                        "supported: Parzen's TPE weights old trials as Optuna's (25 recent)")
    return samplers.TPESampler(seed=seed, n_startup_trials=int(n_startup_jobs),
                               n_ei_candidates=int(n_EI_candidates),
                               prior_weight=float(prior_weight))


TPE_DOC = """Hyperopt's TPE → Parzen's ``TPESampler(n_startup_trials=20, n_ei_candidates=24,
prior_weight=1.0)`` (Hyperopt's defaults n_startup_jobs=20, n_EI_candidates=24, prior_weight=1).
``functools.partial(tpe.suggest, n_startup_jobs=.., n_EI_candidates=.., prior_weight=..)`` maps
to those options; gamma and linear_forgetting other than Hyperopt's defaults raise TypeError
(Parzen uses Optuna's gamma and weights)."""
tpe_suggest = Suggest("tpe", _tpe, {"n_startup_jobs": 20, "n_EI_candidates": 24,
                                    "prior_weight": 1.0, "gamma": 0.25,
                                    "linear_forgetting": 25, "verbose": True}, TPE_DOC)


# --- rand -----------------------------------------------------------------------------------
def _rand(seed: Optional[int]) -> Any:
    return samplers.RandomSampler(seed=seed)


rand_suggest = Suggest("rand", _rand, {}, """Hyperopt's random search → Parzen's
``RandomSampler``: every hp distribution is drawn as Hyperopt draws it.""")


# --- anneal ---------------------------------------------------------------------------------
def _anneal(seed: Optional[int], avg_best_idx: float = 2.0, shrink_coef: float = 0.1) -> Any:
    if avg_best_idx != 2.0 or shrink_coef != 0.1:
        raise TypeError("parzen.hyperopt: anneal.suggest options 'avg_best_idx' and "
                        "'shrink_coef' are not supported (Parzen has no annealing sampler; "
                        "anneal.suggest runs Parzen's TPE)")
    return samplers.TPESampler(seed=seed, n_startup_trials=10)


anneal_suggest = Suggest("anneal", _anneal, {"avg_best_idx": 2.0, "shrink_coef": 0.1},
                         """Hyperopt's annealing → Parzen's ``TPESampler(n_startup_trials=10)``:
Parzen has no annealing sampler; TPE is the adaptive sampler that, like annealing, concentrates
its samples near the best trials after a few random ones. Options other than the defaults raise
TypeError.""")
