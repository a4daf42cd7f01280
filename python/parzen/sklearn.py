"""scikit-learn drop-ins (``parzen.sklearn``): hyperparameter search driven by a Parzen study.

    from parzen.sklearn import ParzenSearchCV, ParzenGridSearchCV, ParzenRandomizedSearchCV

All three are built on scikit-learn's own ``BaseSearchCV`` (they implement
``_run_search(evaluate_candidates)``), so ``cv_results_``, ``best_estimator_``, ``best_score_``,
``best_params_``, ``best_index_``, ``refit``, multimetric ``scoring``, ``return_train_score``,
``error_score``, ``n_jobs`` and ``pre_dispatch`` are scikit-learn's code, unchanged. Parzen only
chooses the candidates: each candidate is a trial of a Parzen study (``study_`` after fit) whose
value is the candidate's mean cross-validated score (the refit metric), maximised.

* ``ParzenSearchCV(estimator, param_distributions, *, sampler=None, n_trials=10, timeout=None,
  storage=None, study=None, study_name=None, random_state=None, enable_pruning=False,
  max_iter=1000, scoring=None, n_jobs=None, refit=True, cv=None, verbose=0,
  pre_dispatch="2*n_jobs", error_score=nan, return_train_score=False)`` — names as Optuna's
  ``OptunaSearchCV`` where it has them.
* ``ParzenGridSearchCV(estimator, param_grid, ...)`` — ``GridSearchCV``'s signature; Parzen's
  grid sampler visits every candidate in ``ParameterGrid``'s order (same ``cv_results_``).
* ``ParzenRandomizedSearchCV(estimator, param_distributions, *, n_iter=10, ...)`` —
  ``RandomizedSearchCV``'s signature; ``n_iter`` trials of ``sampler`` (default: Parzen's default
  sampler, ``AutoSampler``, seeded with ``random_state``).

``param_distributions``: a dict, or a list of dicts (each trial chooses one, uniformly — the
study parameter ``param_distributions_index`` — then samples its parameters). Values: a Parzen
distribution (``parzen.distributions.*``), a list or tuple (categorical; any objects — non-scalar
choices, and all the choices of a list with repeated values, are stored in the study by index),
or a frozen ``scipy.stats`` distribution that maps exactly: ``uniform(loc, scale)`` → float in
``[loc, loc + scale]``; ``loguniform(a, b)``/``reciprocal(a, b)`` (``scale`` s) → log float in
``[a·s, b·s]``; ``randint(low, high)`` (``loc`` l) → int in ``[low + l, high + l − 1]``. Any other
scipy distribution, a non-zero ``loc`` on a log-uniform, or any other object raises ValueError
naming the parameter.
"""

import math
import numbers
import pickle
import re
import sys
import threading
import time
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import ParameterGrid
from sklearn.model_selection import _search as _sk_search
from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._split import check_cv
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import indexable

from parzen import _core
from parzen import distributions as _dists
from parzen import pruners as _pruners
from parzen import samplers as _samplers
from parzen import study as _study
from parzen._state import TrialState
from parzen.exceptions import StudyExhaustedError

__all__ = ["ParzenSearchCV", "ParzenGridSearchCV", "ParzenRandomizedSearchCV"]

_SCALAR = (str, bool, int, float, type(None))
# The classes of _dists.BaseDistribution (a typing.Union, whose isinstance check is slower).
_DIST_TYPES = (_dists.FloatDistribution, _dists.IntDistribution, _dists.CategoricalDistribution)


def _identity(x: Any) -> Any:
    """The decode of a parameter stored as itself."""
    return x


def _plain(v: Any) -> Any:
    """A numpy scalar as the Python scalar (choices are stored as JSON)."""
    if isinstance(v, np.generic):
        return v.item()
    return v


# Distributions made for param_distributions entries, by what determines them (the entry's
# scipy name and arguments, or its choices' types and values): a search fitted again, or
# another search of the same space, reuses them (the distribution classes are immutable; a
# new one costs tens of microseconds once the fits have left the caches cold). Bounded:
# cleared when full.
_dist_cache: Dict[Any, Any] = {}
_DIST_CACHE_SIZE = 512


def _cached_dist(key: Any, make: Callable[[], Any]) -> Any:
    """make(), kept under key (made anew, not kept, when key is not hashable)."""
    try:
        dist = _dist_cache.get(key)
    except TypeError:  # an unhashable argument (an array)
        return make()
    if dist is None:
        dist = make()
        if len(_dist_cache) >= _DIST_CACHE_SIZE:
            _dist_cache.clear()
        _dist_cache[key] = dist
    return dist


def _categorical(values: Sequence[Any]) -> Tuple[Any, Callable[[Any], Any]]:
    """(distribution, decode): scalar choices are stored as themselves, other objects — and every
    choice of a list with repeated values (``[1, 1, 2]``, ``[1, 1.0, True]``: scikit-learn
    evaluates each entry) — by index; decode turns the suggested value back into the original
    object."""
    values = list(values)
    if not values:
        raise ValueError("empty list of choices")
    plain = [_plain(v) for v in values]
    if all(isinstance(v, _SCALAR) for v in plain) and not any(
            isinstance(v, float) and math.isnan(v) for v in plain) and len(set(plain)) == len(
                plain):
        # the key tells 1, 1.0 and True apart, and 0.0 from -0.0
        key = ("choices",) + tuple((type(p), repr(p) if type(p) is float else p) for p in plain)
        try:
            dist = _cached_dist(key, lambda: _dists.CategoricalDistribution(plain))
        except TypeError:  # a choice the build cannot store (None without null support)
            pass
        else:
            # The choices are distinct scalars (no two equal, no NaN): a dict finds the index.
            index = {v: i for i, v in enumerate(plain)}
            return dist, lambda x: values[index[x]]
    dist = _cached_dist(("indices", len(values)),
                        lambda: _dists.CategoricalDistribution(list(range(len(values)))))
    return dist, lambda x: values[int(x)]


def _from_scipy(name: str, frozen: Any) -> Any:
    """The Parzen distribution of a scipy.stats frozen distribution (ValueError naming the
    parameter when none maps exactly); kept for the same scipy name and arguments."""
    dist_name = frozen.dist.name
    key = ("scipy", dist_name, frozen.args, tuple(sorted(frozen.kwds.items())))
    return _cached_dist(key, lambda: _scipy_to_parzen(name, frozen, dist_name))


def _scipy_to_parzen(name: str, frozen: Any, dist_name: str) -> Any:
    shapes, loc, scale = frozen.dist._parse_args(*frozen.args, **frozen.kwds)
    if dist_name == "uniform":
        if not scale > 0:  # scipy's own rvs refuses it ("Domain error in arguments")
            raise ValueError(f"parameter {name!r}: scipy.stats.uniform{frozen.args}: scale must "
                             f"be > 0 (an empty support), got {scale}")
        return _dists.FloatDistribution(float(loc), float(loc + scale))
    if dist_name in ("loguniform", "reciprocal"):
        if loc != 0:
            raise ValueError(f"parameter {name!r}: scipy.stats.{dist_name} with loc={loc} is not "
                             "log-uniform (only scale may be set)")
        a, b = shapes
        return _dists.FloatDistribution(float(a * scale), float(b * scale), log=True)
    if dist_name == "randint":
        low, high = shapes
        low, high = int(low + loc), int(high + loc) - 1
        return _dists.IntDistribution(low, high)
    raise ValueError(f"parameter {name!r}: scipy.stats.{dist_name} has no Parzen distribution "
                     "(supported: uniform, loguniform, reciprocal, randint, lists, and "
                     "parzen.distributions)")


