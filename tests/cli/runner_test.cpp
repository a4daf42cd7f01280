// End-to-end: what `parzen run` gives each trial process (its own directory and logs, a slot and
// devices), `parzen logs`, stop_when, --trial-timeout, and no trial outliving a killed run.

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/logs.hpp"
#include "cli/run.hpp"
#include "cli/trial_process.hpp"
#include "cli_helpers.hpp"
#include "parzen/system_attrs.hpp"

namespace {

using namespace parzen_test;
using parzen::FrozenTrial;
using parzen::TrialState;

std::string experiment(const std::string& body) {
  return fmt::format("name = \"e2e\"\nstorage = \"sqlite:///parzen.db\"\n{}", body);
}

std::string trial_dir(const FrozenTrial& t) {
  const auto it = t.system_attrs.find(parzen::keys::trial_dir);
  return it == t.system_attrs.end() ? "" : it->get<std::string>();
}

// Whether a process is gone (a zombie nobody reaped counts as gone: it runs nothing).
bool gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  const std::string stat = slurp(fmt::format("/proc/{}/stat", pid));
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

// Four trials at once, each writing log.txt in its working directory (its own trial directory)
// and reading it back after the others wrote theirs: each reads its own number. Their output is
// kept in the trial directory, shown by `parzen logs` and named in `parzen trials`.
TEST(CliTrialDirectory, ConcurrentTrialsNeverShareFilesAndKeepTheirLogs) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 12
concurrency = 4
run_in_trial_directory = true
command = ["{}", "dir-value", "150"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                kTrialProgram)));
  auto r = run_cli({"run", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 12u);
  std::set<std::string> dirs;
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete) << t.fail_reason;
    EXPECT_EQ(t.values[0], static_cast<double>(t.number)) << "trial " << t.number;
    const fs::path d = trial_dir(t);
    // Beside the experiment file by default: parzen-output/<study>/trial-<number>.
    EXPECT_EQ(d, dir.path / "parzen-output" / "e2e" / fmt::format("trial-{}", t.number));
    dirs.insert(d.string());
    EXPECT_EQ(slurp(d / "stdout.log"), fmt::format("read back\n{}\n", t.number));
    EXPECT_EQ(slurp(d / "stderr.log"), fmt::format("stderr of trial {}\n", t.number));
    EXPECT_TRUE(nlohmann::json::parse(slurp(d / "params.json")).contains("x"));
  }
  EXPECT_EQ(dirs.size(), 12u);

  r = run_cli({"logs", "--storage", dir.url(), "e2e", "5"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "read back\n5\n");
  r = run_cli({"logs", "--storage", dir.url(), "e2e", "5", "--stderr"}, dir.path);
  EXPECT_EQ(r.out, "stderr of trial 5\n");
  r = run_cli({"logs", "--storage", dir.url(), "e2e", "5", "--tail", "1"}, dir.path);
  EXPECT_EQ(r.out, "5\n");
  r = run_cli({"trials", "--storage", dir.url(), "e2e"}, dir.path);
  EXPECT_TRUE(contains(r.out, "user_attrs_trial_dir")) << r.out;
  EXPECT_TRUE(contains(r.out, (dir.path / "parzen-output" / "e2e" / "trial-3").string()));

  // A trial that parzen run did not start has no logs; a missing trial or directory is named.
  r = run_cli({"ask", "--storage", dir.url(), "--study", "manual", "--space",
               dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [0, 1]}})")},
              dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli({"logs", "--storage", dir.url(), "manual", "0"}, dir.path);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "trial 0 of study 'manual' has no logs")) << r.err;
  EXPECT_TRUE(contains(r.err, "parzen ask")) << r.err;
  r = run_cli({"logs", "--storage", dir.url(), "e2e", "99"}, dir.path);
  EXPECT_TRUE(contains(r.err, "has no trial 99 (its trials are 0 to 11)")) << r.err;
  fs::remove_all(dir.path / "parzen-output" / "e2e" / "trial-2");
  r = run_cli({"logs", "--storage", dir.url(), "e2e", "2"}, dir.path);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "does not exist here: the trial ran on another host")) << r.err;
  r = run_cli({"logs", "--storage", dir.url("missing.db"), "e2e", "2"}, dir.path);
  EXPECT_TRUE(contains(r.err, "no such database file")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "missing.db"));
}

