// The storage contract, written once against the Storage interface and run for every backend:
// in-memory and SQLite (PostgreSQL joins the list with its driver).

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "parzen/parzen.hpp"
#include "storage/postgres_fixture.hpp"

using namespace parzen;

using StorageFactory = std::function<std::shared_ptr<Storage>()>;

class StorageContract : public ::testing::TestWithParam<std::pair<std::string, StorageFactory>> {
 protected:
  std::shared_ptr<Storage> storage = GetParam().second();
};

TEST_P(StorageContract, StudiesLifecycle) {
  const StudyId a = storage->create_study("a", {Direction::Minimize});
  const StudyId b = storage->create_study("b", {Direction::Maximize, Direction::Minimize});
  EXPECT_NE(a, b);
  EXPECT_THROW(storage->create_study("a", {Direction::Minimize}), DuplicatedStudy);
  EXPECT_THROW(storage->create_study("", {Direction::Minimize}), InvalidArgument);
  EXPECT_THROW(storage->create_study("c", {}), InvalidArgument);
  EXPECT_EQ(*storage->find_study("b"), b);
  EXPECT_FALSE(storage->find_study("zzz"));
  EXPECT_EQ(storage->study(b).directions.size(), 2u);
  EXPECT_EQ(storage->studies().size(), 2u);
  storage->set_study_user_attr(a, "k", {1, 2});
  EXPECT_EQ(storage->study(a).user_attrs["k"], nlohmann::json({1, 2}));
  EXPECT_TRUE(storage->add_study_system_attr_if_absent(a, "once", 1));
  EXPECT_FALSE(storage->add_study_system_attr_if_absent(a, "once", 2));
  EXPECT_EQ(storage->study(a).system_attrs["once"], 1);
  storage->create_trial(a, {});
  storage->delete_study(a);
  EXPECT_FALSE(storage->find_study("a"));
  EXPECT_THROW(storage->study(a), NotFound);
  EXPECT_THROW(storage->delete_study(a), NotFound);
}

TEST_P(StorageContract, TrialWritesAndStateMachine) {
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const FrozenTrial t = storage->create_trial(s, {.worker = "w1"});
  EXPECT_EQ(t.number, 0);
  EXPECT_EQ(t.state, TrialState::Running);
  EXPECT_TRUE(t.datetime_start);
  storage->set_trial_param(t.id, "x", 0.25, FloatDistribution{0, 1});
  storage->set_trial_param(t.id, "k", 1,
                           CategoricalDistribution{{std::string("a"), std::string("b")}});
  storage->set_trial_intermediate_value(t.id, 5, 0.5);
  storage->set_trial_user_attr(t.id, "u", "v");
  storage->set_trial_system_attr(t.id, "sys", 3);
  storage->set_trial_constraints(t.id, {0.5});
  EXPECT_TRUE(storage->finish_trial(t.id, TrialState::Complete, {0.1}, ""));
  EXPECT_FALSE(storage->finish_trial(t.id, TrialState::Failed, {}, "late"));
  EXPECT_THROW(storage->set_trial_param(t.id, "y", 0, FloatDistribution{0, 1}), InvalidState);
  EXPECT_THROW(storage->set_trial_intermediate_value(t.id, 6, 0.1), InvalidState);
  EXPECT_THROW(storage->finish_trial(t.id, TrialState::Running, {}, ""), InvalidArgument);
  EXPECT_THROW(storage->trial(987654), NotFound);

  const FrozenTrial r = storage->trial(t.id);
  EXPECT_EQ(r.state, TrialState::Complete);
  EXPECT_EQ(r.values, std::vector<double>{0.1});
  EXPECT_EQ(std::get<double>(r.params.at("x")), 0.25);
  EXPECT_EQ(std::get<std::string>(r.params.at("k")), "b");
  EXPECT_EQ(r.intermediate_values.at(5), 0.5);
  EXPECT_EQ(r.user_attrs["u"], "v");
  EXPECT_EQ(r.system_attrs["sys"], 3);
  EXPECT_EQ(r.constraints, std::vector<double>{0.5});
  EXPECT_EQ(r.worker, "w1");
  EXPECT_TRUE(r.datetime_complete);
  EXPECT_TRUE(r.fail_reason.empty());
}

