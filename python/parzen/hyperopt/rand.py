"""``parzen.hyperopt.rand``: Hyperopt's ``rand`` module; ``rand.suggest`` is fmin's ``algo``."""

from parzen.hyperopt._algo import rand_suggest as suggest

__all__ = ["suggest"]
