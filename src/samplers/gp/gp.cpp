#include "samplers/gp/gp.hpp"

#include <LBFGSB.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace parzen::gp {
namespace {

constexpr double kSqrt5 = 2.23606797749978969640;

// exp(x^2) erfc(x) for x >= 0, without overflow: directly while exp(x^2) is finite, else the
// asymptotic series 1 / (x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6)).
double erfcx(double x) {
  if (x < 25.0) return std::exp(x * x) * std::erfc(x);
  const double r = 1.0 / (x * x);
  return (1.0 - r / 2.0 + 3.0 * r * r / 4.0 - 15.0 * r * r * r / 8.0) / (x * std::sqrt(M_PI));
}

// log(1 - exp(x)) for x < 0, accurate on both sides of -log 2.
double log1mexp(double x) {
  return x > -M_LN2 ? std::log(-std::expm1(x)) : std::log1p(-std::exp(x));
}

// r and d(k)/d(r^2) pieces for the Matérn-5/2 kernel with unit variance.
double matern_unit(double r) {
  return (1.0 + kSqrt5 * r + 5.0 / 3.0 * r * r) * std::exp(-kSqrt5 * r);
}

}  // namespace

Eigen::VectorXd Hyperparameters::packed() const {
  Eigen::VectorXd p(log_lengthscales.size() + 2);
  p.head(log_lengthscales.size()) = log_lengthscales;
  p[log_lengthscales.size()] = log_signal_variance;
  p[log_lengthscales.size() + 1] = log_noise_variance;
  return p;
}

Hyperparameters Hyperparameters::unpack(const Eigen::VectorXd& p) {
  Hyperparameters h;
  const auto d = p.size() - 2;
  h.log_lengthscales = p.head(d);
  h.log_signal_variance = p[d];
  h.log_noise_variance = p[d + 1];
  return h;
}

double matern52(const Eigen::VectorXd& a, const Eigen::VectorXd& b, const Hyperparameters& h) {
  const double r = ((a - b).array() / h.log_lengthscales.array().exp()).matrix().norm();
  return std::exp(h.log_signal_variance) * matern_unit(r);
}

GaussianProcess::GaussianProcess(Eigen::MatrixXd x, Eigen::VectorXd y, Hyperparameters h)
    : x_(std::move(x)), y_(std::move(y)), h_(std::move(h)) {
  const auto n = x_.rows();
  if (n == 0 || y_.size() != n || h_.log_lengthscales.size() != x_.cols())
    throw std::invalid_argument("GaussianProcess: x is n x d, y has n values, d lengthscales");
  Eigen::MatrixXd k(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j <= i; ++j) k(i, j) = k(j, i) = matern52(x_.row(i), x_.row(j), h_);
  k.diagonal().array() += std::exp(h_.log_noise_variance);
  const double signal = std::exp(h_.log_signal_variance);
  for (jitter_ = 0.0;; jitter_ = jitter_ == 0.0 ? 1e-10 * signal : jitter_ * 10.0) {
    Eigen::MatrixXd kj = k;
    kj.diagonal().array() += jitter_;
    chol_.compute(kj);
    if (chol_.info() == Eigen::Success) break;
    if (jitter_ > 1e-2 * signal)
      throw std::runtime_error("GaussianProcess: the kernel matrix is not positive definite");
  }
  alpha_ = chol_.solve(y_);
}

double GaussianProcess::log_marginal_likelihood() const {
  const Eigen::MatrixXd l = chol_.matrixL();
  return -0.5 * y_.dot(alpha_) - l.diagonal().array().log().sum() -
         0.5 * static_cast<double>(y_.size()) * std::log(2.0 * M_PI);
}

Eigen::VectorXd GaussianProcess::log_marginal_likelihood_gradient() const {
  // d lml / d theta = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta).
  const auto n = x_.rows(), d = x_.cols();
  const Eigen::MatrixXd k_inv = chol_.solve(Eigen::MatrixXd::Identity(n, n));
  const Eigen::MatrixXd w = alpha_ * alpha_.transpose() - k_inv;
  const Eigen::ArrayXd inv_l2 = (-2.0 * h_.log_lengthscales.array()).exp();
  const double s2 = std::exp(h_.log_signal_variance);
  Eigen::VectorXd g = Eigen::VectorXd::Zero(d + 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      const Eigen::ArrayXd diff2 = (x_.row(i) - x_.row(j)).array().square().transpose();
      const double r = std::sqrt((diff2 * inv_l2).sum());
      const double e = std::exp(-kSqrt5 * r);
      // d k / d log l_m = s2 * 5/3 (1 + sqrt5 r) e^{-sqrt5 r} * diff_m^2 / l_m^2
      const double common = s2 * 5.0 / 3.0 * (1.0 + kSqrt5 * r) * e;
      for (Eigen::Index m = 0; m < d; ++m) g[m] += 0.5 * w(i, j) * common * diff2[m] * inv_l2[m];
      g[d] += 0.5 * w(i, j) * s2 * matern_unit(r);  // d k / d log s2 = k
    }
    g[d + 1] += 0.5 * w(i, i) * std::exp(h_.log_noise_variance);
  }
  return g;
}

