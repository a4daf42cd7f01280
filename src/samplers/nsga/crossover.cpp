#include "samplers/nsga/crossover.hpp"

#include <algorithm>
#include <cmath>

namespace parzen::nsga {

namespace {

double uniform01(Rng& rng) { return rng.uniform(); }

double dot(const Vector& a, const Vector& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Uniform crossover: each parameter from the second parent with probability swapping_prob.
Vector uniform(const std::vector<Vector>& p, double swapping_prob, Rng& rng) {
  Vector child(p[0].size());
  for (size_t i = 0; i < child.size(); ++i) child[i] = p[uniform01(rng) < swapping_prob ? 1 : 0][i];
  return child;
}

// Simulated binary crossover (Deb and Agrawal 1995) with the bounded spread of Deb's NSGA-II
// code, one child of the two it makes, each parameter crossed or inherited with probability 1/2
// (Optuna's SBXCrossover).
Vector sbx(const std::vector<Vector>& p, const Bounds& bounds, double eta, Rng& rng) {
  const size_t n = p[0].size();
  Vector c1(n), c2(n), x1(n), x2(n);
  for (size_t i = 0; i < n; ++i) {
    x1[i] = std::min(p[0][i], p[1][i]);
    x2[i] = std::max(p[0][i], p[1][i]);
    const double diff = std::max(x2[i] - x1[i], 1e-10);
    const double beta1 = 1 + 2 * (x1[i] - bounds[i].first) / diff;
    const double beta2 = 1 + 2 * (bounds[i].second - x2[i]) / diff;
    const double alpha1 = 2 - std::pow(beta1, -(eta + 1));
    const double alpha2 = 2 - std::pow(beta2, -(eta + 1));
    const double u = uniform01(rng);
    const auto betaq = [&](double alpha) {
      return u > 1 / alpha ? std::pow(1 / (2 - u * alpha), 1 / (eta + 1))
                           : std::pow(u * alpha, 1 / (eta + 1));
    };
    c1[i] = 0.5 * ((x1[i] + x2[i]) - betaq(alpha1) * diff);
    c2[i] = 0.5 * ((x1[i] + x2[i]) + betaq(alpha2) * diff);
  }
  Vector a(n), b(n);
  for (size_t i = 0; i < n; ++i) {
    const bool cross = uniform01(rng) < 0.5;
    const bool swap = uniform01(rng) < 0.5;
    const double first = cross ? c1[i] : x1[i], second = cross ? c2[i] : x2[i];
    a[i] = swap ? second : first;
    b[i] = swap ? first : second;
  }
  return uniform01(rng) < 0.5 ? a : b;
}

// BLX-alpha: uniform in the parents' box widened by alpha times its width on each side.
Vector blx_alpha(const std::vector<Vector>& p, double alpha, Rng& rng) {
  Vector child(p[0].size());
  for (size_t i = 0; i < child.size(); ++i) {
    double lo = p[0][i], hi = p[0][i];
    for (const auto& q : p) {
      lo = std::min(lo, q[i]);
      hi = std::max(hi, q[i]);
    }
    const double d = alpha * (hi - lo);
    child[i] = (lo - d) + uniform01(rng) * ((hi + d) - (lo - d));
  }
  return child;
}

// UNDX (Ono and Kobayashi 1997; Kita, Ono and Kobayashi 1999): around the midpoint of the first
// two parents, a normal step along their difference (sd sigma_xi) and normal steps along an
// orthonormal basis of its complement (sd sigma_eta), scaled by the third parent's distance to
// the line through the first two. Optuna draws with sd sigma^2 (a slip); these are the paper's.
Vector undx(const std::vector<Vector>& p, Rng& rng) {
  const size_t n = p[0].size();
  const double sigma_xi = 0.5, sigma_eta = 0.35 / std::sqrt(static_cast<double>(n));
  std::normal_distribution<double> normal;
  Vector mid(n), d(n);
  for (size_t i = 0; i < n; ++i) {
    mid[i] = (p[0][i] + p[1][i]) / 2;
    d[i] = p[0][i] - p[1][i];
  }
  const double xi = sigma_xi * normal(rng);
  Vector child(n);
  for (size_t i = 0; i < n; ++i) child[i] = mid[i] + xi * d[i];
  if (n == 1) return child;
  // Orthonormal basis: e0 along d (when d is not zero), then the unit vectors made orthogonal
  // to what is there (Gram-Schmidt), dropping the dependent ones.
  std::vector<Vector> basis;
  const double d_norm = std::sqrt(dot(d, d));
  if (d_norm > 0) {
    Vector e = d;
    for (double& x : e) x /= d_norm;
    basis.push_back(std::move(e));
  }
  for (size_t k = 0; k < n && basis.size() < n; ++k) {
    Vector v(n, 0.0);
    v[k] = 1;
    for (const auto& b : basis) {
      const double c = dot(v, b);
      for (size_t i = 0; i < n; ++i) v[i] -= c * b[i];
    }
    const double norm = std::sqrt(dot(v, v));
    if (norm < 1e-9) continue;
    for (double& x : v) x /= norm;
    basis.push_back(std::move(v));
  }
  // The distance of the third parent to the line through the first two.
  Vector v13(n);
  for (size_t i = 0; i < n; ++i) v13[i] = p[2][i] - p[0][i];
  if (d_norm > 0) {
    const double c = dot(v13, basis[0]);
    for (size_t i = 0; i < n; ++i) v13[i] -= c * basis[0][i];
  }
  const double distance = std::sqrt(dot(v13, v13));
  for (size_t k = d_norm > 0 ? 1 : 0; k < basis.size(); ++k) {
    const double eta = sigma_eta * normal(rng);
    for (size_t i = 0; i < n; ++i) child[i] += distance * eta * basis[k][i];
  }
  return child;
}

// SPX (Tsutsui, Yamamura and Higuchi 1999): uniform in the parents' simplex expanded by epsilon
// about its centroid.
Vector spx(const std::vector<Vector>& p, Rng& rng) {
  const size_t n = p[0].size(), m = p.size();
  const double epsilon = std::sqrt(static_cast<double>(n) + 2);
  Vector g(n, 0.0);
  for (const auto& q : p)
    for (size_t i = 0; i < n; ++i) g[i] += q[i] / static_cast<double>(m);
  std::vector<Vector> x(m, Vector(n));
  for (size_t k = 0; k < m; ++k)
    for (size_t i = 0; i < n; ++i) x[k][i] = g[i] + epsilon * (p[k][i] - g[i]);
  Vector c(n, 0.0);
  for (size_t k = 1; k < m; ++k) {
    const double r = std::pow(uniform01(rng), 1.0 / static_cast<double>(k));
    for (size_t i = 0; i < n; ++i) c[i] = r * (x[k - 1][i] - x[k][i] + c[i]);
  }
  for (size_t i = 0; i < n; ++i) c[i] += x[m - 1][i];
  return c;
}

}  // namespace

Vector crossover(NsgaCrossover kind, const std::vector<Vector>& parents, const Bounds& bounds,
                 double swapping_prob, size_t n_objectives, Rng& rng) {
  switch (kind) {
    case NsgaCrossover::Uniform:
      return uniform(parents, swapping_prob, rng);
    case NsgaCrossover::Sbx:
      return sbx(parents, bounds, n_objectives > 1 ? 20.0 : 2.0, rng);
    case NsgaCrossover::BlxAlpha:
      return blx_alpha(parents, 0.5, rng);
    case NsgaCrossover::Undx:
      return undx(parents, rng);
    case NsgaCrossover::Spx:
      return spx(parents, rng);
  }
  return parents[0];
}

}  // namespace parzen::nsga
