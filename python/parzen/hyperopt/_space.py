"""Hyperopt search spaces on Parzen's define-by-run trials (``parzen.hyperopt.hp``).

A ``hp.*`` call returns a :class:`Node` (Hyperopt's pyll ``Apply`` for a labelled hyperparameter).
A space is any nesting of dicts, lists and tuples holding nodes and constants; a ``choice``'s
options may hold further nodes (conditional parameters). Sampling walks the space with a live
``parzen.Trial``: only the active nodes are suggested, each under its Hyperopt label.

How each node is suggested to Parzen (the Parzen parameter named by the label):

==============================  ===============================================  ==============
hp                              Parzen parameter                                 value
==============================  ===============================================  ==============
choice(l, options)              suggest_categorical(l, [0, .., n-1])             index
pchoice(l, [(p, o), ...])       suggest_float(l, 0, 1): quantile u; the option   index
                                whose cumulative-probability interval holds u
randint(l, upper)               suggest_int(l, 0, upper - 1)                     int
randint(l, low, high)           suggest_int(l, low, high - 1)                    int
uniform(l, low, high)           suggest_float(l, low, high)                      x
quniform(l, low, high, q)       suggest_float(l, low, high) = x                  round(x/q)*q
uniformint(l, low, high)        quniform(l, low, high, 1), as int                int
loguniform(l, low, high)        suggest_float(l, exp(low), exp(high), log=True)  x
qloguniform(l, low, high, q)    the same = x                                     round(x/q)*q
normal(l, mu, sigma)            suggest_float(l, Phi(-6), Phi(6)): quantile u    x = mu + sigma
                                                                                 * Phi^-1(u)
qnormal(l, mu, sigma, q)        the same                                         round(x/q)*q
lognormal(l, mu, sigma)         the same                                         exp(x)
qlognormal(l, mu, sigma, q)     the same                                         round(exp(x)/q)*q
==============================  ===============================================  ==============

So the random sampler draws exactly Hyperopt's distributions (the normal families truncated at
±6 sigma, probability 2e-9), and TPE models each parameter on the scale above.
"""

import math
import numbers
from statistics import NormalDist
from typing import Any, Dict, List, Optional, Tuple

_STD = NormalDist()
NORMAL_K = 6.0  # the normal families are truncated at mu ± 6 sigma
_U_LOW = _STD.cdf(-NORMAL_K)
_U_HIGH = _STD.cdf(NORMAL_K)


class DuplicateLabel(Exception):
    """Two different hp nodes of one space share a label (Hyperopt's ``DuplicateLabel``)."""


def _number(label: str, name: str, value: Any) -> float:
    if isinstance(value, Node):
        raise TypeError(f"parzen.hyperopt: hyperparameter {label!r}: `{name}` is an hp expression; "
                        "Parzen needs numbers as bounds (expressions as arguments are not "
                        "supported)")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"parzen.hyperopt: hyperparameter {label!r}: `{name}` must be a number, "
                        f"got {value!r}")
    return float(value)


def _q(label: str, q: Any) -> float:
    qf = _number(label, "q", q)
    if not qf > 0:
        raise ValueError(f"parzen.hyperopt: hyperparameter {label!r}: q must be > 0, got {q!r}")
    return qf


def _round(x: float, q: float) -> float:
    # Hyperopt: np.round(x / q) * q (round half to even, as Python's round)
    return float(round(x / q) * q)


