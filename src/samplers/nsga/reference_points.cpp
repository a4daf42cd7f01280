// NSGA-III's reference points, normalisation, association and niching: see
// reference_points.hpp and include/parzen/nsga_sampler.hpp.

#include "samplers/nsga/reference_points.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace parzen::nsga {

uint64_t das_dennis_count(size_t n_objectives, int64_t divisions, uint64_t cap) {
  // C(p + m - 1, m - 1) as the running product C(p + k, k) = C(p + k - 1, k - 1) (p + k) / k,
  // in double (exact while it stays below the cap, which is far below 2^53).
  double count = 1;
  const double p = static_cast<double>(std::max<int64_t>(divisions, 0));
  for (size_t k = 1; k < n_objectives; ++k) {
    count = std::round(count * (p + static_cast<double>(k)) / static_cast<double>(k));
    if (count > static_cast<double>(cap)) return cap + 1;
  }
  return static_cast<uint64_t>(count);
}

Matrix das_dennis_points(size_t n_objectives, int64_t divisions) {
  Matrix points;
  if (n_objectives == 0 || divisions < 1) return points;
  const double p = static_cast<double>(divisions);
  std::vector<int64_t> parts(n_objectives, 0);
  // Depth-first over the numerators: parts[0] from divisions down to 0, and so on; the last
  // coordinate takes what is left.
  auto recurse = [&](auto&& self, size_t axis, int64_t left) -> void {
    if (axis + 1 == n_objectives) {
      parts[axis] = left;
      std::vector<double> point(n_objectives);
      for (size_t i = 0; i < n_objectives; ++i) point[i] = static_cast<double>(parts[i]) / p;
      points.push_back(std::move(point));
      return;
    }
    for (int64_t v = left; v >= 0; --v) {
      parts[axis] = v;
      self(self, axis + 1, left - v);
    }
  };
  recurse(recurse, 0, divisions);
  return points;
}

namespace {

// Solves a x = b (m x m) by Gaussian elimination with partial pivoting; false when a is singular
// (a pivot below 1e-12 times the matrix's largest entry).
bool solve(Matrix a, std::vector<double> b, std::vector<double>& x) {
  const size_t m = b.size();
  double scale = 0;
  for (const auto& row : a)
    for (double v : row) scale = std::max(scale, std::abs(v));
  if (!(scale > 0) || !std::isfinite(scale)) return false;
  for (size_t c = 0; c < m; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < m; ++r)
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    if (!(std::abs(a[pivot][c]) > 1e-12 * scale)) return false;
    std::swap(a[c], a[pivot]);
    std::swap(b[c], b[pivot]);
    for (size_t r = c + 1; r < m; ++r) {
      const double f = a[r][c] / a[c][c];
      for (size_t k = c; k < m; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  x.assign(m, 0.0);
  for (size_t c = m; c-- > 0;) {
    double s = b[c];
    for (size_t k = c + 1; k < m; ++k) s -= a[c][k] * x[k];
    x[c] = s / a[c][c];
  }
  return true;
}

}  // namespace

Normalization normalize(Matrix points) {
  Normalization out;
  const size_t n = points.size();
  if (n == 0) return out;
  const size_t m = points[0].size();
  // Infinite values become the objective's finite extremes.
  for (size_t j = 0; j < m; ++j) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& p : points)
      if (std::isfinite(p[j])) lo = std::min(lo, p[j]), hi = std::max(hi, p[j]);
    if (!std::isfinite(lo)) lo = hi = 0;
    for (auto& p : points)
      if (!std::isfinite(p[j])) p[j] = p[j] > 0 ? hi : lo;
  }
  out.ideal.assign(m, std::numeric_limits<double>::infinity());
  for (const auto& p : points)
    for (size_t j = 0; j < m; ++j) out.ideal[j] = std::min(out.ideal[j], p[j]);
  for (auto& p : points)
    for (size_t j = 0; j < m; ++j) p[j] -= out.ideal[j];

