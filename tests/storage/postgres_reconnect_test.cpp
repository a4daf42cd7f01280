// The PostgreSQL driver when the server goes away: restarted, a backend terminated, frozen
// (SIGSTOP), stopped for good; and the storage's durability through a crash of the server
// (PostgresCrash). Each test starts its own throwaway cluster with
// scripts/pg-server.sh (never the shared PARZEN_TEST_POSTGRES_URL server, which other tests use)
// and removes it at the end.

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "parzen/parzen.hpp"
#include "storage/postgres_fixture.hpp"
#include "storage/rdb/driver.hpp"

extern char** environ;

namespace parzen::rdb {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Ran {
  int status = -1;
  std::string output;  // stdout and stderr
};

// Runs a program (no shell) and collects its output.
Ran run(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int fds[2];
  if (pipe(fds) != 0) return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  Ran ran;
  char buffer[4096];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;)
    ran.output.append(buffer, static_cast<size_t>(n));
  close(fds[0]);
  if (spawned != 0) return ran;
  int status = 0;
  if (waitpid(pid, &status, 0) == pid && WIFEXITED(status)) ran.status = WEXITSTATUS(status);
  return ran;
}

std::string last_line(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

// The parent pid of a process, from /proc (0 when it is gone).
pid_t parent_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close_paren = text.rfind(')');
  if (close_paren == std::string::npos) return 0;
  std::istringstream rest(text.substr(close_paren + 1));
  std::string state;
  pid_t parent = 0;
  rest >> state >> parent;
  return parent;
}

// One throwaway cluster for the tests of this process (ctest runs each test in a process of its
// own, so each gets its own cluster there); a test that stops it has the next one start a new one.
class PostgresReconnect : public ::testing::Test {
 protected:
  void SetUp() override {
    // Tests here stop their server and start it again on the same port; a cluster another test
    // starts meanwhile must not take that port. pg-server.sh takes the first free port from
    // PARZEN_PG_PORT (default 55432): start each process's scan somewhere of its own.
    setenv("PARZEN_PG_PORT", std::to_string(56000 + getpid() % 3000).c_str(), 1);
    const Ran started = run({script(), "start", dir()});
    ASSERT_EQ(started.status, 0)
        << "cannot start a throwaway PostgreSQL cluster (`" << script() << " start " << dir()
        << "`); these tests need PostgreSQL's server (Debian: apt-get install postgresql, as "
           "scripts/ci-deps.sh does):\n"
        << started.output;
    url_ = last_line(started.output);
    ASSERT_EQ(url_.rfind("postgresql://", 0), 0u) << started.output;
  }

  void TearDown() override { thaw(); }
  static void TearDownTestSuite() { run({script(), "stop", dir()}); }

  static std::string dir() { return "/tmp/pg-reconnect-" + std::to_string(getpid()); }
  static std::string script() { return std::string(PARZEN_SOURCE_DIR) + "/scripts/pg-server.sh"; }

  void restart() {
    const Ran ran = run({script(), "restart", dir()});
    ASSERT_EQ(ran.status, 0) << ran.output;
  }
  void stop() {
    const Ran ran = run({script(), "stop", dir()});
    ASSERT_EQ(ran.status, 0) << ran.output;
  }

  // SIGSTOP the whole server: the postmaster and every process it started.
  void freeze() {
    std::ifstream pid_file(dir() + "/data/postmaster.pid");
    pid_t postmaster = 0;
    pid_file >> postmaster;
    ASSERT_GT(postmaster, 0) << "no pid in " << dir() << "/data/postmaster.pid";
    frozen_ = {postmaster};
    if (DIR* proc = opendir("/proc")) {
      while (const dirent* entry = readdir(proc)) {
        const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
        if (pid > 0 && parent_of(pid) == postmaster) frozen_.push_back(pid);
      }
      closedir(proc);
    }
    for (const pid_t pid : frozen_) ASSERT_EQ(kill(pid, SIGSTOP), 0) << "SIGSTOP " << pid;
  }
  void thaw() {
    for (const pid_t pid : frozen_) kill(pid, SIGCONT);
    frozen_.clear();
  }

