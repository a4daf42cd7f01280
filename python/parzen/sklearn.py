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
  ``RandomizedSearchCV``'s signature; ``n_iter`` trials of ``sampler`` (default: Parzen's TPE
  seeded with ``random_state``).

``param_distributions`` values: a Parzen distribution (``parzen.distributions.*``), a list or
tuple (categorical; any objects — non-scalar choices are stored in the study by index), or a
frozen ``scipy.stats`` distribution that maps exactly: ``uniform(loc, scale)`` → float in
``[loc, loc + scale]``; ``loguniform(a, b)``/``reciprocal(a, b)`` (``scale`` s) → log float in
``[a·s, b·s]``; ``randint(low, high)`` (``loc`` l) → int in ``[low + l, high + l − 1]``. Any other
scipy distribution, a non-zero ``loc`` on a log-uniform, or any other object raises ValueError
naming the parameter.
"""

import math
import numbers
import pickle
import time
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import ParameterGrid
from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._split import check_cv
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import indexable

from parzen import distributions as _dists
from parzen import samplers as _samplers
from parzen import study as _study
from parzen._state import TrialState
from parzen.exceptions import StudyExhaustedError

__all__ = ["ParzenSearchCV", "ParzenGridSearchCV", "ParzenRandomizedSearchCV"]

_SCALAR = (str, bool, int, float, type(None))


def _plain(v: Any) -> Any:
    """A numpy scalar as the Python scalar (choices are stored as JSON)."""
    if isinstance(v, np.generic):
        return v.item()
    return v


def _categorical(values: Sequence[Any]) -> Tuple[Any, Callable[[Any], Any]]:
    """(distribution, decode): scalar choices are stored as themselves, other objects by index;
    decode turns the suggested value back into the original object."""
    values = list(values)
    if not values:
        raise ValueError("empty list of choices")
    plain = [_plain(v) for v in values]
    if all(isinstance(v, _SCALAR) for v in plain) and not any(
            isinstance(v, float) and math.isnan(v) for v in plain):
        try:
            dist = _dists.CategoricalDistribution(plain)
        except TypeError:  # a choice the build cannot store (None without null support)
            pass
        else:
            return dist, lambda x: values[int(dist.to_internal_repr(x))]
    dist = _dists.CategoricalDistribution(list(range(len(values))))
    return dist, lambda x: values[int(x)]


def _from_scipy(name: str, frozen: Any) -> Any:
    dist_name = frozen.dist.name
    shapes, loc, scale = frozen.dist._parse_args(*frozen.args, **frozen.kwds)
    if dist_name == "uniform":
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


def _space(param_distributions: Any) -> Dict[str, Tuple[Any, Callable[[Any], Any]]]:
    if not isinstance(param_distributions, dict):
        raise TypeError("param_distributions must be a dict of parameter name -> distribution, "
                        f"got {type(param_distributions).__name__}")
    out: Dict[str, Tuple[Any, Callable[[Any], Any]]] = {}
    for name, d in param_distributions.items():
        if not isinstance(name, str):
            raise TypeError(f"parameter names must be str, got {name!r}")
        if isinstance(d, _dists.BaseDistribution):
            out[name] = (d, lambda x: x)
        elif isinstance(d, (list, tuple, np.ndarray)):
            try:
                out[name] = _categorical(d)
            except ValueError as e:
                raise ValueError(f"parameter {name!r}: {e}") from None
        elif hasattr(d, "dist") and hasattr(d, "rvs") and hasattr(d.dist, "name"):
            out[name] = (_from_scipy(name, d), lambda x: x)
        else:
            raise ValueError(f"parameter {name!r}: {d!r} is not a Parzen distribution, a list of "
                             "choices or a supported scipy.stats frozen distribution")
    return out


class ParzenSearchCV(BaseSearchCV):
    """Hyperparameter search over ``param_distributions`` by a Parzen sampler, with
    scikit-learn's cross-validation and result tables (``BaseSearchCV``).

    Args:
        estimator: the scikit-learn estimator (or Pipeline: ``step__param`` names).
        param_distributions: parameter name → Parzen distribution, list/tuple of choices, or a
            scipy.stats frozen uniform/loguniform/reciprocal/randint (see the module doc).
        sampler: any ``parzen.samplers`` object; None: ``TPESampler(seed=random_state)`` (the
            default of ``parzen.create_study``). A ``GridSampler`` with ``param_distributions``
            None searches its own ``search_space``. Ignored when ``study`` is given.
        n_trials: trials (candidates) in this fit; None: until ``timeout`` or the sampler is
            exhausted (the grid). Pruned trials count, as in Optuna.
        timeout: seconds after which no new trial starts.
        storage: a URL or ``parzen.storages`` object for the study (with ``study_name``, a later
            fit — in this or another process — continues the same study; ``load_if_exists``).
        study: an existing ``parzen.Study`` (direction "maximize") to add the trials to.
        study_name: the name of the study created in ``storage``.
        random_state: seeds the default sampler (int or RandomState); ignored with ``sampler``.
        enable_pruning: estimators with ``partial_fit`` only: each trial first trains every fold
            incrementally (``max_iter`` calls of ``partial_fit``), reporting the mean fold score
            at each step to the study's pruner (``study``'s, else MedianPruner()); a pruned
            trial ends PRUNED and is not a candidate in ``cv_results_``. A trial that survives
            is then cross-validated with ``fit`` like any candidate.
        max_iter: ``partial_fit`` steps per fold when pruning.
        scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score, return_train_score:
            as scikit-learn's ``RandomizedSearchCV``. With multimetric ``scoring`` the trial
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

    def _p(self, name: str) -> Any:
        """A search option: the constructor parameter, or the fixed value of an alias class."""
        return getattr(self, name, self._DEFAULTS[name])

    # --- the study --------------------------------------------------------------------------
    def _default_sampler(self) -> Any:
        seed = self._p("random_state")
        if seed is None:
            return _samplers.TPESampler()
        if not isinstance(seed, numbers.Integral):
            seed = check_random_state(seed).randint(np.iinfo(np.int32).max)
        return _samplers.TPESampler(seed=int(seed))

    def _make_study(self) -> Any:
        study = self._p("study")
        if study is not None:
            if study.direction != _study.StudyDirection.MAXIMIZE:
                raise ValueError("study must maximize (its trials' values are scores)")
            return study
        sampler = self._p("sampler")
        if sampler is None:
            sampler = self._default_sampler()
        pruner = None
        if self._p("enable_pruning"):
            from parzen import pruners as _pruners
            pruner = _pruners.MedianPruner()
        name = self._p("study_name")
        return _study.create_study(storage=self._p("storage"), sampler=sampler, pruner=pruner,
                                   study_name=name, direction="maximize",
                                   load_if_exists=name is not None)

    def _search_space(self) -> Dict[str, Tuple[Any, Callable[[Any], Any]]]:
        pd = self._p("param_distributions")
        if pd is None:
            study = self._p("study")
            sampler = self._p("sampler") if study is None else study.sampler
            if isinstance(sampler, _samplers.GridSampler):
                pd = {k: list(v) for k, v in sampler.search_space.items()}
            else:
                raise ValueError("param_distributions is required (unless sampler is a "
                                 "GridSampler)")
        return _space(pd)

    def _trial_value(self, results: Dict[str, Any], index: int) -> float:
        if "mean_test_score" in results:
            key = "mean_test_score"
        elif isinstance(self.refit, str):
            key = f"mean_test_{self.refit}"
        else:
            key = sorted(k for k in results if k.startswith("mean_test_"))[0]
        return float(results[key][index])

    # --- BaseSearchCV ------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, *, groups: Any = None, **fit_params: Any) -> Any:
        """Run the search (scikit-learn's ``BaseSearchCV.fit``); returns self."""
        n_trials, timeout = self._p("n_trials"), self._p("timeout")
        if n_trials is not None and (not isinstance(n_trials, numbers.Integral) or n_trials < 1):
            raise ValueError(f"n_trials must be a positive int or None, got {n_trials!r}")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout must be > 0 or None, got {timeout!r}")
        if n_trials is None and timeout is None:
            study = self._p("study")
            sampler = self._p("sampler") if study is None else study.sampler
            if not isinstance(sampler, _samplers.GridSampler):
                raise ValueError("n_trials=None needs a timeout, or a GridSampler (which ends "
                                 "when its grid is exhausted)")
        if self._p("enable_pruning") and not hasattr(self.estimator, "partial_fit"):
            raise ValueError(f"enable_pruning needs an estimator with partial_fit; "
                             f"{type(self.estimator).__name__} has none")
        self._fit_data = (X, y, groups, fit_params)
        try:
            return super().fit(X, y, groups=groups, **fit_params)
        finally:
            del self._fit_data

    def _run_search(self, evaluate_candidates: Callable[..., Dict[str, Any]]) -> None:
        space = self._search_space()
        study = self._make_study()
        self.study_ = study
        trials: List[int] = []
        batch = 1 if self._p("enable_pruning") else max(1, effective_n_jobs(self.n_jobs))
        start = time.monotonic()
        n_done = 0
        n_candidates = 0
        n_trials, timeout = self._p("n_trials"), self._p("timeout")
        while n_trials is None or n_done < n_trials:
            if timeout is not None and time.monotonic() - start >= timeout:
                break
            k = batch if n_trials is None else min(batch, n_trials - n_done)
            asked: List[Tuple[Any, Dict[str, Any]]] = []
            exhausted = False
            for _ in range(k):
                try:
                    trial = study.ask()
                except StudyExhaustedError:
                    exhausted = True
                    break
                params = {name: decode(trial._suggest(name, dist))
                          for name, (dist, decode) in space.items()}
                asked.append((trial, params))
            n_asked = len(asked)
            if self._p("enable_pruning"):
                survivors = []
                for trial, params in asked:
                    if self._pruned(trial, params):
                        study.tell(trial, state=TrialState.PRUNED)
                        trials.append(trial.number)
                    else:
                        survivors.append((trial, params))
                asked = survivors
            if asked:
                try:
                    results = evaluate_candidates([p for _, p in asked])
                except ValueError as e:
                    # scikit-learn raises when every fit of one evaluate_candidates call failed
                    # (error_score not "raise"): those trials fail and the search goes on.
                    if self.error_score == "raise" or "fits failed" not in str(e):
                        raise
                    warnings.warn(f"every fit of {len(asked)} candidate(s) failed; their "
                                  f"trials are FAIL and not rows of cv_results_:{e}",
                                  FitFailedWarning)
                    for trial, _ in asked:
                        study.tell(trial, state=TrialState.FAIL)
                        trials.append(trial.number)
                    asked = []
                for i, (trial, _) in enumerate(asked):
                    v = self._trial_value(results, n_candidates + i)
                    if math.isfinite(v):
                        study.tell(trial, v)
                    else:
                        study.tell(trial, state=TrialState.FAIL)
                    trials.append(trial.number)
                n_candidates += len(asked)
            n_done += n_asked
            if exhausted:
                break
        if n_candidates == 0:
            raise ValueError("no candidate was evaluated (every trial was pruned or failed, or "
                             "the timeout passed before the first)")
        by_number = {t.number: t for t in study.get_trials(deepcopy=False)}
        self.trials_ = [by_number[n] for n in trials if n in by_number]

    def _pruned(self, trial: Any, params: Dict[str, Any]) -> bool:
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
            for est, train, test in folds:
                kw = dict(fit_params)
                if classes is not None:
                    kw["classes"] = classes
                est.partial_fit(take(X, train), take(y, train), **kw)
                scores.append(scorer(est, take(X, test), take(y, test)))
            trial.report(float(np.mean(scores)), step)
            if trial.should_prune():
                return True
        return False

    def __getstate__(self) -> Dict[str, Any]:
        state = super().__getstate__()
        # The study is pickled as its storage URL and name (a private in-memory one cannot be);
        # trials_ (the C++ FrozenTrials) are not picklable: both are left out then.
        state = dict(state)
        for key in ("study_", "trials_"):
            if key in state:
                try:
                    pickle.dumps(state[key])
                except Exception:
                    del state[key]
        return state


