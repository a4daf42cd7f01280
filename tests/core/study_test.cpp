#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <set>
#include <thread>

#include "parzen/parzen.hpp"

using namespace parzen;

namespace {
StudyOptions quiet(StudyOptions o = {}) {
  o.log_level = LogLevel::Silent;
  if (!o.sampler) o.sampler = RandomSampler::make({.seed = 3});
  return o;
}
}  // namespace

TEST(Study, AskTellRoundTrip) {
  auto study = Study::create(quiet({.name = "ask-tell"}));
  EXPECT_EQ(study.name(), "ask-tell");
  auto t0 = study.ask();
  auto t1 = study.ask();
  EXPECT_EQ(t0.number(), 0);
  EXPECT_EQ(t1.number(), 1);
  const double x = t1.suggest_float("x", 0, 1);
  const auto r = study.tell(t1, x * 2);
  EXPECT_EQ(r.state, TrialState::Complete);
  EXPECT_DOUBLE_EQ(r.value(), x * 2);
  EXPECT_TRUE(r.datetime_start && r.datetime_complete);
  EXPECT_GE(*r.duration_seconds(), 0.0);
  EXPECT_EQ(study.trials({TrialState::Running}).size(), 1u);
  // By number, as an external loop would.
  study.tell(0, std::vector<double>{5.0});
  EXPECT_DOUBLE_EQ(study.best_value(), x * 2 < 5 ? x * 2 : 5.0);
  EXPECT_THROW(study.tell(t1, 1.0), InvalidState);
  EXPECT_THROW(study.tell(7, std::vector<double>{1.0}), NotFound);
  EXPECT_THROW(study.tell(0, TrialState::Complete), InvalidArgument);
}

// tell by number (an external loop's form) prunes with the last reported value and fails with
// the reason, as tell(Trial&); an unknown or negative number is NotFound.
TEST(Study, TellByNumberPrunesWithTheLastReportAndFailsWithTheReason) {
  auto study = Study::create(quiet({}));
  auto a = study.ask();
  a.report(1, 0.25);
  a.report(4, 0.5);
  auto b = study.ask();
  auto c = study.ask();
  const auto pruned = study.tell(a.number(), TrialState::Pruned);
  EXPECT_EQ(pruned.state, TrialState::Pruned);
  EXPECT_EQ(pruned.values, std::vector<double>{0.5});
  const auto failed = study.tell(b.number(), TrialState::Failed, "2 of 5 fits failed");
  EXPECT_EQ(failed.fail_reason, "2 of 5 fits failed");
  EXPECT_TRUE(failed.values.empty());
  EXPECT_EQ(study.tell(c.number(), TrialState::Pruned).values, std::vector<double>{});
  EXPECT_THROW(study.tell(-1, std::vector<double>{1.0}), NotFound);
  EXPECT_THROW(study.tell(3, TrialState::Failed), NotFound);
}

TEST(Study, TellWithBadValuesFailsTheTrialWithAReason) {
  auto study = Study::create(quiet({}));
  auto a = study.ask();
  EXPECT_EQ(study.tell(a, std::nan("")).fail_reason, "the objective returned nan");
  auto b = study.ask();
  EXPECT_EQ(study.tell(b, std::vector<double>{1, 2}).fail_reason,
            "the objective returned 2 value(s) but the study has 1 direction(s)");
  auto c = study.ask();
  EXPECT_EQ(study.tell(c, std::numeric_limits<double>::infinity()).state, TrialState::Failed);
  auto d = study.ask();
  d.report(3, 0.7);
  const auto pruned = study.tell(d, TrialState::Pruned);
  EXPECT_EQ(pruned.state, TrialState::Pruned);
  EXPECT_EQ(pruned.values, std::vector<double>{0.7});
  EXPECT_THROW(study.best_trial(), NotFound);
}

