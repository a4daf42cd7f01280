#!/usr/bin/env bash
# Installs what is missing (Debian's python3-optuna and python3-cmaes for the peer side too),
# builds in Release and runs the benchmarks of docs/benchmarks.md.
#
#   ./scripts/bench.sh            both benchmarks (about 10 minutes on 2 cores)
#   ./scripts/bench.sh speed      only bench_tpe_speed
#   ./scripts/bench.sh quality    only bench_tpe_quality
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages python3-optuna python3-cmaes
configure_and_build build -DCMAKE_BUILD_TYPE=Release -DPARZEN_WERROR=ON >/dev/null
what=${1:-all}
if [ "$what" = all ] || [ "$what" = speed ]; then ./build/bench/bench_tpe_speed; fi
if [ "$what" = all ] || [ "$what" = quality ]; then ./build/bench/bench_tpe_quality; fi
