#pragma once
// NSGA-II's crossovers on numerical parameters in the transformed space (one row per parent, one
// column per parameter), as Optuna 3.1's optuna.samplers._nsga2.crossovers. Each returns one
// child; it may leave the bounds (the caller draws again or clips).

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "parzen/nsga_sampler.hpp"

namespace parzen::nsga {

// A small, fast engine for the per-trial draws (SplitMix64, Steele, Lea and Flood 2014):
// seeding it costs nothing, where a std::mt19937_64 fills 312 words per trial.
class Rng {
 public:
  using result_type = uint64_t;
  explicit Rng(uint64_t seed) : state_(seed) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) from the top 53 bits.
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

using Vector = std::vector<double>;
using Bounds = std::vector<std::pair<double, double>>;

// Draws a child of `parents` (parents_needed(kind) rows). `n_objectives` sets SBX's eta.
Vector crossover(NsgaCrossover kind, const std::vector<Vector>& parents, const Bounds& bounds,
                 double swapping_prob, size_t n_objectives, Rng& rng);

}  // namespace parzen::nsga