def _dict_space(
        param_distributions: Dict[str, Any]) -> Dict[str, Tuple[Any, Callable[[Any], Any], bool]]:
    """name -> (distribution, decode, is_list) for one dict of ``param_distributions``."""
    out: Dict[str, Tuple[Any, Callable[[Any], Any], bool]] = {}
    for name, d in param_distributions.items():
        if not isinstance(name, str):
            raise TypeError(f"parameter names must be str, got {name!r}")
        if isinstance(d, _DIST_TYPES):
            out[name] = (d, _identity, False)
        elif isinstance(d, (list, tuple, np.ndarray)):
            try:
                dist, decode = _categorical(d)
            except (ValueError, TypeError) as e:
                raise ValueError(f"parameter {name!r}: {e}") from None
            out[name] = (dist, decode, True)
        elif hasattr(d, "dist") and hasattr(d, "rvs") and hasattr(d.dist, "name"):
            try:
                dist = _from_scipy(name, d)
            except ValueError as e:
                msg = str(e)
                if not msg.startswith(f"parameter {name!r}"):
                    # a support the distribution refuses (randint(2, 2), uniform(1, -1))
                    msg = re.sub(r"^parameter '\w*Distribution': ", "", msg)
                    msg = f"parameter {name!r}: scipy.stats.{d.dist.name}{d.args}: {msg}"
                raise ValueError(msg) from None
            out[name] = (dist, _identity, False)
        else:
            raise ValueError(f"parameter {name!r}: {d!r} is not a Parzen distribution, a list of "
                             "choices or a supported scipy.stats frozen distribution")
    return out


def _space_snapshot(pd: Any) -> Optional[Tuple[Any, ...]]:
    """What ``_Space(pd)`` is made of, for a dict: each entry's name and object, and for a list
    or tuple the identities of its choices, for a scipy frozen distribution its arguments (None
    when it cannot be told: another container, arguments that cannot be compared)."""
    if type(pd) is not dict:
        return None
    out: List[Any] = []
    for name, d in pd.items():
        t = type(d)
        if t is list or t is tuple:
            out.append((name, d, t, tuple(map(id, d))))
        elif hasattr(d, "dist") and hasattr(d, "args") and hasattr(d, "kwds"):
            out.append((name, d, d.args, tuple(d.kwds.items())))
        else:
            out.append((name, d))
    return tuple(out)


# _Space objects by the param_distributions dict they were made from, with its snapshot: a
# search fitted again on the same dict (the bench, nested CV, refits) reuses the space while
# the dict and its entries are the same objects (choices by identity, so 1, 1.0 and True or
# 0.0 and -0.0 never share one). They hold the dict and its objects (so no id is reused while
# kept); cleared when full.
_space_cache: Dict[int, Tuple[Any, Tuple[Any, ...], "_Space"]] = {}
_SPACE_CACHE_SIZE = 64


def _cached_space(pd: Any) -> "_Space":
    snapshot = _space_snapshot(pd)
    if snapshot is None:
        return _Space(pd)
    kept = _space_cache.get(id(pd))
    if kept is not None and kept[0] is pd:
        try:
            same = kept[1] == snapshot  # objects compared by identity first, then ==
        except Exception:  # scipy arguments that do not compare (arrays)
            same = False
        if same:
            return kept[2]
    space = _Space(pd)
    if len(_space_cache) >= _SPACE_CACHE_SIZE:
        _space_cache.clear()
    _space_cache[id(pd)] = (pd, snapshot, space)
    return space


class _Space:
    """``param_distributions`` (a dict, or a list of dicts as scikit-learn's: each candidate
    first chooses a dict, uniformly — the categorical study parameter ``DICT_PARAM`` — then
    that dict's parameters) as the study's search space."""

    DICT_PARAM = "param_distributions_index"

    def __init__(self, param_distributions: Any) -> None:
        if isinstance(param_distributions, dict):
            dicts = [param_distributions]
        elif isinstance(param_distributions, (list, tuple)) and param_distributions and all(
                isinstance(d, dict) for d in param_distributions):
            dicts = list(param_distributions)
        else:
            raise TypeError("param_distributions must be a dict of parameter name -> "
                            "distribution, or a non-empty list of such dicts, got "
                            f"{type(param_distributions).__name__}")
        self.dicts = [_dict_space(d) for d in dicts]
        if len(self.dicts) > 1 and any(self.DICT_PARAM in d for d in self.dicts):
            raise ValueError(f"parameter name {self.DICT_PARAM!r} is reserved for the index "
                             "of the chosen dict in a list of dicts")
        # The study parameter choosing the dict (several dicts only).
        self.chooser = (_dists.CategoricalDistribution(list(range(len(self.dicts))))
                        if len(self.dicts) > 1 else None)
        # ask_suggest's space and decoders (one dict), made once.
        items = list(self.dicts[0].items())
        self._one_space = [(name, dist) for name, (dist, _, _) in items]
        self._decoders = [(name, decode) for name, (_, decode, _) in items
                          if decode is not _identity]

    def finite_size(self) -> Optional[int]:
        """The number of candidates when every entry is a list (scikit-learn's
        ``ParameterGrid`` size), else None."""
        total = 0
        for d in self.dicts:
            if not all(is_list for _, _, is_list in d.values()):
                return None
            n = 1
            for dist, _, _ in d.values():
                n *= len(dist.choices)
            total += n
        return total

    def sample(self, trial: Any) -> Tuple[Dict[str, Any], Tuple[Any, ...]]:
        """(the candidate's parameters, a hashable key of the suggested values)."""
        i = 0
        if len(self.dicts) > 1:
            i = int(trial._suggest(self.DICT_PARAM, self.chooser))
        raw = {name: trial._suggest(name, dist) for name, (dist, _, _) in self.dicts[i].items()}
        params = {name: self.dicts[i][name][1](v) for name, v in raw.items()}
        return params, (i,) + tuple(sorted(raw.items()))

    def ask_suggest(self, study: Any, n: int) -> List[Tuple[int, None, Dict[str, Any], None]]:
        """n trials of a one-dict space asked and suggested in one call (``StudyCore.
        _ask_suggest``, the parameters in the order ``sample`` suggests them): [(number, None,
        candidate parameters, None), ...]; fewer when the sampler is exhausted."""
        return self.decode(study._core._ask_suggest(n, self._one_space))

    def decode(self, asked: Sequence[Tuple[int, Tuple[Any, ...]]]
               ) -> List[Tuple[int, None, Dict[str, Any], None]]:
        """The core's [(number, (value, ...)), ...] of a one-dict space (``_ask_suggest``,
        ``_tell_and_ask``, ``_create_and_ask``) as ``ask_suggest`` returns it."""
        names = [name for name, _ in self._one_space]
        out = []
        for number, raw in asked:
            params = dict(zip(names, raw))
            for name, decode in self._decoders:
                params[name] = decode(params[name])
            out.append((number, None, params, None))
        return out

    def point(self, key: Tuple[Any, ...]) -> Dict[str, Any]:
        """The study parameters (for enqueue_trial) of a key."""
        params = dict(key[1:])
        if len(self.dicts) > 1:
            params[self.DICT_PARAM] = key[0]
        return params

    def random_unseen(self, rng: Any, seen: Any) -> Optional[Tuple[Any, ...]]:
        """A key not in ``seen`` drawn uniformly from a finite space; None when all are seen."""
        size = self.finite_size()
        if size is None or len(seen) >= size:
            return None
        grids = [sorted(d.items()) for d in self.dicts]

        def key_at(j: int) -> Tuple[Any, ...]:
            for i, items in enumerate(grids):
                n = 1
                for _, (dist, _, _) in items:
                    n *= len(dist.choices)
                if j < n:
                    vals = []
                    for name, (dist, _, _) in reversed(items):
                        choices = list(dist.choices)
                        vals.append((name, choices[j % len(choices)]))
                        j //= len(choices)
                    return (i,) + tuple(sorted(vals))
                j -= n
            raise IndexError(j)

        if size <= 100000:
            unseen = [k for k in map(key_at, range(size)) if k not in seen]
            return unseen[rng.randint(len(unseen))]
        while True:
            k = key_at(int(rng.randint(size)))
            if k not in seen:
                return k


