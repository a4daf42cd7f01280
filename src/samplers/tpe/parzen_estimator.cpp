#include "samplers/tpe/parzen_estimator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "math/fast_exp.hpp"
#include "math/truncnorm.hpp"

namespace parzen::tpe {
namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kInf = std::numeric_limits<double>::infinity();
// Kernels farther than this many widths from a point add less than exp(-24.5) ~ 2e-11 of their
// peak there: the windowed evaluation leaves them out.
constexpr double kWindow = 7.0;
// Above this many kernels the windowed evaluation pays off.
constexpr size_t kWindowedFrom = 64;
// Taylor terms per bin: with bins a quarter of a kernel width wide, a bin's relative truncation
// error at y kernel widths from it is about (y / 8)^7 / 7!: 3e-9 at 2 widths, 3e-6 at 4 widths
// where the bin contributes exp(-8) of its peak, so below 1e-9 of any density it adds to.
constexpr size_t kTerms = 7;

double log_sum_exp(const std::vector<double>& v) {
  double m = -kInf;
  for (double x : v) m = std::max(m, x);
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (double x : v) s += std::exp(x - m);
  return m + std::log(s);
}

size_t draw_index(const std::vector<double>& cumulative, math::Mt19937_64& rng) {
  const double u = math::uniform(rng, 0, cumulative.back());
  const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
  return std::min(static_cast<size_t>(it - cumulative.begin()), cumulative.size() - 1);
}

double open_unit(math::Mt19937_64& rng) {
  double u;
  do {
    u = math::uniform(rng, 0, 1);
  } while (u <= 0 || u >= 1);
  return u;
}

// log of the kernel's mass over the bin [x - step/2, x + step/2] (clipped to the bounds), or
// its log density at x for continuous axes (times sigma when weighting by bandwidth), with the
// truncation normaliser left out.
double unnormalised_log_pdf(const Axis& axis, double mu, double sigma, double x,
                            bool by_bandwidth) {
  if (axis.step > 0) {
    const double lo = std::max(x - axis.step / 2, axis.low),
                 hi = std::min(x + axis.step / 2, axis.high);
    return math::log_gauss_mass((lo - mu) / sigma, (hi - mu) / sigma);
  }
  const double t = (x - mu) / sigma;
  // Weighting by bandwidth multiplies the kernel by sigma: its peak height no longer shrinks
  // as it widens.
  return -0.5 * t * t - kLogSqrt2Pi - (by_bandwidth ? 0.0 : std::log(sigma));
}

double truncation_log_norm(const Axis& axis, double mu, double sigma) {
  const double a = (axis.low - mu) / sigma, b = (axis.high - mu) / sigma;
  if (a < -8.5 && b > 8.5) return 0.0;  // the truncation removes under 1e-17 of the mass
  return math::log_gauss_mass(a, b);
}

double sample_kernel(const Axis& axis, double mu, double sigma, math::Mt19937_64& rng) {
  const double z =
      math::truncnorm_from_unit((axis.low - mu) / sigma, (axis.high - mu) / sigma, open_unit(rng));
  return std::clamp(mu + sigma * z, axis.low, axis.high);
}

}  // namespace

Axis::Axis(const Distribution& d) : distribution(d) {
  if (const auto* f = std::get_if<FloatDistribution>(&d)) {
    log = f->log;
    if (f->log) {
      low = std::log(f->low);
      high = std::log(f->high);
    } else if (f->step) {
      step = *f->step;
      low = f->low - step / 2;
      high = f->high + step / 2;
    } else {
      low = f->low;
      high = f->high;
    }
  } else if (const auto* i = std::get_if<IntDistribution>(&d)) {
    log = i->log;
    if (i->log) {
      low = std::log(static_cast<double>(i->low) - 0.5);
      high = std::log(static_cast<double>(i->high) + 0.5);
    } else {
      step = static_cast<double>(i->step);
      low = static_cast<double>(i->low) - step / 2;
      high = static_cast<double>(i->high) + step / 2;
    }
  } else {
    categorical = true;
    n_choices = std::get<CategoricalDistribution>(d).choices.size();
  }
}

