// Issue 13 B3: every sampler hands trials stepped values that are the shortest decimals on their
// grid (0.3, never 0.30000000000000004), log bounds exactly, and user-supplied values (grid,
// enqueued) back bit for bit, through the in-memory and the SQLite storage.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <string>

#include <fmt/format.h>

#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

// 0.0, 0.1, ..., 1.0 as the doubles parsed from those decimals.
std::set<double> tenths() {
  std::set<double> out;
  for (int k = 0; k <= 10; ++k) out.insert(std::stod(fmt::format("{}.{}", k / 10, k % 10)));
  return out;
}

struct Case {
  std::string name;
  std::shared_ptr<Sampler> sampler;
  int64_t n_trials;
};

std::vector<Case> samplers() {
  return {
      {"random", RandomSampler::make({.seed = 1}), 60},
      {"qmc", QmcSampler::make({.seed = 2}), 60},
      {"tpe", TpeSampler::make({.seed = 3, .n_startup_trials = 5}), 60},
      {"tpe-multivariate",
       TpeSampler::make({.seed = 4, .n_startup_trials = 5, .multivariate = true}), 60},
      {"gp", GpSampler::make({.seed = 5, .n_startup_trials = 5}), 30},
      {"cmaes", CmaEsSampler::make({.seed = 6}), 60},
      {"cmaes-with-margin", CmaEsSampler::make({.seed = 7, .with_margin = true}), 60},
  };
}

}  // namespace

TEST(SteppedValues, EverySamplerDrawsTheDecimalGrid) {
  const auto grid = tenths();
  for (const auto& c : samplers()) {
    auto study = Study::create({.sampler = c.sampler, .log_level = LogLevel::Silent});
    study.optimize(
        [](Trial& t) {
          const double x = t.suggest_float("x", 0, 1, {.step = 0.1});
          const double lr = t.suggest_float("C", 0.01, 1000, {.log = true});
          return (x - 0.3) * (x - 0.3) + std::abs(std::log10(lr) + 2);
        },
        {.n_trials = c.n_trials});
    std::set<double> seen;
    for (const auto& t : study.trials({TrialState::Complete})) {
      const double x = std::get<double>(t.params.at("x"));
      EXPECT_TRUE(grid.count(x)) << c.name << ": trial " << t.number << " got "
                                 << fmt::format("{}", x);
      seen.insert(x);
      const double lr = std::get<double>(t.params.at("C"));
      EXPECT_GE(lr, 0.01) << c.name;
      EXPECT_LE(lr, 1000) << c.name;
    }
    EXPECT_GE(seen.size(), 5u) << c.name;
  }
}

TEST(SteppedValues, GpLandsOnExactLogBounds) {
  // The optimum is at the lower bound: the GP proposes it, and as 0.01 exactly (not
  // exp(log(0.01)) = 0.010000000000000004).
  auto study = Study::create({.sampler = GpSampler::make({.seed = 7, .n_startup_trials = 5}),
                              .log_level = LogLevel::Silent});
  study.optimize([](Trial& t) { return t.suggest_float("C", 0.01, 1000, {.log = true}); },
                 {.n_trials = 15});
  EXPECT_EQ(std::get<double>(study.best_trial().params.at("C")), 0.01);
  for (const auto& t : study.trials()) {
    const double c = std::get<double>(t.params.at("C"));
    EXPECT_TRUE(c == 0.01 || c == 1000 || (c > 0.01 * (1 + 1e-12) && c < 1000 * (1 - 1e-12)))
        << fmt::format("{}", c);
  }
}

TEST(SteppedValues, GridAndEnqueuedValuesComeBackBitIdentical) {
  const auto path =
      std::filesystem::temp_directory_path() /
      fmt::format("parzen-stepped-{}.db", ::testing::UnitTest::GetInstance()->random_seed());
  std::filesystem::remove(path);
  for (const std::string& storage : {std::string("memory:"), "sqlite:///" + path.string()}) {
    const std::vector<ParamValue> values = {0.3, 0.6, 0.7000000000000001};
    auto grid = Study::create({.name = "grid",
                               .storage = storage,
                               .sampler = GridSampler::make({.grid = {{"x", values}}}),
                               .log_level = LogLevel::Silent});
    grid.optimize([](Trial& t) { return t.suggest_float("x", 0, 1, {.step = 0.1}); },
                  {.n_trials = 3});
    std::set<double> got;
    for (const auto& t : grid.trials()) got.insert(std::get<double>(t.params.at("x")));
    EXPECT_EQ(got, (std::set<double>{0.3, 0.6, 0.7000000000000001})) << storage;

    auto enqueued =
        Study::create({.name = "enqueued", .storage = storage, .log_level = LogLevel::Silent});
    enqueued.enqueue_trial({{"x", 0.3}, {"C", 0.01}});
    auto trial = enqueued.ask();
    EXPECT_EQ(trial.suggest_float("x", 0, 1, {.step = 0.1}), 0.3) << storage;
    EXPECT_EQ(trial.suggest_float("C", 0.01, 1000, {.log = true}), 0.01) << storage;
    enqueued.tell(trial, 1.0);
    const auto stored = enqueued.trials().at(0);
    EXPECT_EQ(std::get<double>(stored.params.at("x")), 0.3) << storage;
  }
  std::filesystem::remove(path);
}
