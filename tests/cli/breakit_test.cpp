// End-to-end tests of issue 20's break-it findings against the CLI (5, 7, 8, 10 and 11's CLI
// items), with the real `parzen` binary and sh trial scripts: stop_when and the progress lines
// with constraints, enqueue past a full budget, a refused ask that must create no database, a
// repeated --sampler-option, CLI11's refusals with the usual prefix, and one-parameter cmaes.

#include <gtest/gtest.h>

#include <algorithm>

#include <fmt/format.h>

#include "cli/run.hpp"
#include "cli_helpers.hpp"

namespace {

using namespace parzen_test;
using parzen::TrialState;

// The line of `text` that contains `needle`, or "".
std::string line_with(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) return "";
  const auto begin = text.rfind('\n', at);
  const auto end = text.find('\n', at);
  return text.substr(begin == std::string::npos ? 0 : begin + 1,
                     end == std::string::npos ? std::string::npos
                                              : end - (begin == std::string::npos ? 0 : begin + 1));
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Findings 5 and 10: with constraints, an infeasible trial neither reaches stop_when nor is shown
// as the best; the first feasible trial under the target stops the run.
TEST(CliBreakIt, StopWhenAndTheProgressBestCountFeasibleTrialsOnly) {
  TempDir dir;
  const auto exp = write_sh_experiment(dir, R"(
n_trials = 6
stop_when = 100
constraints = ["c"]
)",
                                       R"sh(
if [ "$PARZEN_TRIAL_NUMBER" -lt 2 ]; then echo 'parzen:constraint c 1'; else echo 'parzen:constraint c -1'; fi
echo $((20 + PARZEN_TRIAL_NUMBER))
)sh");
  const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(trials_of(dir.url(), "s").size(), 3u) << r.out;
  EXPECT_TRUE(contains(r.out, "Stopped: trial 2 reached stop_when = 100 with 22.")) << r.out;
  const std::string first = line_with(r.out, "trial 0 complete");
  // The trial's own line says it is infeasible and why (new-user try-out 21, finding 6).
  EXPECT_TRUE(contains(first, "  20  (infeasible: c = 1 > 0; no feasible trial yet)")) << r.out;
  EXPECT_FALSE(contains(first, "(best ")) << r.out;
  EXPECT_TRUE(contains(line_with(r.out, "trial 1 complete"), "no feasible trial yet")) << r.out;
  EXPECT_TRUE(contains(line_with(r.out, "trial 2 complete"), "(best 22 #2, new)")) << r.out;
  EXPECT_FALSE(contains(line_with(r.out, "trial 2 complete"), "infeasible")) << r.out;
  EXPECT_TRUE(contains(r.out, "Best trial #2")) << r.out;
}

// Finding 5's wording: one infeasible trial is "the 1 complete trial violates".
TEST(CliBreakIt, NoFeasibleTrialSummaryAgreesInNumber) {
  TempDir dir;
  const auto exp = write_sh_experiment(dir, "n_trials = 1\nstop_when = 100\nconstraints = [\"c\"]",
                                       "echo 'parzen:constraint c 1'\necho 5\n");
  const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "No feasible trial: the 1 complete trial violates a constraint (c)."))
      << r.out;
  EXPECT_FALSE(contains(r.out, "reached stop_when")) << r.out;
}

