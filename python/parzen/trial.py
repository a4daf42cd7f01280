"""Trials (``parzen.trial``), as Optuna's ``optuna.trial``.

* ``Trial``: the live trial handed to objectives — the C++ class ``parzen._core.Trial`` itself
  (no Python wrapper per trial): ``suggest_float(name, low, high, *, step=None, log=False)``,
  ``suggest_int(name, low, high, *, step=1, log=False)``, ``suggest_categorical(name, choices)``
  (str, int, float, bool or None), ``report(value, step)``, ``should_prune()``,
  ``set_user_attr(key, value)``, ``set_constraints(values)``, ``number``, ``params``,
  ``distributions``, ``user_attrs``, ``datetime_start``.
* ``FrozenTrial``: a finished (or running) trial's record. The records a study returns are
  ``parzen._core.FrozenTrial`` (read-only); ``parzen.trial.FrozenTrial(...)`` with Optuna's
  constructor builds one in Python for ``Study.add_trial``; ``isinstance(t, FrozenTrial)`` holds
  for both.
* ``FixedTrial(params, number=0)``: a trial that suggests given values, as Optuna's, to re-run
  an objective outside a study (``objective(FixedTrial(study.best_params))``).
  ``objective(study.best_trial)`` works too: a FrozenTrial has Optuna's ``suggest_*`` (its own
  parameter values), ``report`` (does nothing) and ``should_prune`` (False).
* ``create_trial(...)``: Optuna's helper for ``Study.add_trial``.
* ``TrialState``.
"""

import abc
import datetime
import math
import warnings
from typing import Any, Dict, List, Optional, Sequence

from parzen import _core
from parzen._state import TrialState

__all__ = ["Trial", "FrozenTrial", "FixedTrial", "TrialState", "create_trial"]

Trial = _core.Trial


