// Trial processes: real programs, no shell, bounded memory, timeouts that kill the whole group.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "../process_group.hpp"
#include "cli/trial_process.hpp"
#include "cli_helpers.hpp"

namespace {

using namespace parzen::cli;
using parzen_test::kTrialProgram;
using parzen_test::TempDir;

ProcessResult run(std::vector<std::string> args, std::optional<double> timeout = std::nullopt,
                  double grace = 1.0) {
  ProcessSpec spec;
  spec.argv = {kTrialProgram};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.timeout_seconds = timeout;
  spec.kill_grace_seconds = grace;
  return run_trial_process(spec);
}

TEST(TrialProcess, LastLineIsTheValue) {
  const auto r = run({"value", "0.25"});
  EXPECT_EQ(r.end, ProcessResult::End::Exited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.last_line, "0.25");
  EXPECT_FALSE(r.result_line);
}

TEST(TrialProcess, FailureKeepsTheTailOfStderr) {
  const auto r = run({"fail"});
  EXPECT_EQ(r.end, ProcessResult::End::Exited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.stderr_tail.find("ValueError: bad learning rate"), std::string::npos);
  EXPECT_EQ(describe_end(r), "exited with status 3");
}

TEST(TrialProcess, CrashIsReportedWithItsSignal) {
  const auto r = run({"crash"});
  EXPECT_EQ(r.end, ProcessResult::End::Signaled);
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_NE(describe_end(r).find("signal 11"), std::string::npos);
}

TEST(TrialProcess, TimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  const std::string pidfile = (dir.path / "grandchild.pid").string();
  const auto start = std::chrono::steady_clock::now();
  const auto r = run({"sleep", "30", pidfile}, 0.5, 0.5);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.end, ProcessResult::End::TimedOut);
  EXPECT_LT(took, 10.0);
  // The grandchild it forked is gone too (killed with the group, then reaped by init).
  std::ifstream in(pidfile);
  pid_t grandchild = 0;
  in >> grandchild;
  ASSERT_GT(grandchild, 0);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = ::kill(grandchild, 0) != 0;
    if (!gone) {
      // A zombie that is not ours counts as dead; check /proc for its state.
      std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
      std::string pid_s, comm, state;
      stat >> pid_s >> comm >> state;
      gone = !stat || state == "Z";
    }
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(gone);
}

TEST(TrialProcess, IgnoringSigtermGetsSigkillAfterTheGracePeriod) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = run({"ignore-term", "30"}, 0.3, 0.5);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.end, ProcessResult::End::TimedOut);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(took, 10.0);
}

TEST(TrialProcess, HugeOutputStaysBounded) {
  // 512 MiB of output, including 1 MiB lines without a newline; only the tail is kept, so this
  // process's peak memory stays far below the output's size.
  const auto r = run({"huge", "512"});
  EXPECT_EQ(r.end, ProcessResult::End::Exited);
  EXPECT_GT(r.stdout_bytes, 512u << 20);
  EXPECT_EQ(r.last_line, "0.5");
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  EXPECT_LT(usage.ru_maxrss, 200 * 1024) << "peak resident KiB";
}

TEST(TrialProcess, ProtocolLines) {
  std::vector<std::pair<int64_t, double>> reports;
  ProcessSpec spec;
  spec.argv = {kTrialProgram, "report", "4"};
  ProcessControl control;
  control.on_report = [&](int64_t step, double v) {
    reports.emplace_back(step, v);
    return false;
  };
  const auto r = run_trial_process(spec, control);
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_EQ(reports[3], (std::pair<int64_t, double>{3, 0.25}));
  ASSERT_TRUE(r.result_line);
  EXPECT_EQ(*r.result_line, "0.25");
  EXPECT_EQ(r.last_line, "some trailing text");
}

TEST(TrialProcess, StopRequestedByAReportEndsTheProgram) {
  ProcessSpec spec;
  spec.argv = {kTrialProgram, "ignore-term", "30"};
  spec.kill_grace_seconds = 0.3;
  ProcessControl control;
  control.on_report = [](int64_t, double) { return true; };
  const auto r = run_trial_process(spec, control);
  EXPECT_EQ(r.end, ProcessResult::End::Stopped);
}

