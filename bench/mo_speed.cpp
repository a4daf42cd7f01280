// Milliseconds per ask+tell of multi-objective TPE at a given study size, beside Optuna 3.1's
// TPESampler on a multi-objective study (Debian python3-optuna through /usr/bin/python3,
// bench/optuna_mo_speed.py, in the same run).
//
// Each measurement prefills a fresh in-memory study with N completed trials of random
// parameters of the problem (bench/mo_functions.hpp: ZDT1, 30 parameters and 2 objectives;
// DTLZ2, 12 parameters and 3 objectives), then asks and tells K more with MOTPE; the first of
// them is a warm-up, the rest are timed. Median of three seeds
// (--seeds). Both wall-clock and CPU time
// (this process's, CLOCK_PROCESS_CPUTIME_ID; Python's time.process_time) are printed: on a
// shared machine the CPU time is the fair figure.
//
//   bench_mo_speed [--sizes 1000] [--problems zdt1,dtlz2] [--no-optuna] [--asks 51] [--seeds 3]
//                  [--sampler tpe]
//
// --sampler times another registry sampler on the same prefilled studies (e.g. gp: its log EHVI
// ask at each size, for the auto sampler's GP phase; Optuna's column stays MOTPE's).
//
// To profile parzen's asks alone, make them outweigh the prefill: e.g.
//   perf record -g ./build/bench/bench_mo_speed --sizes 1000 --problems zdt1 --no-optuna
//     --asks 501 --seeds 1

#include <time.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "mo_functions.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

struct Timing {
  double wall_ms, cpu_ms;
};

Timing parzen_ms_per_trial(const bench::mo::Problem& p, int64_t n, int64_t k, uint64_t seed,
                           const std::string& sampler) {
  auto storage = make_in_memory_storage();
  const std::vector<Direction> directions(bench::mo::n_objectives(p), Direction::Minimize);
  auto objective = [&p](Trial& t) { return bench::mo::run_trial(t, p); };
  auto prefill = Study::create({.name = "speed",
                                .storage_backend = storage,
                                .directions = directions,
                                .sampler = RandomSampler::make({.seed = seed + 1000}),
                                .log_level = LogLevel::Silent});
  prefill.optimize(objective, {.n_trials = n});
  auto study = Study::load({.name = "speed",
                            .storage_backend = storage,
                            .sampler = make_sampler(sampler, {{"seed", seed}}),
                            .log_level = LogLevel::Silent});
  auto one = [&] {
    auto t = study.ask();
    study.tell(t, objective(t));
  };
  one();  // warm-up: the sampler ingests the history once
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_ms();
  for (int64_t i = 1; i < k; ++i) one();
  const double cpu = (cpu_ms() - cpu_start) / static_cast<double>(k - 1);
  return {
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() /
          static_cast<double>(k - 1),
      cpu};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ms per trial of parzen's and Optuna's multi-objective TPE"};
  std::vector<int64_t> sizes = {1000};
  std::vector<std::string> problems = {"zdt1", "dtlz2"};
  bool no_optuna = false;
  int64_t asks = 51;
  uint64_t n_seeds = 3;
  std::string sampler = "tpe";
  app.add_option("--sizes", sizes, "completed trials before the timed asks")->delimiter(',');
  app.add_option("--problems", problems, "problems of bench/mo_functions.hpp")->delimiter(',');
  app.add_flag("--no-optuna", no_optuna, "measure parzen only");
  app.add_option("--asks", asks, "asks + tells per measurement, the first a warm-up")
      ->check(CLI::Range(int64_t{2}, int64_t{1000000}));
  app.add_option("--seeds", n_seeds, "measurements (seeds 1..N); the median is shown")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000}));
  app.add_option("--sampler", sampler, "the Parzen sampler timed, by registry name")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (const auto* entry = find_sampler(sampler); !entry || !entry->capabilities.multi_objective) {
    fmt::print(stderr, "--sampler: '{}' is not a multi-objective sampler of the registry\n",
               sampler);
    return 2;
  }

  fmt::print(
      "| problem | completed trials | parzen {}: CPU ms/trial (wall) | Optuna 3.1 MOTPE: CPU "
      "ms/trial (wall) | speed-up (CPU) |\n|---|---:|---:|---:|---:|\n",
      sampler == "tpe" ? std::string("MOTPE") : sampler);
  for (const auto& name : problems) {
    const auto& all = bench::mo::problems();
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const auto& q) { return q.name == name; });
    if (it == all.end()) {
      fmt::print(stderr, "unknown problem '{}'\n", name);
      return 2;
    }
    for (int64_t n : sizes) {
      std::vector<Timing> runs;
      for (uint64_t seed = 1; seed <= n_seeds; ++seed)
        runs.push_back(parzen_ms_per_trial(*it, n, asks, seed, sampler));
      std::sort(runs.begin(), runs.end(),
                [](const Timing& a, const Timing& b) { return a.cpu_ms < b.cpu_ms; });
      const Timing median = runs[runs.size() / 2];
      std::cout << nlohmann::json{{"system", "parzen"},
                                  {"sampler", sampler},
                                  {"problem", name},
                                  {"n", n},
                                  {"ms_per_trial", median.wall_ms},
                                  {"cpu_ms_per_trial", median.cpu_ms}}
                << std::endl;
      double optuna_ms = std::nan(""), optuna_cpu = std::nan("");
      if (!no_optuna) {
        const auto rows = bench::run_json_lines(fmt::format(
            "/usr/bin/python3 {}/optuna_mo_speed.py {} {} {} 1", bench::bench_dir(), name, n, 4));
        if (!rows.empty()) {
          optuna_ms = rows[0].at("ms_per_trial").get<double>();
          optuna_cpu = rows[0].at("cpu_ms_per_trial").get<double>();
        }
        for (const auto& row : rows) std::cout << row.dump() << std::endl;
      }
      fmt::print(
          "| {} | {} | {:.3f} ({:.3f}) | {} | {} |\n", name, n, median.cpu_ms, median.wall_ms,
          std::isnan(optuna_ms) ? "—" : fmt::format("{:.1f} ({:.1f})", optuna_cpu, optuna_ms),
          std::isnan(optuna_ms) ? "—" : fmt::format("{:.0f}x", optuna_cpu / median.cpu_ms));
    }
  }
  return 0;
}
