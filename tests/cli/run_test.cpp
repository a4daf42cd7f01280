// End-to-end: the real `parzen` binary, real trial processes, a real SQLite file.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/run.hpp"
#include "cli_helpers.hpp"
#include "parzen/study.hpp"
#include "storage/postgres_fixture.hpp"

namespace {

using namespace parzen_test;
using parzen::FrozenTrial;
using parzen::TrialState;

// Waits up to 15 s for a process to have stored the study's first trial.
bool wait_for_first_trial(const std::string& url, const std::string& study) {
  for (int i = 0; i < 300; ++i) {
    try {
      if (!trials_of(url, study).empty()) return true;
    } catch (const parzen::Error&) {  // the database may not exist yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int64_t count(const std::vector<FrozenTrial>& trials, TrialState state) {
  int64_t n = 0;
  for (const auto& t : trials) n += t.state == state;
  return n;
}

std::string experiment(const std::string& body) {
  return fmt::format("name = \"e2e\"\nstorage = \"sqlite:///parzen.db\"\n{}", body);
}

TEST(CliRun, RunsTheBudgetAndResumes) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 12
concurrency = 2
command = ["{}", "quadratic", "{{x}}"]
[search_space]
x = {{ _type = "uniform", _value = [-5, 5] }}
[sampler]
type = "tpe"
seed = 1
n_startup_trials = 4
)",
                                                                kTrialProgram)));
  auto r = run_cli({"run", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Study 'e2e'")) << r.out;
  EXPECT_TRUE(contains(r.out, "12 trials (12 complete)")) << r.out;
  EXPECT_TRUE(contains(r.out, "Best trial #")) << r.out;
  // Not a terminal: one line per trial.
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\[ *12/12\] trial \d+ complete)"))) << r.out;
  auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 12u);
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete);
    const double x = std::get<double>(t.params.at("x"));
    EXPECT_NEAR(t.values[0], (x - 2) * (x - 2), 1e-9);
  }

  r = run_cli({"run", file}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitNothingToDo);
  EXPECT_TRUE(contains(r.out, "already has 12 of its 12 trials")) << r.out;

  r = run_cli({"run", file, "--n-trials", "15"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(trials_of(dir.url(), "e2e").size(), 15u);
  // A resumed seeded study continues rather than repeating its first draws.
  trials = trials_of(dir.url(), "e2e");
  EXPECT_NE(trials[12].params.at("x"), trials[0].params.at("x"));
}

TEST(CliRun, FailedCrashedGarbageAndTimedOutTrials) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
trial_timeout = 1
kill_grace_period = 1
command = ["{}", "{{mode}}", "3", "pid.txt"]
[search_space]
mode = {{ _type = "choice", _value = ["value", "fail", "crash", "garbage", "sleep", "huge"] }}
[sampler]
type = "grid"
)",
                                                                kTrialProgram)));
  const auto r = run_cli({"run", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 6u);
  std::map<std::string, FrozenTrial> by_mode;
  for (const auto& t : trials) by_mode[std::get<std::string>(t.params.at("mode"))] = t;
  EXPECT_EQ(by_mode["value"].state, TrialState::Complete);
  EXPECT_EQ(by_mode["value"].values, std::vector<double>{3});
  EXPECT_EQ(by_mode["fail"].state, TrialState::Failed);
  // The reason is what the program did, without a C++ exception type in front.
  EXPECT_EQ(by_mode["fail"].fail_reason.rfind("exited with status 3", 0), 0u)
      << by_mode["fail"].fail_reason;
  EXPECT_TRUE(contains(by_mode["fail"].fail_reason, "ValueError: bad learning rate"));
  EXPECT_TRUE(contains(by_mode["crash"].fail_reason, "killed by signal 11"));
  EXPECT_TRUE(contains(by_mode["garbage"].fail_reason, "no metric in the output"));
  EXPECT_TRUE(contains(by_mode["garbage"].fail_reason, "no number here"));
  EXPECT_TRUE(contains(by_mode["sleep"].fail_reason, "exceeded the trial timeout of 1s"));
  // "huge 3" prints 3 MiB of lines and a 1 MiB line, then its value.
  EXPECT_EQ(by_mode["huge"].state, TrialState::Complete) << by_mode["huge"].fail_reason;
  EXPECT_EQ(by_mode["huge"].values, std::vector<double>{0.5});
}

