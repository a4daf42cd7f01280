#include "math/truncnorm.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/special_functions/erf.hpp>

namespace parzen::math {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kLogSqrt2Pi = 0.91893853320467274178;

// log(exp(x) - exp(y)) for x >= y.
double log_diff_exp(double x, double y) {
  if (y == -std::numeric_limits<double>::infinity()) return x;
  return x + std::log1p(-std::exp(y - x));
}

}  // namespace

double log_ndtr(double x) {
  if (x > 6) return std::log1p(-0.5 * std::erfc(x * kInvSqrt2));
  if (x > -20) return std::log(0.5 * std::erfc(-x * kInvSqrt2));
  // Asymptotic series of the Mills ratio: Phi(x) ~ phi(x) / -x * (1 - 1/x^2 + 3/x^4 - 15/x^6).
  const double x2 = x * x;
  const double series = 1 - 1 / x2 + 3 / (x2 * x2) - 15 / (x2 * x2 * x2);
  return -0.5 * x2 - kLogSqrt2Pi - std::log(-x) + std::log(series);
}

double log_gauss_mass(double a, double b) {
  if (b <= 0) return log_diff_exp(log_ndtr(b), log_ndtr(a));
  if (a >= 0) return log_diff_exp(log_ndtr(-a), log_ndtr(-b));
  // Around the centre: 1 - Phi(a) - Phi(-b), both small terms computed directly.
  return std::log1p(-0.5 * std::erfc(-a * kInvSqrt2) - 0.5 * std::erfc(b * kInvSqrt2));
}

double ndtri(double p) { return -std::sqrt(2.0) * boost::math::erfc_inv(2 * p); }

double truncnorm_from_unit(double a, double b, double u) {
  if (a >= b) return a;
  if (a > 0) return -truncnorm_from_unit(-b, -a, 1 - u);  // stay in the accurate lower tail
  // log of p = Phi(a) + u (Phi(b) - Phi(a)).
  const double x1 = log_ndtr(a), x2 = std::log(u) + log_gauss_mass(a, b);
  const double hi = std::max(x1, x2), lo = std::min(x1, x2);
  const double lp = hi + std::log1p(std::exp(lo - hi));
  const double p = std::exp(lp);
  if (!(p > 0)) return b;  // the whole interval lies beyond double precision's tail
  double x;
  if (p >= 1) {
    x = b;
  } else {
    x = ndtri(p);
  }
  return std::clamp(x, a, b);
}

}  // namespace parzen::math
