#pragma once
// The Parzen estimators of the TPE sampler: mixtures of truncated normal kernels (numerical
// parameters, in log space for log parameters, as probability mass of a step-wide bin for
// discrete ones) and of smoothed one-hot kernels (categorical parameters), plus a prior kernel.

#include <cstdint>
#include <random>
#include <vector>

#include "math/mersenne_twister.hpp"
#include "math/truncnorm.hpp"
#include "parzen/distributions.hpp"

namespace parzen::tpe {

struct EstimatorOptions {
  double prior_weight = 1.0;
  bool consider_magic_clip = true;
  bool consider_endpoints = false;
  // Continuous kernels weighted by their bandwidth (see TpeSamplerOptions::weight_by_bandwidth).
  bool weight_by_bandwidth = true;
};

// One parameter as the kernels see it.
struct Axis {
  explicit Axis(const Distribution& distribution);

  bool categorical = false;
  size_t n_choices = 0;
  double low = 0, high = 0;  // kernel-space bounds: log-transformed, widened by step / 2
  double step = 0;           // discrete spacing in kernel space (0: continuous)
  bool log = false;
  Distribution distribution;

  // Internal value -> kernel space; NaN when it cannot be represented (log of <= 0).
  double to_kernel(double internal) const;
  // Kernel space -> internal value on the distribution's grid and inside its bounds.
  double to_internal(double kernel_value) const;
};

// A univariate numerical estimator.
class NumericalEstimator {
 public:
  // `mus` (kernel space) sorted ascending, with one weight each (any positive scale); both are
  // taken over as the estimator's own storage.
  NumericalEstimator(const Axis& axis, std::vector<double> mus, std::vector<double> weights,
                     const EstimatorOptions& options);
  // A kernel-space draw, already rounded to the grid for discrete axes.
  double sample(math::Mt19937_64& rng) const;
  double log_pdf(double x) const;
  size_t size() const { return mu_.size(); }

 private:
  double kernel_log_pdf(size_t k, double x) const;
  double log_pdf_exhaustive(double x) const;

  Axis axis_;
  bool by_bandwidth_;
  std::vector<double> mu_, sigma_, weight_;  // weight_: normalised mixture weights
  std::vector<double> log_norm_;             // log of each kernel's mass inside the bounds
  std::vector<double> cumulative_;           // for drawing a kernel
  // Discrete axes with many kernels: those of the common minimum width, sorted by mu, are only
  // evaluated within reach of a point; the wider ones always.
  double narrow_sigma_ = 0;
  std::vector<size_t> narrow_, wide_;
  std::vector<double> narrow_mu_;
  // Continuous axes with many kernels: the narrow ones are summed per bin of width sigma / 4
  // by a truncated Taylor expansion of exp((x - m)(mu - m) / sigma^2) around the bin centre m,
  // so a density costs O(bins in reach) instead of O(kernels in reach).
  std::vector<double> wide_coef_;
  double bin_width_ = 0;
  std::vector<double> bin_moments_;  // [bin][term]
  size_t n_bins_ = 0;
  void build_binned(const Axis& axis, double min_sigma);
  double binned_sum(double x) const;
  // Each kernel's truncation terms for sample(), made at its first draw.
  struct KernelBounds {
    math::TruncnormBounds bounds;
    bool ready = false;
  };
  mutable std::vector<KernelBounds> bounds_;
};

// A univariate categorical estimator: the mixture collapses into one probability per choice.
class CategoricalEstimator {
 public:
  CategoricalEstimator(size_t n_choices, const std::vector<double>& observed_indices,
                       const std::vector<double>& weights, const EstimatorOptions& options);
  double sample(math::Mt19937_64& rng) const;
  double log_pdf(double index) const { return log_p_[static_cast<size_t>(index)]; }

 private:
  std::vector<double> p_, log_p_;
};

// A joint estimator over several axes (multivariate TPE).
class MultivariateEstimator {
 public:
  // `observations[k][d]`: kernel-space value of observation k on axis d (choice index for
  // categorical axes).
  MultivariateEstimator(const std::vector<Axis>& axes,
                        const std::vector<std::vector<double>>& observations,
                        const std::vector<double>& weights, const EstimatorOptions& options);
  std::vector<double> sample(math::Mt19937_64& rng) const;
  double log_pdf(const std::vector<double>& x) const;

 private:
  const std::vector<Axis>& axes_;
  bool by_bandwidth_;
  size_t n_kernels_ = 0;
  std::vector<std::vector<double>> mu_;        // [axis][kernel]; the prior is the last kernel
  std::vector<double> sigma_;                  // [axis]: one width for the observations
  std::vector<double> prior_sigma_;            // [axis]
  std::vector<std::vector<double>> log_norm_;  // [axis][kernel]
  std::vector<double> log_weight_, cumulative_;
  double categorical_p0_ = 0;  // smoothing mass of each choice in an observation's kernel
};

}  // namespace parzen::tpe
