// The GP sampler with constraints and several objectives (issue 18): the box decomposition of
// the non-dominated region against the hypervolume and point membership, log EHVI against a
// Monte-Carlo estimate and its derivatives against finite differences, log constrained EI
// preferring the feasible region, log EHVI improving on random search, suggestions inside the
// space, and the refusal beyond three objectives.

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "parzen/gp_sampler.hpp"
#include "parzen/multi_objective.hpp"
#include "parzen/sampler.hpp"
#include "parzen/study.hpp"
#include "samplers/gp/gp.hpp"

namespace {

using parzen::Direction;

// Random points with ties, duplicates and some beyond the reference (all minimised).
Eigen::MatrixXd random_points(int n, int m, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  Eigen::MatrixXd p(n, m);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < m; ++j) p(i, j) = std::round(u(rng) * 20) / 16;  // ties; > 1 is outside
  if (n > 3) p.row(1) = p.row(0);
  return p;
}

std::vector<std::vector<double>> rows(const Eigen::MatrixXd& p) {
  std::vector<std::vector<double>> out(static_cast<size_t>(p.rows()));
  for (Eigen::Index i = 0; i < p.rows(); ++i)
    for (Eigen::Index j = 0; j < p.cols(); ++j) out[static_cast<size_t>(i)].push_back(p(i, j));
  return out;
}

double hv(const Eigen::MatrixXd& p, const Eigen::VectorXd& ref) {
  const std::vector<double> r(ref.data(), ref.data() + ref.size());
  return parzen::multi_objective::hypervolume(
      rows(p), r, std::vector<Direction>(r.size(), Direction::Minimize));
}

TEST(BoxDecomposition, VolumeIsTheReferenceBoxLessTheHypervolume) {
  std::mt19937_64 rng(3);
  for (int m : {2, 3})
    for (int n : {0, 1, 2, 5, 17, 60}) {
      SCOPED_TRACE(testing::Message() << m << " objectives, " << n << " points");
      const Eigen::MatrixXd p = random_points(n, m, rng);
      const Eigen::VectorXd ref = Eigen::VectorXd::Constant(m, 1.0);
      const double floor = -0.5;  // below every point: clips the unbounded boxes
      const auto boxes = parzen::gp::non_dominated_boxes(p, ref);
      double volume = 0;
      for (Eigen::Index b = 0; b < boxes.size(); ++b) {
        double v = 1;
        for (int j = 0; j < m; ++j) {
          ASSERT_LT(boxes.lower(b, j), boxes.upper(b, j));
          ASSERT_LE(boxes.upper(b, j), ref[j]);
          v *= boxes.upper(b, j) - std::max(boxes.lower(b, j), floor);
        }
        volume += v;
      }
      EXPECT_NEAR(volume, std::pow(1.0 - floor, m) - hv(p, ref), 1e-12);
      // O(n) boxes for three objectives, not O(n^2).
      EXPECT_LE(boxes.size(), m == 2 ? n + 1 : 4 * n + 1);
    }
}

TEST(BoxDecomposition, EveryNonDominatedPointLiesInExactlyOneBox) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-0.2, 1.1);
  for (int m : {2, 3}) {
    const Eigen::MatrixXd p = random_points(25, m, rng);
    const Eigen::VectorXd ref = Eigen::VectorXd::Constant(m, 1.0);
    const auto boxes = parzen::gp::non_dominated_boxes(p, ref);
    for (int trial = 0; trial < 2000; ++trial) {
      Eigen::VectorXd y(m);
      for (auto& v : y) v = u(rng);
      bool dominated = (y.array() >= ref.array()).any();
      for (Eigen::Index i = 0; i < p.rows() && !dominated; ++i)
        dominated = (p.row(i).transpose().array() <= y.array()).all();
      int inside = 0;
      for (Eigen::Index b = 0; b < boxes.size(); ++b)
        inside += (boxes.lower.row(b).transpose().array() <= y.array()).all() &&
                  (y.array() < boxes.upper.row(b).transpose().array()).all();
      EXPECT_EQ(inside, dominated ? 0 : 1) << y.transpose();
    }
  }
}

