#!/usr/bin/env bash
# Writes the dashboard's demo and test studies into an SQLite file, straight through the library
# (tests/dashboard/demo_study.hpp; no trial processes), for the browser tests and for trying
# `parzen dashboard`:
#   single   2 000 trials, 10 parameters, 10 intermediate values each, pruned and failed ones
#   multi    500 trials, two objectives (minimize, maximize): the Pareto front and hypervolume
#   <script>alert(1)</script>   an empty study whose name must show as text
#   big      --big N trials (e.g. 100000), as single (optional: ~1 min of CPU per 100 000)
#
#   scripts/dashboard-demo-study.sh FILE.db [--big N] [--build-dir build]
# Then: build/parzen dashboard FILE.db
set -euo pipefail
cd "$(dirname "$0")/.."
db=""
big=0
build=build
while [ $# -gt 0 ]; do
  case "$1" in
    --big) big=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) if [ -z "$db" ]; then db=$1; shift; else echo "unexpected argument: $1" >&2; exit 2; fi ;;
  esac
done
if [ -z "$db" ]; then
  echo "usage: $0 FILE.db [--big N] [--build-dir build]" >&2
  exit 2
fi
make_study=$build/tests/parzen_dashboard_make_study
if [ ! -x "$make_study" ]; then
  ninja -C "$build" parzen_dashboard_make_study
fi
if [ -e "$db" ]; then
  echo "$db exists: remove it first (the studies would be added to)" >&2
  exit 1
fi
"$make_study" "$db" single 2000 1 10 10
"$make_study" "$db" multi 500 2 4 0
"$make_study" "$db" '<script>alert(1)</script>' 0
if [ "$big" -gt 0 ]; then
  "$make_study" "$db" big "$big" 1 10 10
fi
echo "now: $build/parzen dashboard $db"
