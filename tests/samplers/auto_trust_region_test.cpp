// The auto sampler's trust-region step: the quadratic model (least squares and Powell's
// least-Frobenius-norm interpolation), the step in the ball and the box, and the step inside a
// study (converges on a smooth function, keeps the best trial's other parameters).

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "parzen/parzen.hpp"
#include "samplers/auto/trust_region.hpp"

using namespace parzen;
using parzen::internal::fit_quadratic;
using parzen::internal::minimise_in_trust_region;
using parzen::internal::QuadraticModel;
using parzen::internal::TrustRegionSampler;

namespace {

// f(p) = 1 + g.p + p'Hp/2 with a fixed indefinite H in 3-D.
QuadraticModel reference() {
  QuadraticModel q;
  q.c = 1;
  q.g = Eigen::Vector3d(0.5, -1, 2);
  q.H.resize(3, 3);
  q.H << 2, 0.5, 0, 0.5, -1, 0.3, 0, 0.3, 4;
  return q;
}

Eigen::MatrixXd random_points(Eigen::Index d, Eigen::Index m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  Eigen::MatrixXd x(d, m);
  for (Eigen::Index k = 0; k < m; ++k)
    for (Eigen::Index i = 0; i < d; ++i) x(i, k) = u(rng);
  return x;
}

}  // namespace

TEST(AutoTrustRegion, LeastSquaresRecoversAQuadratic) {
  const auto q = reference();
  const Eigen::MatrixXd x = random_points(3, 14, 1);  // more than the 10 coefficients
  Eigen::VectorXd y(x.cols());
  for (Eigen::Index k = 0; k < x.cols(); ++k) y[k] = q.at(x.col(k));
  const auto fit = fit_quadratic(x, y);
  ASSERT_TRUE(fit);
  EXPECT_NEAR(fit->c, q.c, 1e-10);
  EXPECT_LT((fit->g - q.g).norm(), 1e-10);
  EXPECT_LT((fit->H - q.H).norm(), 1e-10);
}

TEST(AutoTrustRegion, FewPointsInterpolateWithLeastFrobeniusNorm) {
  const auto q = reference();
  const Eigen::MatrixXd x = random_points(3, 7, 2);  // between d + 2 = 5 and 10 points
  Eigen::VectorXd y(x.cols());
  for (Eigen::Index k = 0; k < x.cols(); ++k) y[k] = q.at(x.col(k));
  const auto fit = fit_quadratic(x, y);
  ASSERT_TRUE(fit);
  for (Eigen::Index k = 0; k < x.cols(); ++k) EXPECT_NEAR(fit->at(x.col(k)), y[k], 1e-9) << k;
  EXPECT_LT((fit->H - fit->H.transpose()).norm(), 1e-12);
  // A linear function needs no curvature: the least-norm Hessian is 0.
  Eigen::VectorXd linear(x.cols());
  for (Eigen::Index k = 0; k < x.cols(); ++k) linear[k] = 3 + q.g.dot(x.col(k));
  const auto flat = fit_quadratic(x, linear);
  ASSERT_TRUE(flat);
  EXPECT_LT(flat->H.norm(), 1e-9);
  EXPECT_LT((flat->g - q.g).norm(), 1e-9);
  // Too few points, or points that do not span the space.
  EXPECT_FALSE(fit_quadratic(random_points(3, 4, 3), Eigen::VectorXd::Zero(4)));
  Eigen::MatrixXd planar = random_points(3, 6, 4);
  planar.row(2).setZero();
  EXPECT_FALSE(fit_quadratic(planar, Eigen::VectorXd::Ones(6)));
}

TEST(AutoTrustRegion, StepStaysInTheBallAndTheBoxAndLowersTheModel) {
  const auto q = reference();
  const Eigen::Vector3d lower(-0.2, -1, -1), upper(1, 0.05, 1);
  for (double radius : {0.01, 0.3, 2.0}) {
    const Eigen::VectorXd p = minimise_in_trust_region(q, radius, lower, upper);
    EXPECT_LE(p.norm(), radius * (1 + 1e-12));
    EXPECT_TRUE((p.array() >= lower.array() - 1e-15).all() &&
                (p.array() <= upper.array() + 1e-15).all());
    EXPECT_LT(q.at(p), q.c);
    // No feasible point of a dense random sample does better than the step (up to 1e-6).
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> u(-1, 1);
    for (int k = 0; k < 20000; ++k) {
      Eigen::Vector3d r(u(rng), u(rng), u(rng));
      r = r.cwiseMax(lower).cwiseMin(upper);
      if (r.norm() > radius) continue;
      EXPECT_GE(q.at(r), q.at(p) - 1e-6) << radius;
    }
  }
  // A convex model whose minimiser is inside: the Newton step.
  QuadraticModel bowl{0, Eigen::Vector2d(-0.2, 0.1), Eigen::Matrix2d::Identity() * 2};
  const Eigen::VectorXd p =
      minimise_in_trust_region(bowl, 1, Eigen::Vector2d(-1, -1), Eigen::Vector2d(1, 1));
  EXPECT_NEAR(p[0], 0.1, 1e-9);
  EXPECT_NEAR(p[1], -0.05, 1e-9);
}

