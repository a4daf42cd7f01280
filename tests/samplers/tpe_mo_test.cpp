// Multi-objective TPE (Optuna 3.1's rule): the below-set selection (non-domination ranks, then
// greedy hypervolume subset selection on the rank that does not fit), the hypervolume-
// contribution weights, the sampler on multi-objective and constrained studies.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "parzen/parzen.hpp"
#include "samplers/tpe/multi_objective_split.hpp"

using namespace parzen;

namespace {

// The quadratic definition: rank r = the front of what remains after ranks < r.
std::vector<size_t> reference_ranks(const tpe::LossPoints& p) {
  auto dominates = [](const std::vector<double>& a, const std::vector<double>& b) {
    bool strictly = false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] > b[i]) return false;
      strictly |= a[i] < b[i];
    }
    return strictly;
  };
  std::vector<size_t> rank(p.size(), SIZE_MAX);
  for (size_t r = 0, done = 0; done < p.size(); ++r) {
    std::vector<size_t> front;
    for (size_t i = 0; i < p.size(); ++i) {
      if (rank[i] != SIZE_MAX) continue;
      bool dominated = false;
      for (size_t j = 0; j < p.size() && !dominated; ++j)
        dominated = rank[j] == SIZE_MAX && dominates(p[j], p[i]);
      if (!dominated) front.push_back(i);
    }
    for (size_t i : front) rank[i] = r;
    done += front.size();
  }
  return rank;
}

// ZDT1 with `n` variables (Zitzler, Deb and Thiele 2000).
std::vector<double> zdt1(Trial& t, int n) {
  std::vector<double> x;
  for (int i = 0; i < n; ++i) x.push_back(t.suggest_float("x" + std::to_string(i), 0, 1));
  double g = 0;
  for (int i = 1; i < n; ++i) g += x[static_cast<size_t>(i)];
  g = 1 + 9 * g / (n - 1);
  return {x[0], g * (1 - std::sqrt(x[0] / g))};
}

double front_hypervolume(const Study& study, const std::vector<double>& reference) {
  std::vector<std::vector<double>> values;
  for (const auto& t : study.best_trials()) values.push_back(t.values);
  return multi_objective::hypervolume(values, reference, study.directions());
}

}  // namespace

TEST(MotpeSplit, RanksMatchTheQuadraticDefinition) {
  std::mt19937_64 rng(7);
  for (size_t m : {2u, 3u, 4u}) {
    for (int rep = 0; rep < 20; ++rep) {
      tpe::LossPoints p(40, std::vector<double>(m));
      // Few distinct values: ties and duplicates are common.
      for (auto& v : p)
        for (double& x : v) x = static_cast<double>(rng() % 6);
      EXPECT_EQ(tpe::non_domination_ranks(p), reference_ranks(p)) << m << " objectives";
      // Stopping early keeps the ranks it computed.
      const auto full = reference_ranks(p);
      const auto partial = tpe::non_domination_ranks(p, 5);
      size_t counted = 0;
      for (size_t i = 0; i < p.size(); ++i)
        if (partial[i] != SIZE_MAX) {
          EXPECT_EQ(partial[i], full[i]);
          ++counted;
        }
      EXPECT_GE(counted, 5u);
    }
  }
}

// The case worked by hand:
//   rank 0: A(1,5) B(2,3) C(4,1); rank 1: D(3,4) E(5,2) G(4,3); rank 2: F(6,6).
//   n_below = 4: rank 0 fits (3), one more from rank 1 by hypervolume with the reference
//   1.1 x worst of rank 1 = (5.5, 4.4): boxes D 2.5*0.4 = 1.0, E 0.5*2.4 = 1.2, G 1.5*1.4 = 2.1
//   -> G. n_below = 5: then D loses max(G,D) = (4,4): 1.5*0.4 = 0.6 -> 0.4; E loses
//   max(G,E) = (5,3): 0.5*1.4 = 0.7 -> 0.5 -> E.
TEST(MotpeSplit, BelowSetByRankThenHypervolumeSubsetSelection) {
  const tpe::LossPoints p = {{1, 5}, {2, 3}, {4, 1}, {3, 4}, {5, 2}, {6, 6}, {4, 3}};
  enum { A, B, C, D, E, F, G };
  EXPECT_EQ(tpe::non_domination_ranks(p), (std::vector<size_t>{0, 0, 0, 1, 1, 2, 1}));
  EXPECT_EQ(tpe::select_below(p, 3), (std::vector<size_t>{A, B, C}));
  EXPECT_EQ(tpe::select_below(p, 4), (std::vector<size_t>{A, B, C, G}));
  EXPECT_EQ(tpe::select_below(p, 5), (std::vector<size_t>{A, B, C, E, G}));
  EXPECT_EQ(tpe::select_below(p, 6), (std::vector<size_t>{A, B, C, D, E, G}));
  EXPECT_EQ(tpe::select_below(p, 7).size(), 7u);
  EXPECT_TRUE(tpe::select_below(p, 0).empty());
  // Two HSSP picks from rank 1 alone: G first, then E.
  const tpe::LossPoints rank1 = {p[D], p[E], p[G]};
  EXPECT_EQ(tpe::greedy_hssp(rank1, 2, tpe::nadir_reference(rank1)), (std::vector<size_t>{2, 1}));
}