TEST(CliRun, ParameterValuesReachTheProgramUnchanged) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"X(
command = ["{}", "echo-args", "-", "{{s}}", "--flag={{s}}"]
[search_space]
s = {{ _type = "choice", _value = ["with space", "quote\"s 'single'", "$(touch pwned)", "; rm -rf x", "new\nline", "{{braces}}", "-5"] }}
[sampler]
type = "grid"
)X",
                                                                kTrialProgram)));
  const auto r = run_cli({"run", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 7u);
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete) << t.fail_reason;
    const std::string s = std::get<std::string>(t.params.at("s"));
    const auto args =
        nlohmann::json::parse(slurp(dir.path / fmt::format("args-{}.json", t.number)));
    EXPECT_EQ(args, nlohmann::json({s, "--flag=" + s}));
  }
  EXPECT_FALSE(fs::exists(dir.path / "pwned"));
}

TEST(CliRun, ParametersAsJsonInEnvironmentAndFileWithNestedChoices) {
  TempDir dir;
  dir.file("search_space.json", R"({
    "optimizer": {"_type": "choice", "_value": [
        {"_name": "sgd", "lr": {"_type": "loguniform", "_value": [0.01, 0.1]}},
        {"_name": "adam", "lr": {"_type": "loguniform", "_value": [0.001, 0.01]}}]},
    "layers": {"_type": "randint", "_value": [1, 4]}
  })");
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 6
search_space_file = "search_space.json"
command = ["{}", "env", "env.json"]
[environment]
CUSTOM_VAR = "custom value"
[sampler]
type = "random"
seed = 5
)",
                                                                kTrialProgram)));
  const auto r = run_cli({"run", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto env = nlohmann::json::parse(slurp(dir.path / "env.json"));
  EXPECT_EQ(env["params"], env["file"]);
  EXPECT_EQ(env["custom"], "custom value");
  EXPECT_EQ(env["study"], "e2e");
  EXPECT_EQ(env["number"], "5");
  const auto& opt = env["params"]["optimizer"];
  ASSERT_TRUE(opt.is_object());
  EXPECT_TRUE(opt["_name"] == "sgd" || opt["_name"] == "adam");
  EXPECT_TRUE(opt.contains("lr"));
  const auto trials = trials_of(dir.url(), "e2e");
  EXPECT_TRUE(trials.back().params.count("optimizer." + opt["_name"].get<std::string>() + ".lr"));
  EXPECT_EQ(trials.back().system_attrs[parzen::cli::kParamsAttr]["layers"],
            env["params"]["layers"]);
}

TEST(CliRun, InvalidExperimentWritesNothing) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(R"(
n_trials = 3
command = ["prog", "{x}", "{y}"]
[search_space]
x = { _type = "uniform", _value = [0, 1] }
)"));
  const auto r = run_cli({"run", file}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "exp.toml:5: key 'command': placeholder {y} names no parameter"))
      << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "parzen.db"));
}

TEST(CliRun, MissingProgramStopsTheRunWithAClearError) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(R"(
n_trials = 5
command = ["/nonexistent/pyhton3", "{x}"]
[search_space]
x = { _type = "uniform", _value = [0, 1] }
)"));
  const auto r = run_cli({"run", file}, dir.path);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "cannot run '/nonexistent/pyhton3'")) << r.err;
  EXPECT_EQ(trials_of(dir.url(), "e2e").size(), 1u);
}