TEST(TrialProcess, ArgumentsReachTheProgramUnchanged) {
  TempDir dir;
  const std::string out = (dir.path / "args.json").string();
  const std::vector<std::string> tricky = {"with space",
                                           "quote\"s and 'single'",
                                           "$(touch pwned)",
                                           "; rm -rf /",
                                           "new\nline",
                                           "`backtick`",
                                           "*",
                                           ""};
  std::vector<std::string> args = {"echo-args", out};
  args.insert(args.end(), tricky.begin(), tricky.end());
  ProcessSpec spec;
  spec.argv = {kTrialProgram};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.working_directory = dir.path.string();
  const auto r = run_trial_process(spec);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(parzen_test::slurp(out)).get<std::vector<std::string>>(), tricky);
  EXPECT_FALSE(std::filesystem::exists(dir.path / "pwned"));
}

TEST(TrialProcess, MissingProgramIsASpawnFailure) {
  ProcessSpec spec;
  spec.argv = {"/nonexistent/program"};
  const auto r = run_trial_process(spec);
  EXPECT_EQ(r.end, ProcessResult::End::SpawnFailed);
  EXPECT_NE(r.spawn_error.find("No such file"), std::string::npos);
}

using parzen_test_support::live_group_members;

TEST(TrialProcess, SigkilledRunnerLeavesNoProcessOfItsTrialGroup) {
  // The runner (a forked copy of this test) runs a shell that starts a grandchild `sleep 60`;
  // SIGKILL of the runner must take the whole trial group with it (no orphans reparented to
  // init running on while the trial is retried elsewhere).
  TempDir dir;
  const std::string pids = (dir.path / "pids").string();
  const pid_t runner = ::fork();
  ASSERT_GE(runner, 0);
  if (runner == 0) {
    ProcessSpec spec;
    spec.argv = {"/bin/sh", "-c",
                 "echo $$ > " + pids + ".tmp; sleep 60 & echo $! >> " + pids + ".tmp; mv " + pids +
                     ".tmp " + pids + "; wait"};
    run_trial_process(spec);
    ::_exit(0);
  }
  pid_t shell = 0, sleeper = 0;
  for (int i = 0; i < 200 && !sleeper; ++i) {
    std::ifstream in(pids);
    if (!(in >> shell >> sleeper)) sleeper = 0;
    if (!sleeper) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_GT(sleeper, 0) << "the trial never started";
  const pid_t group = ::getpgid(shell);
  ASSERT_GT(group, 0);
  EXPECT_NE(group, ::getpgid(0)) << "the trial runs in its own process group";
  EXPECT_EQ(::getpgid(sleeper), group);
  ASSERT_EQ(::kill(runner, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(runner, &status, 0), runner);
  std::vector<pid_t> left = live_group_members(group);
  for (int i = 0; i < 100 && !left.empty(); ++i) {  // up to 5 s
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    left = live_group_members(group);
  }
  EXPECT_TRUE(left.empty()) << left.size() << " process(es) of the trial's group still run";
  for (pid_t p : left) ::kill(p, SIGKILL);
}

TEST(TrialProcess, SigtermToTheGroupEndsTheProgramWithTheSameSignal) {
  // The supervisor ignores the runner's SIGTERM; the program's death by it is reported as is.
  const auto r = run({"sleep", "30", "/dev/null"}, 0.3, 5.0);
  EXPECT_EQ(r.end, ProcessResult::End::TimedOut);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_LT(r.seconds, 4.0) << "SIGTERM, not the SIGKILL after the grace period, ended it";
}

TEST(TrialProcess, ExitStatusAndWorkingDirectoryPassThrough) {
  TempDir dir;
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "pwd; exit 7"};
  spec.working_directory = dir.path.string();
  const auto r = run_trial_process(spec);
  EXPECT_EQ(r.end, ProcessResult::End::Exited);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(std::filesystem::canonical(r.last_line), std::filesystem::canonical(dir.path));
}

TEST(TrialProcess, MissingWorkingDirectoryIsASpawnFailure) {
  ProcessSpec spec;
  spec.argv = {"/bin/true"};
  spec.working_directory = "/nonexistent/dir";
  const auto r = run_trial_process(spec);
  EXPECT_EQ(r.end, ProcessResult::End::SpawnFailed);
  EXPECT_NE(r.spawn_error.find("the working directory '/nonexistent/dir' does not exist"),
            std::string::npos)
      << r.spawn_error;
}

}  // namespace