namespace {

// Random for the first 8 trials, then trust-region steps only (while the model predicts a gain).
class LocalOnly : public Sampler {
 public:
  TrustRegionSampler tr{7};
  RandomSampler random{{.seed = 7}};
  bool prepared = false;
  int steps = 0;
  double largest_radius = 0;

  nlohmann::json before_trial(const StudyView& view) override {
    prepared = false;
    const auto& trials = view.trials();
    if (trials.size() >= 8) {
      prepared = tr.prepare(view, trials.front().distributions);
      steps += prepared;
      largest_radius = std::max(largest_radius, tr.radius());
    }
    return nlohmann::json::object();
  }
  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override {
    return prepared ? tr.infer_relative_space(view, trial) : SearchSpace{};
  }
  std::map<std::string, double> sample_relative(const StudyView& view, const FrozenTrial& trial,
                                                const SearchSpace& space) override {
    return prepared ? tr.sample_relative(view, trial, space) : std::map<std::string, double>{};
  }
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override {
    return prepared ? tr.sample_independent(view, trial, name, distribution)
                    : random.sample_independent(view, trial, name, distribution);
  }
  void after_trial(const StudyView& view, const FrozenTrial& trial) override {
    tr.after_trial(view, trial);
  }
};

}  // namespace

TEST(AutoTrustRegion, ConvergesAroundTheBestTrialAndKeepsItsOtherParameters) {
  // A smooth function of two log-scaled floats and a linear one, with an integer and a
  // categorical that the steps leave at the best trial's values.
  auto objective = [](Trial& t) {
    const double a = std::log10(t.suggest_float("a", 1e-4, 1, {.log = true}));
    const double b = t.suggest_float("b", -5, 5);
    const double c = std::log10(t.suggest_float("c", 1, 1e3, {.log = true}));
    const auto k = t.suggest_int("k", 0, 3);
    const auto kind = t.suggest_categorical("kind", {"x", "y"});
    return (a + 2) * (a + 2) + 3 * (b - 1.5) * (b - 1.5) + (c - 1) * (c - 1) + 0.5 * a * b +
           static_cast<double>(k) + (kind == "x" ? 0.0 : 1.0);
  };
  auto sampler = std::make_shared<LocalOnly>();
  auto study = Study::create({.sampler = sampler, .log_level = LogLevel::Silent});
  study.optimize(objective, {.n_trials = 48});
  EXPECT_GE(sampler->steps, 20);
  EXPECT_GT(sampler->largest_radius, 0);
  const auto trials = study.trials();
  const auto best8 = std::min_element(trials.begin(), trials.begin() + 8,
                                      [](auto& x, auto& y) { return x.values[0] < y.values[0]; });
  const auto best = study.best_trial();
  EXPECT_EQ(best.params.at("k"), best8->params.at("k"));
  EXPECT_EQ(best.params.at("kind"), best8->params.at("kind"));
  // The continuous part reaches the quadratic's minimum for that k and kind (to 1e-6).
  const double k = static_cast<double>(std::get<int64_t>(best.params.at("k")));
  const double kind = std::get<std::string>(best.params.at("kind")) == "x" ? 0.0 : 1.0;
  Eigen::Matrix2d h;
  h << 2, 0.5, 0.5, 6;
  const Eigen::Vector2d ab = h.ldlt().solve(Eigen::Vector2d(-4, 9));
  const double fmin = (ab[0] + 2) * (ab[0] + 2) + 3 * (ab[1] - 1.5) * (ab[1] - 1.5) +
                      0.5 * ab[0] * ab[1] + k + kind;
  EXPECT_LT(best.values[0] - fmin, 1e-6) << best.values[0] << " vs " << fmin;
  // Without the steps (random throughout) the same budget is far from it.
  auto plain =
      Study::create({.sampler = RandomSampler::make({.seed = 7}), .log_level = LogLevel::Silent});
  plain.optimize(objective, {.n_trials = 48});
  EXPECT_GT(plain.best_trial().values[0] - fmin + k + kind, 1e-3);
}
