// PED-ANOVA (Watanabe, Bansal and Hutter, IJCAI 2023), as Optuna's PedAnovaImportanceEvaluator:
// per parameter, Parzen estimators of the top trials and of all the trials on a grid of at most
// n_steps points, and the Pearson divergence between them.
#include <algorithm>
#include <cmath>
#include <vector>

#include "importance/importance_internal.hpp"
#include "parzen/error.hpp"
#include "samplers/tpe/parzen_estimator.hpp"

namespace parzen::importance {
namespace {

// The standard normal's mass in [a, b], from the tail on the side of the interval so that
// far-out cells keep their relative precision.
double gauss_mass(double a, double b) {
  constexpr double kInvSqrt2 = 0.70710678118654752440;
  if (a >= 0) return 0.5 * (std::erfc(a * kInvSqrt2) - std::erfc(b * kInvSqrt2));
  if (b <= 0) return 0.5 * (std::erfc(-b * kInvSqrt2) - std::erfc(-a * kInvSqrt2));
  return 1 - 0.5 * (std::erfc(-a * kInvSqrt2) + std::erfc(b * kInvSqrt2));
}

// Grid points of a numerical parameter: Optuna's _get_grids_and_grid_indices_of_trials. Log
// parameters get a grid in log space; stepped ones no more points than they have values.
struct Grid {
  std::vector<double> points;
  bool log = false;
};

Grid make_grid(const Distribution& d, int n_steps) {
  double low = 0, high = 0;
  bool log = false;
  auto n = static_cast<size_t>(n_steps);
  if (const auto* f = std::get_if<FloatDistribution>(&d)) {
    low = f->low;
    high = f->high;
    log = f->log;
    if (f->step && !f->log)
      n = std::min(n, static_cast<size_t>(std::llround((high - low) / *f->step)) + 1);
  } else {
    const auto& i = std::get<IntDistribution>(d);
    low = static_cast<double>(i.low);
    high = static_cast<double>(i.high);
    log = i.log;
    if (i.log) {
      const auto log2_size =
          static_cast<size_t>(std::ceil(std::log(high - low + 1) / std::log(2.0))) + 1;
      n = std::min(n, log2_size);
    } else {
      n = std::min(
          n, static_cast<size_t>(std::llround((high - low) / static_cast<double>(i.step))) + 1);
    }
  }
  n = std::max<size_t>(n, 2);
  Grid g;
  g.log = log;
  const double a = log ? std::log(low) : low, b = log ? std::log(high) : high;
  g.points.resize(n);
  const double step = (b - a) / static_cast<double>(n - 1);
  for (size_t k = 0; k < n; ++k) g.points[k] = a + static_cast<double>(k) * step;
  g.points[n - 1] = b;
  return g;
}

// Each value's grid cell: the first grid point >= value - half a grid step.
std::vector<size_t> cells(const Grid& g, const std::vector<double>& column) {
  const double half = 0.5 * (g.points[1] - g.points[0]);
  std::vector<size_t> out(column.size());
  for (size_t k = 0; k < column.size(); ++k) {
    const double v = (g.log ? std::log(column[k]) : column[k]) - half;
    const auto it = std::lower_bound(g.points.begin(), g.points.end(), v);
    out[k] = std::min(static_cast<size_t>(it - g.points.begin()), g.points.size() - 1);
  }
  return out;
}

// The probability of each of the n cells under a Parzen estimator of the counts: Optuna's
// _ScottParzenEstimator, discrete truncated normal kernels on the cell indices 0..n-1, one per
// occupied cell with its count as weight and Scott's-rule bandwidth, plus a prior kernel
// centred on the grid with the grid's width.
std::vector<double> numerical_pmf(const std::vector<double>& counts, double prior_weight) {
  const size_t n = counts.size();
  double total = 0;
  std::vector<double> mus, weights;
  for (size_t i = 0; i < n; ++i)
    if (counts[i] > 0) {
      mus.push_back(static_cast<double>(i));
      weights.push_back(counts[i]);
      total += counts[i];
    }
  double mean = 0;
  for (size_t k = 0; k < mus.size(); ++k) mean += mus[k] * weights[k] / total;
  double ss = 0;
  for (size_t k = 0; k < mus.size(); ++k) ss += (mus[k] - mean) * (mus[k] - mean) * weights[k];
  const double sd = std::sqrt(ss / std::max(1.0, total - 1));
  // The interquartile range of the counted cells.
  std::vector<double> cum(weights.size());
  double acc = 0;
  for (size_t k = 0; k < weights.size(); ++k) cum[k] = acc += weights[k];
  const double q25 = std::floor(total / 4), q75 = std::floor(total * 3 / 4);
  const auto i25 = static_cast<size_t>(std::lower_bound(cum.begin(), cum.end(), q25) - cum.begin());
  const auto i75 = static_cast<size_t>(std::upper_bound(cum.begin(), cum.end(), q75) - cum.begin());
  const double iqr = mus[std::min(mus.size() - 1, i75)] - mus[std::min(mus.size() - 1, i25)];
  double sigma = 1.059 * std::min(iqr / 1.34, sd) * std::pow(total, -0.2);
  sigma = std::max(sigma, 0.5 / 1.64);  // 1.64 sigma (90 %) fits in one cell at least

  // Every kernel is centred on a cell, so a kernel's mass in a cell depends only on the offset
  // between the two: one table of cell masses per width, offsets -(n-1)..n-1.
  const double nd = static_cast<double>(n);
  std::vector<double> pmf(n, 0.0);
  const auto add_kernels = [&](double s, const std::vector<double>& centres,
                               const std::vector<double>& kernel_weights) {
    std::vector<double> mass(2 * n - 1);
    for (size_t i = 0; i < mass.size(); ++i) {
      const double d = static_cast<double>(i) - (nd - 1);
      mass[i] = gauss_mass((d - 0.5) / s, (d + 0.5) / s);
    }
    // Prefix sums give each kernel's mass inside the grid, its truncation normaliser.
    std::vector<double> prefix(mass.size() + 1, 0.0);
    for (size_t i = 0; i < mass.size(); ++i) prefix[i + 1] = prefix[i] + mass[i];
    for (size_t k = 0; k < centres.size(); ++k) {
      const auto mu = static_cast<size_t>(centres[k]);
      // Offset x - mu for x = 0..n-1 is table index x - mu + n - 1.
      const size_t first = n - 1 - mu;
      const double norm = prefix[first + n] - prefix[first];
      const double w = kernel_weights[k] / norm;
      for (size_t x = 0; x < n; ++x) pmf[x] += w * mass[first + x];
    }
  };
  double prior_total = total + prior_weight;
  for (double& w : weights) w /= prior_total;
  add_kernels(sigma, mus, weights);
  // The prior: centred on the grid (a half-integer for an even n), as wide as the grid.
  const double prior_mu = 0.5 * (nd - 1);
  const double prior_norm = gauss_mass((-0.5 - prior_mu) / nd, (nd - 0.5 - prior_mu) / nd);
  for (size_t x = 0; x < n; ++x) {
    const double xd = static_cast<double>(x);
    pmf[x] += prior_weight / prior_total *
              gauss_mass((xd - 0.5 - prior_mu) / nd, (xd + 0.5 - prior_mu) / nd) / prior_norm;
  }
  return pmf;
}

std::vector<double> categorical_pmf(const std::vector<double>& counts, double prior_weight) {
  std::vector<double> observed, weights;
  for (size_t i = 0; i < counts.size(); ++i)
    if (counts[i] > 0) {
      observed.push_back(static_cast<double>(i));
      weights.push_back(counts[i]);
    }
  tpe::EstimatorOptions eo;
  eo.prior_weight = prior_weight;
  const tpe::CategoricalEstimator estimator(counts.size(), observed, weights, eo);
  std::vector<double> pmf(counts.size());
  for (size_t i = 0; i < counts.size(); ++i)
    pmf[i] = std::exp(estimator.log_pdf(static_cast<double>(i)));
  return pmf;
}

}  // namespace

std::vector<double> ped_anova(const Data& data, const ImportanceOptions& options) {
  const size_t n = data.values.size();
  // The top trials: those at or better than the baseline quantile's value (numpy's "higher"
  // quantile), and at least the 2 best.
  std::vector<double> loss(n);
  for (size_t k = 0; k < n; ++k) loss[k] = data.lower_is_better ? data.values[k] : -data.values[k];
  std::vector<double> sorted = loss;
  std::sort(sorted.begin(), sorted.end());
  constexpr size_t kMinTop = 2;
  const auto q_index =
      static_cast<size_t>(std::ceil(options.baseline_quantile * static_cast<double>(n - 1)));
  const double cutoff = std::max(sorted[kMinTop - 1], sorted[std::min(q_index, n - 1)]);
  std::vector<char> top(n);
  for (size_t k = 0; k < n; ++k) top[k] = loss[k] <= cutoff;

  std::vector<double> result(data.names.size());
  for (size_t p = 0; p < data.names.size(); ++p) {
    const Distribution& d = data.distributions[p];
    const auto* cat = std::get_if<CategoricalDistribution>(&d);
    std::vector<size_t> cell;
    size_t n_cells = 0;
    if (cat) {
      n_cells = cat->choices.size();
      cell.resize(n);
      for (size_t k = 0; k < n; ++k) cell[k] = static_cast<size_t>(data.columns[p][k]);
    } else {
      const Grid g = make_grid(d, options.n_steps);
      n_cells = g.points.size();
      cell = cells(g, data.columns[p]);
    }
    std::vector<double> count_top(n_cells, 0.0), count_all(n_cells, 0.0);
    for (size_t k = 0; k < n; ++k) {
      count_all[cell[k]] += 1;
      if (top[k]) count_top[cell[k]] += 1;
    }
    auto pmf = [&](const std::vector<double>& counts) {
      return cat ? categorical_pmf(counts, options.prior_weight)
                 : numerical_pmf(counts, options.prior_weight);
    };
    const std::vector<double> p_top = pmf(count_top);
    const std::vector<double> p_local =
        options.evaluate_on_local
            ? pmf(count_all)
            : std::vector<double>(n_cells, 1.0 / static_cast<double>(n_cells));
    double divergence = 0;
    for (size_t x = 0; x < n_cells; ++x) {
      const double t = p_top[x] + 1e-12;
      const double l = options.evaluate_on_local ? p_local[x] + 1e-12 : p_local[x];
      divergence += l * (t / l - 1) * (t / l - 1);
    }
    result[p] = divergence;
  }
  return result;
}

}  // namespace parzen::importance
