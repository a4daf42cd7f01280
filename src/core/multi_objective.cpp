#include "parzen/multi_objective.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "parzen/error.hpp"

namespace parzen::multi_objective {

namespace {

using Point = std::vector<double>;
using Points = std::vector<Point>;

void check_size(const std::vector<double>& values, const std::vector<Direction>& directions,
                const char* what) {
  if (values.size() != directions.size())
    throw InvalidArgument(fmt::format("{} has {} value(s) but there are {} direction(s)", what,
                                      values.size(), directions.size()));
}

// Both already oriented for minimisation.
bool dominates_min(const Point& a, const Point& b) {
  bool strictly = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) strictly = true;
  }
  return strictly;
}

Points oriented_all(const Points& points, const std::vector<Direction>& directions) {
  Points out;
  out.reserve(points.size());
  for (size_t k = 0; k < points.size(); ++k) {
    const auto& p = points[k];
    if (p.size() != directions.size())
      throw InvalidArgument(fmt::format("point {} has {} value(s) but there are {} direction(s)", k,
                                        p.size(), directions.size()));
    out.push_back(oriented(p, directions));
  }
  return out;
}

void check_no_nan(const Points& points) {
  for (size_t k = 0; k < points.size(); ++k)
    for (size_t i = 0; i < points[k].size(); ++i)
      if (std::isnan(points[k][i]))
        throw InvalidArgument(fmt::format("point {} has NaN in objective {}", k, i));
}

// ---- non-dominated sorting ----------------------------------------------------------------

// Ranks of oriented 2-D points in O(N log N). Points in lexicographic order; tail[k] is the
// lowest second objective of front k so far and tail_x[k] the first objective of the point that
// set it (the smallest, as points arrive in order): front k dominates a point q iff
// tail[k] < q.y, or tail[k] == q.y with tail_x[k] < q.x. Domination by front k+1 implies
// domination by front k, so the first front that does not dominate q is found by bisection.
std::vector<size_t> ranks_2d(const Points& o) {
  const size_t n = o.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return o[a] < o[b]; });
  std::vector<double> tail, tail_x;
  std::vector<size_t> rank(n);
  for (size_t i : order) {
    const double x = o[i][0], y = o[i][1];
    const auto dominated_by = [&](size_t k) {
      return tail[k] < y || (tail[k] == y && tail_x[k] < x);
    };
    size_t lo = 0, hi = tail.size();  // first front that does not dominate q, in [lo, hi]
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (dominated_by(mid))
        lo = mid + 1;
      else
        hi = mid;
    }
    rank[i] = lo;
    if (lo == tail.size()) {
      tail.push_back(y);
      tail_x.push_back(x);
    } else if (y < tail[lo]) {
      tail[lo] = y;
      tail_x[lo] = x;
    }
  }
  return rank;
}

std::vector<size_t> ranks_general(const Points& o) {
  const size_t n = o.size();
  std::vector<std::vector<size_t>> dominated_by_me(n);
  std::vector<size_t> n_dominating(n, 0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      if (dominates_min(o[i], o[j])) {
        dominated_by_me[i].push_back(j);
        ++n_dominating[j];
      } else if (dominates_min(o[j], o[i])) {
        dominated_by_me[j].push_back(i);
        ++n_dominating[i];
      }
    }
  std::vector<size_t> rank(n, 0);
  std::vector<size_t> current;
  for (size_t i = 0; i < n; ++i)
    if (n_dominating[i] == 0) current.push_back(i);
  for (size_t r = 0; !current.empty(); ++r) {
    std::vector<size_t> next;
    for (size_t i : current) {
      rank[i] = r;
      for (size_t j : dominated_by_me[i])
        if (--n_dominating[j] == 0) next.push_back(j);
    }
    current = std::move(next);
  }
  return rank;
}

std::vector<size_t> ranks_oriented(const Points& o) {
  if (!o.empty() && o[0].size() == 2) return ranks_2d(o);
  return ranks_general(o);
}

