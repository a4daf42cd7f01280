"""Parameter distributions (``parzen.distributions``), as Optuna's.

The classes are the C++ ones bound in ``parzen._core`` (re-exported here), with Optuna's names,
constructors and attributes:

* ``FloatDistribution(low, high, log=False, step=None)``
* ``IntDistribution(low, high, log=False, step=1)``
* ``CategoricalDistribution(choices)``: choices of str, int, float, bool or None.

Each has ``single()``, ``_contains(internal)``, ``to_internal_repr(value)`` and
``to_external_repr(internal)``, ``==``, ``hash()`` and an Optuna-like ``repr()``.
Invalid ranges raise ``ValueError`` (``parzen.exceptions.InvalidArgumentError``).
"""

import json
from typing import Any, Dict, Union

from parzen import _core

FloatDistribution = _core.FloatDistribution
IntDistribution = _core.IntDistribution
CategoricalDistribution = _core.CategoricalDistribution

#: Any of the three distribution classes (for annotations).
BaseDistribution = Union[FloatDistribution, IntDistribution, CategoricalDistribution]

__all__ = [
    "BaseDistribution",
    "FloatDistribution",
    "IntDistribution",
    "CategoricalDistribution",
    "distribution_to_json",
    "json_to_distribution",
    "check_distribution_compatibility",
]


def _asdict(dist: Any) -> Dict[str, Any]:
    if isinstance(dist, FloatDistribution):
        return {"low": dist.low, "high": dist.high, "step": dist.step, "log": dist.log}
    if isinstance(dist, IntDistribution):
        return {"log": dist.log, "step": dist.step, "low": dist.low, "high": dist.high}
    if isinstance(dist, CategoricalDistribution):
        return {"choices": list(dist.choices)}
    raise TypeError(f"not a distribution: {dist!r}")


def distribution_to_json(dist: "BaseDistribution") -> str:
    """Serialise a distribution to JSON, in Optuna's format (as Optuna's function).

    Args:
        dist: a Float-, Int- or CategoricalDistribution.

    Returns:
        ``'{"name": "FloatDistribution", "attributes": {"low": ..., ...}}'``.

    Raises:
        TypeError: ``dist`` is not a distribution.
    """
    return json.dumps({"name": type(dist).__name__, "attributes": _asdict(dist)})


def json_to_distribution(json_str: str) -> "BaseDistribution":
    """Deserialise a distribution written by :func:`distribution_to_json` (or by Optuna, whose
    pre-3.0 names UniformDistribution, LogUniformDistribution, DiscreteUniformDistribution,
    IntUniformDistribution and IntLogUniformDistribution are read as their 3.x equivalents).

    Raises:
        ValueError: unknown distribution name or malformed JSON.
    """
    loaded = json.loads(json_str)
    name = loaded.get("name")
    attrs = dict(loaded.get("attributes", {}))
    if name == "CategoricalDistribution":
        return CategoricalDistribution(choices=attrs["choices"])
    if name == "FloatDistribution":
        return FloatDistribution(attrs["low"], attrs["high"], log=bool(attrs.get("log", False)),
                                 step=attrs.get("step"))
    if name == "IntDistribution":
        return IntDistribution(attrs["low"], attrs["high"], log=bool(attrs.get("log", False)),
                               step=attrs.get("step", 1))
    if name == "UniformDistribution":
        return FloatDistribution(attrs["low"], attrs["high"])
    if name == "LogUniformDistribution":
        return FloatDistribution(attrs["low"], attrs["high"], log=True)
    if name == "DiscreteUniformDistribution":
        return FloatDistribution(attrs["low"], attrs["high"], step=attrs["q"])
    if name == "IntUniformDistribution":
        return IntDistribution(attrs["low"], attrs["high"], step=attrs.get("step", 1))
    if name == "IntLogUniformDistribution":
        return IntDistribution(attrs["low"], attrs["high"], log=True)
    raise ValueError(f"Unknown distribution class: {name}")


def check_distribution_compatibility(dist_old: "BaseDistribution",
                                     dist_new: "BaseDistribution") -> None:
    """Raise ``ValueError`` when two distributions of one parameter name cannot coexist in a
    study (different classes, a different ``log``, or different categorical choices), as
    Optuna's function."""
    if type(dist_old) is not type(dist_new):
        raise ValueError("Cannot set different distribution kind to the same parameter name.")
    if isinstance(dist_old, (FloatDistribution, IntDistribution)):
        if dist_old.log != dist_new.log:
            raise ValueError("Cannot set different log configuration to the same parameter name.")
    if isinstance(dist_old, CategoricalDistribution) and dist_old.choices != dist_new.choices:
        raise ValueError(
            CategoricalDistribution.__name__ + " does not support dynamic value space."
        )


def _adjust_discrete_uniform_high(low: float, high: float, step: float) -> float:
    """Optuna 3.1's ``_adjust_discrete_uniform_high``: ``high`` lowered to the last multiple of
    ``step`` above ``low`` (decimal arithmetic on ``str()`` of each number), with Optuna's
    UserWarning when it changes. Called by ``Trial.suggest_float(..., step=...)``."""
    import decimal
    import warnings
    d_high, d_low, d_step = (decimal.Decimal(str(x)) for x in (high, low, step))
    d_r = d_high - d_low
    if d_r % d_step != decimal.Decimal("0"):
        old_high = high
        high = float((d_r // d_step) * d_step + d_low)
        warnings.warn(
            "The distribution is specified by [{low}, {old_high}] and step={step}, but the range "
            "is not divisible by `step`. It will be replaced by [{low}, {high}].".format(
                low=low, old_high=old_high, high=high, step=step), stacklevel=2)
    return high