double Axis::to_kernel(double internal) const {
  if (!log) return internal;
  return internal > 0 ? std::log(internal) : std::numeric_limits<double>::quiet_NaN();
}

double Axis::to_internal(double x) const {
  if (categorical) return std::clamp(std::round(x), 0.0, static_cast<double>(n_choices - 1));
  if (const auto* f = std::get_if<FloatDistribution>(&distribution)) {
    if (f->log) return std::clamp(std::exp(x), f->low, f->high);
    if (f->step)
      return std::clamp(std::round((x - f->low) / *f->step) * *f->step + f->low, f->low, f->high);
    return std::clamp(x, f->low, f->high);
  }
  const auto& i = std::get<IntDistribution>(distribution);
  const double lo = static_cast<double>(i.low), hi = static_cast<double>(i.high);
  if (i.log) return std::clamp(std::round(std::exp(x)), lo, hi);
  const double s = static_cast<double>(i.step);
  return std::clamp(std::round((x - lo) / s) * s + lo, lo, hi);
}

// ---------------------------------------------------------------------------------------------

NumericalEstimator::NumericalEstimator(const Axis& axis, std::vector<double> mus,
                                       std::vector<double> weights, const EstimatorOptions& options)
    : axis_(axis), by_bandwidth_(options.weight_by_bandwidth) {
  const double range = axis.high - axis.low;
  const double prior_mu = 0.5 * (axis.low + axis.high);
  // The prior kernel takes its place in the sorted order: it is a neighbour like the others.
  const auto prior_at =
      static_cast<size_t>(std::upper_bound(mus.begin(), mus.end(), prior_mu) - mus.begin());
  mu_ = std::move(mus);
  mu_.insert(mu_.begin() + static_cast<std::ptrdiff_t>(prior_at), prior_mu);
  weight_ = std::move(weights);
  weight_.insert(weight_.begin() + static_cast<std::ptrdiff_t>(prior_at), options.prior_weight);
  const size_t k = mu_.size();

  // Width of each kernel: the larger gap to its neighbours (the bounds count as neighbours).
  sigma_.resize(k);
  sigma_[0] = std::max(mu_[0] - axis.low, (k > 1 ? mu_[1] : axis.high) - mu_[0]);
  for (size_t i = 1; i + 1 < k; ++i) sigma_[i] = std::max(mu_[i] - mu_[i - 1], mu_[i + 1] - mu_[i]);
  if (k > 1) sigma_[k - 1] = std::max(mu_[k - 1] - mu_[k - 2], axis.high - mu_[k - 1]);
  if (!options.consider_endpoints && k >= 2) {
    sigma_[0] = mu_[1] - mu_[0];
    sigma_[k - 1] = mu_[k - 1] - mu_[k - 2];
  }
  const double min_sigma =
      options.consider_magic_clip ? range / std::min(100.0, 1.0 + static_cast<double>(k)) : 1e-12;
  for (double& s : sigma_) s = std::clamp(s, min_sigma, range);
  sigma_[prior_at] = range;

  double total = 0;
  for (double w : weight_) total += w;
  const double inv_total = 1 / total;
  for (double& w : weight_) w *= inv_total;
  if (k < kWindowedFrom) {  // large estimators only model g(x): they are never drawn from
    cumulative_.resize(k);
    std::partial_sum(weight_.begin(), weight_.end(), cumulative_.begin());
  }
  if (axis.step == 0 && k >= kWindowedFrom) {
    build_binned(axis, min_sigma);
    return;
  }
  log_norm_.resize(k);
  for (size_t i = 0; i < k; ++i) log_norm_[i] = truncation_log_norm(axis, mu_[i], sigma_[i]);
  if (k >= kWindowedFrom) {
    // Discrete axes: exact bin masses, but only from the kernels within reach of a point.
    narrow_sigma_ = min_sigma;
    for (size_t i = 0; i < k; ++i) {
      if (sigma_[i] <= min_sigma) {
        narrow_.push_back(i);
        narrow_mu_.push_back(mu_[i]);
      } else {
        wide_.push_back(i);
      }
    }
  }
}

