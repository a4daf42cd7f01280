#include "samplers/gp/gp.hpp"

#include <LBFGSB.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <vector>

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

}  // namespace

Eigen::VectorXd Hyperparameters::packed() const {
  const auto d = log_lengthscales.size();
  Eigen::VectorXd p(d + (additive ? 3 : 2));
  p.head(d) = log_lengthscales;
  p[d] = log_signal_variance;
  p[d + 1] = log_noise_variance;
  if (additive) p[d + 2] = log_additive_variance;
  return p;
}

Hyperparameters Hyperparameters::unpack(const Eigen::VectorXd& p, bool additive) {
  Hyperparameters h;
  const auto d = p.size() - (additive ? 3 : 2);
  h.log_lengthscales = p.head(d);
  h.log_signal_variance = p[d];
  h.log_noise_variance = p[d + 1];
  h.additive = additive;
  if (additive) h.log_additive_variance = p[d + 2];
  return h;
}

double Hyperparameters::prior_variance() const {
  return std::exp(log_signal_variance) + (additive ? std::exp(log_additive_variance) : 0.0);
}

namespace {

// Lengthscale-scaled distances between the rows of a and b.
Eigen::MatrixXd scaled_distances(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                                 const Hyperparameters& h) {
  const Eigen::VectorXd inv_l = (-h.log_lengthscales.array()).exp();
  const Eigen::MatrixXd sa = a * inv_l.asDiagonal(), sb = b * inv_l.asDiagonal();
  Eigen::MatrixXd d2 = -2.0 * sa * sb.transpose();
  d2.colwise() += sa.rowwise().squaredNorm();
  d2.rowwise() += sb.rowwise().squaredNorm().transpose();
  return d2.cwiseMax(0.0).cwiseSqrt();
}

Eigen::MatrixXd matern_of_distances(const Eigen::MatrixXd& r, double s2) {
  return (s2 * (1.0 + kSqrt5 * r.array() + 5.0 / 3.0 * r.array().square()) *
          (-kSqrt5 * r.array()).exp())
      .matrix();
}

}  // namespace

// |a_im - b_jm| / l_m for one dimension m.
Eigen::ArrayXXd scaled_differences(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                                   const Hyperparameters& h, Eigen::Index m) {
  const double inv_l = std::exp(-h.log_lengthscales[m]);
  Eigen::ArrayXXd r(a.rows(), b.rows());
  for (Eigen::Index j = 0; j < b.rows(); ++j) r.col(j) = (a.col(m).array() - b(j, m)).abs() * inv_l;
  return r;
}

Eigen::MatrixXd matern52(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                         const Hyperparameters& h) {
  Eigen::MatrixXd k =
      matern_of_distances(scaled_distances(a, b, h), std::exp(h.log_signal_variance));
  if (h.additive) {
    const double w = std::exp(h.log_additive_variance) / static_cast<double>(a.cols());
    for (Eigen::Index m = 0; m < a.cols(); ++m)
      k += matern_of_distances(scaled_differences(a, b, h, m).matrix(), w);
  }
  return k;
}

double matern52(const Eigen::VectorXd& a, const Eigen::VectorXd& b, const Hyperparameters& h) {
  return matern52(Eigen::MatrixXd(a.transpose()), Eigen::MatrixXd(b.transpose()), h)(0, 0);
}

// The pieces of K(x, x) its gradient needs again: computed once per likelihood evaluation.
struct GaussianProcess::KernelParts {
  Eigen::ArrayXXd r, e;                 // scaled distances and exp(-sqrt5 r)
  std::vector<Eigen::ArrayXXd> rm, em;  // per dimension, for the additive component
};

GaussianProcess::GaussianProcess(Eigen::MatrixXd x, Eigen::VectorXd y, Hyperparameters h,
                                 bool keep_kernel_parts)
    : x_(std::move(x)), h_(std::move(h)) {
  if (x_.rows() == 0 || y.size() != x_.rows() || h_.log_lengthscales.size() != x_.cols())
    throw std::invalid_argument("GaussianProcess: x is n x d, y has n values, d lengthscales");
  factorise(keep_kernel_parts);
  set_outputs(std::move(y));
}

GaussianProcess::GaussianProcess(const GaussianProcess& other)
    : x_(other.x_),
      y_(other.y_),
      h_(other.h_),
      l_(other.l_),
      alpha_(other.alpha_),
      jitter_(other.jitter_) {}

GaussianProcess& GaussianProcess::operator=(const GaussianProcess& other) {
  if (this != &other) *this = GaussianProcess(other);
  return *this;
}

GaussianProcess::GaussianProcess(GaussianProcess&&) noexcept = default;
GaussianProcess& GaussianProcess::operator=(GaussianProcess&&) noexcept = default;
GaussianProcess::~GaussianProcess() = default;