TEST(Study, BestTrialFollowsTheDirection) {
  for (auto dir : {Direction::Minimize, Direction::Maximize}) {
    auto study = Study::create(quiet({.directions = {dir}}));
    for (double v : {3.0, 1.0, 4.0, 1.5, 9.0, 2.0}) {
      auto t = study.ask();
      study.tell(t, v);
    }
    EXPECT_EQ(study.best_value(), dir == Direction::Minimize ? 1.0 : 9.0);
    EXPECT_EQ(study.best_trial().number, dir == Direction::Minimize ? 1 : 4);
  }
}

TEST(Study, BestTrialPrefersFeasibleTrials) {
  auto study = Study::create(quiet({}));
  auto a = study.ask();
  a.set_constraints({1.0});  // infeasible but better
  study.tell(a, 0.0);
  auto b = study.ask();
  b.set_constraints({-0.5});
  study.tell(b, 5.0);
  EXPECT_EQ(study.best_trial().number, 1);
}

TEST(Study, MultiObjectiveParetoFront) {
  auto study = Study::create(quiet({.directions = {Direction::Minimize, Direction::Maximize}}));
  const std::vector<std::vector<double>> values = {{1, 1}, {2, 3}, {3, 2}, {0, 0}, {2, 2}};
  for (const auto& v : values) {
    auto t = study.ask();
    study.tell(t, v);
  }
  std::set<int64_t> front;
  for (const auto& t : study.best_trials()) front.insert(t.number);
  EXPECT_EQ(front, (std::set<int64_t>{0, 1, 3}));
  EXPECT_THROW(study.best_trial(), InvalidState);
}

TEST(Study, NamesAreUniqueAndStudiesCanBeLoaded) {
  auto storage = make_in_memory_storage();
  auto first = Study::create(quiet({.name = "s", .storage_backend = storage}));
  auto t = first.ask();
  first.tell(t, 1.0);
  EXPECT_THROW(Study::create(quiet({.name = "s", .storage_backend = storage})), DuplicatedStudy);
  auto again =
      Study::create(quiet({.name = "s", .storage_backend = storage, .load_if_exists = true}));
  EXPECT_EQ(again.trials().size(), 1u);
  EXPECT_THROW(Study::create(quiet({.name = "s",
                                    .storage_backend = storage,
                                    .directions = {Direction::Maximize},
                                    .load_if_exists = true})),
               InvalidArgument);
  auto loaded = Study::load(quiet({.name = "s", .storage_backend = storage}));
  EXPECT_EQ(loaded.best_value(), 1.0);
  EXPECT_THROW(Study::load(quiet({.name = "nope", .storage_backend = storage})), NotFound);
  EXPECT_THROW(Study::create(quiet({.directions = {}})), InvalidArgument);
  EXPECT_THROW(Study::create(quiet({.storage = "mongodb://x"})), InvalidArgument);
  // Generated names are unique.
  EXPECT_NE(Study::create(quiet({.storage_backend = storage})).name(),
            Study::create(quiet({.storage_backend = storage})).name());
}

TEST(Study, EnqueuedTrialsRunFirstWithTheirParameters) {
  auto study = Study::create(quiet({}));
  study.enqueue_trial({{"x", 0.5}, {"kernel", std::string("rbf")}}, {{"source", "manual"}});
  study.enqueue_trial({{"x", int64_t{1}}});  // a partial one: kernel is sampled
  study.optimize(
      [](Trial& t) {
        const double x = t.suggest_float("x", 0, 1);
        const auto k = t.suggest_categorical("kernel", {"linear", "rbf"});
        return x + (k == "rbf" ? 1.0 : 0.0);
      },
      {.n_trials = 3});
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(std::get<double>(trials[0].params.at("x")), 0.5);
  EXPECT_EQ(std::get<std::string>(trials[0].params.at("kernel")), "rbf");
  EXPECT_EQ(trials[0].user_attrs["source"], "manual");
  EXPECT_EQ(std::get<double>(trials[1].params.at("x")), 1.0);
  EXPECT_EQ(trials[1].params.count("kernel"), 1u);
}

