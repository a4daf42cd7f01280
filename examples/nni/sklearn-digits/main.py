"""A support vector classifier on scikit-learn's digits, tuned through NNI's trial API.

Written as NNI trials are (import nni; get_next_parameter; report_final_result); under Parzen
the `nni` module is Parzen's (docs/nni.md). A dict result keeps its extra entries as the
trial's user attributes.
"""
import time

import nni
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC


def main():
    params = nni.get_next_parameter()
    X, y = load_digits(return_X_y=True)
    # Kept small so the example runs in about a second per trial.
    X_train, X_test, y_train, y_test = train_test_split(X[:600], y[:600], test_size=0.3,
                                                        random_state=0)
    start = time.time()
    model = SVC(C=params["C"], gamma=params["gamma"], kernel=params["kernel"])
    model.fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    nni.report_final_result({
        "default": accuracy,
        "fit_seconds": round(time.time() - start, 4),
        "trial": nni.get_trial_id(),
        "experiment": nni.get_experiment_id(),
    })


if __name__ == "__main__":
    main()