void GaussianProcess::factorise(bool keep_kernel_parts) {
  Eigen::MatrixXd k;
  parts_.reset();
  if (keep_kernel_parts) {
    auto parts = std::make_unique<KernelParts>();
    parts->r = scaled_distances(x_, x_, h_).array();
    parts->e = (-kSqrt5 * parts->r).exp();
    k = (std::exp(h_.log_signal_variance) *
         (1.0 + kSqrt5 * parts->r + 5.0 / 3.0 * parts->r.square()) * parts->e)
            .matrix();
    if (h_.additive) {
      const double w = std::exp(h_.log_additive_variance) / static_cast<double>(x_.cols());
      for (Eigen::Index m = 0; m < x_.cols(); ++m) {
        parts->rm.push_back(scaled_differences(x_, x_, h_, m));
        parts->em.push_back((-kSqrt5 * parts->rm.back()).exp());
        k.array() += w * (1.0 + kSqrt5 * parts->rm.back() + 5.0 / 3.0 * parts->rm.back().square()) *
                     parts->em.back();
      }
    }
    parts_ = std::move(parts);
  } else {
    k = matern52(x_, x_, h_);
  }
  k.diagonal().array() += std::exp(h_.log_noise_variance);
  const double signal = h_.prior_variance();
  Eigen::LLT<Eigen::MatrixXd> llt;
  for (jitter_ = 0.0;; jitter_ = jitter_ == 0.0 ? 1e-10 * signal : jitter_ * 10.0) {
    Eigen::MatrixXd kj = k;
    kj.diagonal().array() += jitter_;
    llt.compute(kj);
    if (llt.info() == Eigen::Success) break;
    if (jitter_ > 1e-2 * signal)
      throw std::runtime_error("GaussianProcess: the kernel matrix is not positive definite");
  }
  l_ = llt.matrixL();
}

void GaussianProcess::set_outputs(Eigen::VectorXd y) {
  if (y.size() != x_.rows())
    throw std::invalid_argument("GaussianProcess: one output per input point");
  y_ = std::move(y);
  alpha_ = l_.triangularView<Eigen::Lower>().solve(y_);
  l_.triangularView<Eigen::Lower>().transpose().solveInPlace(alpha_);
}

void GaussianProcess::extend(const Eigen::MatrixXd& x_new, Eigen::VectorXd y) {
  const auto n = x_.rows(), k = x_new.rows();
  if (x_new.cols() != x_.cols() || y.size() != n + k)
    throw std::invalid_argument("GaussianProcess::extend: d columns, n + k outputs");
  if (k == 0) return set_outputs(std::move(y));
  // [[L, 0], [B^T, C]] with B = L^-1 K12 and C C^T = K22 - B^T B.
  Eigen::MatrixXd b = matern52(x_, x_new, h_);
  l_.triangularView<Eigen::Lower>().solveInPlace(b);
  Eigen::MatrixXd s = matern52(x_new, x_new, h_);
  s.diagonal().array() += std::exp(h_.log_noise_variance) + jitter_;
  s.noalias() -= b.transpose() * b;
  Eigen::MatrixXd x(n + k, x_.cols());
  x << x_, x_new;
  x_ = std::move(x);
  Eigen::LLT<Eigen::MatrixXd> llt(s);
  parts_.reset();
  if (llt.info() != Eigen::Success) {
    factorise(false);
  } else {
    Eigen::MatrixXd l = Eigen::MatrixXd::Zero(n + k, n + k);
    l.topLeftCorner(n, n) = l_;
    l.bottomLeftCorner(k, n) = b.transpose();
    l.bottomRightCorner(k, k) = llt.matrixL();
    l_ = std::move(l);
  }
  set_outputs(std::move(y));
}

double GaussianProcess::log_marginal_likelihood() const {
  return -0.5 * y_.dot(alpha_) - l_.diagonal().array().log().sum() -
         0.5 * static_cast<double>(y_.size()) * std::log(2.0 * M_PI);
}

