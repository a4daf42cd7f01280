// The CLI's guarantees for studies that outlive faults (issue 14): the budget is the study's and
// never overshot, failed trials do not eat it, a broken command stops the run, a dead worker's
// trial is failed and retried, worker flags stay that worker's, asked trials have no heartbeat.
// End-to-end with the real `parzen` binary on SQLite.

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>

#include <chrono>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/experiment.hpp"
#include "cli/run.hpp"
#include "cli_helpers.hpp"
#include "config_error_helpers.hpp"
#include "parzen/system_attrs.hpp"
#include "storage/postgres_fixture.hpp"
#include "storage/utf8.hpp"

namespace {

using namespace parzen_test;
using parzen::FrozenTrial;
using parzen::TrialState;

int64_t count(const std::vector<FrozenTrial>& trials, TrialState state) {
  int64_t n = 0;
  for (const auto& t : trials) n += t.state == state;
  return n;
}

std::string experiment(const std::string& body) {
  return fmt::format("name = \"e2e\"\nstorage = \"sqlite:///parzen.db\"\n{}", body);
}

// Waits up to 30 s until the study has a trial in `state`.
bool wait_for(const std::string& url, TrialState state) {
  for (int i = 0; i < 300; ++i) {
    try {
      if (count(trials_of(url, "e2e"), state) > 0) return true;
    } catch (const parzen::Error&) {  // the database may not exist yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Every trial finished, none running or waiting, `n` complete.
void expect_ended_with(const std::vector<FrozenTrial>& trials, int64_t n) {
  EXPECT_EQ(count(trials, TrialState::Complete), n);
  EXPECT_EQ(count(trials, TrialState::Running), 0);
  EXPECT_EQ(count(trials, TrialState::Waiting), 0);
  for (size_t i = 0; i < trials.size(); ++i) EXPECT_EQ(trials[i].number, static_cast<int64_t>(i));
}

TEST(CliBudget, FailedTrialsDoNotCountAndABrokenCommandStopsTheRun) {
  TempDir dir;
  const auto body = [&](const std::string& name, const std::string& args, const std::string& more) {
    return fmt::format(R"(name = "{}"
storage = "sqlite:///parzen.db"
n_trials = 3
{}
command = ["{}", {}]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                       name, more, kTrialProgram, args);
  };
  const auto file = dir.file("exp.toml", body("e2e", R"("fail")", "max_consecutive_failures = 4"));
  auto r = run_cli({"run", file}, dir.path);
  // Failed trials leave the budget untouched, so the run would go on forever: it stops after 4
  // failures in a row, saying why the first one failed.
  EXPECT_EQ(r.status, parzen::cli::kExitFailure) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "4 of this run's trials failed in a row")) << r.err;
  EXPECT_TRUE(contains(r.err, "the first: trial 0: exited with status 3")) << r.err;
  auto trials = trials_of(dir.url(), "e2e");
  EXPECT_EQ(trials.size(), 4u);
  EXPECT_EQ(count(trials, TrialState::Failed), 4);

  // The program fixed, the same command resumes the study: the failures did not eat its budget.
  dir.file("exp.toml", body("e2e", R"("value", "1")", ""));
  r = run_cli({"run", file}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  // The resume says what the budget counts, and the failed trials it does not.
  EXPECT_TRUE(contains(r.err, ": 0 of 3 trials counted so far (4 failed; not counted)")) << r.err;
  trials = trials_of(dir.url(), "e2e");
  EXPECT_EQ(trials.size(), 7u);
  expect_ended_with(trials, 3);

  // count_failed_trials = true: every finished trial counts.
  dir.file("exp.toml", body("counted", R"("fail")", "count_failed_trials = true"));
  r = run_cli({"run", file}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "3 trials (3 failed)")) << r.out;
  r = run_cli({"run", file}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitNothingToDo) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "already has 3 of its 3 trials")) << r.out;
}