// ---- hypervolume --------------------------------------------------------------------------
// Every function below takes oriented points strictly below the reference in every objective.

double box(const Point& p, const Point& ref) {
  double v = 1;
  for (size_t i = 0; i < p.size(); ++i) v *= ref[i] - p[i];
  return v;
}

double hv_2d(Points points, const Point& ref) {
  std::sort(points.begin(), points.end());
  double volume = 0;
  double best_y = ref[1];
  for (const auto& p : points) {
    if (p[1] >= best_y) continue;  // dominated by a point with a smaller first objective
    volume += (ref[0] - p[0]) * (best_y - p[1]);
    best_y = p[1];
  }
  return volume;
}

// The 3-D sweep: points by increasing third objective; the 2-D front of the points swept so far
// lives in a tree keyed by the first objective (second objective decreasing along it), with the
// area it dominates kept up to date as points enter and dominated ones leave. Each point enters
// and leaves once: O(N log N).
double hv_3d(const Points& points, const Point& ref) {
  std::vector<const Point*> order;
  order.reserve(points.size());
  for (const auto& p : points) order.push_back(&p);
  std::sort(order.begin(), order.end(),
            [](const Point* a, const Point* b) { return (*a)[2] < (*b)[2]; });
  std::map<double, double> front;  // x -> y, y strictly decreasing in x
  double area = 0, volume = 0;
  double z_prev = order.empty() ? ref[2] : (*order[0])[2];
  for (const Point* pp : order) {
    const double x = (*pp)[0], y = (*pp)[1], z = (*pp)[2];
    volume += area * (z - z_prev);
    z_prev = z;
    auto it = front.lower_bound(x);                                   // first with key >= x
    if (it != front.begin() && std::prev(it)->second <= y) continue;  // dominated
    if (it != front.end() && it->first == x && it->second <= y) continue;
    double top = it == front.begin() ? ref[1] : std::prev(it)->second;
    double x0 = x;
    while (it != front.end() && it->second >= y) {  // dominated by the new point
      area += (it->first - x0) * (top - y);
      x0 = it->first;
      top = it->second;
      it = front.erase(it);
    }
    area += ((it == front.end() ? ref[0] : it->first) - x0) * (top - y);
    front.emplace_hint(it, x, y);
  }
  return volume + area * (ref[2] - z_prev);
}

double hv_any(Points points, const Point& ref);

// Slicing along the fourth objective: between consecutive values of it, the slab's cross
// section is the 3-D hypervolume of the points below.
double hv_4d(Points points, const Point& ref) {
  std::sort(points.begin(), points.end(),
            [](const Point& a, const Point& b) { return a[3] < b[3]; });
  const Point ref3(ref.begin(), ref.begin() + 3);
  Points slice;
  slice.reserve(points.size());
  double volume = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    slice.emplace_back(points[i].begin(), points[i].begin() + 3);
    const double next = i + 1 < points.size() ? points[i + 1][3] : ref[3];
    if (next > points[i][3]) volume += hv_3d(slice, ref3) * (next - points[i][3]);
  }
  return volume;
}

// The points no other dominates, one copy of each.
Points non_dominated(const Points& points) {
  Points out;
  for (size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < points.size() && !dominated; ++j)
      dominated = dominates_min(points[j], points[i]) || (j < i && points[j] == points[i]);
    if (!dominated) out.push_back(points[i]);
  }
  return out;
}

// WFG: the volume is the sum over points of each one's exclusive contribution, its box less the
// volume the later points cover inside it (the later points limited to that box).
double wfg(Points points, const Point& ref) {
  // Sorting by the last objective, worst first, keeps the limited sets small.
  std::sort(points.begin(), points.end(),
            [](const auto& a, const auto& b) { return a.back() > b.back(); });
  double volume = 0;
  for (size_t k = 0; k < points.size(); ++k) {
    Points limited;
    limited.reserve(points.size() - k - 1);
    for (size_t j = k + 1; j < points.size(); ++j) {
      Point q(ref.size());
      for (size_t i = 0; i < q.size(); ++i) q[i] = std::max(points[k][i], points[j][i]);
      limited.push_back(std::move(q));
    }
    volume += box(points[k], ref) - hv_any(non_dominated(limited), ref);
  }
  return volume;
}

