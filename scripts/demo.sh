#!/usr/bin/env bash
# Installs what is missing, builds in Release and runs the seed example: an SVM on iris tuned by
# grid search (matching scikit-learn's GridSearchCV) and by seeded random search.
# Arguments go to the example (e.g. --search grid, --seed 7, --csv results).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages
configure_and_build build -DCMAKE_BUILD_TYPE=Release -DPARZEN_WERROR=ON >/dev/null
./build/examples/svm_iris "$@"