TEST(CliRun, FailedTrialsAreRetriedWithTheSameParameters) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 2
max_retries = 1
command = ["{}", "flaky", "flag-{{x}}"]
[search_space]
x = {{ _type = "choice", _value = ["a"] }}
)",
                                                                kTrialProgram)));
  auto r = run_cli({"run", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  // The failed trial does not count toward n_trials = 2: its retry and one more trial run.
  const auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_TRUE(contains(trials[0].fail_reason, "first attempt fails")) << trials[0].fail_reason;
  // One retry mechanism: the storage's, with its bookkeeping in system attributes.
  EXPECT_EQ(trials[0].system_attrs.value(parzen::keys::retried_by, -1), 1);
  EXPECT_EQ(trials[1].state, TrialState::Complete);
  EXPECT_EQ(trials[1].system_attrs.value(parzen::keys::retried_from, -1), 0);
  EXPECT_EQ(trials[1].system_attrs.value(parzen::keys::retry_count, -1), 1);
  EXPECT_FALSE(trials[1].user_attrs.contains(parzen::keys::retried_from));
  EXPECT_EQ(trials[1].params, trials[0].params);
  EXPECT_EQ(trials[2].state, TrialState::Complete);
  EXPECT_TRUE(contains(r.out, "trial 0 failed (re-run as trial 1: retry 1 of 1)")) << r.out;
  EXPECT_TRUE(contains(r.out, "trial 1 (re-runs trial 0: retry 1 of 1) complete")) << r.out;
  // Each failure once: the progress line, not also the library's warning on stderr.
  EXPECT_FALSE(contains(r.err, "failed with parameters")) << r.err;
  // Exports show the retry pointing at the trial it re-ran.
  r = run_cli({"trials", "e2e", "--storage", dir.url(), "--format", "json"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = nlohmann::json::parse(r.out)["trials"];
  EXPECT_EQ(rows[0]["retried_by"], 1);
  EXPECT_EQ(rows[1]["retried_from"], 0);
  EXPECT_EQ(rows[1]["retry_count"], 1);
  EXPECT_FALSE(rows[0].contains("retried_from"));
  EXPECT_EQ(rows[1]["user_attrs"], trials[1].user_attrs);  // as stored
  r = run_cli({"trials", "e2e", "--storage", dir.url(), "--format", "csv"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "user_attrs_retried_from")) << r.out;
}

// Waits until the study has `n` trials in `state` (or 60 s pass).
bool wait_for(const TempDir& dir, TrialState state, int64_t n) {
  for (int i = 0; i < 600; ++i) {
    try {
      if (count(trials_of(dir.url(), "e2e"), state) >= n) return true;
    } catch (const parzen::Error&) {
      // the database may not exist yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(CliRun, CtrlCFinishesRunningTrialsAndTheStudyResumes) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 5
command = ["{}", "sleep", "{{t}}", "pid.txt"]
[search_space]
t = {{ _type = "uniform", _value = [0.6, 0.7] }}
)",
                                                                kTrialProgram)));
  pid_t pid = start_cli({"run", file}, dir.path);
  ASSERT_TRUE(wait_for(dir, TrialState::Complete, 1));
  ::kill(pid, SIGINT);
  auto r = finish_cli(pid, dir.path);
  EXPECT_EQ(r.status, 130) << r.out << r.err;
  EXPECT_TRUE(contains(r.err + r.out, "Interrupted")) << r.out << r.err;
  auto trials = trials_of(dir.url(), "e2e");
  EXPECT_LT(trials.size(), 5u);
  EXPECT_EQ(count(trials, TrialState::Running), 0);  // the running one was finished
  EXPECT_EQ(count(trials, TrialState::Failed), 0);

  r = run_cli({"run", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "Resuming study 'e2e'")) << r.err;
  EXPECT_EQ(count(trials_of(dir.url(), "e2e"), TrialState::Complete), 5);
}

TEST(CliRun, SecondCtrlCKillsRunningTrialsWhichDoNotCountTowardTheBudget) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 2
command = ["{}", "sleep", "{{t}}", "pid.txt"]
[search_space]
t = {{ _type = "choice", _value = [30, 0.2] }}
[sampler]
type = "grid"
)",
                                                                kTrialProgram)));
  pid_t pid = start_cli({"run", file}, dir.path);
  ASSERT_TRUE(wait_for(dir, TrialState::Running, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(pid, SIGINT);
  auto r = finish_cli(pid, dir.path);
  EXPECT_EQ(r.status, 130) << r.out << r.err;
  auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_TRUE(contains(trials[0].fail_reason, "interrupted")) << trials[0].fail_reason;
  EXPECT_TRUE(trials[0].system_attrs.contains(parzen::cli::kInterruptedAttr));
  EXPECT_EQ(parzen::cli::counted_trials(trials, false), 0);
}

// Two good trials complete; the bad ones are pruned by the median rule after their first
// report, their processes stopped (one ignores SIGTERM and is killed after the grace period),
// and they are stored as pruned with their intermediate values.
TEST(CliRun, PrunedTrialsAreStoppedAndKeepTheirCurves) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
kill_grace_period = 0.5
command = ["{}", "curve", "{{v}}", "20", "100", "{{mode}}"]
[search_space]
v = {{ _type = "choice", _value = [0.1, 5.0] }}
mode = {{ _type = "choice", _value = ["polite", "stubborn"] }}
[sampler]
type = "grid"
[pruner]
type = "median"
n_startup_trials = 2
)",
                                                                kTrialProgram)));
  const auto r = run_cli({"run", file, "--concurrency", "1"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 4u);
  int pruned = 0;
  for (const auto& t : trials) {
    const double v = std::get<double>(t.params.at("v"));
    if (v < 1) {
      EXPECT_EQ(t.state, TrialState::Complete) << t.fail_reason;
      EXPECT_EQ(t.intermediate_values.size(), 20u);
      continue;
    }
    ++pruned;
    EXPECT_EQ(t.state, TrialState::Pruned) << t.fail_reason;
    ASSERT_FALSE(t.intermediate_values.empty());
    EXPECT_LT(t.intermediate_values.size(), 5u);  // stopped at once, not after 20 steps
    EXPECT_EQ(t.values, std::vector<double>{t.intermediate_values.rbegin()->second});
    EXPECT_LT(*t.duration_seconds(), 1.8);  // 20 steps would take 2 s
    // The one that ignores SIGTERM ran on until SIGKILL, the grace period later.
    if (std::get<std::string>(t.params.at("mode")) == "stubborn") {
      EXPECT_GE(*t.duration_seconds(), 0.5);
    }
  }
  EXPECT_EQ(pruned, 2);
}

