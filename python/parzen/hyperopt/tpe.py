"""``parzen.hyperopt.tpe``: Hyperopt's ``tpe`` module; ``tpe.suggest`` is fmin's ``algo``."""

from parzen.hyperopt._algo import tpe_suggest as suggest

__all__ = ["suggest"]
