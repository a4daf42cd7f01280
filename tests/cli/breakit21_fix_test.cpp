// End-to-end tests of issue 21's break-it findings fixed by the "fix21" engineer (3, 4, 5, 11's
// `parzen tell` part, 13's warning, 16, 17, 18, 20, 21, 22; 12 is in stop_test.cpp), with the real
// `parzen` binary and sh trial scripts: the reason of a trial whose constraint line was ignored, an
// infinite constraint value, duplicate or unreadable metric names, one failure reason grouped once
// by `show`, and a pruner on several objectives.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "cli_helpers.hpp"
#include "parzen/error.hpp"

namespace {

using namespace parzen_test;
using parzen::TrialState;

// Findings 3 and 4: a NaN, an infinite value or a misspelt name in a `parzen:constraint` line is
// ignored with a protocol warning, and the trial's "no value for constraint" reason repeats the
// warning (it used to hide it; an inf failed with a library error naming "constraint 0").
TEST(CliBreakIt21, AnIgnoredConstraintLineIsInTheTrialsReason) {
  TempDir dir;
  const auto exp =
      write_sh_experiment(dir,
                          "n_trials = 3\nconstraints = [\"c1\"]\n"
                          "max_consecutive_failures = 3\nsampler = { type = \"random\" }",
                          "case $PARZEN_TRIAL_NUMBER in\n"
                          "0) echo 'parzen:constraint c1 nan' ;;\n"
                          "1) echo 'parzen:constraint c1 inf' ;;\n"
                          "*) echo 'parzen:constraint size -1' ;;\n"
                          "esac\necho 0.5\n");
  // Every trial fails (failed trials do not count toward n_trials): the run stops after 3.
  const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "s");
  ASSERT_EQ(trials.size(), 3u) << r.out << r.err;
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::Failed);
    EXPECT_TRUE(contains(t.fail_reason, "no value for constraint c1")) << t.fail_reason;
    EXPECT_FALSE(contains(t.fail_reason, "the objective threw")) << t.fail_reason;
  }
  EXPECT_TRUE(contains(trials[0].fail_reason, "a constraint value must not be nan"))
      << trials[0].fail_reason;
  EXPECT_TRUE(contains(trials[1].fail_reason,
                       "ignored constraint 'c1' = inf: a constraint value must be finite"))
      << trials[1].fail_reason;
  EXPECT_TRUE(contains(trials[2].fail_reason,
                       "ignored constraint 'size': the experiment's constraints are c1"))
      << trials[2].fail_reason;
  // `show` lists three reasons, not one that hides the mistakes.
  const auto shown = run_cli({"show", "s", "--storage", dir.url()}, dir.path);
  EXPECT_TRUE(contains(shown.out, "3 failed trials, 3 reasons")) << shown.out;
}

// Finding 16: metric names a result line could never give, or given twice, are refused before
// anything is stored.
TEST(CliBreakIt21, DuplicateOrUnreadableMetricNamesAreRefused) {
  TempDir dir;
  for (const auto& [metrics, message] : std::vector<std::pair<std::string, std::string>>{
           {R"(["a", "a"])", "key 'metrics': metric 'a' is listed twice"},
           {R"(["a,b", "c"])", "metric name 'a,b' must be non-empty, without spaces, '=', ','"},
           {R"(["a", "c\"d"])", "metric name 'c\"d' must be non-empty"}}) {
    const auto exp = write_sh_experiment(
        dir, "n_trials = 1\ndirections = [\"minimize\", \"maximize\"]\nmetrics = " + metrics,
        "echo '1 2'\n");
    const auto r = run_cli({"run", exp}, dir.path);
    EXPECT_EQ(r.status, 2) << metrics << r.out << r.err;
    EXPECT_TRUE(contains(r.err, message)) << metrics << r.err;
    EXPECT_FALSE(fs::exists(dir.path / "parzen.db")) << metrics;
  }
}