Eigen::VectorXd GaussianProcess::kernel_column(const Eigen::VectorXd& x) const {
  Eigen::VectorXd k(x_.rows());
  for (Eigen::Index i = 0; i < x_.rows(); ++i) k[i] = matern52(x_.row(i), x, h_);
  return k;
}

double GaussianProcess::mean(const Eigen::VectorXd& x) const {
  return kernel_column(x).dot(alpha_);
}

double GaussianProcess::variance(const Eigen::VectorXd& x) const {
  const Eigen::VectorXd k = kernel_column(x);
  const Eigen::VectorXd v = chol_.matrixL().solve(k);
  return std::max(0.0, std::exp(h_.log_signal_variance) - v.squaredNorm());
}

namespace {

// -(log p(y | x, h) + log prior(h)) and its gradient, for the minimiser.
double negative_log_posterior(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                              const Eigen::VectorXd& p, const HyperparameterPrior& prior,
                              Eigen::VectorXd& grad) {
  const Hyperparameters h = Hyperparameters::unpack(p);
  const GaussianProcess gp(x, y, h);
  double value = gp.log_marginal_likelihood();
  grad = gp.log_marginal_likelihood_gradient();
  const auto d = p.size() - 2;
  const auto normal = [&](Eigen::Index i, double mean, double sd) {
    const double z = (p[i] - mean) / sd;
    value += -0.5 * z * z;
    grad[i] += -z / sd;
  };
  for (Eigen::Index i = 0; i < d; ++i)
    normal(i, prior.log_lengthscale_mean, prior.log_lengthscale_sd);
  normal(d, prior.log_signal_mean, prior.log_signal_sd);
  normal(d + 1, prior.log_noise_mean, prior.log_noise_sd);
  grad = -grad;
  return -value;
}

}  // namespace

double log_posterior(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Hyperparameters& h,
                     const HyperparameterPrior& prior) {
  Eigen::VectorXd grad;
  return -negative_log_posterior(x, y, h.packed(), prior, grad);
}

Hyperparameters fit_hyperparameters(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                    const Hyperparameters& start,
                                    const HyperparameterPrior& prior) {
  const auto d = x.cols();
  Eigen::VectorXd lb(d + 2), ub(d + 2);
  lb.head(d).setConstant(prior.min_log_lengthscale);
  ub.head(d).setConstant(prior.max_log_lengthscale);
  lb[d] = prior.min_log_signal;
  ub[d] = prior.max_log_signal;
  lb[d + 1] = prior.min_log_noise;
  ub[d + 1] = prior.max_log_noise;
  Hyperparameters from_prior;
  from_prior.log_lengthscales = Eigen::VectorXd::Constant(d, prior.log_lengthscale_mean);
  from_prior.log_signal_variance = prior.log_signal_mean;
  from_prior.log_noise_variance = prior.log_noise_mean;

  LBFGSpp::LBFGSBParam<double> param;
  param.epsilon = 1e-5;
  param.max_iterations = 200;
  LBFGSpp::LBFGSBSolver<double> solver(param);
  auto objective = [&](const Eigen::VectorXd& p, Eigen::VectorXd& grad) {
    return negative_log_posterior(x, y, p, prior, grad);
  };
  Hyperparameters best = start;
  double best_value = std::numeric_limits<double>::infinity();
  for (const Hyperparameters* s : {&start, static_cast<const Hyperparameters*>(&from_prior)}) {
    Eigen::VectorXd p = s->packed().cwiseMax(lb).cwiseMin(ub);
    double value = 0;
    try {
      solver.minimize(objective, p, value, lb, ub);
    } catch (const std::exception&) {
      // A failed line search leaves p at its last point: still a candidate.
      Eigen::VectorXd grad;
      try {
        value = negative_log_posterior(x, y, p, prior, grad);
      } catch (const std::exception&) {
        continue;
      }
    }
    if (std::isfinite(value) && value < best_value) {
      best_value = value;
      best = Hyperparameters::unpack(p);
    }
  }
  return best;
}

double log_h(double z) {
  constexpr double c1 = 0.91893853320467274178;  // log(2 pi) / 2
  constexpr double c2 = 0.22579135264472743236;  // log(pi / 2) / 2
  if (z > -1.0) {
    const double phi = std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI);
    const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
    return std::log(phi + z * cdf);
  }
  const double a = -z;
  return -0.5 * z * z - c1 + log1mexp(std::log(erfcx(a / std::sqrt(2.0)) * a) + c2);
}

double log_expected_improvement(double mean, double sd, double best) {
  if (!(sd > 0))
    return mean < best ? std::log(best - mean) : -std::numeric_limits<double>::infinity();
  return log_h((best - mean) / sd) + std::log(sd);
}

}  // namespace parzen::gp
