// Gaussian-process regression (the GP sampler's core): the posterior against a two-point example
// worked out by hand, the marginal likelihood's gradient against finite differences, and log EI
// against log(EI) where EI is representable and finite where it underflows.

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "samplers/gp/gp.hpp"

namespace {

using namespace parzen::gp;

double matern_unit(double r) {
  return (1 + std::sqrt(5.0) * r + 5.0 / 3.0 * r * r) * std::exp(-std::sqrt(5.0) * r);
}

TEST(GaussianProcess, PosteriorMatchesATwoPointExampleByHand) {
  // x = {0, 1}, y = {1, -1}, lengthscale 1, signal variance 1, noise variance 0.01.
  Eigen::MatrixXd x(2, 1);
  x << 0, 1;
  Eigen::VectorXd y(2);
  y << 1, -1;
  Hyperparameters h{Eigen::VectorXd::Zero(1), 0.0, std::log(0.01)};
  GaussianProcess gp(x, y, h);
  EXPECT_EQ(gp.jitter(), 0.0);
  // K = [[a, c], [c, a]], K^-1 = [[a, -c], [-c, a]] / (a^2 - c^2).
  const double a = 1.01, c = matern_unit(1.0), det = a * a - c * c;
  for (double xs : {0.25, 0.6, 2.0}) {
    const double k0 = matern_unit(std::abs(xs)), k1 = matern_unit(std::abs(xs - 1));
    const double w0 = (a * k0 - c * k1) / det, w1 = (-c * k0 + a * k1) / det;  // k*^T K^-1
    const double mean = w0 * 1 + w1 * -1;
    const double var = 1 - (w0 * k0 + w1 * k1);
    Eigen::VectorXd q(1);
    q << xs;
    EXPECT_NEAR(gp.mean(q), mean, 1e-12) << xs;
    EXPECT_NEAR(gp.variance(q), var, 1e-12) << xs;
  }
  // log p(y) = -1/2 y^T K^-1 y - 1/2 log det K - log(2 pi).
  const double quad = (a * 1 - 2 * c * 1 * -1 + a * 1) / det;
  EXPECT_NEAR(gp.log_marginal_likelihood(), -0.5 * quad - 0.5 * std::log(det) - std::log(2 * M_PI),
              1e-12);
}

TEST(GaussianProcess, MarginalLikelihoodGradientMatchesFiniteDifferences) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  const int n = 12, d = 3;
  Eigen::MatrixXd x(n, d);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < d; ++j) x(i, j) = u(rng);
    y[i] = std::sin(6 * x(i, 0)) + x(i, 1) * x(i, 2) + 0.1 * u(rng);
  }
  for (const bool additive : {false, true}) {
    Eigen::VectorXd p(d + (additive ? 3 : 2));
    p.head(d + 2) << std::log(0.3), std::log(0.7), std::log(1.5), std::log(0.8), std::log(0.05);
    if (additive) p[d + 2] = std::log(0.6);
    const GaussianProcess gp(x, y, Hyperparameters::unpack(p, additive));
    const Eigen::VectorXd g = gp.log_marginal_likelihood_gradient();
    ASSERT_EQ(g.size(), p.size());
    for (int k = 0; k < p.size(); ++k) {
      const double eps = 1e-5;
      Eigen::VectorXd hi = p, lo = p;
      hi[k] += eps;
      lo[k] -= eps;
      const double fd =
          (GaussianProcess(x, y, Hyperparameters::unpack(hi, additive)).log_marginal_likelihood() -
           GaussianProcess(x, y, Hyperparameters::unpack(lo, additive)).log_marginal_likelihood()) /
          (2 * eps);
      EXPECT_NEAR(g[k], fd, 1e-6 * std::max(1.0, std::abs(fd)))
          << "parameter " << k << (additive ? ", additive" : "");
    }
  }
}