// The Hyperband-aware samplers from an experiment file: BOHB's model and one TPE per bracket, over
// the file's Hyperband pruner, with real trial processes.
TEST(CliRun, BohbAndPerBracketTpeWithHyperband) {
  for (const char* sampler :
       {"type = \"bohb\"\nmin_points = 6", "type = \"tpe\"\nper_bracket = true"}) {
    TempDir dir;
    const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 30
command = ["{}", "curve", "{{v}}", "9", "2"]
[search_space]
v = {{ _type = "uniform", _value = [0, 10] }}
[sampler]
seed = 4
{}
[pruner]
type = "hyperband"
min_resource = 1
max_resource = 9
reduction_factor = 3
)",
                                                                  kTrialProgram, sampler)));
    const auto r = run_cli({"run", file}, dir.path);
    ASSERT_EQ(r.status, 0) << sampler << "\n" << r.out << r.err;
    const auto trials = trials_of(dir.url(), "e2e");
    ASSERT_EQ(trials.size(), 30u) << sampler;
    EXPECT_GE(count(trials, TrialState::Pruned), 5) << sampler;
    EXPECT_GE(count(trials, TrialState::Complete), 3) << sampler;
    EXPECT_EQ(count(trials, TrialState::Pruned) + count(trials, TrialState::Complete), 30)
        << sampler;
  }
}

