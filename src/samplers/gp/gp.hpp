#pragma once
// Gaussian-process regression for the GP sampler (issue 6): a zero-mean GP on inputs scaled to
// [0, 1]^d with a Matérn-5/2 kernel, one lengthscale per dimension, an output scale and Gaussian
// noise; the log marginal likelihood and its gradient in the log-hyperparameters (for L-BFGS
// fitting), the posterior in batches and with its input gradient (for polishing the acquisition),
// a Cholesky factor extended in O(n^2) per added point, and the acquisition functions with a
// numerically stable log expected improvement (Ament et al., "Unexpected Improvements to Expected
// Improvement for Bayesian Optimization", NeurIPS 2023).

#include <Eigen/Dense>

#include <memory>
#include <optional>
#include <vector>

namespace parzen::gp {

// The kernel's hyperparameters, in log space: log lengthscales (one per dimension), log output
// variance, log noise variance.
struct Hyperparameters {
  Eigen::VectorXd log_lengthscales;
  double log_signal_variance = 0.0;
  double log_noise_variance = -6.0;
  // With `additive`, the kernel adds a first-order additive component with the same
  // lengthscales: sa / d * sum_m M(|a_m - b_m| / l_m). It lets the model learn what each
  // parameter does on its own far from the data (separable structure), where the joint
  // component reverts to the mean.
  bool additive = false;
  double log_additive_variance = -1.0;

  // [log_lengthscales..., log_signal_variance, log_noise_variance(, log_additive_variance)]
  Eigen::VectorXd packed() const;
  static Hyperparameters unpack(const Eigen::VectorXd& packed, bool additive = false);
  // k(x, x): the prior variance of the latent function.
  double prior_variance() const;
};

// Matérn-5/2: s2 M(r) with M(r) = (1 + sqrt(5) r + 5/3 r^2) exp(-sqrt(5) r), r the
// lengthscale-scaled distance, plus the additive component when h.additive.
double matern52(const Eigen::VectorXd& a, const Eigen::VectorXd& b, const Hyperparameters& h);
// The matrix of matern52(a.row(i), b.row(j)) (noise excluded).
Eigen::MatrixXd matern52(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                         const Hyperparameters& h);

class GaussianProcess {
 public:
  // Fits the posterior to inputs x (n x d) and outputs y (n). The Cholesky factorisation adds
  // jitter (1e-10, growing tenfold up to 1e-2 of the signal variance) until the kernel matrix is
  // positive definite. Throws std::invalid_argument for mismatched shapes or no data.
  // keep_kernel_parts: keep the elementwise pieces of K for log_marginal_likelihood_gradient
  // (n^2 (d + 1) numbers with the additive component), as the hyperparameter fit wants.
  GaussianProcess(Eigen::MatrixXd x, Eigen::VectorXd y, Hyperparameters h,
                  bool keep_kernel_parts = false);
  GaussianProcess(const GaussianProcess& other);  // copies the posterior, not the kept parts
  GaussianProcess& operator=(const GaussianProcess& other);
  GaussianProcess(GaussianProcess&&) noexcept;
  GaussianProcess& operator=(GaussianProcess&&) noexcept;
  ~GaussianProcess();

  // Appends the points `x_new` with the same hyperparameters and jitter, extending the Cholesky
  // factor in O(n^2) per point instead of refactoring, and sets the outputs of all points to `y`
  // (n + k values). Falls back to a full factorisation if the extension is not positive definite.
  void extend(const Eigen::MatrixXd& x_new, Eigen::VectorXd y);
  // Replaces the outputs (same points): O(n^2).
  void set_outputs(Eigen::VectorXd y);

  // log p(y | x, h) and its gradient with respect to Hyperparameters::packed().
  double log_marginal_likelihood() const;
  Eigen::VectorXd log_marginal_likelihood_gradient() const;

