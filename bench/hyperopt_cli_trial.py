#!/usr/bin/python3
"""The trial program of bench/hyperopt_cli.py: the classic Hyperopt example's objective for
`parzen run`. Prints the loss, 1 - mean 5-fold accuracy of SVC(kernel, C) on scikit-learn's iris
(the same objective as bench/python_hyperopt.py and examples/python/hyperopt_iris.py: the same
data, cross_val_score's default 5 stratified folds).

    /usr/bin/python3 bench/hyperopt_cli_trial.py --kernel rbf --C 3.5
"""
import argparse

from sklearn import datasets
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

parser = argparse.ArgumentParser()
parser.add_argument("--kernel", required=True, choices=["linear", "rbf"])
parser.add_argument("--C", type=float, required=True)
args = parser.parse_args()

X, y = datasets.load_iris(return_X_y=True)
accuracy = cross_val_score(SVC(kernel=args.kernel, C=args.C), X, y).mean()
print(f"parzen:result {float(1 - accuracy)!r}")
