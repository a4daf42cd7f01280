#!/usr/bin/env python3
"""scikit-learn's classic grid search (an SVM on iris), on Parzen: only the imports changed.

    PYTHONPATH=build/python python3 examples/python/grid_search_iris.py

The original imports ``from sklearn.model_selection import GridSearchCV``; here GridSearchCV is
Parzen's grid sampler behind scikit-learn's own search class, with the same cv_results_.
"""
import pandas as pd
from sklearn import datasets, svm

from parzen.sklearn import ParzenGridSearchCV as GridSearchCV

iris = datasets.load_iris()
parameters = {'kernel': ('linear', 'rbf'), 'C': [1, 10]}
svc = svm.SVC()
clf = GridSearchCV(svc, parameters, cv=5)
clf.fit(iris.data, iris.target)

pd.set_option("display.width", 200)
print(pd.DataFrame(clf.cv_results_)[["params", "mean_test_score", "std_test_score",
                                     "rank_test_score"]].to_string())
print("best estimator:", clf.best_estimator_)
print("best score: %.4f" % clf.best_score_)
print("best params:", clf.best_params_)
