// Final regret after 100 evaluations over 20 seeds: parzen's GP sampler beside the C++ peer dlib
// (Debian libdlib-dev: find_min_global, and its global_function_search engine seeded per run),
// Optuna 3.1's TPE (Debian python3-optuna through /usr/bin/python3, run by this program in the
// same run) and parzen's TPE, on the box-constrained test functions of bench/functions.hpp.
// Ackley-10 runs shifted, so that its optimum is not the centre of the box. Reports median and
// interquartile range, and a two-sided Mann-Whitney U test of the GP against Optuna's TPE.
//
//   bench_gp_quality [--trials 100] [--seeds 20] [--functions branin,levy10] [--no-optuna]

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <dlib/global_optimization.h>
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "functions.hpp"
#include "parzen/gp_sampler.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

struct BoxProblem {
  std::string name;
  std::vector<double> low, high;
  double (*f)(const std::vector<double>&);
  double optimum;
};

std::vector<BoxProblem> box_problems() {
  return {
      {"branin",
       {-5, 0},
       {10, 15},
       [](const std::vector<double>& x) { return bench::branin(x[0], x[1]); },
       0.397887357729738},
      {"hartmann6", std::vector<double>(6, 0.0), std::vector<double>(6, 1.0), bench::hartmann6,
       -3.322368011415515},
      {"rosenbrock5", std::vector<double>(5, -5.0), std::vector<double>(5, 10.0), bench::rosenbrock,
       0.0},
      {"ackley10_shifted", std::vector<double>(10, -32.768), std::vector<double>(10, 32.768),
       bench::ackley_shifted, 0.0},
      {"levy10", std::vector<double>(10, -10.0), std::vector<double>(10, 10.0), bench::levy, 0.0},
      {"styblinski_tang8", std::vector<double>(8, -5.0), std::vector<double>(8, 5.0),
       bench::styblinski_tang, -39.16616570377142 * 8},
  };
}

GpSamplerOptions gp_options;

double run_parzen(const BoxProblem& p, const std::string& method, int64_t trials, uint64_t seed) {
  std::shared_ptr<Sampler> sampler;
  if (method == "gp") {
    auto o = gp_options;
    o.seed = seed;
    sampler = GpSampler::make(o);
  } else
    sampler = TpeSampler::make({.seed = seed});
  auto study = Study::create({.sampler = sampler, .log_level = LogLevel::Silent});
  study.optimize(
      [&](Trial& t) {
        std::vector<double> x(p.low.size());
        for (size_t i = 0; i < x.size(); ++i)
          x[i] = t.suggest_float("x" + std::to_string(i), p.low[i], p.high[i]);
        return p.f(x);
      },
      {.n_trials = trials});
  return study.best_value() - p.optimum;
}

dlib::matrix<double, 0, 1> column(const std::vector<double>& v) {
  dlib::matrix<double, 0, 1> m(static_cast<long>(v.size()));
  for (size_t i = 0; i < v.size(); ++i) m(static_cast<long>(i)) = v[i];
  return m;
}

double evaluate(const BoxProblem& p, const dlib::matrix<double, 0, 1>& m) {
  std::vector<double> x(static_cast<size_t>(m.size()));
  for (long i = 0; i < m.size(); ++i) x[static_cast<size_t>(i)] = m(i);
  return p.f(x);
}

double run_dlib(const BoxProblem& p, const std::string& method, int64_t trials, uint64_t seed) {
  if (method == "find_min_global") {
    const auto result = dlib::find_min_global(
        [&](const dlib::matrix<double, 0, 1>& m) { return evaluate(p, m); }, column(p.low),
        column(p.high), dlib::max_function_calls(static_cast<size_t>(trials)));
    return result.y - p.optimum;
  }
  // The engine under find_min_global, seeded: it maximises, so it is given -f.
  dlib::global_function_search search(dlib::function_spec(column(p.low), column(p.high)));
  search.set_seed(static_cast<time_t>(seed));
  double best = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < trials; ++i) {
    auto next = search.get_next_x();
    const double y = evaluate(p, next.x());
    best = std::min(best, y);
    next.set(-y);
  }
  return best - p.optimum;
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
  for (const auto& problem : box_problems()) {
    if (!only.empty() && std::find(only.begin(), only.end(), problem.name) == only.end()) continue;
    functions.push_back(problem.name);
    // Two threads share the (method, seed) runs; each run is seeded, so the order is irrelevant.
    std::vector<std::pair<std::string, int>> jobs;
    for (const auto& m : local)
      for (int s = 0; s < seeds; ++s) jobs.emplace_back(m, s);
    std::atomic<size_t> next{0};
    std::map<std::string, std::vector<double>> runs;
    for (const auto& m : local) runs[m].assign(static_cast<size_t>(seeds), 0.0);
    auto worker = [&] {
      for (size_t j; (j = next++) < jobs.size();) {
        const auto& [method, s] = jobs[j];
        const auto seed = static_cast<uint64_t>(s);
        const double r = method.starts_with("parzen")
                             ? run_parzen(problem, method.substr(7), n_trials, seed)
                             : run_dlib(problem, method.substr(5), n_trials, seed);
        std::lock_guard lock(mu);
        runs[method][static_cast<size_t>(s)] = r;
        std::cout << nlohmann::json{{"system", method.substr(0, method.find(' '))},
                                    {"sampler", method.substr(method.find(' ') + 1)},
                                    {"function", problem.name},
                                    {"seed", s},
                                    {"regret", r}}
                  << std::endl;
      }
    };
    std::thread a(worker), b(worker);
    a.join();
    b.join();
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
