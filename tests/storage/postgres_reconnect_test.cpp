// The PostgreSQL driver when the server goes away: restarted, a backend terminated, frozen
// (SIGSTOP), stopped for good. Each test starts its own throwaway cluster with
// scripts/pg-server.sh (never the shared PARZEN_TEST_POSTGRES_URL server, which other tests use)
// and removes it at the end.

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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
  const auto db = open_postgres("host=127.0.0.1 port=" + port() +
                                " user=parzen password=parzen-test dbname=parzen_test "
                                "retry_seconds=20");
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
      open_postgres("host=" + dir() + " port=" + port() +
                    " user=parzen password=parzen-test dbname=parzen_test retry_seconds=2");
  ASSERT_EQ(as_int(db->query("SELECT 1").at(0).at(0)), 1);
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
    EXPECT_EQ(message.find("parzen-test"), std::string::npos) << "password shown: " << message;
  }
  EXPECT_LT(Clock::now() - start, seconds(15)) << "the retry time is 2 s";
  EXPECT_NO_THROW(db->rollback());
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
