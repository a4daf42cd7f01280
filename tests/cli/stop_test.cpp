// `parzen stop` end to end: the real binary, a real `parzen run` and `parzen worker` on one
// SQLite study with slow trials. The request is stored in the study; both processes start no new
// trial once they see it, let their running trials finish and exit 0; a later `parzen run`
// resumes the study and clears the request.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <thread>

#include <fmt/format.h>

#include "cli/cli_helpers.hpp"
#include "parzen/error.hpp"
#include "parzen/stop_request.hpp"
#include "parzen/storage.hpp"

namespace {

using namespace parzen_test;
using parzen::TrialState;

size_t count(const std::vector<parzen::FrozenTrial>& trials, TrialState state) {
  return static_cast<size_t>(
      std::count_if(trials.begin(), trials.end(), [&](const auto& t) { return t.state == state; }));
}

// Waits up to 30 s until the study has `n` trials in `state`.
bool wait_for(const std::string& url, TrialState state, size_t n) {
  for (int i = 0; i < 300; ++i) {
    try {
      if (count(trials_of(url, "slow"), state) >= n) return true;
    } catch (const parzen::Error&) {  // not created yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string slow_experiment(int n_trials) {
  return fmt::format(R"(name = "slow"
storage = "sqlite:///parzen.db"
n_trials = {}
concurrency = 2
command = ["{}", "record", "700"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
[sampler]
type = "random"
)",
                     n_trials, kTrialProgram);
}

TEST(CliStop, RunAndWorkerStopAfterTheirRunningTrialsAndRunResumes) {
  TempDir dir;
  const std::string url = dir.url();
  const auto file = dir.file("exp.toml", slow_experiment(40));
  const pid_t run = start_cli({"run", file, "--progress", "lines"}, dir.path, "run");
  ASSERT_TRUE(wait_for(url, TrialState::Running, 1));
  const pid_t worker = start_cli(
      {"worker", "--storage", url, "--study", "slow", "--progress", "lines"}, dir.path, "worker");
  ASSERT_TRUE(wait_for(url, TrialState::Running, 3));

  auto r = run_cli({"stop", "slow", "--storage", url}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Stop requested for study 'slow'")) << r.out;
  EXPECT_TRUE(contains(r.out, "resumes it")) << r.out;
  const auto at_stop = trials_of(url, "slow").size();

  const auto run_result = finish_cli(run, dir.path, "run");
  const auto worker_result = finish_cli(worker, dir.path, "worker");
  EXPECT_EQ(run_result.status, 0) << run_result.out << run_result.err;
  EXPECT_EQ(worker_result.status, 0) << worker_result.out << worker_result.err;
  for (const auto& out : {run_result.out + run_result.err, worker_result.out + worker_result.err}) {
    EXPECT_TRUE(contains(out, "stop requested at")) << out;
    EXPECT_TRUE(contains(out, "by parzen stop (")) << out;
    EXPECT_TRUE(contains(out, "Stopped:")) << out;
  }
  auto trials = trials_of(url, "slow");
  // The running trials finished and were stored; no new ones started after the request (an ask
  // racing it may add one per worker thread), far from the 40 of the budget.
  EXPECT_EQ(count(trials, TrialState::Running), 0u);
  EXPECT_EQ(count(trials, TrialState::Waiting), 0u);
  EXPECT_EQ(count(trials, TrialState::Complete), trials.size());
  EXPECT_LE(trials.size(), at_stop + 4);
  EXPECT_LT(trials.size(), 40u);

  // A worker started on the stopped study runs nothing and says how to resume, first thing
  // (not its "Resuming study" banner).
  r = run_cli({"worker", "--storage", url, "--study", "slow"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Stopped: study 'slow' in ")) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "is stopped (stop requested at ")) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "by parzen stop (")) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "this worker starts no trial")) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "`parzen run` with the study's experiment resumes it"))
      << r.out << r.err;
  EXPECT_FALSE(contains(r.out + r.err, "Resuming")) << r.out << r.err;
  EXPECT_EQ(trials_of(url, "slow").size(), trials.size());

  // `parzen show` and `parzen studies` say that it is stopped, when, by whom and how to resume.
  r = run_cli({"show", "slow", "--storage", url}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Stopped:    stop requested at ")) << r.out;
  EXPECT_TRUE(contains(r.out, "by parzen stop (")) << r.out;
  EXPECT_TRUE(contains(r.out, "`parzen run` with the study's experiment resumes it")) << r.out;
  r = run_cli({"studies", "--storage", url}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "stopped")) << r.out;
  EXPECT_TRUE(contains(r.out, "Study 'slow' is stopped (stop requested at ")) << r.out;
  EXPECT_TRUE(contains(r.out, "`parzen run` with the study's experiment resumes it")) << r.out;

  // Stopping again changes nothing and says so.
  r = run_cli({"stop", "slow", "--storage", url}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "already stopped")) << r.out;

  // `parzen run` resumes: it clears the request, says so, and runs the trials asked for.
  const auto done = trials.size();
  r = run_cli({"run", file, "--n-trials", std::to_string(done + 2), "--progress", "lines"},
              dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "this run clears the request and resumes it"))
      << r.out << r.err;
  EXPECT_FALSE(contains(r.out + r.err, "Stopped:")) << r.out << r.err;
  trials = trials_of(url, "slow");
  EXPECT_EQ(trials.size(), done + 2);
  EXPECT_EQ(count(trials, TrialState::Complete), done + 2);
  auto storage = parzen::make_storage(url);
  EXPECT_FALSE(parzen::stop_request(*storage, *storage->find_study("slow")));
  // Resumed: neither command calls it stopped any more.
  r = run_cli({"show", "slow", "--storage", url}, dir.path);
  EXPECT_FALSE(contains(r.out, "Stopped:")) << r.out;
  r = run_cli({"studies", "--storage", url}, dir.path);
  EXPECT_FALSE(contains(r.out, "is stopped")) << r.out;
}

// A stopped study made outside `parzen run` (Python, C++) has no experiment to resume it with:
// `show` and `studies` name the calls that clear the request; a running one is not marked.
TEST(CliStop, ShowAndStudiesMarkOnlyTheStoppedStudy) {
  TempDir dir;
  auto storage = parzen::make_storage(dir.url());
  const auto py = storage->create_study("py", {parzen::Direction::Minimize});
  storage->create_study("other", {parzen::Direction::Minimize});
  auto r = run_cli({"stop", "other", "--storage", dir.url()}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Stop requested for study 'other'")) << r.out;
  EXPECT_TRUE(contains(r.out,
                       "It has no experiment for `parzen run`: "
                       "`study.clear_stop_request()` (Python)"))
      << r.out;
  parzen::clear_stop_request(*storage, *storage->find_study("other"));
  parzen::request_stop(*storage, py, "the dashboard (127.0.0.1)");
  r = run_cli({"show", "py", "--storage", dir.url()}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Stopped:    stop requested at ")) << r.out;
  EXPECT_TRUE(contains(r.out, "by the dashboard (127.0.0.1)")) << r.out;
  EXPECT_TRUE(contains(r.out, "`study.clear_stop_request()` (Python)")) << r.out;
  r = run_cli({"show", "other", "--storage", dir.url()}, dir.path);
  EXPECT_FALSE(contains(r.out, "Stopped")) << r.out;
  // `parzen stop` names the same way back (not `parzen run`, which this study cannot use).
  r = run_cli({"stop", "py", "--storage", dir.url()}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "already stopped")) << r.out;
  EXPECT_TRUE(contains(r.out, "`study.clear_stop_request()` (Python)")) << r.out;
  EXPECT_FALSE(contains(r.out, "`parzen run` with the study's experiment")) << r.out;
  r = run_cli({"studies", "--storage", dir.url()}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Study 'py' is stopped (stop requested at ")) << r.out;
  EXPECT_TRUE(contains(r.out, "`study.clear_stop_request()` (Python)")) << r.out;
  EXPECT_FALSE(contains(r.out, "Study 'other' is stopped")) << r.out;
}

// One stop action delivered twice (GNU `timeout` signals the process and then its process
// group): still the graceful stop, not the kill of a second Ctrl-C.
TEST(CliStop, ASignalDeliveredTwiceAtOnceStopsGracefully) {
  TempDir dir;
  const std::string url = dir.url();
  const auto file = dir.file("exp.toml", slow_experiment(40));
  const pid_t run = start_cli({"run", file, "--progress", "lines"}, dir.path, "run");
  ASSERT_TRUE(wait_for(url, TrialState::Running, 2));
  ::kill(run, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ::kill(run, SIGTERM);
  const auto r = finish_cli(run, dir.path, "run");
  EXPECT_EQ(r.status, 130) << r.out << r.err;
  EXPECT_FALSE(contains(r.out + r.err, "Killing the running trials")) << r.out << r.err;
  const auto trials = trials_of(url, "slow");
  EXPECT_EQ(count(trials, TrialState::Failed), 0u) << r.out << r.err;
  EXPECT_EQ(count(trials, TrialState::Complete), trials.size()) << r.out << r.err;
}

TEST(CliStop, UnknownStudyAndMissingOrEmptyDatabase) {
  TempDir dir;
  auto storage = parzen::make_storage(dir.url());
  storage->create_study("there", {parzen::Direction::Minimize});
  auto r = run_cli({"stop", "nope", "--storage", dir.url()}, dir.path);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "no study 'nope'")) << r.err;
  EXPECT_TRUE(contains(r.err, "its studies: there")) << r.err;
  r = run_cli({"stop", "there", "--storage", (dir.path / "missing.db").string()}, dir.path);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "no such database file")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "missing.db"));
  // An empty file is not a Parzen database: refused, and left empty.
  const auto empty = dir.file("empty.db", "");
  r = run_cli({"stop", "there", "--storage", empty}, dir.path);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "is an empty file (0 bytes), not a Parzen database")) << r.err;
  EXPECT_EQ(fs::file_size(empty), 0u);
}

}  // namespace