// Finding 22: a pruner on several objectives is refused when the file is read (every report was
// refused at run time); `type = "none"` is no pruner and stays accepted.
TEST(CliBreakIt21, APrunerOnSeveralObjectivesIsRefused) {
  TempDir dir;
  auto exp = write_sh_experiment(dir,
                                 "n_trials = 1\ndirections = [\"minimize\", \"minimize\"]\n"
                                 "pruner = { type = \"median\" }",
                                 "echo 'parzen:report 0 1'\necho '1 2'\n");
  auto r = run_cli({"run", exp}, dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err,
                       "key 'pruner': pruners need a single objective; this experiment "
                       "has 2 directions: remove [pruner]"))
      << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "parzen.db"));
  exp = write_sh_experiment(dir,
                            "n_trials = 1\ndirections = [\"minimize\", \"minimize\"]\n"
                            "pruner = { type = \"none\" }",
                            "echo '1 2'\n");
  r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
}

// Finding 17: one reason whose numbers have different lengths is one group in `show` (the key
// was taken from the reason cut to its display width, so the cut moved with the digits).
TEST(CliBreakIt21, ShowGroupsAReasonWhateverTheLengthOfItsNumbers) {
  TempDir dir;
  const auto exp =
      write_sh_experiment(dir,
                          "n_trials = 3\ndirections = [\"minimize\", \"maximize\"]\n"
                          "max_consecutive_failures = 3\nsampler = { type = \"random\" }",
                          "case $PARZEN_TRIAL_NUMBER in\n"
                          "0) echo 0.1 ;;\n"
                          "1) echo 0.1234567890123456 ;;\n"
                          "*) echo 0.12345678901234567 ;;\n"
                          "esac\n");
  const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 1) << r.out << r.err;  // 3 failures in a row
  ASSERT_EQ(trials_of(dir.url(), "s").size(), 3u);
  for (const auto& t : trials_of(dir.url(), "s")) EXPECT_EQ(t.state, TrialState::Failed);
  const auto shown = run_cli({"show", "s", "--storage", dir.url()}, dir.path);
  EXPECT_TRUE(contains(shown.out, "3 failed trials, 1 reason")) << shown.out;
  EXPECT_TRUE(contains(shown.out, "(and similar)")) << shown.out;
}

// Finding 11 (`parzen tell`): a complete trial of a study with constraints must give them; a
// tell without any was accepted and the trial counted as feasible (heading the front).
TEST(CliBreakIt21, TellWithoutTheStudysConstraintsIsRefused) {
  TempDir dir;
  const std::string space =
      dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [0, 1]}})");
  const std::string url = dir.url("at.db");
  const auto ask = [&] {
    return run_cli({"ask", "--study", "at", "--storage", url, "--space", space, "--direction",
                    "minimize", "--direction", "maximize"},
                   dir.path);
  };
  const auto tell = [&](const std::vector<std::string>& more) {
    std::vector<std::string> args = {"tell", "--study", "at", "--storage", url};
    args.insert(args.end(), more.begin(), more.end());
    return run_cli(args, dir.path);
  };
  ASSERT_EQ(ask().status, 0);
  // Before any constraint is known, a tell without one is fine (an unconstrained study).
  ASSERT_EQ(tell({"--trial", "0", "--value", "1", "--value", "2"}).status, 0);
  ASSERT_EQ(ask().status, 0);
  auto r = tell({"--trial", "1", "--value", "1", "--value", "2", "--constraint", "c1=0.5"});
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(ask().status, 0);
  r = tell({"--trial", "2", "--value", "1", "--value", "2"});
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err,
                       "study 'at' has constraints c1; give each with --constraint "
                       "NAME=VALUE"))
      << r.err;
  EXPECT_EQ(trials_of(url, "at")[2].state, TrialState::Running);
  // A failed or pruned trial needs none; the complete one with them is accepted.
  r = tell({"--trial", "2", "--state", "failed"});
  EXPECT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(ask().status, 0);
  r = tell({"--trial", "3", "--value", "1", "--value", "2", "--constraint", "c1=-1"});
  EXPECT_EQ(r.status, 0) << r.err;
}