class FrozenTrial(metaclass=abc.ABCMeta):
    """A trial's record, as Optuna's ``FrozenTrial`` (same constructor and attributes).

    Args:
        number: the trial's number in its study (0, 1, ...).
        state: a :class:`TrialState`.
        value: the objective value of a single-objective trial (or None); exclusive with
            ``values``.
        datetime_start, datetime_complete: naive local datetimes or None.
        params: parameter name → value (external form).
        distributions: parameter name → distribution.
        user_attrs, system_attrs: JSON-able dicts.
        intermediate_values: step (int) → reported value (float).
        trial_id: the storage's id (ignored by ``add_trial``).
        values: one value per objective (or None).

    Records returned by a study (``study.trials``, callbacks) are ``parzen._core.FrozenTrial``,
    registered as a virtual subclass of this class.
    """

    def __init__(self, number: int, state: TrialState, value: Optional[float],
                 datetime_start: Optional[datetime.datetime],
                 datetime_complete: Optional[datetime.datetime], params: Dict[str, Any],
                 distributions: Dict[str, Any], user_attrs: Dict[str, Any],
                 system_attrs: Dict[str, Any], intermediate_values: Dict[int, float],
                 trial_id: int, *, values: Optional[Sequence[float]] = None) -> None:
        if value is not None and values is not None:
            raise ValueError("Specify only one of `value` and `values`.")
        self.number = number
        self.state = TrialState(state)
        self._values: Optional[List[float]] = (
            [float(value)] if value is not None else
            [float(v) for v in values] if values is not None else None)
        self.datetime_start = datetime_start
        self.datetime_complete = datetime_complete
        self.params = dict(params)
        self.distributions = dict(distributions)
        self.user_attrs = dict(user_attrs)
        self.system_attrs = dict(system_attrs)
        self.intermediate_values = {int(k): float(v) for k, v in intermediate_values.items()}
        self._trial_id = trial_id
        self.constraints: List[float] = []
        self.fail_reason = ""

    @property
    def values(self) -> Optional[List[float]]:
        """One value per objective, or None."""
        return self._values

    @property
    def value(self) -> Optional[float]:
        """The single objective value; RuntimeError for a multi-objective trial (as Optuna)."""
        if self._values is None:
            return None
        if len(self._values) != 1:
            raise RuntimeError("This attribute is not available during multi-objective "
                               "optimization.")
        return self._values[0]

    @property
    def duration(self) -> Optional[datetime.timedelta]:
        """datetime_complete - datetime_start, or None while either is unset."""
        if self.datetime_start and self.datetime_complete:
            return self.datetime_complete - self.datetime_start
        return None

    @property
    def last_step(self) -> Optional[int]:
        """The last step with a reported value, or None."""
        return max(self.intermediate_values) if self.intermediate_values else None

    def _validate(self) -> None:
        if self.state != TrialState.WAITING and self.datetime_start is None:
            raise ValueError("`datetime_start` is supposed to be set when the trial is not "
                             "waiting.")
        if self.state.is_finished():
            if self.datetime_complete is None:
                raise ValueError("`datetime_complete` is supposed to be set for a finished "
                                 "trial.")
        elif self.datetime_complete is not None:
            raise ValueError("`datetime_complete` is supposed to be None for an unfinished "
                             "trial.")
        if self.state == TrialState.COMPLETE and self._values is None:
            raise ValueError("`value` is supposed to be set for a complete trial.")
        if self._values is not None and any(math.isnan(v) for v in self._values):
            raise ValueError("`value` is supposed to be a number, not NaN.")
        if set(self.params) != set(self.distributions):
            raise ValueError("Inconsistent parameters {} and distributions {}.".format(
                set(self.params), set(self.distributions)))
        for name, value in self.params.items():
            dist = self.distributions[name]
            if not dist._contains(dist.to_internal_repr(value)):
                raise ValueError(f"The value {value} of parameter '{name}' isn't contained in "
                                 f"the distribution {dist}.")

    def __repr__(self) -> str:
        return ("FrozenTrial(number={}, state={}, values={}, datetime_start={!r}, "
                "datetime_complete={!r}, params={}, user_attrs={}, system_attrs={}, "
                "intermediate_values={}, distributions={}, trial_id={})").format(
            self.number, self.state, self._values, self.datetime_start, self.datetime_complete,
            self.params, self.user_attrs, self.system_attrs, self.intermediate_values,
            self.distributions, self._trial_id)


FrozenTrial.register(_core.FrozenTrial)


# Optuna's suggest API on fixed values (FrozenTrial's and FixedTrial's, Optuna 3.1 semantics):
# the distribution is built as Trial.suggest_* builds it (a step that does not divide the range
# lowers high, with Optuna's warning), the value must be given and, for a FrozenTrial, inside it.
def _float_dist(low: float, high: float, step: Optional[float], log: bool) -> Any:
    from parzen import distributions as d
    if step is not None and not log:
        high = d._adjust_discrete_uniform_high(low, high, step)
    return d.FloatDistribution(low, high, log=log, step=step)


def _int_dist(low: int, high: int, step: int, log: bool) -> Any:
    from parzen import distributions as d
    if not log and step > 0 and low <= high and (high - low) % step:
        old_high, high = high, (high - low) // step * step + low
        warnings.warn(
            "The distribution is specified by [{}, {}] and step={}, but the range is not "
            "divisible by `step`. It will be replaced by [{}, {}].".format(
                low, old_high, step, low, high), stacklevel=4)
    return d.IntDistribution(low, high, log=log, step=step)


def _fixed_value(params: Dict[str, Any], name: str, dist: Any, what: str, strict: bool) -> Any:
    if name not in params:
        raise ValueError("The value of the parameter '{}' is not found. Please set it at the "
                         "construction of the {} object.".format(name, what))
    value = params[name]
    try:
        inside = dist._contains(dist.to_internal_repr(value))
    except (ValueError, TypeError):
        inside = False
    if not inside:
        msg = "The value {} of the parameter '{}' is out of the range of the distribution {}."\
            .format(value, name, dist)
        if strict:
            raise ValueError(msg)
        warnings.warn(msg, stacklevel=4)
    return value


