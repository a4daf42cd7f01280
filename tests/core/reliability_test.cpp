// Studies shared by workers that fail (issue 14): one retry mechanism with one count, asked
// trials that no heartbeat judge fails, the study budget (no overshoot; the last worker standing
// fails a dead worker's trial and meets the budget; stop() and the timeout end its wait), beats
// that fail loudly, and a BohbSampler checked against the study's Hyperband pruner.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "core/failing_storage.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;
using namespace std::chrono_literals;

namespace {

StudyOptions worker_options(std::shared_ptr<Storage> storage, StudyOptions o = {}) {
  o.name = "shared";
  o.storage_backend = std::move(storage);
  o.load_if_exists = true;
  if (!o.sampler) o.sampler = RandomSampler::make();
  if (o.log_level == LogLevel::Warning && !o.logger) o.log_level = LogLevel::Silent;
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// How many trials ran each parameter value of "x".
std::map<double, int> runs_per_x(const std::vector<FrozenTrial>& trials) {
  std::map<double, int> runs;
  for (const auto& t : trials)
    if (t.params.count("x")) ++runs[std::get<double>(t.params.at("x"))];
  return runs;
}

int count_state(const std::vector<FrozenTrial>& trials, TrialState state) {
  return static_cast<int>(std::count_if(trials.begin(), trials.end(),
                                        [&](const FrozenTrial& t) { return t.state == state; }));
}

// A logger that keeps every message.
struct Log {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(LogLevel, const std::string&)> logger() {
    return [this](LogLevel, const std::string& m) {
      std::lock_guard lock(mu);
      lines.push_back(m);
    };
  }
  int count(const std::string& part) {
    std::lock_guard lock(mu);
    return static_cast<int>(std::count_if(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.find(part) != std::string::npos;
    }));
  }
};

}  // namespace

// Issue 14, item 9: a trial asked from a Study without heartbeats never beats, so a worker with
// heartbeats used to fail it after the grace period ("no heartbeat for ...") and refuse its tell.
TEST(Heartbeats, AskedTrialOfAStudyWithoutHeartbeatsIsNeverJudgedStale) {
  auto storage = make_in_memory_storage();
  auto asker = Study::create(worker_options(storage));
  auto asked = asker.ask();
  asked.suggest_float("x", 0, 1);
  auto worker = Study::create(
      worker_options(storage, {.heartbeat_interval_seconds = 0.02, .grace_period_seconds = 0.05}));
  std::this_thread::sleep_for(150ms);
  worker.optimize([](Trial& t) { return t.suggest_float("x", 0, 1); }, {.n_trials = 2});
  EXPECT_EQ(storage->trial(asked.id()).state, TrialState::Running);
  EXPECT_EQ(asker.tell(asked, 0.5).state, TrialState::Complete);
}

// Issue 14, item 5: heartbeat failures and retryable TrialFailed share one count (the system
// attribute retry_count): with max_retries = 2 a parameter set runs at most 3 times, whatever
// the mix. Trial 0 dies (stale), its retry 1 fails retryably, its retry 2 dies again: no 4th run.
TEST(Retries, OneCountForStaleAndRetryableFailures) {
  auto storage = make_in_memory_storage();
  auto study = Study::create(worker_options(
      storage,
      {.heartbeat_interval_seconds = 0.02, .grace_period_seconds = 0.06, .max_retries = 2}));
  const auto flaky = [](Trial& t) -> double {
    t.suggest_float("x", 0, 1);
    throw TrialFailed("exited with status 137", /*retryable=*/true);
  };
  auto dead = study.ask();  // beats only inside optimize: a dead worker's trial
  dead.suggest_float("x", 0, 1);
  std::this_thread::sleep_for(150ms);
  study.optimize(flaky, {.n_trials = 1});  // fails 0 as stale (retry 1), runs 1 (retry 2)
  auto dead_again = study.ask();           // claims retry 2 and dies too
  EXPECT_EQ(dead_again.number(), 2);
  dead_again.suggest_float("x", 0, 1);
  std::this_thread::sleep_for(150ms);
  study.optimize(flaky, {.n_trials = 3});  // fails 2 (no retry left); 3, its retries 4 and 5

  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 6u);
  EXPECT_NE(trials[0].fail_reason.find("no heartbeat for"), std::string::npos);
  EXPECT_EQ(trials[0].system_attrs["retried_by"], 1);
  EXPECT_EQ(trials[1].system_attrs["retried_from"], 0);
  EXPECT_EQ(trials[1].system_attrs["retry_count"], 1);
  EXPECT_EQ(trials[1].fail_reason, "exited with status 137");
  EXPECT_EQ(trials[2].system_attrs["retried_from"], 1);
  EXPECT_EQ(trials[2].system_attrs["retry_count"], 2);
  EXPECT_NE(trials[2].fail_reason.find("no heartbeat for"), std::string::npos);
  EXPECT_FALSE(trials[2].system_attrs.contains("retried_by"));
  EXPECT_EQ(trials[4].system_attrs["retried_from"], 3);
  EXPECT_EQ(trials[5].system_attrs["retried_from"], 4);
  EXPECT_FALSE(trials[5].system_attrs.contains("retried_by"));
  const auto runs = runs_per_x(trials);
  ASSERT_EQ(runs.size(), 2u);
  for (const auto& [x, n] : runs) EXPECT_EQ(n, 3) << "x = " << x;
  EXPECT_EQ(count_state(trials, TrialState::Failed), 6);
}

