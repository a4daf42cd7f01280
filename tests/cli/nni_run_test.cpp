// NNI experiments run unchanged by the real `parzen` binary: the two examples of examples/nni
// (config, search space and trial code written in NNI's style), the `nni` module's API, shell
// commands that never interpret parameter values, TRIAL_BUDGET, BatchTuner, and the warnings and
// refusals of the config reader as a user sees them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "cli_helpers.hpp"
#include "parzen/storage.hpp"

namespace {

using namespace parzen_test;
using parzen::TrialState;

// The examples' trials need scikit-learn, which /usr/bin/python3 has (the `python3` first on a
// developer's PATH may be another build): their configs say `python3` as NNI's do, so the
// environment picks the interpreter, as it would under NNI.
struct SystemPython {
  std::string saved;
  SystemPython() {
    const char* path = std::getenv("PATH");
    saved = path ? path : "";
    setenv("PATH", ("/usr/bin:" + saved).c_str(), 1);
  }
  ~SystemPython() { setenv("PATH", saved.c_str(), 1); }
};

std::string example(const std::string& name) {
  return (fs::path(kSourceDir) / "examples" / "nni" / name / "config.yml").string();
}

TEST(NniRun, SklearnDigitsExampleRunsUnchanged) {
  SystemPython python;
  TempDir dir;
  const CliResult r = run_cli({"run", example("sklearn-digits"), "--storage", dir.url()}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "sklearn-digits-svc");
  ASSERT_EQ(trials.size(), 4u) << r.out << r.err;
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete) << t.fail_reason;
    EXPECT_GT(t.value(), 0.0);
    EXPECT_LE(t.value(), 1.0);
    EXPECT_TRUE(t.params.count("C") && t.params.count("gamma") && t.params.count("kernel"));
  }
  EXPECT_TRUE(contains(r.out, "Best trial")) << r.out;
}

TEST(NniRun, AssessorExampleReportsEveryEpochAndPrunesBelowTheMedian) {
  SystemPython python;
  TempDir dir;
  const CliResult r = run_cli({"run", example("sgd-assessor"), "--storage", dir.url()}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "digits-sgd-medianstop");
  ASSERT_EQ(trials.size(), 12u) << r.out << r.err;
  size_t complete = 0, pruned = 0;
  for (const auto& t : trials) {
    ASSERT_NE(t.state, TrialState::Failed) << t.fail_reason << r.err;
    ASSERT_FALSE(t.intermediate_values.empty());
    // nni.report_intermediate_result counts steps 1, 2, ...
    EXPECT_EQ(t.intermediate_values.begin()->first, 1);
    if (t.state == TrialState::Complete) {
      ++complete;
      EXPECT_EQ(t.intermediate_values.size(), 5u);  // --epochs 5
      EXPECT_DOUBLE_EQ(t.value(), t.intermediate_values.rbegin()->second);
    }
    // The nested choice: "optimizer" and, on its "constant" branch, its eta0.
    ASSERT_TRUE(t.params.count("optimizer"));
    const auto branch = std::get<std::string>(t.params.at("optimizer"));
    EXPECT_EQ(t.params.count("optimizer.constant.eta0"), branch == "constant" ? 1u : 0u);
  }
  EXPECT_GE(complete, 1u);
  // The median pruner starts after 5 finished trials; of the 7 after them (seeded Random
  // tuner: the same parameters each run), some fall below the median at an epoch.
  for (const auto& t : trials) pruned += t.state == TrialState::Pruned;
  EXPECT_GE(pruned, 1u) << r.out;
}

// A pure-Python trial (no third-party package) for the tests below.
const char* const kIdsTrial = R"(import json, os, sys
import nni
params = nni.get_next_parameter()
assert nni.get_sequence_id() == int(os.environ["PARZEN_TRIAL_NUMBER"])
assert nni.get_trial_id() == os.environ["PARZEN_TRIAL_NUMBER"]
assert nni.get_experiment_id() == "ids-and-dicts", nni.get_experiment_id()
assert os.environ["NNI_TRIAL_SEQ_ID"] == os.environ["PARZEN_TRIAL_NUMBER"]
assert nni.get_current_parameter() == params
nni.report_intermediate_result({"default": params["x"], "other": 1})
nni.report_final_result({"default": params["x"] * 2, "loss": 0.25, "tag": "run " + str(nni.get_sequence_id()), "per_class": [0.5, 1]})
)";