  // The test cluster's port, from its URL.
  std::string port() const {
    const std::string rest = url_.substr(url_.rfind('@') + 1);  // 127.0.0.1:PORT/parzen_test
    return rest.substr(rest.find(':') + 1, rest.find('/') - rest.find(':') - 1);
  }

  // The test cluster's password (pg-server.sh gives each cluster a random one).
  static std::string password() {
    std::ifstream in(dir() + "/password");
    std::string p;
    std::getline(in, p);
    return p;
  }

  // The test cluster's URL with Parzen's options appended.
  std::string url(const std::string& options) const { return url_ + "?" + options; }

  std::string url_;
  std::vector<pid_t> frozen_;
};

int64_t count_rows(Connection& db, const std::string& table) {
  return as_int(db.query("SELECT count(*) FROM " + table).at(0).at(0));
}

TEST_F(PostgresReconnect, RestartBetweenTwoQueriesIsInvisible) {
  const auto db = open_postgres(url("retry_seconds=20&deadline_seconds=10"));
  ASSERT_EQ(as_int(db->query("SELECT CAST(? AS BIGINT) + 1", {int64_t{41}}).at(0).at(0)), 42);
  restart();
  // The same prepared statement: prepared again on the new connection.
  EXPECT_EQ(as_int(db->query("SELECT CAST(? AS BIGINT) + 1", {int64_t{1}}).at(0).at(0)), 2);
  EXPECT_EQ(db->reconnects(), 1u);
  EXPECT_EQ(as_int(db->query("SELECT 7").at(0).at(0)), 7);
  EXPECT_EQ(db->reconnects(), 1u);
}

TEST_F(PostgresReconnect, RestartDuringAWriteBatchResendsIt) {
  const auto db = open_postgres(url("retry_seconds=20"));
  db->query("CREATE TABLE runs (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)");
  std::jthread restarter([&] {
    std::this_thread::sleep_for(milliseconds(700));
    restart();
  });
  // The server's fast shutdown ends the batch inside pg_sleep: its implicit transaction rolls
  // back, and the driver sends the whole batch again on a new connection.
  const auto results = db->write_batch({
      {"INSERT INTO runs (id, n) VALUES (?, 0) ON CONFLICT (id) DO NOTHING", {int64_t{1}}},
      {"SELECT pg_sleep(2)"},
      {"UPDATE runs SET n = n + 1 WHERE id = ? RETURNING n", {int64_t{1}}},
  });
  restarter.join();
  EXPECT_GE(db->reconnects(), 1u);
  ASSERT_EQ(results.size(), 3u);
  ASSERT_EQ(results[2].size(), 1u);
  EXPECT_EQ(as_int(results[2][0][0]), 1);
  EXPECT_EQ(as_int(db->query("SELECT n FROM runs WHERE id = 1").at(0).at(0)), 1);
}