# The reasons of the failed fits of the evaluate_candidates call in progress, in this thread,
# while a Parzen search runs (None otherwise). scikit-learn's check of the fits is wrapped so
# that a Parzen search step whose every fit failed warns (FitFailedWarning) instead of raising:
# its candidates stay rows of cv_results_ with error_score, as in a single RandomizedSearchCV
# call.
_fits = threading.local()
_sk_warn_or_raise = _sk_search._warn_or_raise_about_fit_failures


def _warn_or_raise_about_fit_failures(results: Any, error_score: Any) -> None:
    sink = getattr(_fits, "errors", None)
    # only the evaluate_candidates of the Parzen search itself (not a scikit-learn search
    # nested in its estimator, fitted in this thread)
    if sink is None or sys._getframe(1).f_locals.get("self") is not _fits.owner:
        return _sk_warn_or_raise(results, error_score)
    sink.append([r.get("fit_error") for r in results])
    try:
        _sk_warn_or_raise(results, error_score)
    except ValueError as e:
        if error_score == "raise" or not all(r.get("fit_error") for r in results):
            raise
        warnings.warn(str(e), FitFailedWarning)


if getattr(_sk_search._warn_or_raise_about_fit_failures, "__module__", None) != __name__:
    _sk_search._warn_or_raise_about_fit_failures = _warn_or_raise_about_fit_failures


def _fit_error_reason(errors: Sequence[Optional[str]], score: float = math.nan) -> str:
    """The trial's fail_reason: the exception of the first failed fold (the first paragraph
    after its traceback's frames, on one line)."""
    for err in errors:
        if err:
            lines = str(err).rstrip().splitlines()
            start = next((i for i, ln in enumerate(lines)
                          if i > 0 and ln.strip() and not ln.startswith(" ")), 0)
            text: List[str] = []
            for ln in lines[start:]:
                if not ln.strip() and len(text) > 1:
                    break
                if ln.strip():
                    text.append(ln.strip())
            reason = " ".join(text) or "the fit failed"
            if len(reason) > 400:
                reason = reason[:400] + "..."
            n_failed = sum(1 for e in errors if e)
            return f"{n_failed} of {len(errors)} fits failed: {reason}"
    if math.isinf(score):
        return (f"the mean test score is {score}: a study stores finite values only, so the "
                "trial is FAIL while cv_results_ ranks the candidate as scikit-learn does")
    return "the mean test score is nan (a fold's score is nan)"


class _CandidateErrors:
    """Collects, per candidate, the fit errors of the evaluate_candidates calls it wraps."""

    def __init__(self, search: Any) -> None:
        self.search = search
        self.per_candidate: List[List[Optional[str]]] = []

    def __enter__(self) -> "_CandidateErrors":
        self._saved = (getattr(_fits, "errors", None), getattr(_fits, "owner", None))
        _fits.errors, _fits.owner = [], self.search
        return self

    def take(self, n_candidates: int) -> None:
        """Split the fits recorded since the last take among n_candidates (candidate-major)."""
        fits = [e for call in _fits.errors for e in call]
        _fits.errors = []
        if n_candidates:
            k = max(1, len(fits) // n_candidates)
            self.per_candidate.extend(fits[i * k:(i + 1) * k] for i in range(n_candidates))

    def __exit__(self, *exc: Any) -> None:
        _fits.errors, _fits.owner = self._saved


class _UntoldTrials:
    """The trials of a search asked and whose results are not known yet. When the fit raises
    (``error_score="raise"``, an unknown estimator parameter, KeyboardInterrupt, ...), each is
    told FAIL with the exception as its ``fail_reason`` before the exception propagates, so the
    study holds no RUNNING trial that nothing would ever finish (those are counted by
    ``n_trials`` budgets and listed running by ``parzen show``); the trials whose results were
    known keep their values. ``add`` after each ask; ``clear`` once the step's results are
    known (they are told then)."""

    def __init__(self) -> None:
        self.study: Any = None
        self.numbers: set = set()
        # Creates the study of trials added with study None (drawn before it exists).
        self.build: Optional[Callable[[], Any]] = None

    def add(self, study: Any, numbers: Any) -> None:
        self.study = study
        self.numbers.update(numbers)

    def __enter__(self) -> "_UntoldTrials":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None or not self.numbers:
            return
        text = " ".join(str(exc).split())
        if len(text) > 400:
            text = text[:400] + "..."
        reason = f"the search's fit raised {exc_type.__name__}" + (f": {text}" if text else "")
        if self.study is None and self.build is not None:
            self.study = self.build()
        for number in sorted(self.numbers):
            try:
                self.study._core._tell_many([(number, None, reason)])
            except Exception:  # already told (a _tell_many that raised midway)
                pass
        self.numbers.clear()


def _reads_history(sampler: Any) -> bool:
    """Whether the parzen.samplers object's draws depend on the study's results (the C++
    ``Sampler::samples_from_history``; asked once per class)."""
    cls = type(sampler)
    known = cls.__dict__.get("_samples_from_history")
    if known is None:
        if sampler._uses_pruner():
            return True  # built only with the study's pruner; bracket samplers model results
        known = bool(sampler._build(None).samples_from_history)
        cls._samples_from_history = known
    return known


_registry_defaults: Dict[Tuple[Any, str], Any] = {}


def _registry_default(sampler_class: Any, option: str) -> Any:
    """The registry's default of a sampler option (None when it has none)."""
    key = (sampler_class, option)
    if key not in _registry_defaults:
        _registry_defaults[key] = next((o.get("default") for o in sampler_class._entry["options"]
                                        if o["name"] == option), None)
    return _registry_defaults[key]


def _auto_independent_trials(study: Any, space: Optional["_Space"], fresh: bool) -> int:
    """How many of a fresh study's first trials ``AutoSampler`` (the default) draws without a
    model of the results, where the candidates are the same asked together as one at a time.

    Its rule (include/parzen/auto_sampler.hpp; docs/guide.md, "Which sampler") picks "random"
    for a trial while no trial is complete, and then, for one objective and a space with at
    least as many categorical parameters as numeric ones, "tpe" whatever the counts. Its TPE
    delegate (the same seed) draws its first ``n_startup_trials`` (the registry default) with
    its RandomSampler of that seed: the draws of the random delegate. So on such a space, one
    dict of ``param_distributions`` in a study with no trial yet, those trials are model-free
    and identical either way (tests/python/test_sklearn.py checks it against one-at-a-time
    asks). Any other case (a numeric-majority space, whose GP startup points differ from random
    draws; several dicts; a study with trials): 0, one trial per step as before. ``fresh``: the
    study was just created in memory (no need to read its trials; ``study`` None: it is not
    created yet)."""
    if space is None or len(space.dicts) != 1 or (study is not None
                                                   and len(study.directions) != 1):
        return 0
    dists = [d for d, _, _ in space.dicts[0].values()]
    n_categorical = sum(isinstance(d, _dists.CategoricalDistribution) for d in dists)
    if len(dists) - n_categorical > n_categorical:
        return 0
    n_startup = _registry_default(_samplers.TPESampler, "n_startup_trials")
    if not isinstance(n_startup, int) or (not fresh and study.get_trials(deepcopy=False)):
        return 0
    return int(n_startup)


def _independent_trials(study: Any, space: Optional["_Space"] = None, fresh: bool = False,
                        sampler: Any = None) -> Optional[int]:
    """How many of the study's next trials its sampler draws without a model of the results —
    None: all of them (random, QMC, grid); TPE and GP: what remains of ``n_startup_trials``
    (counting every finished trial of the study, an upper bound of what they count, so never a
    trial the model would have drawn); AutoSampler: see ``_auto_independent_trials``. ``study``
    None: a study of ``sampler`` not created yet (no trial, one objective)."""
    if study is not None:
        sampler = study.sampler
    if isinstance(sampler, _study._LazySampler):  # a fresh study's default (see _run_search)
        if sampler.cls is _samplers.AutoSampler:
            return _auto_independent_trials(study, space, fresh)
        return 0
    if not isinstance(sampler, _samplers.BaseSampler):
        return 0
    if isinstance(sampler, _samplers.AutoSampler):
        return _auto_independent_trials(study, space, fresh)
    if not _reads_history(sampler):
        return None
    n_startup = sampler._options.get("n_startup_trials")
    if n_startup is None:
        n_startup = _registry_default(type(sampler), "n_startup_trials")
    if not isinstance(n_startup, numbers.Integral):
        return 0
    if study is None:
        return int(n_startup)
    finished = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,
                                                        TrialState.PRUNED, TrialState.FAIL))
    return max(0, int(n_startup) - len(finished))