TEST(GaussianProcess, JitterRescuesDuplicatePointsWithoutNoise) {
  Eigen::MatrixXd x(3, 1);
  x << 0.5, 0.5, 0.5;
  Eigen::VectorXd y(3);
  y << 1, 1, 1;
  const GaussianProcess gp(x, y, {Eigen::VectorXd::Zero(1), 0.0, -60.0});
  EXPECT_GT(gp.jitter(), 0.0);
  Eigen::VectorXd q(1);
  q << 0.5;
  EXPECT_NEAR(gp.mean(q), 1.0, 1e-6);
  EXPECT_TRUE(std::isfinite(gp.log_marginal_likelihood()));
}

double naive_log_ei(double mean, double sd, double best) {
  const double z = (best - mean) / sd;
  const double phi = std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI);
  const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  return std::log(sd * (phi + z * cdf));
}

TEST(LogExpectedImprovement, EqualsLogEiWhereRepresentableAndStaysFinite) {
  for (double z = -5.0; z <= 5.0; z += 0.125)
    EXPECT_NEAR(log_expected_improvement(-z * 2.0, 2.0, 0.0), naive_log_ei(-z * 2.0, 2.0, 0.0),
                1e-9 * std::max(1.0, std::abs(naive_log_ei(-z * 2.0, 2.0, 0.0))))
        << z;
  // Where EI underflows: finite, decreasing, and h(z) ~ phi(z) / z^2 asymptotically.
  double previous = log_h(-1.0);
  for (double z = -1.5; z >= -1000.0; z *= 1.5) {
    const double v = log_h(z);
    ASSERT_TRUE(std::isfinite(v)) << z;
    EXPECT_LT(v, previous) << z;
    previous = v;
  }
  for (double z : {-40.0, -200.0}) {
    const double asymptote = -0.5 * z * z - 0.5 * std::log(2 * M_PI) - 2 * std::log(-z);
    EXPECT_NEAR(log_h(z), asymptote, 0.01) << z;
  }
  EXPECT_EQ(std::exp(naive_log_ei(80.0, 2.0, 0.0)), 0.0);  // the naive form underflows here
  EXPECT_TRUE(std::isfinite(log_expected_improvement(80.0, 2.0, 0.0)));
  // Continuous where the two branches meet.
  EXPECT_NEAR(log_h(-1.0 - 1e-9), log_h(-1.0 + 1e-9), 1e-7);
}

}  // namespace

namespace {

TEST(GaussianProcess, FittedHyperparametersFindTheRelevantDimension) {
  // y depends on x0 only: the fit gives x1 a much longer lengthscale, and improves the posterior.
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  const int n = 30;
  Eigen::MatrixXd x(n, 2);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    x(i, 0) = u(rng);
    x(i, 1) = u(rng);
    y[i] = std::sin(6 * x(i, 0));
  }
  y = (y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().mean());
  Hyperparameters start{Eigen::VectorXd::Constant(2, -0.7), 0.0, -6.0};
  const Hyperparameters fitted = fit_hyperparameters(x, y, start);
  EXPECT_GT(fitted.log_lengthscales[1], fitted.log_lengthscales[0] + 1.0)
      << fitted.log_lengthscales.transpose();
  EXPECT_GT(log_posterior(x, y, fitted), log_posterior(x, y, start));
  // The fit predicts held-out points well.
  const GaussianProcess gp(x, y, fitted);
  Eigen::VectorXd q(2);
  double err = 0;
  for (double a : {0.1, 0.3, 0.5, 0.7, 0.9}) {
    q << a, 0.5;
    Eigen::VectorXd raw(n);
    for (int i = 0; i < n; ++i) raw[i] = std::sin(6 * x(i, 0));
    const double m = raw.mean(), sd = std::sqrt((raw.array() - m).square().mean());
    err = std::max(err, std::abs(gp.mean(q) - (std::sin(6 * a) - m) / sd));
  }
  EXPECT_LT(err, 0.1);
}

}  // namespace

#include "parzen/gp_sampler.hpp"
#include "parzen/study.hpp"