class _FixedSuggest:
    """suggest_* / report / should_prune on fixed parameter values (mixed into the trials)."""

    def _fixed_suggest(self, name: str, dist: Any) -> Any:
        return _fixed_value(self.params, name, dist, "FrozenTrial", True)

    def suggest_float(self, name: str, low: float, high: float, *, step: Optional[float] = None,
                      log: bool = False) -> float:
        """This trial's value of ``name`` (ValueError when it has none or it is outside)."""
        return float(self._fixed_suggest(name, _float_dist(low, high, step, log)))

    def suggest_int(self, name: str, low: int, high: int, step: int = 1,
                    log: bool = False) -> int:
        """This trial's value of ``name`` (ValueError when it has none or it is outside)."""
        return int(self._fixed_suggest(name, _int_dist(low, high, step, log)))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        """This trial's value of ``name`` (ValueError when it has none or it is not a choice)."""
        from parzen import distributions as d
        return self._fixed_suggest(name, d.CategoricalDistribution(list(choices)))

    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Deprecated as in Optuna: ``suggest_float(name, low, high)``."""
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Deprecated as in Optuna: ``suggest_float(name, low, high, log=True)``."""
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        """Deprecated as in Optuna: ``suggest_float(name, low, high, step=q)``."""
        return self.suggest_float(name, low, high, step=q)

    def report(self, value: float, step: int) -> None:
        """Does nothing (as Optuna's FrozenTrial/FixedTrial)."""

    def should_prune(self) -> bool:
        """Always False (as Optuna's FrozenTrial/FixedTrial)."""
        return False


for _name in ("suggest_float", "suggest_int", "suggest_categorical", "suggest_uniform",
              "suggest_loguniform", "suggest_discrete_uniform", "report", "should_prune",
              "_fixed_suggest"):
    setattr(FrozenTrial, _name, getattr(_FixedSuggest, _name))
    if not hasattr(_core.FrozenTrial, _name):
        setattr(_core.FrozenTrial, _name, getattr(_FixedSuggest, _name))


class FixedTrial(_FixedSuggest):
    """A trial that suggests the given parameter values, as Optuna's ``FixedTrial``: to run an
    objective outside a study, e.g. to rebuild the best model with
    ``objective(FixedTrial(study.best_params))``.

    Args:
        params: parameter name → value. ``suggest_*`` returns the value of its name
            (ValueError when missing; a value outside the distribution is returned with a
            warning, as Optuna).
        number: the value of ``number``.

    ``report`` does nothing, ``should_prune`` is False, ``set_user_attr`` stores in
    ``user_attrs``; ``params``/``distributions`` hold what was suggested.
    """

    def __init__(self, params: Dict[str, Any], number: int = 0) -> None:
        self._params = dict(params)
        self._suggested_params: Dict[str, Any] = {}
        self._distributions: Dict[str, Any] = {}
        self._user_attrs: Dict[str, Any] = {}
        self._system_attrs: Dict[str, Any] = {}
        self._datetime_start = datetime.datetime.now()
        self._number = number

    def _fixed_suggest(self, name: str, dist: Any) -> Any:
        from parzen import distributions as d
        value = _fixed_value(self._params, name, dist, "FixedTrial", False)
        if name in self._distributions:
            d.check_distribution_compatibility(self._distributions[name], dist)
        self._suggested_params[name] = value
        self._distributions[name] = dist
        return value

    def set_user_attr(self, key: str, value: Any) -> None:
        """Stores ``value`` in ``user_attrs``."""
        self._user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        """Stores ``value`` in ``system_attrs`` (deprecated in Optuna 3.1)."""
        self._system_attrs[key] = value

    @property
    def params(self) -> Dict[str, Any]:
        """The parameters suggested so far."""
        return self._suggested_params

    @property
    def distributions(self) -> Dict[str, Any]:
        """The distributions of the parameters suggested so far."""
        return self._distributions

    @property
    def user_attrs(self) -> Dict[str, Any]:
        """The user attributes set."""
        return self._user_attrs

    @property
    def system_attrs(self) -> Dict[str, Any]:
        """The system attributes set."""
        return self._system_attrs

    @property
    def datetime_start(self) -> Optional[datetime.datetime]:
        """When the FixedTrial was made."""
        return self._datetime_start

    @property
    def number(self) -> int:
        """The number given."""
        return self._number


