// End-to-end tests of issue 17's command points with the real `parzen` binary and real trial
// processes (sh scripts): failures by reason, multi-objective studies with constraints and
// user attributes, missing database files and plain paths, consistency on resume, enqueue,
// export and tell --intermediate/--constraint.

#include <gtest/gtest.h>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"

namespace {

using namespace parzen_test;
using parzen::TrialState;

// An experiment in `dir` whose command is `sh trial.sh` with the given script.
std::string write_experiment(const TempDir& dir, const std::string& keys, const std::string& script,
                             const std::string& space =
                                 "x = { type = \"float\", low = 0, high = "
                                 "1 }") {
  dir.file("trial.sh", script);
  return dir.file("exp.toml",
                  fmt::format("name = \"s\"\nstorage = \"sqlite:///parzen.db\"\n{}\ncommand = "
                              "[\"sh\", \"trial.sh\"]\n[search_space]\n{}\n",
                              keys, space));
}

size_t line_of(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  return at == std::string::npos
             ? std::string::npos
             : static_cast<size_t>(
                   std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

TEST(CliCommands, ShowSummarisesFailuresByReasonMostFrequentFirst) {
  TempDir dir;
  // Trials 0 and 3: a KeyError; the others a ValueError whose text holds the trial's number
  // minus 2 (reasons that differ only in numbers, signs included, are one reason). The traceback's
  // last line is the exception: that is the line shown.
  const auto exp = write_experiment(
      dir, "n_trials = 6\ncount_failed_trials = true\nmax_consecutive_failures = 0", R"sh(
if [ $((PARZEN_TRIAL_NUMBER % 3)) -eq 0 ]; then
  printf 'Traceback (most recent call last):\n  File "train.py", line 3\nKeyError: '"'"'lr'"'"'\n' >&2
  exit 1
fi
printf 'Traceback (most recent call last):\n  File "train.py", line 9\nValueError: diverged at step %s\n' "$((PARZEN_TRIAL_NUMBER - 2))" >&2
exit 1
)sh");
  auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  ASSERT_EQ(trials_of(dir.url(), "s").size(), 6u) << r.out << r.err;
  r = run_cli({"show", "s", "--storage", dir.url()}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Failures: 6 failed trials, 2 reasons, most frequent first"))
      << r.out;
  const auto value_error = line_of(r.out, "ValueError: diverged at step");
  const auto key_error = line_of(r.out, "KeyError: 'lr'");
  ASSERT_NE(value_error, std::string::npos) << r.out;
  ASSERT_NE(key_error, std::string::npos) << r.out;
  EXPECT_LT(value_error, key_error) << r.out;
  EXPECT_TRUE(contains(r.out,
                       "4      exited with status 1: ValueError: diverged at step 3 (and "
                       "similar)  1, 2, 4, 5"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "2      exited with status 1: KeyError: 'lr'")) << r.out;
  EXPECT_TRUE(contains(r.out, "0, 3")) << r.out;
  // The traceback's first lines are not the reason shown.
  EXPECT_FALSE(contains(r.out, "most recent call last")) << r.out;
}

// New-user try-out 21, finding 4: the default sampler's choice per trial, from the CLI.
TEST(CliCommands, ShowSaysWhatTheAutoSamplerChose) {
  TempDir dir;
  // No [sampler]: auto, whose first trial is random and the next ones the GP's (budget 3).
  const auto exp = write_experiment(dir, "n_trials = 3", "echo 0.5\n",
                                    "x = { type = \"float\", low = 0, high = 1 }\n"
                                    "y = { type = \"float\", low = 0, high = 1 }");
  auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  r = run_cli({"show", "s", "--storage", dir.url()}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Auto chose: random 1 trial (from #0), gp 2 (from #1)\n")) << r.out;
}

TEST(CliCommands, MultiObjectiveWithConstraintsAttributesAndNamedColumns) {
  TempDir dir;
  const auto exp = write_experiment(dir, R"(
n_trials = 4
directions = ["minimize", "maximize"]
metrics = ["loss", "acc"]
constraints = ["size_mb", "latency"]
)",
                                    R"sh(
echo "training..."
echo 'parzen:attr run {"host": "a", "epochs": 3}'
echo "parzen:constraint size_mb $((PARZEN_TRIAL_NUMBER - 1))"
echo "parzen:constraint latency -1"
echo "parzen:constraint latency -2"
echo "parzen:result acc=0.$((PARZEN_TRIAL_NUMBER + 5)) loss=$PARZEN_TRIAL_NUMBER"
)sh");
  auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  // The run's summary gives a command to paste for the front, with the real storage URL.
  EXPECT_TRUE(contains(r.out,
                       "Pareto front of the feasible trials: 2 trials (`parzen best s "
                       "--storage " +
                           dir.url() + "` lists them)"))
      << r.out;
  // The default sampler (multi-objective TPE) uses the constraints: no warning.
  EXPECT_FALSE(contains(r.err, "does not use constraint values")) << r.err;
  const auto trials = trials_of(dir.url(), "s");
  ASSERT_EQ(trials.size(), 4u);
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete) << t.fail_reason;
    EXPECT_EQ(t.values, (std::vector<double>{static_cast<double>(t.number),
                                             std::stod(fmt::format("0.{}", t.number + 5))}));
    EXPECT_EQ(t.constraints, (std::vector<double>{t.number - 1.0, -2.0}));
    EXPECT_EQ(t.user_attrs["run"], (nlohmann::json{{"host", "a"}, {"epochs", 3}}));
    EXPECT_EQ(t.feasible(), t.number <= 1);
  }
  r = run_cli({"export", "s", "--storage", dir.url()}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out,
                       "number,state,values_loss,values_acc,params_x,constraints_size_mb,"
                       "constraints_latency,feasible,datetime_start"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "user_attrs_run")) << r.out;
  EXPECT_TRUE(contains(r.out, "\n2,complete,2,0.7,")) << r.out;
  // `trials` is the same export.
  EXPECT_EQ(run_cli({"trials", "s", "--storage", dir.url()}, dir.path).out, r.out);

  // The Pareto front of the feasible trials: trials 0 and 1 (1 has more accuracy, 0 less loss).
  r = run_cli({"best", "s", "--storage", dir.url(), "--json"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto front = nlohmann::json::parse(r.out);
  ASSERT_EQ(front.size(), 2u) << r.out;
  for (const auto& t : front) {
    EXPECT_TRUE(t["feasible"].get<bool>());
    EXPECT_LE(t["number"].get<int>(), 1);
    EXPECT_EQ(t["constraints"]["latency"], -2.0);
  }
  r = run_cli({"best", "s", "--storage", dir.url()}, dir.path);
  EXPECT_TRUE(contains(r.out, "Trial 0 (feasible)\n  loss = 0\n  acc = 0.5")) << r.out;
  EXPECT_TRUE(contains(r.out, "size_mb = -1 (constraint)")) << r.out;
  r = run_cli({"show", "s", "--storage", dir.url()}, dir.path);
  EXPECT_TRUE(contains(r.out,
                       "Constraints: size_mb, latency (feasible when <= 0): 2 of 4 "
                       "complete trials feasible"))
      << r.out;
  EXPECT_TRUE(
      contains(r.out, "Pareto front of the feasible trials: 2 of 4 complete trials, by loss"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "feasible")) << r.out;
  // A front has no ranks: its members are listed by the first objective, best first, and a
  // --top smaller than the front says how many there are.
  EXPECT_FALSE(contains(r.out, "rank")) << r.out;
  EXPECT_LT(r.out.find("\n0 "), r.out.find("\n1 ")) << r.out;  // loss 0 before loss 0.5
  r = run_cli({"show", "s", "--storage", dir.url(), "--top", "1"}, dir.path);
  EXPECT_TRUE(contains(r.out,
                       "Pareto front of the feasible trials: 2 of 4 complete trials (the first 1 "
                       "by loss shown; --top 2 shows all)"))
      << r.out;
}

// NSGA-III's reference_points from the experiment file: a run with them completes its
// generations; points with another number of coordinates than the experiment's objectives, or
// that are not lists of numbers, are refused before anything is stored, naming the file, line
// and key.
TEST(CliCommands, Nsga3ReferencePointsFromTheExperimentFile) {
  TempDir dir;
  // Top-level keys first (TOML puts what follows [search_space] into it); reference_points is
  // on line 13.
  auto experiment = [&](const std::string& points) {
    dir.file("trial.sh", R"sh(
echo "parzen:result a=$PARZEN_TRIAL_NUMBER b=$((20 - PARZEN_TRIAL_NUMBER))"
)sh");
    return dir.file("exp.toml", fmt::format(R"(name = "s"
storage = "sqlite:///parzen.db"
command = ["sh", "trial.sh"]
n_trials = 10
directions = ["minimize", "minimize"]
metrics = ["a", "b"]
[search_space]
x = {{ type = "float", low = 0, high = 1 }}
[sampler]
type = "nsga3"
population_size = 4
seed = 1
reference_points = {}
)",
                                            points));
  };
  auto r = run_cli({"run", experiment("[[1.0, 0.0], [0.5, 0.5], [0, 1]]"), "--progress", "lines"},
                   dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(trials_of(dir.url(), "s").size(), 10u);
  for (const auto& t : trials_of(dir.url(), "s")) EXPECT_EQ(t.state, TrialState::Complete);

  fs::remove(dir.path / "parzen.db");
  r = run_cli({"run", experiment("[[1, 0, 0], [0, 1, 0]]")}, dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "exp.toml:13: key 'sampler.reference_points'")) << r.err;
  EXPECT_TRUE(contains(r.err, "reference_points have 3 coordinates but the study has 2 objectives"))
      << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "parzen.db"));

  r = run_cli({"run", experiment("[[1, \"a\"]]")}, dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "key 'sampler.reference_points'")) << r.err;
  EXPECT_TRUE(contains(r.err, "point 0 (counting from 0) is [1,\"a\"], must be a list of numbers"))
      << r.err;
  r = run_cli({"run", experiment("[[0, 0], [1, 0]]")}, dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "point 0 is the origin")) << r.err;
}