// A worker killed with SIGKILL leaves its trial running in the database; the next run fails it
// once its heartbeat lapses (heartbeat_interval and grace_period from the experiment), retries
// its parameters, and ends with exactly n_trials complete and nothing running or waiting.
TEST(CliBudget, AKilledWorkersTrialIsRetriedAndTheStudyEndsExactlyAtItsBudget) {
  TempDir dir;
  const auto body = [&](const std::string& command) {
    return experiment(fmt::format(R"(
n_trials = 3
max_retries = 1
heartbeat_interval = 0.2
grace_period = 1
command = {}
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                  command));
  };
  const auto file =
      dir.file("exp.toml", body(fmt::format(R"(["{}", "sleep", "30", "pid.txt"])", kTrialProgram)));
  const pid_t run = start_cli({"run", file}, dir.path, "killed");
  ASSERT_TRUE(wait_for(dir.url(), TrialState::Running));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(run, SIGKILL);
  finish_cli(run, dir.path, "killed");
  // The trial's process group (the program and its grandchild), if it outlived its parent:
  // gone, as after a lost host.
  const pid_t grandchild = static_cast<pid_t>(std::atoi(slurp(dir.path / "pid.txt").c_str()));
  if (grandchild > 1)
    if (const pid_t group = ::getpgid(grandchild); group > 1) ::kill(-group, SIGKILL);
  auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 1u);
  ASSERT_EQ(trials[0].state, TrialState::Running);

  dir.file("exp.toml", body(fmt::format(R"(["{}", "quadratic", "{{x}}"])", kTrialProgram)));
  const auto r = run_cli({"run", file, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  trials = trials_of(dir.url(), "e2e");
  expect_ended_with(trials, 3);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_TRUE(contains(trials[0].fail_reason, "heartbeat")) << trials[0].fail_reason;
  ASSERT_TRUE(trials[0].system_attrs.contains(parzen::keys::retried_by));
  const auto retry = trials[0].system_attrs[parzen::keys::retried_by].get<int64_t>();
  ASSERT_LT(retry, static_cast<int64_t>(trials.size()));
  EXPECT_EQ(trials[retry].system_attrs.value(parzen::keys::retried_from, -1), 0);
  EXPECT_EQ(trials[retry].params, trials[0].params);
  EXPECT_EQ(trials.size(), 4u);
}

// A resume that finds the study's budget reached still lets the library fail a trial a killed
// worker left running (its heartbeat lapsed), so none stays running, before saying there is
// nothing to run.
TEST(CliBudget, AResumeWithItsBudgetReachedFailsTrialsLeftRunning) {
  TempDir dir;
  const auto body = [&](const std::string& args) {
    return experiment(fmt::format(R"(
heartbeat_interval = 0.2
grace_period = 1
command = ["{}", {}]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                  kTrialProgram, args));
  };
  const auto file = dir.file("exp.toml", body(R"("value", "1")"));
  auto r = run_cli({"run", file, "--n-trials", "2"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  dir.file("exp.toml", body(R"("sleep", "30", "pid.txt")"));
  const pid_t run = start_cli({"run", file, "--n-trials", "3"}, dir.path, "killed");
  ASSERT_TRUE(wait_for(dir.url(), TrialState::Running));
  ::kill(run, SIGKILL);
  finish_cli(run, dir.path, "killed");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const pid_t grandchild = static_cast<pid_t>(std::atoi(slurp(dir.path / "pid.txt").c_str()));
  if (grandchild > 1)
    if (const pid_t group = ::getpgid(grandchild); group > 1) ::kill(-group, SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // past the grace period

  r = run_cli({"run", file, "--n-trials", "2"}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitNothingToDo) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "already has 2 of its 2 trials; nothing to run")) << r.out;
  const auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[2].state, TrialState::Failed);
  expect_ended_with(trials, 2);
}

// Several processes on one SQLite study: the storage caps the study's trials, so however they
// race, the study never holds more than n_trials complete.
TEST(CliBudget, SeveralWorkersNeverExceedTheBudget) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 5
concurrency = 2
command = ["{}", "sleep", "0.2", "pid.txt"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
[sampler]
type = "random"
)",
                                                                kTrialProgram)));
  const pid_t run = start_cli({"run", file}, dir.path, "run");
  ASSERT_TRUE(wait_for(dir.url(), TrialState::Running));
  std::vector<pid_t> workers;
  for (int i = 0; i < 3; ++i)
    workers.push_back(start_cli({"worker", "--storage", dir.url(), "--study", "e2e"}, dir.path,
                                fmt::format("w{}", i)));
  const auto r = finish_cli(run, dir.path, "run");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  for (int i = 0; i < 3; ++i) {
    const auto w = finish_cli(workers[static_cast<size_t>(i)], dir.path, fmt::format("w{}", i));
    // A worker that found the budget taken has nothing to do.
    EXPECT_TRUE(w.status == 0 || w.status == parzen::cli::kExitNothingToDo) << w.out << w.err;
  }
  const auto trials = trials_of(dir.url(), "e2e");
  EXPECT_EQ(trials.size(), 5u);
  expect_ended_with(trials, 5);
}