TEST(BoxDecomposition, RejectsOtherObjectiveCounts) {
  EXPECT_THROW(parzen::gp::non_dominated_boxes(Eigen::MatrixXd(0, 4), Eigen::VectorXd::Ones(4)),
               std::invalid_argument);
  EXPECT_THROW(parzen::gp::non_dominated_boxes(Eigen::MatrixXd(0, 2), Eigen::VectorXd::Ones(3)),
               std::invalid_argument);
}

TEST(LogEhvi, MatchesAMonteCarloEstimate) {
  std::mt19937_64 rng(11);
  for (int m : {2, 3}) {
    SCOPED_TRACE(m);
    Eigen::MatrixXd front(4, m);
    if (m == 2)
      front << 0.1, 0.8, 0.3, 0.5, 0.6, 0.3, 0.9, 0.05;
    else
      front << 0.1, 0.8, 0.5, 0.3, 0.5, 0.4, 0.6, 0.3, 0.2, 0.4, 0.4, 0.7;
    const Eigen::VectorXd ref = Eigen::VectorXd::Constant(m, 1.0);
    const auto boxes = parzen::gp::non_dominated_boxes(front, ref);
    const double base = hv(front, ref);
    for (const auto& [mu, sd] : {std::pair{0.4, 0.2}, std::pair{0.2, 0.05}, std::pair{0.7, 0.4}}) {
      const Eigen::VectorXd mean = Eigen::VectorXd::LinSpaced(m, mu, mu + 0.1);
      const Eigen::VectorXd sds = Eigen::VectorXd::Constant(m, sd);
      const int n = 20000;
      double sum = 0, sum2 = 0;
      Eigen::MatrixXd with(front.rows() + 1, m);
      with.topRows(front.rows()) = front;
      std::normal_distribution<double> z(0, 1);
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < m; ++j) with(front.rows(), j) = mean[j] + sds[j] * z(rng);
        const double gain = hv(with, ref) - base;
        sum += gain;
        sum2 += gain * gain;
      }
      const double estimate = sum / n;
      const double se = std::sqrt((sum2 / n - estimate * estimate) / n);
      const double exact = std::exp(parzen::gp::log_ehvi(boxes, mean, sds));
      EXPECT_NEAR(exact, estimate, 4 * se + 1e-9) << mu << " " << sd;
    }
  }
}

TEST(LogEhvi, DerivativesMatchFiniteDifferencesAndItStaysFiniteWhereEhviUnderflows) {
  Eigen::MatrixXd front(3, 3);
  front << 0.1, 0.8, 0.5, 0.5, 0.4, 0.6, 0.3, 0.2, 0.4;
  const auto boxes = parzen::gp::non_dominated_boxes(front, Eigen::VectorXd::Ones(3));
  for (const double shift : {0.0, 0.5, 3.0}) {
    Eigen::VectorXd mean(3), sd(3);
    mean << 0.4 + shift, 0.35 + shift, 0.5 + shift;
    sd << 0.1, 0.2, 0.15;
    Eigen::VectorXd dm, ds;
    const double v = parzen::gp::log_ehvi(boxes, mean, sd, dm, ds);
    EXPECT_NEAR(v, parzen::gp::log_ehvi(boxes, mean, sd), 1e-9);
    const double h = 1e-6;
    for (int j = 0; j < 3; ++j) {
      Eigen::VectorXd a = mean, b = mean;
      a[j] += h, b[j] -= h;
      EXPECT_NEAR(
          dm[j],
          (parzen::gp::log_ehvi(boxes, a, sd) - parzen::gp::log_ehvi(boxes, b, sd)) / (2 * h),
          1e-4 * std::max(1.0, std::abs(dm[j])))
          << shift << " mean " << j;
      a = sd, b = sd;
      a[j] += h, b[j] -= h;
      EXPECT_NEAR(
          ds[j],
          (parzen::gp::log_ehvi(boxes, mean, a) - parzen::gp::log_ehvi(boxes, mean, b)) / (2 * h),
          1e-4 * std::max(1.0, std::abs(ds[j])))
          << shift << " sd " << j;
    }
  }
  // Far beyond the reference: EHVI underflows, its log is finite and keeps decreasing.
  Eigen::VectorXd far = Eigen::VectorXd::Constant(3, 30.0), farther = far.array() + 1;
  const Eigen::VectorXd sd = Eigen::VectorXd::Constant(3, 0.5);
  const double a = parzen::gp::log_ehvi(boxes, far, sd),
               b = parzen::gp::log_ehvi(boxes, farther, sd);
  EXPECT_TRUE(std::isfinite(a) && std::isfinite(b));
  EXPECT_GT(a, b);
}

