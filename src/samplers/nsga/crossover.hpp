#pragma once
// NSGA-II's crossovers on numerical parameters in the transformed space (one row per parent, one
// column per parameter), as Optuna 3.1's optuna.samplers._nsga2.crossovers. Each returns one
// child; it may leave the bounds (the caller draws again or clips).

#include <random>
#include <utility>
#include <vector>

#include "parzen/nsga_sampler.hpp"

namespace parzen::nsga {

using Vector = std::vector<double>;
using Bounds = std::vector<std::pair<double, double>>;

// Draws a child of `parents` (parents_needed(kind) rows). `n_objectives` sets SBX's eta.
Vector crossover(NsgaCrossover kind, const std::vector<Vector>& parents, const Bounds& bounds,
                 double swapping_prob, size_t n_objectives, std::mt19937_64& rng);

}  // namespace parzen::nsga