// Continuous axes with many kernels, in one pass over the (sorted) kernels: the narrow ones
// (width exactly min_sigma, the vast majority once the history is long) go into per-bin Taylor
// moments, the others stay individual.
void NumericalEstimator::build_binned(const Axis& axis, double min_sigma) {
  static constexpr std::array<double, kTerms> kInvFactorial = {
      1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720};
  narrow_sigma_ = min_sigma;
  bin_width_ = min_sigma / 4;
  n_bins_ = static_cast<size_t>(std::ceil((axis.high - axis.low) / bin_width_)) + 1;
  bin_moments_.assign(n_bins_ * kTerms, 0.0);
  const double inv_width = 1 / bin_width_, inv_sigma = 1 / min_sigma;
  const double narrow_coef = (by_bandwidth_ ? 1.0 : inv_sigma) * kInvSqrt2Pi;
  // Each kernel's terms are added straight into its bin (zeroed above): the bins come in order
  // because mu_ is sorted, so each bin's sum is the same sequence of additions as before, with
  // no branch on bin changes. The 1 / p! factors are applied once per bin at the end.
  for (size_t i = 0; i < mu_.size(); ++i) {
    const double mu = mu_[i], sigma = sigma_[i];
    // The observations lie inside the bounds, so no kernel's mass inside them is tiny; away
    // from the bounds it is 1 to double precision.
    const double margin = 8.5 * sigma;
    double inv_mass = 1.0;
    if (mu - axis.low < margin || axis.high - mu < margin) {
      // mu lies inside the bounds, so the mass is 1 minus two tails, each at most one half.
      constexpr double kInvSqrt2 = 0.70710678118654752440;
      // A tail beyond the margin is below 1e-17: only the near bound's erfc is evaluated.
      double tails = 0;
      if (mu - axis.low < margin) tails += 0.5 * std::erfc((mu - axis.low) / sigma * kInvSqrt2);
      if (axis.high - mu < margin) tails += 0.5 * std::erfc((axis.high - mu) / sigma * kInvSqrt2);
      inv_mass = 1 / (1 - tails);
    }
    if (sigma > min_sigma) {
      wide_.push_back(i);
      wide_coef_.push_back(weight_[i] / (by_bandwidth_ ? 1.0 : sigma) * kInvSqrt2Pi * inv_mass);
      continue;
    }
    const double coef = weight_[i] * narrow_coef * inv_mass;
    const auto bin =
        std::min(n_bins_ - 1, static_cast<size_t>(std::max(0.0, (mu - axis.low) * inv_width)));
    const double delta =
        (mu - (axis.low + (static_cast<double>(bin) + 0.5) * bin_width_)) * inv_sigma;
    // coef exp(-delta^2 / 2) delta^p, |delta| <= 1/8; exp by its series in u = delta^2 / 2.
    const double u = 0.5 * delta * delta;
    const double base = coef * (1 - u * (1 - u * (0.5 - u * (1.0 / 6 - u / 24))));
    const double d2 = delta * delta, d4 = d2 * d2;
    const double pw[kTerms] = {1, delta, d2, d2 * delta, d4, d4 * delta, d4 * d2};
    double* moments = &bin_moments_[bin * kTerms];
    for (size_t p = 0; p < kTerms; ++p) moments[p] += base * pw[p];
  }
  for (size_t b = 0; b < n_bins_; ++b)
    for (size_t p = 0; p < kTerms; ++p) bin_moments_[b * kTerms + p] *= kInvFactorial[p];
}