TEST(CliCommands, ATrialWithoutAListedConstraintFailsNamingIt) {
  TempDir dir;
  const auto exp = write_experiment(dir, R"(
n_trials = 1
count_failed_trials = true
constraints = ["size_mb", "latency"]
)",
                                    "echo 'parzen:constraint size_mb 1'\n"
                                    "echo 'parzen:constraint typo 1'\necho 0.5\n");
  const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  const auto trials = trials_of(dir.url(), "s");
  ASSERT_EQ(trials.size(), 1u) << r.err;
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_TRUE(contains(trials[0].fail_reason, "no value for constraint latency"))
      << trials[0].fail_reason;
  EXPECT_TRUE(contains(r.err,
                       "ignored constraint 'typo': the experiment's constraints are "
                       "size_mb, latency"))
      << r.err;
}

TEST(CliCommands, DictMetricsAsAJsonResult) {
  TempDir dir;
  // NNI's report_final_result({"default": 0.9, "f1": 0.3}) as one JSON line.
  const auto exp = write_experiment(dir, "n_trials = 2\ndirection = \"maximize\"",
                                    "echo '{\"default\": 0.9, \"f1\": 0.3}'\n");
  const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  for (const auto& t : trials_of(dir.url(), "s")) {
    EXPECT_EQ(t.values, std::vector<double>{0.9});
    EXPECT_EQ(t.user_attrs["f1"], 0.3);
  }
}