TEST_P(StorageContract, TrialsSinceReturnsOnlyWhatChanged) {
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const StudyId other = storage->create_study("other", {Direction::Minimize});
  const auto a = storage->create_trial(s, {});
  const auto b = storage->create_trial(s, {});
  storage->create_trial(other, {});
  auto all = storage->trials_since(s, 0);
  ASSERT_EQ(all.trials.size(), 2u);
  EXPECT_EQ(all.trials[0].number, 0);
  EXPECT_EQ(all.trials[1].number, 1);

  auto none = storage->trials_since(s, all.version);
  EXPECT_TRUE(none.trials.empty());
  EXPECT_EQ(none.version, all.version);

  storage->set_trial_param(b.id, "x", 0.5, FloatDistribution{0, 1});
  auto delta = storage->trials_since(s, all.version);
  ASSERT_EQ(delta.trials.size(), 1u);
  EXPECT_EQ(delta.trials[0].id, b.id);
  EXPECT_GT(delta.version, all.version);

  storage->finish_trial(a.id, TrialState::Complete, {1}, "");
  storage->finish_trial(b.id, TrialState::Failed, {}, "boom");
  delta = storage->trials_since(s, delta.version);
  ASSERT_EQ(delta.trials.size(), 2u);
  EXPECT_EQ(delta.trials[1].fail_reason, "boom");
}

TEST_P(StorageContract, ConcurrentCreationGivesGaplessUniqueNumbers) {
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  std::vector<std::thread> threads;
  for (int w = 0; w < 8; ++w)
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) storage->create_trial(s, {});
    });
  for (auto& t : threads) t.join();
  const auto trials = storage->trials(s);
  ASSERT_EQ(trials.size(), 800u);
  std::set<TrialId> ids;
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].number, static_cast<int64_t>(i));
    ids.insert(trials[i].id);
  }
  EXPECT_EQ(ids.size(), 800u);
}