TEST(Study, EnqueuedValueOutsideTheDistributionFailsThatTrialClearly) {
  auto study = Study::create(quiet({}));
  study.enqueue_trial({{"x", 5.0}});
  study.optimize([](Trial& t) { return t.suggest_float("x", 0, 1); }, {.n_trials = 2});
  const auto trials = study.trials();
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_NE(trials[0].fail_reason.find(
                "trial 0 was enqueued with parameter 'x': value 5 is not in float in [0, 1]"),
            std::string::npos)
      << trials[0].fail_reason;
  EXPECT_EQ(trials[1].state, TrialState::Complete);
}

TEST(Study, ParallelJobsRunExactlyNTrialsWithUniqueNumbers) {
  auto study = Study::create(quiet({}));
  std::atomic<int> concurrent{0}, peak{0};
  study.optimize(
      [&](Trial& t) {
        const int now = ++concurrent;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        --concurrent;
        return t.suggest_float("x", 0, 1);
      },
      {.n_trials = 60, .n_jobs = 4});
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 60u);
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].number, static_cast<int64_t>(i));
    EXPECT_EQ(trials[i].state, TrialState::Complete);
  }
  EXPECT_GT(peak.load(), 1);  // the jobs did overlap
}

TEST(Study, TimeoutStopsStartingTrials) {
  auto study = Study::create(quiet({}));
  const auto start = std::chrono::steady_clock::now();
  study.optimize(
      [](Trial& t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return t.suggest_float("x", 0, 1);
      },
      {.timeout_seconds = 0.3});
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(study.trials().size(), 3u);
  EXPECT_LT(elapsed, 5.0);
}

TEST(Study, AnInfiniteOrHugeTimeoutMeansNoLimit) {
  // now + timeout overflowed the clock's nanoseconds from 9.2e9 s on, giving a deadline in the
  // past: zero trials and no error.
  for (const double timeout : {std::numeric_limits<double>::infinity(), 1e10, 1e300}) {
    auto study = Study::create(quiet({}));
    study.optimize([](Trial& t) { return t.suggest_float("x", 0, 1); },
                   {.n_trials = 5, .timeout_seconds = timeout, .trial_timeout_seconds = timeout});
    EXPECT_EQ(study.trials().size(), 5u) << "timeout " << timeout;
  }
}

TEST(Study, StopFromACallbackEndsOptimize) {
  auto study = Study::create(quiet({}));
  study.optimize([](Trial& t) { return t.suggest_float("x", 0, 1); },
                 {.callbacks = {[](Study& s, const FrozenTrial& t) {
                    if (t.number == 4) s.stop();
                  }}});
  EXPECT_EQ(study.trials().size(), 5u);
}

TEST(Study, OptionsAreValidated) {
  auto study = Study::create(quiet({}));
  auto f = [](Trial&) { return 0.0; };
  EXPECT_THROW(study.optimize(f, {.n_trials = -1}), InvalidArgument);
  EXPECT_THROW(study.optimize(f, {.n_trials = 1, .timeout_seconds = 0}), InvalidArgument);
  EXPECT_THROW(study.optimize(f, {.n_trials = 1, .n_jobs = 0}), InvalidArgument);
  EXPECT_THROW(study.optimize(f, {.n_trials = 1, .trial_timeout_seconds = -2}), InvalidArgument);
}

TEST(Study, MultiObjectiveOptimize) {
  auto study = Study::create(quiet({.directions = {Direction::Minimize, Direction::Minimize}}));
  study.optimize(
      [](Trial& t) {
        const double x = t.suggest_float("x", 0, 1);
        return std::vector<double>{x, 1 - x};
      },
      {.n_trials = 10});
  // Every trial is on the front of this trade-off.
  EXPECT_EQ(study.best_trials().size(), 10u);
}