// A TrialFailed that is not retryable, and any other exception, is not retried.
TEST(Retries, OnlyRetryableFailuresAreRetried) {
  auto study = Study::create(worker_options(make_in_memory_storage(), {.max_retries = 2}));
  study.optimize(
      [](Trial& t) -> double {
        t.suggest_float("x", 0, 1);
        if (t.number() == 0) throw TrialFailed("bad configuration");
        throw std::runtime_error("diverged");
      },
      {.n_trials = 2});
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& t : trials) EXPECT_FALSE(t.system_attrs.contains("retried_by"));
}

namespace {

// Heartbeats that fail while `paused` (a worker stopped by SIGSTOP, or cut off from the database).
class PausableHeartbeats : public parzen::testing::FailingStorage {
 public:
  std::atomic<bool> paused{false};
  void record_heartbeat(TrialId t) override {
    if (paused) throw StorageError("connection timed out (injected)");
    FailingStorage::record_heartbeat(t);
  }
};

}  // namespace

// Issue 14, items 5 and 4: a paused worker's trial is failed by another worker, which enqueues
// its retry; the paused worker's late retryable failure is then discarded and enqueues nothing
// (the CLI used to enqueue a second retry before its result was refused). Its failing beats are
// said, not swallowed.
TEST(Retries, LateFailureOfATrialAlreadyFailedByAJudgeEnqueuesNothing) {
  auto storage = std::make_shared<PausableHeartbeats>();
  Log log;
  const StudyOptions beating{.heartbeat_interval_seconds = 0.02,
                             .grace_period_seconds = 0.1,
                             .max_retries = 1,
                             .log_level = LogLevel::Warning,
                             .logger = log.logger()};
  auto paused = Study::create(worker_options(storage, beating));
  auto judge = Study::create(worker_options(
      storage,
      {.heartbeat_interval_seconds = 0.02, .grace_period_seconds = 0.1, .max_retries = 1}));
  paused.optimize(
      [&](Trial& t) -> double {
        t.suggest_float("x", 0, 1);
        storage->paused = true;
        // No beat gets through: the trial looks dead once the grace period has passed, which
        // the heartbeat thread says (bounded wait).
        const auto paused_at = std::chrono::steady_clock::now();
        while (log.count("another worker may fail it as dead") == 0 &&
               seconds_since(paused_at) < 10)
          std::this_thread::sleep_for(10ms);
        // The judge fails it (enqueueing its retry) and runs that retry.
        judge.optimize([](Trial& r) { return r.suggest_float("x", 0, 1); }, {.n_trials = 1});
        storage->paused = false;
        throw TrialFailed("exited with status 1", /*retryable=*/true);
      },
      {.n_trials = 1});

  const auto trials = paused.trials();
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_NE(trials[0].fail_reason.find("no heartbeat for"), std::string::npos);
  EXPECT_EQ(trials[0].system_attrs["retried_by"], 1);
  EXPECT_EQ(trials[1].state, TrialState::Complete);
  EXPECT_EQ(trials[1].params, trials[0].params);
  EXPECT_EQ(log.count("its late result is discarded"), 1);
  EXPECT_EQ(log.count("could not record a heartbeat (connection timed out (injected))"), 1);
  EXPECT_EQ(log.count("another worker may fail it as dead"), 1);
}