TEST(CliCommands, MoreDirectionsThanTheSamplerHandlesAreRefusedBeforeRunning) {
  TempDir dir;
  const auto exp = write_experiment(dir, R"(
n_trials = 2
directions = ["minimize", "minimize", "minimize", "maximize"]
[sampler]
type = "gp"
)",
                                    "echo 1 2 3 4\n");
  const auto r = run_cli({"run", exp}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err,
                       "sampler 'gp' handles at most 3 objectives; this experiment has 4 "
                       "directions: use type = "))
      << r.err;
  // The suggestions handle four objectives: TPE does, the GP does not.
  EXPECT_TRUE(contains(r.err, "\"tpe\"")) << r.err;
  EXPECT_FALSE(contains(r.err, "\"gp\"")) << r.err;
  EXPECT_FALSE(contains(r.err, "parzen::")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "parzen.db"));
}

TEST(CliCommands, InspectionCommandsOnAMissingDatabaseFileCreateNothing) {
  TempDir dir;
  const std::string missing = (dir.path / "nope.db").string();
  const std::vector<std::vector<std::string>> commands = {
      {"studies", "--storage", missing},
      {"show", "s", "--storage", "sqlite:///" + missing},
      {"best", "s", "--storage", missing},
      {"trials", "s", "--storage", missing},
      {"export", "s", "--storage", missing},
      {"delete", "s", "--yes", "--storage", missing},
      {"tell", "--study", "s", "--trial", "0", "--value", "1", "--storage", missing},
      {"enqueue", "s", "x=1", "--storage", missing},
      {"logs", "s", "0", "--storage", missing},
      {"worker", "--study", "s", "--storage", missing}};
  for (const auto& args : commands) {
    const auto r = run_cli(args, dir.path);
    EXPECT_EQ(r.status, 1) << args[0] << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "no such database file: " + missing)) << args[0] << ": " << r.err;
    EXPECT_FALSE(fs::exists(missing)) << args[0] << " created the file";
  }
}

