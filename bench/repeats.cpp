// How many evaluations a sampler spends on parameters it has already evaluated, on a
// noise-free objective: an SVM on iris (libsvm, 5-fold stratified cross-validation, the seed
// example's model) over a conditional space — kernel in {linear, rbf}, C log-uniform in
// [0.01, 1000], gamma log-uniform in [1e-4, 10] for rbf only — where the optimum sits on a flat
// plateau and model-based samplers drift to the bounds of C. Issue 13 measured 54 repeated
// evaluations of 500 (10 seeds x 50 trials) for the GP sampler before it filtered evaluated
// points. Optuna 3.1's TPE (Debian python3-optuna, bench/optuna_repeats.py, scikit-learn's SVC
// on the same data) runs in the same program.
//
//   bench_repeats [--seeds 10] [--trials 50]

#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "parzen/parzen.hpp"
#include "svm_cv.hpp"

namespace {

using Params = std::map<std::string, parzen::ParamValue>;

// Complete trials whose parameters equal an earlier complete trial's, exactly.
int repeats(const std::vector<parzen::FrozenTrial>& trials) {
  std::set<std::string> seen;
  int n = 0;
  for (const auto& t : trials) {
    if (t.state != parzen::TrialState::Complete) continue;
    std::string key;
    for (const auto& [name, value] : t.params)
      key += fmt::format("{}={};", name, parzen::to_json(value).dump());
    if (!seen.insert(key).second) ++n;
  }
  return n;
}

int parzen_repeats(const std::string& sampler, const nlohmann::json& options,
                   const svm_example::Dataset& data, int seed, int n_trials) {
  nlohmann::json o = options;
  o["seed"] = seed;
  auto study = parzen::Study::create({.name = fmt::format("svm-repeats-{}", seed),
                                      .directions = {parzen::Direction::Maximize},
                                      .sampler = parzen::make_sampler(sampler, o),
                                      .log_level = parzen::LogLevel::Silent});
  study.optimize(
      [&](parzen::Trial& t) {
        svm_example::SvmParams p;
        p.kernel = t.suggest_categorical("kernel", {"linear", "rbf"});
        p.C = t.suggest_float("C", 0.01, 1000, {.log = true});
        if (p.kernel == "rbf") p.gamma = t.suggest_float("gamma", 1e-4, 10, {.log = true});
        const auto scores = svm_example::cross_val_scores(data, p, 5);
        double mean = 0;
        for (double s : scores) mean += s / static_cast<double>(scores.size());
        return mean;
      },
      {.n_trials = n_trials});
  return repeats(study.trials());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Repeated evaluations on a noise-free objective (SVM on iris)"};
  int n_seeds = 10, n_trials = 50;
  app.add_option("--seeds", n_seeds)->capture_default_str();
  app.add_option("--trials", n_trials)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto data = svm_example::load_csv_dataset(PARZEN_IRIS_CSV);
  struct Method {
    std::string label, sampler;
    nlohmann::json options;
  };
  const std::vector<Method> methods = {
      {"parzen gp", "gp", nlohmann::json::object()},
      {"parzen gp (noisy_objective = true)", "gp", {{"noisy_objective", true}}},
      {"parzen tpe", "tpe", nlohmann::json::object()},
  };
  fmt::print("| method | repeated evaluations | of | per seed |\n|---|---:|---:|---|\n");
  for (const auto& m : methods) {
    std::vector<int> per_seed;
    int total = 0;
    for (int seed = 0; seed < n_seeds; ++seed) {
      per_seed.push_back(parzen_repeats(m.sampler, m.options, data, seed, n_trials));
      total += per_seed.back();
    }
    fmt::print("| {} | {} | {} | {} |\n", m.label, total, n_seeds * n_trials,
               fmt::join(per_seed, " "));
    std::fflush(stdout);
  }
  const auto lines =
      bench::run_json_lines(fmt::format("/usr/bin/python3 {}/optuna_repeats.py {} {} {}",
                                        bench::bench_dir(), PARZEN_IRIS_CSV, n_seeds, n_trials));
  std::vector<int> per_seed;
  int total = 0;
  for (const auto& l : lines) {
    per_seed.push_back(l.at("repeats").get<int>());
    total += per_seed.back();
  }
  fmt::print("| optuna 3.1 tpe | {} | {} | {} |\n", total, n_seeds * n_trials,
             fmt::join(per_seed, " "));
}