double hv_any(Points points, const Point& ref) {
  if (points.empty()) return 0;
  switch (ref.size()) {
    case 1: {
      double best = points[0][0];
      for (const auto& p : points) best = std::min(best, p[0]);
      return ref[0] - best;
    }
    case 2:
      return hv_2d(std::move(points), ref);
    case 3:
      return hv_3d(points, ref);
    case 4:
      return hv_4d(std::move(points), ref);
    default:
      return wfg(std::move(points), ref);
  }
}

// Oriented reference and the oriented points strictly below it, with their original indices.
struct Inside {
  Point ref;
  Points points;
  std::vector<size_t> index;
};

Inside inside_reference(const Points& points, const std::vector<double>& reference,
                        const std::vector<Direction>& directions) {
  if (directions.empty()) throw InvalidArgument("hypervolume needs at least one direction");
  check_size(reference, directions, "the reference point");
  for (size_t i = 0; i < reference.size(); ++i)
    if (!std::isfinite(reference[i]))
      throw InvalidArgument(fmt::format(
          "the reference point's objective {} is {}; it must be finite", i, reference[i]));
  Inside in;
  in.ref = oriented(reference, directions);
  Points o = oriented_all(points, directions);
  check_no_nan(o);
  for (size_t k = 0; k < o.size(); ++k) {
    bool beats = true;
    for (size_t i = 0; i < o[k].size() && beats; ++i) beats = o[k][i] < in.ref[i];
    if (beats) {
      in.points.push_back(std::move(o[k]));
      in.index.push_back(k);
    }
  }
  return in;
}

// Sorts pairs by their first member (order among equal first members unspecified; the 2-D
// sweep does not need it: points with one x add up to the same area in any order). Large sets
// by an LSD radix sort on the doubles' order-preserving bit patterns (6 passes of 11 bits),
// which is several times faster than std::sort on 10^4 points.
void sort_by_first(std::vector<std::pair<double, double>>& v) {
  if (v.size() < 4096) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return;
  }
  const auto key = [](double x) {
    uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    // Negative numbers: flip all bits; positive: flip the sign bit (so that -0.0 < +0.0, which
    // is harmless here).
    return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
  };
  std::vector<uint64_t> keys(v.size()), keys_tmp(v.size());
  for (size_t i = 0; i < v.size(); ++i) keys[i] = key(v[i].first);
  std::vector<std::pair<double, double>> tmp(v.size());
  constexpr int kBits = 11;
  constexpr size_t kBuckets = size_t{1} << kBits;
  std::vector<size_t> count(kBuckets);
  for (int shift = 0; shift < 64; shift += kBits) {
    std::fill(count.begin(), count.end(), 0);
    for (uint64_t k : keys) ++count[(k >> shift) & (kBuckets - 1)];
    if (count[(keys[0] >> shift) & (kBuckets - 1)] == v.size()) continue;  // one digit: no-op
    size_t sum = 0;
    for (auto& c : count) {
      const size_t here = c;
      c = sum;
      sum += here;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      const size_t slot = count[(keys[i] >> shift) & (kBuckets - 1)]++;
      tmp[slot] = v[i];
      keys_tmp[slot] = keys[i];
    }
    v.swap(tmp);
    keys.swap(keys_tmp);
  }
}

