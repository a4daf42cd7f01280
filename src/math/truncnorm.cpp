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

TruncnormBounds prepare_truncnorm(double a, double b) {
  TruncnormBounds t;
  t.a = a;
  t.b = b;
  if (a >= b) {
    t.empty = true;
    return t;
  }
  if (a > 0) {  // stay in the accurate lower tail: draw from [-b, -a] at 1 - u, negated
    t.mirrored = true;
    t.a = -b;
    t.b = -a;
  }
  t.log_cdf_a = log_ndtr(t.a);
  t.log_mass = log_gauss_mass(t.a, t.b);
  return t;
}

double truncnorm_from_unit(const TruncnormBounds& t, double u) {
  if (t.empty) return t.a;
  if (t.mirrored) u = 1 - u;
  const double a = t.a, b = t.b;
  // log of p = Phi(a) + u (Phi(b) - Phi(a)).
  const double x1 = t.log_cdf_a, x2 = std::log(u) + t.log_mass;
  const double hi = std::max(x1, x2), lo = std::min(x1, x2);
  const double lp = hi + std::log1p(std::exp(lo - hi));
  const double p = std::exp(lp);
  double x;
  if (!(p > 0)) {
    x = b;  // the whole interval lies beyond double precision's tail
  } else if (p >= 1) {
    x = b;
  } else {
    x = std::clamp(ndtri(p), a, b);
  }
  return t.mirrored ? -x : x;
}

double truncnorm_from_unit(double a, double b, double u) {
  return truncnorm_from_unit(prepare_truncnorm(a, b), u);
}

}  // namespace parzen::math