namespace {

// Refuses the first two fail_trial calls (the write and its second attempt).
class RefusingFailTrial : public parzen::testing::FailingStorage {
 public:
  bool fail_trial(TrialId t, const std::string& reason, int max_retries) override {
    if (++calls_ <= 2) throw StorageError("database is full (injected)");
    return FailingStorage::fail_trial(t, reason, max_retries);
  }

 private:
  std::atomic<int> calls_{0};
};

}  // namespace

// A retryable failure the storage refuses (twice) keeps finish's guarantee: a simpler write
// fails the trial (and enqueues its retry) and optimize says so with StorageError.
TEST(Retries, ARefusedRetryableFailureIsStillRecorded) {
  auto study =
      Study::create(worker_options(std::make_shared<RefusingFailTrial>(), {.max_retries = 1}));
  try {
    study.optimize(
        [](Trial& t) -> double {
          t.suggest_float("x", 0, 1);
          throw TrialFailed("killed by signal 9", /*retryable=*/true);
        },
        {.n_trials = 1});
    FAIL() << "no exception";
  } catch (const StorageError& e) {
    EXPECT_STREQ(e.what(),
                 "could not store the result of trial 0: database is full (injected); it was "
                 "recorded as failed");
  }
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_EQ(trials[0].fail_reason, "could not store the result: database is full (injected)");
  EXPECT_EQ(trials[1].state, TrialState::Waiting);  // its retry (max_retries = 1)
}

// --- the study budget (OptimizeOptions::study_budget) ---------------------------------------

TEST(StudyBudget, IsValidated) {
  auto study = Study::create(worker_options(make_in_memory_storage()));
  try {
    study.optimize([](Trial&) { return 0.0; },
                   {.timeout_seconds = 1, .study_budget = TrialBudget{.n_trials = -1}});
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "OptimizeOptions: study_budget.n_trials = -1, must be >= 0");
  }
  EXPECT_TRUE(study.trials().empty());
}

namespace {

// Eight worker threads in two Study objects (as two processes would) share a budget of 24;
// every fourth trial fails, which frees its slot.
void eight_workers_meet_the_budget_exactly(const std::shared_ptr<Storage>& storage) {
  std::vector<std::thread> hosts;
  std::atomic<int> failures{0};
  for (int h = 0; h < 2; ++h)
    hosts.emplace_back([&] {
      // Heartbeats, so that each worker waits for the other's trials; a grace period no trial
      // of a loaded machine reaches.
      auto study = Study::create(
          worker_options(storage, {.heartbeat_interval_seconds = 1, .grace_period_seconds = 30}));
      study.optimize(
          [&](Trial& t) -> double {
            const double x = t.suggest_float("x", 0, 1);
            std::this_thread::sleep_for(std::chrono::microseconds(200 + (t.number() % 7) * 300));
            if (t.number() % 4 == 3) {
              ++failures;
              throw std::runtime_error("diverged");
            }
            return x;
          },
          {.timeout_seconds = 20, .n_jobs = 4, .study_budget = TrialBudget{.n_trials = 24}});
    });
  for (auto& h : hosts) h.join();
  const auto trials = storage->trials(*storage->find_study("shared"));
  EXPECT_EQ(count_state(trials, TrialState::Complete), 24);
  EXPECT_EQ(count_state(trials, TrialState::Failed), failures.load());
  EXPECT_EQ(trials.size(), 24u + static_cast<size_t>(failures.load()));
  EXPECT_EQ(count_state(trials, TrialState::Running) + count_state(trials, TrialState::Waiting), 0);
}

}  // namespace

// Issue 14, item 10: the budget check and the creation are one transaction.
TEST(StudyBudget, EightWorkersNeverExceedIt) {
  eight_workers_meet_the_budget_exactly(make_in_memory_storage());
}