  // Posterior mean and variance of the latent function at x (noise excluded; variance >= 0).
  double mean(const Eigen::VectorXd& x) const;
  double variance(const Eigen::VectorXd& x) const;
  // Both at every row of xs (m x d), in one pass of matrix products.
  void predict(const Eigen::MatrixXd& xs, Eigen::VectorXd& mean, Eigen::VectorXd& variance) const;
  // Mean and variance at x with their gradients with respect to x.
  void predict_with_gradient(const Eigen::VectorXd& x, double& mean, double& variance,
                             Eigen::VectorXd& d_mean, Eigen::VectorXd& d_variance) const;

  // The posterior mean at the training inputs themselves, in O(n): K alpha = y - (noise +
  // jitter) alpha.
  Eigen::VectorXd training_means() const;

  Eigen::Index size() const { return x_.rows(); }
  const Eigen::MatrixXd& inputs() const { return x_; }
  double jitter() const { return jitter_; }
  const Hyperparameters& hyperparameters() const { return h_; }

 private:
  struct KernelParts;
  void factorise(bool keep_kernel_parts);

  Eigen::MatrixXd x_;
  Eigen::VectorXd y_;
  Hyperparameters h_;
  Eigen::MatrixXd l_;      // lower Cholesky factor of K + (noise + jitter) I
  Eigen::VectorXd alpha_;  // K^-1 y
  double jitter_ = 0.0;
  std::unique_ptr<KernelParts> parts_;
};

// Weak priors on the hyperparameters, in log space (independent normals), and bounds.
struct HyperparameterPrior {
  double log_lengthscale_mean = -0.7;  // about 0.5 of the unit cube
  double log_lengthscale_sd = 0.5;
  double log_signal_mean = 0.0;  // outputs are standardised
  double log_signal_sd = 1.5;
  double log_noise_mean = -6.0;
  double log_noise_sd = 3.0;
  double log_additive_mean = -1.0;
  double log_additive_sd = 1.5;
  double min_log_lengthscale = -6.9, max_log_lengthscale = 4.6;  // [1e-3, 100]
  double min_log_signal = -6.9, max_log_signal = 4.6;
  double min_log_noise = -18.4, max_log_noise = 0.0;  // [1e-8, 1]
};

// Maximises log p(y | x, h) + log prior(h) with L-BFGS-B (LBFGSpp) from `start` and, when
// `also_from_prior`, from the prior's means, and returns the better optimum (or the start, if
// every optimisation fails). `max_iterations` bounds each L-BFGS run.
Hyperparameters fit_hyperparameters(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                    const Hyperparameters& start,
                                    const HyperparameterPrior& prior = {},
                                    bool also_from_prior = true, int max_iterations = 200);
// The objective fit_hyperparameters maximises.
double log_posterior(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Hyperparameters& h,
                     const HyperparameterPrior& prior = {});

// log EI for minimisation: log E[max(best - f, 0)] with f ~ N(mean, sd^2), finite wherever sd > 0
// even when EI underflows to 0 (z = (best - mean) / sd very negative).
double log_expected_improvement(double mean, double sd, double best);
// log(phi(z) + z Phi(z)), stable for every z.
double log_h(double z);
// log Phi(z), stable for every z.
double log_normal_cdf(double z);

// The acquisition functions, all for minimisation and all to be maximised.
enum class AcquisitionKind {
  LogEI,  // log expected improvement (the default)
  EI,     // expected improvement (flat 0 where it underflows)
  UCB,    // -(mean - sqrt(beta) sd): the negated lower confidence bound
  PI,     // log probability of improvement
};

struct Acquisition {
  AcquisitionKind kind = AcquisitionKind::LogEI;
  double best = 0.0;  // the incumbent
  double beta = 4.0;  // UCB's exploration weight

