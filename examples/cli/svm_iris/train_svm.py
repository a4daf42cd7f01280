#!/usr/bin/python3
"""A trial for `parzen run`: 5-fold stratified cross-validation accuracy of an SVM on iris.

    /usr/bin/python3 train_svm.py --kernel rbf --C 3.5

The last line of output is the mean accuracy, which is all parzen needs to read. Uses
scikit-learn (Debian python3-sklearn), like the seed experiments, and the same iris copy as the
C++ example, so both report the same accuracies.
"""
import argparse
import os

import numpy as np
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

parser = argparse.ArgumentParser()
parser.add_argument("--kernel", required=True, choices=["linear", "rbf"])
parser.add_argument("--C", type=float, required=True)
args = parser.parse_args()

here = os.path.dirname(os.path.abspath(__file__))
data = np.loadtxt(os.path.join(here, "..", "..", "data", "iris.csv"), delimiter=",", skiprows=1)
X, y = data[:, :4], data[:, 4].astype(int)

scores = cross_val_score(SVC(kernel=args.kernel, C=args.C), X, y, cv=5)
print("fold accuracies:", " ".join(f"{s:.4f}" for s in scores))
print(scores.mean())