// Minimise x^2 + y^2 on [-1, 1]^2 subject to x >= 0.5: the optimum 0.25 at (0.5, 0), on the
// constraint's boundary, where the unconstrained minimum (0, 0) is infeasible.
TEST(GpSampler, LogConstrainedEiPrefersTheFeasibleRegion) {
  auto study = parzen::Study::create(
      {.sampler = parzen::GpSampler::make({.seed = 4, .n_startup_trials = 10}),
       .log_level = parzen::LogLevel::Silent});
  int near_feasible = 0, near_unconstrained = 0;
  study.optimize(
      [&](parzen::Trial& t) {
        const double x = t.suggest_float("x", -1, 1), y = t.suggest_float("y", -1, 1);
        t.set_constraints({0.5 - x});
        if (t.number() >= 10) {
          near_feasible += x >= 0.4;
          near_unconstrained += x * x + y * y < 0.1;
        }
        return x * x + y * y;
      },
      {.n_trials = 40});
  // Random points have x >= 0.4 30 % of the time (9 of 30); the model keeps the proposals at
  // the feasible side of the boundary instead of at the infeasible unconstrained minimum.
  EXPECT_GE(near_feasible, 24);
  EXPECT_LE(near_unconstrained, 2);
  const auto best = study.best_trial();
  EXPECT_TRUE(best.feasible());
  EXPECT_LT(best.values[0] - 0.25, 0.01);
}

// Without a feasible trial the sampler maximises the probability of feasibility alone: a tiny
// feasible corner is found.
TEST(GpSampler, FindsAFeasibleRegionFromInfeasibleStartupTrials) {
  auto study =
      parzen::Study::create({.sampler = parzen::GpSampler::make({.seed = 6, .n_startup_trials = 8}),
                             .log_level = parzen::LogLevel::Silent});
  int first_feasible = -1;
  study.optimize(
      [&](parzen::Trial& t) {
        const double x = t.suggest_float("x", 0, 1), y = t.suggest_float("y", 0, 1);
        const double c = 1.85 - x - y;  // feasible: x + y >= 1.85, 1.1 % of the square
        t.set_constraints({c});
        if (c <= 0 && first_feasible < 0) first_feasible = static_cast<int>(t.number());
        return x - y;
      },
      {.n_trials = 25});
  EXPECT_GE(first_feasible, 0);
  EXPECT_LT(first_feasible, 20);
}

// ZDT1 with 4 parameters; trial `spike`'s first objective is 1e308 instead (a diverged run).
// `at_edge`: set to the number of trials from 10 on with x0 > 0.99.
double zdt1_hypervolume(const std::shared_ptr<parzen::Sampler>& sampler, int n_trials,
                        int64_t spike = -1, int* at_edge = nullptr) {
  auto study = parzen::Study::create({.directions = {Direction::Minimize, Direction::Minimize},
                                      .sampler = sampler,
                                      .log_level = parzen::LogLevel::Silent});
  study.optimize(
      [spike](parzen::Trial& t) {
        std::vector<double> x;
        for (int i = 0; i < 4; ++i) x.push_back(t.suggest_float("x" + std::to_string(i), 0, 1));
        const double g = 1 + 9 * (x[1] + x[2] + x[3]) / 3;
        return std::vector<double>{t.number() == spike ? 1e308 : x[0],
                                   g * (1 - std::sqrt(x[0] / g))};
      },
      {.n_trials = n_trials});
  std::vector<std::vector<double>> values;
  for (const auto& t : study.trials({parzen::TrialState::Complete})) {
    values.push_back(t.values);
    if (at_edge && t.number >= 10 && std::get<double>(t.params.at("x0")) > 0.99) ++*at_edge;
  }
  return parzen::multi_objective::hypervolume(values, {11, 11},
                                              {Direction::Minimize, Direction::Minimize});
}

