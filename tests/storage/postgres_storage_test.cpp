// The PostgreSQL storage with real worker processes and real failures, against the throwaway
// server that ./scripts/test.sh starts (see postgres_fixture.hpp).

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "parzen/parzen.hpp"
#include "storage/postgres_fixture.hpp"
#include "storage/process.hpp"
#include "storage/rdb/driver.hpp"
#include "storage/scenarios.hpp"

using namespace parzen;

namespace {

std::string storage_error(const std::string& url) {
  try {
    make_storage(url);
  } catch (const StorageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

#define REQUIRE_SERVER()                   \
  if (!parzen_test::postgres_server_url()) \
  GTEST_SKIP() << "no PARZEN_TEST_POSTGRES_URL (see StorageBackends)"

TEST(PostgresStorage, EightWorkerProcessesShareOneDatabase) {
  REQUIRE_SERVER();
  const std::string url = parzen_test::fresh_postgres_url();
  Study::create({.name = "shared", .storage = url, .log_level = LogLevel::Silent});
  std::vector<pid_t> pids;
  for (int w = 0; w < 8; ++w)
    pids.push_back(
        parzen_test::spawn({PARZEN_TEST_WORKER, url, "shared", "200", std::to_string(w + 1)}));
  for (pid_t pid : pids) {
    EXPECT_TRUE(parzen_test::exited_cleanly(pid)) << "a worker failed";
  }
  auto study = Study::load({.name = "shared", .storage = url, .log_level = LogLevel::Silent});
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 1600u);
  std::set<int64_t> numbers;
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::Complete);
    EXPECT_EQ(t.params.size(), 5u);
    numbers.insert(t.number);
  }
  EXPECT_EQ(numbers.size(), 1600u);
  EXPECT_EQ(*numbers.rbegin(), 1599);
}

TEST(PostgresStorage, WrongPasswordAndUnreachableServerGiveClearErrors) {
  REQUIRE_SERVER();
  std::string url = parzen_test::postgres_server_url();
  const auto at = url.find('@');
  const auto colon = url.rfind(':', at);
  const std::string wrong = url.substr(0, colon + 1) + "not-the-password" + url.substr(at);
  std::string msg = storage_error(wrong);
  EXPECT_NE(msg.find("password authentication failed"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("not-the-password"), std::string::npos) << "the password leaked: " << msg;
  msg = storage_error("postgresql://parzen:x@127.0.0.1:1/parzen_test?connect_timeout=2");
  EXPECT_NE(
      msg.find("cannot connect to the PostgreSQL database postgresql://parzen:***@127.0.0.1:1"),
      std::string::npos)
      << msg;
}

TEST(PostgresStorage, StudiesPersistAndResume) {
  REQUIRE_SERVER();
  const std::string url = parzen_test::fresh_postgres_url();
  {
    auto study = Study::create({.name = "p",
                                .storage = url,
                                .sampler = TpeSampler::make({.seed = 3}),
                                .log_level = LogLevel::Silent});
    study.optimize([](Trial& t) { return std::pow(t.suggest_float("x", -3, 3) - 1, 2); },
                   {.n_trials = 25});
  }
  auto again = Study::load({.name = "p", .storage = url, .log_level = LogLevel::Silent});
  EXPECT_EQ(again.trials().size(), 25u);
  EXPECT_LT(again.best_value(), 0.1);
}

TEST(PostgresStorage, KilledWorkersTrialsFailAfterTheGracePeriodAndAreRetried) {
  REQUIRE_SERVER();
  parzen_test::killed_workers_scenario(parzen_test::fresh_postgres_url());
}

TEST(PostgresStorage, ANewerSchemaIsRefusedClearly) {
  REQUIRE_SERVER();
  const std::string url = parzen_test::fresh_postgres_url();
  make_storage(url);
  PGconn* conn = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK);
  PQclear(PQexec(conn, "UPDATE parzen_meta SET value = '99' WHERE key = 'schema_version'"));
  PQfinish(conn);
  std::string msg;
  try {
    make_storage(url);
  } catch (const StorageError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("schema version 99, newer than this parzen understands (1)"),
            std::string::npos)
      << msg;
}

TEST(PostgresStorage, CreateTrialWithinNeverOvershootsAcrossProcesses) {
  REQUIRE_SERVER();
  parzen_test::budget_race_scenario(parzen_test::fresh_postgres_url());
}

TEST(PostgresStorage, RacingFailuresAcrossProcessesRetryEachTrialOnce) {
  REQUIRE_SERVER();
  parzen_test::failure_race_scenario(parzen_test::fresh_postgres_url());
}

// Another client holds the study's row FOR UPDATE for longer than the grace period (2 s for
// 4 s) while a worker beats every 0.5 s: its heartbeats (one UPDATE of the trial's row, on their
// own connection) go through, and neither a call waiting during the hold nor one after it fails
// the trial.
TEST(PostgresStorage, HeartbeatsGoThroughWhileAnotherClientHoldsTheStudysRow) {
  REQUIRE_SERVER();
  const std::string url = parzen_test::fresh_postgres_url();
  auto storage = make_storage(url);
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const FrozenTrial t = storage->create_trial(s, {});
  auto other = rdb::open_postgres(url);
  other->begin_write();
  ASSERT_EQ(other->query("SELECT study_id FROM studies WHERE study_id = ? FOR UPDATE", {s}).size(),
            1u);
  std::atomic<bool> stop{false};
  std::thread beat([&] {
    while (!stop) {
      storage->record_heartbeat(t.id);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  });
  std::vector<FrozenTrial> during;
  std::thread judge([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    during = storage->fail_stale_trials(s, 2.0);
  });
  std::this_thread::sleep_for(std::chrono::seconds(4));
  other->rollback();
  judge.join();
  const auto after = storage->fail_stale_trials(s, 2.0);
  stop = true;
  beat.join();
  EXPECT_TRUE(during.empty()) << during.at(0).fail_reason;
  EXPECT_TRUE(after.empty()) << after.at(0).fail_reason;
  EXPECT_EQ(storage->trial(t.id).state, TrialState::Running);
}

// The heartbeat is the server's clock_timestamp().
TEST(PostgresStorage, HeartbeatsAreTheServersTime) {
  REQUIRE_SERVER();
  const std::string url = parzen_test::fresh_postgres_url();
  auto storage = make_storage(url);
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const FrozenTrial t = storage->create_trial(s, {});
  auto other = rdb::open_postgres(url);
  const auto before = other->query("SELECT EXTRACT(EPOCH FROM clock_timestamp())");
  storage->record_heartbeat(t.id);
  const auto after = other->query("SELECT EXTRACT(EPOCH FROM clock_timestamp())");
  const double beat =
      std::chrono::duration<double>(storage->trial(t.id).last_heartbeat->time_since_epoch())
          .count();
  EXPECT_GE(beat, rdb::as_double(before.at(0).at(0)) - 1e-3);
  EXPECT_LE(beat, rdb::as_double(after.at(0).at(0)) + 1e-3);
}