  double value(double mean, double sd) const;
  // The value and its partial derivatives in mean and sd (sd > 0).
  double value(double mean, double sd, double& d_mean, double& d_sd) const;
};

// ---- Several objectives: log expected hypervolume improvement (issue 18).

// Axis-aligned boxes (one per row) that partition the part of {y < reference} that no point of a
// set dominates, for minimisation. A lower bound may be -infinity (the region is unbounded
// below). Upper bounds are finite (at most the reference).
struct Boxes {
  Eigen::MatrixXd lower, upper;  // k x M
  Eigen::Index size() const { return lower.rows(); }
  // The distinct bounds of each objective and each box's index into them, so log_ehvi computes
  // log h once per bound instead of once per box (boxes share the front's coordinates).
  std::vector<std::vector<double>> levels;
  Eigen::MatrixXi lower_level, upper_level;
  void index_levels();
};

// The non-dominated region of `points` (n x M, M = 2 or 3, minimised) below `reference`, as
// disjoint boxes; points not strictly below the reference in every objective are ignored.
// M = 2: the staircase, n + 1 boxes. M = 3: a sweep along the third objective keeping the 2-D
// staircase of the points passed; a 2-D box that survives a step grows along the third axis
// instead of being cut, so there are O(n) boxes (each insertion closes the boxes it changes and
// opens at most two more per point it removes). Throws std::invalid_argument for M outside
// {2, 3} or a reference of another size.
Boxes non_dominated_boxes(const Eigen::MatrixXd& points, const Eigen::VectorXd& reference);

// log EHVI: the log of the expected hypervolume improvement over the set whose non-dominated
// region is `boxes`, of a point whose objectives are independent Gaussians N(mean_k, sd_k^2).
// Exact: the improvement is the sum over boxes of prod_k max(0, u_k - max(l_k, y_k)), and
// E[max(0, u - max(l, Y))] = sd (h((u - mean) / sd) - h((l - mean) / sd)) with
// h(z) = phi(z) + z Phi(z), all in log space (log_h), so the value stays finite where EHVI
// underflows. sd is floored at 1e-12. -infinity when there is no box.
double log_ehvi(const Boxes& boxes, const Eigen::VectorXd& mean, const Eigen::VectorXd& sd);
// The value and its derivatives in each mean and sd.
double log_ehvi(const Boxes& boxes, const Eigen::VectorXd& mean, const Eigen::VectorXd& sd,
                Eigen::VectorXd& d_mean, Eigen::VectorXd& d_sd);

}  // namespace parzen::gp

namespace parzen::gp {

// The Yeo-Johnson power transform of x with exponent lambda (monotone increasing, defined for
// every real x).
double yeo_johnson(double x, double lambda);
// Standardises y, applies the Yeo-Johnson transform whose exponent (in [-2, 2]) maximises the
// Gaussian likelihood of the result, and standardises again: heavy-tailed objectives (a few huge
// values among many small ones) then look Gaussian enough for the GP. Order is kept, so the
// minimum stays the minimum.
Eigen::VectorXd warp_outputs(const Eigen::VectorXd& y);
// (y - mean) / sd, with sd (the population standard deviation) taken as 1 when y is constant
// (sd <= 1e-12 max(1, |mean|)). Computed on y scaled by a power of two, so finite values of any
// size (1e308) give finite results; elsewhere bit for bit the plain formula.
Eigen::VectorXd standardise(const Eigen::VectorXd& y);
// Where v lands after standardise(y): (v - mean(y)) / sd(y), with the same rules.
double standardised_value(const Eigen::VectorXd& y, double v);

// Outputs further than kOutlierFence interquartile ranges beyond the quartiles are outliers
// (Tukey's fences, widened from 3 to kOutlierFence IQR so that ordinary heavy tails, which
// warp_outputs handles, are left alone).
inline constexpr double kOutlierFence = 100.0;
// y with each outlier (below q1 - kOutlierFence IQR or above q3 + kOutlierFence IQR, quartiles
// interpolated linearly as NumPy's) moved to one IQR beyond the most extreme non-outlier on its
// side: still the worst (or best), without stretching the scale. One value of 1e308 among
// ordinary ones otherwise takes the whole standardised scale and leaves the others within 1e-300
// of each other: the model could tell none of them apart (with several objectives log EHVI then
// stalled on the edge the other objective favours). `keep` (a constraint's threshold 0): a value
// that would move across or onto it stays as it is. Order is kept (outliers on one side tie); y
// itself when nothing lies outside, when it has fewer than 4 values, or when its IQR is 0.
Eigen::VectorXd clip_outliers(const Eigen::VectorXd& y, std::optional<double> keep = std::nullopt);

}  // namespace parzen::gp
