// The SQLite storage beyond the shared contract: persistence across processes, real worker
// processes on one file, and clear errors for locked, corrupt and newer databases.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "parzen/parzen.hpp"
#include "storage/process.hpp"
#include "storage/scenarios.hpp"

using namespace parzen;

namespace {

std::string fresh_path(const std::string& name) {
  const std::string path =
      ::testing::TempDir() + "parzen-" + name + "-" + std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return path;
}

std::string url(const std::string& path) { return "sqlite:///" + path; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const StorageError& e) {
    return e.what();
  }
  return "";
}

// Runs sql on the file through a plain SQLite connection, outside parzen.
void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

}  // namespace

TEST(SqliteStorage, StudiesPersistAcrossConnections) {
  const std::string path = fresh_path("persist");
  {
    auto study = Study::create({.name = "persist",
                                .storage = url(path),
                                .directions = {Direction::Maximize},
                                .sampler = TpeSampler::make({.seed = 1}),
                                .log_level = LogLevel::Silent});
    study.set_user_attr("owner", "tests");
    study.optimize(
        [](Trial& t) {
          t.report(1, 0.5);
          t.set_user_attr("note", {{"k", 1}});
          return -std::pow(t.suggest_float("x", -3, 3) - 1, 2) +
                 (t.suggest_categorical("c", {"a", "b"}) == "a" ? 0.0 : -1.0);
        },
        {.n_trials = 30});
  }
  auto again =
      Study::load({.name = "persist", .storage = url(path), .log_level = LogLevel::Silent});
  const auto trials = again.trials();
  ASSERT_EQ(trials.size(), 30u);
  EXPECT_EQ(again.directions(), std::vector<Direction>{Direction::Maximize});
  EXPECT_EQ(again.user_attrs()["owner"], "tests");
  EXPECT_EQ(trials[7].intermediate_values.at(1), 0.5);
  EXPECT_EQ(trials[7].user_attrs["note"]["k"], 1);
  EXPECT_TRUE(std::holds_alternative<std::string>(trials[7].params.at("c")));
  EXPECT_GT(again.best_value(), -0.5);
  // Resuming continues the numbering.
  again.optimize([](Trial& t) { return t.suggest_float("x", -3, 3); }, {.n_trials = 2});
  EXPECT_EQ(again.trials().back().number, 31);
}

TEST(SqliteStorage, EightWorkerProcessesShareOneFile) {
  const std::string path = fresh_path("workers");
  std::vector<pid_t> pids;
  for (int w = 0; w < 8; ++w)
    pids.push_back(parzen_test::spawn(
        {PARZEN_TEST_WORKER, url(path), "shared", "200", std::to_string(w + 1)}));
  for (pid_t pid : pids) {
    EXPECT_TRUE(parzen_test::exited_cleanly(pid)) << "a worker failed";
  }
  auto study = Study::load({.name = "shared", .storage = url(path), .log_level = LogLevel::Silent});
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 1600u);
  std::set<int64_t> numbers;
  std::set<std::string> workers;
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::Complete);
    EXPECT_EQ(t.params.size(), 5u);
    numbers.insert(t.number);
    workers.insert(t.worker.substr(0, t.worker.rfind(':')));
  }
  EXPECT_EQ(numbers.size(), 1600u);
  EXPECT_EQ(*numbers.begin(), 0);
  EXPECT_EQ(*numbers.rbegin(), 1599);
  EXPECT_EQ(workers.size(), 8u);  // eight processes wrote
}

TEST(SqliteStorage, GridSearchAcrossProcessesRunsEachCombinationOnce) {
  const std::string path = fresh_path("grid");
  GridSamplerOptions grid{.grid = {{"a", {}}, {"b", {}}}};
  for (int64_t v = 0; v < 6; ++v) grid.grid[0].second.push_back(v);
  for (int64_t v = 0; v < 5; ++v) grid.grid[1].second.push_back(v);
  auto objective = [](Trial& t) {
    return static_cast<double>(t.suggest_int("a", 0, 5) * 10 + t.suggest_int("b", 0, 4));
  };
  // Two storages on one file behave like two processes.
  auto s1 = Study::create({.name = "g",
                           .storage = url(path),
                           .sampler = GridSampler::make(grid),
                           .load_if_exists = true,
                           .log_level = LogLevel::Silent});
  auto s2 = Study::create({.name = "g",
                           .storage = url(path),
                           .sampler = GridSampler::make(grid),
                           .load_if_exists = true,
                           .log_level = LogLevel::Silent});
  std::thread t1([&] { s1.optimize(objective, {.n_jobs = 2}); });
  std::thread t2([&] { s2.optimize(objective, {.n_jobs = 2}); });
  t1.join();
  t2.join();
  std::set<double> values;
  for (const auto& t : s1.trials()) values.insert(t.value());
  EXPECT_EQ(s1.trials().size(), 30u);
  EXPECT_EQ(values.size(), 30u);
}

