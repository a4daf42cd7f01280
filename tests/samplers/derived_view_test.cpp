// Views that wrapping samplers (BracketSampler, BohbSampler) derive from the study's view: the
// study view's change stamps, and a derived view re-deriving exactly the trials that changed.

#include "samplers/derived_view.hpp"

#include <gtest/gtest.h>

#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

struct Fixture {
  std::shared_ptr<Storage> storage = make_in_memory_storage();
  Study study = Study::create({.storage_backend = storage});
  StudyView view{storage, study.id(), study.directions()};
};

TEST(StudyView, StampsTheTrialsEachRefreshChanged) {
  Fixture f;
  Trial a = f.study.ask();
  Trial b = f.study.ask();
  f.view.refresh();
  ASSERT_EQ(f.view.trials().size(), 2u);
  const uint64_t a0 = f.view.changed_at(0), b0 = f.view.changed_at(1);
  EXPECT_GT(a0, 0u);
  EXPECT_GT(b0, 0u);
  EXPECT_EQ(f.view.changed_at(2), 0u);  // not in the view

  f.view.refresh();  // nothing written since
  EXPECT_EQ(f.view.changed_at(0), a0);
  f.study.tell(b, 1.0);
  f.view.refresh();
  EXPECT_EQ(f.view.changed_at(0), a0);
  EXPECT_GT(f.view.changed_at(1), b0);

  const StudyView copy = f.view;  // a copy shares the lineage, a view of given trials does not
  EXPECT_EQ(copy.lineage(), f.view.lineage());
  EXPECT_NE(StudyView(f.view, f.view.trials()).lineage(), f.view.lineage());
  (void)a;
}

TEST(StudyView, SetTrialFillsGapsWithWaitingPlaceholders) {
  Fixture f;
  StudyView v(f.view, {});
  FrozenTrial t;
  t.number = 3;
  t.state = TrialState::Complete;
  t.values = {2.0};
  v.set_trial(t);
  ASSERT_EQ(v.trials().size(), 4u);
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(v.trials()[static_cast<size_t>(i)].number, i);
    EXPECT_EQ(v.trials()[static_cast<size_t>(i)].state, TrialState::Waiting);
    EXPECT_EQ(v.changed_at(static_cast<size_t>(i)), 0u);
  }
  EXPECT_EQ(v.trials()[3].values, std::vector<double>{2.0});
  const uint64_t first = v.changed_at(3);
  v.set_trial(t);
  EXPECT_GT(v.changed_at(3), first);
}

TEST(DerivedView, DerivesOnlyTheTrialsThatChanged) {
  Fixture f;
  std::vector<int64_t> derived;  // numbers passed to the derivation, in order
  const auto derive = [&](const FrozenTrial& t) {
    derived.push_back(t.number);
    FrozenTrial o = t;
    if (o.state == TrialState::Complete) o.values = {10 * o.values[0]};
    return o;
  };
  internal::DerivedView d;
  std::vector<Trial> trials;
  for (int i = 0; i < 5; ++i) trials.push_back(f.study.ask());
  f.view.refresh();
  const StudyView& v = d.sync(f.view, derive);
  EXPECT_EQ(derived, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(v.trials().size(), 5u);

  derived.clear();
  d.sync(f.view, derive);
  EXPECT_TRUE(derived.empty());  // nothing changed

  f.study.tell(trials[2], 0.5);
  trials.push_back(f.study.ask());
  f.view.refresh();
  const StudyView& v2 = d.sync(f.view, derive);
  EXPECT_EQ(derived, (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(&v2, &v);  // the same view, updated in place
  EXPECT_EQ(v2.trials()[2].state, TrialState::Complete);
  EXPECT_EQ(v2.trials()[2].values, std::vector<double>{5.0});
  EXPECT_EQ(v2.trials().size(), 6u);

  // A copy of the base view is the same lineage: nothing to derive again.
  derived.clear();
  const StudyView copy = f.view;
  d.sync(copy, derive);
  EXPECT_TRUE(derived.empty());

  // A view of given trials (another lineage) starts the derived view afresh.
  d.sync(StudyView(f.view, f.view.trials()), derive);
  EXPECT_EQ(derived.size(), 6u);

  // And so does reset().
  derived.clear();
  d.reset();
  d.sync(f.view, derive);
  EXPECT_EQ(derived.size(), 6u);
}

}  // namespace