TEST(CliCommands, APlainDatabasePathIsAnSqliteStorage) {
  TempDir dir;
  const auto exp = write_experiment(dir, "n_trials = 2", "echo 0.5\n");
  const std::string plain = (dir.path / "plain.sqlite").string();
  auto r = run_cli({"run", exp, "--storage", plain, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(plain));
  EXPECT_EQ(trials_of("sqlite:///" + plain, "s").size(), 2u);
  r = run_cli({"studies", "--storage", plain}, dir.path);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "s ")) << r.out;
  r = run_cli({"logs", "s", "1", "--storage", plain}, dir.path);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "0.5")) << r.out;
  // Relative, from the experiment file's `storage` key and from a flag in the working directory.
  dir.file("rel.toml",
           "name = \"rel\"\nstorage = \"rel.db\"\nn_trials = 1\ncommand = [\"sh\", "
           "\"trial.sh\"]\n[search_space]\nx = { type = \"float\", low = 0, high = 1 }\n");
  r = run_cli({"run", (dir.path / "rel.toml").string(), "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir.path / "rel.db"));
  // A plain path that is not a database file's is refused, saying what to write.
  r = run_cli({"studies", "--storage", (dir.path / "notes.txt").string()}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "a plain path names an SQLite file ending in .db")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "notes.txt"));
}

TEST(CliCommands, AskRefusesOtherSettingsOnAStudyCreatedByRun) {
  TempDir dir;
  const auto exp = write_experiment(dir, "n_trials = 5", "echo 0.5\n");
  ASSERT_EQ(run_cli({"run", exp, "--n-trials", "1", "--progress", "lines"}, dir.path).status, 0);
  auto r =
      run_cli({"ask", "--study", "s", "--storage", dir.url(), "--sampler", "random"}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "exists with sampler 'auto'")) << r.err;  // the default
  r = run_cli({"ask", "--study", "s", "--storage", dir.url(), "--direction", "maximize"}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "exists with direction(s) minimize")) << r.err;
  EXPECT_EQ(trials_of(dir.url(), "s").size(), 1u);  // nothing asked
  // The same sampler is no change: the ask is refused only for the budget the run stored.
  r = run_cli({"ask", "--study", "s", "--storage", dir.url(), "--sampler", "auto"}, dir.path);
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_TRUE(contains(r.err, "already has its 1 trials")) << r.err;
}

