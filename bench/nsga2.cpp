// NSGA-II: speed (milliseconds per trial of a whole in-memory study, beside random search in the
// same program, i.e. the study's own cost; NSGA-III's too) and quality on ZDT1 / ZDT2 (30
// variables, 200 evaluations, hypervolume with reference (11, 11), median over seeds) beside
// Optuna 3.1's NSGAIISampler (Debian python3-optuna through /usr/bin/python3, in the same run).
//
//   bench_nsga2 [--trials 10000] [--evaluations 200] [--seeds 10] [--no-optuna]

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

const std::vector<Direction> kMinMin = {Direction::Minimize, Direction::Minimize};

std::vector<double> zdt(Trial& t, bool zdt2, int n) {
  std::vector<double> x(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    x[static_cast<size_t>(i)] = t.suggest_float(fmt::format("x{}", i), 0, 1);
  double s = 0;
  for (int i = 1; i < n; ++i) s += x[static_cast<size_t>(i)];
  const double g = 1 + 9 * s / (n - 1);
  const double r = x[0] / g;
  return {x[0], g * (1 - (zdt2 ? r * r : std::sqrt(r)))};
}

// Times every call into the wrapped sampler: the sampler's own share of a trial.
class TimedSampler : public Sampler {
  // Defined before its callers, which deduce its return type.
  template <class F>
  auto timed(F&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    auto out = f();
    ns_ += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    return out;
  }

 public:
  explicit TimedSampler(std::shared_ptr<Sampler> inner) : inner_(std::move(inner)) {}
  double ms() const { return ns_ / 1e6; }
  nlohmann::json before_trial(const StudyView& view) override {
    return timed([&] { return inner_->before_trial(view); });
  }
  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override {
    return timed([&] { return inner_->infer_relative_space(view, trial); });
  }
  std::map<std::string, double> sample_relative(const StudyView& view, const FrozenTrial& trial,
                                                const SearchSpace& space) override {
    return timed([&] { return inner_->sample_relative(view, trial, space); });
  }
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override {
    return timed([&] { return inner_->sample_independent(view, trial, name, distribution); });
  }
  void after_trial(const StudyView& view, const FrozenTrial& trial) override {
    timed([&] {
      inner_->after_trial(view, trial);
      return 0;
    });
  }
  bool samples_from_history() const override { return inner_->samples_from_history(); }

 private:
  std::shared_ptr<Sampler> inner_;
  double ns_ = 0;
};

struct Run {
  double ms_per_trial;
  double hypervolume;
  double sampler_ms_per_trial = 0;
};

Run run(std::shared_ptr<Sampler> inner, int n_trials, bool zdt2, int n_variables) {
  auto sampler = std::make_shared<TimedSampler>(std::move(inner));
  auto study =
      Study::create({.directions = kMinMin, .sampler = sampler, .log_level = LogLevel::Silent});
  const auto t0 = std::chrono::steady_clock::now();
  study.optimize([&](Trial& t) { return zdt(t, zdt2, n_variables); }, {.n_trials = n_trials});
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::vector<std::vector<double>> values;
  for (const auto& t : study.trials({TrialState::Complete})) values.push_back(t.values);
  return {ms / n_trials, multi_objective::hypervolume(values, {11, 11}, kMinMin),
          sampler->ms() / n_trials};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("NSGA-II speed and ZDT quality, parzen vs Optuna 3.1");
  int trials = 10000, evaluations = 200, seeds = 10;
  bool no_optuna = false;
  app.add_option("--trials", trials, "trials of the speed runs");
  app.add_option("--evaluations", evaluations, "trials of each quality run");
  app.add_option("--seeds", seeds, "seeds of the quality runs");
  app.add_flag("--no-optuna", no_optuna, "skip the Optuna side");
  CLI11_PARSE(app, argc, argv);

  fmt::print("## Speed: {} trials of ZDT1 (10 variables), in-memory storage\n\n", trials);
  fmt::print("| sampler | ms per trial (whole study) | ms per trial in the sampler |\n");
  fmt::print("|---|---:|---:|\n");
  for (const std::string name : {"random", "nsga2", "nsga3"}) {
    std::shared_ptr<Sampler> sampler =
        name == "random"  ? std::shared_ptr<Sampler>(RandomSampler::make({.seed = 1}))
        : name == "nsga2" ? std::shared_ptr<Sampler>(NsgaIISampler::make({.seed = 1}))
                          : NsgaIIISampler::make({.ga = {.seed = 1}});
    const Run r = run(sampler, trials, false, 10);
    fmt::print("| {} | {:.4f} | {:.4f} |\n", name, r.ms_per_trial, r.sampler_ms_per_trial);
  }
  if (!no_optuna) {
    const auto lines = bench::run_json_lines(
        fmt::format("/usr/bin/python3 {}/optuna_nsga2.py zdt1 1000 1", bench::bench_dir()));
    fmt::print("| Optuna 3.1 NSGAIISampler (1000 trials, 30 variables) | {:.4f} | — |\n",
               lines.at(0)["ms_per_trial"].get<double>());
  }

  fmt::print(
      "\n## Quality: {} evaluations, 30 variables, hypervolume (reference (11, 11)), "
      "median [IQR] of {} seeds\n\n",
      evaluations, seeds);
  fmt::print(
      "| problem | parzen nsga2 | Optuna 3.1 NSGA-II | random (parzen) | Mann-Whitney p |\n");
  fmt::print("|---|---:|---:|---:|---:|\n");
  for (const bool zdt2 : {false, true}) {
    const std::string problem = zdt2 ? "zdt2" : "zdt1";
    std::vector<double> ours, random, theirs;
    for (int s = 1; s <= seeds; ++s) {
      ours.push_back(
          run(NsgaIISampler::make({.seed = static_cast<uint64_t>(s)}), evaluations, zdt2, 30)
              .hypervolume);
      random.push_back(
          run(RandomSampler::make({.seed = static_cast<uint64_t>(s)}), evaluations, zdt2, 30)
              .hypervolume);
    }
    if (!no_optuna) {
      std::string seed_list;
      for (int s = 1; s <= seeds; ++s) seed_list += fmt::format(" {}", s);
      for (const auto& line :
           bench::run_json_lines(fmt::format("/usr/bin/python3 {}/optuna_nsga2.py {} {}{}",
                                             bench::bench_dir(), problem, evaluations, seed_list)))
        theirs.push_back(line["hypervolume"].get<double>());
    }
    const auto cell = [](const std::vector<double>& v) {
      if (v.empty()) return std::string("—");
      return fmt::format("{:.2f} [{:.2f}, {:.2f}]", bench::quantile(v, 0.5),
                         bench::quantile(v, 0.25), bench::quantile(v, 0.75));
    };
    const std::string p =
        theirs.empty() ? "—" : fmt::format("{:.3f}", bench::mann_whitney(ours, theirs).second);
    fmt::print("| {} | {} | {} | {} | {} |\n", problem, cell(ours), cell(theirs), cell(random), p);
  }
  return 0;
}
