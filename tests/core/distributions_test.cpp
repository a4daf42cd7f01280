#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <string>

#include <fmt/format.h>

#include "parzen/distributions.hpp"
#include "parzen/error.hpp"

using namespace parzen;

namespace {

// The message of the InvalidArgument that validate() throws, or "" when it does not.
std::string validation_error(const Distribution& d, const std::string& name = "lr") {
  try {
    validate(d, name);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Distributions, ValidOnesPass) {
  EXPECT_EQ(validation_error(FloatDistribution{0, 1}), "");
  EXPECT_EQ(validation_error(FloatDistribution{1e-5, 1, true}), "");
  EXPECT_EQ(validation_error(FloatDistribution{0, 1, false, 0.25}), "");
  EXPECT_EQ(validation_error(FloatDistribution{0, 1, false, 0.1}),
            "");  // 10 steps, not exact in binary
  EXPECT_EQ(validation_error(FloatDistribution{2, 2}), "");
  EXPECT_EQ(validation_error(FloatDistribution{-8e307, 8e307}), "");  // width 1.6e308 is finite
  EXPECT_EQ(validation_error(FloatDistribution{1e-300, 1e308, true}), "");
  EXPECT_EQ(validation_error(FloatDistribution{-std::numeric_limits<double>::max(), 0.0}), "");
  EXPECT_EQ(validation_error(IntDistribution{1, 1024, true}), "");
  EXPECT_EQ(validation_error(IntDistribution{0, 10, false, 2}), "");
  EXPECT_EQ(validation_error(CategoricalDistribution{{std::string("a"), int64_t{1}, 2.5, true}}),
            "");
}

TEST(Distributions, InvalidOnesNameTheParameterAndTheProblem) {
  auto expect = [](const Distribution& d, const std::string& fragment) {
    const std::string msg = validation_error(d);
    EXPECT_NE(msg.find("parameter 'lr'"), std::string::npos) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
  };
  expect(FloatDistribution{1, 0}, "low (1) must not be greater than high (0)");
  expect(FloatDistribution{0, 1, true}, "log distribution needs low > 0");
  expect(FloatDistribution{-1, 1, true}, "low = -1");
  expect(FloatDistribution{0.1, 1, true, 0.1}, "log and step cannot be combined");
  expect(FloatDistribution{0, 1, false, 0.3}, "not a multiple of step 0.3; use high = 0.9 or 1.2");
  expect(FloatDistribution{0, 1, false, 0.0}, "step must be positive");
  expect(FloatDistribution{0, std::numeric_limits<double>::infinity()}, "must be finite");
  expect(FloatDistribution{std::nan(""), 1}, "must be finite");
  // Finite bounds whose width overflows: every sampler would return high.
  expect(FloatDistribution{-1e308, 1e308}, "[-1e+308, 1e+308] is too wide");
  expect(IntDistribution{5, 1}, "low (5) must not be greater than high (1)");
  expect(IntDistribution{0, 10, true}, "needs low >= 1");
  expect(IntDistribution{1, 10, true, 3}, "needs step 1");
  expect(IntDistribution{0, 10, false, 3}, "not a multiple of step 3; use high = 9 or 12");
  expect(IntDistribution{0, 10, false, 0}, "step must be positive");
  // A width over 2^63 - 1 would overflow the samplers' int64 arithmetic (every draw was low).
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  expect(IntDistribution{kMin, kMax}, "is too wide: high - low overflows a 64-bit integer");
  expect(IntDistribution{kMin, 0}, "is too wide");
  EXPECT_EQ(validation_error(IntDistribution{kMin + 1, 0}), "");
  EXPECT_EQ(validation_error(IntDistribution{0, kMax}), "");
  expect(CategoricalDistribution{}, "needs choices");
  expect(CategoricalDistribution{{std::string("a"), std::string("a")}}, "choice a is given twice");
  expect(CategoricalDistribution{{int64_t{1}, 1.0}}, "given twice");
}

TEST(Distributions, ContainsRespectsBoundsAndSteps) {
  const Distribution f = FloatDistribution{0, 1, false, 0.25};
  EXPECT_TRUE(contains(f, 0.75));
  EXPECT_FALSE(contains(f, 0.7));
  EXPECT_FALSE(contains(f, 1.25));
  const Distribution i = IntDistribution{1, 9, false, 2};
  EXPECT_TRUE(contains(i, 5));
  EXPECT_FALSE(contains(i, 4));
  EXPECT_FALSE(contains(i, 5.5));
  EXPECT_FALSE(contains(i, 11));
  const Distribution c = CategoricalDistribution{{std::string("x"), std::string("y")}};
  EXPECT_TRUE(contains(c, 1));
  EXPECT_FALSE(contains(c, 2));
  EXPECT_FALSE(contains(c, std::nan("")));
}

TEST(Distributions, InternalExternalRoundTrip) {
  const Distribution c = CategoricalDistribution{{std::string("linear"), int64_t{3}, 0.5, false}};
  for (double idx = 0; idx < 4; ++idx) EXPECT_EQ(to_internal(c, to_external(c, idx)), idx);
  EXPECT_EQ(to_internal(c, 3.0), 1.0);  // 3.0 names the choice 3
  EXPECT_THROW(to_internal(c, std::string("rbf"), "kernel"), InvalidArgument);

  const Distribution f = FloatDistribution{0, 1, false, 0.1};
  EXPECT_DOUBLE_EQ(std::get<double>(to_external(f, 0.30000000000000004)), 0.3);
  EXPECT_THROW(to_internal(f, 0.35, "x"), InvalidArgument);
  EXPECT_THROW(to_internal(f, std::string("a"), "x"), InvalidArgument);

  const Distribution i = IntDistribution{0, 10};
  EXPECT_EQ(std::get<int64_t>(to_external(i, 7.0)), 7);
  EXPECT_EQ(to_internal(i, 7.0), 7.0);
  try {
    to_internal(i, int64_t{11}, "layers");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "parameter 'layers': value 11 is not in int in [0, 10]");
  }
}

TEST(Distributions, JsonRoundTrip) {
  const std::vector<Distribution> all = {
      FloatDistribution{1e-4, 1, true},
      FloatDistribution{0, 2, false, 0.5},
      IntDistribution{2, 64, false, 2},
      IntDistribution{1, 100, true},
      CategoricalDistribution{{std::string("a"), int64_t{1}, 2.5, true}},
  };
  for (const auto& d : all) EXPECT_EQ(distribution_from_json(to_json(d)), d) << to_json(d).dump();
  EXPECT_THROW(distribution_from_json({{"type", "gaussian"}}), InvalidArgument);
  EXPECT_THROW(distribution_from_json({{"type", "float"}}), InvalidArgument);
}

TEST(Distributions, SingleValue) {
  EXPECT_TRUE(is_single(FloatDistribution{1, 1}));
  EXPECT_TRUE(is_single(IntDistribution{3, 3}));
  EXPECT_TRUE(is_single(CategoricalDistribution{{std::string("only")}}));
  EXPECT_FALSE(is_single(IntDistribution{3, 4}));
}

TEST(Distributions, Describe) {
  EXPECT_EQ(describe(FloatDistribution{0.001, 1, true}), "float in [0.001, 1] (log)");
  EXPECT_EQ(describe(IntDistribution{0, 10, false, 2}), "int in [0, 10] step 2");
  EXPECT_EQ(describe(CategoricalDistribution{{std::string("a"), true}}), "one of {a, true}");
}

// Issue 13 B3: a stepped value is the shortest decimal on its grid, bit for bit.
TEST(SteppedValues, GridPointsAreTheDecimalsTheyStandFor) {
  const FloatDistribution tenths{0, 1, false, 0.1};
  for (int k = 0; k <= 10; ++k) {
    const double expected = std::stod(fmt::format("{}.{}", k / 10, k % 10));
    EXPECT_EQ(grid_value(tenths, k), expected) << k;  // 3 -> 0.3, not 0.30000000000000004
    EXPECT_EQ(fmt::format("{}", grid_value(tenths, k)), fmt::format("{}", expected));
  }
  EXPECT_EQ(grid_value(FloatDistribution{-1, 1, false, 0.2}, 7), 0.4);
  EXPECT_EQ(grid_value(FloatDistribution{0.05, 0.95, false, 0.15}, 3), 0.5);
  EXPECT_EQ(grid_value(FloatDistribution{1e-4, 1e-3, false, 1e-4}, 2), 3e-4);
  EXPECT_EQ(grid_value(FloatDistribution{100, 200, false, 12.5}, 3), 137.5);
  // The ends are the bounds as given, and values past them clamp.
  const FloatDistribution odd{0, 0.30000000000000004, false, 0.1};
  EXPECT_EQ(grid_value(odd, 3), 0.30000000000000004);
  EXPECT_EQ(grid_value(tenths, -2), 0.0);
  EXPECT_EQ(grid_value(tenths, 99), 1.0);
  EXPECT_EQ(decimal_grid_point(0, 0.1, 3), 0.3);
  EXPECT_EQ(decimal_grid_point(0, 0.05, 7), 0.35);
}

TEST(SteppedValues, NearestAdmissibleLandsOnTheGridAndOnExactBounds) {
  const FloatDistribution tenths{0, 1, false, 0.1};
  EXPECT_EQ(nearest_admissible(tenths, 0.1 * 3), 0.3);
  EXPECT_EQ(nearest_admissible(tenths, 0.6000000000000001), 0.6);
  EXPECT_EQ(nearest_admissible(tenths, 0.64), 0.6);
  EXPECT_EQ(nearest_admissible(tenths, 7.0), 1.0);
  // exp(log(bound)) comes back an ulp or two off the bound: it lands on the bound itself.
  const FloatDistribution c{0.01, 1000, true};
  EXPECT_EQ(nearest_admissible(c, std::exp(std::log(0.01))), 0.01);
  EXPECT_EQ(nearest_admissible(c, 0.010000000000000004), 0.01);
  EXPECT_EQ(nearest_admissible(c, std::exp(std::log(1000.0))), 1000.0);
  EXPECT_EQ(nearest_admissible(c, 999.9999999999998), 1000.0);
  EXPECT_EQ(nearest_admissible(c, 0.0105), 0.0105);
  EXPECT_EQ(nearest_admissible(IntDistribution{0, 10, false, 2}, 4.9), 4.0);
  EXPECT_EQ(nearest_admissible(IntDistribution{0, 10, false, 2}, 11.0), 10.0);
  EXPECT_EQ(nearest_admissible(CategoricalDistribution{{int64_t{1}, int64_t{2}}}, 1.4), 1.0);
}

TEST(SteppedValues, GivenValuesComeBackBitIdentical) {
  const FloatDistribution tenths{0, 1, false, 0.1};
  for (double given : {0.3, 0.6, 0.30000000000000004, 0.7000000000000001, 1.0}) {
    const double internal = to_internal(tenths, given, "x");
    EXPECT_EQ(internal, given);
    EXPECT_EQ(std::get<double>(to_external(tenths, internal)), given);
  }
  // An internal value off the grid (never written by Parzen) is moved onto the decimal grid.
  EXPECT_EQ(std::get<double>(to_external(tenths, 0.31)), 0.3);
}

// A null choice (Python's None, JSON null) is a categorical choice like any other.
TEST(Distributions, NullIsACategoricalChoice) {
  const CategoricalDistribution d{{nullptr, std::string("a"), int64_t{1}}};
  EXPECT_NO_THROW(validate(d, "c"));
  EXPECT_EQ(to_internal(d, ParamValue(nullptr), "c"), 0.0);
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(to_external(d, 0.0)));
  EXPECT_EQ(to_external(d, 1.0), ParamValue(std::string("a")));
  EXPECT_EQ(distribution_from_json(to_json(Distribution(d))), Distribution(d));
  EXPECT_TRUE(to_json(ParamValue(nullptr)).is_null());
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(param_value_from_json(nullptr)));
  EXPECT_EQ(to_string(ParamValue(nullptr)), "null");
  EXPECT_THROW(validate(CategoricalDistribution{{nullptr, nullptr}}, "c"), InvalidArgument);
  EXPECT_THROW(to_internal(FloatDistribution{0, 1}, ParamValue(nullptr), "x"), InvalidArgument);
}