TEST_F(PostgresReconnect, TerminatedBackendIsReplacedAndATransactionIsAskedToRerun) {
  // A key=value connection string this time: Parzen's option is removed before libpq sees it.
  const auto db =
      open_postgres("host=127.0.0.1 port=" + port() + " user=parzen password=" + password() +
                    " dbname=parzen_test retry_seconds=20");
  const auto admin = open_postgres(url_);
  const auto terminate = [&] {
    const int64_t pid = as_int(db->query("SELECT pg_backend_pid()").at(0).at(0));
    admin->query("SELECT pg_terminate_backend(CAST(? AS INTEGER))", {pid});
    for (int i = 0; i < 500; ++i) {
      if (as_int(admin
                     ->query("SELECT count(*) FROM pg_stat_activity WHERE pid = CAST(? AS "
                             "INTEGER)",
                             {pid})
                     .at(0)
                     .at(0)) == 0)
        return pid;
      std::this_thread::sleep_for(milliseconds(10));
    }
    ADD_FAILURE() << "backend " << pid << " still alive 5 s after pg_terminate_backend";
    return pid;
  };
  db->query("CREATE TABLE terminated (id BIGINT PRIMARY KEY)");

  // Outside a transaction: the statement goes to a new backend.
  const int64_t first = terminate();
  const int64_t second = as_int(db->query("SELECT pg_backend_pid()").at(0).at(0));
  EXPECT_NE(second, first);
  EXPECT_EQ(db->reconnects(), 1u);

  // Inside one: ConnectionLost at once (the connection restored), rollback() does not throw,
  // nothing of the transaction stayed, and the rerun works.
  db->begin_write();
  db->query("INSERT INTO terminated (id) VALUES (1)");
  terminate();
  try {
    db->query("INSERT INTO terminated (id) VALUES (2)");
    ADD_FAILURE() << "no ConnectionLost inside a transaction";
  } catch (const ConnectionLost& e) {
    EXPECT_FALSE(e.retry_time_spent()) << e.what();
    EXPECT_NE(std::string(e.what()).find("rerun"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(db->rollback());
  EXPECT_EQ(db->reconnects(), 2u);
  EXPECT_EQ(count_rows(*db, "terminated"), 0);
  db->begin_write();
  db->query("INSERT INTO terminated (id) VALUES (1)");
  db->query("INSERT INTO terminated (id) VALUES (2)");
  db->commit();
  EXPECT_EQ(count_rows(*db, "terminated"), 2);
}

TEST_F(PostgresReconnect, FrozenServerIsLeftAtTheDeadlineAndTheCallReturnsAfterSigcont) {
  const auto db = open_postgres(url("deadline_seconds=1&retry_seconds=30"));
  db->query("CREATE TABLE frozen (id BIGINT PRIMARY KEY)");
  freeze();
  std::jthread thawer([&] {
    std::this_thread::sleep_for(seconds(5));
    thaw();
  });
  const auto start = Clock::now();
  std::vector<std::vector<Row>> results;
  EXPECT_NO_THROW(results = db->write_batch({
                      {"INSERT INTO frozen (id) VALUES (1) ON CONFLICT (id) DO NOTHING"},
                      {"SELECT count(*) FROM frozen"},
                  }));
  const auto took = Clock::now() - start;
  thawer.join();
  // The frozen connection was dropped after its deadline (and a cancel request that got no
  // answer), not waited on: the batch went again on a new connection once the server ran.
  EXPECT_GE(db->reconnects(), 1u);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(as_int(results[1].at(0).at(0)), 1);
  EXPECT_LT(took, seconds(30)) << "longer than retry_seconds";
  EXPECT_EQ(count_rows(*db, "frozen"), 1);
}

TEST_F(PostgresReconnect, RetryTimeRunsOutWithAClearError) {
  // Through the cluster's own Unix socket: once it is stopped, another cluster started on this
  // machine may take its TCP port.
  const auto db =
      open_postgres("host=" + dir() + " port=" + port() + " user=parzen password=" + password() +
                    " dbname=parzen_test retry_seconds=2");
  ASSERT_EQ(as_int(db->query("SELECT 1").at(0).at(0)), 1);
  const std::string secret = password();
  stop();
  const auto start = Clock::now();
  try {
    db->query("SELECT 1");
    ADD_FAILURE() << "no ConnectionLost with the server stopped";
  } catch (const ConnectionLost& e) {
    const std::string message = e.what();
    EXPECT_TRUE(e.retry_time_spent()) << message;
    EXPECT_NE(message.find("retry_seconds=2"), std::string::npos) << message;
    EXPECT_NE(message.find("parzen_test"), std::string::npos) << message;  // the database
    EXPECT_NE(message.find("No such file or directory"), std::string::npos)
        << message;  // libpq's reason
    EXPECT_NE(message.find("committed before is safe"), std::string::npos) << message;
    EXPECT_EQ(message.find(secret), std::string::npos) << "password shown: " << message;
  }
  EXPECT_LT(Clock::now() - start, seconds(15)) << "the retry time is 2 s";
  EXPECT_NO_THROW(db->rollback());
}

// Finding 6 of try-out 21: while this storage's server is down, another cluster (same user,
// password and database name) starts at the same address. A reconnect reaches it; the storage
// must notice that it is another database (its token and system identifier differ) and write
// nothing there: DatabaseReplaced, for this write and every later one. A plain restart of the
// same server keeps the identity and carries on.
TEST_F(PostgresReconnect, AnotherDatabaseAtTheSameAddressIsNeverWrittenTo) {
  const auto a = make_storage(url("retry_seconds=30"));
  const StudyId study = a->create_study("s", {Direction::Minimize});
  const FrozenTrial trial = a->create_trial(study, NewTrial{});
  restart();  // the same database: carries on
  a->set_trial_user_attr(trial.id, "before", 1);

  const std::string other_dir = dir() + "-other";
  const Ran down = run({script(), "down", dir()});
  ASSERT_EQ(down.status, 0) << down.output;
  setenv("PARZEN_PG_PORT", port().c_str(), 1);
  setenv("PARZEN_PG_TAKE_PORT", "1", 1);
  setenv("PARZEN_PG_PASSWORD", password().c_str(), 1);
  const Ran other = run({script(), "start", other_dir});
  unsetenv("PARZEN_PG_TAKE_PORT");
  unsetenv("PARZEN_PG_PASSWORD");
  struct Cleanup {
    std::string script, dir;
    ~Cleanup() { run({script, "stop", dir}); }
  } cleanup{script(), other_dir};
  ASSERT_EQ(other.status, 0) << other.output;
  ASSERT_EQ(last_line(other.output), url_) << "the other cluster must answer at the same URL";
  {  // The other database holds a study of the same name with one trial, as the first did.
    const auto b = make_storage(url_);
    const StudyId s = b->create_study("s", {Direction::Minimize});
    b->create_trial(s, NewTrial{});
  }

  for (int i = 0; i < 2; ++i) {
    try {
      a->set_trial_user_attr(trial.id, "after", 2);
      ADD_FAILURE() << "a write after the reconnect to another database went through";
    } catch (const DatabaseReplaced& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("not the database this process started on"), std::string::npos)
          << message;
      EXPECT_NE(message.find("127.0.0.1:" + port()), std::string::npos) << message;
      EXPECT_EQ(message.find(password()), std::string::npos) << "password shown: " << message;
    }
  }
  EXPECT_THROW(a->finish_trial(trial.id, TrialState::Complete, {1.0}, ""), DatabaseReplaced);
  EXPECT_THROW(a->record_heartbeat(trial.id), StorageError);

  const auto b = make_storage(url_);
  const auto trials = b->trials(*b->find_study("s"));
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::Running);
  EXPECT_TRUE(trials[0].user_attrs.empty()) << trials[0].user_attrs.dump();
}

// Durability through a crash of the server (an immediate shutdown: every server process exits at
// once, as after a kill -9 of the cluster or a power cut of the database's host, short of the
// disk): writes to a running trial commit asynchronously (src/storage/rdb/rdb_storage.cpp,
// write_running), the transaction that ends a trial is synchronous and re-asserts them. The
// cluster's WAL writer is slowed to 10 s (and autovacuum and the background writer, which also
// flush WAL, are off), so an asynchronous commit is not on disk when the crash comes: what the
// crash loses is what the storage did not make durable itself.
class PostgresCrash : public PostgresReconnect {
 protected:
  void SetUp() override {
    PostgresReconnect::SetUp();
    if (HasFatalFailure()) return;
    const auto admin = open_postgres(url_);
    for (const char* setting : {"wal_writer_delay = '10s'", "wal_writer_flush_after = '1GB'",
                                "autovacuum = off", "bgwriter_lru_maxpages = 0"})
      admin->query(std::string("ALTER SYSTEM SET ") + setting);
    admin->query("SELECT pg_reload_conf()");
  }

  // An immediate shutdown (SIGQUIT to the postmaster: no checkpoint, no WAL flush), then the
  // same cluster started again, which recovers from the WAL on disk.
  void crash_and_recover() {
    pid_t postmaster = 0;
    {
      std::ifstream pid_file(dir() + "/data/postmaster.pid");
      pid_file >> postmaster;
    }
    ASSERT_GT(postmaster, 0) << "no pid in " << dir() << "/data/postmaster.pid";
    ASSERT_EQ(kill(postmaster, SIGQUIT), 0);
    for (int i = 0; i < 3000 && kill(postmaster, 0) == 0; ++i)
      std::this_thread::sleep_for(milliseconds(10));
    ASSERT_NE(kill(postmaster, 0), 0) << "the postmaster outlived its immediate shutdown";
    const Ran up = run({script(), "up", dir()});
    ASSERT_EQ(up.status, 0) << up.output;
  }

  // Bytes of WAL inserted but not yet flushed to disk (the server's own view).
  int64_t unflushed_wal_bytes() {
    const auto admin = open_postgres(url_);
    return as_int(admin
                      ->query("SELECT CAST(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), "
                              "pg_current_wal_flush_lsn()) AS BIGINT)")
                      .at(0)
                      .at(0));
  }

  // The cluster serves every test of this process: a study of the test's own.
  static std::string study_name() {
    return ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  // A study with one running trial and its five parameters set, as the bench's trials have
  // (after `reports_before` intermediate values 0, 0.5, 1, ...).
  struct Running {
    std::shared_ptr<Storage> storage;
    StudyId study = 0;
    FrozenTrial trial;
  };
  Running trial_with_five_parameters(int reports_before = 0) {
    Running r;
    r.storage = make_storage(url_);
    r.study = r.storage->create_study(study_name(), {Direction::Minimize});
    r.trial = r.storage->create_trial(r.study, NewTrial{});
    for (int step = 0; step < reports_before; ++step)
      r.storage->set_trial_intermediate_value(r.trial.id, step, 0.5 * step);
    for (int i = 0; i < 5; ++i)
      r.storage->set_trial_param(r.trial.id, "x" + std::to_string(i), 0.125 * i,
                                 FloatDistribution{-5, 5});
    return r;
  }

  static void expect_complete_with_five_parameters(const FrozenTrial& t, double value) {
    EXPECT_EQ(t.state, TrialState::Complete);
    ASSERT_EQ(t.values.size(), 1u);
    EXPECT_EQ(t.values[0], value);
    ASSERT_EQ(t.params.size(), 5u) << "a complete trial without all its parameters";
    for (int i = 0; i < 5; ++i)
      EXPECT_EQ(std::get<double>(t.params.at("x" + std::to_string(i))), 0.125 * i);
  }
};

TEST_F(PostgresCrash, ACrashBetweenParameterWritesAndTheFinishLeavesNoCompleteTrialWithoutThem) {
  // Reports first: more than the storage keeps for re-assertion (64 writes of one trial: the
  // 65th is a synchronous commit carrying them), the last ones and the parameters asynchronous.
  Running r = trial_with_five_parameters(70);
  // The parameter writes are asynchronous commits: their WAL is not on disk yet.
  EXPECT_GT(unflushed_wal_bytes(), 0) << "set_trial_param committed synchronously";
  crash_and_recover();
  if (HasFatalFailure()) return;
  {
    // What the crash left: the trial (its creation was synchronous), running, and (as far as the
    // WAL writer had not written them) without its parameters.
    const FrozenTrial after = make_storage(url_)->trial(r.trial.id);
    EXPECT_EQ(after.state, TrialState::Running);
    std::cout << "left by the crash: " << after.params.size() << " of 5 parameters, "
              << after.intermediate_values.size() << " of 70 reports\n";
  }
  // The worker finishes its trial on the recovered server (the driver reconnects).
  EXPECT_TRUE(r.storage->finish_trial(r.trial.id, TrialState::Complete, {1.5}, ""));
  const FrozenTrial finished = make_storage(url_)->trial(r.trial.id);
  expect_complete_with_five_parameters(finished, 1.5);
  ASSERT_EQ(finished.intermediate_values.size(), 70u);
  for (int step = 0; step < 70; ++step)
    EXPECT_EQ(finished.intermediate_values.at(step), 0.5 * step);

  // The same for a trial that ends failed: it keeps its parameters, and so does its retry.
  FrozenTrial second = r.storage->create_trial(r.study, NewTrial{});
  r.storage->set_trial_param(second.id, "y", 0.5, FloatDistribution{0, 1});
  crash_and_recover();
  if (HasFatalFailure()) return;
  EXPECT_TRUE(r.storage->fail_trial(second.id, "the program failed", 1));
  const auto loaded = make_storage(url_);
  EXPECT_EQ(std::get<double>(loaded->trial(second.id).params.at("y")), 0.5);
  const auto all = loaded->trials(r.study);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].state, TrialState::Waiting);
  EXPECT_EQ(all[2].system_attrs.at(keys::fixed_params), nlohmann::json({{"y", 0.5}}))
      << "the retry runs the failed trial's parameters";
}

