// Final regret after 100 trials over 20 seeds on standard test functions: parzen's random
// search, TPE and multivariate TPE against Optuna 3.1's random search, TPE, multivariate TPE and
// CMA-ES (Debian python3-optuna, run through /usr/bin/python3 by this program in the same run).
// Reports median and interquartile range per method, and a two-sided Mann-Whitney U test of
// parzen TPE against Optuna TPE.
//
//   bench_tpe_quality [--trials 100] [--seeds 20] [--functions branin,levy10] [--no-optuna]

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "functions.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

std::shared_ptr<Sampler> make_sampler(const std::string& name, const std::string& function,
                                      uint64_t seed) {
  if (name == "random") return RandomSampler::make({.seed = seed});
  const bool mv = name == "tpe-multivariate";
  return TpeSampler::make({.seed = seed, .multivariate = mv, .group = mv && function == "mixed"});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"final regret of parzen and Optuna samplers on standard test functions"};
  int64_t n_trials = 100;
  int seeds = 20;
  std::vector<std::string> only;
  bool no_optuna = false;
  app.add_option("--trials", n_trials, "trials per run")->capture_default_str();
  app.add_option("--seeds", seeds, "runs per method and function")->capture_default_str();
  app.add_option("--functions", only, "restrict to these functions")->delimiter(',');
  app.add_flag("--no-optuna", no_optuna, "run parzen only");
  CLI11_PARSE(app, argc, argv);

  const std::vector<std::string> parzen_methods = {"random", "tpe", "tpe-multivariate"};
  const std::vector<std::string> optuna_methods = {"random", "tpe", "tpe-multivariate", "cmaes"};
  std::map<std::string, std::map<std::string, std::vector<double>>>
      regret;  // function -> method -> runs
  std::vector<std::string> functions;

  for (const auto& problem : bench::problems()) {
    if (!only.empty() && std::find(only.begin(), only.end(), problem.name) == only.end()) continue;
    functions.push_back(problem.name);
    for (const auto& method : parzen_methods) {
      for (int s = 0; s < seeds; ++s) {
        auto study =
            Study::create({.sampler = make_sampler(method, problem.name, static_cast<uint64_t>(s)),
                           .log_level = LogLevel::Silent});
        study.optimize(problem.objective, {.n_trials = n_trials});
        const double r = study.best_value() - problem.optimum;
        regret[problem.name]["parzen " + method].push_back(r);
        std::cout << nlohmann::json{{"system", "parzen"},
                                    {"sampler", method},
                                    {"function", problem.name},
                                    {"seed", s},
                                    {"regret", r}}
                  << std::endl;
      }
    }
    if (no_optuna) continue;
    std::string seed_list;
    for (int s = 0; s < seeds; ++s) seed_list += fmt::format(" {}", s);
    for (const auto& method : optuna_methods) {
      for (const auto& row : bench::run_json_lines(
               fmt::format("/usr/bin/python3 {}/optuna_quality.py {} {} {}{}", bench::bench_dir(),
                           problem.name, method, n_trials, seed_list))) {
        regret[problem.name]["optuna " + method].push_back(row["regret"].get<double>());
        std::cout << row.dump() << std::endl;
      }
    }
  }

  std::vector<std::string> methods;
  for (const auto& m : parzen_methods) methods.push_back("parzen " + m);
  if (!no_optuna)
    for (const auto& m : optuna_methods) methods.push_back("optuna " + m);

  fmt::print("\nFinal regret after {} trials, {} seeds: median [interquartile range]\n\n", n_trials,
             seeds);
  if (no_optuna)
    bench::print_regret_table(functions, methods, regret);
  else
    bench::print_regret_table(functions, methods, regret, "parzen tpe", "optuna tpe",
                              "parzen TPE vs Optuna TPE");
  return 0;
}
