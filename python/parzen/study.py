"""Studies (``parzen.study``), as Optuna's ``optuna.study``.

``create_study``, ``load_study``, ``delete_study``, ``copy_study``, ``get_all_study_summaries``,
``get_all_study_names``, :class:`Study`, :class:`StudyDirection`, :class:`StudySummary` and
:class:`MaxTrialsCallback`, with Optuna 3.1's names, signatures and behaviour, on Parzen's C++
core (``parzen._core.StudyCore``): sampling, pruning and storage run in C++ with the GIL released.
"""

import collections
import copy
import datetime
import enum
import gc
import math
import numbers
import threading
import time
import warnings
import weakref
from typing import (Any, Callable, Container, Dict, Iterable, List, Optional, Sequence, Tuple,
                    Type, Union)

from parzen import _core
from parzen import logging as _plogging
from parzen import pruners as _pruners
from parzen import samplers as _samplers
from parzen import storages as _storages
from parzen._state import TrialState
from parzen.exceptions import InvalidStateError, NotFoundError, ParzenError, TrialFailed

__all__ = ["Study", "StudyDirection", "StudySummary", "MaxTrialsCallback", "create_study",
           "load_study", "delete_study", "copy_study", "get_all_study_summaries",
           "get_all_study_names"]

_logger = _plogging.get_logger("parzen.study")

ObjectiveFuncType = Callable[[Any], Union[float, Sequence[float]]]
StorageType = Union[None, str, _storages.BaseStorage]


class StudyDirection(enum.IntEnum):
    """A study's optimisation direction, as Optuna's (NOT_SET=0, MINIMIZE=1, MAXIMIZE=2)."""

    NOT_SET = 0
    MINIMIZE = 1
    MAXIMIZE = 2


class _NoCompletedTrialsError(NotFoundError, ValueError):
    """No trial has completed yet (a ValueError as Optuna's, and Parzen's NotFoundError)."""


def _directions(direction: Any, directions: Any) -> List[str]:
    if directions is None and type(direction) is str and direction in ("minimize", "maximize"):
        return [direction]  # the common case, without the checks below
    if direction is not None and directions is not None:
        raise ValueError("Specify only one of `direction` and `directions`.")
    if direction is None and directions is None:
        directions = ["minimize"]
    elif direction is not None:
        directions = [direction]
    if isinstance(directions, (str, bytes)) or not isinstance(directions, Iterable):
        raise TypeError("`directions` must be a list of 'minimize'/'maximize'.")
    directions = list(directions)
    if not directions:
        raise ValueError("The number of objectives must be greater than 0.")
    out = []
    for d in directions:
        if isinstance(d, StudyDirection) and d != StudyDirection.NOT_SET:
            out.append(d.name.lower())
        elif isinstance(d, str) and d.lower() in ("minimize", "maximize"):
            out.append(d.lower())
        else:
            raise ValueError("Please set either 'minimize' or 'maximize' to direction. You "
                             f"specified {d}.")
    return out


def _make_core_sampler_pruner(sampler: Any, pruner: Any, n_objectives: int) -> Tuple[Any, Any,
                                                                                     Any, Any]:
    if pruner is None:
        # Optuna's default (MedianPruner) for one objective; nothing prunes a multi-objective
        # study (Optuna's should_prune refuses one).
        pruner = _pruners.MedianPruner() if n_objectives == 1 else _pruners.NopPruner()
    if pruner is not None and not isinstance(pruner, _pruners.BasePruner):
        raise TypeError(f"pruner must be a parzen.pruners object, got {type(pruner).__name__}")
    if sampler is None:
        # The auto sampler: GP, TPE (one objective or several), CMA-ES or random per trial by
        # what the study is (docs/guide.md, "Which sampler"; measured in docs/benchmarks.md).
        sampler = _samplers.AutoSampler()
    if not isinstance(sampler, _samplers.BaseSampler):
        raise TypeError(f"sampler must be a parzen.samplers object, got "
                        f"{type(sampler).__name__}")
    core_pruner = pruner._make() if pruner is not None else None
    core_sampler = sampler._make(pruner=core_pruner)
    return sampler, pruner, core_sampler, core_pruner


class _LazySampler:
    """A ``parzen.samplers`` object not made yet: ``cls(**kwargs)``, made when the study's
    ``sampler`` is first read. ``core_options``: what that object's ``_core_options()`` is (the
    study's C++ sampler is built from them at once)."""

    __slots__ = ("cls", "kwargs", "core_options")

    def __init__(self, cls: Any, kwargs: Dict[str, Any], core_options: Dict[str, Any]) -> None:
        self.cls = cls
        self.kwargs = kwargs
        self.core_options = core_options

    def make(self) -> Any:
        return self.cls(**self.kwargs)