// Finding 7: enqueue on a study whose budget is met says the trial runs beyond it; the run runs
// it and says why; a later run's "nothing to run" names the overshoot instead of "2 of its 1".
TEST(CliBreakIt, EnqueueBeyondAFullBudgetIsSaidByEnqueueAndRun) {
  TempDir dir;
  const auto exp = write_sh_experiment(dir, "n_trials = 1", "echo 0.5\n");
  auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  r = run_cli({"enqueue", "s", "--storage", dir.url(), "x=0.25"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Enqueued trial 1")) << r.out;
  EXPECT_TRUE(contains(r.err,
                       "parzen: warning: study 's' already holds its n_trials = 1 trials "
                       "(counted, running or waiting): trial 1 runs beyond that budget"))
      << r.err;
  r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err,
                       "has its 1 trials (n_trials = 1); the 1 waiting trial (`parzen "
                       "enqueue`, retries) runs beyond it"))
      << r.err;
  EXPECT_TRUE(contains(r.out, "trial 1 complete")) << r.out;
  const auto trials = trials_of(dir.url(), "s");
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[1].state, TrialState::Complete);
  r = run_cli({"worker", "--storage", dir.url(), "--study", "s"}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitNothingToDo) << r.out << r.err;
  EXPECT_TRUE(contains(r.out,
                       "already has 2 trials, 1 over its n_trials = 1 (enqueued trials run "
                       "beyond it); nothing to run."))
      << r.out;
  // With room in the budget, enqueue says nothing more.
  TempDir roomy;
  const auto exp2 = write_sh_experiment(roomy, "n_trials = 3", "echo 0.5\n");
  r = run_cli({"ask", "--study", "s", "--storage", roomy.url(), "--experiment", exp2}, roomy.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  r = run_cli({"enqueue", "s", "--storage", roomy.url(), "x=0.25"}, roomy.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_FALSE(contains(r.err, "warning")) << r.err;
}

// Finding 8: an ask refused for its sampler, directions or options creates no database file.
TEST(CliBreakIt, ARefusedAskCreatesNoDatabase) {
  TempDir dir;
  const auto space = dir.file("space.json", R"({"n": {"_type": "randint", "_value": [0, 4]}})");
  const std::vector<std::vector<std::string>> refused = {
      {"--sampler", "cmaes", "--direction", "minimize", "--direction", "maximize"},
      {"--sampler", "grid", "--sampler-option", "bogus=1"},
      {"--sampler", "tpe", "--sampler-option", "seed=1", "--sampler-option", "seed=2"},
  };
  for (const auto& extra : refused) {
    std::vector<std::string> args = {"ask",     "--study", "s", "--storage", dir.url("new.db"),
                                     "--space", space};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cli(args, dir.path);
    EXPECT_EQ(r.status, 2) << extra[1] << ": " << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "parzen: error: ")) << r.err;
    EXPECT_FALSE(fs::exists(dir.path / "new.db")) << extra[1] << ": " << r.err;
  }
  // Accepted: the file and the study are made.
  const auto r = run_cli({"ask", "--study", "s", "--storage", dir.url("new.db"), "--space", space,
                          "--sampler", "random"},
                         dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(trials_of(dir.url("new.db"), "s").size(), 1u);
}

// Finding 11: a repeated --sampler-option names the key and both values.
TEST(CliBreakIt, ARepeatedSamplerOptionIsRefusedNamingTheKey) {
  TempDir dir;
  const auto space = dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [0, 1]}})");
  const auto r =
      run_cli({"ask", "--study", "s", "--storage", dir.url(), "--space", space, "--sampler", "tpe",
               "--sampler-option", "seed=1", "--sampler-option", "seed=2"},
              dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "--sampler-option 'seed' is given twice ('seed=1', then 'seed=2')"))
      << r.err;
}

// Finding 11: a value CLI11 refuses gets the prefix of every other refusal, and exit 2.
TEST(CliBreakIt, ARangeCheckedFlagIsRefusedWithTheUsualPrefix) {
  TempDir dir;
  for (const std::string command : {"worker", "run"}) {
    std::vector<std::string> args =
        command == "worker"
            ? std::vector<std::string>{"worker", "--storage", dir.url(), "--study", "s"}
            : std::vector<std::string>{"run", "exp.toml"};
    args.insert(args.end(), {"--concurrency", "0"});
    const auto r = run_cli(args, dir.path);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.err.rfind("parzen: error: --concurrency", 0), 0u) << r.err;
  }
}

// Finding 11: one-parameter cmaes says once per ask that the parameter is drawn independently.
TEST(CliBreakIt, OneParameterCmaesSaysItOnce) {
  TempDir dir;
  const auto space = dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [0, 1]}})");
  const std::vector<std::string> ask = {
      "ask", "--study",   "s",     "--storage",        dir.url(),           "--space",
      space, "--sampler", "cmaes", "--sampler-option", "n_startup_trials=1"};
  auto r = run_cli(ask, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli({"tell", "--study", "s", "--storage", dir.url(), "--trial", "0", "--value", "1"},
              dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli({"ask", "--study", "s", "--storage", dir.url()}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(count_of(r.err, "independent sampler"), 1u) << r.err;
}

}  // namespace