TEST_F(PostgresCrash, AFinishedTrialSurvivesACrashRightAfterFinishReturns) {
  Running r = trial_with_five_parameters();
  ASSERT_TRUE(r.storage->finish_trial(r.trial.id, TrialState::Complete, {2.5}, ""));
  // The finish is a synchronous commit: all WAL up to it is on disk when it returns.
  EXPECT_EQ(unflushed_wal_bytes(), 0) << "finish_trial returned before its commit was durable";
  crash_and_recover();
  if (HasFatalFailure()) return;
  expect_complete_with_five_parameters(make_storage(url_)->trial(r.trial.id), 2.5);
  // The same for a failed one.
  FrozenTrial second = r.storage->create_trial(r.study, NewTrial{});
  r.storage->set_trial_param(second.id, "y", 0.5, FloatDistribution{0, 1});
  ASSERT_TRUE(r.storage->fail_trial(second.id, "the program failed", 0));
  EXPECT_EQ(unflushed_wal_bytes(), 0) << "fail_trial returned before its commit was durable";
  crash_and_recover();
  if (HasFatalFailure()) return;
  const FrozenTrial failed = make_storage(url_)->trial(second.id);
  EXPECT_EQ(failed.state, TrialState::Failed);
  EXPECT_EQ(std::get<double>(failed.params.at("y")), 0.5);
}