TEST(SqliteStorage, ANewerSchemaIsRefusedClearly) {
  const std::string path = fresh_path("newer");
  make_storage(url(path));
  raw_exec(path, "UPDATE parzen_meta SET value = '99' WHERE key = 'schema_version'");
  const std::string msg = error_of([&] { make_storage(url(path)); });
  EXPECT_NE(msg.find("schema version 99, newer than this parzen understands (1)"),
            std::string::npos)
      << msg;
}

TEST(SqliteStorage, ACorruptFileIsRefusedClearly) {
  const std::string path = fresh_path("corrupt");
  std::ofstream(path) << std::string(4096, 'x');
  const std::string msg = error_of([&] { make_storage(url(path)); });
  EXPECT_NE(msg.find("is not a usable SQLite database"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
}

TEST(SqliteStorage, ALockedDatabaseTimesOutWithAClearError) {
  const std::string path = fresh_path("locked");
  auto storage = make_storage(url(path) + "?timeout=0.3");
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  const std::string msg = error_of([&] { storage->create_trial(s, {}); });
  EXPECT_NE(msg.find("is locked: another process kept it busy for more than 0.3 s"),
            std::string::npos)
      << msg;
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  // Nothing was half-written, and the storage works again.
  EXPECT_EQ(storage->create_trial(s, {}).number, 0);
}

TEST(SqliteStorage, AnUnwritablePathGivesAClearError) {
  const std::string msg = error_of([&] { make_storage("sqlite:////nonexistent-dir/sub/x.db"); });
  EXPECT_NE(msg.find("/nonexistent-dir/sub/x.db"), std::string::npos) << msg;
}

TEST(SqliteStorage, KilledWorkersTrialsFailAfterTheGracePeriodAndAreRetried) {
  parzen_test::killed_workers_scenario(url(fresh_path("killed")));
}

TEST(SqliteStorage, TheFileStaysConsistentWhenItsWriterIsKilled) {
  const std::string path = fresh_path("killed-writer");
  Study::create({.name = "w", .storage = url(path), .log_level = LogLevel::Silent});
  const pid_t pid = parzen_test::spawn({PARZEN_TEST_WORKER, url(path), "w", "100000", "7"});
  // Killed once it has written a few dozen trials (waiting for them, not a fixed time: a
  // loaded sanitizer build may not have written 10 in the first 400 ms).
  auto watcher = make_storage(url(path));
  const StudyId w = *watcher->find_study("w");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (watcher->trials(w).size() < 30 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "ok");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  auto study = Study::load({.name = "w", .storage = url(path), .log_level = LogLevel::Silent});
  const auto trials = study.trials();
  ASSERT_GT(trials.size(), 10u);
  size_t running = 0;
  for (const auto& t : trials) {
    running += t.state == TrialState::Running;
    if (t.state == TrialState::Complete) {
      EXPECT_EQ(t.params.size(), 5u);
    }
  }
  EXPECT_LE(running, 1u);  // at most the trial it was evaluating
  EXPECT_EQ(trials.back().number, static_cast<int64_t>(trials.size()) - 1);
}

// A database written by an older version holds the raw bytes a trial printed: every row still
// reads, and exports as valid UTF-8.
TEST(SqliteStorage, RowsWithInvalidUtf8FromOlderVersionsAreReadAndExported) {
  const std::string path = fresh_path("old-bytes");
  {
    auto storage = make_storage(url(path));
    const StudyId s = storage->create_study("old", {Direction::Minimize});
    const FrozenTrial t = storage->create_trial(s, {});
    storage->finish_trial(t.id, TrialState::Failed, {}, "placeholder");
  }
  raw_exec(path,
           "UPDATE trials SET fail_reason = CAST(X'636166E90A' AS TEXT), worker = "
           "CAST(X'FF' AS TEXT)");
  auto storage = make_storage(url(path));
  const auto trials = storage->trials(*storage->find_study("old"));
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].fail_reason, "caf\xEF\xBF\xBD\n");
  EXPECT_EQ(trials[0].worker, "\xEF\xBF\xBD");
  EXPECT_NE(trials_json("old", {Direction::Minimize}, trials).dump().find("caf\xEF\xBF\xBD"),
            std::string::npos);
}

TEST(SqliteStorage, CreateTrialWithinNeverOvershootsAcrossProcesses) {
  parzen_test::budget_race_scenario(url(fresh_path("budget")));
}

TEST(SqliteStorage, RacingFailuresAcrossProcessesRetryEachTrialOnce) {
  parzen_test::failure_race_scenario(url(fresh_path("failures")));
}