// Weights of the below set {A, B, C, G} by hand: reference 1.1 x (4, 5) = (4.4, 5.5); exclusive
// contributions A 1*0.5 = 0.5, B 2*2 = 4, C 0.4*2 = 0.8, G 0 (C dominates it); over the largest.
TEST(MotpeSplit, BelowWeightsAreHypervolumeContributionsOverTheLargest) {
  const tpe::LossPoints below = {{1, 5}, {2, 3}, {4, 1}, {4, 3}};
  const auto ref = tpe::nadir_reference(below);
  EXPECT_DOUBLE_EQ(ref[0], 4.4);
  EXPECT_DOUBLE_EQ(ref[1], 5.5);
  const auto c = tpe::hypervolume_contributions(below, ref);
  EXPECT_NEAR(c[0], 0.5, 1e-12);
  EXPECT_NEAR(c[1], 4.0, 1e-12);
  EXPECT_NEAR(c[2], 0.8, 1e-12);
  EXPECT_EQ(c[3], 0.0);
  const auto w = tpe::below_weights(below);
  EXPECT_NEAR(w[0], 0.125, 1e-12);
  EXPECT_DOUBLE_EQ(w[1], 1.0);
  EXPECT_NEAR(w[2], 0.2, 1e-12);
  EXPECT_GT(w[3], 0.0);  // Optuna's 1e-12 floor, over the largest
  EXPECT_LT(w[3], 1e-11);
  EXPECT_EQ(tpe::below_weights({{3, 3}}), std::vector<double>{1.0});
  // Volumes that overflow a double: equal weights, never NaN.
  EXPECT_EQ(tpe::below_weights({{1e200, 3e200}, {2e200, 1e200}}), (std::vector<double>{1.0, 1.0}));
  // Negative and zero worst values: max(1.1 w, 0.9 w), and 1e-12 for 0.
  const auto r = tpe::nadir_reference({{-2, 0}, {-1, -3}});
  EXPECT_DOUBLE_EQ(r[0], -0.9);
  EXPECT_DOUBLE_EQ(r[1], 1e-12);
}

// Contributions against the definition HV(all) - HV(all without i), 3 objectives, duplicates.
TEST(MotpeSplit, ContributionsMatchLeaveOneOutHypervolumes) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  for (int rep = 0; rep < 10; ++rep) {
    tpe::LossPoints p(12, std::vector<double>(3));
    for (auto& v : p)
      for (double& x : v) x = std::round(u(rng) * 8) / 8;
    p.push_back(p[0]);
    const auto ref = tpe::nadir_reference(p);
    const double all = tpe::loss_hypervolume(p, ref);
    const auto c = tpe::hypervolume_contributions(p, ref);
    for (size_t i = 0; i < p.size(); ++i) {
      auto rest = p;
      rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
      EXPECT_NEAR(c[i], all - tpe::loss_hypervolume(rest, ref), 1e-12) << i;
    }
    EXPECT_EQ(c.front(), 0.0);  // duplicated
  }
}