# The pruner of studies whose trials report nothing (no enable_pruning): one object configures
# them all (each study builds its own C++ pruner from it).
_NO_PRUNING = _pruners.NopPruner()


class _TrialsMixin:
    """``trials_``: this fit's FrozenTrials, read from the study when first asked for (as
    OptunaSearchCV's ``trials_`` property reads ``study_.trials``), then kept (and pickled)."""

    def _record_trials(self, refs: List[Tuple[Any, int]]) -> None:
        self.__dict__.pop("_trials", None)
        self._trial_refs = refs  # (study, trial number), in the order of this fit

    @property
    def trials_(self) -> List[Any]:
        """The ``FrozenTrial``s of this fit, in the order they were asked (AttributeError
        before fit)."""
        if "_lazy_study" in self.__dict__:
            self.study_  # built when first read (ParzenSearchCV)
        cached = self.__dict__.get("_trials")
        if cached is not None:
            return cached
        refs = self.__dict__.get("_trial_refs")
        if refs is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute 'trials_' "
                                 "(call fit first)")
        by_study: Dict[int, Dict[int, Any]] = {}
        out = []
        for study, number in refs:
            table = by_study.get(id(study))
            if table is None:
                table = {t.number: t for t in study.get_trials(deepcopy=False)}
                by_study[id(study)] = table
            if number in table:
                out.append(table[number])
        self._trials = out
        return out