Eigen::VectorXd GaussianProcess::log_marginal_likelihood_gradient() const {
  // d lml / d theta = 1/2 tr(W dK/dtheta), W = alpha alpha^T - K^-1.
  const auto n = x_.rows(), d = x_.cols();
  Eigen::MatrixXd l_inv = Eigen::MatrixXd::Identity(n, n);
  l_.triangularView<Eigen::Lower>().solveInPlace(l_inv);
  Eigen::MatrixXd w = alpha_ * alpha_.transpose();
  w.noalias() -= l_inv.transpose() * l_inv;
  KernelParts computed;
  if (!parts_) {
    computed.r = scaled_distances(x_, x_, h_).array();
    computed.e = (-kSqrt5 * computed.r).exp();
  }
  const KernelParts& parts = parts_ ? *parts_ : computed;
  const Eigen::ArrayXXd& r = parts.r;
  const Eigen::ArrayXXd& e = parts.e;
  const double s2 = std::exp(h_.log_signal_variance);
  Eigen::VectorXd g(d + 2);
  // d k_ij / d log l_m = c_ij (x_im - x_jm)^2 / l_m^2 with c = s2 5/3 (1 + sqrt5 r) e^{-sqrt5 r};
  // sum_ij a_ij (x_im - x_jm)^2 = 2 sum_i x_im^2 (a 1)_i - 2 x_m^T a x_m for symmetric a.
  const Eigen::MatrixXd a = (w.array() * (s2 * 5.0 / 3.0 * (1.0 + kSqrt5 * r) * e)).matrix();
  const Eigen::VectorXd row_sums = a.rowwise().sum();
  const Eigen::MatrixXd ax = a * x_;
  const Eigen::ArrayXd inv_l2 = (-2.0 * h_.log_lengthscales.array()).exp();
  g.head(d) = (x_.array().square().matrix().transpose() * row_sums -
               (x_.array() * ax.array()).colwise().sum().matrix().transpose())
                  .array() *
              inv_l2;
  // d k / d log s2 = k; d k / d log noise = noise I.
  g[d] = 0.5 * (w.array() * (s2 * (1.0 + kSqrt5 * r + 5.0 / 3.0 * r.square()) * e)).sum();
  g[d + 1] = 0.5 * w.trace() * std::exp(h_.log_noise_variance);
  if (h_.additive) {
    // k_add = sa / d sum_m M(r_m); d M(r_m) / d log l_m = 5/3 (1 + sqrt5 r_m) e^{-sqrt5 r_m} r_m^2.
    const double wa = std::exp(h_.log_additive_variance) / static_cast<double>(d);
    double g_add = 0;
    for (Eigen::Index m = 0; m < d; ++m) {
      Eigen::ArrayXXd rm_computed, em_computed;
      if (!parts_) {
        rm_computed = scaled_differences(x_, x_, h_, m);
        em_computed = (-kSqrt5 * rm_computed).exp();
      }
      const Eigen::ArrayXXd& rm = parts_ ? parts_->rm[static_cast<size_t>(m)] : rm_computed;
      const Eigen::ArrayXXd& em = parts_ ? parts_->em[static_cast<size_t>(m)] : em_computed;
      g[m] += 0.5 * wa * (w.array() * (5.0 / 3.0 * (1.0 + kSqrt5 * rm) * em * rm.square())).sum();
      g_add += 0.5 * wa * (w.array() * ((1.0 + kSqrt5 * rm + 5.0 / 3.0 * rm.square()) * em)).sum();
    }
    g.conservativeResize(d + 3);
    g[d + 2] = g_add;
  }
  return g;
}

Eigen::VectorXd GaussianProcess::training_means() const {
  return y_ - (std::exp(h_.log_noise_variance) + jitter_) * alpha_;
}

double GaussianProcess::mean(const Eigen::VectorXd& x) const {
  return matern52(x_, Eigen::MatrixXd(x.transpose()), h_).col(0).dot(alpha_);
}

double GaussianProcess::variance(const Eigen::VectorXd& x) const {
  Eigen::VectorXd m, v;
  predict(x.transpose(), m, v);
  return v[0];
}

void GaussianProcess::predict(const Eigen::MatrixXd& xs, Eigen::VectorXd& mean,
                              Eigen::VectorXd& variance) const {
  Eigen::MatrixXd ks = matern52(x_, xs, h_);
  mean.noalias() = ks.transpose() * alpha_;
  l_.triangularView<Eigen::Lower>().solveInPlace(ks);
  variance =
      (h_.prior_variance() - ks.colwise().squaredNorm().array()).cwiseMax(0.0).matrix().transpose();
}

