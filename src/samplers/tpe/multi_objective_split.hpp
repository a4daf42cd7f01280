#pragma once
// Multi-objective TPE (MOTPE; Ozaki et al., "Multiobjective tree-structured Parzen estimator for
// computationally expensive optimization problems", GECCO 2020), as Optuna 3.1's TPESampler does
// it on a multi-objective study (optuna/samplers/_tpe/sampler.py, _split_observation_pairs and
// _calculate_weights_below_for_multi_objective; optuna/_hypervolume/hssp.py, _solve_hssp):
//
//  - the "below" (good) set takes whole non-domination ranks, best first, while they fit in
//    n_below; the remaining places go to points of the next rank chosen greedily by hypervolume
//    contribution (the hypervolume subset selection problem, HSSP, solved by the greedy 1 - 1/e
//    approximation) with the reference point max(1.1 w, 0.9 w) of that rank's worst point w
//    (a zero coordinate becomes 1e-12);
//  - the below set's kernels are weighted by each point's hypervolume contribution within the
//    below set (reference point from the below set's worst point in the same way), plus 1e-12,
//    divided by the largest.
//
// Points are losses: every objective already oriented for minimisation.

#include <cstddef>
#include <vector>

namespace parzen::tpe {

using LossPoints = std::vector<std::vector<double>>;

// Optuna's reference point for a set of losses: per objective, max(1.1 w, 0.9 w) of the worst
// (largest) value w, with 0 replaced by 1e-12.
std::vector<double> nadir_reference(const LossPoints& points);

// Non-domination ranks (0: not dominated by any point). Only ranks up to the one that holds the
// n_stop-th point (counting best first) are computed; the others are left at SIZE_MAX. Equal
// points do not dominate each other and share a rank.
std::vector<size_t> non_domination_ranks(const LossPoints& points,
                                         size_t n_stop = static_cast<size_t>(-1));

// The exact hypervolume of `points` (all strictly below `reference` in every objective). The one
// place MOTPE computes a hypervolume.
double loss_hypervolume(const LossPoints& points, const std::vector<double>& reference);

// Each point's exclusive hypervolume contribution: the volume lost when it alone is removed
// (0 for a point another one weakly dominates, duplicates included).
std::vector<double> hypervolume_contributions(const LossPoints& points,
                                              const std::vector<double>& reference);

// Optuna's greedy HSSP: `subset_size` indices into `points`, in the order chosen. Each step takes
// the point of largest remaining contribution (the first on ties).
std::vector<size_t> greedy_hssp(const LossPoints& points, size_t subset_size,
                                const std::vector<double>& reference);

// The indices of the n_below points MOTPE models as good: whole ranks, then the HSSP choice from
// the first rank that does not fit. Ascending.
std::vector<size_t> select_below(const LossPoints& points, size_t n_below);

// The kernel weights of the below set's points: hypervolume contributions (+1e-12) over the
// largest, in [0, 1]; a single point gets 1, and every point 1 when the volumes overflow.
std::vector<double> below_weights(const LossPoints& points);

}  // namespace parzen::tpe
