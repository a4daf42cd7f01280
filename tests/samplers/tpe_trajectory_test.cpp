// TPE's seeded trajectories do not change when its implementation is made faster: the exact
// parameters of seeded studies (every bit of every value) are compared with a digest recorded
// before the speed-ups (commit fadc227; the same values as main at 6c24ad1). A change that
// alters any draw, kernel or score (even by one ulp that flips a candidate choice) fails here;
// a deliberate change of the sampler's behaviour records new digests (the test prints them).

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "math/mersenne_twister.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

// FNV-1a over the bytes of every trial's parameters (name, kind, exact value) and values.
uint64_t digest(const std::vector<FrozenTrial>& trials) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto add = [&](const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  };
  for (const auto& t : trials) {
    add(&t.number, sizeof t.number);
    for (const auto& [name, v] : t.params) {
      add(name.data(), name.size());
      const auto kind = static_cast<uint8_t>(v.index());
      add(&kind, 1);
      if (const auto* d = std::get_if<double>(&v)) add(d, sizeof *d);
      if (const auto* i = std::get_if<int64_t>(&v)) add(i, sizeof *i);
      if (const auto* s = std::get_if<std::string>(&v)) add(s->data(), s->size());
      if (const auto* b = std::get_if<bool>(&v)) add(b, sizeof *b);
    }
    for (double v : t.values) add(&v, sizeof v);
  }
  return h;
}

std::vector<FrozenTrial> run(TpeSamplerOptions options, int n_trials) {
  auto study = Study::create(
      {.sampler = TpeSampler::make(std::move(options)), .log_level = LogLevel::Silent});
  study.optimize(
      [](Trial& t) {
        const double x = t.suggest_float("x", -5, 5);
        const double lr = t.suggest_float("lr", 1e-5, 1e-1, {.log = true});
        const int64_t depth = t.suggest_int("depth", 1, 12);
        const int64_t width = t.suggest_int("width", 8, 512, {.log = true});
        const double q = t.suggest_float("q", 0, 1, {.step = 0.125});
        const int64_t k = t.suggest_int("k", 0, 30, {.step = 3});
        const auto kernel = t.suggest_categorical("kernel", {"linear", "rbf", "poly"});
        return (x - 1.3) * (x - 1.3) + std::abs(std::log10(lr) + 3) +
               0.1 * static_cast<double>((depth - 7) * (depth - 7)) +
               std::abs(std::log2(static_cast<double>(width)) - 6) + (q - 0.4) * (q - 0.4) +
               0.01 * static_cast<double>(k) + (kernel == "rbf" ? 0.0 : 0.5);
      },
      {.n_trials = n_trials});
  return study.trials();
}

}  // namespace

TEST(TpeTrajectory, SeededStudiesDrawExactlyTheRecordedParameters) {
  struct Case {
    const char* what;
    TpeSamplerOptions options;
    int n_trials;
    uint64_t expected;
  };
  const std::vector<Case> cases = {
      {"univariate", {.seed = 11}, 60, 0x2c5095a0c408f4dfULL},
      {"multivariate", {.seed = 12, .multivariate = true}, 60, 0x6fed3dc2da574fafULL},
      {"constant liar, 5 startup",
       {.seed = 13, .n_startup_trials = 5, .constant_liar = true},
       40,
       0x66d50b94b155abceULL},
      {"textbook mixture, endpoints",
       {.seed = 14, .consider_endpoints = true, .weight_by_bandwidth = false},
       40,
       0xb7626778cea6448eULL},
  };
  for (const auto& c : cases) {
    const uint64_t got = digest(run(c.options, c.n_trials));
    EXPECT_EQ(got, c.expected) << c.what << ": digest 0x" << std::hex << got;
  }
}

TEST(TpeTrajectory, LazyMersenneTwisterIsStdMt19937_64) {
  // math::Mt19937_64 (the engine the samplers draw from) gives std::mt19937_64's sequence.
  for (uint64_t seed : {uint64_t{0}, uint64_t{5489}, uint64_t{0xdeadbeefcafef00dULL}}) {
    std::mt19937_64 reference(seed);
    math::Mt19937_64 lazy(seed);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(lazy(), reference()) << "seed " << seed << " i " << i;
    for (int i = 0; i < 5; ++i) {
      std::mt19937_64 a(seed + static_cast<uint64_t>(i));
      math::Mt19937_64 b(seed + static_cast<uint64_t>(i));
      for (int j = 0; j < 40; ++j) {
        const double lo = -3.5 + j, hi = 2.0 + 3 * j;
        ASSERT_EQ(std::bit_cast<uint64_t>(math::uniform(b, lo, hi)),
                  std::bit_cast<uint64_t>(std::uniform_real_distribution<double>(lo, hi)(a)));
      }
    }
  }
}