// Against Optuna 3.1 itself: _split_observation_pairs and
// _calculate_weights_below_for_multi_objective on random losses (numpy seed 0, uniform squared,
// rounded to 0.01 so that ties and duplicates occur), printed by /usr/bin/python3.
TEST(MotpeSplit, MatchesOptuna31OnRandomLosses) {
  struct Case {
    tpe::LossPoints points;
    size_t n_below;
    std::vector<size_t> below;
    std::vector<double> weights;  // of the below points, by index
  };
  const std::vector<Case> cases = {
      {{{0.3, 0.51},  {0.36, 0.3},  {0.18, 0.42}, {0.19, 0.8},  {0.93, 0.15}, {0.63, 0.28},
        {0.32, 0.86}, {0.01, 0.01}, {0.0, 0.69},  {0.61, 0.76}, {0.96, 0.64}, {0.21, 0.61},
        {0.01, 0.41}, {0.02, 0.89}, {0.27, 0.17}, {0.07, 0.6},  {0.21, 0.32}, {0.0, 0.38},
        {0.37, 0.38}, {0.89, 0.46}, {0.13, 0.19}, {0.49, 0.0},  {0.44, 0.45}, {0.04, 0.02},
        {0.1, 0.13},  {0.33, 0.19}, {0.98, 0.01}, {0.04, 0.03}, {0.43, 0.06}, {0.22, 0.06},
        {0.03, 0.01}, {0.43, 0.02}, {0.04, 0.14}, {0.67, 0.01}, {0.7, 0.01},  {0.95, 0.22},
        {0.95, 0.37}, {0.55, 0.0},  {0.08, 0.01}, {0.09, 0.01}},
       9,
       {7, 8, 12, 13, 17, 21, 23, 30, 37},
       {1.0, 1.3513513511687227e-10, 1.3513513511687227e-10, 1.3513513511687227e-10,
        0.4189189189974531, 0.08108108120524958, 1.3513513511687227e-10, 1.3513513511687227e-10,
        1.3513513511687227e-10}},
      {{{0.1, 0.17, 0.0},   {0.48, 0.32, 0.07}, {0.27, 0.01, 0.33}, {0.86, 0.1, 0.45},
        {0.02, 0.51, 0.08}, {0.03, 0.34, 0.0},  {0.69, 0.0, 0.46},  {0.07, 0.54, 0.93},
        {0.06, 0.33, 0.35}, {0.33, 0.05, 0.91}, {0.2, 0.72, 0.49},  {0.09, 0.66, 0.16},
        {0.78, 0.34, 0.78}, {0.48, 0.53, 0.25}, {0.91, 0.41, 0.18}, {0.37, 0.0, 0.09},
        {0.44, 0.08, 0.38}, {0.18, 0.02, 0.09}, {0.32, 0.35, 0.33}, {0.43, 0.43, 0.19},
        {0.8, 0.14, 0.19},  {0.8, 0.65, 0.5},   {0.01, 0.85, 0.51}, {1.0, 0.02, 0.75},
        {0.03, 0.38, 0.02}, {0.72, 0.65, 0.32}, {0.17, 0.0, 0.49},  {0.21, 0.52, 0.75},
        {0.95, 0.73, 0.0},  {0.13, 0.53, 0.03}},
       8,
       {0, 2, 4, 5, 8, 15, 17, 26},
       {1.0, 0.015131597706131315, 0.022138473125133958, 0.5120627205182517, 0.007149679966035174,
        0.022394764559678714, 0.8511523657447921, 0.020853233053004017}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.points[0].size());
    const auto below = tpe::select_below(c.points, c.n_below);
    ASSERT_EQ(below, c.below);
    tpe::LossPoints below_points;
    for (size_t i : below) below_points.push_back(c.points[i]);
    const auto w = tpe::below_weights(below_points);
    ASSERT_EQ(w.size(), c.weights.size());
    for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(w[i], c.weights[i], 1e-9) << i;
  }
}

TEST(Motpe, SuggestionsStayInsideTheSpaceForEveryKindOfParameter) {
  for (const bool multivariate : {false, true}) {
    SCOPED_TRACE(multivariate ? "multivariate" : "independent");
    auto study = Study::create(
        {.directions = {Direction::Minimize, Direction::Maximize, Direction::Minimize},
         .sampler = TpeSampler::make({.seed = 5,
                                      .n_startup_trials = 5,
                                      .multivariate = multivariate,
                                      .group = multivariate}),
         .log_level = LogLevel::Silent});
    study.optimize(
        [](Trial& t) -> std::vector<double> {
          const double x = t.suggest_float("x", -2, 3);
          const double lr = t.suggest_float("lr", 1e-5, 1e-1, {.log = true});
          const int64_t n = t.suggest_int("n", 1, 9, {.step = 2});
          const std::string kind = t.suggest_categorical("kind", {"a", "b", "c"});
          double extra = 0;
          if (kind == "a") extra = static_cast<double>(t.suggest_int("k", 1, 64, {.log = true}));
          return {x * x + extra, std::log10(lr) + static_cast<double>(n), (x - 1) * (x - 1)};
        },
        {.n_trials = 60});
    for (const auto& t : study.trials()) {
      ASSERT_EQ(t.state, TrialState::Complete) << t.fail_reason;
      const double x = std::get<double>(t.params.at("x"));
      const double lr = std::get<double>(t.params.at("lr"));
      const int64_t n = std::get<int64_t>(t.params.at("n"));
      const auto kind = std::get<std::string>(t.params.at("kind"));
      EXPECT_TRUE(x >= -2 && x <= 3) << x;
      EXPECT_TRUE(lr >= 1e-5 && lr <= 1e-1) << lr;
      EXPECT_TRUE(n >= 1 && n <= 9 && n % 2 == 1) << n;
      EXPECT_TRUE(kind == "a" || kind == "b" || kind == "c") << kind;
      EXPECT_EQ(t.params.count("k"), kind == "a" ? 1u : 0u);
      if (kind == "a") {
        const int64_t k = std::get<int64_t>(t.params.at("k"));
        EXPECT_TRUE(k >= 1 && k <= 64) << k;
      }
    }
  }
}

