"""``hp``: Hyperopt 0.2.7's hyperparameter expressions (``from parzen.hyperopt import hp``).

Each function returns a labelled node of a search space; see ``parzen.hyperopt._space`` for how
each one is suggested to Parzen. Arguments are numbers (not hp expressions).
"""

import math
import numbers
from typing import Any, List, Sequence, Tuple

from parzen.hyperopt._space import Node, _number, _q

__all__ = ["choice", "pchoice", "randint", "uniform", "uniformint", "quniform", "loguniform",
           "qloguniform", "normal", "qnormal", "lognormal", "qlognormal"]


def _bounds(kind: str, label: str, low: Any, high: Any) -> Tuple[float, float]:
    lo, hi = _number(label, "low", low), _number(label, "high", high)
    if not lo <= hi:
        raise ValueError(f"parzen.hyperopt: hp.{kind}({label!r}): low > high ({low!r} > {high!r})")
    return lo, hi


def _sigma(kind: str, label: str, mu: Any, sigma: Any) -> Tuple[float, float]:
    m, s = _number(label, "mu", mu), _number(label, "sigma", sigma)
    if not s > 0:
        raise ValueError(f"parzen.hyperopt: hp.{kind}({label!r}): sigma must be > 0, got {sigma!r}")
    return m, s


def choice(label: str, options: Sequence[Any]) -> Node:
    """One of ``options`` (which may hold hp expressions: conditional parameters); the recorded
    value is the index."""
    opts = list(options)
    if not opts:
        raise ValueError(f"parzen.hyperopt: hp.choice({label!r}): no options")
    return Node("choice", label, options=opts)


def pchoice(label: str, p_options: Sequence[Tuple[float, Any]]) -> Node:
    """One of the options, option i with probability p_i (``[(p, option), ...]``, sum 1)."""
    pairs = list(p_options)
    if not pairs:
        raise ValueError(f"parzen.hyperopt: hp.pchoice({label!r}): no options")
    probs = [_number(label, "p", p) for p, _ in pairs]
    if any(p < 0 for p in probs) or not math.isclose(sum(probs), 1.0, rel_tol=1e-6):
        raise ValueError(f"parzen.hyperopt: hp.pchoice({label!r}): probabilities must be >= 0 "
                         f"and sum to 1, got {probs}")
    cum: List[float] = []
    total = 0.0
    for p in probs:
        total += p
        cum.append(total)
    cum[-1] = 1.0
    return Node("pchoice", label, options=[o for _, o in pairs], cum=cum)


def randint(label: str, *args: Any, **kwargs: Any) -> Node:
    """``randint(label, upper)``: an int in [0, upper); ``randint(label, low, high)``: in
    [low, high)."""
    if kwargs:
        names = ["low", "high"] if len(args) + len(kwargs) == 2 else ["upper"]
        args = args + tuple(kwargs.pop(n) for n in names[len(args):] if n in kwargs)
        if kwargs:
            raise TypeError(f"parzen.hyperopt: hp.randint: unexpected arguments {sorted(kwargs)}")
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("parzen.hyperopt: hp.randint(label, upper) or hp.randint(label, low, high)")
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            if not (isinstance(v, float) and v.is_integer()):
                raise TypeError(f"parzen.hyperopt: hp.randint({label!r}): {name} must be an int, "
                                f"got {v!r}")
    if not int(low) < int(high):
        raise ValueError(f"parzen.hyperopt: hp.randint({label!r}): low must be < high "
                         f"({low!r}, {high!r})")
    return Node("randint", label, (int(low), int(high)))


def uniform(label: str, low: float, high: float) -> Node:
    """A float uniform in [low, high]."""
    return Node("uniform", label, _bounds("uniform", label, low, high))


def quniform(label: str, low: float, high: float, q: float) -> Node:
    """round(uniform(low, high) / q) * q (a float)."""
    return Node("quniform", label, _bounds("quniform", label, low, high) + (_q(label, q),))


def uniformint(label: str, low: float, high: float, q: float = 1.0) -> Node:
    """quniform(label, low, high, q=1) as an int (Hyperopt forces q = 1)."""
    return Node("uniformint", label, _bounds("uniformint", label, low, high) + (1.0,))


def loguniform(label: str, low: float, high: float) -> Node:
    """exp(uniform(low, high)): ``low`` and ``high`` are the bounds of the LOG of the value."""
    lo, hi = _bounds("loguniform", label, low, high)
    return Node("loguniform", label, (math.exp(lo), math.exp(hi)))


def qloguniform(label: str, low: float, high: float, q: float) -> Node:
    """round(exp(uniform(low, high)) / q) * q (log-space bounds)."""
    lo, hi = _bounds("qloguniform", label, low, high)
    return Node("qloguniform", label, (math.exp(lo), math.exp(hi), _q(label, q)))


def normal(label: str, mu: float, sigma: float) -> Node:
    """A float normal(mu, sigma) (Parzen truncates at mu ± 6 sigma)."""
    return Node("normal", label, _sigma("normal", label, mu, sigma))


def qnormal(label: str, mu: float, sigma: float, q: float) -> Node:
    """round(normal(mu, sigma) / q) * q."""
    return Node("qnormal", label, _sigma("qnormal", label, mu, sigma) + (_q(label, q),))


def lognormal(label: str, mu: float, sigma: float) -> Node:
    """exp(normal(mu, sigma))."""
    return Node("lognormal", label, _sigma("lognormal", label, mu, sigma))


def qlognormal(label: str, mu: float, sigma: float, q: float) -> Node:
    """round(exp(normal(mu, sigma)) / q) * q."""
    return Node("qlognormal", label, _sigma("qlognormal", label, mu, sigma) + (_q(label, q),))