// Once a complete trial has constraint values, `parzen show` ranks a trial without them after the
// feasible ones and says why it is not feasible (try-out 21 finding 2, Optuna 3.1's rule).
TEST(CliBreakIt21, ShowMarksATrialWithoutConstraintValuesInfeasible) {
  TempDir dir;
  const std::string space =
      dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [0, 1]}})");
  const std::string url = dir.url("sh.db");
  const auto cli = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--study", "sh", "--storage", url});
    return run_cli(args, dir.path);
  };
  ASSERT_EQ(cli({"ask", "--space", space}).status, 0);
  ASSERT_EQ(cli({"tell", "--trial", "0", "--value", "1"}).status, 0);
  ASSERT_EQ(cli({"ask", "--space", space}).status, 0);
  ASSERT_EQ(cli({"tell", "--trial", "1", "--value", "5", "--constraint", "c=-1"}).status, 0);
  const auto r = run_cli({"show", "sh", "--storage", url}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  const size_t feasible = r.out.find("yes"), without = r.out.find("no (none given)");
  ASSERT_NE(feasible, std::string::npos) << r.out;
  ASSERT_NE(without, std::string::npos) << r.out;
  EXPECT_LT(feasible, without) << r.out;  // trial 1 (5, feasible) ranks before trial 0 (1)
  const auto best = run_cli({"best", "sh", "--storage", url}, dir.path);
  EXPECT_EQ(best.status, 0) << best.err;
  EXPECT_TRUE(contains(best.out, "5")) << best.out;
}

// Finding 5: the values of an unnamed multi-objective study can be given by the names `show` and
// `export` print (values_0, values_1), in a JSON result or a result line; a JSON result without
// them says so instead of "give every metric by name ()".
TEST(CliBreakIt21, UnnamedObjectivesTakeTheirShownNames) {
  TempDir dir;
  const auto exp = write_sh_experiment(dir,
                                       "n_trials = 2\ndirections = [\"minimize\", \"maximize\"]\n"
                                       "sampler = { type = \"random\" }",
                                       "case $PARZEN_TRIAL_NUMBER in\n"
                                       "0) echo '{\"default\": 1}' ;;\n"
                                       "1) echo '{\"values_0\": 1, \"values_1\": 2, \"c\": 3}' ;;\n"
                                       "*) echo 'parzen:result values_1=2 values_0=1' ;;\n"
                                       "esac\n");
  const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "s");
  ASSERT_EQ(trials.size(), 3u) << r.out << r.err;
  for (int i : {1, 2}) {
    EXPECT_EQ(trials[i].state, TrialState::Complete) << trials[i].fail_reason;
    EXPECT_EQ(trials[i].values, (std::vector<double>{1, 2}));
  }
  EXPECT_EQ(trials[1].user_attrs.value("c", 0), 3);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_TRUE(contains(trials[0].fail_reason,
                       "\"values_0\" to \"values_1\"; this study's "
                       "metrics are unnamed"))
      << trials[0].fail_reason;
}

// Finding 13: a run that adds a constraint while another process of the study runs a trial says
// that the running processes keep the old list until restarted.
TEST(CliBreakIt21, AddingAConstraintWhileTrialsRunSaysRunningProcessesKeepTheOldList) {
  TempDir dir;
  const std::string script =
      "sleep 2\necho 'parzen:constraint c1 -1'\necho 'parzen:constraint c2 -1'\necho 0.5\n";
  auto exp = write_sh_experiment(dir, "n_trials = 2\nconstraints = [\"c1\"]", script);
  const pid_t first =
      start_cli({"run", exp, "--n-trials", "1", "--progress", "lines"}, dir.path, "first");
  bool running = false;
  for (int i = 0; i < 300 && !running; ++i) {
    try {
      const auto trials = trials_of(dir.url(), "s");
      running = !trials.empty() && trials[0].state == TrialState::Running;
    } catch (const parzen::Error&) {  // not created yet
    }
    if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(running);
  exp = write_sh_experiment(dir, "n_trials = 2\nconstraints = [\"c1\", \"c2\"]", script);
  const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err,
                       "constraints: [c1] -> [c1, c2] (earlier trials lack the new ones; "
                       "1 trial is running now: the `parzen run`/`parzen worker` "
                       "processes running them keep the old list"))
      << r.err;
  EXPECT_EQ(finish_cli(first, dir.path, "first").status, 0);
}

