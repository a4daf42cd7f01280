#pragma once
// Multi-objective building blocks: Pareto dominance (plain and constrained), the Pareto front,
// non-dominated sorting, crowding distance, the hypervolume indicator, hypervolume contributions
// and a default reference point. Every function takes the values as stored (one per objective)
// with the study's directions, and orients them internally (a maximised objective is negated),
// so callers never flip signs themselves.
//
// Shapes: a point is a vector with one value per direction; `points` is a list of them (N
// points, M objectives). A size mismatch throws InvalidArgument naming both sizes; so does a
// NaN in a point or in a reference point (its index is named).

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

// Whether some trial of `trials` has constraint values: the study is constrained, and its trials
// without them count as infeasible (feasible_in).
bool any_constrained(const std::vector<FrozenTrial>& trials);
// Feasibility in a study that is `constrained` (some complete trial has constraint values):
// every constraint value <= 0. A trial without constraint values counts as feasible in an
// unconstrained study and as infeasible, with an infinite violation (violation_in), in a
// constrained one, as Optuna 3.1's TPE (violation inf) and NSGA-II (dominated by every trial
// with constraint values) treat it.
bool feasible_in(const FrozenTrial& trial, bool constrained);
// total_violation, or infinity for a trial without constraint values in a constrained study.
double violation_in(const FrozenTrial& trial, bool constrained);

// Deb's constrained domination (Deb et al., "A fast and elitist multiobjective genetic
// algorithm: NSGA-II", IEEE TEC 2002; Optuna's _constrained_dominates): a feasible trial
// dominates an infeasible one; of two infeasible ones, the one with the smaller total violation
// (the sum of its positive constraint values) dominates; two feasible ones compare by
// `dominates`. A trial without constraint values is dominated by one with them (an infinite
// violation, Optuna 3.1's _constrained_dominates); two without them compare by `dominates`. Both
// trials must be complete.
bool constrained_dominates(const FrozenTrial& a, const FrozenTrial& b,
                           const std::vector<Direction>& directions);

// The total constraint violation of a trial: the sum of its positive constraint values (0 for
// a feasible or unconstrained trial).
double total_violation(const FrozenTrial& trial);

// Indices (ascending) of the points no other point dominates. Duplicates are all kept.
// O(N log N) for two objectives (a sort and a sweep), O(M N^2) otherwise.
std::vector<size_t> pareto_front(const std::vector<std::vector<double>>& points,
                                 const std::vector<Direction>& directions);

// Non-dominated sorting: the rank of each point, 0 for the Pareto front, 1 for the front of what
// remains without it, and so on. Equal points share a rank. For two objectives O(N log N) (a
// lexicographic sort, then each point's rank by binary search over the fronts' lowest second
// objective, as in Jensen's "Reducing the run-time complexity of multiobjective EAs", IEEE TEC
// 2003); otherwise Deb et al.'s fast non-dominated sort, O(M N^2) time and O(N^2) memory.
std::vector<size_t> non_dominated_ranks(const std::vector<std::vector<double>>& points,
                                        const std::vector<Direction>& directions);

// Non-dominated sorting under constrained domination (see constrained_dominates): the feasible
// trials (all of them when none has constraint values) get their non_dominated_ranks; every
// infeasible trial ranks after all of them, by its violation_in (equal violations share a rank;
// trials without constraint values among constrained ones last). This is the order
// Deb's constrained domination induces, as Optuna's NSGA-II sorts with constraints. Every trial
// must be complete with one value per direction.
std::vector<size_t> constrained_non_dominated_ranks(const std::vector<const FrozenTrial*>& trials,
                                                    const std::vector<Direction>& directions);

// Crowding distance of each point within its set (Deb et al. 2002): for every objective, the
// points sorted by it, the two extremes get +infinity and each other point adds the gap between
// its two neighbours divided by the objective's range (objectives with zero range add nothing).
// Larger means lonelier. Non-finite values count as their objective's extremes. O(M N log N).
// With fewer than three points every distance is +infinity.
std::vector<double> crowding_distance(const std::vector<std::vector<double>>& points,
                                      const std::vector<Direction>& directions);

// The hypervolume (Lebesgue measure) of the region the points dominate, bounded by the
// reference point. Only points strictly better than the reference in every objective count;
// the others (on or beyond it in any objective) contribute nothing. Exact:
//  - 1 objective: the distance of the best point to the reference;
//  - 2 objectives: a sweep, O(N log N);
//  - 3 objectives: the dimension sweep of Beume, Fonseca, López-Ibáñez, Paquete and Vahrenhold
//    ("On the complexity of computing the hypervolume indicator", IEEE TEC 2009) with a balanced
//    tree (std::map) holding the 2-D front, O(N log N);
//  - 4 objectives: slicing along the fourth objective, each slice by the 3-D sweep, O(N^2 log N);
//  - 5 or more: the WFG algorithm (While, Bradstreet and Barone, IEEE TEC 2012), whose cost
//    grows exponentially with the number of objectives (fine for a few hundred points).
// Throws InvalidArgument for a size mismatch, no direction, a NaN anywhere, or a reference point
// that is not finite.
double hypervolume(const std::vector<std::vector<double>>& points,
                   const std::vector<double>& reference, const std::vector<Direction>& directions);

// The exclusive hypervolume contribution of each point: hypervolume(all) minus hypervolume(all
// but that point). Dominated points, points not strictly better than the reference and every
// copy of a duplicated point contribute 0. For two objectives O(N log N) (each front point's
// rectangle between its neighbours); otherwise each point's box less the hypervolume of the
// others limited to that box (as Optuna's _compute_exclusive_hv), which is O(N^2 log N) for
// three objectives. Same errors as hypervolume().
std::vector<double> hypervolume_contributions(const std::vector<std::vector<double>>& points,
                                              const std::vector<double>& reference,
                                              const std::vector<Direction>& directions);

// A reference point for callers that have none (Optuna's rule in its MOTPE,
// _get_reference_point): per objective, oriented for minimisation, the worst (nadir) value w of
// the points becomes max(1.1 w, 0.9 w), i.e. 10 % beyond the worst in the objective's own
// scale, and 1e-12 where w is 0; returned in the objectives' own directions. So every point
// with a finite value lies strictly inside it. Throws InvalidArgument for no point, a size
// mismatch or a non-finite value (name the point's index).
std::vector<double> default_reference_point(const std::vector<std::vector<double>>& points,
                                            const std::vector<Direction>& directions);

}  // namespace parzen::multi_objective
