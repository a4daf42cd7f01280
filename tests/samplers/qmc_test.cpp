#include <gtest/gtest.h>

#include <set>

#include "math/sobol.hpp"
#include "parzen/parzen.hpp"
#include "samplers/stats.hpp"

using namespace parzen;
using namespace parzen_test;

TEST(ScrambledSobol, UnscrambledIsSobolsOwnSequence) {
  math::ScrambledSobol s(3, false, 0);
  EXPECT_EQ(s.point(0), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(s.point(1), (std::vector<double>{0.5, 0.5, 0.5}));
  const auto p2 = s.point(2), p3 = s.point(3);
  // The second pair splits each axis into quarters.
  std::set<double> quarters = {p2[0], p3[0]};
  EXPECT_EQ(quarters, (std::set<double>{0.25, 0.75}));
}

TEST(ScrambledSobol, ScrambledBlocksStayStratified) {
  // The first 2^m points put exactly one point in each interval [j/2^m, (j+1)/2^m) per axis.
  math::ScrambledSobol s(5, true, 123);
  const int m = 8, n = 1 << m;
  for (unsigned d = 0; d < 5; ++d) {
    std::set<int> cells;
    for (int i = 0; i < n; ++i)
      cells.insert(static_cast<int>(s.point(static_cast<uint64_t>(i))[d] * n));
    EXPECT_EQ(cells.size(), static_cast<size_t>(n)) << "axis " << d;
  }
  EXPECT_NE(s.point(0), (std::vector<double>(5, 0.0)));  // no longer anchored at the origin
  EXPECT_THROW(math::ScrambledSobol(0, true, 1), InvalidArgument);
}

namespace {

std::vector<std::vector<double>> study_points(std::shared_ptr<Sampler> sampler, int n) {
  auto study = Study::create({.sampler = std::move(sampler), .log_level = LogLevel::Silent});
  std::vector<std::vector<double>> points;
  study.optimize(
      [&](Trial& t) {
        std::vector<double> p;
        for (int k = 0; k < 4; ++k) p.push_back(t.suggest_float("x" + std::to_string(k), 0, 1));
        if (t.number() > 0) points.push_back(p);  // trial 0 is random: it defines the space
        return p[0];
      },
      {.n_trials = n + 1});
  return points;
}

}  // namespace

TEST(QmcSampler, DiscrepancyIsLowerThanRandom) {
  const int n = 256;
  const double sobol = l2_star_discrepancy(study_points(QmcSampler::make({.seed = 9}), n));
  double random = 0;
  for (uint64_t seed = 1; seed <= 5; ++seed)
    random += l2_star_discrepancy(study_points(RandomSampler::make({.seed = seed}), n)) / 5;
  EXPECT_LT(sobol, 0.5 * random) << "sobol " << sobol << " random " << random;
}

TEST(QmcSampler, SeededAndReproducibleOverMixedSpaces) {
  auto run = [](uint64_t seed) {
    auto study =
        Study::create({.sampler = QmcSampler::make({.seed = seed}), .log_level = LogLevel::Silent});
    study.optimize(
        [](Trial& t) {
          const double lr = t.suggest_float("lr", 1e-4, 1, {.log = true});
          const auto layers = t.suggest_int("layers", 1, 6);
          const auto act = t.suggest_categorical("act", {"relu", "tanh", "gelu"});
          return lr + static_cast<double>(layers) + static_cast<double>(act.size());
        },
        {.n_trials = 64});
    std::vector<std::map<std::string, ParamValue>> params;
    for (const auto& t : study.trials()) params.push_back(t.params);
    return params;
  };
  const auto a = run(7);
  EXPECT_EQ(a, run(7));
  EXPECT_NE(a, run(8));
  // Quasi-random coverage: every layer count and activation appears among 63 Sobol trials.
  std::set<int64_t> layers;
  std::set<std::string> acts;
  for (size_t i = 1; i < a.size(); ++i) {
    layers.insert(std::get<int64_t>(a[i].at("layers")));
    acts.insert(std::get<std::string>(a[i].at("act")));
  }
  EXPECT_EQ(layers.size(), 6u);
  EXPECT_EQ(acts.size(), 3u);
}
