// Final regret after 100 evaluations over 20 seeds: parzen's GP sampler beside the C++ peer dlib
// (Debian libdlib-dev: find_min_global, and its global_function_search engine seeded per run),
// Optuna 3.1's TPE (Debian python3-optuna through /usr/bin/python3, run by this program in the
// same run) and parzen's TPE, on the box-constrained test functions of bench/functions.hpp.
// Ackley-10 runs shifted, so that its optimum is not the centre of the box. Reports median and
// interquartile range, and a two-sided Mann-Whitney U test of the GP against Optuna's TPE.
//
//   bench_gp_quality [--trials 100] [--seeds 20] [--functions branin,levy10] [--no-optuna]

#include <algorithm>
#include <iostream>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "box_problems.hpp"
#include "dlib_peer.hpp"
#include "parzen/gp_sampler.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

GpSamplerOptions gp_options;

double run_parzen(const bench::BoxProblem& p, const std::string& method, int64_t trials,
                  uint64_t seed) {
  std::shared_ptr<Sampler> sampler;
  if (method == "gp") {
    auto o = gp_options;
    o.seed = seed;
    sampler = GpSampler::make(o);
  } else
    sampler = TpeSampler::make({.seed = seed});
  return bench::run_parzen_study(p, sampler, trials);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"final regret of parzen's GP sampler, dlib and Optuna's TPE on test functions"};
  int64_t n_trials = 100;
  int seeds = 20;
  std::vector<std::string> only;
  bool no_optuna = false;
  app.add_option("--trials", n_trials, "evaluations per run")->capture_default_str();
  app.add_option("--seeds", seeds, "runs per method and function")->capture_default_str();
  app.add_option("--functions", only, "restrict to these functions")->delimiter(',');
  app.add_flag("--no-optuna", no_optuna, "leave Optuna out");
  bool gp_only = false;
  app.add_flag("--gp-only", gp_only, "run parzen's GP sampler only (implies --no-optuna)");
  const std::map<std::string, GpAcquisition> acquisitions = {{"logei", GpAcquisition::LogEI},
                                                             {"ei", GpAcquisition::EI},
                                                             {"ucb", GpAcquisition::UCB},
                                                             {"pi", GpAcquisition::PI}};
  app.add_option("--gp-acquisition", gp_options.acquisition, "the GP sampler's acquisition")
      ->transform(CLI::CheckedTransformer(acquisitions, CLI::ignore_case));
  app.add_option("--gp-startup", gp_options.n_startup_trials, "the GP sampler's start-up trials");
  CLI11_PARSE(app, argc, argv);

  if (gp_only) no_optuna = true;
  const std::vector<std::string> local =
      gp_only ? std::vector<std::string>{"parzen gp"}
              : std::vector<std::string>{"parzen gp", "parzen tpe", "dlib find_min_global",
                                         "dlib engine"};
  std::map<std::string, std::map<std::string, std::vector<double>>> regret;
  std::vector<std::string> functions;
  std::mutex mu;
  for (const auto& problem : bench::box_problems()) {
    if (!only.empty() && std::find(only.begin(), only.end(), problem.name) == only.end()) continue;
    functions.push_back(problem.name);
    std::map<std::string, std::vector<double>> runs;
    for (const auto& m : local) runs[m].assign(static_cast<size_t>(seeds), 0.0);
    bench::run_jobs(local, seeds, [&](const std::string& method, int s) {
      const auto seed = static_cast<uint64_t>(s);
      const double r = method.starts_with("parzen")
                           ? run_parzen(problem, method.substr(7), n_trials, seed)
                           : bench::run_dlib(problem, method.substr(5), n_trials, seed);
      std::lock_guard lock(mu);
      runs[method][static_cast<size_t>(s)] = r;
      std::cout << nlohmann::json{{"system", method.substr(0, method.find(' '))},
                                  {"sampler", method.substr(method.find(' ') + 1)},
                                  {"function", problem.name},
                                  {"seed", s},
                                  {"regret", r}}
                << std::endl;
    });
    for (auto& [m, v] : runs) regret[problem.name][m] = v;
    if (no_optuna) continue;
    std::string seed_list;
    for (int s = 0; s < seeds; ++s) seed_list += fmt::format(" {}", s);
    for (const auto& row : bench::run_json_lines(
             fmt::format("/usr/bin/python3 {}/optuna_quality.py {} tpe {}{}", bench::bench_dir(),
                         problem.name, n_trials, seed_list))) {
      regret[problem.name]["optuna tpe"].push_back(row["regret"].get<double>());
      std::cout << row.dump() << std::endl;
    }
  }

  std::vector<std::string> methods = {"parzen gp"};
  if (!gp_only) methods.insert(methods.end(), {"dlib find_min_global", "dlib engine"});
  if (!no_optuna) methods.push_back("optuna tpe");
  if (!gp_only) methods.push_back("parzen tpe");
  fmt::print("\nFinal regret after {} evaluations, {} seeds: median [interquartile range]\n\n",
             n_trials, seeds);
  if (no_optuna)
    bench::print_regret_table(functions, methods, regret);
  else
    bench::print_regret_table(functions, methods, regret, "parzen gp", "optuna tpe",
                              "parzen GP vs Optuna TPE");
  return 0;
}