class ParzenSearchCV(_TrialsMixin, BaseSearchCV):
    """Hyperparameter search over ``param_distributions`` by a Parzen sampler, with
    scikit-learn's cross-validation and result tables (``BaseSearchCV``).

    Args:
        estimator: the scikit-learn estimator (or Pipeline: ``step__param`` names).
        param_distributions: parameter name → Parzen distribution, list/tuple of choices, or a
            scipy.stats frozen uniform/loguniform/reciprocal/randint (see the module doc); or a
            list of such dicts.
        sampler: any ``parzen.samplers`` object; None: ``AutoSampler(seed=random_state)`` (the
            default of ``parzen.create_study``). A ``GridSampler`` with ``param_distributions``
            None searches its own ``search_space``. Ignored when ``study`` is given.
        n_trials: trials (candidates) in this fit; None: until ``timeout`` or the sampler is
            exhausted (the grid). Pruned trials count, as in Optuna.
        timeout: seconds after which no new trial starts.
        storage: a URL or ``parzen.storages`` object for the study (with ``study_name``, a later
            fit — in this or another process — continues the same study; ``load_if_exists``).
        study: an existing ``parzen.Study`` (direction "maximize") to add the trials to.
            ``clone`` deep-copies it: a study in a URL storage stays shared, one in memory is
            copied with its trials (``Study.__deepcopy__``, as Optuna).
        study_name: the name of the study created in ``storage``.
        random_state: seeds the default sampler (int or RandomState); ignored with ``sampler``.
        enable_pruning: estimators with ``partial_fit`` only: each trial first trains every fold
            incrementally (``max_iter`` calls of ``partial_fit``), reporting the mean fold score
            at each step to the study's pruner (``study``'s, else MedianPruner()); a pruned
            trial ends PRUNED and is not a candidate in ``cv_results_``. A trial that survives
            is then cross-validated with ``fit`` like any candidate. An exception in
            ``partial_fit`` applies ``error_score``: nan fails the trial, a number completes it
            with that value (neither is a candidate; FitFailedWarning), "raise" re-raises.
        max_iter: ``partial_fit`` steps per fold when pruning.
        scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score, return_train_score:
            as scikit-learn's ``RandomizedSearchCV``: a candidate whose fits fail is a row with
            ``error_score`` (its trial FAIL, with the fit's error as ``fail_reason``, when
            the score is nan). With multimetric ``scoring`` the trial
            value is the ``refit`` metric (a str), else the first metric by name.

    Attributes after fit: scikit-learn's (``cv_results_``, ``best_*``, ``refit_time_``,
    ``multimetric_``, ``n_splits_``, ``scorer_``) and ``study_`` (the Parzen study; not kept
    when pickling a search whose study is in a private in-memory storage), ``trials_`` (the
    FrozenTrials of this fit).
    """

    def __init__(self, estimator: Any, param_distributions: Any = None, *, sampler: Any = None,
                 n_trials: Optional[int] = 10, timeout: Optional[float] = None,
                 storage: Any = None, study: Any = None, study_name: Optional[str] = None,
                 random_state: Any = None, enable_pruning: bool = False, max_iter: int = 1000,
                 scoring: Any = None, n_jobs: Optional[int] = None, refit: Any = True,
                 cv: Any = None, verbose: int = 0, pre_dispatch: Any = "2*n_jobs",
                 error_score: Any = np.nan, return_train_score: bool = False) -> None:
        super().__init__(estimator=estimator, scoring=scoring, n_jobs=n_jobs, refit=refit,
                         cv=cv, verbose=verbose, pre_dispatch=pre_dispatch,
                         error_score=error_score, return_train_score=return_train_score)
        self.param_distributions = param_distributions
        self.sampler = sampler
        self.n_trials = n_trials
        self.timeout = timeout
        self.storage = storage
        self.study = study
        self.study_name = study_name
        self.random_state = random_state
        self.enable_pruning = enable_pruning
        self.max_iter = max_iter

    _DEFAULTS: Dict[str, Any] = {"param_distributions": None, "sampler": None, "n_trials": 10,
                                 "timeout": None, "storage": None, "study": None,
                                 "study_name": None, "random_state": None,
                                 "enable_pruning": False, "max_iter": 1000}

    # Options an alias class takes under another name (ParzenRandomizedSearchCV: n_iter).
    _OPTION_NAMES: Dict[str, str] = {}

    def _p(self, name: str) -> Any:
        """A search option: the constructor parameter, or the fixed value of an alias class."""
        # (the instance's attribute, as getattr finds it: no class of this module defines
        # these names, so an instance that has the option holds it in its __dict__)
        d = self.__dict__
        key = self._OPTION_NAMES.get(name, name)
        return d[key] if key in d else self._DEFAULTS[name]

    # --- the study --------------------------------------------------------------------------
    def _default_seed(self) -> Optional[int]:
        """The default sampler's seed: random_state (an int, or drawn from a RandomState)."""
        seed = self._p("random_state")
        if seed is None:
            return None
        if not isinstance(seed, numbers.Integral):
            seed = check_random_state(seed).randint(np.iinfo(np.int32).max)
        return int(seed)

    def _default_sampler(self) -> Any:
        seed = self._default_seed()
        if seed is None:
            return _samplers.AutoSampler()
        return _samplers.AutoSampler(seed=seed)

    def _make_study(self) -> Any:
        study = self._p("study")
        if study is not None:
            if study.direction != _study.StudyDirection.MAXIMIZE:
                raise ValueError("study must maximize (its trials' values are scores)")
            return study
        sampler = self._p("sampler")
        if sampler is None:
            sampler = self._default_sampler()
        pruner = _NO_PRUNING
        if self._p("enable_pruning"):
            pruner = _pruners.MedianPruner()
        name = self._p("study_name")
        return _study.create_study(storage=self._p("storage"), sampler=sampler, pruner=pruner,
                                   study_name=name, direction="maximize",
                                   load_if_exists=name is not None)

    def _search_space(self) -> _Space:
        pd = self._p("param_distributions")
        if pd is None:
            study = self._p("study")
            sampler = self._p("sampler") if study is None else study.sampler
            if isinstance(sampler, _samplers.GridSampler):
                pd = {k: list(v) for k, v in sampler.search_space.items()}
            else:
                raise ValueError("param_distributions is required (unless sampler is a "
                                 "GridSampler)")
            return _Space(pd)
        return _cached_space(pd)

    def _trial_value(self, results: Dict[str, Any], index: int) -> float:
        return float(results[self._value_key(results)][index])

    def _value_key(self, results: Dict[str, Any]) -> str:
        """The key of cv_results_ whose values are the trials' values."""
        if "mean_test_score" in results:
            return "mean_test_score"
        if isinstance(self.refit, str):
            return f"mean_test_{self.refit}"
        return sorted(k for k in results if k.startswith("mean_test_"))[0]

    # --- BaseSearchCV ------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, *, groups: Any = None, **fit_params: Any) -> Any:
        """Run the search (scikit-learn's ``BaseSearchCV.fit``); returns self."""
        n_trials, timeout = self._p("n_trials"), self._p("timeout")
        if n_trials is not None and (not isinstance(n_trials, numbers.Integral) or n_trials < 1):
            raise ValueError(f"{self._n_trials_name} must be a positive int or None, got "
                             f"{n_trials!r}")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout must be > 0 or None, got {timeout!r}")
        if n_trials is None and timeout is None:
            study = self._p("study")
            sampler = self._p("sampler") if study is None else study.sampler
            if not isinstance(sampler, _samplers.GridSampler):
                needs = ("a timeout, or a GridSampler" if self._n_trials_name == "n_trials" else
                         "a GridSampler as sampler")
                raise ValueError(f"{self._n_trials_name}=None needs {needs} (which ends when "
                                 "its grid is exhausted)")
        if self._p("enable_pruning") and not hasattr(self.estimator, "partial_fit"):
            raise ValueError(f"enable_pruning needs an estimator with partial_fit; "
                             f"{type(self.estimator).__name__} has none")
        self._fit_data = (X, y, groups, fit_params)
        try:
            return super().fit(X, y, groups=groups, **fit_params)
        finally:
            del self._fit_data

    # ParzenRandomizedSearchCV: when every entry is a list, no candidate is evaluated twice
    # and n_iter is capped at the number of candidates (scikit-learn's ParameterSampler).
    _without_replacement = False
    # The user's name of the trial budget in messages (ParzenRandomizedSearchCV: n_iter).
    _n_trials_name = "n_trials"

    def _run_search(self, evaluate_candidates: Callable[..., Dict[str, Any]]) -> None:
        self.__dict__.pop("_lazy_study", None)  # a previous fit's
        space = self._search_space()
        n_trials, timeout = self._p("n_trials"), self._p("timeout")
        pruning = self._p("enable_pruning")
        size = space.finite_size() if self._without_replacement else None
        # Trials whose parameters need no per-trial decision in Python (one dict, no check for
        # an already evaluated candidate, no pruning) are asked and suggested in one C++ call.
        one_call = len(space.dicts) == 1 and size is None and not pruning
        # A study of this fit in a new in-memory storage has no trial before the loop below.
        fresh = self._p("study") is None and self._p("storage") is None
        # Such a study, when the first step asks in one C++ call (no timeout, which may end the
        # search before it), is created by that call (_create_study_and_ask): the same study and
        # trials as create_study then ask. Later steps tell the previous step's results and ask
        # the next trials in one call too (_tell_and_ask).
        created_by_ask = (fresh and one_call and timeout is None and n_trials is not None
                          and self._p("study_name") is None)
        sampler = None
        study = None
        if created_by_ask:
            sampler = self._p("sampler")
            if sampler is None:
                # AutoSampler(seed=...), made when study_.sampler is first read
                seed = self._default_seed()
                kwargs = {} if seed is None else {"seed": seed}
                sampler = _study._LazySampler(_samplers.AutoSampler, kwargs, dict(kwargs))
        else:
            study = self._make_study()
            self.study_ = study
        if size is not None and n_trials is not None and n_trials > size:
            warnings.warn(f"The total space of parameters {size} is smaller than "
                          f"n_iter={n_trials}. Running {size} iterations. For exhaustive "
                          "searches, use ParzenGridSearchCV.", UserWarning)
            n_trials = size
        # The generator of the unevaluated candidates drawn after a repeat (all-list spaces of
        # ParzenRandomizedSearchCV only). An int seed's RandomState (about 90 us to seed) is
        # made when first needed; any other random_state is checked now, as before.
        random_state = self._p("random_state")
        lazy_seed = isinstance(random_state, numbers.Integral) and 0 <= random_state < 2**32
        rng = None if lazy_seed else check_random_state(random_state)
        seen: Dict[Tuple[Any, ...], int] = {}  # key -> candidate index in cv_results_
        trials: List[int] = []
        batch = None  # trials per step (n_jobs's), read when a step is not all model-free
        # Trials drawn without a model of the results (all of a random or QMC search, TPE's and
        # GP's startup trials) are asked together and fitted in one evaluate_candidates call, as
        # RandomizedSearchCV fits all its candidates (in parallel with n_jobs): the same
        # candidates as one at a time. Not with pruning (one trial at a time) nor a timeout
        # (checked between calls).
        free = 0
        if not pruning and timeout is None and n_trials is not None:
            free = _independent_trials(study, space, fresh, sampler)
        # The default sampler's study when every trial of the search is a model-free draw of
        # its random delegate (AutoSampler seeded: all its first trials, see
        # _auto_independent_trials): the candidates are those draws (_core._random_candidates,
        # the same function of the seed, trial number and parameter), and the study, which the
        # fit does not need, is created, asked and told these results when study_ or trials_
        # is first read (as the grid's).
        draw_seed = None
        if (created_by_ask and type(sampler) is _study._LazySampler
                and sampler.cls is _samplers.AutoSampler and free is not None
                and n_trials <= free):
            seed = sampler.kwargs.get("seed")
            if isinstance(seed, int) and 0 <= seed < 2**63:
                draw_seed = seed
        # one_call: the results of the last step, told with the next step's ask (or after the
        # loop).
        pending: List[Tuple[int, Optional[float], str]] = []
        lazy_raw: List[Any] = []  # draw_seed: the trials drawn (_random_candidates)
        start = time.monotonic()
        n_done = 0
        n_candidates = 0
        values: List[float] = []
        value_key = None  # the key of cv_results_ holding the trials' values
        errors = _CandidateErrors(self)
        try:
            with errors, _UntoldTrials() as untold:
                while n_trials is None or n_done < n_trials:
                    if timeout is not None and time.monotonic() - start >= timeout:
                        break
                    if n_trials is not None and (free is None or free >= n_trials - n_done):
                        k = n_trials - n_done  # all model-free: one step
                    else:
                        if batch is None:
                            batch = 1 if pruning else max(1, effective_n_jobs(self.n_jobs))
                        k = batch if n_trials is None else min(batch, n_trials - n_done)
                        if n_trials is not None and (free is None or free > 0):
                            k = max(k, min(free, n_trials - n_done))
                    # (trial number, live trial or None, candidate parameters, key)
                    asked: List[Tuple[int, Any, Dict[str, Any], Any]] = []
                    repeats: List[Tuple[int, Tuple[Any, ...]]] = []
                    batch_keys: Dict[Tuple[Any, ...], Any] = {}
                    exhausted = False
                    if one_call:
                        # One C++ call asks the k trials and suggests their parameters (and
                        # tells the previous step's results first; creates the study first).
                        told_now, pending = pending, []
                        try:
                            if draw_seed is not None:
                                raw = _core._random_candidates(draw_seed, k, space._one_space)
                                lazy_raw = raw
                                # a fit that raises creates the study now (its trials FAIL)
                                untold.build = (lambda raw=raw: self._build_lazy_study(
                                    sampler, space._one_space, raw, []))
                                untold.add(None, range(len(raw)))
                            elif study is None:
                                study, raw = _study._create_study_and_ask(
                                    sampler, _NO_PRUNING, "maximize", k, space._one_space)
                                self.study_ = study
                            elif told_now:
                                raw = study._core._tell_and_ask(told_now, k, space._one_space)
                            else:
                                raw = study._core._ask_suggest(k, space._one_space)
                            asked = space.decode(raw)
                            if study is not None:
                                untold.add(study, (a[0] for a in asked))
                        except StudyExhaustedError:
                            asked = []
                        exhausted = len(asked) < k
                    while not one_call and len(asked) < k:
                        try:
                            trial = study.ask()
                        except StudyExhaustedError:
                            exhausted = True
                            break
                        untold.add(study, (trial.number,))
                        params, key = space.sample(trial)
                        if size is not None and (key in seen or key in batch_keys):
                            # A candidate already in cv_results_: its trial takes that score with
                            # no new fit, and the next ask is a candidate not evaluated yet.
                            repeats.append((trial.number, key))
                            if rng is None:
                                rng = check_random_state(random_state)
                            unseen = space.random_unseen(rng, set(seen) | set(batch_keys))
                            if unseen is None:
                                exhausted = True
                                break
                            study.enqueue_trial(space.point(unseen))
                            continue
                        batch_keys[key] = trial
                        asked.append((trial.number, trial, params, key))
                    n_asked = len(asked)
                    if pruning:
                        survivors = []
                        for number, trial, params, key in asked:
                            pruned = self._pruned(trial, params)
                            if pruned is None:  # partial_fit raised: _pruned told the trial
                                untold.numbers.discard(number)
                                trials.append(number)
                            elif pruned:
                                study.tell(trial, state=TrialState.PRUNED)
                                untold.numbers.discard(number)
                                trials.append(number)
                            else:
                                survivors.append((number, trial, params, key))
                        asked = survivors
                    told: List[Tuple[int, Optional[float], str]] = []
                    if asked:
                        results = evaluate_candidates([p for _, _, p, _ in asked])
                        errors.take(len(asked))
                        if value_key is None:
                            value_key = self._value_key(results)
                        scores = results[value_key]
                        for i, (number, _, _, key) in enumerate(asked):
                            v = float(scores[n_candidates + i])
                            values.append(v)
                            # error_score a number: the row's score
                            told.append((number, v, "") if math.isfinite(v) else (
                                number, None,
                                _fit_error_reason(errors.per_candidate[n_candidates + i], v)))
                            trials.append(number)
                            if size is not None:
                                seen[key] = n_candidates + i
                        n_candidates += len(asked)
                    for number, key in repeats:
                        j = seen.get(key)
                        v = values[j] if j is not None else math.nan
                        told.append((number, v, "") if math.isfinite(v) else (
                            number, None,
                            "the same candidate as an earlier trial, which failed or was pruned"))
                        trials.append(number)
                    untold.numbers.clear()  # every trial of the step is in told (or was told)
                    if told and one_call:
                        pending = told
                    elif told:
                        study._core._tell_many(told)
                    n_done += n_asked
                    if free:
                        free = max(0, free - n_asked)
                    if exhausted:
                        break
        finally:
            if pending and study is None:  # the draws of a study built when read
                self._lazy_study = (sampler, space._one_space, lazy_raw, pending)
            elif pending:  # the last step's results (also when the search raised)
                study._core._tell_many(pending)
        if n_candidates == 0:
            raise ValueError("no candidate was evaluated (every trial was pruned or its "
                             "partial_fit failed, or the timeout passed before the first)")
        if self.error_score != "raise" and errors.per_candidate and all(
                all(e) for e in errors.per_candidate):
            n_fits = sum(len(e) for e in errors.per_candidate)
            raise ValueError(f"All the {n_fits} fits failed.\nIt is very likely that your model "
                             "is misconfigured.\nYou can try to debug the error by setting "
                             "error_score='raise'.\n\nBelow are more details about the "
                             "failures:\n" + _fit_error_reason(errors.per_candidate[0]))
        if study is None:  # trials_ reads the study built when first read
            self.__dict__.pop("_trials", None)
            self.__dict__.pop("_trial_refs", None)
        else:
            self._record_trials([(study, n) for n in trials])

    def _build_lazy_study(self, sampler: Any, space: Any, raw: List[Any],
                          told: List[Tuple[int, Optional[float], str]]) -> Any:
        """The study of a fit whose trials were all drawn by ``_core._random_candidates``: it
        is created and asked those trials now (``_create_study_and_ask``: the same draws, as
        checked here) and told the fit's results; study_ and trials_ read it from now on."""
        self.__dict__.pop("_lazy_study", None)
        # No "A new study created" line: the fit created no study, and a read of study_ or
        # trials_ is no place for one (docs/python.md, "Logging").
        study, asked = _study._create_study_and_ask(sampler, _NO_PRUNING, "maximize", len(raw),
                                                    space, announce=False)
        if asked != raw:
            raise RuntimeError("parzen internal error: the study of this search drew other "
                               f"candidates than the fit evaluated ({asked} != {raw}); please "
                               "report it")
        if told:
            study._core._tell_many(told)
        self.__dict__["_study"] = study
        self._record_trials([(study, number) for number, _ in asked])
        return study

    @property
    def study_(self) -> Any:
        """The search's Parzen study (AttributeError before fit). A fresh in-memory study whose
        every trial the default sampler draws at random is created, asked and told the fit's
        results when first read (its trials' datetimes are those of that read)."""
        d = self.__dict__
        lazy = d.get("_lazy_study")
        if lazy is not None:
            return self._build_lazy_study(*lazy)
        if "_study" in d:
            return d["_study"]
        if "study_" in d:  # a search pickled before study_ was a property
            return d["study_"]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute 'study_' "
                             "(call fit first)")

    @study_.setter
    def study_(self, study: Any) -> None:
        self.__dict__["_study"] = study

    def _pruned(self, trial: Any, params: Dict[str, Any]) -> Optional[bool]:
        """Train the candidate's folds with partial_fit, reporting to the pruner: True when
        pruned, False when it survives, None when partial_fit (or the score) raised and
        ``error_score`` is a number: the trial is then told here (FAIL with the error as its
        fail_reason when the number is nan, else COMPLETE with that value, as OptunaSearchCV)
        and is not a candidate. With ``error_score="raise"`` the exception propagates (the
        fit fails the trial)."""
        X, y, groups, fit_params = self._fit_data
        X, y, groups = indexable(X, y, groups)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        scoring = self.scoring
        if not (scoring is None or isinstance(scoring, str) or callable(scoring)):
            scoring = self.refit if isinstance(self.refit, str) else None
        scorer = check_scoring(self.estimator, scoring=scoring)
        folds = []
        for train, test in cv.split(X, y, groups):
            est = clone(self.estimator).set_params(**params)
            folds.append((est, train, test))
        classes = np.unique(y) if is_classifier(self.estimator) and y is not None else None

        def take(a: Any, idx: Any) -> Any:
            return None if a is None else _safe_indexing(a, idx)

        for step in range(self._p("max_iter")):
            scores = []
            for fold, (est, train, test) in enumerate(folds):
                kw = dict(fit_params)
                if classes is not None:
                    kw["classes"] = classes
                try:
                    est.partial_fit(take(X, train), take(y, train), **kw)
                    scores.append(scorer(est, take(X, test), take(y, test)))
                except Exception as e:
                    if self.error_score == "raise":
                        raise
                    self._partial_fit_failed(trial, params, e, step, fold)
                    return None
            trial.report(float(np.mean(scores)), step)
            if trial.should_prune():
                return True
        return False

    def _partial_fit_failed(self, trial: Any, params: Dict[str, Any], e: Exception, step: int,
                            fold: int) -> None:
        """Apply ``error_score`` to a candidate whose partial_fit or score raised (pruning)."""
        text = " ".join(str(e).split())
        if len(text) > 400:
            text = text[:400] + "..."
        reason = (f"partial_fit raised {type(e).__name__}" + (f": {text}" if text else "") +
                  f" (step {step}, fold {fold}; enable_pruning)")
        score = float(self.error_score)
        warnings.warn(f"The candidate {params} failed and is not in cv_results_ (its trial "
                      f"{trial.number} is {'FAIL' if math.isnan(score) else 'COMPLETE'} with "
                      f"error_score={self.error_score}): {reason}", FitFailedWarning)
        if math.isnan(score):
            self.study_._core._tell_many([(trial.number, None, reason)])
        else:
            self.study_._core._tell_many([(trial.number, score, "")])

    # The attributes a fit sets (scikit-learn's and Parzen's); read before fit, each says so.
    _FITTED_ATTRIBUTES = frozenset((
        "study_", "trials_", "cv_results_", "best_estimator_", "best_score_", "best_params_",
        "best_index_", "scorer_", "n_splits_", "refit_time_", "multimetric_", "classes_",
        "n_features_in_", "feature_names_in_"))

    def __getattr__(self, name: str) -> Any:
        # Called only when the ordinary lookup failed (a missing attribute, or a property that
        # raised AttributeError): a property raises its own message again; a fitted attribute
        # read before fit says "(call fit first)", as ParzenGridSearchCV's study_ and every
        # class's trials_ do.
        if name in ParzenSearchCV._FITTED_ATTRIBUTES:
            prop = getattr(type(self), name, None)
            if isinstance(prop, property) and prop.fget is not None:
                return prop.fget(self)
            if "cv_results_" not in self.__dict__:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute "
                                     f"{name!r} (call fit first)")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getstate__(self) -> Dict[str, Any]:
        if "_lazy_study" in self.__dict__:
            self.study_  # built: its trials_ are pickled
        state = super().__getstate__()
        # A study is pickled as its storage URL and name; one in an in-memory storage cannot be:
        # the fitted study_ is left out then, and a study= parameter becomes None (a later fit
        # creates a new study).
        state = dict(state)
        if "_trial_refs" in state:
            state["_trials"] = self.trials_  # FrozenTrials pickle; the study may not
            del state["_trial_refs"]
        for key in ("_study", "study"):
            if state.get(key) is not None:
                try:
                    pickle.dumps(state[key])
                except Exception:
                    if key == "study":
                        state[key] = None
                    else:
                        del state[key]
        return state


