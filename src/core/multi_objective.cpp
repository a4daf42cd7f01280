#include "parzen/multi_objective.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "parzen/error.hpp"

namespace parzen::multi_objective {

namespace {

using Points = std::vector<std::vector<double>>;

void check_size(const std::vector<double>& values, const std::vector<Direction>& directions,
                const char* what) {
  if (values.size() != directions.size())
    throw InvalidArgument(fmt::format("{} has {} value(s) but there are {} direction(s)", what,
                                      values.size(), directions.size()));
}

// Both already oriented for minimisation.
bool dominates_min(const std::vector<double>& a, const std::vector<double>& b) {
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
  for (const auto& p : points) out.push_back(oriented(p, directions));
  return out;
}

double total_violation(const FrozenTrial& t) {
  double sum = 0;
  for (double c : t.constraints) sum += std::max(c, 0.0);
  return sum;
}

// Points sorted by the first objective, all strictly below the reference.
double hypervolume_2d(Points points, const std::vector<double>& ref) {
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

double wfg(Points points, const std::vector<double>& ref);

double box(const std::vector<double>& p, const std::vector<double>& ref) {
  double v = 1;
  for (size_t i = 0; i < p.size(); ++i) v *= ref[i] - p[i];
  return v;
}

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
double wfg(Points points, const std::vector<double>& ref) {
  if (points.empty()) return 0;
  if (ref.size() == 2) return hypervolume_2d(std::move(points), ref);
  // Sorting by the last objective, worst first, keeps the limited sets small.
  std::sort(points.begin(), points.end(),
            [](const auto& a, const auto& b) { return a.back() > b.back(); });
  double volume = 0;
  for (size_t k = 0; k < points.size(); ++k) {
    Points limited;
    limited.reserve(points.size() - k - 1);
    for (size_t j = k + 1; j < points.size(); ++j) {
      std::vector<double> q(ref.size());
      for (size_t i = 0; i < q.size(); ++i) q[i] = std::max(points[k][i], points[j][i]);
      limited.push_back(std::move(q));
    }
    volume += box(points[k], ref) - wfg(non_dominated(limited), ref);
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

bool constrained_dominates(const FrozenTrial& a, const FrozenTrial& b,
                           const std::vector<Direction>& directions) {
  const bool a_ok = a.feasible();
  const bool b_ok = b.feasible();
  if (a_ok != b_ok) return a_ok;
  if (!a_ok) return total_violation(a) < total_violation(b);
  return dominates(a.values, b.values, directions);
}

std::vector<size_t> pareto_front(const Points& points, const std::vector<Direction>& directions) {
  const Points o = oriented_all(points, directions);
  std::vector<size_t> front;
  for (size_t i = 0; i < o.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < o.size() && !dominated; ++j) dominated = dominates_min(o[j], o[i]);
    if (!dominated) front.push_back(i);
  }
  return front;
}

std::vector<size_t> non_dominated_ranks(const Points& points,
                                        const std::vector<Direction>& directions) {
  const Points o = oriented_all(points, directions);
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

double hypervolume(const Points& points, const std::vector<double>& reference,
                   const std::vector<Direction>& directions) {
  if (directions.empty()) throw InvalidArgument("hypervolume needs at least one direction");
  const std::vector<double> ref = oriented(reference, directions);
  Points inside;
  for (auto& p : oriented_all(points, directions)) {
    bool beats = true;
    for (size_t i = 0; i < p.size() && beats; ++i) beats = p[i] < ref[i];
    if (beats) inside.push_back(std::move(p));
  }
  if (inside.empty()) return 0;
  if (ref.size() == 1) {
    double best = inside[0][0];
    for (const auto& p : inside) best = std::min(best, p[0]);
    return ref[0] - best;
  }
  return wfg(non_dominated(inside), ref);
}

}  // namespace parzen::multi_objective