// The WAL is checkpointed every ~4 MB and truncated back to 4 MiB, so it stays near that size
// however many values are reported (it grew to ~40 MB, 23 KB per report, with 10000 pages).
TEST(SqliteStorage, TheWalStaysNearFourMegabytes) {
  const std::string path = fresh_path("wal");
  auto storage = make_storage(url(path));
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const FrozenTrial t = storage->create_trial(s, {});
  std::uintmax_t largest = 0;
  for (int step = 0; step < 3000; ++step) {
    storage->set_trial_intermediate_value(t.id, step, step * 0.5);
    if (step % 100 == 99) largest = std::max(largest, std::filesystem::file_size(path + "-wal"));
  }
  EXPECT_LE(largest, std::uintmax_t{6} << 20) << "bytes of WAL";
  EXPECT_EQ(storage->trial(t.id).intermediate_values.size(), 3000u);
}

namespace {

// A VFS whose clock runs an hour ahead of the system's: the database's clock, for the
// connections opened while it is the default, differs from the process's Clock::now().
sqlite3_vfs* real_vfs = nullptr;
sqlite3_vfs skewed_vfs;
constexpr double kSkewSeconds = 3600;

int skewed_time_int64(sqlite3_vfs*, sqlite3_int64* t) {
  const int rc = real_vfs->xCurrentTimeInt64(real_vfs, t);
  *t += static_cast<sqlite3_int64>(kSkewSeconds * 1000);
  return rc;
}
int skewed_time(sqlite3_vfs*, double* t) {
  const int rc = real_vfs->xCurrentTime(real_vfs, t);
  *t += kSkewSeconds / 86400.0;
  return rc;
}

struct SkewedClock {
  SkewedClock() {
    real_vfs = sqlite3_vfs_find(nullptr);
    skewed_vfs = *real_vfs;
    skewed_vfs.zName = "parzen-test-skewed";
    skewed_vfs.xCurrentTimeInt64 = skewed_time_int64;
    skewed_vfs.xCurrentTime = skewed_time;
    sqlite3_vfs_register(&skewed_vfs, 1);
  }
  ~SkewedClock() {
    sqlite3_vfs_register(real_vfs, 1);
    sqlite3_vfs_unregister(&skewed_vfs);
  }
};

double seconds(std::optional<Clock::time_point> t) {
  return std::chrono::duration<double>(t.value().time_since_epoch()).count();
}

}  // namespace

// Every time the storage writes comes from the database's clock, not the client's: with the
// database an hour ahead, trial starts, heartbeats and completions are an hour ahead, and the
// heartbeats are judged by that same clock (no trial looks stale or fresh by the skew).
TEST(SqliteStorage, TimesAreTheDatabasesClockNotTheClients) {
  const std::string path = fresh_path("skew");
  SkewedClock skew;
  auto storage = make_storage(url(path));
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const double database_now = seconds(Clock::now()) + kSkewSeconds;
  const FrozenTrial t = storage->create_trial(s, {});
  EXPECT_NEAR(seconds(t.last_heartbeat), database_now, 60);
  EXPECT_NEAR(seconds(storage->trial(t.id).last_heartbeat), database_now, 60);
  EXPECT_NEAR(seconds(storage->trial(t.id).datetime_start), database_now, 60);
  storage->record_heartbeat(t.id);
  EXPECT_NEAR(seconds(storage->trial(t.id).last_heartbeat), database_now, 60);
  EXPECT_TRUE(storage->fail_stale_trials(s, 30).empty());
  storage->create_trial(s, {.state = TrialState::Waiting});
  const auto claimed = storage->claim_waiting_trial(s, "w");
  ASSERT_TRUE(claimed);
  EXPECT_NEAR(seconds(claimed->last_heartbeat), database_now, 60);
  EXPECT_TRUE(storage->finish_trial(t.id, TrialState::Complete, {1}, ""));
  EXPECT_NEAR(seconds(storage->trial(t.id).datetime_complete), database_now, 60);
}

// Another process holds the write lock longer than the grace period while fail_stale_trials
// waits for it: only the trial that was already stale when the call started fails; the live
// one, whose heartbeat was fresh then, is not aged by the wait.
TEST(SqliteStorage, WaitingForALockDoesNotAgeLiveTrials) {
  const std::string path = fresh_path("stall");
  auto storage = make_storage(url(path));
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const FrozenTrial live = storage->create_trial(s, {});
  const FrozenTrial dead = storage->create_trial(s, {});
  raw_exec(path, "UPDATE trials SET heartbeat = heartbeat - 100 WHERE trial_id = " +
                     std::to_string(dead.id));
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::vector<FrozenTrial> failed;
  std::thread judge([&] { failed = storage->fail_stale_trials(s, 1.0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  judge.join();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].id, dead.id);
  EXPECT_EQ(storage->trial(live.id).state, TrialState::Running);
}