class ParzenGridSearchCV(ParzenSearchCV):
    """``GridSearchCV(estimator, param_grid, *, scoring=None, n_jobs=None, refit=True, cv=None,
    verbose=0, pre_dispatch="2*n_jobs", error_score=nan, return_train_score=False)`` on Parzen's
    grid sampler: each grid of ``param_grid`` (a dict or a list of dicts) is one GridSampler
    study (keys sorted, as ``ParameterGrid``), visited in ``ParameterGrid``'s order, so
    ``cv_results_`` equals GridSearchCV's. ``study_`` is the last grid's study. The studies
    hold nothing the fit needs, so they are built (in memory, told the fit's scores) when
    ``study_`` or ``trials_`` is first read: a search whose studies are never read pays nothing
    for them; their trials' datetimes are those of that first read."""

    def __init__(self, estimator: Any, param_grid: Any, *, scoring: Any = None,
                 n_jobs: Optional[int] = None, refit: Any = True, cv: Any = None,
                 verbose: int = 0, pre_dispatch: Any = "2*n_jobs", error_score: Any = np.nan,
                 return_train_score: bool = False) -> None:
        BaseSearchCV.__init__(self, estimator=estimator, scoring=scoring, n_jobs=n_jobs,
                              refit=refit, cv=cv, verbose=verbose, pre_dispatch=pre_dispatch,
                              error_score=error_score, return_train_score=return_train_score)
        self.param_grid = param_grid

    def _run_search(self, evaluate_candidates: Callable[..., Dict[str, Any]]) -> None:
        # scikit-learn's validation, errors and candidate order (each grid's keys sorted, the
        # last one varying fastest: the order of Parzen's grid sampler on the same grid).
        param_grid = ParameterGrid(self.param_grid)
        candidates = list(param_grid)
        # Every candidate is evaluated in ONE evaluate_candidates call, as GridSearchCV does
        # (the same batches for n_jobs, the same all-fits-failed error).
        with _CandidateErrors(self) as errors:
            results = evaluate_candidates(candidates)
            errors.take(len(candidates))
        rows: List[Tuple[Optional[float], str]] = []
        for i in range(len(candidates)):
            v = self._trial_value(results, i)
            rows.append((v, "") if math.isfinite(v) else
                        (None, _fit_error_reason(errors.per_candidate[i], v)))
        # The grid's studies are only for the user (this class takes no storage or study): they
        # are built, with these results, when study_ or trials_ is first read.
        for key in ("_study", "_trials", "_trial_refs"):
            self.__dict__.pop(key, None)
        self._grid_results = (param_grid.param_grid, rows)

    def _grid_studies(self) -> None:
        """Build the grid's studies from the fit's results (once): each grid of ``param_grid``
        a GridSampler study whose trials, in ``ParameterGrid``'s order, are told the
        candidates' scores (FAIL with the fit's error when not finite)."""
        grids, rows = self._grid_results
        refs: List[Tuple[Any, int]] = []
        study = None
        i = 0
        for grid in grids:
            items = sorted(grid.items())
            if not items:  # {} is one candidate with no parameter, as in ParameterGrid
                i += 1
                continue
            space = {}
            for k, v in items:
                try:
                    space[k] = _categorical(v)[0]
                except (ValueError, TypeError) as e:
                    raise ValueError(f"parameter {k!r}: {e}") from None
            sampler = _samplers.GridSampler({k: list(d.choices) for k, d in space.items()})
            # Built when study_ or trials_ is first read: no "A new study created" line there
            # (as ParzenSearchCV's study built when read).
            study = _study.create_study(sampler=sampler, pruner=_NO_PRUNING,
                                        direction="maximize", _announce=False)
            n_points = 1
            for d in space.values():
                n_points *= len(d.choices)
            # The study is new: its grid has exactly n_points, asked in ParameterGrid's order.
            told = []
            for number, _ in study._core._ask_suggest(n_points, list(space.items())):
                v, reason = rows[i]
                i += 1
                told.append((number, v, reason))
                refs.append((study, number))
            study._core._tell_many(told)
        self._study = study
        self._trial_refs = refs

    @property
    def study_(self) -> Any:
        """The last grid's study (a GridSampler study in memory, built when first read: its
        trials' datetimes are those of that read); AttributeError before fit."""
        if "_study" not in self.__dict__:
            if "_grid_results" not in self.__dict__:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute "
                                     "'study_' (call fit first)")
            self._grid_studies()
        if self._study is None:  # every grid is {}: no parameter, no study
            raise AttributeError(f"{type(self).__name__!r} object has no attribute 'study_' "
                                 "(param_grid has no parameter)")
        return self._study

    @property
    def trials_(self) -> List[Any]:
        """The FrozenTrials of this fit, in ``cv_results_``'s order (the grids' studies are
        built when first read); AttributeError before fit."""
        if ("_trial_refs" not in self.__dict__ and "_trials" not in self.__dict__
                and "_grid_results" in self.__dict__):
            self._grid_studies()
        return _TrialsMixin.trials_.fget(self)  # type: ignore[attr-defined]

    def __getstate__(self) -> Dict[str, Any]:
        state = super().__getstate__()
        state.pop("_study", None)  # in memory: an unpickled copy builds its own when read
        return state


