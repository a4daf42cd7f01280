#pragma once
// Failure scenarios run against every relational backend (the storage URL is the parameter).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "parzen/parzen.hpp"
#include "storage/process.hpp"

namespace parzen_test {

// Four worker processes on one study; two are killed with SIGKILL in the middle of a trial.
// Their trials must end failed after the grace period, be retried with the same parameters,
// and the survivors must still run their whole budget.
inline void killed_workers_scenario(const std::string& url) {
  using namespace parzen;

  // Four workers beating every 0.1 s with a 0.8 s grace period and one retry: two survivors with
  // 100 ms trials, and two victims with 30 s trials, killed while their first trial runs.
  const auto marker_dir =
      std::filesystem::temp_directory_path() /
      ("parzen-killed-" + std::to_string(getpid()) + "-" +
       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(marker_dir);
  auto worker = [&](int seed, const char* trials, const char* sleep_ms,
                    const std::string& marker = "") {
    std::vector<std::string> args = {
        PARZEN_TEST_WORKER, url,   "crash", trials, std::to_string(seed),
        sleep_ms,           "0.1", "0.8",   "1"};
    if (!marker.empty()) args.push_back(marker);
    return spawn(args);
  };
  // Create the study first so that the workers' creations do not race on it.
  Study::create({.name = "crash", .storage = url, .log_level = LogLevel::Silent});
  // The victims first: each writes its marker file once inside its first trial (stored RUNNING,
  // heartbeats going). They are killed only when both are there (a fixed wait was too short
  // under the sanitizers with parallel tests: they had not started a trial), and the survivors
  // start then, so that they still ask (and judge stale trials) well past the grace period.
  const std::vector<std::string> markers = {(marker_dir / "3").string(),
                                            (marker_dir / "4").string()};
  std::vector<pid_t> victims = {worker(3, "1000", "30000", markers[0]),
                                worker(4, "1000", "30000", markers[1])};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool inside = false;
  while (!inside && std::chrono::steady_clock::now() < deadline) {
    inside = std::filesystem::exists(markers[0]) && std::filesystem::exists(markers[1]);
    if (!inside) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<pid_t> survivors;
  if (inside) survivors = {worker(1, "40", "100"), worker(2, "40", "100")};
  for (pid_t pid : victims) {
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  std::filesystem::remove_all(marker_dir);
  ASSERT_TRUE(inside) << "the victims were not both inside a trial after 60 s";
  for (pid_t pid : survivors) {
    EXPECT_TRUE(exited_cleanly(pid)) << "a survivor failed";
  }
  auto study = Study::load({.name = "crash", .storage = url, .log_level = LogLevel::Silent});
  const auto trials = study.trials();
  std::map<int64_t, const FrozenTrial*> by_number;
  for (const auto& t : trials) by_number[t.number] = &t;
  int stale = 0;
  for (const auto& t : trials) {
    EXPECT_NE(t.state, TrialState::Running) << "trial " << t.number << " was left running";
    if (t.state == TrialState::Failed) {
      ++stale;
      EXPECT_NE(t.fail_reason.find("no heartbeat for"), std::string::npos) << t.fail_reason;
    }
    if (t.system_attrs.contains("retried_from")) {
      // The retry ran the killed trial's parameters to completion.
      const auto* original = by_number.at(t.system_attrs["retried_from"].get<int64_t>());
      EXPECT_EQ(original->state, TrialState::Failed);
      EXPECT_EQ(t.state, TrialState::Complete);
      EXPECT_EQ(t.params, original->params);
    }
  }
  EXPECT_EQ(stale, 2) << "one running trial per killed worker";
  // The survivors still ran their whole budget (the retries count towards it).
  EXPECT_GE(study.trials({TrialState::Complete}).size(), 80u);
}

// Four processes create trials through create_trial_within on one study with a cap of 60: the
// study ends with exactly 60 trials.
inline void budget_race_scenario(const std::string& url) {
  using namespace parzen;
  auto storage = make_storage(url);
  storage->create_study("budget", {Direction::Minimize});
  std::vector<pid_t> pids;
  for (int w = 0; w < 4; ++w)
    pids.push_back(spawn({PARZEN_TEST_WORKER, "--within", url, "budget", "60"}));
  for (pid_t pid : pids) {
    EXPECT_TRUE(exited_cleanly(pid)) << "a worker failed";
  }
  const auto trials = storage->trials(*storage->find_study("budget"));
  EXPECT_EQ(trials.size(), 60u);
  for (const auto& t : trials) EXPECT_EQ(t.state, TrialState::Complete);
}

// Four processes race fail_trial and fail_stale_trials (max_retries 1) on the same 30 running
// trials: each is failed once and retried exactly once.
inline void failure_race_scenario(const std::string& url) {
  using namespace parzen;
  auto storage = make_storage(url);
  const StudyId s = storage->create_study("failures", {Direction::Minimize});
  for (int i = 0; i < 30; ++i) {
    const auto t = storage->create_trial(s, {});
    storage->set_trial_param(t.id, "x", i / 30.0, FloatDistribution{0, 1});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::vector<pid_t> pids;
  for (int w = 0; w < 4; ++w)
    pids.push_back(spawn({PARZEN_TEST_WORKER, "--fail", url, "failures", "1"}));
  for (pid_t pid : pids) {
    EXPECT_TRUE(exited_cleanly(pid)) << "a worker failed";
  }
  const auto trials = storage->trials(s);
  ASSERT_EQ(trials.size(), 60u);
  std::map<int64_t, int> retries_of;
  for (const auto& t : trials) {
    if (t.number < 30) {
      EXPECT_EQ(t.state, TrialState::Failed);
      EXPECT_TRUE(t.system_attrs.contains(keys::retried_by));
    } else {
      EXPECT_EQ(t.state, TrialState::Waiting);
      ++retries_of[t.system_attrs.at(keys::retried_from).get<int64_t>()];
    }
  }
  EXPECT_EQ(retries_of.size(), 30u);
  for (const auto& [number, n] : retries_of) EXPECT_EQ(n, 1) << "retries of trial " << number;
}

}  // namespace parzen_test