TEST_F(PostgresCrash, CreatedTrialsSurviveACrashAndHeartbeatsAreAsynchronous) {
  const auto storage = make_storage(url_);
  const StudyId study = storage->create_study(study_name(), {Direction::Minimize});
  const FrozenTrial t = storage->create_trial(study, NewTrial{});
  EXPECT_EQ(unflushed_wal_bytes(), 0) << "create_trial returned before its commit was durable";
  ASSERT_TRUE(storage->create_trial_within(study, NewTrial{}, TrialBudget{.n_trials = 2}));
  EXPECT_EQ(unflushed_wal_bytes(), 0)
      << "create_trial_within returned before its commit was durable";
  EXPECT_FALSE(storage->create_trial_within(study, NewTrial{}, TrialBudget{.n_trials = 2}));
  storage->record_heartbeat(t.id);
  EXPECT_GT(unflushed_wal_bytes(), 0) << "record_heartbeat committed synchronously";
  crash_and_recover();
  if (HasFatalFailure()) return;
  const auto trials = make_storage(url_)->trials(study);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Running);
  EXPECT_EQ(trials[1].state, TrialState::Running);
  // A lost heartbeat is harmless: the next one lands, and meanwhile the trial's age runs from
  // the server's restart.
  EXPECT_NO_THROW(storage->record_heartbeat(t.id));
  EXPECT_TRUE(make_storage(url_)->fail_stale_trials(study, 5).empty());
}

