#!/usr/bin/env bash
# Installs what is missing (Debian's python3-optuna, python3-cmaes and python3-psycopg2 for the
# peer side too), builds in Release and runs the benchmarks of docs/benchmarks.md.
#
#   ./scripts/bench.sh            every benchmark (about 60 minutes on 2 cores)
#   ./scripts/bench.sh speed      TPE ms per trial, parzen and Optuna
#   ./scripts/bench.sh quality    TPE final regret on the test functions, parzen and Optuna
#   ./scripts/bench.sh storage    trials/s through SQLite and PostgreSQL (fsync off, and durable:
#                                 fsync on, at 8 workers), parzen and Optuna, and TPE latency
#                                 through SQLite against in-memory
#   ./scripts/bench.sh chaos      the chaos run of docs/reliability.md: 8 workers on PostgreSQL,
#                                 SIGKILLs, server restarts, a skewed clock, then the audit
#                                 (CHAOS_DURATION seconds, default 600, plus a fault-free run;
#                                 not part of `all`)
#   ./scripts/bench.sh gp-speed   GP sampler ms per ask at 50 to 1 000 trials, 10 dimensions
#   ./scripts/bench.sh gp-quality GP sampler final regret beside dlib and Optuna's TPE (about
#                                 6 minutes)
#   ./scripts/bench.sh pruning    XGBoost: best log-loss against boosting rounds, parzen's
#                                 pruners and Optuna's, 20 seeds, then how well the first
#                                 rounds predict the last (about 16 minutes)
#   ./scripts/bench.sh hyperband-overhead  per-trial cost of the Hyperband-aware samplers at
#                                 1 000 and 3 000 trials, parzen and Optuna (about 1 minute)
#   ./scripts/bench.sh repeats    repeated evaluations on a noise-free objective (an SVM on
#                                 iris), parzen's GP and TPE and Optuna's TPE (under a minute)
#   ./scripts/bench.sh hypervolume exact hypervolume, parzen and Optuna's WFG, 2-4 objectives
#                                 (about 8 minutes: Optuna gets 60 s per case)
#   ./scripts/bench.sh importance parameter importance: PED-ANOVA and fANOVA beside Optuna 3.1's
#                                 fANOVA and a port of Optuna 4's PED-ANOVA (about 10 minutes:
#                                 Optuna's fANOVA takes minutes per case)
#   ./scripts/bench.sh nsga2      NSGA-II ms per trial, ZDT1/ZDT2 hypervolume beside Optuna's
#                                 NSGA-II, 10 seeds (about 2 minutes)
#   ./scripts/bench.sh cmaes      CMA-ES: evaluations to 1e-8 beside python3-cmaes, ms per trial
#                                 and final regret at 100 trials beside Optuna's CmaEsSampler,
#                                 IPOP/BIPOP against no restart (about 15 minutes)
#   ./scripts/bench.sh python     the Python package: study.optimize's cost per trial from C++,
#                                 from Python and Optuna's (random, TPE, GP; 1 000 and 10 000
#                                 trials), and n_jobs=2 against n_jobs=1 on a GIL-releasing
#                                 objective (about 20 minutes)
#   ./scripts/bench.sh mo-speed   multi-objective TPE ms per trial at 1 000 trials, parzen and
#                                 Optuna (a few minutes: Optuna's MOTPE takes seconds a trial)
#   ./scripts/bench.sh mo-quality hypervolume on ZDT/DTLZ2/WFG4/BNH/SRN/CONSTR/C2-DTLZ2 and
#                                 constrained regret on Gardner 1/2, parzen and Optuna's MOTPE
#                                 and NSGA-II, 10 seeds (hours: Optuna's MOTPE takes minutes a
#                                 run; not part of `all`)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages libyaml-cpp-dev postgresql python3-optuna python3-cmaes python3-psycopg2 libdlib-dev faketime \
  python3-dev pybind11-dev pybind11-json-dev
configure_and_build build -DCMAKE_BUILD_TYPE=Release -DPARZEN_WERROR=ON -DPARZEN_BUILD_PYTHON=ON \
  >/dev/null
what=${1:-all}
if [ "$what" = all ] || [ "$what" = speed ]; then ./build/bench/bench_tpe_speed; fi
if [ "$what" = all ] || [ "$what" = quality ]; then ./build/bench/bench_tpe_quality; fi
if [ "$what" = all ] || [ "$what" = storage ]; then
  pg_dir=/tmp/parzen-pg-$(id -u)-bench
  pg_durable_dir=/tmp/parzen-pg-$(id -u)-bench-durable
  trap './scripts/pg-server.sh stop "$pg_dir"; ./scripts/pg-server.sh stop "$pg_durable_dir"' EXIT
  PARZEN_BENCH_POSTGRES_URL=$(./scripts/pg-server.sh start "$pg_dir")
  PARZEN_BENCH_POSTGRES_DURABLE_URL=$(PARZEN_PG_DURABLE=1 ./scripts/pg-server.sh start "$pg_durable_dir")
  export PARZEN_BENCH_POSTGRES_URL PARZEN_BENCH_POSTGRES_DURABLE_URL
  ./build/bench/bench_storage_throughput
  ./build/bench/bench_tpe_speed --sqlite --sizes 100,1000
fi
if [ "$what" = all ] || [ "$what" = gp-speed ]; then ./build/bench/bench_gp_speed; fi
if [ "$what" = all ] || [ "$what" = gp-quality ]; then ./build/bench/bench_gp_quality; fi
if [ "$what" = all ] || [ "$what" = pruning ]; then
  ./build/bench/bench_xgboost_pruning
  /usr/bin/python3 bench/xgboost_curves.py examples/data/breast_cancer.csv
fi
if [ "$what" = all ] || [ "$what" = hyperband-overhead ]; then
  ./build/bench/bench_hyperband_overhead
fi
if [ "$what" = all ] || [ "$what" = repeats ]; then ./build/bench/bench_repeats; fi
if [ "$what" = all ] || [ "$what" = hypervolume ]; then ./build/bench/bench_hypervolume; fi
if [ "$what" = all ] || [ "$what" = importance ]; then ./build/bench/bench_importance; fi
if [ "$what" = all ] || [ "$what" = nsga2 ]; then ./build/bench/bench_nsga2; fi
if [ "$what" = all ] || [ "$what" = mo-speed ]; then ./build/bench/bench_mo_speed; fi
if [ "$what" = all ] || [ "$what" = cmaes ]; then
  ./build/bench/bench_cmaes
  ./build/bench/bench_cmaes --part quality --trials 1000 --seeds 6
fi
if [ "$what" = mo-quality ]; then
  ./build/bench/bench_mo_quality --samplers tpe,tpe+multivariate,random,nsga2
fi
if [ "$what" = all ] || [ "$what" = python ]; then
  # parzen is imported from build/python (the build puts the package and _core there).
  /usr/bin/python3 bench/python_overhead.py --cpp build/bench/bench_python_overhead \
    --parzen-path build/python
  /usr/bin/python3 bench/python_threads.py --parzen-path build/python
fi
if [ "$what" = chaos ]; then
  /usr/bin/python3 bench/chaos.py --duration "${CHAOS_DURATION:-600}" "${@:2}"
fi
