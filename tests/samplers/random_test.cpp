// Seeded statistical checks of the random sampler: each would fail for a sampler that ignored
// log scale, steps, bounds or a choice.

#include <gtest/gtest.h>

#include <cmath>

#include "parzen/parzen.hpp"
#include "samplers/stats.hpp"

using namespace parzen;
using namespace parzen_test;

namespace {

struct Draws {
  explicit Draws(uint64_t seed) : sampler({.seed = seed}) {}
  RandomSampler sampler;
  std::shared_ptr<Storage> storage = make_in_memory_storage();
  StudyView view{storage, storage->create_study("s", {Direction::Minimize}), {Direction::Minimize}};
  FrozenTrial trial;

  // One draw per trial: a trial's draw of a parameter is fixed by (seed, study, trial, name).
  std::vector<double> draw(const Distribution& d, size_t n) {
    std::vector<double> out;
    for (size_t i = 0; i < n; ++i) {
      trial.number = static_cast<int64_t>(i);
      const double v = sampler.sample_independent(view, trial, "p", d);
      EXPECT_TRUE(contains(d, v)) << v << " not in " << describe(d);
      out.push_back(v);
    }
    return out;
  }
};

constexpr size_t kN = 4000;

}  // namespace

TEST(RandomSampler, UniformFloatPassesKolmogorovSmirnov) {
  Draws d(1);
  auto x = d.draw(FloatDistribution{-3, 5}, kN);
  for (double& v : x) v = (v + 3) / 8;
  EXPECT_LT(ks_uniform(x), ks_critical_001(kN));
}

TEST(RandomSampler, LogUniformFloatIsUniformInLogSpace) {
  Draws d(2);
  auto x = d.draw(FloatDistribution{1e-5, 1e-1, true}, kN);
  std::vector<double> linear = x;
  for (double& v : x) v = (std::log(v) - std::log(1e-5)) / (std::log(1e-1) - std::log(1e-5));
  EXPECT_LT(ks_uniform(x), ks_critical_001(kN));
  // And clearly not uniform on the linear scale.
  for (double& v : linear) v = (v - 1e-5) / (1e-1 - 1e-5);
  EXPECT_GT(ks_uniform(linear), 5 * ks_critical_001(kN));
}

TEST(RandomSampler, SteppedFloatCoversTheGridUniformly) {
  Draws d(3);
  const auto x = d.draw(FloatDistribution{0, 1, false, 0.25}, kN);
  std::vector<double> counts(5, 0);
  for (double v : x) counts[static_cast<size_t>(std::llround(v / 0.25))]++;
  // chi-square, 4 degrees of freedom, critical value at 0.001: 18.47.
  EXPECT_LT(chi_square(counts, std::vector<double>(5, kN / 5.0)), 18.47);
}

TEST(RandomSampler, IntegersAndStepsAreUniform) {
  Draws d(4);
  const auto x = d.draw(IntDistribution{-2, 16, false, 2}, kN);
  std::vector<double> counts(10, 0);
  for (double v : x) counts[static_cast<size_t>((std::llround(v) + 2) / 2)]++;
  // 9 degrees of freedom: 27.88.
  EXPECT_LT(chi_square(counts, std::vector<double>(10, kN / 10.0)), 27.88);
}

TEST(RandomSampler, LogIntegersFollowLogSpaceMass) {
  Draws d(5);
  const IntDistribution dist{1, 8, true};
  const auto x = d.draw(dist, kN);
  std::vector<double> counts(8, 0), expected(8);
  for (double v : x) counts[static_cast<size_t>(v) - 1]++;
  const double total = std::log(8.5) - std::log(0.5);
  for (int k = 1; k <= 8; ++k)
    expected[static_cast<size_t>(k - 1)] = kN * (std::log(k + 0.5) - std::log(k - 0.5)) / total;
  // 7 degrees of freedom: 24.32. A linear-uniform integer sampler scores far above.
  EXPECT_LT(chi_square(counts, expected), 24.32);
  EXPECT_GT(chi_square(std::vector<double>(8, kN / 8.0), expected), 100.0);
}

TEST(RandomSampler, CategoricalChoicesAreEquallyLikely) {
  Draws d(6);
  const auto x = d.draw(
      CategoricalDistribution{{std::string("a"), int64_t{2}, 3.5, true, std::string("e")}}, kN);
  std::vector<double> counts(5, 0);
  for (double v : x) counts[static_cast<size_t>(v)]++;
  EXPECT_LT(chi_square(counts, std::vector<double>(5, kN / 5.0)), 18.47);
}

TEST(RandomSampler, SeededStudiesAreReproducible) {
  auto run = [](uint64_t seed) {
    auto study = Study::create(
        {.sampler = RandomSampler::make({.seed = seed}), .log_level = LogLevel::Silent});
    study.optimize(
        [](Trial& t) {
          const double a = t.suggest_float("a", 0, 1);
          const auto b = t.suggest_int("b", 1, 100, {.log = true});
          const auto c = t.suggest_categorical("c", {"x", "y", "z"});
          return a + static_cast<double>(b) + static_cast<double>(c[0]);
        },
        {.n_trials = 30});
    std::vector<std::map<std::string, ParamValue>> params;
    for (const auto& t : study.trials()) params.push_back(t.params);
    return params;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}