# Python-level helpers on the C++ classes: attributes of the type, so they cost nothing per trial.
def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"{old} has been deprecated in Optuna v3.0.0 (and is kept by Parzen for old "
                  f"objectives). Use {new} instead.", FutureWarning, stacklevel=3)


def _suggest_uniform(self: Any, name: str, low: float, high: float) -> float:
    """Deprecated as in Optuna: ``suggest_float(name, low, high)``."""
    _deprecated("suggest_uniform", "suggest_float")
    return self.suggest_float(name, low, high)


def _suggest_loguniform(self: Any, name: str, low: float, high: float) -> float:
    """Deprecated as in Optuna: ``suggest_float(name, low, high, log=True)``."""
    _deprecated("suggest_loguniform", "suggest_float(..., log=True)")
    return self.suggest_float(name, low, high, log=True)


def _suggest_discrete_uniform(self: Any, name: str, low: float, high: float, q: float) -> float:
    """Deprecated as in Optuna: ``suggest_float(name, low, high, step=q)``."""
    _deprecated("suggest_discrete_uniform", "suggest_float(..., step=...)")
    return self.suggest_float(name, low, high, step=q)


def _last_step(self: Any) -> Optional[int]:
    """The last step with a reported value, or None (as Optuna's FrozenTrial.last_step)."""
    iv = self.intermediate_values
    return max(iv) if iv else None


for _name, _fn in (("suggest_uniform", _suggest_uniform),
                   ("suggest_loguniform", _suggest_loguniform),
                   ("suggest_discrete_uniform", _suggest_discrete_uniform)):
    if not hasattr(_core.Trial, _name):
        setattr(_core.Trial, _name, _fn)
if not hasattr(_core.FrozenTrial, "last_step"):
    _core.FrozenTrial.last_step = property(_last_step)  # type: ignore[attr-defined]


def create_trial(*, state: TrialState = TrialState.COMPLETE, value: Optional[float] = None,
                 values: Optional[Sequence[float]] = None,
                 params: Optional[Dict[str, Any]] = None,
                 distributions: Optional[Dict[str, Any]] = None,
                 user_attrs: Optional[Dict[str, Any]] = None,
                 system_attrs: Optional[Dict[str, Any]] = None,
                 intermediate_values: Optional[Dict[int, float]] = None) -> FrozenTrial:
    """A trial record for :meth:`parzen.Study.add_trial` (as Optuna's ``create_trial``).

    Args:
        state: COMPLETE (default), PRUNED, FAIL or WAITING.
        value / values: the objective value(s); exactly one for a COMPLETE trial.
        params, distributions: parameter values and their distributions (same keys).
        user_attrs, system_attrs, intermediate_values: as in :class:`FrozenTrial`.

    Raises:
        ValueError: inconsistent arguments (a COMPLETE trial without value, a parameter outside
            its distribution, params and distributions with different keys, ...).
    """
    now = datetime.datetime.now()
    state = TrialState(state)
    trial = FrozenTrial(
        number=-1, state=state, value=value,
        datetime_start=None if state == TrialState.WAITING else now,
        datetime_complete=now if state.is_finished() else None,
        params=params or {}, distributions=distributions or {}, user_attrs=user_attrs or {},
        system_attrs=system_attrs or {}, intermediate_values=intermediate_values or {},
        trial_id=-1, values=values)
    trial._validate()
    return trial

