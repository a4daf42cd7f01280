#pragma once
// Gaussian-process regression for the GP sampler (issue 6; the sampler itself is not built yet):
// a zero-mean GP on inputs scaled to [0, 1]^d with a Matérn-5/2 kernel, one lengthscale per
// dimension, an output scale and Gaussian noise; the log marginal likelihood and its gradient in
// the log-hyperparameters (for L-BFGS fitting), the posterior, and a numerically stable log
// expected improvement (Ament et al., "Unexpected Improvements to Expected Improvement for
// Bayesian Optimization", NeurIPS 2023).

#include <Eigen/Dense>

namespace parzen::gp {

// The kernel's hyperparameters, in log space: log lengthscales (one per dimension), log output
// variance, log noise variance.
struct Hyperparameters {
  Eigen::VectorXd log_lengthscales;
  double log_signal_variance = 0.0;
  double log_noise_variance = -6.0;

  // [log_lengthscales..., log_signal_variance, log_noise_variance]
  Eigen::VectorXd packed() const;
  static Hyperparameters unpack(const Eigen::VectorXd& packed);
};

// Matérn-5/2: s2 (1 + sqrt(5) r + 5/3 r^2) exp(-sqrt(5) r), r the lengthscale-scaled distance.
double matern52(const Eigen::VectorXd& a, const Eigen::VectorXd& b, const Hyperparameters& h);

class GaussianProcess {
 public:
  // Fits the posterior to inputs x (n x d) and outputs y (n). The Cholesky factorisation adds
  // jitter (1e-10, growing tenfold up to 1e-2 of the signal variance) until the kernel matrix is
  // positive definite. Throws std::invalid_argument for mismatched shapes or no data.
  GaussianProcess(Eigen::MatrixXd x, Eigen::VectorXd y, Hyperparameters h);

  // log p(y | x, h) and its gradient with respect to Hyperparameters::packed().
  double log_marginal_likelihood() const;
  Eigen::VectorXd log_marginal_likelihood_gradient() const;

  // Posterior mean and variance of the latent function at x (noise excluded; variance >= 0).
  double mean(const Eigen::VectorXd& x) const;
  double variance(const Eigen::VectorXd& x) const;

  double jitter() const { return jitter_; }
  const Hyperparameters& hyperparameters() const { return h_; }

 private:
  Eigen::VectorXd kernel_column(const Eigen::VectorXd& x) const;

  Eigen::MatrixXd x_;
  Eigen::VectorXd y_;
  Hyperparameters h_;
  Eigen::LLT<Eigen::MatrixXd> chol_;
  Eigen::VectorXd alpha_;  // K^-1 y
  double jitter_ = 0.0;
};

// Weak priors on the hyperparameters, in log space (independent normals), and bounds.
struct HyperparameterPrior {
  double log_lengthscale_mean = -0.7;  // about 0.5 of the unit cube
  double log_lengthscale_sd = 1.5;
  double log_signal_mean = 0.0;  // outputs are standardised
  double log_signal_sd = 1.5;
  double log_noise_mean = -6.0;
  double log_noise_sd = 3.0;
  double min_log_lengthscale = -6.9, max_log_lengthscale = 4.6;  // [1e-3, 100]
  double min_log_signal = -6.9, max_log_signal = 4.6;
  double min_log_noise = -18.4, max_log_noise = 0.0;  // [1e-8, 1]
};

// Maximises log p(y | x, h) + log prior(h) with L-BFGS-B (LBFGSpp) from `start` and from the
// prior's means, and returns the better optimum (or a start, if every optimisation fails).
Hyperparameters fit_hyperparameters(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                    const Hyperparameters& start,
                                    const HyperparameterPrior& prior = {});
// The objective fit_hyperparameters maximises.
double log_posterior(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Hyperparameters& h,
                     const HyperparameterPrior& prior = {});

// log EI for minimisation: log E[max(best - f, 0)] with f ~ N(mean, sd^2), finite wherever sd > 0
// even when EI underflows to 0 (z = (best - mean) / sd very negative).
double log_expected_improvement(double mean, double sd, double best);
// log(phi(z) + z Phi(z)), stable for every z.
double log_h(double z);

}  // namespace parzen::gp