class _ProgressBar:
    """tqdm progress bar for Study.optimize (as Optuna's)."""

    def __init__(self, enabled: bool, n_trials: Optional[int], timeout: Optional[float]) -> None:
        self._bar = None
        self._n_trials = n_trials
        self._timeout = timeout
        self._last = 0.0
        self._handler: Any = None
        if not enabled or (n_trials is None and timeout is None):
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            warnings.warn("show_progress_bar=True needs the 'tqdm' package (pip install tqdm, or "
                          "apt install python3-tqdm); optimizing without a progress bar")
            return
        if n_trials is not None:
            self._bar = tqdm(total=n_trials)
        else:
            fmt = "{desc} {percentage:3.0f}%|{bar}| {elapsed}/" + tqdm.format_interval(timeout)
            self._bar = tqdm(total=timeout, bar_format=fmt)
        import logging

        class _TqdmHandler(logging.StreamHandler):
            def emit(self, record: Any) -> None:
                try:
                    tqdm.write(self.format(record))
                except Exception:
                    self.handleError(record)

        self._handler = _TqdmHandler()
        self._handler.setFormatter(_plogging.create_default_formatter())
        _plogging.disable_default_handler()
        _plogging._get_library_root_logger().addHandler(self._handler)

    @property
    def active(self) -> bool:
        return self._bar is not None

    def update(self, elapsed: float, best: Optional[Tuple[int, float]]) -> None:
        if self._bar is None:
            return
        if best is not None:
            self._bar.set_description(f"Best trial: {best[0]}. Best value: {best[1]:.6g}")
        if self._n_trials is not None:
            self._bar.update(1)
            if self._timeout is not None:
                self._bar.set_postfix_str(f"{elapsed:.02f}/{self._timeout} seconds")
        elif self._timeout is not None:
            diff = min(elapsed, self._timeout) - self._last
            self._bar.update(diff)
            self._last += diff

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            _plogging._get_library_root_logger().removeHandler(self._handler)
            _plogging.enable_default_handler()
            self._bar = None


# Optuna's ``Trial.study``: the Study whose ``optimize`` or ``ask`` made a live trial. Weak keys:
# the map never keeps a trial alive (the trial keeps its Study alive while someone holds it).
_TRIAL_STUDIES: "weakref.WeakKeyDictionary[Any, Study]" = weakref.WeakKeyDictionary()


def _trial_study(trial: Any) -> "Study":
    try:
        return _TRIAL_STUDIES[trial]
    except KeyError:
        raise AttributeError(
            f"trial {trial.number} has no study: only the trials that Study.optimize hands to "
            "the objective and the ones Study.ask returns know theirs") from None


_core.Trial.study = property(  # type: ignore[attr-defined]
    _trial_study,
    doc="The Study this trial belongs to (as Optuna's ``Trial.study``): the same object whose "
        "``optimize`` runs the objective, or whose ``ask`` returned the trial.")


