#pragma once
// NSGA-III's reference-point machinery (Deb and Jain 2014), on values already oriented for
// minimisation: Das-Dennis structured points, normalisation, association with reference lines
// and niche-preserving selection. See include/parzen/nsga_sampler.hpp for the rules.

#include <cstdint>
#include <vector>

#include "samplers/nsga/crossover.hpp"

namespace parzen::nsga {

using Matrix = std::vector<std::vector<double>>;

// The number of Das-Dennis points, C(divisions + n_objectives - 1, n_objectives - 1), saturated
// at `cap` + 1 (so that huge counts are refused without overflow).
uint64_t das_dennis_count(size_t n_objectives, int64_t divisions, uint64_t cap);

// Every point of the unit simplex in n_objectives dimensions whose coordinates are multiples of
// 1 / divisions, in lexicographic order of their integer numerators (largest first).
Matrix das_dennis_points(size_t n_objectives, int64_t divisions);

struct Normalization {
  std::vector<double> ideal;       // per objective: the smallest value
  std::vector<double> intercepts;  // per objective, > 0: translated values are divided by them
  bool degenerate = false;         // the hyperplane fallback (largest translated values) was used
  Matrix normalized;               // (value - ideal) / intercept, per point
};

// Normalises the points (N >= 1 points, M >= 1 objectives, oriented for minimisation). Infinite
// values are replaced by the objective's finite extreme first (0 when it has none).
Normalization normalize(Matrix points);

struct Association {
  std::vector<size_t> niche;     // per point: index of the nearest reference line
  std::vector<double> distance;  // per point: its perpendicular distance to that line
};

// Each normalised point with the reference line (through the origin and the reference point)
// nearest to it; ties go to the lower index.
Association associate(const Matrix& normalized, const Matrix& reference_points);

// Niche-preserving selection of `n` of the front's points: `niche_count` holds the members of
// the elite so far per reference point; `front` the front's associations. Returns indices into
// the front, in the order picked.
std::vector<size_t> niche_select(std::vector<size_t> niche_count, const Association& front,
                                 size_t n, Rng& rng);

}  // namespace parzen::nsga