class ParzenGridSearchCV(ParzenSearchCV):
    """``GridSearchCV(estimator, param_grid, *, scoring=None, n_jobs=None, refit=True, cv=None,
    verbose=0, pre_dispatch="2*n_jobs", error_score=nan, return_train_score=False)`` on Parzen's
    grid sampler: each grid of ``param_grid`` (a dict or a list of dicts) is one GridSampler
    study (keys sorted, as ``ParameterGrid``), visited in ``ParameterGrid``'s order, so
    ``cv_results_`` equals GridSearchCV's. ``study_`` is the last grid's study."""

    def __init__(self, estimator: Any, param_grid: Any, *, scoring: Any = None,
                 n_jobs: Optional[int] = None, refit: Any = True, cv: Any = None,
                 verbose: int = 0, pre_dispatch: Any = "2*n_jobs", error_score: Any = np.nan,
                 return_train_score: bool = False) -> None:
        BaseSearchCV.__init__(self, estimator=estimator, scoring=scoring, n_jobs=n_jobs,
                              refit=refit, cv=cv, verbose=verbose, pre_dispatch=pre_dispatch,
                              error_score=error_score, return_train_score=return_train_score)
        self.param_grid = param_grid

    def _run_search(self, evaluate_candidates: Callable[..., Dict[str, Any]]) -> None:
        ParameterGrid(self.param_grid)  # scikit-learn's validation and errors
        grids = [self.param_grid] if isinstance(self.param_grid, dict) else list(self.param_grid)
        # Every grid's trials are asked first and evaluated in ONE evaluate_candidates call, as
        # GridSearchCV does (the same batches for n_jobs, the same all-fits-failed error).
        asked: List[Tuple[Any, Any]] = []
        candidates: List[Dict[str, Any]] = []
        for grid in grids:
            items = sorted(grid.items())
            if not items:  # {} is one candidate with no parameter, as in ParameterGrid
                asked.append((None, None))
                candidates.append({})
                continue
            space = {k: _categorical(v) for k, v in items}
            sampler = _samplers.GridSampler(
                {k: list(d.choices) for k, (d, _) in space.items()})
            study = _study.create_study(sampler=sampler, direction="maximize")
            self.study_ = study
            while True:
                try:
                    trial = study.ask()
                except StudyExhaustedError:
                    break
                candidates.append({k: dec(trial._suggest(k, d))
                                   for k, (d, dec) in space.items()})
                asked.append((study, trial))
        results = evaluate_candidates(candidates)
        trials = []
        for i, (study, trial) in enumerate(asked):
            if study is None:
                continue
            v = self._trial_value(results, i)
            if math.isfinite(v):
                trials.append(study.tell(trial, v))
            else:
                trials.append(study.tell(trial, state=TrialState.FAIL))
        self.trials_ = trials


class ParzenRandomizedSearchCV(ParzenSearchCV):
    """``RandomizedSearchCV(estimator, param_distributions, *, n_iter=10, scoring=None,
    n_jobs=None, refit=True, cv=None, verbose=0, pre_dispatch="2*n_jobs", random_state=None,
    error_score=nan, return_train_score=False)`` plus ``sampler=None``: ``n_iter`` trials of
    ``sampler`` (None: Parzen's TPE seeded with ``random_state``; ``RandomSampler(seed=...)``
    for a random search). The candidates differ from scikit-learn's (another random stream)."""

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

    def _p(self, name: str) -> Any:
        if name == "n_trials":
            return self.n_iter
        return super()._p(name)