class Study:
    """A study: a set of trials optimising one objective function (as Optuna's ``Study``).

    Create one with :func:`create_study` or :func:`load_study`; ``Study(study_name, storage,
    sampler=None, pruner=None)`` loads an existing study, as Optuna's constructor.

    Thread safety: one Study object may be used from several threads (``optimize(n_jobs=k)``
    does); several processes share a study through one SQLite or PostgreSQL URL.
    """

    def __init__(self, study_name: str, storage: StorageType, sampler: Any = None,
                 pruner: Any = None) -> None:
        other = load_study(study_name=study_name, storage=storage, sampler=sampler,
                           pruner=pruner)
        self.__dict__.update(other.__dict__)

    @classmethod
    def _wrap(cls, core: Any, storage: _storages.BaseStorage, sampler: Any,
              pruner: Any) -> "Study":
        self = cls.__new__(cls)
        self._core = core
        self._storage = storage
        self._sampler = sampler
        self._pruner = pruner
        self._directions = [StudyDirection.MINIMIZE if d == "minimize" else
                            StudyDirection.MAXIMIZE for d in core.directions]
        self._optimizing = 0
        self._thread_local = threading.local()
        return self

    def __getstate__(self) -> Dict[str, Any]:
        # Pickled (multiprocessing, joblib) as what load_study needs; a study in an in-memory
        # storage cannot be (TypeError from the storage).
        return {"study_name": self.study_name, "storage": self._storage,
                "sampler": self.sampler, "pruner": self._pruner}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        other = load_study(**state)
        self.__dict__.update(other.__dict__)

    def __deepcopy__(self, memo: Dict[int, Any]) -> "Study":
        """``copy.deepcopy`` (scikit-learn's ``clone`` deep-copies a search's ``study=``).

        A study in a URL storage: a new handle to the same study, as pickling it (its trials
        are the storage's rows, shared). A study in an in-memory storage, which cannot be
        pickled: a copy, as Optuna's deepcopy — a new private in-memory storage holding a study
        of the same name and directions with the user and system attributes (the samplers'
        state: a grid's reserved points stay reserved) and every trial with its number —
        finished, waiting, and running ones (a copy taken while trials run, e.g. from a
        callback, holds them RUNNING, as Optuna's: nothing in the copy runs them, so they stay
        running there) — sampled and pruned by
        copies of the sampler and pruner. Trials added to either study later are not seen by
        the other (so the outer folds of ``cross_val_score`` over a search each search their
        own copy, and none sees scores computed on its own test data)."""
        if self._storage._raw_url is not None:
            new = Study.__new__(Study)
            memo[id(self)] = new
            new.__setstate__(copy.deepcopy(self.__getstate__(), memo))
            return new
        sampler = copy.deepcopy(self._sampler, memo)
        pruner = copy.deepcopy(self._pruner, memo)
        new = create_study(storage=_storages.InMemoryStorage(), sampler=sampler, pruner=pruner,
                           study_name=self.study_name,
                           directions=[d.name.lower() for d in self._directions],
                           _announce=False)
        memo[id(self)] = new
        for key, value in self.user_attrs.items():
            new.set_user_attr(key, value)
        # The samplers' state (a grid's reserved points, CMA-ES generations, ...); the token
        # names the original study.
        for key, value in self.system_attrs.items():
            if key != "study_token":
                new._core._set_system_attr(key, value)
        # In number order, running trials included, so that every trial keeps its number.
        for t in sorted(self.get_trials(deepcopy=False), key=lambda t: t.number):
            if t.state == TrialState.RUNNING:
                new._core.add_trial(TrialState.RUNNING, dict(t.params), dict(t.distributions),
                                    None, dict(t.intermediate_values), dict(t.user_attrs),
                                    dict(t.system_attrs), _running=True)
            else:
                new.add_trial(t)
        return new

    # --- attributes ---------------------------------------------------------------------------
    @property
    def study_name(self) -> str:
        """The study's name (unique within its storage)."""
        return str(self._core.study_name)

    @property
    def _study_id(self) -> int:
        return int(self._core._study_id)

    @property
    def direction(self) -> StudyDirection:
        """The direction of a single-objective study; RuntimeError for several objectives (as
        Optuna)."""
        if len(self._directions) > 1:
            raise RuntimeError("A single direction cannot be retrieved from a multi-objective "
                               "study. Consider using Study.directions to retrieve a list "
                               "containing all directions.")
        return self._directions[0]

    @property
    def directions(self) -> List[StudyDirection]:
        """One :class:`StudyDirection` per objective."""
        return list(self._directions)

    @property
    def sampler(self) -> Any:
        """The ``parzen.samplers`` object this Study object samples with."""
        sampler = self._sampler
        if type(sampler) is _LazySampler:
            sampler = self._sampler = sampler.make()
        return sampler

    @property
    def pruner(self) -> Any:
        """The ``parzen.pruners`` object this Study object prunes with."""
        return self._pruner

    @property
    def user_attrs(self) -> Dict[str, Any]:
        """The study's user attributes (a copy)."""
        return dict(self._core.user_attrs())

    @property
    def system_attrs(self) -> Dict[str, Any]:
        """The study's system attributes (a copy; Parzen's reliability settings live here)."""
        return dict(self._core.system_attrs())

    def set_user_attr(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable ``value`` under ``key`` in the study's user attributes (as
        Optuna's). Raises ValueError/TypeError for a value JSON cannot hold."""
        self._core.set_user_attr(key, value)

    # --- trials -------------------------------------------------------------------------------
    @property
    def trials(self) -> List[Any]:
        """Every trial of the study, by number (as ``get_trials()``)."""
        return self._core.trials(None)

    def get_trials(self, deepcopy: bool = True,
                   states: Optional[Container[TrialState]] = None) -> List[Any]:
        """The study's trials, by number (as Optuna's).

        Args:
            deepcopy: accepted for compatibility; the records are always fresh read-only copies.
            states: only trials in these states (e.g. ``(TrialState.COMPLETE,)``); None: all.

        Returns:
            list of ``FrozenTrial``.
        """
        if states is None:
            return self._core.trials(None)
        return self._core.trials([TrialState(s) for s in states])

    @property
    def best_trial(self) -> Any:
        """The best complete trial (feasible first when constraints are set), as Optuna's.

        Raises:
            RuntimeError: a multi-objective study (``parzen.exceptions.InvalidStateError``).
            ValueError: no trial has completed yet (Optuna's message), or, in a constrained
                study, no complete trial is feasible (the core's message, saying how many
                complete trials violate a constraint); also ``parzen.exceptions.NotFoundError``.
        """
        try:
            return self._core.best_trial()
        except InvalidStateError:
            raise RuntimeError("A single best trial cannot be retrieved from a multi-objective "
                               "study. Consider using Study.best_trials to retrieve a list "
                               "containing the best trials.") from None
        except NotFoundError as e:
            if "deleted" in str(e):
                raise
            if "no feasible trial" in str(e):
                raise _NoCompletedTrialsError(str(e)) from None
            raise _NoCompletedTrialsError("No trials are completed yet.") from None

    @property
    def best_params(self) -> Dict[str, Any]:
        """The best trial's parameters (errors as ``best_trial``)."""
        return self.best_trial.params

    @property
    def best_value(self) -> float:
        """The best trial's value (errors as ``best_trial``)."""
        value = self.best_trial.value
        assert value is not None
        return value

    @property
    def best_trials(self) -> List[Any]:
        """The Pareto front of the complete feasible trials; ``[]`` when no trial is complete or
        none is feasible (as Optuna's, which returns an empty list then)."""
        try:
            return self._core.best_trials()
        except NotFoundError:
            return []

    def _is_multi_objective(self) -> bool:
        return len(self._directions) > 1

    # --- ask / tell ---------------------------------------------------------------------------
    def ask(self, fixed_distributions: Optional[Dict[str, Any]] = None) -> Any:
        """Start a trial (as Optuna's ``ask``): claims the oldest enqueued trial, else creates
        one.

        Args:
            fixed_distributions: parameter name → distribution, suggested at once on the new
                trial (its values then in ``trial.params``).

        Returns:
            the live ``parzen.Trial`` (``_core.Trial``); finish it with :meth:`tell`.

        Raises:
            parzen.exceptions.StudyExhaustedError: the sampler has nothing left (grid).
        """
        trial = self._core.ask()
        _TRIAL_STUDIES[trial] = self
        if fixed_distributions:
            for name, dist in fixed_distributions.items():
                trial._suggest(name, dist)
        return trial

    def tell(self, trial: Union[Any, int], values: Optional[Union[float, Sequence[float]]] = None,
             state: Optional[TrialState] = None, skip_if_finished: bool = False) -> Any:
        """Finish a trial started by :meth:`ask` (as Optuna's ``tell``).

        Args:
            trial: the ``Trial`` or its number.
            values: the objective value, or one per objective. Required with
                ``state=COMPLETE``; must be None with PRUNED or FAIL.
            state: COMPLETE, PRUNED (keeps the last reported value) or FAIL; None: COMPLETE when
                ``values`` are valid, else FAIL with a warning (as Optuna).
            skip_if_finished: return the record of an already finished trial instead of
                raising.

        Returns:
            the trial's ``FrozenTrial``.

        Raises:
            TypeError: ``trial`` is neither a Trial nor an int.
            ValueError: an unknown trial number, a finished trial, values that do not fit the
                state, or invalid values with ``state=COMPLETE``.
        """
        if isinstance(trial, _core.Trial):
            number = int(trial.number)
        elif isinstance(trial, numbers.Integral) and not isinstance(trial, bool):
            number = int(trial)
        else:
            raise TypeError("Trial must be a trial object or trial number.")
        vals: Optional[List[Any]]
        if values is None:
            vals = None
        elif isinstance(values, Sequence) and not isinstance(values, (str, bytes)):
            vals = list(values)
        else:
            vals = [values]

        if state is not None:
            state = TrialState(state)
        if state == TrialState.COMPLETE:
            if vals is None:
                raise ValueError("No values were told. Values are required when state is "
                                 "TrialState.COMPLETE.")
        elif state in (TrialState.PRUNED, TrialState.FAIL):
            if vals is not None:
                raise ValueError("Values were told. Values cannot be specified when state is "
                                 "TrialState.PRUNED or TrialState.FAIL.")
        elif state is not None:
            raise ValueError(f"Cannot tell with state {state}.")

        if state == TrialState.COMPLETE:
            assert vals is not None
            message = self._check_values(vals)
            if message is not None:
                raise ValueError(message)
            return self._tell(number, [float(v) for v in vals], TrialState.COMPLETE, "",
                              skip_if_finished, values, state)
        if state is None:
            message = ("The value None could not be cast to float." if vals is None
                       else self._check_values(vals))
            if message is None:
                assert vals is not None
                return self._tell(number, [float(v) for v in vals], TrialState.COMPLETE, "",
                                  skip_if_finished, values, state)
            frozen = self._finished(number, skip_if_finished, values, state)
            if frozen is not None:
                return frozen
            warnings.warn(message)
            return self._tell(number, None, TrialState.FAIL, message, skip_if_finished, values,
                              state)
        return self._tell(number, None, state, "", skip_if_finished, values, state)

    def _tell(self, number: int, vals: Optional[List[float]], state: TrialState, reason: str,
              skip_if_finished: bool, values: Any, asked_state: Any) -> Any:
        # The trial is read only when the core refuses (a finished or unknown trial), so an
        # ask/tell loop costs one storage write per tell.
        try:
            return self._core.tell(number, vals, state, reason)
        except (InvalidStateError, NotFoundError):
            frozen = self._finished(number, skip_if_finished, values, asked_state)
            if frozen is not None:
                return frozen
            raise

    def _finished(self, number: int, skip_if_finished: bool, values: Any,
                  state: Any) -> Optional[Any]:
        """The finished trial's record when skip_if_finished; raises ValueError as Optuna's for a
        trial that is unknown or not running; None for a running trial."""
        try:
            frozen = self._core.trial(number)
        except NotFoundError as e:
            raise ValueError(f"Cannot tell for trial with number {number} since it has not been "
                             "created.") from e
        if frozen.state.is_finished() and skip_if_finished:
            _logger.info(f"Skipped telling trial {number} with values {values} and state {state} "
                         f"since trial was already finished. Finished trial has values "
                         f"{frozen.values} and state {frozen.state}.")
            return frozen
        if frozen.state != TrialState.RUNNING:
            raise ValueError(f"Cannot tell a {TrialState(frozen.state).name} trial.")
        return None

    def _check_values(self, values: Sequence[Any]) -> Optional[str]:
        for v in values:
            try:
                f = float(v)
            except (ValueError, TypeError):
                return f"The value {v!r} could not be cast to float."
            if math.isnan(f):
                return f"The value {v} is not acceptable."
        if len(values) != len(self._directions):
            return (f"The number of the values {len(values)} did not match the number of the "
                    f"objectives {len(self._directions)}.")
        return None

    # --- optimize -----------------------------------------------------------------------------
    def optimize(self, func: ObjectiveFuncType, n_trials: Optional[int] = None,
                 timeout: Optional[float] = None, n_jobs: int = 1,
                 catch: Union[Iterable[Type[Exception]], Type[Exception]] = (),
                 callbacks: Optional[List[Callable[["Study", Any], None]]] = None,
                 gc_after_trial: bool = False, show_progress_bar: bool = False) -> None:
        """Run trials of ``func`` (as Optuna's ``optimize``).

        Args:
            func: ``func(trial) -> float`` (or one float per objective); the trial is the C++
                ``parzen.Trial``. Raising ``parzen.TrialPruned`` prunes the trial; raising
                ``parzen.TrialFailed(reason, retryable)`` fails it (never re-raised).
            n_trials: trials to run in this call (over all jobs); None: until ``timeout``,
                :meth:`stop`, the sampler's exhaustion or Ctrl-C.
            timeout: seconds after which no new trial starts (running ones finish).
            n_jobs: parallel threads (C++ worker threads calling ``func`` with the GIL); -1: one
                per CPU. An objective that releases the GIL (numpy, sklearn) scales with it.
            catch: exception classes that fail the trial and let the study go on; any other
                exception fails the trial, no new trial starts, and it is re-raised (the same
                object) once the running trials have finished.
            callbacks: ``fn(study, frozen_trial)`` after each trial (on the thread that ran it).
            gc_after_trial: run ``gc.collect()`` after each trial.
            show_progress_bar: a tqdm bar (needs n_trials or timeout; warns without tqdm).

        An invalid return value (None, a string, NaN, the wrong number of values) fails the trial
        with Optuna's message and the study goes on. KeyboardInterrupt (Ctrl-C, n_jobs=1 or more):
        no new trial starts, the running trials end as FAIL when their objectives return
        (never left running), then it is re-raised.

        Raises:
            TypeError: ``catch`` is not exception classes. RuntimeError: nested optimize on one
            thread. The objective's exceptions not in ``catch``; KeyboardInterrupt.
        """
        catch_t: Tuple[Type[BaseException], ...] = (
            tuple(catch) if isinstance(catch, Iterable) else (catch,))
        for c in catch_t:
            if not (isinstance(c, type) and issubclass(c, BaseException)):
                raise TypeError(f"catch must hold exception classes, got {c!r}")
        if getattr(self._thread_local, "in_optimize_loop", False):
            raise RuntimeError("Nested invocation of `Study.optimize` method isn't allowed.")
        if n_trials is not None and n_trials < 0:
            raise ValueError(f"n_trials must be >= 0, got {n_trials}")
        if n_jobs == 0 or n_jobs < -1:
            raise ValueError(f"n_jobs must be -1 or >= 1, got {n_jobs}")
        if show_progress_bar and n_trials is None and timeout is not None and n_jobs != 1:
            warnings.warn("The timeout-based progress bar is not supported with n_jobs != 1.")
            show_progress_bar = False

        core = self._core
        trial_studies = _TRIAL_STUDIES
        objective: Any
        if catch_t:
            # The core re-raises every exception but TrialPruned/TrialFailed (catch=False): the
            # ones in `catch` become TrialFailed, which fails the trial and lets the study go on.
            def objective(trial: Any) -> Any:
                trial_studies[trial] = self  # trial.study
                try:
                    return func(trial)
                except catch_t as e:
                    if type(e).__name__ in ("TrialPruned", "TrialFailed"):
                        raise
                    raise TrialFailed(f"the objective raised {type(e).__name__}: {e}") from e
        else:
            def objective(trial: Any) -> Any:
                trial_studies[trial] = self  # trial.study
                return func(trial)

        progress = _ProgressBar(show_progress_bar, n_trials, timeout)
        log_info = _logger.isEnabledFor(_plogging.INFO)
        single = len(self._directions) == 1
        maximize = self._directions[0] == StudyDirection.MAXIMIZE
        best: List[Optional[Tuple[int, float]]] = [None]
        if single and (log_info or progress.active):
            try:
                b = core.best_trial()
                best[0] = (b.number, b.value)
            except ParzenError:
                pass
        time_start = time.monotonic()
        user_callbacks = list(callbacks) if callbacks else []

        def after_trial(ft: Any) -> None:
            st = ft.state
            if st == TrialState.COMPLETE:
                if single:
                    v = ft.values[0]
                    b = best[0]
                    # An infeasible trial (a constraint value > 0) is never the best, as in
                    # best_trial.
                    feasible = all(c <= 0 for c in (ft.constraints or ()))
                    if feasible and (b is None or (v > b[1] if maximize else v < b[1])):
                        best[0] = (ft.number, v)
                    if log_info:
                        # Every complete trial so far infeasible: no best to name (it once
                        # raised TypeError here, ending optimize).
                        b = best[0]
                        _logger.info(f"Trial {ft.number} finished with value: {v} and parameters: "
                                     f"{ft.params}. "
                                     + (f"Best is trial {b[0]} with value: {b[1]}." if b
                                        else "No feasible trial yet."))
                elif log_info:
                    _logger.info(f"Trial {ft.number} finished with values: {ft.values} and "
                                 f"parameters: {ft.params}. ")
            elif st == TrialState.PRUNED and log_info:
                _logger.info(f"Trial {ft.number} pruned. ")
            if gc_after_trial:
                gc.collect()
            for cb in user_callbacks:
                cb(self, ft)
            if progress.active:
                progress.update(time.monotonic() - time_start, best[0])

        need_callback = log_info or gc_after_trial or bool(user_callbacks) or progress.active
        self._thread_local.in_optimize_loop = True
        self._optimizing += 1
        try:
            # n_jobs != 1: the core's workers are C++ threads and this thread waits in C++,
            # waking every 100 ms to run Python's signal handlers, so Ctrl-C stops the study
            # (running trials end failed, no new one starts) and KeyboardInterrupt is raised.
            core.optimize(objective, n_trials, timeout, n_jobs, False,
                          after_trial if need_callback else None, None, False, None)
        finally:
            self._optimizing -= 1
            self._thread_local.in_optimize_loop = False
            progress.close()

    def stop(self) -> None:
        """Ask every running ``optimize`` of this Study object to start no new trial (as
        Optuna's; running trials finish). Raises RuntimeError outside optimize."""
        if self._optimizing <= 0:
            raise RuntimeError("`Study.stop` is supposed to be invoked inside an objective "
                               "function or a callback.")
        self._core.stop()

    def clear_stop_request(self) -> Optional[Dict[str, str]]:
        """Clear a stop request stored with the study (``parzen stop``, the dashboard's Stop
        button), so that ``optimize`` runs trials again — in this process and in every other
        one on the same storage. (``parzen run`` clears it itself when it resumes a study.)

        Returns:
            The request cleared, ``{"requested_at": ISO-8601 UTC, "by": who asked}``, or None
            when none was pending.
        """
        return self._core._clear_stop_request()

    # --- adding trials ------------------------------------------------------------------------
    def enqueue_trial(self, params: Dict[str, Any], user_attrs: Optional[Dict[str, Any]] = None,
                      skip_if_exists: bool = False) -> None:
        """Add a waiting trial with fixed parameter values; the next ask claims it (as
        Optuna's). Parameters the objective suggests but ``params`` lacks are sampled.

        Args:
            params: parameter name → value (str, int, float, bool or None).
            user_attrs: user attributes the trial starts with.
            skip_if_exists: do nothing when a trial with the same parameters exists.
        """
        if skip_if_exists and self._should_skip_enqueue(params):
            _logger.info(f"Trial with params {params} already exists. Skipping enqueue.")
            return
        self._core.enqueue_trial(dict(params), dict(user_attrs) if user_attrs else None)

    def _should_skip_enqueue(self, params: Dict[str, Any]) -> bool:
        for trial in self._core.trials(None):
            trial_params = trial.system_attrs.get("fixed_params", trial.params)
            if trial_params.keys() != params.keys():
                continue
            same = True
            for name, value in params.items():
                old = trial_params[name]
                if not isinstance(value, type(old)) and not (
                        isinstance(value, numbers.Real) and isinstance(old, numbers.Real)):
                    same = False
                elif isinstance(value, numbers.Real) and not isinstance(value, bool):
                    fv, fo = float(value), float(old)
                    same = same and (math.isnan(fv) or fv == fo)
                else:
                    same = same and value == old
                if not same:
                    break
            if same:
                return True
        return False

    def add_trial(self, trial: Any) -> None:
        """Add a finished (or waiting) trial record, e.g. from :func:`parzen.trial.create_trial`
        or another study (as Optuna's). Raises ValueError for an inconsistent record."""
        validate = getattr(trial, "_validate", None)
        if validate is not None:
            validate()
        if TrialState(trial.state) == TrialState.WAITING:
            # A waiting record of a study (deepcopy, copy_study) holds its values in the system
            # attribute fixed_params, not in params (nothing was suggested yet).
            params = trial.params or (trial.system_attrs or {}).get("fixed_params") or {}
            self._core.enqueue_trial(dict(params), dict(trial.user_attrs) or None)
            return
        self._core.add_trial(TrialState(trial.state), dict(trial.params),
                             dict(trial.distributions),
                             None if trial.values is None else list(trial.values),
                             dict(trial.intermediate_values), dict(trial.user_attrs),
                             dict(trial.system_attrs))

    def add_trials(self, trials: Iterable[Any]) -> None:
        """``add_trial`` for each record (as Optuna's)."""
        for t in trials:
            self.add_trial(t)

    # --- export -------------------------------------------------------------------------------
    def trials_dataframe(self, attrs: Tuple[str, ...] = (
            "number", "value", "datetime_start", "datetime_complete", "duration", "params",
            "user_attrs", "system_attrs", "state"), multi_index: bool = False) -> Any:
        """The trials as a pandas DataFrame with Optuna's columns (``number``, ``value``,
        ``datetime_start``, ..., ``params_x``, ``user_attrs_k``, ``state``).

        Args:
            attrs: FrozenTrial attributes to include.
            multi_index: keep ``("params", "x")`` column tuples instead of ``params_x``.

        Raises:
            ImportError: pandas is not installed (``pip install pandas`` or ``apt install
                python3-pandas``).
        """
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("Study.trials_dataframe needs the 'pandas' package: pip install "
                              "pandas (or apt install python3-pandas)") from e
        trials = self._core.trials(None)
        if not trials:
            return pd.DataFrame()
        if "value" in attrs and self._is_multi_objective():
            attrs = tuple("values" if a == "value" else a for a in attrs)
        to_col = collections.OrderedDict((a, a[1:] if a.startswith("_") else a) for a in attrs)
        agg: Dict[str, set] = collections.defaultdict(set)
        records = []
        for trial in trials:
            record: Dict[Tuple[str, Any], Any] = {}
            for attr, col in to_col.items():
                value = getattr(trial, attr)
                if isinstance(value, TrialState):
                    value = value.name
                if isinstance(value, dict):
                    for k, v in value.items():
                        record[(col, k)] = v
                        agg[attr].add((col, k))
                elif isinstance(value, list):
                    for k, v in enumerate(value):
                        record[(col, k)] = v
                        agg[attr].add((col, k))
                elif attr == "values":
                    for k in range(len(self._directions)):
                        record[(col, k)] = None
                        agg[attr].add((col, k))
                else:
                    record[(col, "")] = value
                    agg[attr].add((col, ""))
            records.append(record)
        columns: List[Tuple[str, Any]] = sum(
            (sorted(agg[k]) for k in attrs if k in agg), [])
        df = pd.DataFrame(records, columns=pd.MultiIndex.from_tuples(columns))
        if not multi_index:
            df.columns = ["_".join(filter(None, map(str, col))) for col in columns]
        return df

    def __repr__(self) -> str:
        return f"<parzen.Study {self.study_name!r} in {self._storage.url}>"


class StudySummary:
    """A study's summary (as Optuna's ``StudySummary``): ``study_name``, ``direction``,
    ``directions``, ``best_trial`` (or None), ``user_attrs``, ``system_attrs``, ``n_trials``,
    ``datetime_start``."""

    def __init__(self, summary: Dict[str, Any]) -> None:
        self.study_name: str = summary["name"]
        self._directions = [StudyDirection.MINIMIZE if d == "minimize" else
                            StudyDirection.MAXIMIZE for d in summary["directions"]]
        self.best_trial = summary.get("best")
        self.user_attrs: Dict[str, Any] = dict(summary.get("user_attrs") or {})
        self.system_attrs: Dict[str, Any] = dict(summary.get("system_attrs") or {})
        self.n_trials: int = int(summary.get("n_trials", 0))
        self.datetime_start: Optional[datetime.datetime] = summary.get("datetime_created")

    @property
    def direction(self) -> StudyDirection:
        """The direction of a single-objective study (RuntimeError for several)."""
        if len(self._directions) > 1:
            raise RuntimeError("This attribute is not available during multi-objective "
                               "optimization.")
        return self._directions[0]

    @property
    def directions(self) -> List[StudyDirection]:
        """One direction per objective."""
        return list(self._directions)

    def __repr__(self) -> str:
        return f"StudySummary(study_name={self.study_name!r}, n_trials={self.n_trials})"


class MaxTrialsCallback:
    """Stop the study once it holds ``n_trials`` trials in ``states`` (as Optuna's).

    Args:
        n_trials: the maximum.
        states: the states counted (default ``(TrialState.COMPLETE,)``; None: all).
    """

    def __init__(self, n_trials: int,
                 states: Optional[Container[TrialState]] = (TrialState.COMPLETE,)) -> None:
        self._n_trials = n_trials
        self._states = states

    def __call__(self, study: Study, trial: Any) -> None:
        if len(study.get_trials(deepcopy=False, states=self._states)) >= self._n_trials:
            study.stop()


# --- module functions ---------------------------------------------------------------------------
def create_study(storage: StorageType = None, sampler: Any = None, pruner: Any = None,
                 study_name: Optional[str] = None,
                 direction: Optional[Union[str, StudyDirection]] = None,
                 load_if_exists: bool = False,
                 directions: Optional[Sequence[Union[str, StudyDirection]]] = None,
                 *, _announce: bool = True) -> Study:
    """Create a study (as Optuna's ``create_study``).

    Args:
        storage: None (a new in-memory storage), a URL (``"sqlite:///x.db"``,
            ``"postgresql://..."``) or a ``parzen.storages`` object.
        sampler: a ``parzen.samplers`` object; None: ``AutoSampler()``, which picks GP, TPE
            (multi-objective TPE for several objectives, where Optuna 3.1 uses NSGAIISampler),
            CMA-ES or random per trial by what the study is (docs/guide.md, "Which sampler").
        pruner: a ``parzen.pruners`` object; None: ``MedianPruner()`` for one objective (as
            Optuna), ``NopPruner()`` for several.
        study_name: unique within the storage; None: a generated name.
        direction: ``"minimize"`` (default) or ``"maximize"`` (or StudyDirection).
        load_if_exists: continue the study of that name instead of raising.
        directions: one direction per objective (exclusive with ``direction``).

    Raises:
        parzen.exceptions.DuplicatedStudyError: the name exists and not load_if_exists.
        ValueError: bad directions or settings. TypeError: a sampler/pruner of the wrong type.
        parzen.exceptions.StorageInternalError: the storage failed.
    """
    dirs = _directions(direction, directions)
    st = _storages.get_storage(storage)
    if len(dirs) > 1 and sampler is not None and isinstance(sampler, _samplers.BaseSampler):
        caps = getattr(type(sampler), "_entry", {}).get("capabilities", {})

        def handles(c: Any) -> bool:  # max_objectives 0: no limit
            return bool(c.get("multi_objective")) and len(dirs) <= (c.get("max_objectives")
                                                                    or len(dirs))

        if caps and not handles(caps):
            able = [name for name in _samplers.__all__
                    if handles(getattr(getattr(_samplers, name, None), "_entry", {})
                               .get("capabilities", {}))]
            most = caps.get("max_objectives") if caps.get("multi_objective") else 1
            what = "one objective" if most == 1 else f"at most {most} objectives"
            raise ValueError(
                f"{type(sampler).__name__} models {what}; this study has {len(dirs)} "
                f"directions (use {', '.join(able)})")
    sampler, pruner, core_sampler, core_pruner = _make_core_sampler_pruner(sampler, pruner,
                                                                           len(dirs))
    existed = False
    if load_if_exists and study_name is not None and _logger.isEnabledFor(_plogging.INFO):
        existed = study_name in get_all_study_names(st)
    core = _core.create_study(st._core, study_name, dirs, core_sampler, core_pruner,
                              bool(load_if_exists), st.heartbeat_interval, st.grace_period,
                              st.max_retries, _plogging._core_log)
    study = Study._wrap(core, st, sampler, pruner)
    if not _announce:
        pass  # e.g. fmin's study: Hyperopt prints no such line
    elif existed:
        _logger.info("Using an existing study with name '%s' instead of creating a new one.",
                     study.study_name)
    else:
        _logger.info("A new study created %s with name: %s",
                     "in memory" if isinstance(st, _storages.InMemoryStorage) else "in RDB",
                     study.study_name)
    return study


def _create_study_and_ask(sampler: Any, pruner: Any, direction: str, n: int,
                          space: Sequence[Tuple[str, Any]],
                          announce: bool = True) -> Tuple[Study, List[Any]]:
    """``create_study(sampler=sampler, pruner=pruner, direction=direction)`` in a new in-memory
    storage, then ``study._core._ask_suggest(n, space)`` on it, in one core call
    (``_core._create_and_ask``): (the study, [(number, (value, ...)), ...]), the same study,
    trials and log line as the two calls; an empty list when the sampler is exhausted before
    the first trial (``announce=False``: without the log line, for a study built when a
    search's ``study_`` is first read). One objective (``direction``) only. ``sampler`` may be a
    ``_LazySampler``
    (the study's ``sampler`` object is made when first read); a ``NopPruner`` is the core's
    default pruner (no C++ pruner is built for it)."""
    dirs = _directions(direction, None)
    st = _storages.InMemoryStorage()
    if type(pruner) is _pruners.NopPruner and type(sampler) is _LazySampler:
        core_sampler = _core.make_sampler(sampler.cls._registry_name, sampler.core_options, None,
                                          None)
        core_pruner = None  # the core's default, a NopPruner (include/parzen/study.hpp)
    elif (type(pruner) is _pruners.NopPruner and isinstance(sampler, _samplers.BaseSampler)
          and not sampler._uses_pruner()):
        core_sampler = sampler._make(pruner=None)
        core_pruner = None
    else:
        sampler, pruner, core_sampler, core_pruner = _make_core_sampler_pruner(sampler, pruner,
                                                                               1)
    core, asked = _core._create_and_ask(st._core, dirs, core_sampler, core_pruner,
                                        st.heartbeat_interval, st.grace_period, st.max_retries,
                                        _plogging._core_log, n, space)
    study = Study._wrap(core, st, sampler, pruner)
    if announce:
        _logger.info("A new study created in memory with name: %s", study.study_name)
    return study, asked


def load_study(study_name: Optional[str] = None, storage: StorageType = None, sampler: Any = None,
               pruner: Any = None) -> Study:
    """Load an existing study (as Optuna's ``load_study``).

    Args:
        study_name: its name; None when the storage holds exactly one study.
        storage: a URL or ``parzen.storages`` object (required).
        sampler, pruner: as in :func:`create_study` (defaults likewise).

    Raises:
        KeyError: no such study (``parzen.exceptions.NotFoundError``). ValueError: no name and
        not exactly one study in the storage.
    """
    if storage is None:
        raise ValueError("load_study needs a storage (a URL or a parzen.storages object)")
    st = _storages.get_storage(storage)
    n_objectives = 1
    if study_name is None or sampler is None:
        # The storage's only study (study_name None, as Optuna; ValueError otherwise), and the
        # number of objectives the default sampler depends on: open the study once to read its
        # name and directions (no trial is read).
        probe = _core.load_study(st._core, study_name)
        study_name = probe.study_name
        n_objectives = len(probe.directions)
        del probe
    sampler, pruner, core_sampler, core_pruner = _make_core_sampler_pruner(sampler, pruner,
                                                                           n_objectives)
    core = _core.load_study(st._core, study_name, core_sampler, core_pruner,
                            st.heartbeat_interval, st.grace_period, st.max_retries,
                            _plogging._core_log)
    return Study._wrap(core, st, sampler, pruner)


def delete_study(study_name: str, storage: StorageType) -> None:
    """Delete a study and its trials (as Optuna's). Raises KeyError
    (``NotFoundError``) when it does not exist."""
    st = _storages.get_storage(storage)
    _core.delete_study(st._core, study_name)


def copy_study(from_study_name: str, from_storage: StorageType, to_storage: StorageType,
               to_study_name: Optional[str] = None) -> None:
    """Copy a study with its user attributes and trials to another storage (as Optuna's).

    Raises:
        KeyError: no such source study. parzen.exceptions.DuplicatedStudyError: the target
        name exists.
    """
    src = load_study(study_name=from_study_name, storage=from_storage,
                     sampler=_samplers.RandomSampler())
    dst = create_study(storage=to_storage, study_name=to_study_name or from_study_name,
                       directions=[d.name.lower() for d in src.directions],
                       sampler=_samplers.RandomSampler())
    for key, value in src.user_attrs.items():
        dst.set_user_attr(key, value)
    dst.add_trials(src.get_trials(deepcopy=False))


def get_all_study_summaries(storage: StorageType,
                            include_best_trial: bool = True) -> List[StudySummary]:
    """A :class:`StudySummary` per study in the storage (as Optuna's)."""
    st = _storages.get_storage(storage)
    out = []
    for s in _core.study_summaries(st._core):
        summary = StudySummary(s)
        if not include_best_trial:
            summary.best_trial = None
        out.append(summary)
    return out


def get_all_study_names(storage: StorageType) -> List[str]:
    """The names of the storage's studies (as Optuna's)."""
    st = _storages.get_storage(storage)
    return [s["name"] for s in _core.study_summaries(st._core)]

