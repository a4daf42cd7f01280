#pragma once
// exp(r) for r <= 0, to about 2 ulp, without a libm call and without branches, so that loops
// summing many kernels vectorise. Results below exp(-700) are flushed towards exp(-700) ~ 1e-304,
// which is negligible in the sums it serves.

#include <algorithm>
#include <bit>
#include <cstdint>

namespace parzen::math {

inline double exp_nonpositive(double r) {
  constexpr double kLog2e = 1.4426950408889634074;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kRound = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
  r = std::max(r, -700.0);
  const double shifted = r * kLog2e + kRound;
  const double k = shifted - kRound;
  const double f = (r - k * kLn2Hi) - k * kLn2Lo;  // |f| <= ln(2) / 2
  // Taylor series of exp(f) to f^13 / 13!: the remainder is below 1e-17 relative.
  double p = 1.0 / 6227020800.0;
  p = p * f + 1.0 / 479001600.0;
  p = p * f + 1.0 / 39916800.0;
  p = p * f + 1.0 / 3628800.0;
  p = p * f + 1.0 / 362880.0;
  p = p * f + 1.0 / 40320.0;
  p = p * f + 1.0 / 5040.0;
  p = p * f + 1.0 / 720.0;
  p = p * f + 1.0 / 120.0;
  p = p * f + 1.0 / 24.0;
  p = p * f + 1.0 / 6.0;
  p = p * f + 0.5;
  p = p * f + 1.0;
  p = p * f + 1.0;
  // 2^k: `shifted` and kRound share their exponent, so their bit patterns differ by k.
  const auto ki =
      static_cast<int64_t>(std::bit_cast<uint64_t>(shifted) - std::bit_cast<uint64_t>(kRound));
  return p * std::bit_cast<double>(static_cast<uint64_t>(ki + 1023) << 52);
}

}  // namespace parzen::math