// Each stream keeps at most log_max_bytes in its file and as much in FILE.1, however much the
// trial prints; output_directory moves the trials' directories.
TEST(CliTrialDirectory, LogsAreRotatedOnceAndBounded) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 1
log_max_bytes = 100000
output_directory = "out"
command = ["{}", "huge", "1"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                kTrialProgram)));
  const auto r = run_cli({"run", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::Complete) << trials[0].fail_reason;
  const fs::path d = dir.path / "out" / "trial-0";
  EXPECT_EQ(trial_dir(trials[0]), d.string());
  ASSERT_TRUE(fs::exists(d / "stdout.log.1"));
  EXPECT_EQ(fs::file_size(d / "stdout.log.1"), 100000u);
  EXPECT_LE(fs::file_size(d / "stdout.log"), 100000u);
  // The end of the output is in the current file.
  EXPECT_EQ(parzen::cli::last_lines(slurp(d / "stdout.log"), 1), "0.5\n");
  EXPECT_FALSE(fs::exists(d / "stderr.log"));  // nothing written, no file
}

// A failed trial's reason starts with stderr's last line (a traceback's exception, not its
// "Traceback" header), printed once, without C++ type names.
TEST(CliTrialDirectory, AFailureReasonIsTheLastLineOfStderrShownOnce) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 1
max_consecutive_failures = 1
command = ["{}", "fail"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                kTrialProgram)));
  const auto r = run_cli({"run", file, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 1);
  const auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 1u);
  const std::string& reason = trials[0].fail_reason;
  EXPECT_EQ(reason.substr(0, reason.find('\n')),
            "exited with status 3: ValueError: bad learning rate");
  EXPECT_TRUE(contains(reason, "\nstderr before it:\n  Traceback: something went wrong")) << reason;
  EXPECT_EQ(reason.find("ValueError"), reason.rfind("ValueError")) << reason;
  // Once in the trial's line, once in the run's closing error; no C++ type names anywhere.
  const std::string all = r.out + r.err;
  size_t n = 0;
  for (size_t at = all.find("ValueError"); at != std::string::npos;
       at = all.find("ValueError", at + 1))
    ++n;
  EXPECT_EQ(n, 2u) << all;
  EXPECT_TRUE(
      contains(r.out, "trial 0 failed: exited with status 3: ValueError: bad learning rate"))
      << r.out;
  EXPECT_FALSE(contains(all, "parzen::")) << all;
  EXPECT_FALSE(contains(all, "TrialFailed")) << all;
}

struct Record {
  int64_t start, end;
  int slot;
  std::string cuda;
};

std::vector<Record> records(const std::vector<FrozenTrial>& trials) {
  std::vector<Record> out;
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::Complete) << t.fail_reason;
    const auto j = nlohmann::json::parse(slurp(fs::path(trial_dir(t)) / "record.json"));
    out.push_back({j["start"].get<int64_t>(), j["end"].get<int64_t>(),
                   std::stoi(j["slot"].get<std::string>()),
                   j["cuda"].is_null() ? "<unset>" : j["cuda"].get<std::string>()});
    EXPECT_EQ(j["unbuffered"], "1");
  }
  return out;
}

// The most records overlapping at any instant among those `pick` selects.
template <typename Pick>
int max_overlap(const std::vector<Record>& rs, Pick pick) {
  std::vector<std::pair<int64_t, int>> events;
  for (const auto& r : rs)
    if (pick(r)) {
      events.emplace_back(r.start, 1);
      events.emplace_back(r.end, -1);
    }
  std::sort(events.begin(), events.end());  // an end sorts before a start at the same instant
  int now = 0, most = 0;
  for (const auto& [t, d] : events) most = std::max(most, now += d);
  return most;
}