void GaussianProcess::predict_with_gradient(const Eigen::VectorXd& x, double& mean,
                                            double& variance, Eigen::VectorXd& d_mean,
                                            Eigen::VectorXd& d_variance) const {
  const Eigen::MatrixXd xs = x.transpose();
  const Eigen::VectorXd r = scaled_distances(x_, xs, h_).col(0);
  const double s2 = std::exp(h_.log_signal_variance);
  const Eigen::ArrayXd e = (-kSqrt5 * r.array()).exp();
  Eigen::VectorXd k =
      (s2 * (1.0 + kSqrt5 * r.array() + 5.0 / 3.0 * r.array().square()) * e).matrix();
  const auto d = x_.cols();
  // Per-dimension scaled differences and the additive component's factor, when there is one.
  Eigen::ArrayXXd rm, cm;  // n x d
  const double wa = h_.additive ? std::exp(h_.log_additive_variance) / static_cast<double>(d) : 0;
  if (h_.additive) {
    const Eigen::ArrayXd inv_l = (-h_.log_lengthscales.array()).exp();
    rm = ((-x_).rowwise() + x.transpose()).array().abs().rowwise() * inv_l.transpose();
    const Eigen::ArrayXXd em = (-kSqrt5 * rm).exp();
    k += (wa * ((1.0 + kSqrt5 * rm + 5.0 / 3.0 * rm.square()) * em).rowwise().sum()).matrix();
    cm = -wa * 5.0 / 3.0 * (1.0 + kSqrt5 * rm) * em;
  }
  mean = k.dot(alpha_);
  Eigen::VectorXd v = l_.triangularView<Eigen::Lower>().solve(k);
  variance = std::max(0.0, h_.prior_variance() - v.squaredNorm());
  l_.triangularView<Eigen::Lower>().transpose().solveInPlace(v);  // now K^-1 k
  // d k_i / d x_m = c_i (x_m - x_im) / l_m^2 with c = -s2 5/3 (1 + sqrt5 r) e^{-sqrt5 r}; the
  // additive component adds c_im (x_m - x_im) / l_m^2 with r_m in place of r.
  const Eigen::ArrayXd c = -s2 * 5.0 / 3.0 * (1.0 + kSqrt5 * r.array()) * e;
  const Eigen::ArrayXd inv_l2 = (-2.0 * h_.log_lengthscales.array()).exp();
  const auto directional = [&](const Eigen::VectorXd& weights) {
    const Eigen::VectorXd wc = (weights.array() * c).matrix();
    Eigen::ArrayXd g = (x * wc.sum() - x_.transpose() * wc).array();
    if (h_.additive) {
      const Eigen::ArrayXXd wcm = cm.colwise() * weights.array();  // n x d
      g += x.array() * wcm.colwise().sum().transpose() -
           (x_.array() * wcm).colwise().sum().transpose();
    }
    return (g * inv_l2).matrix().eval();
  };
  d_mean = directional(alpha_);
  d_variance = -2.0 * directional(v);
}

