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

TEST(PedAnova, IshigamiMinimumNeedsX1First) {
  // PED-ANOVA measures what it takes to reach the best 10 %: Ishigami's lowest values need
  // sin(x1) = -1 (x1 near -pi/2) and a large |x3| (0.1 x3^4 sin(x1)); sin(x2)^2 = 0 holds at three
  // points of [-pi, pi], so the top trials' x2 is spread almost like all trials'. Ranking
  // x1 > x3 > x2 (fANOVA's main effects rank x2 > x1 > x3).
  const auto trials = random_trials(ishigami_space(), 1000, 3, ishigami);
  const auto r = param_importances(trials, {Direction::Minimize});
  expect_normalised_and_sorted(r);
  EXPECT_EQ(r[0].first, "x1");
  EXPECT_GT(r[0].second, 0.6);
  EXPECT_EQ(r[2].first, "x2");
}

TEST(PedAnova, EveryKindOfDistributionOnItsGrid) {
  // Stepped float, log int, plain int, log float and categorical; only the categorical decides
  // the value (ties elsewhere), so the top trials differ from the others in it alone.
  const std::map<std::string, Distribution> space = {
      {"a_step", FloatDistribution{0, 1, false, 0.25}},
      {"b_logint", IntDistribution{1, 1024, true}},
      {"c_int", IntDistribution{-3, 3}},
      {"d_log", FloatDistribution{1e-4, 1, true}},
      {"e_cat", CategoricalDistribution{{std::string("good"), std::string("bad"), nullptr}}}};
  const auto trials =
      random_trials(space, 600, 5, [](const Point& x) { return x.at("e_cat") == 0 ? 0.0 : 10.0; });
  auto r = param_importances(trials, {Direction::Minimize});
  expect_normalised_and_sorted(r);
  EXPECT_EQ(r[0].first, "e_cat");
  EXPECT_GT(r[0].second, 0.8);
  const auto f =
      param_importances(trials, {Direction::Minimize}, with(ImportanceEvaluator::Fanova));
  EXPECT_EQ(f[0].first, "e_cat");
  EXPECT_GT(f[0].second, 0.9);
  // evaluate_on_local = false compares the top trials with the uniform distribution over each
  // range instead of with all the trials: b_logint, drawn uniformly on the linear scale, is far
  // from uniform on its log grid (its top trials too), so it now counts.
  ImportanceOptions global;
  global.evaluate_on_local = false;
  r = param_importances(trials, {Direction::Minimize}, global);
  expect_normalised_and_sorted(r);
  EXPECT_EQ(r[0].first, "b_logint");
  EXPECT_GT(importance_of(r, "e_cat"), importance_of(r, "c_int"));
}

TEST(Importance, AllTrialsEqualGivesEqualShares) {
  const auto trials = random_trials(linear_space(1), 50, 1, [](const Point&) { return 1.0; });
  const auto r = param_importances(trials, {Direction::Minimize});
  ASSERT_EQ(r.size(), 3u);
  for (const auto& [name, v] : r) EXPECT_NEAR(v, 1.0 / 3, 1e-12) << name;
  EXPECT_THROW(param_importances(trials, {Direction::Minimize}, with(ImportanceEvaluator::Fanova)),
               InvalidArgument);
}

TEST(Importance, SingleValuedParametersGetZeroAndComeLast) {
  std::map<std::string, Distribution> space = linear_space(0);
  space["a_fixed"] = IntDistribution{3, 3};
  const auto trials = random_trials(space, 100, 2, [](const Point& x) { return x.at("x1"); });
  for (const auto e : {ImportanceEvaluator::PedAnova, ImportanceEvaluator::Fanova}) {
    const auto r = param_importances(trials, {Direction::Minimize}, with(e));
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r.back().first, "a_fixed");
    EXPECT_EQ(r.back().second, 0.0);
    expect_normalised_and_sorted(r);
  }
}

