#pragma once
// Small statistics for the sampler tests.

#include <algorithm>
#include <cmath>
#include <vector>

namespace parzen_test {

// Kolmogorov-Smirnov statistic of `sample` against the uniform distribution on [0, 1].
inline double ks_uniform(std::vector<double> sample) {
  std::sort(sample.begin(), sample.end());
  const double n = static_cast<double>(sample.size());
  double d = 0;
  for (size_t i = 0; i < sample.size(); ++i) {
    d = std::max(d, static_cast<double>(i + 1) / n - sample[i]);
    d = std::max(d, sample[i] - static_cast<double>(i) / n);
  }
  return d;
}

// The KS critical value at significance 0.001 for n samples (asymptotic).
inline double ks_critical_001(size_t n) { return 1.9495 / std::sqrt(static_cast<double>(n)); }

// Pearson's chi-square statistic of observed counts against expected counts.
inline double chi_square(const std::vector<double>& observed, const std::vector<double>& expected) {
  double s = 0;
  for (size_t i = 0; i < observed.size(); ++i)
    s += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
  return s;
}

// Warnock's closed form of the L2-star discrepancy of points in [0, 1]^d.
inline double l2_star_discrepancy(const std::vector<std::vector<double>>& x) {
  const size_t n = x.size(), d = x[0].size();
  double a = 0, b = 0;
  for (size_t i = 0; i < n; ++i) {
    double p = 1;
    for (size_t k = 0; k < d; ++k) p *= (1 - x[i][k] * x[i][k]);
    a += p;
    for (size_t j = 0; j < n; ++j) {
      double q = 1;
      for (size_t k = 0; k < d; ++k) q *= 1 - std::max(x[i][k], x[j][k]);
      b += q;
    }
  }
  const double nd = static_cast<double>(n);
  return std::sqrt(std::pow(3.0, -static_cast<double>(d)) -
                   std::pow(2.0, 1.0 - static_cast<double>(d)) / nd * a + b / (nd * nd));
}

}  // namespace parzen_test
