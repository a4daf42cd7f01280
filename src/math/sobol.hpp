#pragma once
// Scrambled Sobol points: Boost.Random's Sobol engine (Joe-Kuo direction numbers), scrambled by
// a random lower-triangular linear matrix per dimension (Matoušek's LMS) and a random digital
// shift, the scramble SciPy's qmc.Sobol uses. Scrambling keeps the net structure (each block of
// 2^k points stays balanced) and removes the sequence's alignment with the origin.

#include <array>
#include <cstdint>
#include <vector>

namespace parzen::math {

class ScrambledSobol {
 public:
  // Throws InvalidArgument when `dimension` is 0 or exceeds the direction-number table.
  ScrambledSobol(unsigned dimension, bool scramble, uint64_t seed);

  unsigned dimension() const { return dimension_; }
  // Point `index` of the sequence, each coordinate in [0, 1).
  std::vector<double> point(uint64_t index) const;

  static unsigned max_dimension();

 private:
  unsigned dimension_;
  bool scramble_;
  std::vector<std::array<uint32_t, 32>> matrix_rows_;  // per dimension, output bit -> input mask
  std::vector<uint32_t> shift_;                        // per dimension
};

}  // namespace parzen::math
