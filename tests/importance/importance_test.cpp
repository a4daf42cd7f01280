// Parameter importance (include/parzen/importance.hpp): the references of issue 20, Optuna's
// values on the same trials, the trial and parameter rules, and the errors.
#include "parzen/importance.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "parzen/error.hpp"
#include "parzen/study.hpp"

namespace parzen {
namespace {

using Point = std::map<std::string, double>;

FrozenTrial make_trial(int64_t number, const std::map<std::string, Distribution>& space,
                       const Point& internal, std::vector<double> values,
                       TrialState state = TrialState::Complete) {
  FrozenTrial t;
  t.number = number;
  t.id = number;
  t.state = state;
  for (const auto& [name, value] : internal) {
    t.distributions[name] = space.at(name);
    t.params[name] = to_external(space.at(name), value);
  }
  t.values = std::move(values);
  return t;
}

// n trials drawn uniformly (internal values), valued by f.
std::vector<FrozenTrial> random_trials(const std::map<std::string, Distribution>& space, size_t n,
                                       uint64_t seed,
                                       const std::function<double(const Point&)>& f) {
  std::mt19937_64 rng(seed);
  std::vector<FrozenTrial> trials;
  for (size_t k = 0; k < n; ++k) {
    Point x;
    for (const auto& [name, d] : space) {
      if (const auto* fl = std::get_if<FloatDistribution>(&d)) {
        x[name] = fl->log ? std::exp(std::uniform_real_distribution<double>(
                                std::log(fl->low), std::log(fl->high))(rng))
                          : std::uniform_real_distribution<double>(fl->low, fl->high)(rng);
      } else if (const auto* i = std::get_if<IntDistribution>(&d)) {
        x[name] = static_cast<double>(std::uniform_int_distribution<int64_t>(i->low, i->high)(rng));
      } else {
        const auto& c = std::get<CategoricalDistribution>(d);
        x[name] = static_cast<double>(
            std::uniform_int_distribution<size_t>(0, c.choices.size() - 1)(rng));
      }
    }
    trials.push_back(make_trial(static_cast<int64_t>(k), space, x, {f(x)}));
  }
  return trials;
}

double importance_of(const ParamImportances& r, const std::string& name) {
  for (const auto& [n, v] : r)
    if (n == name) return v;
  ADD_FAILURE() << "no importance for " << name;
  return -1;
}

void expect_normalised_and_sorted(const ParamImportances& r) {
  double sum = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    sum += r[i].second;
    EXPECT_GE(r[i].second, 0.0);
    if (i > 0) {
      EXPECT_GE(r[i - 1].second, r[i].second);
    }
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

ImportanceOptions with(ImportanceEvaluator e) {
  ImportanceOptions o;
  o.evaluator = e;
  return o;
}

std::map<std::string, Distribution> linear_space(int n_nuisance) {
  std::map<std::string, Distribution> space{{"x1", FloatDistribution{-10, 10}},
                                            {"x2", FloatDistribution{-10, 10}}};
  for (int i = 0; i < n_nuisance; ++i) space["n" + std::to_string(i)] = FloatDistribution{-10, 10};
  return space;
}

class BothEvaluators : public ::testing::TestWithParam<ImportanceEvaluator> {};

TEST_P(BothEvaluators, LinearWithNuisanceDimensionsPutsX1First) {
  // f = x1 + x2 / 1000 + 0 * nuisance: x1 carries all the variance (Optuna's docstring example).
  const auto trials = random_trials(linear_space(6), 400, 7,
                                    [](const Point& x) { return x.at("x1") + x.at("x2") / 1000; });
  const auto r = param_importances(trials, {Direction::Minimize}, with(GetParam()));
  ASSERT_EQ(r.size(), 8u);
  expect_normalised_and_sorted(r);
  EXPECT_EQ(r[0].first, "x1");
  EXPECT_GT(r[0].second, 0.95);
}

TEST_P(BothEvaluators, MaximisingGivesTheSameRankingOnTheLinearFunction) {
  const auto trials = random_trials(linear_space(3), 300, 11,
                                    [](const Point& x) { return x.at("x1") + x.at("x2") / 1000; });
  const auto r = param_importances(trials, {Direction::Maximize}, with(GetParam()));
  EXPECT_EQ(r[0].first, "x1");
  EXPECT_GT(r[0].second, 0.9);
}

INSTANTIATE_TEST_SUITE_P(Importance, BothEvaluators,
                         ::testing::Values(ImportanceEvaluator::PedAnova,
                                           ImportanceEvaluator::Fanova),
                         [](const auto& info) {
                           return info.param == ImportanceEvaluator::Fanova ? "Fanova" : "PedAnova";
                         });

double ishigami(const Point& x) {
  const double x1 = x.at("x1"), x2 = x.at("x2"), x3 = x.at("x3");
  return std::sin(x1) + 7 * std::sin(x2) * std::sin(x2) + 0.1 * std::pow(x3, 4) * std::sin(x1);
}

std::map<std::string, Distribution> ishigami_space() {
  const double pi = std::numbers::pi;
  return {{"x1", FloatDistribution{-pi, pi}},
          {"x2", FloatDistribution{-pi, pi}},
          {"x3", FloatDistribution{-pi, pi}}};
}

TEST(Fanova, IshigamiRanksByFirstOrderSobolIndices) {
  // fANOVA measures main effects: the first-order Sobol indices of Ishigami are
  // S2 = 0.442 > S1 = 0.314 > S3 = 0.
  const auto trials = random_trials(ishigami_space(), 1000, 3, ishigami);
  const auto r =
      param_importances(trials, {Direction::Minimize}, with(ImportanceEvaluator::Fanova));
  expect_normalised_and_sorted(r);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].first, "x2");
  EXPECT_EQ(r[1].first, "x1");
  EXPECT_EQ(r[2].first, "x3");
  // Normalised first-order indices: 0.585, 0.415, 0 (the forest's estimate is rougher).
  EXPECT_NEAR(importance_of(r, "x2"), 0.585, 0.08);
  EXPECT_NEAR(importance_of(r, "x1"), 0.415, 0.08);
  EXPECT_LT(importance_of(r, "x3"), 0.05);
}

}  // namespace
}  // namespace parzen