TEST(Importance, OnlyCompleteTrialsCountAndConditionalParametersNeedNaming) {
  const std::map<std::string, Distribution> space = {{"x", FloatDistribution{0, 1}},
                                                     {"z", FloatDistribution{0, 1}}};
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<FrozenTrial> trials;
  for (int k = 0; k < 200; ++k) {
    const double x = u(rng), z = u(rng);
    if (k % 2 == 0)  // z is conditional: only even trials have it, and there it matters most
      trials.push_back(make_trial(k, space, {{"x", x}, {"z", z}}, {0.1 * x + z}));
    else
      trials.push_back(make_trial(k, space, {{"x", x}}, {x}));
  }
  // Pruned and failed trials with wild values must not count.
  trials.push_back(make_trial(200, space, {{"x", 0.5}, {"z", 0.5}}, {-1e9}, TrialState::Pruned));
  trials.push_back(make_trial(201, space, {{"x", 0.5}}, {}, TrialState::Failed));
  auto r = param_importances(trials, {Direction::Minimize});
  ASSERT_EQ(r.size(), 1u);  // z is not in every complete trial
  EXPECT_EQ(r[0].first, "x");
  EXPECT_EQ(r[0].second, 1.0);
  ImportanceOptions o;
  o.params = {"x", "z"};
  r = param_importances(trials, {Direction::Minimize}, o);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].first, "z");  // on the even trials, z decides
  o.params = {"z", "z"};
  EXPECT_THROW(param_importances(trials, {Direction::Minimize}, o), InvalidArgument);
  o.params = {"w"};
  try {
    param_importances(trials, {Direction::Minimize}, o);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("no complete trial has the parameter 'w'"),
              std::string::npos)
        << e.what();
    // ... and lists the ones they have, so the user need not look them up.
    EXPECT_NE(std::string(e.what()).find("(the complete trials' parameters: 'x', 'z')"),
              std::string::npos)
        << e.what();
  }
}

TEST(Importance, ObjectiveIndexPicksTheValueAndItsDirection) {
  const auto space = linear_space(0);
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(-10, 10);
  std::vector<FrozenTrial> trials;
  for (int k = 0; k < 300; ++k) {
    const double x1 = u(rng), x2 = u(rng);
    trials.push_back(make_trial(k, space, {{"x1", x1}, {"x2", x2}}, {x1, x2}));
  }
  ImportanceOptions o;
  o.objective = 1;
  for (const auto e : {ImportanceEvaluator::PedAnova, ImportanceEvaluator::Fanova}) {
    o.evaluator = e;
    const auto r = param_importances(trials, {Direction::Minimize, Direction::Maximize}, o);
    EXPECT_EQ(r[0].first, "x2");
    EXPECT_GT(r[0].second, 0.9);
  }
  o.objective = 2;
  try {
    param_importances(trials, {Direction::Minimize, Direction::Maximize}, o);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("objective index 2 is out of range: the study has 2 "
                                         "objectives (indices 0 to 1)"),
              std::string::npos)
        << e.what();
  }
}

TEST(Importance, ErrorsNameTheProblem) {
  const auto space = linear_space(0);
  auto one = random_trials(space, 1, 1, [](const Point& x) { return x.at("x1"); });
  EXPECT_THROW(param_importances(one, {Direction::Minimize}), InvalidArgument);
  auto trials = random_trials(space, 20, 1, [](const Point& x) { return x.at("x1"); });
  ImportanceOptions o;
  o.baseline_quantile = 1.5;
  EXPECT_THROW(param_importances(trials, {Direction::Minimize}, o), InvalidArgument);
  o = {};
  o.n_trees = 0;
  EXPECT_THROW(param_importances(trials, {Direction::Minimize}, o), InvalidArgument);
  // Trials whose parameters differ entirely: no common parameter.
  std::vector<FrozenTrial> disjoint = {
      make_trial(0, {{"a", FloatDistribution{0, 1}}}, {{"a", 0.5}}, {1.0}),
      make_trial(1, {{"b", FloatDistribution{0, 1}}}, {{"b", 0.5}}, {2.0})};
  try {
    param_importances(disjoint, {Direction::Minimize});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("no parameter is common to every complete trial"),
              std::string::npos);
  }
  EXPECT_EQ(importance_evaluator_from_string("fANOVA"), ImportanceEvaluator::Fanova);
  EXPECT_EQ(importance_evaluator_from_string("ped_anova"), ImportanceEvaluator::PedAnova);
  EXPECT_THROW(importance_evaluator_from_string("shap"), InvalidArgument);
}

TEST(Fanova, SeedMakesItDeterministicAndAnotherSeedDiffersSlightly) {
  const auto trials = random_trials(ishigami_space(), 300, 8, ishigami);
  ImportanceOptions o = with(ImportanceEvaluator::Fanova);
  o.seed = 3;
  const auto a = param_importances(trials, {Direction::Minimize}, o);
  const auto b = param_importances(trials, {Direction::Minimize}, o);
  EXPECT_EQ(a, b);
  o.seed = 4;
  const auto c = param_importances(trials, {Direction::Minimize}, o);
  EXPECT_NE(a, c);
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(importance_of(c, a[i].first), a[i].second, 0.05);
}

TEST(Importance, StudyOverloadReadsItsTrials) {
  auto study = Study::create({});
  for (int k = 0; k < 40; ++k) {
    auto t = study.ask();
    const double x = t.suggest_float("x", -1, 1);
    t.suggest_float("y", -1, 1);
    study.tell(t, x);
  }
  const auto r = param_importances(study);
  EXPECT_EQ(r[0].first, "x");
}

}  // namespace
}  // namespace parzen