TEST(CliAskTell, RoundTripAndInspection) {
  TempDir dir;
  const auto space = dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [-1, 1]},
    "k": {"_type": "choice", "_value": ["a", "b"]}})");
  const std::string url = dir.url();
  auto r = run_cli({"ask", "--storage", url, "--study", "s", "--space", space, "--sampler",
                    "random", "--sampler-option", "seed=1"},
                   dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  auto asked = nlohmann::json::parse(r.out);
  EXPECT_EQ(asked["number"], 0);
  const double x0 = asked["params"]["x"];
  EXPECT_TRUE(x0 >= -1 && x0 <= 1);
  r = run_cli({"tell", "--storage", url, "--study", "s", "--trial", "0", "--value", "0.25"},
              dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "trial 0 complete: 0.25")) << r.out;

  // The study remembers its space and sampler.
  r = run_cli({"ask", "--storage", url, "--study", "s"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  asked = nlohmann::json::parse(r.out);
  EXPECT_EQ(asked["number"], 1);
  EXPECT_NE(asked["params"]["x"].get<double>(), x0);
  r = run_cli({"tell", "--storage", url, "--study", "s", "--trial", "1", "--state", "failed",
               "--reason", "diverged"},
              dir.path);
  EXPECT_EQ(r.status, 0) << r.err;
  r = run_cli({"tell", "--storage", url, "--study", "s", "--trial", "1", "--value", "1"}, dir.path);
  EXPECT_NE(r.status, 0);  // already finished
  EXPECT_TRUE(contains(r.err, "trial")) << r.err;

  r = run_cli({"best", "s", "--storage", url, "--json"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto best = nlohmann::json::parse(r.out);
  EXPECT_EQ(best["number"], 0);
  EXPECT_EQ(best["value"], 0.25);
  EXPECT_EQ(best["params"]["x"], x0);

  r = run_cli({"trials", "s", "--storage", url, "--format", "csv"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "number,state,value,params_k,params_x")) << r.out;
  EXPECT_TRUE(contains(r.out, "1,failed,,")) << r.out;
  EXPECT_TRUE(contains(r.out, "diverged")) << r.out;
  r = run_cli({"trials", "s", "--storage", url, "--format", "json"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["trials"].size(), 2u);

  r = run_cli({"studies", "--storage", url}, dir.path);
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(s\s+minimize\s+2\s+1\s+0.25 \(#0\))")))
      << r.out;
  r = run_cli({"show", "s", "--storage", url}, dir.path);
  EXPECT_TRUE(contains(r.out, "Trials:     2 (1 complete, 1 failed)")) << r.out;
  EXPECT_TRUE(contains(r.out, "Top 1 of 1 complete trial:")) << r.out;

  r = run_cli({"delete", "s", "--storage", url}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "add --yes")) << r.err;
  r = run_cli({"delete", "s", "--storage", url, "--yes"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.err;
  r = run_cli({"show", "s", "--storage", url}, dir.path);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "no study 's'")) << r.err;
}

TEST(CliWorker, JoinsAStudyFromTheStoredExperiment) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 3
command = ["{}", "quadratic", "{{x}}"]
[search_space]
x = {{ _type = "uniform", _value = [-5, 5] }}
)",
                                                                kTrialProgram)));
  auto r = run_cli({"run", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  // The study's budget is reached: a worker, whatever its own --n-trials, has nothing to do.
  r = run_cli({"worker", "--storage", dir.url(), "--study", "e2e", "--n-trials", "6"}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitNothingToDo) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "already has 3 of its 3 trials")) << r.out;
  EXPECT_EQ(trials_of(dir.url(), "e2e").size(), 3u);
  r = run_cli({"worker", "--storage", dir.url(), "--study", "nope"}, dir.path);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "no study 'nope'")) << r.err;
}

TEST(CliWorker, RunAndWorkerShareAPostgresStudyFromTwoProcesses) {
  TempDir dir;
  const std::string url = fresh_postgres_url();
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 16
concurrency = 2
command = ["{}", "sleep", "{{t}}", "pid.txt"]
[search_space]
t = {{ _type = "uniform", _value = [0.05, 0.15] }}
[sampler]
type = "random"
)",
                                                                kTrialProgram)));
  const pid_t run = start_cli({"run", file, "--storage", url}, dir.path, "run");
  ASSERT_TRUE(wait_for_first_trial(url, "e2e"));
  const pid_t worker = start_cli(
      {"worker", "--storage", url, "--study", "e2e", "--progress", "lines"}, dir.path, "worker");
  const auto r1 = finish_cli(run, dir.path, "run");
  const auto r2 = finish_cli(worker, dir.path, "worker");
  ASSERT_EQ(r1.status, 0) << r1.out << r1.err;
  ASSERT_EQ(r2.status, 0) << r2.out << r2.err;
  const auto trials = trials_of(url, "e2e");
  std::set<std::string> processes;
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].number, static_cast<int64_t>(i));
    EXPECT_EQ(trials[i].state, TrialState::Complete) << trials[i].fail_reason;
    processes.insert(trials[i].worker.substr(0, trials[i].worker.rfind(':')));
  }
  // The budget is the study's, capped by the storage: exactly n_trials, never more.
  EXPECT_EQ(trials.size(), 16u);
  EXPECT_EQ(processes.size(), 2u);
  // The password in the URL is never printed.
  const std::string password =
      url.substr(url.find(':', 14) + 1, url.find('@') - url.find(':', 14) - 1);
  ASSERT_FALSE(password.empty());
  const auto shown = run_cli({"show", "e2e", "--storage", url}, dir.path);
  EXPECT_EQ(shown.status, 0) << shown.err;
  for (const auto& text : {r1.out, r1.err, r2.out, r2.err, shown.out})
    EXPECT_FALSE(contains(text, password)) << text;
}