namespace {

TEST(GpSampler, FindsAOneDimensionalOptimumInASmallBudget) {
  // Every acquisition finds it; random search's 20 trials land within 0.02 of 0.3 with
  // probability 1 - 0.96^20 = 0.56 only.
  for (auto acquisition : {parzen::GpAcquisition::LogEI, parzen::GpAcquisition::EI,
                           parzen::GpAcquisition::UCB, parzen::GpAcquisition::PI}) {
    auto study = parzen::Study::create(
        {.sampler = parzen::GpSampler::make(
             {.seed = 1, .n_startup_trials = 5, .acquisition = acquisition})});
    study.optimize(
        [](parzen::Trial& t) {
          const double x = t.suggest_float("x", 0, 1);
          return (x - 0.3) * (x - 0.3);
        },
        {.n_trials = 20});
    const double x = std::get<double>(study.best_trial().params.at("x"));
    EXPECT_NEAR(x, 0.3, 0.005) << static_cast<int>(acquisition);
  }
}

TEST(GpSampler, HandlesIntegersCategoricalsAndMaximisation) {
  auto study = parzen::Study::create(
      {.directions = {parzen::Direction::Maximize},
       .sampler = parzen::GpSampler::make({.seed = 2, .n_startup_trials = 10})});
  study.optimize(
      [](parzen::Trial& t) {
        const double x = t.suggest_float("x", 1e-3, 1, {.log = true});
        const int64_t k = t.suggest_int("k", 0, 10);
        const std::string c = t.suggest_categorical("c", {"a", "b", "c"});
        return -(std::log10(x) + 1) * (std::log10(x) + 1) - (k - 3.0) * (k - 3.0) / 10 -
               (c == "b" ? 0.0 : 1.0);
      },
      {.n_trials = 35});
  const auto best = study.best_trial();
  EXPECT_EQ(std::get<std::string>(best.params.at("c")), "b");
  EXPECT_NEAR(static_cast<double>(std::get<int64_t>(best.params.at("k"))), 3.0, 1.0);
  EXPECT_NEAR(std::log10(std::get<double>(best.params.at("x"))), -1.0, 0.3);
}

TEST(GpSampler, ConcurrentAsksWithRunningTrialsReturnDistinctPoints) {
  auto study = parzen::Study::create(
      {.sampler = parzen::GpSampler::make({.seed = 3, .n_startup_trials = 5})});
  for (int i = 0; i < 10; ++i) {
    auto t = study.ask();
    const double x = t.suggest_float("x", 0, 1);
    const double y = t.suggest_float("y", 0, 1);
    study.tell(t, (x - 0.5) * (x - 0.5) + (y - 0.5) * (y - 0.5));
  }
  std::vector<std::pair<double, double>> asked;
  std::vector<parzen::Trial> running;
  for (int i = 0; i < 4; ++i) {
    running.push_back(study.ask());
    asked.emplace_back(running.back().suggest_float("x", 0, 1),
                       running.back().suggest_float("y", 0, 1));
  }
  // Without the running trials as fantasies the four land within 0.01 of each other (near the
  // same acquisition maximum); with them, apart.
  for (size_t i = 0; i < asked.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      EXPECT_GT(std::hypot(asked[i].first - asked[j].first, asked[i].second - asked[j].second),
                0.05)
          << i << " " << j;
}

// Issue 13 B7: on a noise-free objective an evaluation at a point already evaluated is wasted.
TEST(GpSampler, NeverRepeatsAPointOfATinyDiscreteSpace) {
  for (int64_t n_startup : {2, 20}) {  // the model's proposals, and the Sobol start-up
    auto study = parzen::Study::create(
        {.sampler = parzen::GpSampler::make({.seed = 4, .n_startup_trials = n_startup}),
         .log_level = parzen::LogLevel::Silent});
    study.optimize(
        [](parzen::Trial& t) {
          const auto kernel = t.suggest_categorical("kernel", {"linear", "rbf"});
          const auto k = t.suggest_int("k", 1, 3);
          return static_cast<double>(k) + (kernel == "rbf" ? 0.5 : 0.0);
        },
        {.n_trials = 6});
    std::set<std::pair<std::string, int64_t>> points;
    for (const auto& t : study.trials())
      points.emplace(std::get<std::string>(t.params.at("kernel")),
                     std::get<int64_t>(t.params.at("k")));
    EXPECT_EQ(points.size(), 6u) << "n_startup_trials = " << n_startup;
  }
}

TEST(GpSampler, EvaluatesAnOptimumAtABoundOnce) {
  for (bool log : {false, true}) {
    auto study = parzen::Study::create(
        {.sampler = parzen::GpSampler::make({.seed = 5, .n_startup_trials = 5}),
         .log_level = parzen::LogLevel::Silent});
    study.optimize(
        [log](parzen::Trial& t) { return t.suggest_float("C", 0.01, 1000, {.log = log}); },
        {.n_trials = 25});
    int at_bound = 0;
    for (const auto& t : study.trials()) at_bound += std::get<double>(t.params.at("C")) == 0.01;
    EXPECT_EQ(at_bound, 1) << "log = " << log;
  }
}

TEST(GpSampler, SeededStudiesRepeat) {
  auto run = [] {
    auto study = parzen::Study::create(
        {.sampler = parzen::GpSampler::make({.seed = 9, .n_startup_trials = 5})});
    study.optimize(
        [](parzen::Trial& t) {
          const double x = t.suggest_float("x", -2, 2);
          return x * x;
        },
        {.n_trials = 14});
    std::vector<double> xs;
    for (const auto& t : study.trials()) xs.push_back(std::get<double>(t.params.at("x")));
    return xs;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace

namespace {

using namespace parzen::gp;

// A fitted-looking GP on 3-D data for the gradient and extension tests.
GaussianProcess example_gp(int n, Eigen::MatrixXd* x_out = nullptr,
                           Eigen::VectorXd* y_out = nullptr, bool additive = false) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  Eigen::MatrixXd x(n, 3);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) x(i, j) = u(rng);
    y[i] = std::sin(5 * x(i, 0)) + x(i, 1) * x(i, 2);
  }
  if (x_out) *x_out = x;
  if (y_out) *y_out = y;
  Eigen::VectorXd p(additive ? 6 : 5);
  p.head(5) << std::log(0.4), std::log(0.6), std::log(1.2), std::log(0.9), std::log(1e-3);
  if (additive) p[5] = std::log(0.7);
  return GaussianProcess(x, y, Hyperparameters::unpack(p, additive));
}

TEST(GaussianProcess, BatchPredictionEqualsPointwise) {
  Eigen::MatrixXd x;
  const GaussianProcess gp = example_gp(15, &x);
  Eigen::VectorXd at_inputs, unused;
  gp.predict(x, at_inputs, unused);
  EXPECT_LT((gp.training_means() - at_inputs).cwiseAbs().maxCoeff(), 1e-9);
  Eigen::MatrixXd q(4, 3);
  q << 0.1, 0.2, 0.3, 0.9, 0.1, 0.5, 0.5, 0.5, 0.5, 0.0, 1.0, 0.7;
  Eigen::VectorXd mean, var;
  gp.predict(q, mean, var);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(mean[i], gp.mean(q.row(i).transpose()), 1e-12);
    EXPECT_NEAR(var[i], gp.variance(q.row(i).transpose()), 1e-12);
  }
}

TEST(GaussianProcess, PosteriorGradientsMatchFiniteDifferences) {
  for (const bool additive : {false, true}) {
    const GaussianProcess gp = example_gp(15, nullptr, nullptr, additive);
    Eigen::VectorXd x(3);
    x << 0.31, 0.72, 0.45;
    double mean = 0, var = 0;
    Eigen::VectorXd d_mean, d_var;
    gp.predict_with_gradient(x, mean, var, d_mean, d_var);
    EXPECT_NEAR(mean, gp.mean(x), 1e-12);
    EXPECT_NEAR(var, gp.variance(x), 1e-12);
    for (int m = 0; m < 3; ++m) {
      const double eps = 1e-6;
      Eigen::VectorXd hi = x, lo = x;
      hi[m] += eps;
      lo[m] -= eps;
      EXPECT_NEAR(d_mean[m], (gp.mean(hi) - gp.mean(lo)) / (2 * eps), 1e-6) << m;
      EXPECT_NEAR(d_var[m], (gp.variance(hi) - gp.variance(lo)) / (2 * eps), 1e-6) << m;
    }
  }
}

TEST(GaussianProcess, AdditiveKernelByHandAndItsPriorVariance) {
  // k(a, b) = s2 M(|a - b|_l) + sa / d sum_m M(|a_m - b_m| / l_m).
  Hyperparameters h{Eigen::Vector2d(std::log(0.5), std::log(2.0)), std::log(1.5), -6.0, true,
                    std::log(0.8)};
  const Eigen::VectorXd a = Eigen::Vector2d(0.1, 0.9), b = Eigen::Vector2d(0.4, 0.2);
  const double r = std::hypot(0.3 / 0.5, 0.7 / 2.0);
  const double expected =
      1.5 * matern_unit(r) + 0.8 / 2 * (matern_unit(0.3 / 0.5) + matern_unit(0.7 / 2.0));
  EXPECT_NEAR(matern52(a, b, h), expected, 1e-12);
  Eigen::MatrixXd am(1, 2), bm(1, 2);
  am.row(0) = a;
  bm.row(0) = b;
  EXPECT_NEAR(matern52(am, bm, h)(0, 0), expected, 1e-12);
  EXPECT_NEAR(h.prior_variance(), 1.5 + 0.8, 1e-12);
  EXPECT_NEAR(matern52(a, a, h), 2.3, 1e-12);
  // Far from every observation the posterior variance returns to the prior's.
  Eigen::MatrixXd x(1, 2);
  x << 0.0, 0.0;
  const GaussianProcess gp(x, Eigen::VectorXd::Ones(1), h);
  EXPECT_NEAR(gp.variance(Eigen::Vector2d(100, 100)), 2.3, 1e-9);
}

TEST(Acquisition, DerivativesMatchFiniteDifferencesForEveryKind) {
  for (auto kind :
       {AcquisitionKind::LogEI, AcquisitionKind::EI, AcquisitionKind::UCB, AcquisitionKind::PI}) {
    const Acquisition acq{kind, 0.2, 4.0};
    // From far above the incumbent (EI underflows, z = -30) to well below it.
    for (const auto& [mean, sd] : std::vector<std::pair<double, double>>{
             {0.5, 0.3}, {-1.0, 0.5}, {0.2, 0.01}, {3.2, 0.1}, {1.0, 2.0}}) {
      double d_mean = 0, d_sd = 0;
      const double v = acq.value(mean, sd, d_mean, d_sd);
      ASSERT_TRUE(std::isfinite(v)) << static_cast<int>(kind) << " " << mean << " " << sd;
      const double eps = 1e-6;
      const double fd_mean = (acq.value(mean + eps, sd) - acq.value(mean - eps, sd)) / (2 * eps);
      const double fd_sd = (acq.value(mean, sd + eps) - acq.value(mean, sd - eps)) / (2 * eps);
      const double tol = 1e-5 * std::max(1.0, std::abs(fd_mean) + std::abs(fd_sd));
      EXPECT_NEAR(d_mean, fd_mean, tol) << static_cast<int>(kind) << " " << mean << " " << sd;
      EXPECT_NEAR(d_sd, fd_sd, tol) << static_cast<int>(kind) << " " << mean << " " << sd;
    }
  }
  // EI is exp(log EI) where representable; PI is log Phi(z).
  const Acquisition log_ei{AcquisitionKind::LogEI, 0.2}, ei{AcquisitionKind::EI, 0.2},
      pi{AcquisitionKind::PI, 0.2};
  EXPECT_NEAR(ei.value(0.5, 0.3), std::exp(log_ei.value(0.5, 0.3)), 1e-15);
  EXPECT_NEAR(pi.value(0.5, 0.3), std::log(0.5 * std::erfc((0.5 - 0.2) / 0.3 / std::sqrt(2.0))),
              1e-12);
  EXPECT_TRUE(std::isfinite(pi.value(40.0, 0.5)));  // Phi(-79.6) underflows; its log does not
}

TEST(GaussianProcess, ExtendingTheFactorEqualsRefactoring) {
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  GaussianProcess grown = example_gp(20, &x, &y);
  const GaussianProcess full(x, y, grown.hyperparameters());
  GaussianProcess part(x.topRows(12), y.head(12), grown.hyperparameters());
  part.extend(x.middleRows(12, 5), y.head(17));
  part.extend(x.bottomRows(3), y);
  EXPECT_NEAR(part.log_marginal_likelihood(), full.log_marginal_likelihood(), 1e-9);
  Eigen::VectorXd q(3);
  q << 0.4, 0.4, 0.9;
  EXPECT_NEAR(part.mean(q), full.mean(q), 1e-9);
  EXPECT_NEAR(part.variance(q), full.variance(q), 1e-9);
  // A duplicate of an existing point without noise cannot be appended to the factor; extend
  // refactors with jitter instead of failing.
  GaussianProcess exact(x, y, {Eigen::VectorXd::Constant(3, -1.0), 0.0, -40.0});
  Eigen::VectorXd y2(21);
  y2 << y, y[0];
  exact.extend(x.topRows(1), y2);
  EXPECT_EQ(exact.size(), 21);
  EXPECT_TRUE(std::isfinite(exact.log_marginal_likelihood()));
}

TEST(OutputWarping, KeepsOrderAndMakesHeavyTailsGaussian) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> heavy(0.0, 1.0);
  Eigen::VectorXd y(200);
  for (auto& v : y) v = heavy(rng);
  const Eigen::VectorXd w = warp_outputs(y);
  for (int i = 0; i < 200; ++i) {
    for (int j = 0; j < 200; ++j) {
      if (y[i] < y[j]) {
        ASSERT_LT(w[i], w[j]);
      }
    }
  }
  EXPECT_NEAR(w.mean(), 0.0, 1e-9);
  EXPECT_NEAR(std::sqrt(w.array().square().mean()), 1.0, 1e-9);
  const auto skewness = [](const Eigen::VectorXd& v) {
    const Eigen::VectorXd z = standardise(v);
    return z.array().cube().mean();
  };
  EXPECT_GT(skewness(y), 2.5);  // SciPy's yeojohnson takes such samples to about 0.3
  EXPECT_LT(std::abs(skewness(w)), 0.5);
  // Gaussian outputs are left (almost) alone; constant ones stay finite.
  std::normal_distribution<double> normal(3.0, 2.0);
  for (auto& v : y) v = normal(rng);
  const Eigen::VectorXd wn = warp_outputs(y), sn = standardise(y);
  EXPECT_GT(wn.dot(sn) / static_cast<double>(y.size()), 0.995);  // correlation
  EXPECT_TRUE(warp_outputs(Eigen::VectorXd::Constant(5, 7.0)).allFinite());
  // The transform itself: identity at lambda = 1, log1p at 0, odd-symmetric at lambda = 1 only.
  EXPECT_NEAR(yeo_johnson(2.5, 1.0), 2.5, 1e-12);
  EXPECT_NEAR(yeo_johnson(-2.5, 1.0), -2.5, 1e-12);
  EXPECT_NEAR(yeo_johnson(2.5, 0.0), std::log1p(2.5), 1e-12);
  EXPECT_NEAR(yeo_johnson(-2.5, 2.0), -std::log1p(2.5), 1e-12);
}

}  // namespace