// A broken split (random below set, weights ignored, objectives mixed up) is no better than
// random search; MOTPE's front on ZDT1 (5 variables, 80 trials) is larger. Measured
// with these seeds: MOTPE's hypervolumes 109.9-115.9 (median 111.3), random's 104.1-114.4
// (median 108.0), of 120.67 at most.
TEST(Motpe, BeatsRandomSearchOnZdt1Hypervolume) {
  const std::vector<double> ref = {11, 11};
  std::vector<double> tpe_hv, random_hv;
  for (uint64_t seed = 0; seed < 5; ++seed) {
    for (const bool tpe : {true, false}) {
      std::shared_ptr<Sampler> sampler;
      if (tpe) {
        sampler = TpeSampler::make({.seed = seed});
      } else {
        sampler = RandomSampler::make({.seed = seed});
      }
      auto study = Study::create({.directions = {Direction::Minimize, Direction::Minimize},
                                  .sampler = sampler,
                                  .log_level = LogLevel::Silent});
      study.optimize([](Trial& t) { return zdt1(t, 5); }, {.n_trials = 80});
      (tpe ? tpe_hv : random_hv).push_back(front_hypervolume(study, ref));
    }
  }
  std::sort(tpe_hv.begin(), tpe_hv.end());
  std::sort(random_hv.begin(), random_hv.end());
  EXPECT_GT(tpe_hv[2], random_hv[2] + 2.5) << "MOTPE " << tpe_hv[2] << " random " << random_hv[2];
  EXPECT_GT(tpe_hv[0], random_hv[2]) << "MOTPE's worst seed vs random's median";
}

// Constrained and multi-objective: BNH's objectives, feasible only where x >= 4 and y <= 1
// (1/15 of the space). While few trials are feasible, the below set is every feasible trial and
// the least violating infeasible ones, which pulls the search into the feasible corner; and
// best_trials holds feasible trials only.
TEST(Motpe, ConstrainedStudyFindsTheFeasibleRegionAndKeepsInfeasibleTrialsOutOfTheFront) {
  auto bnh = [](Trial& t) -> std::vector<double> {
    const double x = t.suggest_float("x", 0, 5), y = t.suggest_float("y", 0, 3);
    t.set_constraints({4 - x, y - 1});
    return {4 * x * x + 4 * y * y, (x - 5) * (x - 5) + (y - 5) * (y - 5)};
  };
  auto run = [&](std::shared_ptr<Sampler> sampler) {
    auto study = Study::create({.directions = {Direction::Minimize, Direction::Minimize},
                                .sampler = std::move(sampler),
                                .log_level = LogLevel::Silent});
    study.optimize(bnh, {.n_trials = 80});
    return study;
  };
  auto late_feasible_share = [](const Study& study) {
    const auto trials = study.trials();
    size_t feasible = 0;
    for (size_t i = 40; i < trials.size(); ++i) feasible += trials[i].feasible();
    return static_cast<double>(feasible) / 40.0;
  };
  for (uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(seed);
    const Study tpe = run(TpeSampler::make({.seed = seed}));
    const Study random = run(RandomSampler::make({.seed = seed}));
    const double tpe_share = late_feasible_share(tpe);
    const double random_share = late_feasible_share(random);
    EXPECT_GT(tpe_share, random_share + 0.12) << tpe_share << " vs " << random_share;
    const auto front = tpe.best_trials();
    ASSERT_FALSE(front.empty());
    for (const auto& t : front) EXPECT_TRUE(t.feasible()) << "trial " << t.number;
    size_t infeasible = 0;
    for (const auto& t : tpe.trials()) infeasible += !t.feasible();
    EXPECT_GT(infeasible, 10u) << "the test needs infeasible trials to mean anything";
  }
}

TEST(Motpe, PrunedTrialsAreIgnored) {
  auto sampler = TpeSampler::make({.seed = 1, .n_startup_trials = 3});
  auto study = Study::create({.directions = {Direction::Minimize, Direction::Minimize},
                              .sampler = sampler,
                              .log_level = LogLevel::Silent});
  for (int i = 0; i < 12; ++i) {
    auto t = study.ask();
    const double x = t.suggest_float("x", 0, 1);
    if (i % 3 == 2) {
      study.tell(t, TrialState::Pruned);
    } else {
      study.tell(t, std::vector<double>{x, 1 - x});
    }
  }
  EXPECT_EQ(study.trials({TrialState::Complete}).size(), 8u);
  EXPECT_EQ(study.trials({TrialState::Pruned}).size(), 4u);
}