TEST_F(PostgresCrash, AReaderSeesEveryWriteAfterACrashLostVersionsItHadSeen) {
  Running r = trial_with_five_parameters();
  // Another process's view has read the five asynchronous writes, and their versions.
  const auto reader = make_storage(url_);
  const TrialsDelta seen = reader->trials_since(r.study, 0);
  ASSERT_EQ(seen.trials.size(), 1u);
  EXPECT_EQ(seen.trials[0].params.size(), 5u);
  crash_and_recover();
  if (HasFatalFailure()) return;
  // The crash may have lost those versions; the writes after it reuse them, and more.
  ASSERT_TRUE(r.storage->finish_trial(r.trial.id, TrialState::Complete, {3.5}, ""));
  for (int i = 0; i < 8; ++i) r.storage->create_trial(r.study, NewTrial{});
  const TrialsDelta delta = reader->trials_since(r.study, seen.version);
  std::map<int64_t, FrozenTrial> by_number;
  for (const auto& t : delta.trials) by_number[t.number] = t;
  ASSERT_EQ(by_number.size(), 9u) << "the reader missed writes made after the crash";
  expect_complete_with_five_parameters(by_number.at(0), 3.5);
  // And from then on only what changes.
  EXPECT_TRUE(reader->trials_since(r.study, delta.version).trials.empty());
}