class ParzenRandomizedSearchCV(ParzenSearchCV):
    """``RandomizedSearchCV(estimator, param_distributions, *, n_iter=10, scoring=None,
    n_jobs=None, refit=True, cv=None, verbose=0, pre_dispatch="2*n_jobs", random_state=None,
    error_score=nan, return_train_score=False)`` plus ``sampler=None``: ``n_iter`` trials of
    ``sampler`` (None: Parzen's default, ``AutoSampler``, seeded with ``random_state``; ``RandomSampler(seed=...)``
    for a random search). The candidates differ from scikit-learn's (another random stream).
    When every entry is a list, as scikit-learn's ``ParameterSampler``, no candidate is
    evaluated twice and ``n_iter`` larger than the number of candidates is capped (UserWarning);
    a trial that suggests an evaluated candidate takes its score and the next trial gets an
    unevaluated one (``enqueue_trial``), so the study may have more than ``n_iter`` trials."""

    _without_replacement = True
    _n_trials_name = "n_iter"

    def __init__(self, estimator: Any, param_distributions: Any, *, n_iter: int = 10,
                 scoring: Any = None, n_jobs: Optional[int] = None, refit: Any = True,
                 cv: Any = None, verbose: int = 0, pre_dispatch: Any = "2*n_jobs",
                 random_state: Any = None, error_score: Any = np.nan,
                 return_train_score: bool = False, sampler: Any = None) -> None:
        BaseSearchCV.__init__(self, estimator=estimator, scoring=scoring, n_jobs=n_jobs,
                              refit=refit, cv=cv, verbose=verbose, pre_dispatch=pre_dispatch,
                              error_score=error_score, return_train_score=return_train_score)
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.random_state = random_state
        self.sampler = sampler

    _OPTION_NAMES = {"n_trials": "n_iter"}