double NumericalEstimator::binned_sum(double x) const {
  // Bins whose centre lies within kWindow widths (plus half a bin) of x.
  const double reach = kWindow * narrow_sigma_ + bin_width_;
  const double lo = std::max(0.0, std::floor((x - reach - axis_.low) / bin_width_));
  const double hi =
      std::min(static_cast<double>(n_bins_ - 1), std::floor((x + reach - axis_.low) / bin_width_));
  if (lo > hi) return 0.0;
  // The Gaussian factor exp(-y^2 / 2) of consecutive bins by a recurrence instead of one exp
  // each: y falls by h = bin_width / sigma = 1/4 from bin to bin, so exp(-(y - h)^2 / 2) =
  // exp(-y^2 / 2) q with q = exp(h y - h^2 / 2), and q itself shrinks by exp(-h^2) per bin. Over
  // the at most 2 (4 kWindow + 1) + 1 bins in reach this adds a few ulp of rounding (relative
  // 1e-14), far below the expansion's own truncation error.
  constexpr double kH = 0.25, kQStep = 0.9394130628134758;  // exp(-1/16)
  const auto first = static_cast<size_t>(lo);
  const double y0 =
      (x - (axis_.low + (static_cast<double>(first) + 0.5) * bin_width_)) / narrow_sigma_;
  double gauss = math::exp_nonpositive(-0.5 * y0 * y0);
  double q = std::exp(kH * y0 - 0.5 * kH * kH);
  double sum = 0;
  for (size_t b = first; static_cast<double>(b) <= hi; ++b) {
    const double centre = axis_.low + (static_cast<double>(b) + 0.5) * bin_width_;
    const double y = (x - centre) / narrow_sigma_;
    const double* m = &bin_moments_[b * kTerms];
    double poly = m[kTerms - 1];
    for (size_t p = kTerms - 1; p-- > 0;) poly = poly * y + m[p];
    sum += gauss * poly;
    gauss *= q;
    q *= kQStep;
  }
  return sum;
}

double NumericalEstimator::sample(math::Mt19937_64& rng) const {
  std::vector<double> cumulative;
  if (cumulative_.empty()) {
    cumulative.resize(weight_.size());
    std::partial_sum(weight_.begin(), weight_.end(), cumulative.begin());
  }
  const size_t k = draw_index(cumulative_.empty() ? cumulative : cumulative_, rng);
  // sample_kernel(axis_, mu_[k], sigma_[k], rng), with the kernel's truncation work done once
  // for all the draws from it (the candidates mostly come from a few good kernels)
  if (bounds_.empty()) bounds_.resize(mu_.size());
  KernelBounds& bounds = bounds_[k];
  if (!bounds.ready)
    bounds = {math::prepare_truncnorm((axis_.low - mu_[k]) / sigma_[k],
                                      (axis_.high - mu_[k]) / sigma_[k]),
              true};
  const double z = math::truncnorm_from_unit(bounds.bounds, open_unit(rng));
  const double x = std::clamp(mu_[k] + sigma_[k] * z, axis_.low, axis_.high);
  return axis_.step > 0 ? axis_.to_kernel(axis_.to_internal(x)) : x;
}

double NumericalEstimator::kernel_log_pdf(size_t k, double x) const {
  const double log_norm =
      log_norm_.empty() ? truncation_log_norm(axis_, mu_[k], sigma_[k]) : log_norm_[k];
  return std::log(weight_[k]) + unnormalised_log_pdf(axis_, mu_[k], sigma_[k], x, by_bandwidth_) -
         log_norm;
}

double NumericalEstimator::log_pdf_exhaustive(double x) const {
  std::vector<double> terms(mu_.size());
  for (size_t k = 0; k < mu_.size(); ++k) terms[k] = kernel_log_pdf(k, x);
  return log_sum_exp(terms);
}