TEST_P(StorageContract, EachWaitingTrialIsClaimedExactlyOnce) {
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  for (int i = 0; i < 200; ++i) storage->create_trial(s, {.state = TrialState::Waiting});
  std::mutex mu;
  std::vector<int64_t> claimed;
  std::vector<std::thread> threads;
  for (int w = 0; w < 8; ++w)
    threads.emplace_back([&, w] {
      while (auto t = storage->claim_waiting_trial(s, "worker" + std::to_string(w))) {
        std::lock_guard lock(mu);
        claimed.push_back(t->number);
      }
    });
  for (auto& t : threads) t.join();
  std::sort(claimed.begin(), claimed.end());
  ASSERT_EQ(claimed.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(claimed[static_cast<size_t>(i)], i);
  for (const auto& t : storage->trials(s)) EXPECT_EQ(t.state, TrialState::Running);
}

TEST_P(StorageContract, ReservationHasOneWinnerUnderRaces) {
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 8; ++w)
    threads.emplace_back([&] {
      for (int k = 0; k < 50; ++k)
        if (storage->add_study_system_attr_if_absent(s, "key" + std::to_string(k), true)) ++winners;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 50);
}

// Text that is not UTF-8 (a trial's Latin-1 stderr, a caller's raw bytes) never aborts a write:
// every backend stores it with U+FFFD for each bad sequence, and reads and exports it back.
TEST_P(StorageContract, InvalidUtf8InEveryTextFieldIsStoredWithReplacements) {
  const std::string bad = "caf\xE9 \xFF\xFEz";  // Latin-1 é, then two bytes UTF-8 never uses
  const std::string fixed = "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBDz";
  const StudyId s = storage->create_study("study " + bad, {Direction::Minimize});
  EXPECT_EQ(storage->study(s).name, "study " + fixed);
  EXPECT_EQ(storage->find_study("study " + bad), s);
  storage->set_study_user_attr(s, "key " + bad, "value " + bad);
  storage->set_study_system_attr(s, "sys " + bad, {{"nested " + bad, {bad}}});
  EXPECT_TRUE(storage->add_study_system_attr_if_absent(s, "once " + bad, bad));
  const FrozenTrial t = storage->create_trial(
      s, {.worker = bad, .user_attrs = {{"u0 " + bad, bad}}, .system_attrs = {{"s0", bad}}});
  EXPECT_EQ(t.worker, fixed);
  storage->set_trial_param(t.id, "x " + bad, 0.5, FloatDistribution{0, 1});
  storage->set_trial_param(t.id, "c", 1, CategoricalDistribution{{std::string("a"), bad}});
  storage->set_trial_user_attr(t.id, "u " + bad, {{"k " + bad, bad}});
  storage->set_trial_system_attr(t.id, "s " + bad, bad);
  storage->set_trial_system_attr(t.id, "nul", std::string("a\0b", 3));  // JSON escapes NUL
  EXPECT_TRUE(storage->finish_trial(
      t.id, TrialState::Failed, {},
      "exited with status 1; stderr: " + bad + std::string("\0!", 2)));  // PostgreSQL refuses NUL

  const auto info = storage->study(s);
  EXPECT_EQ(info.user_attrs.at("key " + fixed), "value " + fixed);
  EXPECT_EQ(info.system_attrs.at("sys " + fixed), nlohmann::json({{"nested " + fixed, {fixed}}}));
  EXPECT_EQ(info.system_attrs.at("once " + fixed), fixed);
  const FrozenTrial r = storage->trial(t.id);
  EXPECT_EQ(r.state, TrialState::Failed);
  EXPECT_EQ(r.fail_reason, "exited with status 1; stderr: " + fixed + "\xEF\xBF\xBD!");
  EXPECT_EQ(r.user_attrs.at("u0 " + fixed), fixed);
  EXPECT_EQ(r.user_attrs.at("u " + fixed), nlohmann::json({{"k " + fixed, fixed}}));
  EXPECT_EQ(r.system_attrs.at("s0"), fixed);
  EXPECT_EQ(r.system_attrs.at("s " + fixed), fixed);
  EXPECT_EQ(r.system_attrs.at("nul"), std::string("a\0b", 3));
  EXPECT_EQ(r.params.count("x " + fixed), 1u);
  EXPECT_EQ(std::get<std::string>(r.params.at("c")), fixed);
  EXPECT_EQ(r.worker, fixed);
  // The exports read the row back without throwing.
  std::ostringstream csv;
  write_trials_csv(csv, storage->trials(s), {Direction::Minimize});
  EXPECT_NE(csv.str().find(fixed), std::string::npos);
  EXPECT_NO_THROW(trials_json(info.name, info.directions, storage->trials(s)).dump());
}

// One rule for every storage (Optuna's limit): names up to 512 bytes, a clear error above.
TEST_P(StorageContract, StudyNamesAreLimitedTo512Bytes) {
  EXPECT_NO_THROW(storage->create_study(std::string(512, 'a'), {Direction::Minimize}));
  for (size_t n : {513u, 3000u}) {
    try {
      storage->create_study(std::string(n, 'b'), {Direction::Minimize});
      FAIL() << "a " << n << "-byte name was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("is " + std::to_string(n) +
                                           " bytes long; the limit is 512 bytes"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(storage->studies().size(), 1u);
}

TEST_P(StorageContract, FailTrialEnqueuesOneRetryWhileRetriesAreLeft) {
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const FrozenTrial t = storage->create_trial(s, {.worker = "w", .user_attrs = {{"u", 1}}});
  storage->set_trial_param(t.id, "x", 0.25, FloatDistribution{0, 1});
  EXPECT_TRUE(storage->fail_trial(t.id, "boom", 1));
  EXPECT_FALSE(storage->fail_trial(t.id, "again", 1));  // no longer running: nothing enqueued
  auto trials = storage->trials(s);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_EQ(trials[0].fail_reason, "boom");
  EXPECT_EQ(trials[0].system_attrs.at(keys::retried_by), 1);
  const FrozenTrial& retry = trials[1];
  EXPECT_EQ(retry.state, TrialState::Waiting);
  EXPECT_EQ(retry.system_attrs.at(keys::retried_from), 0);
  EXPECT_EQ(retry.system_attrs.at(keys::retry_count), 1);
  EXPECT_EQ(retry.system_attrs.at(keys::fixed_params), nlohmann::json({{"x", 0.25}}));
  EXPECT_EQ(retry.user_attrs.at("u"), 1);
  // The retry has retry_count = max_retries = 1: failing it enqueues nothing.
  const auto claimed = storage->claim_waiting_trial(s, "w2");
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->number, 1);
  EXPECT_TRUE(storage->fail_trial(claimed->id, "boom again", 1));
  trials = storage->trials(s);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_FALSE(trials[1].system_attrs.contains(keys::retried_by));
  // Without retries, failing enqueues nothing; unknown trials are NotFound.
  EXPECT_TRUE(storage->fail_trial(storage->create_trial(s, {}).id, "no retry", 0));
  EXPECT_EQ(storage->trials(s).size(), 3u);
  EXPECT_THROW(storage->fail_trial(987654, "x", 1), NotFound);
}

TEST_P(StorageContract, StaleTrialsAreRetriedOnceAndHeartbeatlessOnesNeverFail) {
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const FrozenTrial beating = storage->create_trial(s, {.worker = "w"});
  storage->set_trial_param(beating.id, "x", 0.5, FloatDistribution{0, 1});
  const FrozenTrial silent = storage->create_trial(s, {.worker = "ask", .heartbeat = false});
  EXPECT_FALSE(silent.last_heartbeat);
  storage->create_trial(s, {.state = TrialState::Waiting});
  const auto claimed = storage->claim_waiting_trial(s, "ask", false);
  ASSERT_TRUE(claimed);
  EXPECT_FALSE(claimed->last_heartbeat);
  EXPECT_FALSE(storage->trial(claimed->id).last_heartbeat);
  EXPECT_TRUE(storage->trial(beating.id).last_heartbeat);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto failed = storage->fail_stale_trials(s, 0.0, 1);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].id, beating.id);
  EXPECT_NE(failed[0].fail_reason.find("no heartbeat for"), std::string::npos);
  EXPECT_EQ(failed[0].system_attrs.at(keys::retried_by), 3);
  EXPECT_EQ(storage->trial(silent.id).state, TrialState::Running);
  EXPECT_EQ(storage->trial(claimed->id).state, TrialState::Running);
  const auto trials = storage->trials(s);
  ASSERT_EQ(trials.size(), 4u);
  EXPECT_EQ(trials[3].system_attrs.at(keys::retried_from), 0);
  EXPECT_EQ(trials[3].state, TrialState::Waiting);
  EXPECT_TRUE(storage->fail_stale_trials(s, 0.0, 1).empty());
}

