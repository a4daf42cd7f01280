"""Try-out findings of session 21 left open, fixed in session 22 (engineer "fix").

Finding 8: ParzenRandomizedSearchCV (and ParzenSearchCV, ParzenGridSearchCV) logged "A new study
created" when ``study_`` or ``trials_`` was first read, for a study the fit never created (built
lazily from the fit's random draws): that line now comes only from a fit that creates its study,
once, during the fit.
"""
import logging

import pytest
import scipy.stats as st
from sklearn import datasets
from sklearn.svm import SVC

from parzen.distributions import CategoricalDistribution, FloatDistribution
from parzen.sklearn import ParzenGridSearchCV, ParzenRandomizedSearchCV, ParzenSearchCV

from test_api import _Records


@pytest.fixture
def study_lines():
    """The "A new study created" messages of the "parzen" logger, as a function."""
    logger = logging.getLogger("parzen")
    handler = _Records()
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield lambda: [m for m in handler.messages if m.startswith("A new study created")]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


X, Y = datasets.load_iris(return_X_y=True)


def _lazy_searches():
    # Seeded default sampler, a categorical-majority space, n <= its random startup trials: the
    # fit draws the candidates without a study (sklearn.py, _run_search's draw_seed).
    return [
        ParzenRandomizedSearchCV(SVC(), {"C": st.loguniform(0.1, 10), "kernel": ["rbf", "linear"]},
                                 n_iter=3, random_state=0, cv=2),
        ParzenSearchCV(SVC(), {"C": FloatDistribution(0.1, 10, log=True),
                               "kernel": CategoricalDistribution(["rbf", "linear"])},
                       n_trials=3, random_state=0, cv=2),
        ParzenGridSearchCV(SVC(), {"C": [0.1, 1.0], "kernel": ["rbf", "linear"]}, cv=2),
    ]


@pytest.mark.parametrize("index", range(3))
def test_a_study_built_when_read_logs_no_study_line(study_lines, index):
    search = _lazy_searches()[index]
    search.fit(X, Y)
    assert "_lazy_study" in search.__dict__ or isinstance(search, ParzenGridSearchCV)
    assert study_lines() == []
    assert len(search.trials_) >= 3
    assert search.study_.trials
    assert study_lines() == [], "reading study_/trials_ logged a study the fit did not create"


def test_a_study_created_by_the_fit_logs_its_line_once_during_the_fit(study_lines):
    # Numeric-majority space: the default sampler's study is created by the fit.
    search = ParzenRandomizedSearchCV(SVC(), {"C": st.loguniform(0.1, 10),
                                              "gamma": st.loguniform(1e-3, 1)},
                                      n_iter=3, random_state=0, cv=2)
    search.fit(X, Y)
    assert len(study_lines()) == 1
    assert search.study_.study_name in study_lines()[0]
    search.trials_
    assert len(study_lines()) == 1