namespace {

// -(log p(y | x, h) + log prior(h)) and its gradient, for the minimiser.
double negative_log_posterior(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                              const Eigen::VectorXd& p, const HyperparameterPrior& prior,
                              Eigen::VectorXd& grad) {
  const bool additive = p.size() == x.cols() + 3;
  const Hyperparameters h = Hyperparameters::unpack(p, additive);
  const GaussianProcess gp(x, y, h, true);
  double value = gp.log_marginal_likelihood();
  grad = gp.log_marginal_likelihood_gradient();
  const auto d = x.cols();
  const auto normal = [&](Eigen::Index i, double mean, double sd) {
    const double z = (p[i] - mean) / sd;
    value += -0.5 * z * z;
    grad[i] += -z / sd;
  };
  for (Eigen::Index i = 0; i < d; ++i)
    normal(i, prior.log_lengthscale_mean, prior.log_lengthscale_sd);
  normal(d, prior.log_signal_mean, prior.log_signal_sd);
  normal(d + 1, prior.log_noise_mean, prior.log_noise_sd);
  if (additive) normal(d + 2, prior.log_additive_mean, prior.log_additive_sd);
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
                                    const Hyperparameters& start, const HyperparameterPrior& prior,
                                    bool also_from_prior, int max_iterations) {
  const auto d = x.cols();
  const bool additive = start.additive;
  Eigen::VectorXd lb(d + (additive ? 3 : 2)), ub(lb.size());
  lb.head(d).setConstant(prior.min_log_lengthscale);
  ub.head(d).setConstant(prior.max_log_lengthscale);
  lb[d] = prior.min_log_signal;
  ub[d] = prior.max_log_signal;
  lb[d + 1] = prior.min_log_noise;
  ub[d + 1] = prior.max_log_noise;
  if (additive) lb[d + 2] = prior.min_log_signal, ub[d + 2] = prior.max_log_signal;
  Hyperparameters from_prior;
  from_prior.additive = additive;
  from_prior.log_additive_variance = prior.log_additive_mean;
  from_prior.log_lengthscales = Eigen::VectorXd::Constant(d, prior.log_lengthscale_mean);
  from_prior.log_signal_variance = prior.log_signal_mean;
  from_prior.log_noise_variance = prior.log_noise_mean;

  LBFGSpp::LBFGSBParam<double> param;
  param.epsilon = 1e-5;
  // Stop once the log posterior changes by less than 1e-6 relative per iteration: finer
  // hyperparameters do not change the proposals.
  param.past = 1;
  param.delta = 1e-6;
  param.max_iterations = max_iterations;
  LBFGSpp::LBFGSBSolver<double> solver(param);
  auto objective = [&](const Eigen::VectorXd& p, Eigen::VectorXd& grad) {
    return negative_log_posterior(x, y, p, prior, grad);
  };
  Hyperparameters best = start;
  double best_value = std::numeric_limits<double>::infinity();
  std::vector<const Hyperparameters*> starts{&start};
  if (also_from_prior) starts.push_back(&from_prior);
  for (const Hyperparameters* s : starts) {
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
      best = Hyperparameters::unpack(p, additive);
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

double log_normal_cdf(double z) {
  if (z > 0.0) return std::log1p(-0.5 * std::erfc(z / std::sqrt(2.0)));
  if (z > -5.0) return std::log(0.5 * std::erfc(-z / std::sqrt(2.0)));
  return std::log(0.5 * erfcx(-z / std::sqrt(2.0))) - 0.5 * z * z;
}

double log_expected_improvement(double mean, double sd, double best) {
  if (!(sd > 0))
    return mean < best ? std::log(best - mean) : -std::numeric_limits<double>::infinity();
  return log_h((best - mean) / sd) + std::log(sd);
}

double Acquisition::value(double mean, double sd) const {
  double dm = 0, ds = 0;
  return value(mean, sd, dm, ds);
}

double Acquisition::value(double mean, double sd, double& d_mean, double& d_sd) const {
  d_mean = d_sd = 0.0;
  if (kind == AcquisitionKind::UCB) {
    d_mean = -1.0;
    d_sd = std::sqrt(beta);
    return -mean + std::sqrt(beta) * sd;
  }
  if (!(sd > 0)) {
    const bool improves = mean < best;
    switch (kind) {
      case AcquisitionKind::EI:
        return improves ? best - mean : 0.0;
      case AcquisitionKind::PI:
        return improves ? 0.0 : -std::numeric_limits<double>::infinity();
      default:
        return improves ? std::log(best - mean) : -std::numeric_limits<double>::infinity();
    }
  }
  const double z = (best - mean) / sd;
  if (kind == AcquisitionKind::PI) {
    const double lp = log_normal_cdf(z);
    // d log Phi(z) / dz = phi(z) / Phi(z)
    const double ratio = std::exp(-0.5 * z * z - 0.91893853320467274178 - lp);
    d_mean = -ratio / sd;
    d_sd = -ratio * z / sd;
    return lp;
  }
  const double lh = log_h(z);
  // d log h(z) / dz = Phi(z) / h(z)
  const double ratio = std::exp(log_normal_cdf(z) - lh);
  const double log_ei = lh + std::log(sd);
  d_mean = -ratio / sd;
  d_sd = (1.0 - ratio * z) / sd;
  if (kind == AcquisitionKind::EI) {
    const double ei = std::exp(log_ei);
    d_mean *= ei;
    d_sd *= ei;
    return ei;
  }
  return log_ei;
}

}  // namespace parzen::gp

namespace parzen::gp {

double yeo_johnson(double x, double lambda) {
  if (x >= 0)
    return std::abs(lambda) < 1e-10 ? std::log1p(x) : (std::pow(x + 1, lambda) - 1) / lambda;
  return std::abs(lambda - 2) < 1e-10 ? -std::log1p(-x)
                                      : -(std::pow(1 - x, 2 - lambda) - 1) / (2 - lambda);
}

namespace {

// y's mean and divisor (its population standard deviation, or 1 when y is constant), both
// scaled by 2^-exponent where 2^exponent bounds max |y|: y of any finite size (1e308) neither
// overflows the sum nor the squares. Scaling by a power of two is exact, so the quotients
// (y - mean) / sd are bit for bit those of the plain formulas wherever these do not overflow.
struct ScaledMoments {
  int exponent = 0;
  double mean = 0, divisor = 1;
  double standardise(double v) const { return (std::ldexp(v, -exponent) - mean) / divisor; }
};

ScaledMoments scaled_moments(const Eigen::VectorXd& y) {
  ScaledMoments m;
  const double peak = y.size() > 0 ? y.cwiseAbs().maxCoeff() : 0.0;
  if (peak > 0 && std::isfinite(peak)) std::frexp(peak, &m.exponent);
  const int e = m.exponent;
  const Eigen::VectorXd s = y.unaryExpr([e](double v) { return std::ldexp(v, -e); });
  m.mean = s.mean();
  const double sd = std::sqrt((s.array() - m.mean).square().mean());
  // sd > 1e-12 max(1, |mean|) in y's own scale.
  m.divisor =
      sd > 1e-12 * std::max(std::ldexp(1.0, -e), std::abs(m.mean)) ? sd : std::ldexp(1.0, -e);
  return m;
}

}  // namespace

Eigen::VectorXd standardise(const Eigen::VectorXd& y) {
  const ScaledMoments m = scaled_moments(y);
  return y.unaryExpr([&m](double v) { return m.standardise(v); });
}

double standardised_value(const Eigen::VectorXd& y, double v) {
  return scaled_moments(y).standardise(v);
}

Eigen::VectorXd clip_outliers(const Eigen::VectorXd& y, std::optional<double> keep) {
  if (y.size() < 4) return y;
  std::vector<double> sorted(y.data(), y.data() + y.size());
  std::sort(sorted.begin(), sorted.end());
  // Quartiles by linear interpolation (NumPy's default).
  const auto quantile = [&sorted](double q) {
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<size_t>(pos);
    const double frac = pos - static_cast<double>(lo);
    return lo + 1 < sorted.size() ? sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
  };
  const double q1 = quantile(0.25), q3 = quantile(0.75);
  // Halved terms: the fences of values near +-1e308 stay finite (or +-inf, which clip nothing).
  const double half_iqr = 0.5 * q3 - 0.5 * q1;
  if (!(half_iqr > 0) || !std::isfinite(half_iqr)) return y;
  const double lo = q1 - 2 * kOutlierFence * half_iqr, hi = q3 + 2 * kOutlierFence * half_iqr;
  if (sorted.front() >= lo && sorted.back() <= hi) return y;
  // An outlier goes one IQR beyond the most extreme value inside the fences (on its side).
  double min_in = std::numeric_limits<double>::infinity(), max_in = -min_in;
  for (const double v : sorted)
    if (v >= lo && v <= hi) min_in = std::min(min_in, v), max_in = std::max(max_in, v);
  const double to_lo = min_in - half_iqr - half_iqr, to_hi = max_in + half_iqr + half_iqr;
  Eigen::VectorXd out = y;
  for (double& v : out) {
    const double t = v < lo ? to_lo : v > hi ? to_hi : v;
    // Never across or onto `keep` (a constraint's threshold): such a value stays as it is.
    if (keep && t != v && ((v > *keep) != (t > *keep) || t == *keep)) continue;
    v = t;
  }
  return out;
}

Eigen::VectorXd warp_outputs(const Eigen::VectorXd& y) {
  const Eigen::VectorXd z = standardise(y);
  if (z.size() < 3) return z;
  // Profile log-likelihood of lambda: -n/2 log var(T(z)) + (lambda - 1) sum sign(z) log(|z| + 1).
  const double jac = (z.array().sign() * z.array().abs().log1p()).sum();
  const auto loglik = [&](double lambda) {
    Eigen::VectorXd t(z.size());
    for (Eigen::Index i = 0; i < z.size(); ++i) t[i] = yeo_johnson(z[i], lambda);
    const double var = (t.array() - t.mean()).square().mean();
    if (!(var > 0) || !std::isfinite(var)) return -std::numeric_limits<double>::infinity();
    return -0.5 * static_cast<double>(z.size()) * std::log(var) + (lambda - 1) * jac;
  };
  // Golden-section search on [-2, 2] (the profile likelihood is unimodal in practice).
  double a = -2, b = 2;
  const double g = (std::sqrt(5.0) - 1) / 2;
  double c = b - g * (b - a), d = a + g * (b - a), fc = loglik(c), fd = loglik(d);
  for (int i = 0; i < 40; ++i) {
    if (fc > fd) {
      b = d, d = c, fd = fc, c = b - g * (b - a), fc = loglik(c);
    } else {
      a = c, c = d, fc = fd, d = a + g * (b - a), fd = loglik(d);
    }
  }
  const double lambda = (a + b) / 2;
  Eigen::VectorXd t(z.size());
  for (Eigen::Index i = 0; i < z.size(); ++i) t[i] = yeo_johnson(z[i], lambda);
  return standardise(t);
}

}  // namespace parzen::gp

namespace parzen::gp {

namespace {

// The 2-D staircase of (x, y) points, x ascending and y descending, none weakly dominated by
// another (a point equal to or dominated by a kept one is not added).
class Staircase {
 public:
  void insert(double x, double y) {
    // The kept point with the largest x <= x dominates (x, y) weakly if its y <= y.
    auto it = steps_.upper_bound(x);
    if (it != steps_.begin() && std::prev(it)->second <= y) return;
    // Points with x' >= x and y' >= y are dominated by (x, y).
    it = steps_.lower_bound(x);
    while (it != steps_.end() && it->second >= y) it = steps_.erase(it);
    steps_.emplace(x, y);
  }
  // The 2-D boxes of the non-dominated region below (rx, ry): (x_lo, x_hi, y_hi), y_lo = -inf.
  std::vector<std::array<double, 3>> boxes(double rx, double ry) const {
    std::vector<std::array<double, 3>> out;
    double x_lo = -std::numeric_limits<double>::infinity(), y_hi = ry;
    for (const auto& [x, y] : steps_) {
      if (x > x_lo) out.push_back({x_lo, x, y_hi});
      x_lo = x;
      y_hi = y;
    }
    if (rx > x_lo) out.push_back({x_lo, rx, y_hi});
    return out;
  }

 private:
  std::map<double, double> steps_;
};

}  // namespace

Boxes non_dominated_boxes(const Eigen::MatrixXd& points, const Eigen::VectorXd& reference) {
  const Eigen::Index m = points.cols();
  if ((m != 2 && m != 3) || reference.size() != m)
    throw std::invalid_argument("non_dominated_boxes: 2 or 3 objectives, a reference for each");
  std::vector<Eigen::Index> inside;
  for (Eigen::Index i = 0; i < points.rows(); ++i)
    if ((points.row(i).transpose().array() < reference.array()).all()) inside.push_back(i);
  std::vector<std::array<double, 6>> found;  // lower (3), upper (3)
  const double inf = std::numeric_limits<double>::infinity();
  Staircase stairs;
  if (m == 2) {
    for (Eigen::Index i : inside) stairs.insert(points(i, 0), points(i, 1));
    for (const auto& b : stairs.boxes(reference[0], reference[1]))
      found.push_back({b[0], -inf, 0, b[1], b[2], 0});
  } else {
    std::stable_sort(inside.begin(), inside.end(),
                     [&](auto a, auto b) { return points(a, 2) < points(b, 2); });
    // The open boxes: 2-D box -> where along the third axis it began.
    std::map<std::array<double, 3>, double> open;
    for (const auto& b : stairs.boxes(reference[0], reference[1])) open[b] = -inf;
    for (size_t k = 0; k < inside.size();) {
      const double z = points(inside[k], 2);
      for (; k < inside.size() && points(inside[k], 2) == z; ++k)
        stairs.insert(points(inside[k], 0), points(inside[k], 1));
      std::map<std::array<double, 3>, double> next;
      for (const auto& b : stairs.boxes(reference[0], reference[1])) {
        auto it = open.find(b);
        next[b] = it == open.end() ? z : it->second;
        if (it != open.end()) open.erase(it);
      }
      for (const auto& [b, z_lo] : open)
        if (z > z_lo) found.push_back({b[0], -inf, z_lo, b[1], b[2], z});
      open = std::move(next);
    }
    for (const auto& [b, z_lo] : open)
      if (reference[2] > z_lo) found.push_back({b[0], -inf, z_lo, b[1], b[2], reference[2]});
  }
  Boxes out;
  out.lower.resize(static_cast<Eigen::Index>(found.size()), m);
  out.upper.resize(out.lower.rows(), m);
  for (size_t i = 0; i < found.size(); ++i)
    for (Eigen::Index j = 0; j < m; ++j) {
      out.lower(static_cast<Eigen::Index>(i), j) = found[i][static_cast<size_t>(j)];
      out.upper(static_cast<Eigen::Index>(i), j) = found[i][3 + static_cast<size_t>(j)];
    }
  out.index_levels();
  return out;
}

void Boxes::index_levels() {
  const Eigen::Index m = lower.cols(), k = lower.rows();
  levels.assign(static_cast<size_t>(m), {});
  lower_level.resize(k, m);
  upper_level.resize(k, m);
  for (Eigen::Index j = 0; j < m; ++j) {
    auto& l = levels[static_cast<size_t>(j)];
    for (Eigen::Index b = 0; b < k; ++b) l.push_back(lower(b, j)), l.push_back(upper(b, j));
    std::sort(l.begin(), l.end());
    l.erase(std::unique(l.begin(), l.end()), l.end());
    const auto index = [&](double v) {
      return static_cast<int>(std::lower_bound(l.begin(), l.end(), v) - l.begin());
    };
    for (Eigen::Index b = 0; b < k; ++b) {
      lower_level(b, j) = index(lower(b, j));
      upper_level(b, j) = index(upper(b, j));
    }
  }
}

namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;

// log(h(zu) - h(zl)) for zl < zu (zl may be -inf), with h(z) = phi(z) + z Phi(z).
double log_h_difference(double zu, double zl) {
  const double lu = log_h(zu);
  if (zl == -std::numeric_limits<double>::infinity()) return lu;
  const double ll = log_h(zl);
  if (!(ll < lu)) return -std::numeric_limits<double>::infinity();
  return lu + log1mexp(ll - lu);
}

// log(Phi(zu) - Phi(zl)) for zl < zu, by whichever tail keeps the difference accurate.
double log_cdf_difference(double zu, double zl) {
  if (zl == -std::numeric_limits<double>::infinity()) return log_normal_cdf(zu);
  if (!(zl < zu)) return -std::numeric_limits<double>::infinity();
  if (zu > 0 && zl > 0) {  // Phi(-zl) - Phi(-zu)
    const double a = log_normal_cdf(-zl), b = log_normal_cdf(-zu);
    return a + log1mexp(b - a);
  }
  const double a = log_normal_cdf(zu), b = log_normal_cdf(zl);
  return a + log1mexp(b - a);
}

}  // namespace

double log_ehvi(const Boxes& boxes, const Eigen::VectorXd& mean, const Eigen::VectorXd& sd,
                Eigen::VectorXd& d_mean, Eigen::VectorXd& d_sd) {
  const Eigen::Index m = mean.size(), k = boxes.size();
  d_mean = Eigen::VectorXd::Zero(m);
  d_sd = Eigen::VectorXd::Zero(m);
  if (k == 0) return -std::numeric_limits<double>::infinity();
  const Eigen::ArrayXd s = sd.array().max(1e-12);
  // Per box and objective: log E_bj, d log E_bj / d mean_j, d log E_bj / d sd_j.
  Eigen::VectorXd log_box = Eigen::VectorXd::Zero(k);
  Eigen::MatrixXd dm(k, m), ds(k, m);
  for (Eigen::Index b = 0; b < k; ++b)
    for (Eigen::Index j = 0; j < m; ++j) {
      const double zu = (boxes.upper(b, j) - mean[j]) / s[j];
      const double zl = (boxes.lower(b, j) - mean[j]) / s[j];
      const double le = std::log(s[j]) + log_h_difference(zu, zl);
      log_box[b] += le;
      // dE/dmean = -(Phi(zu) - Phi(zl)); dE/dsd = phi(zu) - phi(zl).
      dm(b, j) = -std::exp(log_cdf_difference(zu, zl) - le);
      const double pu = std::exp(-0.5 * zu * zu - kLogSqrt2Pi - le);
      const double pl = std::isfinite(zl) ? std::exp(-0.5 * zl * zl - kLogSqrt2Pi - le) : 0.0;
      ds(b, j) = pu - pl;
    }
  const double top = log_box.maxCoeff();
  if (!std::isfinite(top)) return top;
  const Eigen::ArrayXd w = (log_box.array() - top).exp();
  const double total = w.sum();
  const Eigen::VectorXd weights = (w / total).matrix();
  for (Eigen::Index j = 0; j < m; ++j) {
    double gm = 0, gs = 0;
    for (Eigen::Index b = 0; b < k; ++b) {
      if (weights[b] == 0) continue;
      gm += weights[b] * dm(b, j);
      gs += weights[b] * ds(b, j);
    }
    d_mean[j] = std::isfinite(gm) ? gm : 0.0;
    d_sd[j] = std::isfinite(gs) && sd[j] > 1e-12 ? gs : 0.0;
  }
  return top + std::log(total);
}

double log_ehvi(const Boxes& boxes, const Eigen::VectorXd& mean, const Eigen::VectorXd& sd) {
  const Eigen::Index m = mean.size(), k = boxes.size();
  if (k == 0) return -std::numeric_limits<double>::infinity();
  if (boxes.levels.size() != static_cast<size_t>(m)) {
    Eigen::VectorXd dm, ds;
    return log_ehvi(boxes, mean, sd, dm, ds);
  }
  // log h at every distinct bound, once.
  thread_local std::vector<std::vector<double>> lh;
  lh.resize(static_cast<size_t>(m));
  Eigen::VectorXd log_s(m);
  for (Eigen::Index j = 0; j < m; ++j) {
    const double s = std::max(sd[j], 1e-12);
    log_s[j] = std::log(s);
    const auto& l = boxes.levels[static_cast<size_t>(j)];
    auto& out = lh[static_cast<size_t>(j)];
    out.resize(l.size());
    for (size_t i = 0; i < l.size(); ++i)
      out[i] = l[i] == -std::numeric_limits<double>::infinity()
                   ? -std::numeric_limits<double>::infinity()
                   : log_h((l[i] - mean[j]) / s);
  }
  double top = -std::numeric_limits<double>::infinity(), total = 0;
  for (Eigen::Index b = 0; b < k; ++b) {
    double v = 0;
    for (Eigen::Index j = 0; j < m; ++j) {
      const auto& row = lh[static_cast<size_t>(j)];
      const double lu = row[static_cast<size_t>(boxes.upper_level(b, j))];
      const double ll = row[static_cast<size_t>(boxes.lower_level(b, j))];
      v += log_s[j] +
           (ll == -std::numeric_limits<double>::infinity()
                ? lu
                : (ll < lu ? lu + log1mexp(ll - lu) : -std::numeric_limits<double>::infinity()));
    }
    if (!(v > -std::numeric_limits<double>::infinity())) continue;
    if (v > top) {
      total = total * std::exp(top - v) + 1.0;
      top = v;
    } else {
      total += std::exp(v - top);
    }
  }
  return total > 0 ? top + std::log(total) : -std::numeric_limits<double>::infinity();
}

}  // namespace parzen::gp