// ASHA through the storage from two processes on one SQLite file: each trial's value at a rung
// is recorded where the other process sees it, trials are stopped exactly at rungs, and a trial
// is only pruned at a rung where some other trial recorded a better value.
TEST(CliWorker, AshaPrunesRunAndWorkerTrialsThroughTheStorage) {
  TempDir dir;
  const std::string url = dir.url();
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 24
concurrency = 2
command = ["{}", "curve", "{{v}}", "12", "50"]
[search_space]
v = {{ _type = "uniform", _value = [0, 10] }}
[sampler]
type = "random"
[pruner]
type = "asha"
min_resource = 1
reduction_factor = 3
)",
                                                                kTrialProgram)));
  const pid_t run = start_cli({"run", file}, dir.path, "run");
  ASSERT_TRUE(wait_for_first_trial(url, "e2e"));
  const pid_t worker = start_cli({"worker", "--storage", url, "--study", "e2e"}, dir.path, "w");
  const auto r1 = finish_cli(run, dir.path, "run");
  const auto r2 = finish_cli(worker, dir.path, "w");
  ASSERT_EQ(r1.status, 0) << r1.out << r1.err;
  ASSERT_EQ(r2.status, 0) << r2.out << r2.err;

  const auto trials = trials_of(url, "e2e");
  ASSERT_GE(trials.size(), 24u);
  const std::vector<int64_t> rung_steps = {1, 3, 9};  // min_resource * 3^k below 12 steps
  std::set<std::string> processes;
  int pruned = 0;
  for (const auto& t : trials) {
    processes.insert(t.worker.substr(0, t.worker.rfind(':')));
    ASSERT_TRUE(t.state == TrialState::Complete || t.state == TrialState::Pruned)
        << t.number << " " << t.fail_reason;
    const int64_t last = t.intermediate_values.rbegin()->first;
    // A value recorded at each rung the trial reached, and equal to its curve there.
    for (size_t k = 0; k < rung_steps.size(); ++k) {
      const std::string key = fmt::format("completed_rung_{}", k);
      ASSERT_EQ(t.system_attrs.contains(key), last >= rung_steps[k]) << t.number << " " << key;
      if (last >= rung_steps[k]) {
        EXPECT_DOUBLE_EQ(t.system_attrs[key].get<double>(),
                         t.intermediate_values.at(rung_steps[k]));
      }
    }
    if (t.state == TrialState::Complete) {
      EXPECT_EQ(last, 11);
      continue;
    }
    ++pruned;
    const auto rung = std::find(rung_steps.begin(), rung_steps.end(), last);
    ASSERT_NE(rung, rung_steps.end()) << "trial " << t.number << " stopped off a rung, at " << last;
    const std::string key = fmt::format("completed_rung_{}", rung - rung_steps.begin());
    const double own = t.system_attrs[key].get<double>();
    bool beaten = false;
    for (const auto& o : trials)
      beaten |= o.number != t.number && o.system_attrs.contains(key) &&
                o.system_attrs[key].get<double>() < own;
    EXPECT_TRUE(beaten) << "trial " << t.number << " pruned at step " << last
                        << " though no other trial did better there";
  }
  EXPECT_EQ(processes.size(), 2u);
  EXPECT_GE(pruned, 12);  // of 24, fewer than a third go past the first rung
}

TEST(CliPresets, ListsEveryPresetWithSourceAndNote) {
  TempDir dir;
  const auto r = run_cli({"presets"}, dir.path);
  ASSERT_EQ(r.status, 0);
  for (const char* name :
       {"sgd.lr", "momentum.lr", "adagrad.lr", "adadelta.lr", "rmsprop.lr", "adam.lr", "adamax.lr",
        "nadam.lr", "batch_size", "dropout", "weight_decay", "conv.kernel_size"})
    EXPECT_TRUE(contains(r.out, std::string(name) + "\n")) << name;
  EXPECT_TRUE(contains(r.out, "source:"));
  EXPECT_TRUE(contains(r.out, "7x1+1x7"));
}

}  // namespace

namespace {

// One formatter for every duration the CLI shows (progress, trial lines, `parzen show`).
TEST(DurationText, OneFormatForEveryDuration) {
  using parzen::cli::duration_text;
  EXPECT_EQ(duration_text(0.42), "0.4s");
  EXPECT_EQ(duration_text(42), "42.0s");
  EXPECT_EQ(duration_text(60), "1:00");
  EXPECT_EQ(duration_text(125.7), "2:05");
  EXPECT_EQ(duration_text(3725), "1:02:05");
  EXPECT_EQ(duration_text(90000), "25:00:00");
}

}  // namespace
