#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, starts a throwaway PostgreSQL server
# (scripts/pg-server.sh) and runs every test through CTest (the Python package's pytest files
# included: CTest tests python_*, label "python"). The Release mode then checks that the Python
# package installs as users install it (pip into build/pip-venv, offline) and imports.
#
#   ./scripts/test.sh              Release build in build/
#   ./scripts/test.sh --sanitize   AddressSanitizer + UndefinedBehaviorSanitizer build in build-sanitize/
#
# Extra arguments after the mode go to ctest (e.g. -R Grid).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

dir=build
flags=(-DCMAKE_BUILD_TYPE=Release)
if [ "${1:-}" = "--sanitize" ]; then
  shift
  dir=build-sanitize
  # -g1 (line tables: file:line in sanitizer reports, no variable info) compiles ~30 % faster
  # than -g under the sanitizers; the benchmark programs are not run by the tests, so this
  # build skips them.
  flags=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DPARZEN_SANITIZE=ON
    -DPARZEN_BUILD_BENCHMARKS=OFF)
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

ensure_packages chromium  # the dashboard's browser test (tests/dashboard, label "browser")
build_dashboard  # dashboard/dist: the page parzen dashboard serves (npm ci + esbuild)
ensure_packages postgresql libdlib-dev faketime libyaml-cpp-dev python3-optuna python3-scipy  # yaml-cpp: NNI configs; optuna, scipy: tests/python/test_importance.py compares with Optuna 3.1; dlib: the C++ peer of bench_gp_quality; faketime: fault_tests
configure_and_build "$dir" -DPARZEN_WERROR=ON "${flags[@]}"

# A throwaway PostgreSQL server on 127.0.0.1 for the storage tests, stopped on exit.
pg_dir=/tmp/parzen-pg-$(id -u)-$dir
PARZEN_TEST_POSTGRES_URL=$(./scripts/pg-server.sh start "$pg_dir")
export PARZEN_TEST_POSTGRES_URL
trap './scripts/pg-server.sh stop "$pg_dir"' EXIT

ctest --test-dir "$dir" --output-on-failure --timeout 600 -j "$(nproc)" "$@"

# pip install . into a venv (setup.py builds the extension in build/, already built above), then import it
# from outside the source tree. PARZEN_SKIP_PIP=1 skips it.
if [ "$dir" = build ] && [ -z "${PARZEN_SKIP_PIP:-}" ] && grep -q "PARZEN_BUILD_PYTHON:BOOL=ON" "$dir/CMakeCache.txt"; then
  echo "==> pip install --no-build-isolation . (build/pip-venv)"
  install_python_package build/pip-venv build
  (cd /tmp && "$OLDPWD/build/pip-venv/bin/python" -c '
import parzen
study = parzen.create_study()
study.optimize(lambda t: (t.suggest_float("x", -1, 1) - 0.5) ** 2, n_trials=20)
assert len(study.trials) == 20, study.trials
print("pip-installed parzen", parzen.__version__, "from", parzen.__file__, "works")')
fi