// Finding 18: a JSON result's other keys are user attributes capped at 100, as parzen:attr lines
// are, with a warning (7 000 keys were stored before).
TEST(CliBreakIt21, AJsonResultKeepsAtMost100Attributes) {
  TempDir dir;
  std::string json = "{\"default\": 0.5";
  for (int i = 0; i < 150; ++i) json += fmt::format(", \"k{}\": {}", i, i);
  json += "}";
  const auto exp = write_sh_experiment(dir, "n_trials = 1", "echo '" + json + "'\n");
  const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "s");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::Complete) << trials[0].fail_reason;
  EXPECT_EQ(trials[0].user_attrs.value("k0", -1), 0);
  EXPECT_EQ(trials[0].user_attrs.value("k99", -1), 99);
  EXPECT_FALSE(trials[0].user_attrs.contains("k100"));
  EXPECT_TRUE(contains(r.out + r.err,
                       "ignored 50 keys of the JSON result: a trial keeps at most "
                       "100 attributes"))
      << r.out << r.err;
}

// Finding 20: an empty `parzen:result` line and a metric given twice get reasons that name the
// mistake.
TEST(CliBreakIt21, ResultLineMistakesAreNamed) {
  TempDir dir;
  const auto exp =
      write_sh_experiment(dir,
                          "n_trials = 2\ndirections = [\"minimize\", \"maximize\"]\n"
                          "metrics = [\"loss\", \"acc\"]\nmax_consecutive_failures = 2\n"
                          "sampler = { type = \"random\" }",
                          "case $PARZEN_TRIAL_NUMBER in\n"
                          "0) echo 'parzen:result ' ;;\n"
                          "*) echo 'parzen:result loss=1 loss=2' ;;\n"
                          "esac\n");
  const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 1) << r.out << r.err;  // 2 failures in a row
  const auto trials = trials_of(dir.url(), "s");
  ASSERT_EQ(trials.size(), 2u) << r.out << r.err;
  EXPECT_TRUE(contains(trials[0].fail_reason,
                       "the parzen:result line has no value (the study expects 2 value(s))"))
      << trials[0].fail_reason;
  EXPECT_TRUE(contains(trials[1].fail_reason, "'loss' gives metric 'loss' twice"))
      << trials[1].fail_reason;
}

// Finding 21: a JSON search space with a parameter given twice is refused naming both lines
// (the first definition was dropped silently), as YAML and TOML refuse a repeated key.
TEST(CliBreakIt21, AJsonSearchSpaceWithAParameterGivenTwiceIsRefused) {
  TempDir dir;
  dir.file("s.json",
           "{\n  \"x\": {\"_type\": \"uniform\", \"_value\": [0, 1]},\n"
           "  \"x\": {\"_type\": \"choice\", \"_value\": [1]}\n}\n");
  dir.file("trial.sh", "echo 0.5\n");
  const auto exp = dir.file("exp.toml",
                            "name = \"s\"\nn_trials = 1\nsearch_space_file = \"s.json\"\n"
                            "command = [\"sh\", \"trial.sh\"]\n");
  const auto r = run_cli({"run", exp}, dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "s.json:2: key 'x': is given twice (lines 2 and 3); keep one"))
      << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "parzen.db"));
}

}  // namespace