// `parzen worker --n-trials 1 --working-directory DIR` runs at most one trial, in DIR, and leaves
// the study as `parzen run` stored it: a plain worker and `parzen show` see the original budget
// and directory.
TEST(CliWorker, FlagsAreThatWorkersOwn) {
  TempDir dir;
  const std::string url = dir.url();
  const auto text = experiment(fmt::format(R"(
n_trials = 3
command = ["{}", "sleep", "0.05", "pid.txt"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                           kTrialProgram));
  // The study as `parzen run` creates it, before it runs a trial.
  const auto e = parzen::cli::parse_experiment(text, (dir.path / "exp.toml").string());
  {
    auto storage = parzen::make_storage(url);
    const auto id = storage->create_study("e2e", e.directions);
    storage->set_study_system_attr(id, parzen::cli::kExperimentAttr,
                                   nlohmann::json::parse(parzen::detail::dump_json(e.to_json())));
  }
  fs::create_directories(dir.path / "hostb");
  auto r = run_cli({"worker", "--storage", url, "--study", "e2e", "--n-trials", "1",
                    "--working-directory", (dir.path / "hostb").string()},
                   dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(trials_of(url, "e2e").size(), 1u);
  EXPECT_TRUE(fs::exists(dir.path / "hostb" / "pid.txt"));
  EXPECT_FALSE(fs::exists(dir.path / "pid.txt"));

  r = run_cli({"show", "e2e", "--storage", url}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Budget:     3 trials")) << r.out;
  EXPECT_TRUE(contains(r.out, "Directory:  " + dir.path.string() + "\n")) << r.out;
  EXPECT_TRUE(contains(r.out,
                       "Reliability: max_retries = 0, heartbeat_interval = 5.0, grace_period = "
                       "30.0, max_consecutive_failures = 5, count_failed_trials = false\n"))
      << r.out;

  r = run_cli({"worker", "--storage", url, "--study", "e2e"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  expect_ended_with(trials_of(url, "e2e"), 3);
  EXPECT_TRUE(fs::exists(dir.path / "pid.txt"));  // in the study's own directory
}

// The connections to the database of `url`, other than this query's own.
int64_t connections_to(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  EXPECT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* r = PQexec(conn,
                       "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()");
  const int64_t n = PQresultStatus(r) == PGRES_TUPLES_OK ? std::atoll(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  PQfinish(conn);
  return n;
}

// The connections a `parzen` process holds while its trial runs.
int64_t connections_while_running(const std::vector<std::string>& args, const TempDir& dir,
                                  const std::string& url, int64_t trials_before) {
  const pid_t pid = start_cli(args, dir.path, "conn");
  bool running = false;
  for (int i = 0; i < 300 && !running; ++i) {
    const auto trials = trials_of(url, "e2e");
    running = static_cast<int64_t>(trials.size()) > trials_before &&
              trials.back().state == TrialState::Running;
    if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(running);
  // Past a few heartbeats, and past the exit of the backend trials_of used.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const int64_t n = connections_to(url);
  const auto r = finish_cli(pid, dir.path, "conn");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  return n;
}

// `parzen worker` opens its storage once, as `parzen run` does (it used to open a second,
// idle connection).
TEST(CliWorker, HoldsAsManyStorageConnectionsAsARun) {
  TempDir dir;
  const std::string url = fresh_postgres_url();
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 2
heartbeat_interval = 0.1
grace_period = 5
command = ["{}", "sleep", "1.5", "pid.txt"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                kTrialProgram)));
  // The study as `parzen run` creates it, before it runs a trial.
  const auto e = parzen::cli::parse_experiment(slurp(file), file);
  {
    auto storage = parzen::make_storage(url);
    const auto id = storage->create_study("e2e", e.directions);
    storage->set_study_system_attr(id, parzen::cli::kExperimentAttr,
                                   nlohmann::json::parse(parzen::detail::dump_json(e.to_json())));
  }
  const int64_t worker = connections_while_running(
      {"worker", "--storage", url, "--study", "e2e", "--n-trials", "1"}, dir, url, 0);
  const int64_t run = connections_while_running({"run", file, "--storage", url}, dir, url, 1);
  EXPECT_GE(run, 1);
  EXPECT_EQ(worker, run);
  expect_ended_with(trials_of(url, "e2e"), 2);
}

// An asked trial has no heartbeat: a heartbeat-enabled run on the same study, lasting well past
// the grace period, never fails it, and `parzen tell` finishes it afterwards (its value with
// surrounding whitespace, as a trial's last line may have).
TEST(CliAskTell, AskedTrialsOutliveAHeartbeatRunAndAreToldAfterwards) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
max_duration = 3
heartbeat_interval = 0.1
grace_period = 0.5
command = ["{}", "sleep", "0.2", "pid.txt"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                kTrialProgram)));
  const std::string url = dir.url();
  auto r = run_cli({"ask", "--storage", url, "--study", "e2e", "--experiment", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["number"], 0);
  r = run_cli({"run", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto trials = trials_of(url, "e2e");
  ASSERT_GT(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Running) << trials[0].fail_reason;
  r = run_cli({"tell", "--storage", url, "--study", "e2e", "--trial", "0", "--value", " 0.5 "},
              dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "trial 0 complete: 0.5")) << r.out;
  trials = trials_of(url, "e2e");
  EXPECT_EQ(count(trials, TrialState::Running), 0);
  EXPECT_EQ(count(trials, TrialState::Failed), 0);
}

// `parzen ask` respects the stored experiment's n_trials: running asked trials hold their
// places, and a full study hands out nothing (exit 3) instead of a trial over the budget.
TEST(CliAskTell, AskRefusesAStudyWhoseBudgetIsFull) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 2
command = ["{}", "sleep", "0.2", "pid.txt"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                kTrialProgram)));
  const std::string url = dir.url();
  for (int i = 0; i < 2; ++i) {
    const auto r =
        run_cli({"ask", "--storage", url, "--study", "e2e", "--experiment", file}, dir.path);
    ASSERT_EQ(r.status, 0) << r.err;
  }
  auto r = run_cli({"ask", "--storage", url, "--study", "e2e"}, dir.path);
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_TRUE(contains(
      r.err, "study 'e2e' already has its 2 trials (n_trials in its experiment); nothing to ask"))
      << r.err;
  EXPECT_EQ(trials_of(url, "e2e").size(), 2u);
  // A trial told failed frees its place (failed trials do not count).
  r = run_cli({"tell", "--storage", url, "--study", "e2e", "--trial", "0", "--state", "failed"},
              dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli({"ask", "--storage", url, "--study", "e2e"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["number"], 2);
}

// A trial a `parzen run` is running (it records heartbeats) is its worker's: `parzen tell`
// refuses it, and the run stores its own result.
TEST(CliTell, RefusesATrialThatAWorkerIsRunning) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 1
command = ["{}", "sleep", "1.5", "pid.txt"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                kTrialProgram)));
  const std::string url = dir.url();
  const pid_t run = start_cli({"run", file}, dir.path, "run");
  ASSERT_TRUE(wait_for(url, TrialState::Running));
  auto r = run_cli({"tell", "--storage", url, "--study", "e2e", "--trial", "0", "--value", "0.5"},
                   dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "trial 0 is being run by worker ")) << r.err;
  EXPECT_TRUE(contains(r.err, "(it records heartbeats)")) << r.err;
  r = finish_cli(run, dir.path, "run");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_FALSE(contains(r.err, "already finished")) << r.err;
  const auto trials = trials_of(url, "e2e");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::Complete);
  EXPECT_NE(trials[0].values, std::vector<double>{0.5});
}

