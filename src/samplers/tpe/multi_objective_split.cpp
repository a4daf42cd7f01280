#include "samplers/tpe/multi_objective_split.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "parzen/multi_objective.hpp"

namespace parzen::tpe {

namespace {

constexpr double kEps = 1e-12;  // Optuna's EPS in samplers/_tpe/sampler.py

bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool strictly = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) strictly = true;
  }
  return strictly;
}

bool weakly_dominates(const std::vector<double>& a, const std::vector<double>& b) {
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] > b[i]) return false;
  return true;
}

double box(const std::vector<double>& p, const std::vector<double>& reference) {
  double v = 1;
  for (size_t i = 0; i < p.size(); ++i) v *= reference[i] - p[i];
  return v;
}

// The part of p's box that no point of `others` covers: box(p) - HV({max(p, q) : q in others}).
double exclusive_volume(const std::vector<double>& p, const LossPoints& others,
                        const std::vector<double>& reference) {
  LossPoints limited;
  limited.reserve(others.size());
  for (const auto& q : others) {
    if (weakly_dominates(q, p)) return 0;
    std::vector<double> m(p.size());
    for (size_t i = 0; i < m.size(); ++i) m[i] = std::max(p[i], q[i]);
    limited.push_back(std::move(m));
  }
  return box(p, reference) - loss_hypervolume(limited, reference);
}

}  // namespace

std::vector<double> nadir_reference(const LossPoints& points) {
  std::vector<double> reference = points.at(0);
  for (const auto& p : points)
    for (size_t i = 0; i < reference.size(); ++i) reference[i] = std::max(reference[i], p[i]);
  for (double& r : reference) {
    r = std::max(1.1 * r, 0.9 * r);
    if (r == 0) r = kEps;
  }
  return reference;
}

std::vector<size_t> non_domination_ranks(const LossPoints& points, size_t n_stop) {
  const size_t n = points.size();
  std::vector<size_t> rank(n, std::numeric_limits<size_t>::max());
  // In lexicographic order a point can only be dominated by points before it, and a point is in
  // the current front exactly when no member of that front found so far dominates it (whoever
  // dominates it is a front member or dominated by one).
  std::vector<size_t> remaining(n);
  std::iota(remaining.begin(), remaining.end(), size_t{0});
  std::stable_sort(remaining.begin(), remaining.end(),
                   [&](size_t a, size_t b) { return points[a] < points[b]; });
  size_t assigned = 0;
  std::vector<size_t> front, rest;
  for (size_t r = 0; !remaining.empty() && assigned < n_stop; ++r) {
    front.clear();
    rest.clear();
    for (size_t i : remaining) {
      bool dominated = false;
      for (size_t f : front)
        if (dominates(points[f], points[i])) {
          dominated = true;
          break;
        }
      (dominated ? rest : front).push_back(i);
    }
    for (size_t f : front) rank[f] = r;
    assigned += front.size();
    remaining.swap(rest);
  }
  return rank;
}

double loss_hypervolume(const LossPoints& points, const std::vector<double>& reference) {
  if (points.empty()) return 0;
  // The library's exact hypervolume; the "mo" branch's faster 2-D/3-D sweeps replace it there.
  const std::vector<Direction> minimise(reference.size(), Direction::Minimize);
  return multi_objective::hypervolume(points, reference, minimise);
}

std::vector<double> hypervolume_contributions(const LossPoints& points,
                                              const std::vector<double>& reference) {
  std::vector<double> out(points.size(), 0.0);
  LossPoints others;
  for (size_t i = 0; i < points.size(); ++i) {
    others.clear();
    for (size_t j = 0; j < points.size(); ++j)
      if (j != i) others.push_back(points[j]);
    out[i] = exclusive_volume(points[i], others, reference);
  }
  return out;
}

std::vector<size_t> greedy_hssp(const LossPoints& points, size_t subset_size,
                                const std::vector<double>& reference) {
  const size_t n = points.size();
  subset_size = std::min(subset_size, n);
  std::vector<double> contribution(n);
  for (size_t j = 0; j < n; ++j) contribution[j] = box(points[j], reference);
  std::vector<char> taken(n, 0);
  std::vector<size_t> selected;
  LossPoints selected_points;
  std::vector<double> p(reference.size());
  while (selected.size() < subset_size) {
    size_t best = n;
    for (size_t j = 0; j < n; ++j)
      if (!taken[j] && (best == n || contribution[j] > contribution[best])) best = j;
    taken[best] = 1;
    // What the new point takes from each other one's remaining contribution: the part of their
    // common box the points chosen before did not cover already.
    for (size_t j = 0; j < n; ++j) {
      if (taken[j]) continue;
      for (size_t i = 0; i < p.size(); ++i) p[i] = std::max(points[best][i], points[j][i]);
      contribution[j] -= exclusive_volume(p, selected_points, reference);
    }
    selected.push_back(best);
    selected_points.push_back(points[best]);
  }
  return selected;
}

std::vector<size_t> select_below(const LossPoints& points, size_t n_below) {
  n_below = std::min(n_below, points.size());
  if (n_below == 0) return {};
  const std::vector<size_t> rank = non_domination_ranks(points, n_below);
  std::vector<std::vector<size_t>> by_rank;
  for (size_t i = 0; i < points.size(); ++i) {
    if (rank[i] == std::numeric_limits<size_t>::max()) continue;
    if (by_rank.size() <= rank[i]) by_rank.resize(rank[i] + 1);
    by_rank[rank[i]].push_back(i);
  }
  std::vector<size_t> below;
  size_t r = 0;
  while (below.size() < n_below && below.size() + by_rank[r].size() <= n_below) {
    below.insert(below.end(), by_rank[r].begin(), by_rank[r].end());
    ++r;
  }
  if (below.size() < n_below) {
    LossPoints rank_points;
    for (size_t i : by_rank[r]) rank_points.push_back(points[i]);
    for (size_t k : greedy_hssp(rank_points, n_below - below.size(), nadir_reference(rank_points)))
      below.push_back(by_rank[r][k]);
  }
  std::sort(below.begin(), below.end());
  return below;
}

std::vector<double> below_weights(const LossPoints& points) {
  if (points.empty()) return {};
  if (points.size() == 1) return {1.0};
  std::vector<double> w = hypervolume_contributions(points, nadir_reference(points));
  double largest = 0;
  bool finite = true;
  for (double& c : w) {
    largest = std::max(largest, c += kEps);
    finite = finite && std::isfinite(c);
  }
  // Volumes beyond a double's range (objectives near 1e150 and more): every kernel weighs the
  // same rather than NaN weights.
  if (!finite || !std::isfinite(largest)) return std::vector<double>(points.size(), 1.0);
  for (double& c : w) c = std::clamp(c / largest, 0.0, 1.0);
  return w;
}

}  // namespace parzen::tpe
