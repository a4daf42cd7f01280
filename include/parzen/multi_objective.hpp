#pragma once
// Multi-objective building blocks: Pareto dominance (plain and constrained), the Pareto front,
// non-dominated sorting and the hypervolume indicator. Every function takes the values as stored
// (one per objective) with the study's directions, and orients them internally (a maximised
// objective is negated), so callers never flip signs themselves.
//
// Shapes: a point is a vector with one value per direction; `points` is a list of them. A size
// mismatch throws InvalidArgument naming both sizes.

#include <cstddef>
#include <vector>

#include "parzen/frozen_trial.hpp"

namespace parzen::multi_objective {

// The values with every objective turned into one to minimise (maximised ones negated).
std::vector<double> oriented(const std::vector<double>& values,
                             const std::vector<Direction>& directions);

// a dominates b: no worse in every objective and strictly better in one.
bool dominates(const std::vector<double>& a, const std::vector<double>& b,
               const std::vector<Direction>& directions);

// Deb's constrained domination (Deb et al., "A fast and elitist multiobjective genetic
// algorithm: NSGA-II", IEEE TEC 2002; Optuna's _constrained_dominates): a feasible trial
// dominates an infeasible one; of two infeasible ones, the one with the smaller total violation
// (the sum of its positive constraint values) dominates; two feasible ones compare by
// `dominates`. Trials without constraints count as feasible. Both trials must be complete.
bool constrained_dominates(const FrozenTrial& a, const FrozenTrial& b,
                           const std::vector<Direction>& directions);

// Indices (ascending) of the points no other point dominates. Duplicates are all kept.
std::vector<size_t> pareto_front(const std::vector<std::vector<double>>& points,
                                 const std::vector<Direction>& directions);

// Fast non-dominated sorting (Deb et al. 2002), O(M N^2): the rank of each point, 0 for the
// Pareto front, 1 for the front of what remains without it, and so on.
std::vector<size_t> non_dominated_ranks(const std::vector<std::vector<double>>& points,
                                        const std::vector<Direction>& directions);

// The hypervolume (Lebesgue measure) of the region the points dominate, bounded by the
// reference point (which every counted point must strictly beat in every objective; points that
// do not contribute nothing). Exact: a sweep in O(N log N) for two objectives, the WFG algorithm
// (While, Bradstreet and Barone, IEEE TEC 2012) for three or more, whose cost grows
// exponentially with the number of objectives (fine for a few objectives and hundreds of points).
double hypervolume(const std::vector<std::vector<double>>& points,
                   const std::vector<double>& reference, const std::vector<Direction>& directions);

}  // namespace parzen::multi_objective
