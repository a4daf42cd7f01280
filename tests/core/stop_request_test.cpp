// A stop requested through the storage (parzen/stop_request.hpp): every optimize() on the study,
// through any Study object, starts no new trial once it is set; running trials finish.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "parzen/parzen.hpp"
#include "parzen/stop_request.hpp"
#include "parzen/system_attrs.hpp"

using namespace parzen;

namespace {

StudyOptions options(std::shared_ptr<Storage> storage) {
  StudyOptions o;
  o.name = "stopped";
  o.storage_backend = std::move(storage);
  o.load_if_exists = true;
  o.log_level = LogLevel::Silent;
  o.sampler = RandomSampler::make({.seed = 5});
  return o;
}

size_t count(const std::vector<FrozenTrial>& trials, TrialState state) {
  return static_cast<size_t>(std::count_if(trials.begin(), trials.end(),
                                           [&](const FrozenTrial& t) { return t.state == state; }));
}

}  // namespace

TEST(StopRequest, RequestReadAndClear) {
  for (const std::string& url : std::vector<std::string>{"sqlite:///:memory:", "memory:"}) {
    auto storage = make_storage(url);
    const StudyId id = storage->create_study("s", {Direction::Minimize});
    EXPECT_FALSE(stop_request(*storage, id));
    const StopRequest first = request_stop(*storage, id, "alice");
    EXPECT_EQ(first.by, "alice");
    EXPECT_NE(first.requested_at.find('T'), std::string::npos) << first.requested_at;
    // A pending request is kept as it is.
    const StopRequest again = request_stop(*storage, id, "bob");
    EXPECT_EQ(again.by, "alice");
    EXPECT_EQ(again.requested_at, first.requested_at);
    ASSERT_TRUE(stop_request(*storage, id));
    EXPECT_EQ(describe(*stop_request(*storage, id)),
              "requested at " + first.requested_at + " by alice");
    const auto cleared = clear_stop_request(*storage, id);
    ASSERT_TRUE(cleared);
    EXPECT_EQ(cleared->by, "alice");
    EXPECT_FALSE(stop_request(*storage, id));
    EXPECT_FALSE(clear_stop_request(*storage, id));
    // A value some other writer put there still stops (said as unknown), never silently nothing.
    storage->set_study_system_attr(id, keys::stop_request, "yes");
    ASSERT_TRUE(stop_request(*storage, id));
    EXPECT_EQ(stop_request(*storage, id)->by, "an unknown writer");
    // An unknown study has no request (its ask reports it).
    EXPECT_FALSE(stop_request(*storage, id + 100));
  }
}

// Requested from inside a trial (as another process would, through the storage): the trials
// running then finish and are stored, no new trial starts, optimize returns normally.
TEST(StopRequest, OptimizeStartsNoTrialAfterTheRequest) {
  auto storage = make_storage("memory:");
  auto study = Study::create(options(storage));
  std::atomic<int> calls{0};
  study.optimize(
      [&](Trial& t) {
        const double x = t.suggest_float("x", 0, 1);
        if (calls.fetch_add(1) == 5) request_stop(*storage, study.id(), "test");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return x;
      },
      {.n_trials = 200, .n_jobs = 3});
  const auto trials = study.trials();
  // The requesting trial and the two running beside it, plus the asks within one check
  // interval (50 ms) of the request: far from 200.
  EXPECT_GE(trials.size(), 6u);
  EXPECT_LE(trials.size(), 12u);
  EXPECT_EQ(count(trials, TrialState::Complete), trials.size());

  // Another Study object on the same storage (another worker) starts nothing while it is set.
  auto other = Study::create(options(storage));
  other.optimize([](Trial& t) { return t.suggest_float("x", 0, 1); }, {.n_trials = 10});
  EXPECT_EQ(other.trials().size(), trials.size());

  // Cleared: optimize runs again.
  ASSERT_TRUE(clear_stop_request(*storage, study.id()));
  other.optimize([](Trial& t) { return t.suggest_float("x", 0, 1); }, {.n_trials = 4});
  EXPECT_EQ(other.trials().size(), trials.size() + 4);
}

// With a study budget (as `parzen run` and `parzen worker` optimize), from another thread.
TEST(StopRequest, WithAStudyBudgetFromAnotherThread) {
  auto storage = make_storage("memory:");
  auto study = Study::create(options(storage));
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    request_stop(*storage, study.id(), "test");
  });
  const auto start = std::chrono::steady_clock::now();
  study.optimize(
      [&](Trial& t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        return t.suggest_float("x", 0, 1);
      },
      {.n_jobs = 2, .study_budget = TrialBudget{1000}});
  stopper.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
  EXPECT_LE(study.trials().size(), 10u);
  EXPECT_EQ(count(study.trials(), TrialState::Running), 0u);
}