TEST(CliCommands, AResumedRunWarnsWithEachDifferenceAndRefusesReorderedConstraints) {
  TempDir dir;
  auto exp = write_experiment(dir, "n_trials = 1\nconstraints = [\"a\", \"b\"]",
                              "echo 'parzen:constraint a 0'\necho 'parzen:constraint b 0'\n"
                              "echo 0.5\n",
                              "lr = { type = \"float\", low = 0.001, high = 0.1, log = true }");
  ASSERT_EQ(run_cli({"run", exp, "--progress", "lines"}, dir.path).status, 0);
  exp = write_experiment(dir, "n_trials = 2\nconstraints = [\"a\", \"b\"]",
                         "echo 'parzen:constraint a 0'\necho 'parzen:constraint b 0'\n"
                         "echo 0.25\n",
                         "lr = { type = \"float\", low = 0.001, high = 0.5, log = true }");
  dir.file("exp.toml", slurp(exp).replace(slurp(exp).find("\"trial.sh\""), 10, "\"./trial.sh\""));
  auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "study 's' was run with another experiment")) << r.err;
  EXPECT_TRUE(contains(r.err, "search space: parameter 'lr' high 0.1 -> 0.5")) << r.err;
  EXPECT_TRUE(contains(r.err, "command: sh trial.sh -> sh ./trial.sh")) << r.err;
  // Same experiment again: no warning.
  r = run_cli({"run", exp, "--n-trials", "3", "--progress", "lines"}, dir.path);
  EXPECT_FALSE(contains(r.err, "another experiment")) << r.err;

  dir.file("exp.toml", slurp(exp).replace(slurp(exp).find("[\"a\", \"b\"]"), 10, "[\"b\", \"a\"]"));
  r = run_cli({"run", exp, "--n-trials", "4", "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "was run with constraints = [a, b] but the experiment says [b, a]"))
      << r.err;
  EXPECT_EQ(trials_of(dir.url(), "s").size(), 3u);
}

TEST(CliCommands, EnqueueChecksValuesAgainstTheStoredSpaceAndTheRunUsesThem) {
  TempDir dir;
  const auto exp = write_experiment(dir, "n_trials = 3", "echo 0.5\n",
                                    "lr = { type = \"float\", low = 0.001, high = 0.1, log = true "
                                    "}\nlayers = { type = \"int\", low = 1, high = 4 }\nact = { "
                                    "type = \"categorical\", choices = [\"relu\", \"tanh\"] }");
  ASSERT_EQ(run_cli({"run", exp, "--n-trials", "1", "--progress", "lines"}, dir.path).status, 0);
  auto r = run_cli({"enqueue", "s", "--storage", dir.url(), "lr=0.01", "layers=3", "act=tanh"},
                   dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Enqueued trial 1 of study 's'")) << r.out;
  r = run_cli({"enqueue", "s", "--storage", dir.url(), "--params", R"({"lr": 0.05})"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;

  r = run_cli({"enqueue", "s", "--storage", dir.url(), "lr=0.5"}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "'lr'")) << r.err;
  EXPECT_TRUE(contains(r.err, "0.5")) << r.err;
  r = run_cli({"enqueue", "s", "--storage", dir.url(), "act=sigmoid"}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "'act'")) << r.err;
  r = run_cli({"enqueue", "s", "--storage", dir.url(), "lyers=2"}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err,
                       "study 's' has no parameter 'lyers'; its parameters are: lr, "
                       "layers, act"))
      << r.err;
  r = run_cli({"enqueue", "s", "--storage", dir.url(), "layers=2.5"}, dir.path);
  EXPECT_EQ(r.status, 2) << r.err;
  r = run_cli({"enqueue", "s", "--storage", dir.url(), "--params", "{lr: 1}"}, dir.path);
  EXPECT_EQ(r.status, 2) << r.err;
  r = run_cli({"enqueue", "s", "--storage", dir.url()}, dir.path);
  EXPECT_EQ(r.status, 2) << r.err;

  r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto trials = trials_of(dir.url(), "s");
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(std::get<double>(trials[1].params.at("lr")), 0.01);
  EXPECT_EQ(std::get<int64_t>(trials[1].params.at("layers")), 3);
  EXPECT_EQ(std::get<std::string>(trials[1].params.at("act")), "tanh");
  EXPECT_EQ(std::get<double>(trials[2].params.at("lr")), 0.05);
  EXPECT_EQ(trials[1].system_attrs["parzen.params"]["act"], "tanh");  // what the trial saw
}

TEST(CliCommands, TellReportsIntermediateValuesAndConstraints) {
  TempDir dir;
  const std::string space =
      dir.file("space.json", R"({"a": {"_type": "uniform", "_value": [0, 1]}})");
  const std::string url = dir.url("ask.db");
  auto ask = [&] {
    return run_cli({"ask", "--study", "t", "--storage", url, "--space", space}, dir.path);
  };
  ASSERT_EQ(ask().status, 0);
  auto r = run_cli({"tell", "--study", "t", "--trial", "0", "--storage", url, "--intermediate",
                    "0=0.5", "--intermediate", "1=0.4"},
                   dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "trial 0 running: reported step 0 = 0.5, step 1 = 0.4")) << r.out;
  r = run_cli({"tell", "--study", "t", "--trial", "0", "--storage", url, "--intermediate", "1=0.3"},
              dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "trial 0 already has step 1")) << r.err;
  for (const char* bad : {"x=1", "1.5=1", "-1=1", "2=nan", "2"}) {
    r = run_cli({"tell", "--study", "t", "--trial", "0", "--storage", url, "--intermediate", bad},
                dir.path);
    EXPECT_EQ(r.status, 2) << bad;
  }
  r = run_cli({"tell", "--study", "t", "--trial", "0", "--storage", url, "--value", "0.2",
               "--intermediate", "2=0.25", "--constraint", "mem=3", "--constraint", "lat=-1"},
              dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "trial 0 complete: 0.2 (infeasible: mem = 3 > 0)")) << r.out;
  auto trials = trials_of(url, "t");
  EXPECT_EQ(trials[0].intermediate_values,
            (std::map<int64_t, double>{{0, 0.5}, {1, 0.4}, {2, 0.25}}));
  EXPECT_EQ(trials[0].constraints, (std::vector<double>{3, -1}));

  // The study's constraints are now mem, lat: a tell must give both, and no other.
  ASSERT_EQ(ask().status, 0);
  r = run_cli({"tell", "--study", "t", "--trial", "1", "--storage", url, "--value", "0.3",
               "--constraint", "mem=-1"},
              dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "--constraint lat=VALUE is missing")) << r.err;
  r = run_cli({"tell", "--study", "t", "--trial", "1", "--storage", url, "--value", "0.3",
               "--constraint", "mem=-1", "--constraint", "lat=-1", "--constraint", "gpu=1"},
              dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "has no constraint 'gpu'")) << r.err;
  EXPECT_EQ(trials_of(url, "t")[1].state, TrialState::Running);
  r = run_cli({"tell", "--study", "t", "--trial", "1", "--storage", url, "--value", "0.3",
               "--constraint", "lat=-1", "--constraint", "mem=-1"},
              dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  // The feasible trial is the best although trial 0's value is lower.
  r = run_cli({"best", "t", "--storage", url}, dir.path);
  EXPECT_TRUE(contains(r.out, "Trial 1 (feasible)")) << r.out;
  r = run_cli({"tell", "--study", "t", "--trial", "1", "--storage", url, "--intermediate", "5=1"},
              dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "is complete")) << r.err;
}

