// What the Hyperband-aware samplers cost per trial as a study grows: a cheap 5-D objective
// reporting 27 steps under a HyperbandPruner (1 to 27, eta 3), sampled by plain TPE, by one TPE
// per bracket (BracketSampler) and by BOHB's model (BohbSampler); seconds for the whole study
// and milliseconds per trial, beside Optuna 3.1's TPE with its HyperbandPruner on the same study
// (bench/optuna_hyperband_overhead.py, in-memory, same objective) in the same run.
//
//   bench_hyperband_overhead [--sizes 1000,3000] [--optuna-sizes 1000] [--no-optuna]

#include <chrono>
#include <cmath>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench_common.hpp"
#include "parzen/parzen.hpp"

namespace {

double run(const std::string& method, int n_trials) {
  auto pruner =
      parzen::HyperbandPruner::make({.min_resource = 1, .max_resource = 27, .reduction_factor = 3});
  std::shared_ptr<parzen::Sampler> sampler;
  if (method == "bracket-tpe")
    sampler = parzen::BracketSampler::make(pruner, [](int64_t bracket) {
      return parzen::TpeSampler::make({.seed = 1 + static_cast<uint64_t>(bracket)});
    });
  else if (method == "bohb")
    sampler = parzen::BohbSampler::make(
        {.budgets = parzen::BohbSampler::rungs(1, 27, 3), .tpe = {.seed = 1}});
  else
    sampler = parzen::TpeSampler::make({.seed = 1});
  auto study = parzen::Study::create({.name = "overhead",
                                      .sampler = sampler,
                                      .pruner = pruner,
                                      .log_level = parzen::LogLevel::Silent});
  const auto start = std::chrono::steady_clock::now();
  study.optimize(
      [](parzen::Trial& t) {
        double s = 0;
        for (int i = 0; i < 5; ++i) {
          const double x = t.suggest_float(fmt::format("x{}", i), -5, 5);
          s += x * x;
        }
        for (int64_t step = 1; step <= 27; ++step) {
          t.report(step, s + 10.0 / static_cast<double>(step));
          if (t.should_prune()) throw parzen::TrialPruned("pruned");
        }
        return s;
      },
      {.n_trials = n_trials});
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes = {1000, 3000}, optuna_sizes = {1000};
  bool no_optuna = false;
  CLI::App app{"per-trial cost of the Hyperband-aware samplers, parzen and Optuna"};
  app.add_option("--sizes", sizes, "trials per study")->delimiter(',')->capture_default_str();
  app.add_option("--optuna-sizes", optuna_sizes, "trials per Optuna study")
      ->delimiter(',')
      ->capture_default_str();
  app.add_flag("--no-optuna", no_optuna, "parzen only");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::tuple<std::string, int, double>> rows;
  for (int n : sizes)
    for (const char* m : {"tpe", "bracket-tpe", "bohb"}) {
      const double s = run(m, n);
      rows.emplace_back(std::string("parzen-") + m, n, s);
      std::cout << nlohmann::json{{"method", std::string("parzen-") + m},
                                  {"trials", n},
                                  {"seconds", s}}
                << std::endl;
    }
  if (!no_optuna)
    for (int n : optuna_sizes)
      for (const auto& row : bench::run_json_lines(fmt::format(
               "/usr/bin/python3 {}/optuna_hyperband_overhead.py {}", bench::bench_dir(), n))) {
        rows.emplace_back(row["method"].get<std::string>(), n, row["seconds"].get<double>());
        std::cout << row.dump() << std::endl;
      }

  fmt::print("\n| method | trials | seconds | ms per trial |\n|---|---:|---:|---:|\n");
  for (const auto& [m, n, s] : rows)
    fmt::print("| {} | {} | {:.2f} | {:.2f} |\n", m, n, s, 1000 * s / n);
  return 0;
}
