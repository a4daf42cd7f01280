#include "math/sobol.hpp"

#include <bit>
#include <random>

#include <fmt/format.h>
#include <boost/random/sobol.hpp>

#include "parzen/error.hpp"

namespace parzen::math {

using Engine = boost::random::sobol_engine<uint32_t, 32, boost::random::default_sobol_table>;

unsigned ScrambledSobol::max_dimension() {
  return boost::random::default_sobol_table::max_dimension;
}

ScrambledSobol::ScrambledSobol(unsigned dimension, bool scramble, uint64_t seed)
    : dimension_(dimension), scramble_(scramble) {
  if (dimension == 0 || dimension > max_dimension())
    throw InvalidArgument(fmt::format("a Sobol sequence supports 1 to {} dimensions, not {}",
                                      max_dimension(), dimension));
  if (!scramble) return;
  std::mt19937_64 rng(seed);
  matrix_rows_.resize(dimension);
  shift_.resize(dimension);
  for (unsigned d = 0; d < dimension; ++d) {
    // Output digit i (weight 2^-(i+1), stored at bit 31 - i) mixes input digits 0..i, itself
    // always: a random unit lower-triangular matrix, so the map is invertible.
    for (int i = 0; i < 32; ++i) {
      uint32_t row = uint32_t{1} << (31 - i);
      for (int j = 0; j < i; ++j)
        if (rng() & 1) row |= uint32_t{1} << (31 - j);
      matrix_rows_[d][static_cast<size_t>(i)] = row;
    }
    shift_[d] = static_cast<uint32_t>(rng());
  }
}

std::vector<double> ScrambledSobol::point(uint64_t index) const {
  // Boost's engine leaves out the origin: its element k is the sequence's point k + 1.
  Engine engine(dimension_);
  if (index > 0) engine.seed(index - 1);
  std::vector<double> out(dimension_);
  for (unsigned d = 0; d < dimension_; ++d) {
    uint32_t x = index > 0 ? engine() : 0;
    if (scramble_) {
      uint32_t y = 0;
      for (int i = 0; i < 32; ++i)
        y |= static_cast<uint32_t>(std::popcount(x & matrix_rows_[d][static_cast<size_t>(i)]) & 1)
             << (31 - i);
      x = y ^ shift_[d];
    }
    out[d] = static_cast<double>(x) * 0x1p-32;
  }
  return out;
}

}  // namespace parzen::math
