// c-TPE's splits and its gamma-relative density ratio (see constrained_split.hpp).

#include "samplers/tpe/constrained_split.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace parzen::tpe {

namespace {

bool satisfied(double c) { return c <= 0; }  // false for NaN

void finish(CtpeSplit& split) {
  const size_t n = split.n_good + split.n_bad;
  split.gamma = n == 0 ? 1.0 : static_cast<double>(split.n_good) / static_cast<double>(n);
}

}  // namespace

std::vector<CtpeSplit> ctpe_splits(const std::vector<uint32_t>& ranked,
                                   const std::vector<std::vector<double>>& constraints,
                                   size_t n_constraints, size_t n_below_feasible) {
  const size_t n = constraints.size();
  std::vector<CtpeSplit> splits(1 + n_constraints);

  // The objective: good up to and including the n_below_feasible-th feasible observation.
  auto feasible = [&](uint32_t j) {
    return !constraints[j].empty() &&
           std::all_of(constraints[j].begin(), constraints[j].end(), satisfied);
  };
  size_t n_feasible = 0;
  for (size_t j = 0; j < n; ++j) n_feasible += feasible(static_cast<uint32_t>(j));
  CtpeSplit& objective = splits[0];
  objective.side.assign(n, 0);
  if (n_feasible < n_below_feasible) {
    // Too few feasible: the n_below_feasible best by loss, feasible or not. (The paper and its
    // authors' code make every observation good here, which removes the objective's term until
    // gamma(n) trials are feasible; see TpeConstraintsMethod::CTpe for why not.)
    for (size_t i = 0; i < n_below_feasible && i < ranked.size(); ++i)
      objective.side[ranked[i]] = 1;
  } else {
    for (size_t i = 0, taken = 0; i < ranked.size() && taken < n_below_feasible; ++i) {
      objective.side[ranked[i]] = 1;
      taken += feasible(ranked[i]);
    }
  }
  objective.n_good =
      static_cast<size_t>(std::count(objective.side.begin(), objective.side.end(), 1));
  objective.n_bad = n - objective.n_good;
  finish(objective);

  // Constraint i: satisfied or not, among the observations that report it.
  for (size_t i = 0; i < n_constraints; ++i) {
    CtpeSplit& split = splits[1 + i];
    split.side.assign(n, -1);
    for (size_t j = 0; j < n; ++j) {
      if (constraints[j].size() <= i) continue;
      const bool good = satisfied(constraints[j][i]);
      split.side[j] = good ? 1 : 0;
      ++(good ? split.n_good : split.n_bad);
    }
    finish(split);
  }
  return splits;
}

double ctpe_log_ratio(double log_l, double log_g, double gamma) {
  if (gamma >= 1) return 0;
  if (gamma <= 0) return log_l - log_g;
  // log(gamma l + (1 - gamma) g) by log-sum-exp.
  const double a = std::log(gamma) + log_l, b = std::log1p(-gamma) + log_g;
  const double top = std::max(a, b);
  if (top == -std::numeric_limits<double>::infinity()) return 0;
  return log_l - (top + std::log1p(std::exp(std::min(a, b) - top)));
}

}  // namespace parzen::tpe