// Issue 20 finding 6: the duplicate check of a categorical is sort-based, and it finds exactly
// what the pairwise rule (same_choice: 1 == 1.0, bool apart, int64s exact) finds, reporting the
// first choice that repeats an earlier one.
TEST(Distributions, DuplicateChoicesMatchThePairwiseRule) {
  auto same = [](const ParamValue& a, const ParamValue& b) {
    if (a.index() == b.index()) return a == b;
    auto num = [](const ParamValue& v) -> std::optional<double> {
      if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
      if (const auto* d = std::get_if<double>(&v)) return *d;
      return std::nullopt;
    };
    const auto x = num(a), y = num(b);
    return x && y && *x == *y;
  };
  constexpr int64_t k53 = int64_t{1} << 53;
  const std::vector<ParamValue> pool = {true,
                                        false,
                                        int64_t{0},
                                        0.0,
                                        -0.0,
                                        int64_t{1},
                                        1.0,
                                        1.5,
                                        k53,
                                        k53 + 1,
                                        double(k53),
                                        std::string("a"),
                                        std::string("1"),
                                        std::string(""),
                                        nullptr,
                                        int64_t{-3},
                                        -3.0};
  std::mt19937 rng(20);
  int with_duplicate = 0;
  for (int round = 0; round < 4000; ++round) {
    CategoricalDistribution d;
    const size_t n = 1 + rng() % 6;
    for (size_t i = 0; i < n; ++i) d.choices.push_back(pool[rng() % pool.size()]);
    std::optional<size_t> expected;
    for (size_t i = 0; i < n && !expected; ++i)
      for (size_t j = 0; j < i; ++j)
        if (same(d.choices[i], d.choices[j])) expected = i;
    const std::string msg = validation_error(d);
    if (!expected) {
      EXPECT_EQ(msg, "") << "round " << round;
      continue;
    }
    ++with_duplicate;
    EXPECT_NE(msg.find(fmt::format("choice {} is given twice", to_string(d.choices[*expected]))),
              std::string::npos)
        << "round " << round << ": " << msg;
  }
  EXPECT_GT(with_duplicate, 1000);
  // 2^53 and 2^53 + 1 are two choices, though they convert to one double; 2^53 as a double
  // repeats the first.
  EXPECT_EQ(validation_error(CategoricalDistribution{{k53, k53 + 1}}), "");
  EXPECT_NE(
      validation_error(CategoricalDistribution{{k53, k53 + 1, double(k53)}}).find("given twice"),
      std::string::npos);
}

// Finding 6: validate() runs on every suggest; the pairwise check made it O(choices^2) (a million
// choices: ~5e11 comparisons; at the finding's 125 ms for 8 000 choices, ~30 minutes, far past
// this test's 300 s limit). Sorted, it takes about a second. The repeat is the last choice, so the
// pairwise check would have compared every pair before finding it.
TEST(Distributions, AMillionChoicesValidateQuickly) {
  CategoricalDistribution d;
  constexpr int64_t n = 1'000'000;
  d.choices.reserve(n + 1);
  for (int64_t i = 0; i < n; ++i) d.choices.emplace_back((i * 7919) % n);  // a permutation
  d.choices.emplace_back(static_cast<double>(n - 1));  // repeats the choice 999999
  const std::string msg = validation_error(d);
  EXPECT_NE(msg.find("choice 999999"), std::string::npos) << msg;
  EXPECT_NE(msg.find("given twice"), std::string::npos) << msg;
}
