#!/usr/bin/env python3
"""scikit-learn's classic randomized search (an SVM on iris, C ~ uniform(1, 10)), on Parzen: only
the imports changed.

    PYTHONPATH=build/python python3 examples/python/random_search_iris.py

The original imports ``from sklearn.model_selection import RandomizedSearchCV``; here the 4
candidates come from Parzen's default sampler (AutoSampler, seeded with random_state; its first
trials are random draws, as RandomizedSearchCV's) (scipy's uniform(1, 10) is C in [1, 11],
mapped exactly), and scikit-learn's own search class does the rest.
"""
import pandas as pd
from scipy.stats import uniform
from sklearn import datasets, svm

from parzen.sklearn import ParzenRandomizedSearchCV as RandomizedSearchCV

iris = datasets.load_iris()
distributions = {'kernel': ['linear', 'rbf'], 'C': uniform(1, 10)}
svc = svm.SVC()
clf = RandomizedSearchCV(svc, distributions, n_iter=4, cv=5, random_state=2021)
clf.fit(iris.data, iris.target)

pd.set_option("display.width", 200)
print(pd.DataFrame(clf.cv_results_)[["params", "mean_test_score", "std_test_score",
                                     "rank_test_score"]].to_string())
print("best estimator:", clf.best_estimator_)
print("best score: %.4f" % clf.best_score_)
print("best params:", clf.best_params_)
