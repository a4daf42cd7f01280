"""Logistic regression trained by SGD on scikit-learn's digits, epoch by epoch, reporting the
validation accuracy after each epoch as NNI trials do. `optimizer` is a nested choice: NNI (and
Parzen) give it as {"_name": "constant", "eta0": ...} or {"_name": "optimal"}.
"""
import argparse

import nni
import numpy as np
from nni.utils import merge_parameter
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--alpha", type=float, default=1e-4)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--optimizer", default=None)
    args = merge_parameter(parser.parse_args(), nni.get_next_parameter())

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0)
    optimizer = args.optimizer
    model = SGDClassifier(loss="log_loss", alpha=args.alpha, learning_rate=optimizer["_name"],
                          eta0=optimizer.get("eta0", 0.0), random_state=0)
    rng = np.random.default_rng(0)
    classes = np.unique(y)
    accuracy = 0.0
    for epoch in range(args.epochs):
        order = rng.permutation(len(X_train))
        for start in range(0, len(order), args.batch_size):
            batch = order[start:start + args.batch_size]
            model.partial_fit(X_train[batch], y_train[batch], classes=classes)
        accuracy = model.score(X_val, y_val)
        nni.report_intermediate_result(accuracy)
    nni.report_final_result(accuracy)


if __name__ == "__main__":
    main()