// 4 fake devices, 2 trials per device, 8 trials at once: each trial sees one device in
// CUDA_VISIBLE_DEVICES, no device ever has more than 2 trials, no two running trials share a
// slot, and the devices are all used.
TEST(CliDevices, EightConcurrentTrialsOnFourDevicesNeverExceedTheLimit) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 24
concurrency = 8
gpus = [0, 1, 2, 3]
trials_per_gpu = 2
command = ["{}", "record", "600"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                kTrialProgram)));
  const auto r = run_cli({"run", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto rs = records(trials_of(dir.url(), "e2e"));
  ASSERT_EQ(rs.size(), 24u);
  std::set<std::string> used;
  for (const auto& rec : rs) {
    EXPECT_TRUE(rec.cuda == "0" || rec.cuda == "1" || rec.cuda == "2" || rec.cuda == "3")
        << rec.cuda;
    EXPECT_GE(rec.slot, 0);
    EXPECT_LT(rec.slot, 8);
    used.insert(rec.cuda);
  }
  EXPECT_EQ(used.size(), 4u);
  for (const std::string d : {"0", "1", "2", "3"})
    EXPECT_LE(max_overlap(rs, [&](const Record& x) { return x.cuda == d; }), 2) << "device " << d;
  for (int s = 0; s < 8; ++s)
    EXPECT_LE(max_overlap(rs, [&](const Record& x) { return x.slot == s; }), 1) << "slot " << s;
  // They did run 8 at a time (each trial lasts 600 ms so that a loaded machine, e.g. the
  // sanitizer build's tests in parallel, still starts 6 before the first ends; 150 ms did not).
  EXPECT_GE(max_overlap(rs, [](const Record&) { return true; }), 6);
}

// Two devices per trial on four devices, one trial per device: two trials at once, on disjoint
// pairs; without gpus, CUDA_VISIBLE_DEVICES stays as inherited and PARZEN_SLOT is still set.
TEST(CliDevices, SeveralDevicesPerTrialAndInheritedWithoutGpus) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 6
concurrency = 2
gpus = [3, 5, 7, 9]
gpus_per_trial = 2
command = ["{}", "record", "100"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                kTrialProgram)));
  auto r = run_cli({"run", file}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto rs = records(trials_of(dir.url(), "e2e"));
  ASSERT_EQ(rs.size(), 6u);
  for (const auto& a : rs) {
    EXPECT_TRUE(std::regex_match(a.cuda, std::regex(R"([3579],[3579])"))) << a.cuda;
    for (const auto& b : rs) {
      if (&a == &b || a.end <= b.start || b.end <= a.start) continue;
      // Overlapping trials share no device.
      for (char c : a.cuda)
        if (c != ',') {
          EXPECT_EQ(b.cuda.find(c), std::string::npos) << a.cuda << " / " << b.cuda;
        }
    }
  }
  // More trials at once than the devices hold: refused before anything runs.
  r = run_cli({"run", file, "--concurrency", "3", "--storage", dir.url("other.db")}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitUsage);
  EXPECT_TRUE(
      contains(r.err, "concurrency 3 exceeds what the experiment's devices hold at once: 2"))
      << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "other.db"));

  const auto plain = dir.file("plain.toml", fmt::format(R"(
name = "plain"
storage = "sqlite:///parzen.db"
n_trials = 2
concurrency = 2
command = ["{}", "record", "10"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                        kTrialProgram));
  ::setenv("CUDA_VISIBLE_DEVICES", "inherited-7", 1);
  r = run_cli({"run", plain}, dir.path);
  ::unsetenv("CUDA_VISIBLE_DEVICES");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  rs = records(trials_of(dir.url(), "plain"));
  ASSERT_EQ(rs.size(), 2u);
  for (const auto& rec : rs) EXPECT_EQ(rec.cuda, "inherited-7");
  std::set<int> slots;
  for (const auto& rec : rs) slots.insert(rec.slot);
  EXPECT_EQ(slots, (std::set<int>{0, 1}));
}

