// Milliseconds per ask+tell as a study grows: parzen's TPE, multivariate TPE and random search
// side by side with Optuna's TPESampler / multivariate / RandomSampler (Debian python3-optuna,
// run through /usr/bin/python3 by this program, in the same run).
//
// Each measurement prefills a fresh in-memory study with N completed trials of random
// parameters (10 floats in [-5, 5], sphere objective), then asks and tells K more with the
// sampler under test; the first of them is a warm-up, the rest are timed. Parzen's rows show
// wall-clock and this process's CPU time (CLOCK_PROCESS_CPUTIME_ID; on a shared machine the CPU
// time is the fair figure).
//
//   bench_tpe_speed [--sizes 100,1000,10000] [--no-optuna]

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}
// The CPU milliseconds per trial of the last parzen_ms_per_trial call.
double last_cpu_ms_per_trial = 0;

double sphere(Trial& t) {
  double s = 0;
  for (int i = 0; i < 10; ++i) {
    const double x = t.suggest_float(fmt::format("x{}", i), -5, 5);
    s += x * x;
  }
  return s;
}

std::shared_ptr<Sampler> make_sampler(const std::string& name, uint64_t seed) {
  if (name == "random") return RandomSampler::make({.seed = seed});
  return TpeSampler::make({.seed = seed, .multivariate = name == "tpe-multivariate"});
}

double parzen_ms_per_trial(const std::string& sampler, int64_t n, int64_t k, uint64_t seed,
                           const std::string& storage_kind = "memory") {
  std::shared_ptr<Storage> storage;
  if (storage_kind == "sqlite") {
    const std::string path = fmt::format("/tmp/parzen-speed-{}-{}-{}.db", getpid(), n, seed);
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
    storage = make_storage("sqlite:///" + path);
  } else {
    storage = make_in_memory_storage();
  }
  auto prefill = Study::create({.name = "speed",
                                .storage_backend = storage,
                                .sampler = RandomSampler::make({.seed = seed + 1000}),
                                .log_level = LogLevel::Silent});
  prefill.optimize(sphere, {.n_trials = n});
  auto study = Study::load({.name = "speed",
                            .storage_backend = storage,
                            .sampler = make_sampler(sampler, seed),
                            .log_level = LogLevel::Silent});
  auto one = [&] {
    auto t = study.ask();
    study.tell(t, sphere(t));
  };
  one();  // warm-up: the sampler ingests the history once
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_ms();
  for (int64_t i = 1; i < k; ++i) one();
  last_cpu_ms_per_trial = (cpu_ms() - cpu_start) / static_cast<double>(k - 1);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
             .count() /
         static_cast<double>(k - 1);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ms per trial of parzen and Optuna samplers at growing study sizes"};
  std::vector<int64_t> sizes = {100, 1000, 10000};
  bool no_optuna = false, sqlite = false;
  app.add_option("--sizes", sizes, "completed trials before the timed asks")->delimiter(',');
  app.add_flag("--no-optuna", no_optuna, "measure parzen only");
  app.add_flag("--sqlite", sqlite,
               "instead: parzen TPE through an SQLite file against in-memory storage");
  CLI11_PARSE(app, argc, argv);

  if (sqlite) {
    fmt::print(
        "| completed trials | TPE, memory: ms/trial | TPE, SQLite: ms/trial | ratio "
        "|\n|---:|---:|---:|---:|\n");
    for (int64_t n : sizes) {
      std::vector<double> mem, sql;
      for (uint64_t seed = 1; seed <= 3; ++seed) {
        mem.push_back(parzen_ms_per_trial("tpe", n, 51, seed));
        sql.push_back(parzen_ms_per_trial("tpe", n, 51, seed, "sqlite"));
      }
      std::sort(mem.begin(), mem.end());
      std::sort(sql.begin(), sql.end());
      fmt::print("| {} | {:.3f} | {:.3f} | {:.2f}x |\n", n, mem[1], sql[1], sql[1] / mem[1]);
    }
    return 0;
  }

  const std::vector<std::string> samplers = {"tpe", "tpe-multivariate", "random"};
  std::map<std::pair<std::string, int64_t>, double> parzen_ms, parzen_cpu_ms, optuna_ms;
  for (const auto& sampler : samplers) {
    for (int64_t n : sizes) {
      // Median of three runs: the machine is shared.
      std::vector<double> runs, cpu_runs;
      const int64_t k = n >= 10000 ? 21 : 51;
      for (uint64_t seed = 1; seed <= 3; ++seed) {
        runs.push_back(parzen_ms_per_trial(sampler, n, k, seed));
        cpu_runs.push_back(last_cpu_ms_per_trial);
      }
      std::sort(runs.begin(), runs.end());
      std::sort(cpu_runs.begin(), cpu_runs.end());
      parzen_ms[{sampler, n}] = runs[1];
      parzen_cpu_ms[{sampler, n}] = cpu_runs[1];
      std::cout << nlohmann::json{{"system", "parzen"},
                                  {"sampler", sampler},
                                  {"n", n},
                                  {"ms_per_trial", runs[1]},
                                  {"cpu_ms_per_trial", cpu_runs[1]}}
                << std::endl;
      if (no_optuna) continue;
      const int64_t ok = n >= 10000 ? 4 : (n >= 1000 ? 8 : 21);
      for (const auto& row :
           bench::run_json_lines(fmt::format("/usr/bin/python3 {}/optuna_speed.py {} {} {} 1",
                                             bench::bench_dir(), sampler, n, ok))) {
        optuna_ms[{sampler, n}] = row["ms_per_trial"].get<double>();
        std::cout << row.dump() << std::endl;
      }
    }
  }

  fmt::print(
      "\n| sampler | completed trials | parzen ms/trial | parzen CPU ms/trial | Optuna 3.1 "
      "ms/trial | speed-up |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|\n");
  for (const auto& sampler : samplers)
    for (int64_t n : sizes) {
      const double p = parzen_ms[{sampler, n}], c = parzen_cpu_ms[{sampler, n}];
      if (optuna_ms.count({sampler, n})) {
        const double o = optuna_ms[{sampler, n}];
        fmt::print("| {} | {} | {:.3f} | {:.3f} | {:.1f} | {:.0f}x |\n", sampler, n, p, c, o,
                   o / p);
      } else {
        fmt::print("| {} | {} | {:.3f} | {:.3f} | - | - |\n", sampler, n, p, c);
      }
    }
  return 0;
}
