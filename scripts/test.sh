#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs every test through CTest.
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
  flags=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 -DPARZEN_SANITIZE=ON)
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

ensure_packages
configure_and_build "$dir" -DPARZEN_WERROR=ON "${flags[@]}"
ctest --test-dir "$dir" --output-on-failure --timeout 600 -j "$(nproc)" "$@"