TEST(GpSampler, LogEhviBeatsRandomSearchOnZdt1) {
  // Random search's median over 5 seeds against the GP's worst over 2 seeds.
  std::vector<double> random;
  for (uint64_t s = 0; s < 5; ++s)
    random.push_back(zdt1_hypervolume(parzen::RandomSampler::make({.seed = s}), 40));
  std::sort(random.begin(), random.end());
  for (uint64_t s = 0; s < 2; ++s)
    EXPECT_GT(zdt1_hypervolume(parzen::GpSampler::make({.seed = s, .n_startup_trials = 10}), 40),
              random[2] + 1.0)
        << s;
}

// Try-out 21 finding 1: one objective value of 1e308 overflowed standardise and left the first
// objective's modelled values all 0 for the rest of the study: log EHVI then stalled at the
// edge x0 = 1 (before the fix, 14 and 16 of the 30 modelled trials of seeds 0 and 1 had
// x0 > 0.99). gp_extreme_test.cpp has the rest.
TEST(GpSampler, SeveralObjectivesKeepOptimisingAfterA1e308Value) {
  std::vector<double> random;
  for (uint64_t s = 0; s < 5; ++s)
    random.push_back(zdt1_hypervolume(parzen::RandomSampler::make({.seed = s}), 40, 3));
  std::sort(random.begin(), random.end());
  for (uint64_t s = 0; s < 2; ++s) {
    int at_edge = 0;
    EXPECT_GT(zdt1_hypervolume(parzen::GpSampler::make({.seed = s, .n_startup_trials = 10}), 40, 3,
                               &at_edge),
              random[2] + 1.0)
        << s;
    EXPECT_LE(at_edge, 6) << s;
  }
}

TEST(GpSampler, SeveralObjectivesWithConstraintsStayInsideTheSpace) {
  auto study = parzen::Study::create(
      {.directions = {Direction::Minimize, Direction::Maximize, Direction::Minimize},
       .sampler = parzen::GpSampler::make({.seed = 8, .n_startup_trials = 6}),
       .log_level = parzen::LogLevel::Silent});
  study.optimize(
      [](parzen::Trial& t) {
        const double x = t.suggest_float("x", 1e-3, 10, {.log = true});
        const int64_t k = t.suggest_int("k", -3, 9, {.step = 3});
        const double s = t.suggest_float("s", 0, 1, {.step = 0.25});
        const std::string c = t.suggest_categorical("c", {"a", "b"});
        EXPECT_TRUE(x >= 1e-3 && x <= 10) << x;
        EXPECT_TRUE(k >= -3 && k <= 9 && (k + 3) % 3 == 0) << k;
        EXPECT_TRUE(s == 0 || s == 0.25 || s == 0.5 || s == 0.75 || s == 1) << s;
        t.set_constraints({static_cast<double>(k) - 6});
        const double lx = std::log10(x);
        return std::vector<double>{lx * lx + s, -(lx - 1) * (lx - 1) + (c == "a" ? 1 : 0),
                                   static_cast<double>(k * k) / 10 + s};
      },
      {.n_trials = 24});
  EXPECT_EQ(study.trials({parzen::TrialState::Complete}).size(), 24u);
  for (const auto& t : study.best_trials()) EXPECT_TRUE(t.feasible());
}

TEST(GpSampler, RefusesMoreThanThreeObjectives) {
  EXPECT_NO_THROW(parzen::GpSampler::check_directions(3));
  try {
    parzen::GpSampler::check_directions(4);
    FAIL() << "no exception";
  } catch (const parzen::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("4 objectives; its log EHVI handles at most 3"),
              std::string::npos)
        << e.what();
  }
  auto study = parzen::Study::create({.directions = std::vector<Direction>(4, Direction::Minimize),
                                      .sampler = parzen::GpSampler::make({.seed = 1}),
                                      .log_level = parzen::LogLevel::Silent});
  EXPECT_THROW(study.ask(), parzen::InvalidArgument);
}

}  // namespace