TEST_P(StorageContract, RecordHeartbeatMovesOnlyTheHeartbeatOfARunningTrial) {
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const FrozenTrial t = storage->create_trial(s, {});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const uint64_t version = storage->trials_since(s, 0).version;
  storage->record_heartbeat(t.id);
  EXPECT_GT(*storage->trial(t.id).last_heartbeat, *t.last_heartbeat);
  // A heartbeat writes only the trial's heartbeat time: no new version, not in deltas.
  const auto delta = storage->trials_since(s, version);
  EXPECT_TRUE(delta.trials.empty());
  EXPECT_EQ(delta.version, version);
  storage->finish_trial(t.id, TrialState::Complete, {1}, "");
  EXPECT_THROW(storage->record_heartbeat(t.id), InvalidState);
  EXPECT_THROW(storage->record_heartbeat(987654), NotFound);
}

// fail_trial and fail_stale_trials racing on the same trials from many threads: each failure is
// accepted once and enqueues exactly one retry.
TEST_P(StorageContract, RacingFailuresEnqueueOneRetryPerFailedTrial) {
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  std::vector<TrialId> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(storage->create_trial(s, {}).id);
    storage->set_trial_param(ids.back(), "x", i / 20.0, FloatDistribution{0, 1});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 6; ++w)
    threads.emplace_back([&, w] {
      for (size_t i = 0; i < ids.size(); ++i) {
        const TrialId id = ids[(i + static_cast<size_t>(w) * 7) % ids.size()];
        if (w % 2 == 0) {
          accepted += storage->fail_trial(id, "killed", 1) ? 1 : 0;
        } else {
          accepted += static_cast<int>(storage->fail_stale_trials(s, 0.0, 1).size());
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 20);
  const auto trials = storage->trials(s);
  ASSERT_EQ(trials.size(), 40u);
  std::map<int64_t, int> retries_of;
  for (const auto& t : trials)
    if (t.system_attrs.contains(keys::retried_from))
      ++retries_of[t.system_attrs[keys::retried_from].get<int64_t>()];
  ASSERT_EQ(retries_of.size(), 20u);
  for (const auto& [number, n] : retries_of) {
    EXPECT_EQ(n, 1) << "trial " << number;
    EXPECT_EQ(trials[static_cast<size_t>(number)].state, TrialState::Failed);
    EXPECT_TRUE(trials[static_cast<size_t>(number)].system_attrs.contains(keys::retried_by));
  }
  for (const auto& t : trials) {
    if (t.system_attrs.contains(keys::retried_by)) {
      EXPECT_EQ(trials.at(t.system_attrs[keys::retried_by].get<size_t>())
                    .system_attrs.at(keys::retried_from),
                t.number);
    }
  }
}

TEST_P(StorageContract, CreateTrialWithinCountsTheRightStates) {
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const TrialBudget three{.n_trials = 3};
  const auto a = storage->create_trial_within(s, {}, three);
  const auto b = storage->create_trial_within(s, {.state = TrialState::Waiting}, three);
  const auto c = storage->create_trial_within(s, {}, three);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(c->number, 2);
  EXPECT_FALSE(storage->create_trial_within(s, {}, three));  // running + waiting + running
  storage->finish_trial(a->id, TrialState::Complete, {1}, "");
  storage->finish_trial(c->id, TrialState::Pruned, {}, "");
  EXPECT_FALSE(storage->create_trial_within(s, {}, three));  // complete and pruned count
  storage->claim_waiting_trial(s, "w");
  storage->fail_trial(b->id, "boom", 0);
  EXPECT_FALSE(storage->create_trial_within(s, {}, {.n_trials = 3, .count_failed = true}));
  const auto d = storage->create_trial_within(s, {}, three);  // failed does not count
  ASSERT_TRUE(d);
  EXPECT_EQ(d->number, 3);
  EXPECT_TRUE(d->last_heartbeat);
  EXPECT_FALSE(storage->create_trial_within(s, {}, three));
  EXPECT_THROW(storage->create_trial_within(987654, {}, three), NotFound);
}

// With count_failed, a failure and its retry take one place in the budget, not two (a retried
// failure stops counting: its retry holds the place).
TEST_P(StorageContract, ARetriedFailureDoesNotCountBesideItsRetry) {
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const TrialBudget one{.n_trials = 1, .count_failed = true};
  const auto a = storage->create_trial_within(s, {}, one);
  ASSERT_TRUE(a);
  ASSERT_TRUE(storage->fail_trial(a->id, "crashed", /*max_retries=*/1));  // enqueues trial 1
  EXPECT_FALSE(counts_toward(storage->trial(a->id), one));
  EXPECT_FALSE(storage->create_trial_within(s, {}, one));  // the waiting retry holds the place
  const auto retry = storage->claim_waiting_trial(s, "w");
  ASSERT_TRUE(retry);
  ASSERT_TRUE(storage->fail_trial(retry->id, "crashed again", 1));  // no retries left
  EXPECT_TRUE(counts_toward(storage->trial(retry->id), one));
  EXPECT_FALSE(storage->create_trial_within(s, {}, one));  // one failure counted: full
  EXPECT_TRUE(storage->create_trial_within(s, {}, {.n_trials = 2, .count_failed = true}));
}

TEST_P(StorageContract, CreateTrialWithinNeverOvershootsUnderRaces) {
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 8; ++w)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (auto t = storage->create_trial_within(s, {}, {.n_trials = 30})) {
          ++created;
          if (i % 3 == 0) storage->finish_trial(t->id, TrialState::Complete, {1}, "");
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 30);
  EXPECT_EQ(storage->trials(s).size(), 30u);
}

namespace {
std::shared_ptr<Storage> fresh_sqlite() {
  static int counter = 0;
  const std::string path = ::testing::TempDir() + "parzen-contract-" + std::to_string(getpid()) +
                           "-" + std::to_string(counter++) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return make_storage("sqlite:///" + path);
}
}  // namespace

std::shared_ptr<Storage> fresh_postgres() {
  return make_storage(parzen_test::fresh_postgres_url());
}

std::vector<std::pair<std::string, StorageFactory>> backends() {
  std::vector<std::pair<std::string, StorageFactory>> b = {{"memory", make_in_memory_storage},
                                                           {"sqlite", fresh_sqlite}};
  // ./scripts/test.sh always provides the server; a bare ctest run without it fails below.
  if (parzen_test::postgres_server_url()) b.emplace_back("postgresql", fresh_postgres);
  return b;
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageContract, ::testing::ValuesIn(backends()),
                         [](const auto& info) { return info.param.first; });

TEST(StorageBackends, PostgresqlIsTestedWhenTheServerIsThere) {
  if (!parzen_test::postgres_server_url())
    GTEST_FAIL() << "PARZEN_TEST_POSTGRES_URL is not set: run the tests through ./scripts/test.sh, "
                    "which starts a throwaway PostgreSQL server (scripts/pg-server.sh)";
}

TEST(StorageUrl, MemoryAndErrors) {
  EXPECT_NE(make_storage("memory:"), nullptr);
  EXPECT_NE(make_storage(""), nullptr);
  try {
    make_storage("redis://localhost");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("storage 'redis://localhost': unknown URL"),
              std::string::npos);
  }
  EXPECT_THROW(make_storage("sqlite://x.db"), InvalidArgument);
  EXPECT_THROW(make_storage("sqlite:///x.db?cache=shared"), InvalidArgument);
  try {
    make_storage("postgresql://parzen:secret-password@127.0.0.1:1/nowhere?connect_timeout=2");
    FAIL() << "connected to nothing";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect to the PostgreSQL database"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("secret-password"), std::string::npos)
        << "the password leaked: " << e.what();
  }
}
