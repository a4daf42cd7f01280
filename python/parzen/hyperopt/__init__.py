"""``parzen.hyperopt``: Hyperopt 0.2.7's API on Parzen's samplers — change the import lines.

    from parzen.hyperopt import fmin, tpe, hp, STATUS_OK, Trials

    best = fmin(objective, {"kernel": hp.choice("kernel", ["linear", "rbf"]),
                            "C": hp.uniform("C", 1, 10)},
                algo=tpe.suggest, max_evals=100, trials=Trials())

``fmin`` asks a Parzen study for each evaluation and suggests only the active hp nodes of the
space under their labels (conditional spaces are Parzen's define-by-run parameters);
``tpe.suggest`` is Parzen's TPE with Hyperopt's defaults, ``rand.suggest`` its random sampler,
``anneal.suggest`` its TPE with 10 startup trials. ``Trials`` records Hyperopt's trial documents.
What is not supported raises TypeError naming it (docs/python.md, "From Hyperopt").
"""

from parzen.hyperopt import anneal, early_stop, hp, rand, tpe
from parzen.hyperopt._base import (JOB_STATE_CANCEL, JOB_STATE_DONE, JOB_STATE_ERROR,
                                   JOB_STATE_NEW, JOB_STATE_RUNNING, STATUS_FAIL, STATUS_NEW,
                                   STATUS_OK, STATUS_RUNNING, STATUS_STRINGS, STATUS_SUSPENDED,
                                   AllTrialsFailed, InvalidLoss, InvalidResultStatus, Trials)
from parzen.hyperopt._fmin import fmin, space_eval
from parzen.hyperopt._space import DuplicateLabel


class SparkTrials:
    """Not supported: raises TypeError (Hyperopt's Spark backend). Run several Parzen workers on
    one study (``parzen.create_study(storage=...)``, ``parzen worker``) instead."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise TypeError("parzen.hyperopt: SparkTrials is not supported; run Parzen workers on a "
                        "shared storage (parzen.create_study(storage=...)) instead")


class MongoTrials:
    """Not supported: raises TypeError (Hyperopt's MongoDB backend, ``hyperopt.mongoexp``).
    Parzen's SQLite/PostgreSQL storages share a study between processes and hosts."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise TypeError("parzen.hyperopt: MongoTrials is not supported; share a Parzen study "
                        "through a storage URL (sqlite:///..., postgresql://...) instead")


__all__ = ["fmin", "space_eval", "hp", "tpe", "rand", "anneal", "early_stop", "Trials",
           "STATUS_OK", "STATUS_FAIL", "STATUS_NEW", "STATUS_RUNNING", "STATUS_SUSPENDED",
           "STATUS_STRINGS", "JOB_STATE_NEW", "JOB_STATE_RUNNING", "JOB_STATE_DONE",
           "JOB_STATE_ERROR", "JOB_STATE_CANCEL", "AllTrialsFailed", "InvalidLoss",
           "InvalidResultStatus", "DuplicateLabel", "SparkTrials", "MongoTrials"]