TEST(CliDevices, DeviceKeysAreChecked) {
  TempDir dir;
  const auto check = [&](const std::string& keys, const std::string& message) {
    const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
command = ["{}", "record", "10"]
{}
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                  kTrialProgram, keys)));
    const auto r = run_cli({"run", file}, dir.path);
    EXPECT_EQ(r.status, parzen::cli::kExitUsage) << keys;
    EXPECT_TRUE(contains(r.err, message)) << keys << "\n" << r.err;
  };
  check("gpus = [0, 0]", "gpus[1] = 0 is listed twice");
  check("gpus = [-1]", "a device index is an integer >= 0");
  check("gpus = []", "is empty");
  check("trials_per_gpu = 2", "key 'trials_per_gpu': needs gpus");
  check("gpus = [0]\ngpus_per_trial = 2", "is 2 but gpus lists only 1 device(s)");
  check("gpus = [0, 1]\nconcurrency = 3",
        "key 'concurrency': is 3 but the devices hold 2 trial(s) at once");
  check("directions = [\"minimize\", \"minimize\"]\nstop_when = 0",
        "key 'stop_when': needs a single objective");
  check("log_max_bytes = -1", "log_max_bytes");
  EXPECT_FALSE(fs::exists(dir.path / "parzen.db"));
}

// stop_when: the run stops starting trials once the best value reaches it, exits 0 saying so;
// a rerun finds it reached and has nothing to do.
TEST(CliStopWhen, StopsOnceTheBestValueReachesTheTarget) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 20
direction = "maximize"
stop_when = 3
command = ["{}", "value", "{{v}}"]
[search_space]
v = {{ _type = "choice", _value = [1, 2, 3, 4, 5, -1, -2, -3, -4, -5] }}
[sampler]
type = "grid"
)",
                                                                kTrialProgram)));
  auto r = run_cli({"run", file, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 3u) << r.out;  // grid order: 1, 2, 3
  EXPECT_TRUE(contains(r.out, "Stopped: trial 2 reached stop_when = 3 with 3.")) << r.out;
  r = run_cli({"run", file}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitNothingToDo) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "trial 2 already reached stop_when = 3")) << r.out;
}

TEST(CliRunFlags, TrialTimeoutOverridesTheExperiment) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 1
trial_timeout = "1h"
kill_grace_period = 0.2
count_failed_trials = true
command = ["{}", "ignore-term", "30"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                kTrialProgram)));
  const auto start = std::chrono::steady_clock::now();
  auto r = run_cli({"run", file, "--trial-timeout", "0.5s"}, dir.path);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_TRUE(contains(trials[0].fail_reason, "exceeded the trial timeout of 0.5s"))
      << trials[0].fail_reason;
  r = run_cli({"run", file, "--trial-timeout", "0"}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitUsage);
  EXPECT_TRUE(contains(r.err, "--trial-timeout must be > 0")) << r.err;
  r = run_cli({"run", file, "--trial-timeout", "soon"}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitUsage);
  EXPECT_TRUE(contains(r.err, "--trial-timeout: 'soon' is not a duration")) << r.err;
}