// On the shared test server (nothing is restarted there): a statement waiting on a row lock
// longer than the deadline is cancelled and re-sent until it gets through.
TEST(PostgresDeadline, StatementOutlivingTheDeadlineIsCancelledAndResent) {
  const std::string base = parzen_test::fresh_postgres_url();
  const auto db = open_postgres(base + "?deadline_seconds=0.5&retry_seconds=30");
  const auto holder = open_postgres(base);
  db->query("CREATE TABLE locked (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)");
  db->query("CREATE TABLE attempts (id BIGINT PRIMARY KEY)");
  db->query("CREATE SEQUENCE attempt_ids");
  db->query("INSERT INTO locked (id, n) VALUES (1, 0)");
  const auto hold_lock = [&] {
    holder->begin_write();
    holder->query("SELECT n FROM locked WHERE id = 1 FOR UPDATE");
    return std::jthread([&] {
      std::this_thread::sleep_for(milliseconds(2000));
      holder->commit();
    });
  };

  {
    const auto release = hold_lock();
    // Every attempt takes a sequence number (sequences ignore rollbacks); only the last one's
    // row stays.
    const auto results = db->write_batch({
        {"INSERT INTO attempts (id) VALUES (nextval('attempt_ids'))"},
        {"UPDATE locked SET n = n + 1 WHERE id = 1 RETURNING n"},
    });
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(as_int(results[1].at(0).at(0)), 1);
  }
  EXPECT_EQ(db->reconnects(), 0u) << "the connection was fine: cancelled, not dropped";
  EXPECT_GE(as_int(db->query("SELECT last_value FROM attempt_ids").at(0).at(0)), 2)
      << "sent once only";
  EXPECT_EQ(as_int(db->query("SELECT count(*) FROM attempts").at(0).at(0)), 1);

  // Inside a transaction the caller reruns it.
  {
    const auto release = hold_lock();
    db->begin_write();
    try {
      db->query("UPDATE locked SET n = n + 1 WHERE id = 1");
      ADD_FAILURE() << "no ConnectionLost for a statement cancelled inside a transaction";
    } catch (const ConnectionLost& e) {
      EXPECT_FALSE(e.retry_time_spent()) << e.what();
    }
    EXPECT_NO_THROW(db->rollback());
  }
  EXPECT_EQ(as_int(db->query("SELECT n FROM locked WHERE id = 1").at(0).at(0)), 1);
}

TEST(PostgresReconnectOptions, BadValueIsRefusedNamingTheOptionWithoutThePassword) {
  for (const std::string& url :
       {std::string("postgresql://u:secret@127.0.0.1:1/db?retry_seconds=soon"),
        std::string("postgresql://u:secret@127.0.0.1:1/db?sslmode=disable&deadline_seconds=0")}) {
    try {
      open_postgres(url);
      ADD_FAILURE() << "accepted " << url;
    } catch (const InvalidArgument& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(url.find("retry") != std::string::npos ? "retry_seconds='soon'"
                                                                    : "deadline_seconds='0'"),
                std::string::npos)
          << message;
      EXPECT_NE(message.find("postgresql://u:***@127.0.0.1:1/db"), std::string::npos) << message;
      EXPECT_EQ(message.find("secret"), std::string::npos) << message;
    }
  }
  try {
    open_postgres("host=127.0.0.1 password='a secret' port=1 retry_seconds=-1");
    ADD_FAILURE() << "accepted retry_seconds=-1";
  } catch (const InvalidArgument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("retry_seconds='-1'"), std::string::npos) << message;
    EXPECT_NE(message.find("'host=127.0.0.1 password=*** port=1 retry_seconds=-1'"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("secret"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace parzen::rdb
