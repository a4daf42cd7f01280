// Constrained TPE: c-TPE's splits (one per constraint and the objective's, each with its own
// gamma) on hand-made histories, its gamma-relative density ratio, the sampler on constrained
// studies (inside the space, trials without constraint values, several objectives), the option's
// validation, and a seeded test on Gardner 2 that a c-TPE ignoring its constraints fails.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "parzen/parzen.hpp"
#include "samplers/tpe/constrained_split.hpp"

using namespace parzen;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<int8_t> sides(std::initializer_list<int> v) { return {v.begin(), v.end()}; }

// Six observations, best loss first: 3, 0, 4, 1, 5, 2. Observation 4 reports no constraint
// values; feasible (both values <= 0) are 1 and 3 only.
const std::vector<uint32_t> kRanked = {3, 0, 4, 1, 5, 2};
const std::vector<std::vector<double>> kConstraints = {{1, -1},      {-1, -1}, {-1, 2},
                                                       {-0.5, -0.5}, {},       {0, 3}};

}  // namespace

TEST(CtpeSplit, ObjectiveSplitEndsAtTheGammaThFeasibleObservation) {
  const auto splits = tpe::ctpe_splits(kRanked, kConstraints, 2, 2);
  ASSERT_EQ(splits.size(), 3u);
  // 3 (feasible, 1st), 0 (infeasible), 4 (no values: infeasible), 1 (feasible, 2nd).
  EXPECT_EQ(splits[0].side, sides({1, 1, 0, 1, 1, 0}));
  EXPECT_EQ(splits[0].n_good, 4u);
  EXPECT_EQ(splits[0].n_bad, 2u);
  EXPECT_DOUBLE_EQ(splits[0].gamma, 4.0 / 6.0);
}

TEST(CtpeSplit, OneSplitPerConstraintWithItsFeasibleShareAsGamma) {
  const auto splits = tpe::ctpe_splits(kRanked, kConstraints, 2, 2);
  // Constraint 0: 0 violates it, 4 has no value (left out), 5's value 0 satisfies it.
  EXPECT_EQ(splits[1].side, sides({0, 1, 1, 1, -1, 1}));
  EXPECT_EQ(splits[1].n_good, 4u);
  EXPECT_EQ(splits[1].n_bad, 1u);
  EXPECT_DOUBLE_EQ(splits[1].gamma, 0.8);
  // Constraint 1: 2 and 5 violate it.
  EXPECT_EQ(splits[2].side, sides({1, 1, 0, 1, -1, 0}));
  EXPECT_DOUBLE_EQ(splits[2].gamma, 0.6);
}