  // Extreme points: per axis, the point minimising max_i f_i / w_i (w_i = 1 on the axis, 1e-6
  // elsewhere); ties go to the first.
  Matrix extremes;
  for (size_t axis = 0; axis < m; ++axis) {
    size_t best = 0;
    double best_asf = std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < n; ++k) {
      double asf = 0;
      for (size_t i = 0; i < m; ++i) asf = std::max(asf, points[k][i] / (i == axis ? 1.0 : 1e-6));
      if (asf < best_asf) best_asf = asf, best = k;
    }
    extremes.push_back(points[best]);
  }
  // The hyperplane sum_i f_i b_i = 1 through them: intercepts 1 / b_i.
  std::vector<double> b;
  bool ok = solve(extremes, std::vector<double>(m, 1.0), b);
  out.intercepts.assign(m, 0.0);
  for (size_t j = 0; ok && j < m; ++j) {
    out.intercepts[j] = 1 / b[j];
    ok = std::isfinite(out.intercepts[j]) && out.intercepts[j] > 1e-10;
  }
  if (!ok) {
    out.degenerate = true;
    for (size_t j = 0; j < m; ++j) {
      double worst = 0;
      for (const auto& p : points) worst = std::max(worst, p[j]);
      out.intercepts[j] = worst > 1e-10 ? worst : 1.0;
    }
  }
  for (auto& p : points)
    for (size_t j = 0; j < m; ++j) p[j] /= out.intercepts[j];
  out.normalized = std::move(points);
  return out;
}

Association associate(const Matrix& normalized, const Matrix& reference_points) {
  Association out;
  out.niche.resize(normalized.size());
  out.distance.resize(normalized.size());
  std::vector<double> inv_norm2(reference_points.size());
  for (size_t r = 0; r < reference_points.size(); ++r) {
    double s = 0;
    for (double w : reference_points[r]) s += w * w;
    inv_norm2[r] = 1 / s;
  }
  for (size_t k = 0; k < normalized.size(); ++k) {
    const auto& f = normalized[k];
    double ff = 0;
    for (double v : f) ff += v * v;
    double best = std::numeric_limits<double>::infinity();
    size_t best_r = 0;
    for (size_t r = 0; r < reference_points.size(); ++r) {
      const auto& w = reference_points[r];
      double fw = 0;
      for (size_t i = 0; i < f.size(); ++i) fw += f[i] * w[i];
      // |f - (f.w / w.w) w|^2 = f.f - (f.w)^2 / w.w
      const double d2 = std::max(0.0, ff - fw * fw * inv_norm2[r]);
      if (d2 < best) best = d2, best_r = r;
    }
    out.niche[k] = best_r;
    out.distance[k] = std::sqrt(best);
  }
  return out;
}

std::vector<size_t> niche_select(std::vector<size_t> niche_count, const Association& front,
                                 size_t n, Rng& rng) {
  const size_t n_refs = niche_count.size();
  // The front's members per reference point, by distance (nearest first, then index).
  std::vector<std::vector<size_t>> members(n_refs);
  for (size_t k = 0; k < front.niche.size(); ++k) members[front.niche[k]].push_back(k);
  for (auto& list : members)
    std::stable_sort(list.begin(), list.end(),
                     [&](size_t a, size_t b) { return front.distance[a] < front.distance[b]; });
  std::vector<char> active(n_refs, 1);
  std::vector<size_t> picked;
  picked.reserve(n);
  std::vector<size_t> lowest;
  while (picked.size() < n) {
    size_t min_count = std::numeric_limits<size_t>::max();
    lowest.clear();
    for (size_t r = 0; r < n_refs; ++r) {
      if (!active[r]) continue;
      if (niche_count[r] < min_count) min_count = niche_count[r], lowest.clear();
      if (niche_count[r] == min_count) lowest.push_back(r);
    }
    if (lowest.empty()) break;  // no front member left (cannot happen while n <= front size)
    const size_t r = lowest[lowest.size() == 1 ? 0 : rng() % lowest.size()];
    auto& list = members[r];
    if (list.empty()) {
      active[r] = 0;
      continue;
    }
    // Nobody of the elite in this niche yet: its nearest member; otherwise a random one.
    const size_t at = niche_count[r] == 0 || list.size() == 1 ? 0 : rng() % list.size();
    picked.push_back(list[at]);
    list.erase(list.begin() + static_cast<std::ptrdiff_t>(at));
    ++niche_count[r];
  }
  return picked;
}

}  // namespace parzen::nsga