TEST(CliTell, ValueWithSurroundingWhitespaceIsAccepted) {
  TempDir dir;
  const auto space = dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [0, 1]}})");
  const std::string url = dir.url();
  for (const std::string value : {" 0.5 ", "\t1e-3\n"}) {
    auto r = run_cli({"ask", "--storage", url, "--study", "s", "--space", space}, dir.path);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto number = nlohmann::json::parse(r.out)["number"].get<int64_t>();
    r = run_cli({"tell", "--storage", url, "--study", "s", "--trial", std::to_string(number),
                 "--value", value},
                dir.path);
    EXPECT_EQ(r.status, 0) << value << ": " << r.err;
  }
  const auto r = run_cli(
      {"tell", "--storage", url, "--study", "s", "--trial", "0", "--value", " 0.5 x"}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "is not a number")) << r.err;
}

// Values are printed in the shortest form that reads back exactly, not to 6 digits.
TEST(CliRun, ValuesArePrintedExactly) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 1
command = ["{}", "value", "{{v}}"]
[search_space]
v = {{ _type = "choice", _value = ["0.123456789012"] }}
)",
                                                                kTrialProgram)));
  auto r = run_cli({"run", file, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "trial 0 complete  0.123456789012  (best 0.123456789012 #0, new)"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "Best trial #0: 0.123456789012")) << r.out;
  r = run_cli({"show", "e2e", "--storage", dir.url()}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "  0.123456789012  ")) << r.out;
  r = run_cli({"studies", "--storage", dir.url()}, dir.path);
  EXPECT_TRUE(contains(r.out, "0.123456789012 (#0)")) << r.out;
}

