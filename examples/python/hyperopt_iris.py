#!/usr/bin/python3
# Hyperopt's classic SVM-on-iris example, verbatim but for the import line:
#     from hyperopt import fmin, tpe, hp, STATUS_OK, Trials
# became the one below, so the search runs on Parzen's TPE (parzen.hyperopt, docs/python.md
# "From Hyperopt"). Run: PYTHONPATH=build/python /usr/bin/python3 examples/python/hyperopt_iris.py
from parzen.hyperopt import fmin, tpe, hp, STATUS_OK, Trials
from sklearn import datasets
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

iris = datasets.load_iris()
X = iris.data
y = iris.target


def hyperopt_train_test(params):
    clf = SVC(**params)
    return cross_val_score(clf, X, y).mean()


space = {
    'kernel': hp.choice('kernel', ['linear', 'rbf']),
    'C': hp.uniform('C', 1, 10),
}


def objective(params):
    acc = hyperopt_train_test(params)
    return {'loss': 1 - acc, 'status': STATUS_OK}


trials = Trials()
best = fmin(objective, space, algo=tpe.suggest, max_evals=100, trials=trials)
print('best:', best)