double NumericalEstimator::log_pdf(double x) const {
  if (axis_.step == 0) {
    // Continuous: a plain sum of kernel densities; only when it underflows (x far from every
    // kernel) is the log-sum-exp form needed.
    double sum = 0;
    if (n_bins_ > 0) {
      sum = binned_sum(x);
      for (size_t j = 0; j < wide_.size(); ++j) {
        const double t = (x - mu_[wide_[j]]) / sigma_[wide_[j]];
        sum += wide_coef_[j] * math::exp_nonpositive(-0.5 * t * t);
      }
    } else {
      for (size_t k = 0; k < mu_.size(); ++k) {
        const double t = (x - mu_[k]) / sigma_[k];
        sum += weight_[k] / (by_bandwidth_ ? 1.0 : sigma_[k]) * kInvSqrt2Pi *
               std::exp(-0.5 * t * t - log_norm_[k]);
      }
    }
    return sum > 1e-280 ? std::log(sum) : log_pdf_exhaustive(x);
  }
  // Discrete: each kernel's mass over the bin around x, from the kernels in reach.
  if (narrow_.empty() && wide_.empty()) return log_pdf_exhaustive(x);
  const double reach = kWindow * narrow_sigma_ + axis_.step;
  const auto first =
      std::lower_bound(narrow_mu_.begin(), narrow_mu_.end(), x - reach) - narrow_mu_.begin();
  const auto last =
      std::upper_bound(narrow_mu_.begin(), narrow_mu_.end(), x + reach) - narrow_mu_.begin();
  std::vector<double> terms;
  terms.reserve(static_cast<size_t>(last - first) + wide_.size());
  for (auto i = first; i < last; ++i)
    terms.push_back(kernel_log_pdf(narrow_[static_cast<size_t>(i)], x));
  for (size_t k : wide_) terms.push_back(kernel_log_pdf(k, x));
  const double result = terms.empty() ? -kInf : log_sum_exp(terms);
  return std::isfinite(result) ? result : log_pdf_exhaustive(x);
}

// ---------------------------------------------------------------------------------------------

CategoricalEstimator::CategoricalEstimator(size_t n_choices, const std::vector<double>& observed,
                                           const std::vector<double>& weights,
                                           const EstimatorOptions& options) {
  // Each observation's kernel puts p0 on every choice and 1 more on its own, normalised; the
  // prior kernel is uniform. The mixture is a single probability vector.
  const double n = static_cast<double>(observed.size());
  const double c = static_cast<double>(n_choices);
  const double p0 = options.prior_weight / (n + 1);
  double total = options.prior_weight;
  for (double w : weights) total += w;
  p_.assign(n_choices, options.prior_weight / total / c);
  for (size_t k = 0; k < observed.size(); ++k) {
    const double w = weights[k] / total / (1 + c * p0);
    for (double& p : p_) p += w * p0;
    p_[static_cast<size_t>(observed[k])] += w;
  }
  log_p_.resize(n_choices);
  for (size_t i = 0; i < n_choices; ++i) log_p_[i] = std::log(p_[i]);
}

double CategoricalEstimator::sample(math::Mt19937_64& rng) const {
  std::vector<double> cumulative(p_.size());
  std::partial_sum(p_.begin(), p_.end(), cumulative.begin());
  return static_cast<double>(draw_index(cumulative, rng));
}

// ---------------------------------------------------------------------------------------------

