#!/usr/bin/env bash
# Installs what is missing, builds in Release and runs the seed experiments on iris:
#  1. the C++ example's grid search (identical to scikit-learn's GridSearchCV);
#  2. the seed's TPE experiment (100 evaluations) through `parzen run`, each trial a Python
#     script using scikit-learn, stored in the embedded SQLite default
#     (examples/cli/svm_iris/parzen.db), then `parzen show` of the study, and an NNI experiment
#     (examples/nni/sklearn-digits: NNI's config.yml, search space and trial code) run as it is;
#  3. the Python package: installed into .venv as a user installs it
#     (python3 -m venv --system-site-packages .venv && .venv/bin/pip install --no-build-isolation .)
#     and the same SVM tuned in-process with parzen.create_study (examples/python/svm_iris.py),
#     then the classic GridSearchCV, RandomizedSearchCV and Hyperopt programs on parzen's drop-ins.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages libyaml-cpp-dev python3-optuna python3-scipy  # yaml-cpp: NNI experiment configs; optuna, scipy: the importance tests
configure_and_build build -DCMAKE_BUILD_TYPE=Release -DPARZEN_WERROR=ON >/dev/null

echo "==> C++ library example: grid search (examples/svm_iris)"
./build/examples/svm_iris --search grid

storage="sqlite:///examples/cli/svm_iris/parzen.db"
echo
echo "==> parzen run examples/cli/svm_iris/tpe.toml"
# A fresh study each time; without this, running the experiment again resumes it.
./build/parzen delete svm-iris-tpe --storage "$storage" --yes >/dev/null 2>&1 || true
./build/parzen run examples/cli/svm_iris/tpe.toml
echo
echo "==> parzen show svm-iris-tpe --storage $storage"
./build/parzen show svm-iris-tpe --storage "$storage"

echo
echo "==> parzen run examples/nni/sklearn-digits/config.yml (an NNI experiment, unchanged)"
nni_storage="sqlite:///examples/nni/sklearn-digits/parzen.db"
./build/parzen delete sklearn-digits-svc --storage "$nni_storage" --yes >/dev/null 2>&1 || true
# The trial says `python3`, as NNI's configs do: the system one has scikit-learn.
PATH=/usr/bin:$PATH ./build/parzen run examples/nni/sklearn-digits/config.yml

if [ -f examples/python/svm_iris.py ]; then
  echo
  echo "==> Python: .venv/bin/pip install --no-build-isolation . (log: .venv-install.log)"
  install_python_package .venv build
  echo "==> .venv/bin/python examples/python/svm_iris.py"
  .venv/bin/python examples/python/svm_iris.py
  # The three classic programs (scikit-learn's GridSearchCV and RandomizedSearchCV, Hyperopt's
  # fmin) on iris, with only their import lines changed to parzen's drop-ins.
  for example in grid_search_iris random_search_iris hyperopt_iris; do
    echo
    echo "==> .venv/bin/python examples/python/$example.py"
    .venv/bin/python "examples/python/$example.py"
  done
fi