TEST(StudyBudget, EightWorkersNeverExceedItOnOneSqliteFile) {
  const std::string path =
      ::testing::TempDir() + "parzen_budget_" + std::to_string(::getpid()) + ".db";
  std::remove(path.c_str());
  auto storage = make_storage("sqlite:///" + path);
  eight_workers_meet_the_budget_exactly(storage);
  std::remove(path.c_str());
}

// Issue 14, item 1: a worker whose peer died (its trial left running with heartbeats, never
// told) fails that trial once its beats lapse and meets the budget with complete trials, instead
// of leaving it running. Its retry (max_retries = 1) is claimed and run.
TEST(StudyBudget, LastWorkerFailsADeadPeersTrialAndMeetsTheBudget) {
  for (const int max_retries : {0, 1}) {
    SCOPED_TRACE(max_retries);
    auto storage = make_in_memory_storage();
    const StudyOptions beating{.heartbeat_interval_seconds = 0.05,
                               .grace_period_seconds = 0.3,
                               .max_retries = max_retries};
    auto peer = Study::create(worker_options(storage, beating));
    auto dead = peer.ask();  // a trial with heartbeats whose worker is gone
    dead.suggest_float("x", 0, 1);
    auto worker = Study::create(worker_options(storage, beating));
    const auto start = std::chrono::steady_clock::now();
    worker.optimize([](Trial& t) { return t.suggest_float("x", 0, 1); },
                    {.timeout_seconds = 30, .study_budget = TrialBudget{.n_trials = 5}});
    // Grace period + one poll, and a wide margin for a loaded machine; far below the timeout.
    EXPECT_LT(seconds_since(start), 15.0);
    const auto trials = worker.trials();
    EXPECT_EQ(trials[0].state, TrialState::Failed);
    EXPECT_NE(trials[0].fail_reason.find("no heartbeat for"), std::string::npos);
    EXPECT_EQ(count_state(trials, TrialState::Complete), 5);
    EXPECT_EQ(count_state(trials, TrialState::Running) + count_state(trials, TrialState::Waiting),
              0);
    EXPECT_EQ(trials.size(), 6u);
    if (max_retries == 1) {
      EXPECT_EQ(trials[0].system_attrs["retried_by"], 5);
    }
  }
}

namespace {

// A peer whose trial is alive (it beats) until `release`.
struct LivePeer {
  std::atomic<bool> started{false}, release{false};
  std::thread thread;
  explicit LivePeer(const std::shared_ptr<Storage>& storage) {
    thread = std::thread([this, storage] {
      auto study = Study::create(worker_options(storage, {.heartbeat_interval_seconds = 0.02}));
      study.optimize(
          [&](Trial& t) {
            started = true;
            while (!release) std::this_thread::sleep_for(5ms);
            return t.suggest_float("x", 0, 1);
          },
          {.n_trials = 1});
    });
    while (!started) std::this_thread::sleep_for(5ms);
  }
  ~LivePeer() {
    release = true;
    thread.join();
  }
};

}  // namespace

// While a peer's live trial holds the last slot, a worker waits for it; stop() and the timeout
// end that wait.
TEST(StudyBudget, StopAndTimeoutEndTheWait) {
  auto storage = make_in_memory_storage();
  LivePeer peer(storage);
  // Polls often; judges the live peer's trial with a grace period its beats always meet.
  auto worker = Study::create(
      worker_options(storage, {.heartbeat_interval_seconds = 0.02, .grace_period_seconds = 30}));
  const auto f = [](Trial& t) { return t.suggest_float("x", 0, 1); };

  auto start = std::chrono::steady_clock::now();
  worker.optimize(f, {.timeout_seconds = 0.3, .study_budget = TrialBudget{.n_trials = 2}});
  EXPECT_LT(seconds_since(start), 10.0);
  EXPECT_EQ(count_state(worker.trials(), TrialState::Complete), 1);

  start = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(200ms);
    worker.stop();
  });
  worker.optimize(f, {.timeout_seconds = 60, .n_jobs = 2, .study_budget = TrialBudget{2}});
  stopper.join();
  EXPECT_LT(seconds_since(start), 10.0);
  EXPECT_EQ(count_state(worker.trials(), TrialState::Running), 1);  // the peer's, still alive
}