// SIGKILL of `parzen run` leaves no trial process: not the program, not what it started.
TEST(CliRunKilled, SigkillOfTheRunLeavesNoTrialProcess) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 2
concurrency = 2
command = ["{}", "sleep", "30", "{{x}}.pid"]
[search_space]
x = {{ _type = "choice", _value = ["a", "b"] }}
[sampler]
type = "grid"
)",
                                                                kTrialProgram)));
  const pid_t run = start_cli({"run", file}, dir.path, "killed");
  // Both trials started their grandchild.
  for (int i = 0; i < 300 && !(fs::exists(dir.path / "a.pid") && fs::exists(dir.path / "b.pid"));
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the pid is written in full
  std::vector<pid_t> grandchildren;
  for (const char* f : {"a.pid", "b.pid"})
    grandchildren.push_back(static_cast<pid_t>(std::atoi(slurp(dir.path / f).c_str())));
  for (pid_t g : grandchildren) ASSERT_GT(g, 1);
  for (pid_t g : grandchildren) ASSERT_FALSE(gone(g));
  const pid_t group = ::getpgid(grandchildren[0]);
  ::kill(run, SIGKILL);
  finish_cli(run, dir.path, "killed");
  bool all_gone = false;
  for (int i = 0; i < 100 && !all_gone; ++i) {
    all_gone = gone(grandchildren[0]) && gone(grandchildren[1]);
    if (!all_gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(all_gone);
  if (!all_gone && group > 1) ::kill(-group, SIGKILL);  // not left behind by the test either
}

// A `parzen worker` on the same study: the run's progress lines count the worker's trials too.
TEST(CliRunProgress, CountsTheWholeStudyWithAWorker) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 8
command = ["{}", "curve", "1", "1", "700"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                kTrialProgram)));
  const pid_t run = start_cli({"run", file, "--progress", "lines"}, dir.path, "run");
  for (int i = 0; i < 300 && trials_of(dir.url(), "e2e").empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto w = run_cli(
      {"worker", "--storage", dir.url(), "--study", "e2e", "--progress", "lines"}, dir.path);
  EXPECT_EQ(w.status, 0) << w.out << w.err;
  const auto r = finish_cli(run, dir.path, "run");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  // The run's own trials are fewer than 8, yet its last line counts the study's trials.
  const std::regex line(R"(\[ *(\d+)/8\] trial)");
  int own = 0, last = 0;
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), line);
       it != std::sregex_iterator(); ++it) {
    ++own;
    last = std::stoi((*it)[1]);
  }
  EXPECT_LT(own, 8) << r.out;
  EXPECT_GT(last, own) << r.out;
}

}  // namespace

namespace {

TEST(StderrReason, LastLineFirstThenTheLinesBeforeIt) {
  using parzen::cli::stderr_reason;
  EXPECT_EQ(stderr_reason(""), "");
  EXPECT_EQ(stderr_reason("\n  \r\n"), "");
  EXPECT_EQ(stderr_reason("only\r\n"), ": only");
  EXPECT_EQ(stderr_reason("Traceback (most recent call last):\n  File \"t.py\", line 1\n"
                          "ValueError: bad lr\n\n"),
            ": ValueError: bad lr\nstderr before it:\n  Traceback (most recent call last):\n"
            "    File \"t.py\", line 1");
  std::string many;
  for (int i = 0; i < 20; ++i) many += fmt::format("line {}\n", i);
  const std::string r = stderr_reason(many, 3);
  EXPECT_EQ(r,
            ": line 19\nstderr before it (last 3 of 19 lines):\n  line 16\n  line 17\n  line 18");
  EXPECT_EQ(stderr_reason(std::string(1000, 'x')).size(), 2u + 300u);
}

TEST(LastLines, CountsAFinalLineWithoutNewline) {
  using parzen::cli::last_lines;
  EXPECT_EQ(last_lines("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(last_lines("a\nb\nc", 1), "c");
  EXPECT_EQ(last_lines("a\nb\n", 5), "a\nb\n");
  EXPECT_EQ(last_lines("a\n", 0), "");
  EXPECT_EQ(last_lines("", 3), "");
}

}  // namespace

namespace {

// --output-directory (run and worker) puts this process's trial directories elsewhere.
TEST(CliRunFlags, OutputDirectoryForARunAndAWorker) {
  TempDir dir;
  const auto file = dir.file("exp.toml", experiment(fmt::format(R"(
n_trials = 2
command = ["{}", "record", "1500"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                                                kTrialProgram)));
  const pid_t run = start_cli(
      {"run", file, "--output-directory", (dir.path / "elsewhere").string()}, dir.path, "run");
  for (int i = 0; i < 300 && trials_of(dir.url(), "e2e").empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto w = run_cli({"worker", "--storage", dir.url(), "--study", "e2e", "--output-directory",
                          (dir.path / "w").string()},
                         dir.path);
  EXPECT_EQ(w.status, 0) << w.out << w.err;
  const auto r = finish_cli(run, dir.path, "run");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "e2e");
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trial_dir(trials[0]), (dir.path / "elsewhere" / "trial-0").string());
  EXPECT_EQ(trial_dir(trials[1]), (dir.path / "w" / "trial-1").string());
  EXPECT_TRUE(fs::exists(dir.path / "w" / "trial-1" / "record.json"));
  EXPECT_FALSE(fs::exists(dir.path / "parzen-output"));
}

}  // namespace