TEST(Study, LoggerReceivesTrialMessages) {
  std::vector<std::string> lines;
  auto study =
      Study::create({.sampler = RandomSampler::make({.seed = 1}),
                     .log_level = LogLevel::Info,
                     .logger = [&](LogLevel, const std::string& m) { lines.push_back(m); }});
  study.optimize([](Trial& t) { return t.suggest_float("x", 0, 1); }, {.n_trials = 2});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("Trial 0 finished with value ", 0), 0u) << lines[0];
}

TEST(Study, StaleRunningTrialsAreFailedAndRetriedOnce) {
  auto storage = make_in_memory_storage();
  auto crashed = Study::create(
      quiet({.name = "hb", .storage_backend = storage, .heartbeat_interval_seconds = 0.05}));
  auto lost = crashed.ask();  // a heartbeat trial, never told, never beats: its worker "crashed"
  lost.suggest_float("x", 0, 1);
  auto worker = Study::create(quiet({.name = "hb",
                                     .storage_backend = storage,
                                     .load_if_exists = true,
                                     .heartbeat_interval_seconds = 0.05,
                                     .grace_period_seconds = 0.2,
                                     .max_retries = 1}));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  worker.optimize([](Trial& t) { return t.suggest_float("x", 0, 1); }, {.n_trials = 3});
  const auto trials = worker.trials();
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_NE(trials[0].fail_reason.find("no heartbeat for"), std::string::npos);
  // Trial 1 is the retry with trial 0's parameters, run first.
  EXPECT_EQ(trials[1].system_attrs["retried_from"], 0);
  EXPECT_EQ(trials[1].params, trials[0].params);
  EXPECT_EQ(trials[1].state, TrialState::Complete);
  // A worker that beats keeps its long trial alive past the grace period.
  worker.optimize(
      [](Trial& t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        return t.suggest_float("x", 0, 1);
      },
      {.n_trials = 2, .n_jobs = 2});
  for (const auto& t : worker.trials()) EXPECT_NE(t.state, TrialState::Running);
  EXPECT_EQ(worker.trials({TrialState::Complete}).size(), 5u);
  EXPECT_THROW(Study::create(quiet({.heartbeat_interval_seconds = 1, .grace_period_seconds = 0.5})),
               InvalidArgument);
}

// Unnamed studies get generated names with 24 random bits per second: 20 000 created in a
// second or two in one storage collide several times (a birthday draw: about 6 expected per
// 14 000 names in one second), and each collision must draw a new name, never fail with
// DuplicatedStudy nor continue the other study (even with load_if_exists).
TEST(Study, GeneratedNamesNeverCollideNorContinueAnotherStudy) {
  auto storage = make_storage("memory:");
  std::set<std::string> names;
  for (int i = 0; i < 20000; ++i) {
    StudyOptions o = quiet();
    o.storage_backend = storage;
    o.load_if_exists = i % 2 == 1;
    auto study = Study::create(std::move(o));
    EXPECT_TRUE(names.insert(study.name()).second) << study.name();
    EXPECT_TRUE(study.trials().empty());
    auto trial = study.ask();
    study.tell(trial, 1.0);  // a continued study would show this trial to a later one
  }
  EXPECT_EQ(storage->studies().size(), 20000u);
}

TEST(Study, NonFiniteConstraintsAreRefusedByTrialAndStorages) {
  const std::string path = ::testing::TempDir() + "parzen-inf-constraints.db";
  std::remove(path.c_str());
  for (const std::string& url : {std::string("memory:"), "sqlite:///" + path}) {
    StudyOptions o = quiet();
    o.storage = url;
    auto study = Study::create(std::move(o));
    auto trial = study.ask();
    for (double bad :
         {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
          std::numeric_limits<double>::quiet_NaN()}) {
      EXPECT_THROW(trial.set_constraints({0.0, bad}), InvalidArgument) << url;
      EXPECT_THROW(study.storage().set_trial_constraints(trial.id(), {bad}), InvalidArgument)
          << url;
    }
    trial.set_constraints({-1.0});
    study.tell(trial, 1.0);
    EXPECT_EQ(study.trials().at(0).constraints, std::vector<double>{-1.0}) << url;
  }
}
