#pragma once
// Per-trial seeds. A seeded sampler draws each trial's randomness from an engine seeded with a
// strong mix of (sampler seed, study name, trial number, stream), never from one engine advanced
// ask after ask: then the draws of a trial do not depend on how many asks this process made
// (a resumed study, or one run by many workers, gets the sequence one process would), two
// studies with one seed draw differently, and seeds s and s + 1 are unrelated streams (not the
// same stream shifted by a trial, as re-seeding with seed + trials so far made them).

#include <cstdint>
#include <random>
#include <string_view>

namespace parzen::math {

// A fresh seed for an unseeded sampler or a generated name: 32 bits from a per-thread
// mt19937_64 seeded once from std::random_device. Constructing a std::random_device runs CPUID,
// which a virtual machine traps: about 15 us, more than creating a study, so never one per call.
inline uint32_t entropy_seed() {
  thread_local std::mt19937_64 draw{(uint64_t{std::random_device{}()} << 32) ^
                                    std::random_device{}()};
  return static_cast<uint32_t>(draw() >> 32);
}

// SplitMix64's finaliser (Steele, Lea and Flood, OOPSLA 2014): a bijection of 64-bit words whose
// every output bit depends on every input bit.
constexpr uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// FNV-1a over the bytes, finalised by splitmix64.
constexpr uint64_t hash_text(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return splitmix64(h);
}

// Combines a running hash with one more word.
constexpr uint64_t mix(uint64_t h, uint64_t word) { return splitmix64(h ^ splitmix64(word)); }

// Whether `name` is one Study::create generates for an unnamed study
// ("study-YYYYMMDD-HHMMSS-xxxxxx", src/core/study.cpp): such a name differs from run to run, so
// it must not enter the seed, or a seeded unnamed study would not repeat itself.
constexpr bool is_generated_study_name(std::string_view name) {
  constexpr std::string_view pattern = "study-DDDDDDDD-DDDDDD-XXXXXX";
  if (name.size() != pattern.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i], p = pattern[i];
    const bool ok = p == 'D'   ? c >= '0' && c <= '9'
                    : p == 'X' ? (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
                               : c == p;
    if (!ok) return false;
  }
  return true;
}

// The seed of a study's draws that do not depend on the trial (a scramble, a grid's order).
constexpr uint64_t study_seed(uint64_t seed, std::string_view study) {
  return mix(splitmix64(seed), hash_text(is_generated_study_name(study) ? "" : study));
}

// The seed of one trial's draws from one stream (a parameter's name, "relative", ...).
constexpr uint64_t trial_seed(uint64_t seed, std::string_view study, int64_t trial,
                              std::string_view stream = {}) {
  return mix(mix(study_seed(seed, study), static_cast<uint64_t>(trial)), hash_text(stream));
}

}  // namespace parzen::math