MultivariateEstimator::MultivariateEstimator(const std::vector<Axis>& axes,
                                             const std::vector<std::vector<double>>& obs,
                                             const std::vector<double>& weights,
                                             const EstimatorOptions& options)
    : axes_(axes), by_bandwidth_(options.weight_by_bandwidth) {
  const size_t n = obs.size(), d = axes.size();
  n_kernels_ = n + 1;  // the prior is the last kernel
  // Scott-like bandwidth shared by all observation kernels: 0.2 n^(-1/(d+4)) of the range.
  const double sigma0 = 0.2 * std::pow(std::max<double>(static_cast<double>(n), 1.0),
                                       -1.0 / (static_cast<double>(d) + 4.0));
  mu_.assign(d, std::vector<double>(n_kernels_));
  sigma_.resize(d);
  prior_sigma_.resize(d);
  log_norm_.assign(d, std::vector<double>(n_kernels_, 0.0));
  categorical_p0_ = options.prior_weight / static_cast<double>(n + 1);
  for (size_t a = 0; a < d; ++a) {
    const Axis& axis = axes[a];
    for (size_t k = 0; k < n; ++k) mu_[a][k] = obs[k][a];
    if (axis.categorical) continue;
    const double range = axis.high - axis.low;
    mu_[a][n] = 0.5 * (axis.low + axis.high);
    const double min_sigma = options.consider_magic_clip
                                 ? range / std::min(100.0, 1.0 + static_cast<double>(n_kernels_))
                                 : 1e-12;
    sigma_[a] = std::clamp(sigma0 * range, min_sigma, range);
    prior_sigma_[a] = range;
    for (size_t k = 0; k <= n; ++k)
      log_norm_[a][k] = truncation_log_norm(axis, mu_[a][k], k == n ? range : sigma_[a]);
  }
  double total = options.prior_weight;
  for (double w : weights) total += w;
  log_weight_.resize(n_kernels_);
  cumulative_.resize(n_kernels_);
  double acc = 0;
  for (size_t k = 0; k < n_kernels_; ++k) {
    const double w = k == n ? options.prior_weight : weights[k];
    log_weight_[k] = std::log(w / total);
    acc += w;
    cumulative_[k] = acc;
  }
}

std::vector<double> MultivariateEstimator::sample(math::Mt19937_64& rng) const {
  const size_t k = draw_index(cumulative_, rng);
  const bool prior = k + 1 == n_kernels_;
  std::vector<double> x(axes_.size());
  for (size_t a = 0; a < axes_.size(); ++a) {
    const Axis& axis = axes_[a];
    if (axis.categorical) {
      // The observation's kernel: its own choice with weight 1 + p0, every choice p0.
      const double c = static_cast<double>(axis.n_choices);
      std::vector<double> cumulative(axis.n_choices);
      for (size_t i = 0; i < axis.n_choices; ++i) {
        const double p =
            prior ? 1.0 / c : categorical_p0_ + (static_cast<double>(i) == mu_[a][k] ? 1.0 : 0.0);
        cumulative[i] = (i ? cumulative[i - 1] : 0.0) + p;
      }
      x[a] = static_cast<double>(draw_index(cumulative, rng));
    } else {
      const double v = sample_kernel(axis, mu_[a][k], prior ? prior_sigma_[a] : sigma_[a], rng);
      x[a] = axis.step > 0 ? axis.to_kernel(axis.to_internal(v)) : v;
    }
  }
  return x;
}

double MultivariateEstimator::log_pdf(const std::vector<double>& x) const {
  std::vector<double> terms(log_weight_);
  const size_t n = n_kernels_ - 1;
  for (size_t a = 0; a < axes_.size(); ++a) {
    const Axis& axis = axes_[a];
    if (axis.categorical) {
      const double c = static_cast<double>(axis.n_choices);
      const double log_norm = std::log(1 + c * categorical_p0_);
      const double log_hit = std::log(1 + categorical_p0_) - log_norm;
      const double log_miss = std::log(categorical_p0_) - log_norm;
      for (size_t k = 0; k < n; ++k) terms[k] += mu_[a][k] == x[a] ? log_hit : log_miss;
      terms[n] += -std::log(c);
      continue;
    }
    for (size_t k = 0; k <= n; ++k)
      terms[k] += unnormalised_log_pdf(axis, mu_[a][k], k == n ? prior_sigma_[a] : sigma_[a], x[a],
                                       by_bandwidth_) -
                  log_norm_[a][k];
  }
  return log_sum_exp(terms);
}

}  // namespace parzen::tpe