TEST(CliCommands, ExportWritesAFileAsJsonWithValuesByMetric) {
  TempDir dir;
  const auto exp = write_experiment(dir,
                                    "n_trials = 2\nmetric = \"accuracy\"\ndirection = "
                                    "\"maximize\"",
                                    "echo 'parzen:attr epochs 3'\necho accuracy=0.75\n");
  ASSERT_EQ(run_cli({"run", exp, "--progress", "lines"}, dir.path).status, 0);
  const std::string out = (dir.path / "out.json").string();
  auto r = run_cli({"export", "s", "--storage", dir.url(), "--format", "json", "--output", out},
                   dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(contains(r.err, "Exported 2 trials of study 's' to")) << r.err;
  const auto json = nlohmann::json::parse(slurp(out));
  EXPECT_EQ(json["metrics"], nlohmann::json::array({"accuracy"}));
  ASSERT_EQ(json["trials"].size(), 2u);
  EXPECT_EQ(json["trials"][0]["values_by_metric"]["accuracy"], 0.75);
  EXPECT_EQ(json["trials"][0]["user_attrs"]["epochs"], 3);
  EXPECT_EQ(json["trials"][0]["state"], "complete");
  EXPECT_TRUE(json["trials"][0]["duration_s"].is_number());
  r = run_cli({"export", "s", "--storage", dir.url()}, dir.path);
  EXPECT_TRUE(contains(r.out, "number,state,values_accuracy,params_x,")) << r.out;
  r = run_cli({"export", "s", "--storage", dir.url(), "--output",
               (dir.path / "no" / "such" / "dir.csv").string()},
              dir.path);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "cannot write the file")) << r.err;
  r = run_cli({"export", "s", "--storage", dir.url(), "--format", "parquet"}, dir.path);
  EXPECT_EQ(r.status, 2);
}

}  // namespace