// Two objectives without a copy per point: the oriented points inside the reference as pairs,
// sorted, swept (the same sweep as hv_2d).
double hypervolume_2d_flat(const Points& points, const std::vector<double>& reference,
                           const std::vector<Direction>& directions) {
  check_size(reference, directions, "the reference point");
  for (size_t i = 0; i < 2; ++i)
    if (!std::isfinite(reference[i]))
      throw InvalidArgument(fmt::format(
          "the reference point's objective {} is {}; it must be finite", i, reference[i]));
  const double s0 = directions[0] == Direction::Maximize ? -1.0 : 1.0;
  const double s1 = directions[1] == Direction::Maximize ? -1.0 : 1.0;
  const double r0 = s0 * reference[0], r1 = s1 * reference[1];
  std::vector<std::pair<double, double>> inside;
  inside.reserve(points.size());
  for (size_t k = 0; k < points.size(); ++k) {
    const auto& p = points[k];
    if (p.size() != 2)
      throw InvalidArgument(
          fmt::format("point {} has {} value(s) but there are 2 direction(s)", k, p.size()));
    const double x = s0 * p[0], y = s1 * p[1];
    if (std::isnan(x) || std::isnan(y))
      throw InvalidArgument(
          fmt::format("point {} has NaN in objective {}", k, std::isnan(x) ? 0 : 1));
    if (x < r0 && y < r1) inside.emplace_back(x, y);
  }
  sort_by_first(inside);
  double volume = 0, best_y = r1;
  for (const auto& [x, y] : inside) {
    if (y >= best_y) continue;
    volume += (r0 - x) * (best_y - y);
    best_y = y;
  }
  return volume;
}

}  // namespace

std::vector<double> oriented(const std::vector<double>& values,
                             const std::vector<Direction>& directions) {
  check_size(values, directions, "a point");
  std::vector<double> out = values;
  for (size_t i = 0; i < out.size(); ++i)
    if (directions[i] == Direction::Maximize) out[i] = -out[i];
  return out;
}

bool dominates(const std::vector<double>& a, const std::vector<double>& b,
               const std::vector<Direction>& directions) {
  return dominates_min(oriented(a, directions), oriented(b, directions));
}

double total_violation(const FrozenTrial& t) {
  double sum = 0;
  for (double c : t.constraints) sum += std::max(c, 0.0);
  return sum;
}

bool any_constrained(const std::vector<FrozenTrial>& trials) {
  return std::any_of(trials.begin(), trials.end(),
                     [](const FrozenTrial& t) { return !t.constraints.empty(); });
}

bool feasible_in(const FrozenTrial& trial, bool constrained) {
  return trial.constraints.empty() ? !constrained : trial.feasible();
}

double violation_in(const FrozenTrial& trial, bool constrained) {
  return trial.constraints.empty() && constrained ? std::numeric_limits<double>::infinity()
                                                  : total_violation(trial);
}

bool constrained_dominates(const FrozenTrial& a, const FrozenTrial& b,
                           const std::vector<Direction>& directions) {
  // The pair is constrained when either has constraint values.
  const bool constrained = !a.constraints.empty() || !b.constraints.empty();
  const bool a_ok = feasible_in(a, constrained);
  const bool b_ok = feasible_in(b, constrained);
  if (a_ok != b_ok) return a_ok;
  if (!a_ok) return violation_in(a, constrained) < violation_in(b, constrained);
  return dominates(a.values, b.values, directions);
}

std::vector<size_t> pareto_front(const Points& points, const std::vector<Direction>& directions) {
  const Points o = oriented_all(points, directions);
  std::vector<size_t> front;
  if (directions.size() == 2) {
    const auto rank = ranks_2d(o);
    for (size_t i = 0; i < o.size(); ++i)
      if (rank[i] == 0) front.push_back(i);
    return front;
  }
  for (size_t i = 0; i < o.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < o.size() && !dominated; ++j) dominated = dominates_min(o[j], o[i]);
    if (!dominated) front.push_back(i);
  }
  return front;
}

std::vector<size_t> non_dominated_ranks(const Points& points,
                                        const std::vector<Direction>& directions) {
  return ranks_oriented(oriented_all(points, directions));
}