namespace {

double sphere3(parzen::Trial& t) {
  double s = 0;
  for (int i = 0; i < 3; ++i) {
    const double v = t.suggest_float("x" + std::to_string(i), -1, 1);
    s += (v - 0.3) * (v - 0.3);
  }
  return s;
}

TEST(GpSampler, LongHistoriesFitOnASubsetAndExtendTheFactor) {
  // 300 random trials, then GP asks: past 256 trials the hyperparameters are fitted on a subset
  // and later asks extend the Cholesky factor instead of refactoring. The GP's proposals must
  // still beat the random history's best.
  auto storage = parzen::make_in_memory_storage();
  auto prefill = parzen::Study::create({.name = "long",
                                        .storage_backend = storage,
                                        .sampler = parzen::RandomSampler::make({.seed = 1}),
                                        .log_level = parzen::LogLevel::Silent});
  prefill.optimize(sphere3, {.n_trials = 300});
  const double random_best = prefill.best_value();
  auto study = parzen::Study::load({.name = "long",
                                    .storage_backend = storage,
                                    .sampler = parzen::GpSampler::make({.seed = 1}),
                                    .log_level = parzen::LogLevel::Silent});
  study.optimize(sphere3, {.n_trials = 12});
  EXPECT_LT(study.best_value(), random_best / 4) << random_best;
}

TEST(GpSampler, NoisyObjectivesAndRejectedOptions) {
  // With noise, the incumbent is the best posterior mean; the study still homes in.
  std::mt19937_64 rng(4);
  std::normal_distribution<double> noise(0.0, 0.02);
  auto study =
      parzen::Study::create({.sampler = parzen::GpSampler::make(
                                 {.seed = 4, .n_startup_trials = 8, .noisy_objective = true})});
  study.optimize(
      [&](parzen::Trial& t) {
        const double x = t.suggest_float("x", 0, 1);
        return (x - 0.7) * (x - 0.7) + noise(rng);
      },
      {.n_trials = 30});
  int near = 0;
  for (const auto& t : study.trials())
    if (t.number >= 20 && std::abs(std::get<double>(t.params.at("x")) - 0.7) < 0.1) ++near;
  EXPECT_GE(near, 7);
  EXPECT_THROW(parzen::GpSampler({.n_startup_trials = 0}), parzen::InvalidArgument);
  EXPECT_THROW(parzen::GpSampler({.ucb_beta = -1}), parzen::InvalidArgument);
  EXPECT_THROW(parzen::GpSampler({.n_polish = 0}), parzen::InvalidArgument);
}

TEST(GpSampler, StartupTrialsAreSpreadQuasiRandomly) {
  // The first trials follow a scrambled Sobol sequence: in 1-D, 16 of them put one point in each
  // sixteenth of the range (trial 0, before any space is known, is random).
  auto study = parzen::Study::create(
      {.sampler = parzen::GpSampler::make({.seed = 6, .n_startup_trials = 40})});
  study.optimize([](parzen::Trial& t) { return t.suggest_float("x", 0, 16); }, {.n_trials = 33});
  std::vector<int> cells(16, 0);
  for (const auto& t : study.trials()) {
    if (t.number >= 1 && t.number <= 16)
      ++cells[static_cast<size_t>(std::get<double>(t.params.at("x")))];
  }
  // Sobol indices 1..16 cover 15 cells of the first block of 16 plus one of the next.
  EXPECT_GE(std::count(cells.begin(), cells.end(), 1) + std::count(cells.begin(), cells.end(), 2),
            15);
  EXPECT_LE(*std::max_element(cells.begin(), cells.end()), 2);
}

}  // namespace

namespace {

TEST(GpSampler, SteppedIntegersGetEqualCells) {
  // Each admissible value of an integer with step 2 owns an equal share of the model's axis, so
  // the 32 Sobol start-up points of a 1-D study with six values hit every value 5 or 6 times
  // (with cells of width 1 at the ends, as before, the end values got half as many). Declared
  // noisy, so that repeating a value is allowed and the Sobol points are taken as they come.
  auto study =
      parzen::Study::create({.sampler = parzen::GpSampler::make(
                                 {.seed = 8, .n_startup_trials = 40, .noisy_objective = true})});
  study.optimize(
      [](parzen::Trial& t) { return static_cast<double>(t.suggest_int("k", 0, 10, {.step = 2})); },
      {.n_trials = 33});
  std::map<int64_t, int> counts;
  for (const auto& t : study.trials())
    if (t.number >= 1) ++counts[std::get<int64_t>(t.params.at("k"))];
  ASSERT_EQ(counts.size(), 6u);
  for (const auto& [value, count] : counts) {
    EXPECT_GE(count, 5) << value;
    EXPECT_LE(count, 6) << value;
  }
}

}  // namespace
