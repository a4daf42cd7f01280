#include <gtest/gtest.h>

#include <set>

#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

GridSamplerOptions three_by_four(bool shuffle = false) {
  return {.grid = {{"a", {int64_t{1}, int64_t{2}, int64_t{3}}},
                   {"b", {std::string("w"), std::string("x"), std::string("y"), std::string("z")}}},
          .shuffle = shuffle,
          .seed = 11};
}

double objective(Trial& t) {
  const auto a = t.suggest_int("a", 1, 3);
  const auto b = t.suggest_categorical("b", {"w", "x", "y", "z"});
  return static_cast<double>(a) + static_cast<double>(b[0]);
}

std::multiset<std::pair<int64_t, std::string>> combos(const Study& s) {
  std::multiset<std::pair<int64_t, std::string>> out;
  for (const auto& t : s.trials())
    out.insert({std::get<int64_t>(t.params.at("a")), std::get<std::string>(t.params.at("b"))});
  return out;
}

}  // namespace

TEST(GridSampler, EnumeratesInOrderLastParameterFastest) {
  GridSampler g(three_by_four());
  EXPECT_EQ(g.size(), 12u);
  EXPECT_EQ(std::get<int64_t>(g.combination(0).at("a")), 1);
  EXPECT_EQ(std::get<std::string>(g.combination(1).at("b")), "x");
  EXPECT_EQ(std::get<int64_t>(g.combination(4).at("a")), 2);
  EXPECT_THROW(g.combination(12), InvalidArgument);
}

TEST(GridSampler, EveryCombinationOnceThenTheStudyStops) {
  auto study =
      Study::create({.sampler = GridSampler::make(three_by_four()), .log_level = LogLevel::Silent});
  study.optimize(objective, {.n_trials = 100});
  EXPECT_EQ(study.trials().size(), 12u);
  const auto seen = combos(study);
  EXPECT_EQ(std::set(seen.begin(), seen.end()).size(), 12u);
  EXPECT_THROW(study.ask(), StudyExhausted);
  // Without n_trials too: the exhausted grid ends optimize.
  auto again =
      Study::create({.sampler = GridSampler::make(three_by_four()), .log_level = LogLevel::Silent});
  again.optimize(objective);
  EXPECT_EQ(again.trials().size(), 12u);
}

TEST(GridSampler, NoDuplicatesUnderManyThreads) {
  for (bool shuffle : {false, true}) {
    GridSamplerOptions big{.grid = {{"i", {}}, {"j", {}}}, .shuffle = shuffle, .seed = 3};
    for (int64_t v = 0; v < 20; ++v) big.grid[0].second.push_back(v);
    for (int64_t v = 0; v < 10; ++v) big.grid[1].second.push_back(v);
    auto study = Study::create({.sampler = GridSampler::make(big), .log_level = LogLevel::Silent});
    study.optimize(
        [](Trial& t) {
          return static_cast<double>(t.suggest_int("i", 0, 19) * 10 + t.suggest_int("j", 0, 9));
        },
        {.n_trials = 1000, .n_jobs = 6});
    std::set<double> values;
    for (const auto& t : study.trials()) values.insert(t.value());
    EXPECT_EQ(study.trials().size(), 200u);
    EXPECT_EQ(values.size(), 200u);
  }
}

TEST(GridSampler, SeveralStudyObjectsShareOneGridThroughTheStorage) {
  // Two handles on one study, as two workers would be: together they run the grid once.
  auto storage = make_in_memory_storage();
  auto w1 = Study::create({.name = "g",
                           .storage_backend = storage,
                           .sampler = GridSampler::make(three_by_four(true)),
                           .log_level = LogLevel::Silent});
  auto w2 = Study::create({.name = "g",
                           .storage_backend = storage,
                           .sampler = GridSampler::make(three_by_four(true)),
                           .load_if_exists = true,
                           .log_level = LogLevel::Silent});
  std::thread t1([&] { w1.optimize(objective, {.n_jobs = 2}); });
  std::thread t2([&] { w2.optimize(objective, {.n_jobs = 2}); });
  t1.join();
  t2.join();
  const auto seen = combos(w1);
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_EQ(std::set(seen.begin(), seen.end()).size(), 12u);
}

TEST(GridSampler, ShuffledOrderIsSeeded) {
  auto order = [](uint64_t seed) {
    auto o = three_by_four(true);
    o.seed = seed;
    auto study = Study::create({.sampler = GridSampler::make(o), .log_level = LogLevel::Silent});
    study.optimize(objective);
    std::vector<double> v;
    for (const auto& t : study.trials()) v.push_back(t.value());
    return v;
  };
  EXPECT_EQ(order(5), order(5));
  EXPECT_NE(order(5), order(6));
}

TEST(GridSampler, ErrorsNameTheParameter) {
  EXPECT_THROW(GridSampler({.grid = {}}), InvalidArgument);
  EXPECT_THROW(GridSampler({.grid = {{"a", {}}}}), InvalidArgument);
  EXPECT_THROW(GridSampler({.grid = {{"a", {1.0}}, {"a", {2.0}}}}), InvalidArgument);

  auto study =
      Study::create({.sampler = GridSampler::make(three_by_four()), .log_level = LogLevel::Silent});
  auto t = study.ask();
  try {
    t.suggest_float("lr", 0, 1);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("parameter 'lr' is not in the grid (it has a, b)"),
              std::string::npos)
        << e.what();
    // No C++ type name: Python and CLI users read this message too.
    EXPECT_EQ(std::string(e.what()).find("::"), std::string::npos) << e.what();
  }
  // A grid value outside the suggested range.
  EXPECT_THROW(t.suggest_int("a", 5, 9), InvalidArgument);
}

TEST(GridSampler, AStudyKeepsItsGrid) {
  auto storage = make_in_memory_storage();
  auto first = Study::create({.name = "g",
                              .storage_backend = storage,
                              .sampler = GridSampler::make(three_by_four()),
                              .log_level = LogLevel::Silent});
  first.optimize(objective, {.n_trials = 2});
  auto other = Study::create({.name = "g",
                              .storage_backend = storage,
                              .sampler = GridSampler::make({.grid = {{"a", {int64_t{1}}}}}),
                              .load_if_exists = true,
                              .log_level = LogLevel::Silent});
  EXPECT_THROW(other.ask(), InvalidArgument);
  // The same grid resumes where the study stopped.
  auto resumed = Study::create({.name = "g",
                                .storage_backend = storage,
                                .sampler = GridSampler::make(three_by_four()),
                                .load_if_exists = true,
                                .log_level = LogLevel::Silent});
  resumed.optimize(objective);
  const auto seen = combos(resumed);
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_EQ(std::set(seen.begin(), seen.end()).size(), 12u);
}
