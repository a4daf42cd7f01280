#pragma once
// std::mt19937_64's exact sequence, with the state twisted one word at a time as the words are
// drawn instead of all 312 at the first draw. The samplers seed one engine per (trial, parameter)
// and draw a few dozen numbers from it: std's engine would compute 312 words for them. Tested
// equal to std::mt19937_64 (tests/samplers/tpe_trajectory_test.cpp).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace parzen::math {

class Mt19937_64 {
 public:
  using result_type = uint64_t;
  static constexpr size_t kN = 312, kM = 156;

  explicit Mt19937_64(uint64_t seed) {
    x_[0] = seed;
    for (size_t i = 1; i < kN; ++i)
      x_[i] = 6364136223846793005ULL * (x_[i - 1] ^ (x_[i - 1] >> 62)) + i;
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<uint64_t>::max(); }

  result_type operator()() {
    if (p_ == kN) p_ = 0;
    // std's _M_gen_rand, for word p_ only: the words before p_ are this round's, those after
    // it the previous round's, exactly as in its loop.
    constexpr uint64_t kUpper = ~uint64_t{0} << 31, kLower = ~kUpper;
    constexpr uint64_t kA = 0xb5026f5aa96619e9ULL;
    const size_t k = p_;
    const uint64_t y = (x_[k] & kUpper) | (x_[k + 1 < kN ? k + 1 : 0] & kLower);
    const uint64_t other = x_[k < kN - kM ? k + kM : k + kM - kN];
    x_[k] = other ^ (y >> 1) ^ ((y & 1) ? kA : 0);
    uint64_t z = x_[p_++];
    z ^= (z >> 29) & 0x5555555555555555ULL;
    z ^= (z << 17) & 0x71d67fffeda60000ULL;
    z ^= (z << 37) & 0xfff7eee000000000ULL;
    z ^= z >> 43;
    return z;
  }

 private:
  uint64_t x_[kN];
  size_t p_ = kN;
};

// std::uniform_real_distribution<double>(a, b)(rng) for a 64-bit engine, bit for bit (libstdc++:
// generate_canonical<double, 53> takes one draw, x / 2^64, kept below 1), without its two long
// double logarithms per call.
template <class Engine>
inline double uniform(Engine& rng, double a, double b) {
  static_assert(Engine::min() == 0 && Engine::max() == std::numeric_limits<uint64_t>::max());
  double u = static_cast<double>(rng()) / 18446744073709551616.0;  // 2^64
  if (u >= 1.0) u = std::nextafter(1.0, 0.0);
  return (u * (b - a)) + a;
}

}  // namespace parzen::math