TEST(CtpeSplit, TooFewFeasibleTakesTheBestByLossAndZeroGammaTakesNone) {
  // Three feasible wanted, two exist: the three best by loss, feasible or not.
  auto splits = tpe::ctpe_splits(kRanked, kConstraints, 2, 3);
  EXPECT_EQ(splits[0].side, sides({1, 0, 0, 1, 1, 0}));
  EXPECT_DOUBLE_EQ(splits[0].gamma, 0.5);
  splits = tpe::ctpe_splits(kRanked, kConstraints, 2, 0);
  EXPECT_EQ(splits[0].side, sides({0, 0, 0, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(splits[0].gamma, 0.0);
  // gamma(n) = n: every observation is good.
  splits = tpe::ctpe_splits(kRanked, kConstraints, 2, 6);
  EXPECT_EQ(splits[0].side, sides({1, 1, 1, 1, 1, 1}));
  EXPECT_DOUBLE_EQ(splits[0].gamma, 1.0);
}

TEST(CtpeSplit, AllFeasibleNoneFeasibleAndMissingValues) {
  const std::vector<uint32_t> ranked = {2, 0, 1};
  // All feasible: gamma 1 (the constraint adds nothing), the objective's split is TPE's.
  auto splits = tpe::ctpe_splits(ranked, {{-1}, {0}, {-2}}, 1, 1);
  EXPECT_DOUBLE_EQ(splits[1].gamma, 1.0);
  EXPECT_EQ(splits[1].n_bad, 0u);
  EXPECT_EQ(splits[0].side, sides({0, 0, 1}));
  // None feasible (NaN counts as violated): gamma 0, every observation bad; the objective
  // falls back to the best by loss.
  splits = tpe::ctpe_splits(ranked, {{1}, {kNaN}, {2}}, 1, 1);
  EXPECT_DOUBLE_EQ(splits[1].gamma, 0.0);
  EXPECT_EQ(splits[1].side, sides({0, 0, 0}));
  EXPECT_EQ(splits[0].side, sides({0, 0, 1}));
  // No observation reports the second constraint's value: an empty split, gamma 1. A trial
  // reporting fewer values than others is judged on those it reports.
  splits = tpe::ctpe_splits(ranked, {{-1}, {}, {-1}}, 2, 2);
  EXPECT_EQ(splits[2].side, sides({-1, -1, -1}));
  EXPECT_DOUBLE_EQ(splits[2].gamma, 1.0);
  EXPECT_EQ(splits[1].side, sides({1, -1, 1}));
  EXPECT_EQ(splits[0].side, sides({1, 0, 1}));
}

TEST(CtpeSplit, GammaRelativeDensityRatio) {
  const double ll = std::log(2.0), lg = std::log(1.0);
  EXPECT_DOUBLE_EQ(tpe::ctpe_log_ratio(ll, lg, 1.0), 0.0);
  EXPECT_DOUBLE_EQ(tpe::ctpe_log_ratio(ll, lg, 0.0), ll - lg);
  // r = 2 / (0.25 * 2 + 0.75 * 1) = 1.6
  EXPECT_NEAR(tpe::ctpe_log_ratio(ll, lg, 0.25), std::log(1.6), 1e-15);
  // Far from both (densities underflow in linear space): still finite and equal to the ratio.
  EXPECT_NEAR(tpe::ctpe_log_ratio(-2000, -2001, 0.5),
              -2000 - std::log(0.5 * std::exp(0.0) + 0.5 * std::exp(-1.0)) + 2000, 1e-9);
}

namespace {

// Gardner et al. 2014's second problem on [0, 6]^2: sin(x) + y s.t. sin(x) sin(y) <= -0.95; the
// optimum asin(0.95) - 1 at x = 3 pi / 2, y = asin(0.95). The unconstrained minimum (x = 3 pi /
// 2, y = 0) is infeasible.
double gardner2_regret(std::shared_ptr<Sampler> sampler, bool report_constraints) {
  auto study = Study::create({.sampler = std::move(sampler), .log_level = LogLevel::Silent});
  double best = std::numeric_limits<double>::infinity();
  study.optimize(
      [&](Trial& t) {
        const double x = t.suggest_float("x", 0, 6), y = t.suggest_float("y", 0, 6);
        const double value = std::sin(x) + y, constraint = std::sin(x) * std::sin(y) + 0.95;
        if (report_constraints) t.set_constraints({constraint});
        if (constraint <= 0) best = std::min(best, value);
        return value;
      },
      {.n_trials = 100});
  return best - (std::asin(0.95) - 1);
}

}  // namespace

// Seeded, 10 seeds: c-TPE ends on the better island with regret < 0.3 (the other island's is
// 5.2; 30 seeds measured a median of 0.099, docs/benchmarks.md) in at least 9 and its median
// regret is < 0.15. Measured here: 10 of 10, median 0.075. The same seeds miss this with TPE that
// does not see the constraint values (what a c-TPE ignoring its constraint splits does: 4 of 10,
// half of them without any feasible trial), with Optuna's rule (6 of 10) and random search (2 of
// 10); the test checks the first, so it shows it can fail.
TEST(Ctpe, Gardner2FindsTheBetterIslandWhereTpeWithoutConstraintsDoesNot) {
  int ctpe_hits = 0, blind_hits = 0;
  std::vector<double> regrets, blind;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    regrets.push_back(gardner2_regret(
        TpeSampler::make({.seed = seed, .constraints_method = TpeConstraintsMethod::CTpe}), true));
    blind.push_back(gardner2_regret(TpeSampler::make({.seed = seed}), false));
    ctpe_hits += regrets.back() < 0.3;
    blind_hits += blind.back() < 0.3;
  }
  std::sort(regrets.begin(), regrets.end());
  std::sort(blind.begin(), blind.end());
  EXPECT_GE(ctpe_hits, 9);
  EXPECT_LT(0.5 * (regrets[4] + regrets[5]), 0.15);
  EXPECT_LT(blind_hits, 9);
  EXPECT_GE(0.5 * (blind[4] + blind[5]), 0.15);
}

// Every kind of parameter, univariate and multivariate, with two constraints some trials do not
// report: each suggestion lies inside its distribution.
TEST(Ctpe, SuggestionsStayInsideTheSpaceWithMissingConstraintValues) {
  for (bool multivariate : {false, true}) {
    SCOPED_TRACE(multivariate);
    auto study = Study::create(
        {.sampler = TpeSampler::make({.seed = 3,
                                      .multivariate = multivariate,
                                      .constraints_method = TpeConstraintsMethod::CTpe}),
         .log_level = LogLevel::Silent});
    study.optimize(
        [](Trial& t) {
          const double a = t.suggest_float("a", -2, 3);
          const double b = t.suggest_float("b", 1e-3, 10, {.log = true});
          const int64_t c = t.suggest_int("c", 1, 9, {.step = 2});
          const auto d = t.suggest_categorical("d", {"x", "y", "z"});
          EXPECT_GE(a, -2);
          EXPECT_LE(a, 3);
          EXPECT_GE(b, 1e-3);
          EXPECT_LE(b, 10);
          EXPECT_TRUE(c >= 1 && c <= 9 && c % 2 == 1) << c;
          if (t.number() % 4 != 3) t.set_constraints({a - 1, d == "y" ? 1.0 : -1.0});
          return a * a + std::log(b) + static_cast<double>(c);
        },
        {.n_trials = 60});
    EXPECT_EQ(study.trials().size(), 60u);
    // The model is used: the late trials mostly satisfy a <= 1 (random: 3/5 of them).
    int late_ok = 0;
    for (const auto& t : study.trials())
      if (t.number >= 40) late_ok += std::get<double>(t.params.at("a")) <= 1;
    EXPECT_GE(late_ok, 16);
  }
}

TEST(Ctpe, SeveralObjectivesRefuseCtpeAndAutoUsesOptunasRule) {
  auto objective = [](Trial& t) -> std::vector<double> {
    const double x = t.suggest_float("x", 0, 1);
    t.set_constraints({x - 0.5});
    return {x, 1 - x};
  };
  // Refused by Study::create, before the study is stored (Sampler::check_objectives).
  try {
    (void)Study::create(
        {.directions = {Direction::Minimize, Direction::Minimize},
         .sampler = TpeSampler::make({.seed = 1, .constraints_method = TpeConstraintsMethod::CTpe}),
         .log_level = LogLevel::Silent});
    FAIL() << "no error";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.key(), "constraints_method");
    EXPECT_NE(std::string(e.what()).find("constraints_method = \"ctpe\" models one objective"),
              std::string::npos)
        << e.what();
  }
  auto autos = Study::create({.directions = {Direction::Minimize, Direction::Minimize},
                              .sampler = TpeSampler::make({.seed = 1}),
                              .log_level = LogLevel::Silent});
  autos.optimize(objective, {.n_trials = 30});
  EXPECT_EQ(autos.trials().size(), 30u);
}

TEST(Ctpe, RegistryOptionNamesItsValuesAndRefusesOthers) {
  EXPECT_TRUE(make_sampler("tpe", {{"constraints_method", "ctpe"}}));
  EXPECT_TRUE(make_sampler("tpe", {{"constraints_method", "optuna"}}));
  EXPECT_TRUE(make_sampler("tpe", {{"constraints_method", "auto"}}));
  try {
    make_sampler("tpe", {{"constraints_method", "c-tpe"}});
    FAIL() << "no error";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.key(), "constraints_method");
    EXPECT_NE(std::string(e.what()).find("ctpe"), std::string::npos) << e.what();
  }
}

// Unconstrained studies sample alike whichever method is chosen.
TEST(Ctpe, MethodDoesNotChangeUnconstrainedStudies) {
  auto run = [](TpeConstraintsMethod m) {
    auto study = Study::create({.sampler = TpeSampler::make({.seed = 5, .constraints_method = m}),
                                .log_level = LogLevel::Silent});
    study.optimize([](Trial& t) { return std::pow(t.suggest_float("x", -3, 3) - 1, 2); },
                   {.n_trials = 30});
    std::vector<double> xs;
    for (const auto& t : study.trials()) xs.push_back(std::get<double>(t.params.at("x")));
    return xs;
  };
  EXPECT_EQ(run(TpeConstraintsMethod::CTpe), run(TpeConstraintsMethod::Optuna));
}