std::string pure_config(const std::string& name, const std::string& space,
                        const std::string& command, const std::string& tuner, int trials = 3) {
  return "experimentName: " + name + "\nsearchSpace:\n" + space + "trialCommand: " + command +
         "\ntrialConcurrency: 2\nmaxTrialNumber: " + std::to_string(trials) + "\ntuner:\n" + tuner +
         "trainingService:\n  platform: local\n";
}

TEST(NniRun, TrialApiIdsAndIntermediateDicts) {
  TempDir dir;
  dir.file("trial.py", kIdsTrial);
  const std::string yaml =
      pure_config("ids-and-dicts", "  x: {_type: uniform, _value: [1, 2]}\n", "python3 trial.py",
                  "  name: Random\n  classArgs: {seed: 3}\n");
  const CliResult r = run_cli({"run", dir.file("config.yml", yaml)}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "ids-and-dicts");
  ASSERT_EQ(trials.size(), 3u);
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete) << t.fail_reason;
    const double x = std::get<double>(t.params.at("x"));
    EXPECT_DOUBLE_EQ(t.value(), 2 * x);  // the dict's "default"
    ASSERT_EQ(t.intermediate_values.size(), 1u);
    EXPECT_DOUBLE_EQ(t.intermediate_values.at(1), x);
  }
}

// Needs the `parzen:attr` protocol line (engineer "proto", issue 17's shared contract): the
// extra entries of a dict result become the trial's user attributes.
TEST(NniRun, DictResultKeepsItsOtherMetricsAsUserAttributes) {
  TempDir dir;
  dir.file("trial.py", kIdsTrial);
  const std::string yaml = pure_config("ids-and-dicts", "  x: {_type: uniform, _value: [1, 2]}\n",
                                       "python3 trial.py", "  name: Random\n", 1);
  const CliResult r = run_cli({"run", dir.file("config.yml", yaml)}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "ids-and-dicts");
  ASSERT_EQ(trials.size(), 1u);
  const auto& attrs = trials[0].user_attrs;
  EXPECT_EQ(attrs.value("loss", nlohmann::json()), 0.25) << attrs.dump();
  EXPECT_EQ(attrs.value("tag", nlohmann::json()), "run 0") << attrs.dump();
  EXPECT_EQ(attrs.value("per_class", nlohmann::json()), (nlohmann::json{0.5, 1})) << attrs.dump();
  EXPECT_FALSE(attrs.contains("default"));
  EXPECT_FALSE(contains(r.err, "parzen:attr")) << r.err;  // no "unknown protocol line" warning
}

TEST(NniRun, ADictResultWithoutDefaultFailsTheTrialSayingWhatToWrite) {
  TempDir dir;
  dir.file("trial.py",
           "import nni\nnni.get_next_parameter()\nnni.report_final_result({'acc': "
           "0.9})\n");
  const std::string yaml = pure_config("no-default", "  x: {_type: uniform, _value: [0, 1]}\n",
                                       "python3 trial.py", "  name: Random\n", 1);
  const CliResult r = run_cli({"run", dir.file("config.yml", yaml)}, dir.path);
  const auto trials = trials_of(dir.url(), "no-default");
  ASSERT_FALSE(trials.empty()) << r.out << r.err;
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_TRUE(contains(trials[0].fail_reason, "a dict metric needs a 'default' key"))
      << trials[0].fail_reason;
}

TEST(NniRun, ShellCommandNeverInterpretsParameterValues) {
  TempDir dir;
  // The values reach the trial as data; were they pasted into the shell string, the shell would
  // create these files.
  dir.file("trial.py", R"PY(import nni
v = nni.get_next_parameter()["v"]
assert v in ("; touch INJECTED1 #", "$(touch INJECTED2)", "`touch INJECTED3`", "' && touch INJECTED4 '"), v
nni.report_final_result(len(v))
)PY");
  const std::string yaml = pure_config(
      "shell-safety",
      "  v:\n    _type: choice\n    _value: ['; touch INJECTED1 #', '$(touch INJECTED2)', "
      "'`touch INJECTED3`', \"' && touch INJECTED4 '\"]\n",
      // The command itself is a shell string: && and a variable work as they would under NNI.
      "test -n \"$PARZEN_PARAMS\" && python3 trial.py", "  name: GridSearch\n", 4);
  const CliResult r = run_cli({"run", dir.file("config.yml", yaml)}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "shell-safety");
  ASSERT_EQ(trials.size(), 4u);
  std::set<std::string> seen;
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete) << t.fail_reason;
    seen.insert(std::get<std::string>(t.params.at("v")));
  }
  EXPECT_EQ(seen.size(), 4u);
  for (const char* f : {"INJECTED1", "INJECTED2", "INJECTED3", "INJECTED4"})
    EXPECT_FALSE(fs::exists(dir.path / f)) << f;
}