std::vector<size_t> constrained_non_dominated_ranks(const std::vector<const FrozenTrial*>& trials,
                                                    const std::vector<Direction>& directions) {
  const bool constrained = std::any_of(
      trials.begin(), trials.end(), [](const FrozenTrial* t) { return !t->constraints.empty(); });
  std::vector<size_t> feasible, infeasible;
  for (size_t i = 0; i < trials.size(); ++i)
    (feasible_in(*trials[i], constrained) ? feasible : infeasible).push_back(i);
  std::vector<size_t> rank(trials.size(), 0);
  Points values;
  values.reserve(feasible.size());
  for (size_t i : feasible) {
    if (trials[i]->values.size() != directions.size())
      throw InvalidArgument(fmt::format("trial {} has {} value(s) but there are {} direction(s)",
                                        trials[i]->number, trials[i]->values.size(),
                                        directions.size()));
    values.push_back(oriented(trials[i]->values, directions));
  }
  const auto feasible_rank = ranks_oriented(values);
  size_t next = 0;
  for (size_t k = 0; k < feasible.size(); ++k) {
    rank[feasible[k]] = feasible_rank[k];
    next = std::max(next, feasible_rank[k] + 1);
  }
  std::vector<double> violation(trials.size());
  for (size_t i : infeasible) violation[i] = violation_in(*trials[i], constrained);
  std::stable_sort(infeasible.begin(), infeasible.end(),
                   [&](size_t a, size_t b) { return violation[a] < violation[b]; });
  for (size_t k = 0; k < infeasible.size(); ++k) {
    if (k > 0 && violation[infeasible[k]] > violation[infeasible[k - 1]]) ++next;
    rank[infeasible[k]] = next;
  }
  return rank;
}

std::vector<double> crowding_distance(const Points& points,
                                      const std::vector<Direction>& directions) {
  const Points o = oriented_all(points, directions);
  const size_t n = o.size();
  constexpr double inf = std::numeric_limits<double>::infinity();
  std::vector<double> distance(n, n < 3 ? inf : 0.0);
  if (n < 3) return distance;
  std::vector<size_t> order(n);
  for (size_t m = 0; m < directions.size(); ++m) {
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return o[a][m] < o[b][m]; });
    const double lo = o[order.front()][m], hi = o[order.back()][m];
    const double width = hi - lo;
    if (!(width > 0)) continue;  // one value, or NaN
    distance[order.front()] = inf;
    distance[order.back()] = inf;
    for (size_t k = 1; k + 1 < n; ++k) {
      const double gap = o[order[k + 1]][m] - o[order[k - 1]][m];
      distance[order[k]] += std::isfinite(width) && std::isfinite(gap) ? gap / width : inf;
    }
  }
  return distance;
}

double hypervolume(const Points& points, const std::vector<double>& reference,
                   const std::vector<Direction>& directions) {
  if (directions.size() == 2) return hypervolume_2d_flat(points, reference, directions);
  Inside in = inside_reference(points, reference, directions);
  if (in.points.empty()) return 0;
  if (in.ref.size() >= 5) return hv_any(non_dominated(in.points), in.ref);
  return hv_any(std::move(in.points), in.ref);
}

