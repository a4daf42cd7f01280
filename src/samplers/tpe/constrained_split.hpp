#pragma once
// c-TPE's good/bad splits (Watanabe and Hutter, IJCAI 2023, arXiv 2211.14411): one for the
// objective and one per constraint, each with its own gamma, and the gamma-relative density
// ratio that scores a candidate under each. See TpeConstraintsMethod::CTpe.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace parzen::tpe {

// One split of the observations.
struct CtpeSplit {
  // Per observation: 1 good (models l), 0 bad (models g), -1 not in this split (a trial without
  // a value for this constraint).
  std::vector<int8_t> side;
  size_t n_good = 0, n_bad = 0;
  // The good share n_good / (n_good + n_bad); 1 when the split is empty.
  double gamma = 1;
};

// The splits of n observations: [0] the objective's, then one per constraint index below
// n_constraints. `ranked`: observation indices best loss first; `constraints[j]`: observation
// j's constraint values (empty: none reported; feasible for constraint i when the value is
// <= 0; NaN counts as infeasible); `n_below_feasible`: gamma(n), the number of feasible trials
// the objective's good set must hold. The objective's good set is the shortest prefix of
// `ranked` with n_below_feasible feasible observations (feasible: every constraint value
// reported and <= 0); every observation when fewer are feasible (or n_below_feasible = n);
// none when n_below_feasible = 0.
std::vector<CtpeSplit> ctpe_splits(const std::vector<uint32_t>& ranked,
                                   const std::vector<std::vector<double>>& constraints,
                                   size_t n_constraints, size_t n_below_feasible);

// log r(x) for r = l / (gamma l + (1 - gamma) g), from log l(x) and log g(x): 0 for gamma = 1,
// log l - log g for gamma = 0; finite whenever log l and log g are.
double ctpe_log_ratio(double log_l, double log_g, double gamma);

}  // namespace parzen::tpe
