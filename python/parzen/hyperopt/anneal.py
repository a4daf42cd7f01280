"""``parzen.hyperopt.anneal``: Hyperopt's ``anneal`` module; ``anneal.suggest`` is an ``algo``."""

from parzen.hyperopt._algo import anneal_suggest as suggest

__all__ = ["suggest"]
