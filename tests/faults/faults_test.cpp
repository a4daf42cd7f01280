// The fault-injection suite (issue 14): real `parzen run` and `parzen worker` processes on a
// real SQLite file or PostgreSQL cluster, faults injected from outside as an operator meets
// them (SIGKILL, server restarts and stops, terminated connections, a row lock held by another
// session, a skewed clock, a full disk, SIGSTOP), each scenario ending with the same audit
// (fault_harness.hpp). Short trials, heartbeat_interval 0.5 s and grace_period 2 s keep every
// scenario within a few tens of seconds (grace_period 3 s where no worker dies); everything
// listens on 127.0.0.1.

#include <sys/stat.h>

#include "fault_harness.hpp"

namespace parzen_faults {
namespace {

// The grace period of the scenarios whose fault is no dead worker (where no healthy trial may be
// failed): 3 s rather than 2 leaves heartbeats (every 0.5 s) room on a loaded CI machine running a
// sanitizer build.
constexpr double kNoDeathGrace = 3.0;

class Faults : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("parzen-faults-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    for (pid_t pid : live_) {
      ::kill(pid, SIGCONT);
      ::kill(pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
    if (HasFailure()) {
      // What the processes said, for the failure's reader.
      for (const auto& entry : fs::directory_iterator(dir_)) {
        if (entry.path().extension() != ".err") continue;
        std::string text = slurp(entry.path());
        if (text.size() > 3000) text = "..." + text.substr(text.size() - 3000);
        if (!text.empty())
          std::cerr << "---- " << entry.path().filename().string() << "\n" << text << "\n";
      }
    }
    pg_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  pid_t start(const std::vector<std::string>& args, const std::string& tag,
              const std::map<std::string, std::string>& env = {}) {
    const pid_t pid = spawn(args, dir_, tag, env);
    live_.push_back(pid);
    return pid;
  }
  pid_t start_run(const fs::path& experiment, const std::map<std::string, std::string>& env = {},
                  const std::string& tag = "run") {
    return start({kParzen, "run", experiment.string(), "--progress", "lines"}, tag, env);
  }
  pid_t start_worker(const Experiment& e, const std::string& tag,
                     const std::map<std::string, std::string>& env = {}) {
    std::map<std::string, std::string> all = env;
    if (!all.count("FAULT_TAG")) all["FAULT_TAG"] = tag;
    return start({kParzen, "worker", "--storage", e.storage, "--study", e.name}, tag, all);
  }
  // The process's exit status (or 128 + signal), waiting up to `timeout` s; -1 if it had to be
  // killed.
  int finish(pid_t pid, double timeout = 90) {
    const int status = wait_exit(pid, timeout);
    live_.erase(std::remove(live_.begin(), live_.end(), pid), live_.end());
    return status;
  }
  void sigkill(pid_t pid) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    live_.erase(std::remove(live_.begin(), live_.end(), pid), live_.end());
  }
  // A worker ends with 0, or 3 when the budget was already reached when it started.
  void expect_worker_ended_normally(pid_t pid, const std::string& tag, double timeout = 90) {
    const int status = finish(pid, timeout);
    EXPECT_TRUE(status == 0 || status == 3)
        << tag << " ended with status " << status << ": " << slurp(dir_ / (tag + ".err"));
  }
  void expect_run_ended_normally(pid_t pid, double timeout = 90) {
    const int status = finish(pid, timeout);
    EXPECT_EQ(status, 0) << "parzen run: " << slurp(dir_ / "run.err");
  }
  // Until the first trial has started (the study exists); false if `run` ended before.
  bool wait_for_first_trial(pid_t run, double timeout = 30) {
    wait_until([&] { return fs::exists(dir_ / "runs.log") || has_exited(run); }, timeout);
    const bool started = fs::exists(dir_ / "runs.log");
    if (!started) ADD_FAILURE() << "no trial started: " << slurp(dir_ / "run.err");
    return started;
  }
  int runs_tagged(const std::string& tag) {
    int n = 0;
    for (const auto& line : lines_of(dir_ / "runs.log"))
      if (line.substr(line.find(' ') + 1) == tag) ++n;
    return n;
  }
  std::string sqlite_url() const { return "sqlite:///" + (dir_ / "study.db").string(); }
  // A PostgreSQL cluster of this test's own; skips the test where PostgreSQL is not installed.
  bool start_postgres() {
    if (!postgres_installed()) return false;
    pg_ = std::make_unique<PgCluster>(dir_);
    return true;
  }

  // Three workers beside `parzen run`; a random one SIGKILLed (and restarted) every 0.7 s.
  void sigkill_storm(const std::string& url) {
    Experiment e;
    e.storage = url;
    e.n_trials = 40;
    e.max_retries = 4;
    e.trial_seconds = 0.4;
    const auto run = start_run(write_experiment(dir_, e));
    ASSERT_TRUE(wait_for_first_trial(run));
    std::vector<pid_t> workers;
    for (int i = 0; i < 3; ++i) workers.push_back(start_worker(e, "worker" + std::to_string(i)));
    std::mt19937 rng(14);
    int kills = 0;
    for (int round = 0; round < 8; ++round) {
      sleep_s(0.7);
      const size_t i = rng() % workers.size();
      const std::string tag = "worker" + std::to_string(i);
      if (try_reap(workers[i])) {
        live_.erase(std::remove(live_.begin(), live_.end(), workers[i]), live_.end());
      } else {
        sigkill(workers[i]);
        ++kills;
      }
      workers[i] = start_worker(e, tag);
    }
    EXPECT_GE(kills, 3) << "the storm hit too few live workers to mean anything";
    expect_run_ended_normally(run, 120);
    for (size_t i = 0; i < workers.size(); ++i)
      expect_worker_ended_normally(workers[i], "worker" + std::to_string(i), 60);
    audit(dir_, url, e.name, {e.n_trials, e.max_retries, /*results_kept=*/false});
  }

  fs::path dir_;
  std::vector<pid_t> live_;
  std::unique_ptr<PgCluster> pg_;
};

#define REQUIRE_POSTGRES()                                                \
  do {                                                                    \
    if (!start_postgres()) GTEST_SKIP() << "PostgreSQL is not installed"; \
  } while (0)

TEST_F(Faults, SigkillStormOfWorkersOnSqlite) { sigkill_storm(sqlite_url()); }

TEST_F(Faults, SigkillStormOfWorkersOnPostgres) {
  REQUIRE_POSTGRES();
  sigkill_storm(pg_->url());
}

// Issue 14, item 1: the worker dies 2 s in; the others reach n_trials within the grace period;
// its trial must not stay running (the janitor fails it before the run ends).
TEST_F(Faults, SigkilledWorkerNearTheBudgetLeavesNoTrialRunning) {
  Experiment e;
  e.storage = sqlite_url();
  e.n_trials = 8;
  e.max_retries = 0;
  e.trial_seconds = 1.0;
  const auto run = start_run(write_experiment(dir_, e));
  ASSERT_TRUE(wait_for_first_trial(run));
  const auto worker = start_worker(e, "worker");
  sleep_s(2.0);
  EXPECT_GE(runs_tagged("worker"), 1) << "the worker never started a trial";
  sigkill(worker);
  expect_run_ended_normally(run, 60);
  audit(dir_, e.storage, e.name, {e.n_trials, e.max_retries, /*results_kept=*/false});
  // A resume finds nothing to do and nothing to clean up.
  const auto resume =
      run_command({kParzen, "run", (dir_ / "faults.toml").string()}, dir_, "resume");
  EXPECT_EQ(resume.status, 3) << resume.err;
  audit(dir_, e.storage, e.name, {e.n_trials, e.max_retries, /*results_kept=*/false});
}

TEST_F(Faults, PostgresRestartUnderLoad) {
  REQUIRE_POSTGRES();
  Experiment e;
  e.storage = pg_->url();
  e.n_trials = 16;
  e.max_retries = 2;
  e.trial_seconds = 1.0;
  e.grace_period = kNoDeathGrace;
  const auto run = start_run(write_experiment(dir_, e));
  ASSERT_TRUE(wait_for_first_trial(run));
  std::vector<pid_t> workers;
  for (int i = 0; i < 3; ++i) workers.push_back(start_worker(e, "worker" + std::to_string(i)));
  sleep_s(1.5);
  const auto first = pg_->restart();
  ASSERT_EQ(first.status, 0) << first.err;
  sleep_s(2.5);
  const auto second = pg_->restart();
  ASSERT_EQ(second.status, 0) << second.err;
  expect_run_ended_normally(run, 90);
  for (size_t i = 0; i < workers.size(); ++i)
    expect_worker_ended_normally(workers[i], "worker" + std::to_string(i), 60);
  audit(dir_, e.storage, e.name, {e.n_trials, e.max_retries, /*results_kept=*/true});
}

TEST_F(Faults, PostgresStoppedFor15sUnderLoad) {
  REQUIRE_POSTGRES();
  Experiment e;
  e.storage = pg_->url();
  e.n_trials = 12;
  e.max_retries = 2;
  e.trial_seconds = 1.0;
  const auto run = start_run(write_experiment(dir_, e));
  ASSERT_TRUE(wait_for_first_trial(run));
  std::vector<pid_t> workers;
  for (int i = 0; i < 2; ++i) workers.push_back(start_worker(e, "worker" + std::to_string(i)));
  sleep_s(1.5);
  const auto down = pg_->down();
  ASSERT_EQ(down.status, 0) << down.err;
  sleep_s(15.0);
  const auto up = pg_->up();
  ASSERT_EQ(up.status, 0) << up.err;
  expect_run_ended_normally(run, 90);
  for (size_t i = 0; i < workers.size(); ++i)
    expect_worker_ended_normally(workers[i], "worker" + std::to_string(i), 60);
  audit(dir_, e.storage, e.name, {e.n_trials, e.max_retries, /*results_kept=*/true});
}

TEST_F(Faults, PgTerminateBackendOfTheWorkersConnections) {
  REQUIRE_POSTGRES();
  Experiment e;
  e.storage = pg_->url();
  e.n_trials = 12;
  e.max_retries = 2;
  e.trial_seconds = 1.0;
  e.grace_period = kNoDeathGrace;
  const auto run = start_run(write_experiment(dir_, e));
  ASSERT_TRUE(wait_for_first_trial(run));
  std::vector<pid_t> workers;
  for (int i = 0; i < 2; ++i) workers.push_back(start_worker(e, "worker" + std::to_string(i)));
  for (int round = 0; round < 2; ++round) {
    sleep_s(1.5);
    const auto r = pg_->psql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
        "current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_GE(std::atoi(r.out.c_str()), 1) << "no connection of the workers was terminated";
  }
  expect_run_ended_normally(run, 90);
  for (size_t i = 0; i < workers.size(); ++i)
    expect_worker_ended_normally(workers[i], "worker" + std::to_string(i), 60);
  audit(dir_, e.storage, e.name, {e.n_trials, e.max_retries, /*results_kept=*/true});
}

// Another session holds the study's row FOR UPDATE for 5 s (grace_period 3 s): a stalled
// database is no dead worker; no healthy trial may be failed, no result discarded.
TEST_F(Faults, RowLockOnTheStudyLongerThanTheGracePeriod) {
  REQUIRE_POSTGRES();
  Experiment e;
  e.storage = pg_->url();
  e.n_trials = 10;
  e.max_retries = 2;
  e.trial_seconds = 1.0;
  e.grace_period = kNoDeathGrace;
  const auto run = start_run(write_experiment(dir_, e));
  ASSERT_TRUE(wait_for_first_trial(run));
  std::vector<pid_t> workers;
  for (int i = 0; i < 2; ++i) workers.push_back(start_worker(e, "worker" + std::to_string(i)));
  sleep_s(1.5);
  const pid_t locker =
      pg_->psql_in_background("BEGIN; SELECT study_id FROM studies WHERE name = '" + e.name +
                                  "' FOR UPDATE; SELECT pg_sleep(5); COMMIT;",
                              "locker");
  EXPECT_EQ(wait_exit(locker, 30), 0) << slurp(dir_ / "locker.err");
  expect_run_ended_normally(run, 90);
  for (size_t i = 0; i < workers.size(); ++i)
    expect_worker_ended_normally(workers[i], "worker" + std::to_string(i), 60);
  audit(dir_, e.storage, e.name,
        {e.n_trials, e.max_retries, /*results_kept=*/true, /*no_failed_trials=*/true});
}

// One worker's clock 45 s behind (libfaketime): heartbeats are written and judged by the
// database's clock, so none of its healthy trials may look dead.
TEST_F(Faults, WorkerClockSkewed45sBehind) {
  std::string libfaketime;
  for (const char* arch : {"x86_64-linux-gnu", "aarch64-linux-gnu"}) {
    const std::string p = std::string("/usr/lib/") + arch + "/faketime/libfaketime.so.1";
    if (fs::exists(p)) libfaketime = p;
  }
  if (libfaketime.empty())
    GTEST_SKIP() << "libfaketime is not installed (apt-get install faketime)";
  REQUIRE_POSTGRES();
  Experiment e;
  e.storage = pg_->url();
  e.n_trials = 10;
  e.max_retries = 2;
  e.trial_seconds = 1.0;
  e.grace_period = kNoDeathGrace;
  const auto run = start_run(write_experiment(dir_, e), {{"FAULT_CLOCK", "1"}});
  ASSERT_TRUE(wait_for_first_trial(run));
  const char* asan = std::getenv("ASAN_OPTIONS");
  const auto worker =
      start_worker(e, "skewed",
                   {{"LD_PRELOAD", libfaketime},
                    {"FAKETIME", "-45s"},
                    {"FAKETIME_DONT_FAKE_MONOTONIC", "1"},
                    {"FAULT_CLOCK", "1"},
                    // A sanitizer build refuses a preloaded library before its runtime unless told.
                    {"ASAN_OPTIONS", std::string(asan ? asan : "") + ":verify_asan_link_order=0"}});
  expect_run_ended_normally(run, 90);
  expect_worker_ended_normally(worker, "skewed", 60);
  ASSERT_GE(runs_tagged("skewed"), 1) << "the skewed worker ran no trial";
  // The skew really reached that worker's processes.
  const long skewed = std::atol(slurp(dir_ / "clock-skewed.txt").c_str());
  const long real = static_cast<long>(::time(nullptr));
  EXPECT_GT(real - skewed, 30) << "libfaketime did not skew the worker's clock";
  EXPECT_LT(real - skewed, 90);
  audit(dir_, e.storage, e.name,
        {e.n_trials, e.max_retries, /*results_kept=*/true, /*no_failed_trials=*/true});
}

// RLIMIT_FSIZE on `parzen run` (SIGXFSZ ignored, so writes past the limit fail with EFBIG, as
// on a full disk): a clear error, then a database that reads, checks and resumes.
TEST_F(Faults, FullDiskOnSqlite) {
  Experiment e;
  e.storage = sqlite_url();
  e.n_trials = 20;
  e.max_retries = 1;
  e.trial_seconds = 0.05;
  const auto experiment = write_experiment(dir_, e);
  const auto full =
      run_command({"/bin/sh", "-c", "trap '' XFSZ; exec prlimit --fsize=262144 -- \"$@\"", "sh",
                   kParzen, "run", experiment.string(), "--progress", "lines"},
                  dir_, "full", 120, {{"FAULT_REPORTS", "400"}});
  EXPECT_EQ(full.status, 1) << "a full disk is a runtime failure (exit 1): " << full.err;
  EXPECT_NE(full.err.find("parzen: error"), std::string::npos) << full.err;
  EXPECT_NE(full.err.find("study.db"), std::string::npos)
      << "the error names the database: " << full.err;
  // Each thing said once: a trial's failure is one "could not store the result" per line.
  std::istringstream err_lines(full.err);
  for (std::string line; std::getline(err_lines, line);) {
    const auto first = line.find("could not store the result");
    EXPECT_TRUE(first == std::string::npos ||
                line.find("could not store the result", first + 1) == std::string::npos)
        << line;
  }
  EXPECT_LE(lines_of(dir_ / "results.log").size(), 19u) << "the limit was never reached";
  // Readable and intact.
  const auto check = run_command(
      {"sqlite3", (dir_ / "study.db").string(), "PRAGMA integrity_check;"}, dir_, "integrity");
  EXPECT_EQ(check.status, 0) << check.err;
  EXPECT_EQ(check.out, "ok\n");
  const auto trials = run_command(
      {kParzen, "trials", e.name, "--storage", e.storage, "--format", "json"}, dir_, "trials");
  EXPECT_EQ(trials.status, 0) << trials.err;
  // Resumable: the same run, with disk to spare, completes the budget.
  const auto resume = run_command({kParzen, "run", experiment.string(), "--progress", "lines"},
                                  dir_, "resume", 120);
  EXPECT_EQ(resume.status, 0) << resume.err;
  audit(dir_, e.storage, e.name, {e.n_trials, e.max_retries, /*results_kept=*/false});
}

// A worker stopped (SIGSTOP) longer than the grace period while its trial runs: that trial is
// failed and retried elsewhere; its late result (a failure, when SIGCONT comes) is discarded
// and enqueues no second retry: with max_retries = 1 its parameters run exactly twice.
TEST_F(Faults, SigstopOfAWorkerLongerThanTheGracePeriod) {
  Experiment e;
  e.storage = sqlite_url();
  e.n_trials = 10;
  e.max_retries = 1;
  e.trial_seconds = 1.0;
  const auto run = start_run(write_experiment(dir_, e));
  ASSERT_TRUE(wait_for_first_trial(run));
  const auto worker = start_worker(e, "paused", {{"FAULT_FAIL_ONCE", "1.5"}});
  ASSERT_TRUE(wait_until([&] { return runs_tagged("paused") >= 1; }, 30));
  // Stop it outside a write: a stopped process holding SQLite's write lock would stall every
  // worker (the row-lock scenario), not look dead.
  bool stopped = false;
  for (int attempt = 0; attempt < 50 && !stopped; ++attempt) {
    ::kill(worker, SIGSTOP);
    const auto probe = run_command({"sqlite3", "-cmd", ".timeout 200", (dir_ / "study.db").string(),
                                    "BEGIN IMMEDIATE; ROLLBACK;"},
                                   dir_, "probe", 10);
    stopped = probe.status == 0;
    if (!stopped) {
      ::kill(worker, SIGCONT);
      sleep_s(0.05);
    }
  }
  ASSERT_TRUE(stopped);
  sleep_s(e.grace_period + 4.0);
  ::kill(worker, SIGCONT);
  expect_run_ended_normally(run, 90);
  expect_worker_ended_normally(worker, "paused", 60);
  // The stopped worker's trial (its first) ran twice: there and as the retry.
  const auto runs = lines_of(dir_ / "runs.log");
  std::string paused_x;
  for (const auto& line : runs)
    if (line.substr(line.find(' ') + 1) == "paused") {
      paused_x = line.substr(0, line.find(' '));
      break;
    }
  int paused_x_runs = 0;
  for (const auto& line : runs)
    if (line.substr(0, line.find(' ')) == paused_x) ++paused_x_runs;
  EXPECT_EQ(paused_x_runs, 2) << "x = " << paused_x << ": the stopped trial and its one retry";
  audit(dir_, e.storage, e.name, {e.n_trials, e.max_retries, /*results_kept=*/true});
}

// Issue 14, item 7: `parzen run` SIGKILLed while its trial (a shell with a grandchild `sleep
// 60`) runs leaves no process of the trial's group; a resume then completes the study.
TEST_F(Faults, SigkillOfTheRunnerWithALongTrial) {
  Experiment e;
  e.storage = sqlite_url();
  e.n_trials = 3;
  e.max_retries = 1;
  e.trial_seconds = 0.2;
  const auto experiment = write_experiment(dir_, e);
  const auto run = start_run(experiment, {{"FAULT_LONG_ONCE", "1"}});
  ASSERT_TRUE(wait_until([&] { return fs::exists(dir_ / "long.pids") || has_exited(run); }, 30) &&
              fs::exists(dir_ / "long.pids"))
      << slurp(dir_ / "run.err");
  std::istringstream pids(slurp(dir_ / "long.pids"));
  pid_t shell = 0, sleeper = 0;
  pids >> shell >> sleeper;
  const pid_t group = ::getpgid(shell);
  ASSERT_GT(group, 0);
  EXPECT_EQ(::getpgid(sleeper), group);
  sigkill(run);
  std::vector<pid_t> left;
  EXPECT_TRUE(wait_until([&] { return (left = live_group_members(group)).empty(); }, 5))
      << left.size() << " process(es) of the killed runner's trial still run";
  for (pid_t p : left) ::kill(p, SIGKILL);
  const auto resume =
      run_command({kParzen, "run", experiment.string(), "--progress", "lines"}, dir_, "resume", 60);
  EXPECT_EQ(resume.status, 0) << resume.err;
  audit(dir_, e.storage, e.name, {e.n_trials, e.max_retries, /*results_kept=*/true});
}

}  // namespace
}  // namespace parzen_faults
