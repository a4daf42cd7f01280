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

}  // namespace parzen::math