class Node:
    """One labelled hyperparameter of a space (Hyperopt's ``hp.*`` expression)."""

    __slots__ = ("kind", "label", "args", "options", "cum")

    def __init__(self, kind: str, label: str, args: Tuple[float, ...] = (),
                 options: Optional[List[Any]] = None, cum: Optional[List[float]] = None) -> None:
        if not isinstance(label, str):
            raise TypeError(f"parzen.hyperopt: the label must be a str, got {label!r}")
        self.kind = kind
        self.label = label
        self.args = args
        self.options = options
        self.cum = cum

    def __repr__(self) -> str:
        if self.options is not None:
            return f"hp.{self.kind}({self.label!r}, {self.options!r})"
        return f"hp.{self.kind}({self.label!r}, {', '.join(repr(a) for a in self.args)})"

    def _unsupported(self, *_: Any) -> Any:
        raise TypeError(f"parzen.hyperopt: arithmetic on hp expressions ({self!r}) is not "
                        "supported (Hyperopt's pyll graph); compute it in the objective")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _unsupported
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = _unsupported

    # --- sampling -----------------------------------------------------------------------------
    def suggest(self, trial: Any, fixed: Optional[Dict[str, Any]]) -> Tuple[Any, Any]:
        """Suggest this node on ``trial``; returns (the value recorded in misc.vals, the value
        the objective sees, before a choice's option is evaluated)."""
        kind, label, a = self.kind, self.label, self.args
        if kind == "choice":
            idx = trial.suggest_categorical(label, list(range(len(self.options or ()))))
            if fixed is not None and label in fixed:
                idx = int(fixed[label])
            return idx, idx
        if kind == "pchoice":
            u = trial.suggest_float(label, 0.0, 1.0)
            if fixed is not None and label in fixed:
                idx = int(fixed[label])
            else:
                idx = _pick(self.cum or [], u)
            return idx, idx
        if kind == "randint":
            v = trial.suggest_int(label, int(a[0]), int(a[1]) - 1)
            if fixed is not None and label in fixed:
                v = int(fixed[label])
            return v, v
        if kind in ("uniform", "loguniform"):
            x = trial.suggest_float(label, a[0], a[1], log=kind == "loguniform")
        elif kind in ("quniform", "uniformint", "qloguniform"):
            x = _round(trial.suggest_float(label, a[0], a[1], log=kind == "qloguniform"), a[2])
        else:  # the normal families: the quantile u
            x = _normal_value(kind, a, trial.suggest_float(label, _U_LOW, _U_HIGH))
        if fixed is not None and label in fixed:
            x = float(fixed[label])
        if kind == "uniformint":
            return x, int(x)
        return x, x

    def internal(self, value: Any) -> Any:
        """The Parzen parameter's value for a Hyperopt value (points_to_evaluate)."""
        kind, a = self.kind, self.args
        if kind == "choice":
            idx = int(value)
            if not 0 <= idx < len(self.options or ()):
                raise ValueError(f"parzen.hyperopt: {self.label!r}: choice index {value!r} out of "
                                 f"range (0..{len(self.options or ()) - 1})")
            return idx
        if kind == "pchoice":
            idx = int(value)
            cum = self.cum or []
            if not 0 <= idx < len(cum):
                raise ValueError(f"parzen.hyperopt: {self.label!r}: pchoice index {value!r} out "
                                 "of range")
            return ((cum[idx - 1] if idx else 0.0) + cum[idx]) / 2
        if kind == "randint":
            return int(value)
        v = float(value)
        if kind in ("uniform", "loguniform", "quniform", "uniformint", "qloguniform"):
            return min(max(v, a[0]), a[1])
        mu, sigma = a[0], a[1]
        if kind in ("lognormal", "qlognormal"):
            v = math.log(v) if v > 0 else -math.inf
        z = (v - mu) / sigma
        return min(max(_STD.cdf(max(min(z, 40.0), -40.0)), _U_LOW), _U_HIGH)


def _pick(cum: List[float], u: float) -> int:
    for i, c in enumerate(cum):
        if u < c:
            return i
    return len(cum) - 1


def _normal_value(kind: str, a: Tuple[float, ...], u: float) -> float:
    x = a[0] + a[1] * _STD.inv_cdf(min(max(u, _U_LOW), _U_HIGH))
    if kind == "normal":
        return x
    if kind == "qnormal":
        return _round(x, a[2])
    if kind == "lognormal":
        return math.exp(x)
    return _round(math.exp(x), a[2])  # qlognormal


# --- walking a space ------------------------------------------------------------------------
def labels(space: Any) -> Dict[str, Node]:
    """Every node of the space (active or not) by label; raises DuplicateLabel."""
    found: Dict[str, Node] = {}
    _collect(space, found, set())
    return found


def _collect(obj: Any, found: Dict[str, Node], seen: set) -> None:
    if isinstance(obj, Node):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        old = found.get(obj.label)
        if old is not None and old is not obj:
            raise DuplicateLabel(obj.label)
        found[obj.label] = obj
        for option in obj.options or ():
            _collect(option, found, seen)
    elif isinstance(obj, dict):
        for v in obj.values():
            _collect(v, found, seen)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _collect(v, found, seen)


def sample(obj: Any, trial: Any, vals: Dict[str, Any], fixed: Optional[Dict[str, Any]],
           memo: Dict[int, Any]) -> Any:
    """The space's value for ``trial``, suggesting the active nodes; fills vals (label →
    Hyperopt value)."""
    if isinstance(obj, Node):
        key = id(obj)
        if key in memo:
            return memo[key]
        val, value = obj.suggest(trial, fixed)
        vals[obj.label] = val
        if obj.options is not None:
            value = sample(obj.options[val], trial, vals, fixed, memo)
        memo[key] = value
        return value
    if isinstance(obj, dict):
        return {k: sample(v, trial, vals, fixed, memo) for k, v in obj.items()}
    if isinstance(obj, list):
        return [sample(v, trial, vals, fixed, memo) for v in obj]
    if isinstance(obj, tuple):
        return tuple(sample(v, trial, vals, fixed, memo) for v in obj)
    return obj


def evaluate(obj: Any, assignment: Dict[str, Any]) -> Any:
    """``space_eval``: the space with each active node replaced by its value in ``assignment``
    (label → Hyperopt value: the index for choices)."""
    if isinstance(obj, Node):
        if obj.label not in assignment:
            raise KeyError(obj.label)
        v = assignment[obj.label]
        if isinstance(v, (list, tuple)) and obj.options is None:
            v = v[0]  # misc.vals form: [value]
        elif isinstance(v, (list, tuple)):
            v = v[0]
        if obj.options is not None:
            return evaluate(obj.options[int(v)], assignment)
        if obj.kind in ("randint", "uniformint"):
            return int(v)
        return v
    if isinstance(obj, dict):
        return {k: evaluate(v, assignment) for k, v in obj.items()}
    if isinstance(obj, list):
        return [evaluate(v, assignment) for v in obj]
    if isinstance(obj, tuple):
        return tuple(evaluate(v, assignment) for v in obj)
    return obj