TEST(CliCommands, EnqueueRefusesANestedParameterWhoseBranchIsNotChosen) {
  TempDir dir;
  dir.file("space.json", R"({"optimizer": {"_type": "choice", "_value": [
      {"_name": "constant", "eta0": {"_type": "uniform", "_value": [0.001, 0.1]}},
      {"_name": "optimal"}]}})");
  dir.file("trial.sh", "echo 0.5\n");
  const auto exp =
      dir.file("exp.toml",
               "name = \"s\"\nstorage = \"sqlite:///parzen.db\"\nn_trials = 1\ncommand = [\"sh\", "
               "\"trial.sh\"]\nsearch_space_file = \"space.json\"\n");
  ASSERT_EQ(run_cli({"run", exp, "--progress", "lines"}, dir.path).status, 0);
  auto r = run_cli(
      {"enqueue", "s", "--storage", dir.url(), "optimizer=optimal", "optimizer.constant.eta0=0.02"},
      dir.path);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_TRUE(contains(r.err,
                       "'optimizer.constant.eta0' belongs to the branch "
                       "optimizer=constant"))
      << r.err;
  r = run_cli({"enqueue", "s", "--storage", dir.url(), "optimizer.constant.eta0=0.02"}, dir.path);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_TRUE(contains(r.err, "give optimizer=constant too")) << r.err;
  r = run_cli({"enqueue", "s", "--storage", dir.url(), "--params",
               R"({"optimizer": {"_name": "constant", "eta0": 0.02}})"},
              dir.path);
  EXPECT_EQ(r.status, 0) << r.err;
}

// An infinite constraint value fails that trial with a reason and leaves the study readable (it
// once stored null and broke every read); a run whose trials are all infeasible ends with 0 and
// says so.
TEST(CliCommands, InfiniteConstraintsAreRefusedAndAllInfeasibleRunsEndNormally) {
  TempDir dir;
  const auto exp = write_experiment(dir, R"(
n_trials = 3
count_failed_trials = true
max_consecutive_failures = 0
directions = ["minimize", "minimize"]
constraints = ["c"]
)",
                                    R"sh(
if [ "$PARZEN_TRIAL_NUMBER" = 0 ]; then echo 'parzen:constraint c -inf'; else echo 'parzen:constraint c 1'; fi
echo 1 2
)sh");
  auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "No feasible trial: all 2 complete trials violate a constraint (c)"))
      << r.out;
  const auto trials = trials_of(dir.url(), "s");
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_TRUE(contains(trials[0].fail_reason, "must be finite")) << trials[0].fail_reason;
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"show", "s"}, {"export", "s"}, {"studies"}}) {
    auto all = args;
    all.insert(all.end(), {"--storage", dir.url()});
    r = run_cli(all, dir.path);
    EXPECT_EQ(r.status, 0) << args[0] << ": " << r.err;
  }
  // Through tell: refused before anything is written.
  r = run_cli({"ask", "--study", "t", "--storage", dir.url(), "--experiment", exp}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli({"tell", "--study", "t", "--trial", "0", "--constraint", "c=inf", "--value", "1",
               "--value", "2", "--storage", dir.url()},
              dir.path);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "finite")) << r.err;
  EXPECT_EQ(trials_of(dir.url(), "t").at(0).state, TrialState::Running);
}