std::vector<double> hypervolume_contributions(const Points& points,
                                              const std::vector<double>& reference,
                                              const std::vector<Direction>& directions) {
  const Inside in = inside_reference(points, reference, directions);
  std::vector<double> out(points.size(), 0.0);
  const size_t n = in.points.size();
  if (n == 0) return out;
  const Point& ref = in.ref;
  if (ref.size() == 1) {
    // Only a unique best point contributes: the gap to the second best (or the reference).
    size_t best = 0;
    for (size_t k = 1; k < n; ++k)
      if (in.points[k][0] < in.points[best][0]) best = k;
    double second = ref[0];
    for (size_t k = 0; k < n; ++k)
      if (k != best) second = std::min(second, in.points[k][0]);
    out[in.index[best]] = second - in.points[best][0];
    return out;
  }
  if (ref.size() == 2) {
    // The front in lexicographic order has x strictly increasing and y strictly decreasing.
    // Front point j alone dominates the rectangle [x_j, x_{j+1}) x [y_j, y_{j-1}) (neighbours,
    // or the reference), less what the points it dominates cover there: each other point lies
    // in at most one such rectangle (found by bisection), and each rectangle's share is a 2-D
    // hypervolume against the rectangle's far corner. A copy of a front point lies in its
    // rectangle and covers all of it, so both copies contribute 0, as they must.
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return in.points[a] < in.points[b]; });
    std::vector<size_t> front;
    std::vector<size_t> rest;
    double best_y = ref[1];
    for (size_t k : order) {
      if (in.points[k][1] < best_y) {
        front.push_back(k);
        best_y = in.points[k][1];
      } else {
        rest.push_back(k);
      }
    }
    const auto corner = [&](size_t j) {
      return Point{j + 1 < front.size() ? in.points[front[j + 1]][0] : ref[0],
                   j > 0 ? in.points[front[j - 1]][1] : ref[1]};
    };
    std::vector<Points> covered(front.size());
    for (size_t k : rest) {
      const Point& q = in.points[k];
      // The last front point with x <= q.x (one exists: some front point weakly dominates q).
      const auto it = std::upper_bound(front.begin(), front.end(), q[0],
                                       [&](double x, size_t f) { return x < in.points[f][0]; });
      const size_t j = static_cast<size_t>(it - front.begin()) - 1;
      if (q[1] < corner(j)[1]) covered[j].push_back(q);
    }
    for (size_t j = 0; j < front.size(); ++j) {
      const Point c = corner(j);
      out[in.index[front[j]]] = box(in.points[front[j]], c) - hv_2d(std::move(covered[j]), c);
    }
    return out;
  }
  // Three or more: a dominated point (or one of several copies) contributes nothing; a front
  // point contributes its box less the hypervolume of all the other points limited to it.
  const auto rank = ranks_oriented(in.points);
  Points front;
  std::vector<size_t> front_of;  // index into in.points
  for (size_t k = 0; k < n; ++k)
    if (rank[k] == 0) {
      front.push_back(in.points[k]);
      front_of.push_back(k);
    }
  std::vector<size_t> order(front.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return front[a] < front[b]; });
  std::vector<bool> has_copy(front.size(), false);
  for (size_t k = 1; k < order.size(); ++k)
    if (front[order[k]] == front[order[k - 1]]) has_copy[order[k]] = has_copy[order[k - 1]] = true;
  for (size_t a = 0; a < front.size(); ++a) {
    if (has_copy[a]) continue;
    Points limited;
    limited.reserve(n - 1);
    for (size_t b = 0; b < n; ++b) {
      if (b == front_of[a]) continue;
      Point q(ref.size());
      for (size_t i = 0; i < q.size(); ++i) q[i] = std::max(front[a][i], in.points[b][i]);
      limited.push_back(std::move(q));
    }
    if (ref.size() >= 5) limited = non_dominated(limited);
    out[in.index[front_of[a]]] = box(front[a], ref) - hv_any(std::move(limited), ref);
  }
  return out;
}

std::vector<double> default_reference_point(const Points& points,
                                            const std::vector<Direction>& directions) {
  if (points.empty()) throw InvalidArgument("a default reference point needs at least one point");
  const Points o = oriented_all(points, directions);
  Point worst(directions.size(), -std::numeric_limits<double>::infinity());
  for (size_t k = 0; k < o.size(); ++k)
    for (size_t i = 0; i < o[k].size(); ++i) {
      if (!std::isfinite(o[k][i]))
        throw InvalidArgument(fmt::format(
            "point {} has the non-finite value {} in objective {}; a reference point needs "
            "finite values",
            k, points[k][i], i));
      worst[i] = std::max(worst[i], o[k][i]);
    }
  Point ref(worst.size());
  for (size_t i = 0; i < ref.size(); ++i)
    ref[i] = worst[i] == 0 ? 1e-12 : std::max(1.1 * worst[i], 0.9 * worst[i]);
  return oriented(ref, directions);  // negation is its own inverse
}

}  // namespace parzen::multi_objective