TEST(CliRun, StudyNamesOverTheStorageLimitAreRefusedBeforeAnythingIsStored) {
  TempDir dir;
  const std::string name(parzen::cli::kMaxStudyNameBytes + 1, 'n');
  const auto file = dir.file("exp.toml", fmt::format(R"(name = "{}"
n_trials = 1
command = ["{}", "value", "1"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                     name, kTrialProgram));
  auto r = run_cli({"run", file}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitUsage) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "exp.toml:1: key 'name': is 513 bytes long")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "parzen.db"));

  dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 1
command = ["{}", "value", "1"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                              kTrialProgram)));
  r = run_cli({"run", file, "--study", name}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitUsage) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "--study is 513 bytes long")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "parzen.db"));
  // 512 bytes are fine.
  const auto ok = parzen::cli::parse_experiment(
      fmt::format("name = \"{}\"\ncommand = [\"x\"]\n[search_space]\nx = {{ _type = \"uniform\", "
                  "_value = [0, 1] }}\n",
                  std::string(512, 'n')),
      "exp.toml");
  EXPECT_EQ(ok.name.size(), 512u);
}

TEST(CliExperiment, HeartbeatAndBudgetKeys) {
  const auto parse = [](const std::string& keys) {
    return parzen::cli::parse_experiment(
        keys +
            "\ncommand = [\"x\"]\n[search_space]\nx = { _type = \"uniform\", _value = [0, 1] }\n",
        "exp.toml");
  };
  const auto defaults = parse("");
  EXPECT_EQ(defaults.heartbeat_interval_seconds, 5.0);
  EXPECT_EQ(defaults.grace_seconds, 30.0);
  EXPECT_FALSE(defaults.count_failed_trials);
  EXPECT_EQ(defaults.max_consecutive_failures, 5);

  const auto e = parse(
      "heartbeat_interval = \"2s\"\ngrace_period = 10\ncount_failed_trials = true\n"
      "max_consecutive_failures = 0");
  EXPECT_EQ(e.heartbeat_interval_seconds, 2.0);
  EXPECT_EQ(e.grace_seconds, 10.0);
  EXPECT_TRUE(e.count_failed_trials);
  EXPECT_EQ(e.max_consecutive_failures, 0);
  // Stored with the study for `parzen worker`.
  const auto back = parzen::cli::Experiment::from_json(e.to_json());
  EXPECT_EQ(back.heartbeat_interval_seconds, 2.0);
  EXPECT_EQ(back.grace_seconds, 10.0);
  EXPECT_TRUE(back.count_failed_trials);
  EXPECT_EQ(back.max_consecutive_failures, 0);

  EXPECT_EQ(error_of([&] { parse("heartbeat_interval = 5\ngrace_period = 5"); })
                .rfind("exp.toml:2: key 'grace_period': grace_period (5 s) must exceed "
                       "heartbeat_interval (5 s)",
                       0),
            0u)
      << error_of([&] { parse("heartbeat_interval = 5\ngrace_period = 5"); });
  EXPECT_TRUE(contains(error_of([&] { parse("heartbeat_interval = 40"); }),
                       "exp.toml:1: key 'heartbeat_interval': grace_period (30 s) must exceed"));
  EXPECT_TRUE(contains(error_of([&] { parse("heartbeat_interval = 0"); }),
                       "exp.toml:1: key 'heartbeat_interval': must be positive"));
  EXPECT_TRUE(contains(error_of([&] { parse("grace_period = \"soon\""); }),
                       "exp.toml:1: key 'grace_period'"));
  EXPECT_TRUE(contains(error_of([&] { parse("count_failed_trials = 1"); }),
                       "exp.toml:1: key 'count_failed_trials'"));
  EXPECT_TRUE(contains(error_of([&] { parse("max_consecutive_failures = -1"); }),
                       "exp.toml:1: key 'max_consecutive_failures': must be at least 0"));
}

}  // namespace