// A trial without heartbeats (`parzen ask`) is not waited for: nobody can tell whether its asker
// is alive. optimize returns, saying why.
TEST(StudyBudget, TrialsWithoutHeartbeatsAreNotWaitedFor) {
  auto storage = make_in_memory_storage();
  auto asker = Study::create(worker_options(storage));
  auto asked = asker.ask();
  Log log;
  auto worker = Study::create(worker_options(storage, {.heartbeat_interval_seconds = 0.02,
                                                       .grace_period_seconds = 30,
                                                       .log_level = LogLevel::Warning,
                                                       .logger = log.logger()}));
  worker.optimize([](Trial& t) { return t.suggest_float("x", 0, 1); },
                  {.timeout_seconds = 30, .study_budget = TrialBudget{.n_trials = 3}});
  EXPECT_EQ(count_state(worker.trials(), TrialState::Complete), 2);
  EXPECT_EQ(storage->trial(asked.id()).state, TrialState::Running);
  EXPECT_EQ(log.count("trial 0 (without heartbeats: asked by `parzen ask` or by a Study without "
                      "heartbeat_interval_seconds) is still running"),
            1);
}

// A trial finished from outside while its worker runs it (another Study's tell, `parzen
// tell`): the worker's late result is discarded with the state the record really holds.
TEST(StudyBudget, ALateResultNamesTheStateTheTrialWasFinishedWith) {
  auto storage = make_in_memory_storage();
  Log log;
  auto worker = Study::create(
      worker_options(storage, {.log_level = LogLevel::Warning, .logger = log.logger()}));
  auto teller = Study::create(worker_options(storage));
  worker.optimize(
      [&](Trial& t) {
        const double x = t.suggest_float("x", 0, 1);
        teller.tell(t.number(), std::vector<double>{0.5});
        return x;
      },
      {.n_trials = 1});
  EXPECT_EQ(storage->trials(worker.id()).at(0).values, std::vector<double>{0.5});
  EXPECT_EQ(log.count("Trial 0 was already finished elsewhere (complete); its late result is "
                      "discarded"),
            1);
}

// Retries enqueued when the budget is full are claimed, so none is left waiting.
TEST(StudyBudget, RetriesAreRunEvenWhenTheBudgetIsFull) {
  auto storage = make_in_memory_storage();
  auto study = Study::create(worker_options(storage, {.max_retries = 1}));
  study.optimize(
      [](Trial& t) -> double {
        const double x = t.suggest_float("x", 0, 1);
        if (t.number() == 0) throw TrialFailed("killed by signal 9", /*retryable=*/true);
        return x;
      },
      {.timeout_seconds = 30, .study_budget = TrialBudget{.n_trials = 2, .count_failed = true}});
  const auto trials = study.trials();
  EXPECT_EQ(count_state(trials, TrialState::Waiting), 0);
  EXPECT_EQ(trials.at(1).system_attrs["retried_from"], 0);
  EXPECT_EQ(trials.at(1).state, TrialState::Complete);
}

// --- BohbSampler and the study's pruner ------------------------------------------------------

TEST(BohbPruner, SamplerMadeForAnotherHyperbandPrunerIsRefused) {
  auto pruner = HyperbandPruner::make({.min_resource = 1, .max_resource = 81});
  auto other = BohbSampler::make({.budgets = BohbSampler::rungs(1, 27, 3)});
  try {
    Study::create({.sampler = other, .pruner = pruner});
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "BohbSampler: budgets = [1, 3, 9, 27] are not the rungs [1, 3, 9, 27, 81] of "
                 "the study's HyperbandPruner (min_resource = 1, max_resource = 81, "
                 "reduction_factor = 3); make the sampler with budgets = BohbSampler::rungs(1, "
                 "81, 3) for this pruner");
  }
  auto fitting = BohbSampler::make({.budgets = BohbSampler::rungs(1, 81, 3)});
  EXPECT_NO_THROW(Study::create({.sampler = fitting, .pruner = pruner}));
  // Not checked: other pruners, and Hyperband's "auto" max_resource.
  EXPECT_NO_THROW(Study::create({.sampler = BohbSampler::make({.budgets = {1, 2}})}));
  EXPECT_NO_THROW(Study::create(
      {.sampler = BohbSampler::make({.budgets = {1, 2}}), .pruner = HyperbandPruner::make()}));
}
