// The one intersection search (issue 13 A7): kept incrementally, it equals the one-shot
// computation after every change, including trials that finish after later ones.

#include "parzen/search_space.hpp"

#include <gtest/gtest.h>

#include "parzen/parzen.hpp"

using namespace parzen;

TEST(IntersectionSearchSpace, IncrementalEqualsOneShotAsTrialsFinishOutOfOrder) {
  auto storage = make_in_memory_storage();
  auto study = Study::create({.storage_backend = storage, .log_level = LogLevel::Silent});
  StudyView view(storage, study.id(), study.directions());
  IntersectionSearchSpace incremental, with_pruned(/*include_pruned=*/true);
  auto check = [&] {
    view.refresh();
    EXPECT_EQ(incremental.calculate(view), intersection_search_space(view));
    EXPECT_EQ(with_pruned.calculate(view), intersection_search_space(view, true));
  };

  Trial slow = study.ask();  // finishes last, with a narrower space
  slow.suggest_float("x", 0, 1);
  check();
  EXPECT_TRUE(incremental.space().empty());

  for (int i = 0; i < 3; ++i) {
    Trial t = study.ask();
    t.suggest_float("x", 0, 1);
    t.suggest_int("k", 1, 5);
    t.suggest_categorical("c", {"a", "b"});
    study.tell(t, 1.0);
    check();
  }
  EXPECT_EQ(incremental.space().size(), 3u);

  Trial pruned = study.ask();
  pruned.suggest_float("x", 0, 1);
  pruned.suggest_int("k", 1, 5);
  study.tell(pruned, TrialState::Pruned);
  check();
  EXPECT_EQ(incremental.space().size(), 3u);  // pruned trials do not count by default
  EXPECT_EQ(with_pruned.space().size(), 2u);  // x and k

  study.tell(slow, 2.0);  // trial 0 finishes now: the scan must still see it
  check();
  EXPECT_EQ(incremental.space().size(), 1u);
  EXPECT_TRUE(incremental.space().count("x"));

  // A view of another lineage starts afresh: here one holding only a complete trial.
  std::vector<FrozenTrial> one = view.trials();
  for (size_t i = 0; i < one.size(); ++i) {
    if (i == 1) continue;
    one[i] = FrozenTrial{};
    one[i].number = static_cast<int64_t>(i);
    one[i].state = TrialState::Waiting;
  }
  const StudyView only_one(view, one);
  EXPECT_EQ(incremental.calculate(only_one).size(), 3u);
  EXPECT_EQ(incremental.space(), intersection_search_space(only_one));
}

TEST(IntersectionSearchSpace, WithoutSingleValuesDropsWhatCannotVary) {
  const SearchSpace space = {{"fixed", FloatDistribution{2, 2}},
                             {"one", CategoricalDistribution{{std::string("a")}}},
                             {"x", FloatDistribution{0, 1}},
                             {"k", IntDistribution{3, 3}}};
  const SearchSpace kept = without_single_values(space);
  EXPECT_EQ(kept.size(), 1u);
  EXPECT_TRUE(kept.count("x"));
}
