#pragma once
// The standard normal distribution truncated to [a, b], computed stably in the tails: what the
// Parzen estimators' kernels need.

namespace parzen::math {

// log Phi(x), accurate far into the lower tail.
double log_ndtr(double x);

// log(Phi(b) - Phi(a)) for a <= b, accurate when both lie deep in one tail.
double log_gauss_mass(double a, double b);

// The standard normal quantile Phi^-1(p), p in (0, 1).
double ndtri(double p);

// A draw from the standard normal truncated to [a, b], by inversion of u in (0, 1).
double truncnorm_from_unit(double a, double b, double u);

// truncnorm_from_unit's work that depends on [a, b] only, done once for many draws from one
// kernel: truncnorm_from_unit(prepare_truncnorm(a, b), u) == truncnorm_from_unit(a, b, u), bit
// for bit.
struct TruncnormBounds {
  double a = 0, b = 0;    // the bounds drawn within (mirrored: -b, -a)
  bool empty = false;     // a >= b: every draw is a
  bool mirrored = false;  // a > 0: the draw is the negated draw of [-b, -a] at 1 - u
  double log_cdf_a = 0;   // log_ndtr(a)
  double log_mass = 0;    // log_gauss_mass(a, b)
};
TruncnormBounds prepare_truncnorm(double a, double b);
double truncnorm_from_unit(const TruncnormBounds& bounds, double u);

}  // namespace parzen::math
