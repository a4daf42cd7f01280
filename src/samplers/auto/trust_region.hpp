#pragma once
// The auto sampler's local step: a trust-region step on a quadratic model of the objective around
// the best trial, in the unit cube of the continuous parameters. The model interpolates the
// trials nearest to the best one: with (d + 1)(d + 2) / 2 points or more a least-squares fit of
// the full quadratic, with fewer (but at least d + 2) the interpolating quadratic of least
// Frobenius norm of its Hessian (Powell, "Least Frobenius norm updating of quadratic models that
// satisfy interpolation conditions", 2004, the model of NEWUOA). The step minimises the model in
// the intersection of the ball of the trust-region radius and the cube. The radius follows the
// classic rule on the ratio of the actual to the predicted decrease (halved below 0.25, doubled
// above 0.75), as in dlib's find_min_global, whose alternation of a global and this local step
// wins Branin, Levy and Rosenbrock at 100 evaluations (docs/benchmarks.md, "GP quality").

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "parzen/sampler.hpp"

namespace parzen::internal {

struct QuadraticModel {
  double c = 0;       // value at the anchor
  Eigen::VectorXd g;  // gradient at the anchor
  Eigen::MatrixXd H;  // Hessian
  double at(const Eigen::VectorXd& p) const { return c + g.dot(p) + 0.5 * p.dot(H * p); }
};

// The quadratic through (or, with more points than coefficients, nearest in least squares to)
// the points x_i - anchor (columns of `x`) with values y. nullopt when the points do not span
// the space (fewer than d + 2, or degenerate).
std::optional<QuadraticModel> fit_quadratic(const Eigen::MatrixXd& x, const Eigen::VectorXd& y);

// argmin of g.p + p'Hp/2 over |p| <= radius and lower <= p <= upper (lower <= 0 <= upper): the
// best of the ball's exact solution (clipped to the box) and projected-gradient descents from it
// and from 0. Always feasible.
Eigen::VectorXd minimise_in_trust_region(const QuadraticModel& m, double radius,
                                         const Eigen::VectorXd& lower,
                                         const Eigen::VectorXd& upper);

// A Sampler that proposes trust-region steps around the best complete trial (single objective).
// prepare() computes the next step from the view; the next trial's sample_relative returns it.
// Integer and stepped parameters stay at the best trial's values (as in dlib), categorical ones
// too; only continuous floats (log ones in log scale) move.
class TrustRegionSampler : public Sampler {
 public:
  explicit TrustRegionSampler(uint64_t seed) : seed_(seed) {}
  // False when no step is worth a trial: fewer than d + 2 distinct complete trials in the
  // continuous space, no continuous parameter, or a model that predicts no decrease.
  bool prepare(const StudyView& view, const SearchSpace& space);
  double radius() const { return radius_; }

  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override;
  std::map<std::string, double> sample_relative(const StudyView& view, const FrozenTrial& trial,
                                                const SearchSpace& space) override;
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override;
  void after_trial(const StudyView& view, const FrozenTrial& trial) override;

 private:
  struct Pending {
    double anchor_loss = 0;
    double predicted = 0;  // predicted decrease of the loss, > 0
  };
  uint64_t seed_;
  double radius_ = 0;  // in unit-cube coordinates; 0: set from the points at the next step
  std::optional<int64_t> best_number_{};
  std::vector<double> best_x_{};  // the best trial's continuous coordinates at the last step
  std::map<std::string, double> proposal_{};  // prepare()'s step, for the next trial
  SearchSpace proposal_space_{};
  std::map<std::string, double> best_params_{};  // internal values of the best trial
  Pending proposal_pending_{};
  std::map<int64_t, Pending> pending_{};  // steps asked here, until their after_trial
  std::map<int64_t, bool> own_{};         // trials this sampler proposed
};

}  // namespace parzen::internal
