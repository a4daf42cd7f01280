// The GP sampler after a huge finite output (try-out finding 1 of session 21): one 1e308 objective
// or constraint value overflowed standardise's sum of squares, which left every modelled value 0
// (or NaN) for the rest of the study. standardise now scales by a power of two before squaring
// (bit for bit the plain formula otherwise) and clip_outliers moves values beyond 100 IQR of the
// quartiles to one IQR beyond the others, so the ordinary values stay apart in the model. Several
// objectives: gp_mo_test.cpp, SeveralObjectivesKeepOptimisingAfterA1e308Value.

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "parzen/gp_sampler.hpp"
#include "parzen/study.hpp"
#include "samplers/gp/gp.hpp"

namespace {

using parzen::gp::clip_outliers;
using parzen::gp::standardise;
using parzen::gp::standardised_value;

// The plain formula standardise computed before the fix.
Eigen::VectorXd plain_standardise(const Eigen::VectorXd& y) {
  const double mean = y.mean();
  const double sd = std::sqrt((y.array() - mean).square().mean());
  return (y.array() - mean) / (sd > 1e-12 * std::max(1.0, std::abs(mean)) ? sd : 1.0);
}

TEST(GpOutputs, StandardiseIsThePlainFormulaBitForBitWhereItDoesNotOverflow) {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> heavy(0.0, 3.0);
  for (double scale : {1e-100, 1e-8, 1.0, 3.7, 1e12, 1e140}) {
    Eigen::VectorXd y(37);
    for (auto& v : y) v = scale * (heavy(rng) - 2.0);
    const Eigen::VectorXd a = standardise(y), b = plain_standardise(y);
    for (Eigen::Index i = 0; i < y.size(); ++i) ASSERT_EQ(a[i], b[i]) << scale << " " << i;
    const double mean = y.mean(), sd = std::sqrt((y.array() - mean).square().mean());
    const double divisor = sd > 1e-12 * std::max(1.0, std::abs(mean)) ? sd : 1.0;
    EXPECT_EQ(standardised_value(y, 0.25 * scale), (0.25 * scale - mean) / divisor) << scale;
  }
  // Constant outputs: y - mean, as before.
  EXPECT_EQ(standardise(Eigen::VectorXd::Constant(4, 1e300)), Eigen::VectorXd::Zero(4));
}

TEST(GpOutputs, StandardiseOfHugeFiniteValuesIsFiniteAndCorrect) {
  Eigen::VectorXd y(5);
  y << 1e308, 1.0, 2.0, 3.0, 4.0;
  // The plain formula overflows: every value standardises to 0.
  EXPECT_EQ(plain_standardise(y).cwiseAbs().maxCoeff(), 0.0);
  const Eigen::VectorXd z = standardise(y);
  ASSERT_TRUE(z.allFinite()) << z.transpose();
  EXPECT_NEAR(z[0], 2.0, 1e-12);  // one of five at +2 sd, the others at -1/2
  for (int i = 1; i < 5; ++i) EXPECT_NEAR(z[i], -0.5, 1e-12);
  y << 1.7e308, -1.7e308, 1.7e308, -1.7e308, 0.0;  // the sum and the range overflow too
  const Eigen::VectorXd w = standardise(y);
  ASSERT_TRUE(w.allFinite()) << w.transpose();
  EXPECT_NEAR(w.mean(), 0.0, 1e-12);
  EXPECT_NEAR(std::sqrt(w.array().square().mean()), 1.0, 1e-12);
}

TEST(GpOutputs, ClipOutliersClipsOnlyFarBeyondTheQuartiles) {
  Eigen::VectorXd y(9);
  // q1 = 3, q3 = 7: fences at 3 - 400 and 7 + 400; an outlier goes one IQR beyond 8.
  y << 1, 2, 3, 4, 5, 6, 7, 8, 1e308;
  const Eigen::VectorXd c = clip_outliers(y);
  EXPECT_EQ(c.head(8), y.head(8));
  EXPECT_EQ(c[8], 12.0);
  const Eigen::VectorXd z = standardise(c);
  EXPECT_GT(z[1] - z[0], 1e-3) << "the ordinary values stay apart in the model";
  y[8] = -1e308;  // q1 = 2, q3 = 6: one IQR below 1
  EXPECT_EQ(clip_outliers(y)[8], -3.0);
  // A constraint's threshold: a feasible value never turns infeasible.
  Eigen::VectorXd g(6);
  g << 1e6, 1e6 + 1, 1e6 + 2, 1e6 + 3, 1e6 + 4, -5.0;
  EXPECT_GT(clip_outliers(g)[5], 0.0);
  const Eigen::VectorXd kept = clip_outliers(g, 0.0);
  EXPECT_EQ(kept, g);
  const Eigen::VectorXd zk = standardise(kept);
  EXPECT_LT(zk[5], standardised_value(kept, 0.0));
  EXPECT_LT(standardised_value(kept, 0.0), zk[0]);
  // Ordinary heavy tails (lognormal), constant and short outputs are left alone.
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> heavy(0.0, 1.0);
  Eigen::VectorXd l(200);
  for (auto& v : l) v = heavy(rng);
  EXPECT_EQ(clip_outliers(l), l);
  EXPECT_EQ(clip_outliers(Eigen::VectorXd::Constant(6, 2.0)), Eigen::VectorXd::Constant(6, 2.0));
  Eigen::VectorXd s(3);
  s << 0, 1, 1e308;
  EXPECT_EQ(clip_outliers(s), s);
}

// A sphere in 3 dimensions, minimised, with trial `spike` returning 1e308.
double sphere_best_with_spike(const std::shared_ptr<parzen::Sampler>& sampler, int64_t spike,
                              bool constrained) {
  auto study = parzen::Study::create({.sampler = sampler, .log_level = parzen::LogLevel::Silent});
  study.optimize(
      [spike, constrained](parzen::Trial& t) {
        double s = 0, x0 = 0;
        for (int i = 0; i < 3; ++i) {
          const double v = t.suggest_float("x" + std::to_string(i), -1, 1);
          if (i == 0) x0 = v;
          s += (v - 0.3) * (v - 0.3);
        }
        if (constrained)  // feasible when x0 >= 0; trial `spike` violates by 1e308
          t.set_constraints({t.number() == spike ? 1e308 : -x0});
        return !constrained && t.number() == spike ? 1e308 : s;
      },
      {.n_trials = 30});
  return study.best_value();
}

TEST(GpSampler, OneObjectiveAndConstraintsKeepOptimisingAfterA1e308Value) {
  for (bool constrained : {false, true}) {
    SCOPED_TRACE(constrained ? "constraint of 1e308" : "objective of 1e308");
    for (uint64_t s = 0; s < 2; ++s)
      EXPECT_LT(sphere_best_with_spike(parzen::GpSampler::make({.seed = s, .n_startup_trials = 8}),
                                       9, constrained),
                0.02)
          << s;
  }
}

}  // namespace