TEST(NniRun, HyperbandHandsTheTrialItsBudget) {
  TempDir dir;
  dir.file("trial.py", R"(import nni
p = nni.get_next_parameter()
assert p["TRIAL_BUDGET"] == 4, p
for epoch in range(p["TRIAL_BUDGET"]):
    nni.report_intermediate_result(p["x"] * (epoch + 1))
nni.report_final_result(p["x"] * p["TRIAL_BUDGET"])
)");
  const std::string yaml =
      pure_config("budget", "  x: {_type: uniform, _value: [0, 1]}\n", "python3 trial.py",
                  "  name: Hyperband\n  classArgs: {optimize_mode: maximize, R: 4, eta: 2}\n", 4);
  const CliResult r = run_cli({"run", dir.file("config.yml", yaml)}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "budget");
  ASSERT_EQ(trials.size(), 4u);
  for (const auto& t : trials) {
    ASSERT_NE(t.state, TrialState::Failed) << t.fail_reason;
    EXPECT_FALSE(t.params.count("TRIAL_BUDGET"));  // not a tuned parameter
    if (t.state == TrialState::Complete) {
      EXPECT_EQ(t.intermediate_values.rbegin()->first, 4);
    }
  }
}

TEST(NniRun, BatchTunerRunsEachParameterSetOnce) {
  TempDir dir;
  dir.file("trial.py", R"(import nni
p = nni.get_next_parameter()
assert set(p) == {"optimizer", "lr"}, p
nni.report_final_result(p["lr"])
)");
  const std::string yaml =
      pure_config("batch",
                  "  combine_params:\n    _type: choice\n    _value:\n"
                  "      - {optimizer: Adam, lr: 0.001}\n      - {optimizer: SGD, lr: 0.1}\n"
                  "      - {optimizer: SGD, lr: 0.01}\n",
                  "python3 trial.py", "  name: BatchTuner\n", 10);
  const CliResult r = run_cli({"run", dir.file("config.yml", yaml)}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "batch");
  ASSERT_EQ(trials.size(), 3u) << r.out;  // the grid ends after the three sets
  std::multiset<double> values;
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete) << t.fail_reason;
    values.insert(t.value());
  }
  EXPECT_EQ(values, (std::multiset<double>{0.001, 0.01, 0.1}));
}

TEST(NniRun, WarnsOfUnknownKeysAndRefusesUnsupportedOnesWithFileAndLine) {
  TempDir dir;
  dir.file("trial.py", "import nni\nnni.get_next_parameter()\nnni.report_final_result(1)\n");
  const std::string good = pure_config("warned", "  x: {_type: uniform, _value: [0, 1]}\n",
                                       "python3 trial.py", "  name: TPE\n", 1) +
                           "maxTrailNumber: 5\n";
  const std::string path = dir.file("config.yml", good);
  CliResult r = run_cli({"run", path}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "parzen: warning: " + path +
                                  ":11: key 'maxTrailNumber': unknown key (did you mean "
                                  "'maxTrialNumber'?); ignored"))
      << r.err;

  const std::string bad = pure_config("refused", "  x: {_type: uniform, _value: [0, 1]}\n",
                                      "python3 trial.py", "  name: SMAC\n", 1);
  r = run_cli({"run", dir.file("bad.yaml", bad)}, dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, (dir.path / "bad.yaml").string() +
                                  ":8: key 'tuner.name': tuner SMAC is not supported"))
      << r.err;
  EXPECT_TRUE(trials_of(dir.url(), "refused").empty());
}

TEST(NniRun, TheModuleOutsideParzenSaysHowToRunIt) {
  TempDir dir;
  const std::string shim = (fs::path(kParzen).parent_path() / "share/parzen/python").string();
  ASSERT_TRUE(fs::exists(fs::path(shim) / "nni" / "__init__.py")) << shim;
  const std::string script = (dir.path / "run.sh").string();
  // A clean environment: no PARZEN_* variables.
  std::ofstream(script) << "exec env -i PATH=/usr/bin:/bin PYTHONPATH=" << shim
                        << " python3 -c 'import nni; nni.get_next_parameter()'\n";
  const std::string cmd = "sh " + script + " > " + (dir.path / "out").string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  EXPECT_NE(status, 0);
  const std::string out = slurp(dir.path / "out");
  EXPECT_TRUE(contains(out, "not running under Parzen (PARZEN_PARAMS is not set)")) << out;
  EXPECT_TRUE(contains(out, "parzen run config.yml")) << out;
}

}  // namespace
