// NNI v2 experiment YAML -> the experiment document (src/cli/nni_config.cpp): every mapped key,
// the warnings for unknown keys, the refusals with FILE:LINE, and the shell-string command of
// experiment files.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/experiment.hpp"
#include "cli/nni_config.hpp"
#include "cli_helpers.hpp"

namespace {

using namespace parzen::cli;
using parzen_test::contains;
using parzen_test::TempDir;

const char* const kSpace = R"({"lr": {"_type": "loguniform", "_value": [0.0001, 0.1]},
 "units": {"_type": "choice", "_value": [16, 32]}})";

// The error message of converting `yaml` (written as DIR/config.yml), or "" when it converts.
std::string refusal(const TempDir& dir, const std::string& yaml) {
  const std::string path = dir.file("config.yml", yaml);
  try {
    convert_nni_config(yaml, path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string config(const std::string& tuner, const std::string& extra = "") {
  return "searchSpaceFile: space.json\n"
         "trialCommand: python3 train.py\n"
         "trialConcurrency: 1\n" +
         tuner + "trainingService:\n  platform: local\n" + extra;
}

TEST(NniConfig, MapsEveryExperimentKey) {
  TempDir dir;
  dir.file("space.json", kSpace);
  std::filesystem::create_directories(dir.path / "code");
  const std::string yaml = R"(experimentName: mnist
searchSpaceFile: space.json
trialCommand: python3 mnist.py --data ./data
trialCodeDirectory: code
trialConcurrency: 3
maxTrialNumber: 20
maxExperimentDuration: 1h
maxTrialDuration: 90s
tuner:
  name: TPE
  classArgs:
    optimize_mode: maximize
    seed: 42
    tpe_args:
      n_startup_jobs: 7
trainingService:
  platform: local
)";
  const NniConversion c = convert_nni_config(yaml, dir.file("config.yml", yaml));
  EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
  EXPECT_EQ(c.doc["name"], "mnist");
  EXPECT_EQ(c.doc["command"], "python3 mnist.py --data ./data");
  EXPECT_EQ(c.doc["working_directory"], "code");
  EXPECT_EQ(c.doc["concurrency"], 3);
  EXPECT_EQ(c.doc["n_trials"], 20);
  EXPECT_DOUBLE_EQ(c.doc["max_duration"].get<double>(), 3600.0);
  EXPECT_DOUBLE_EQ(c.doc["trial_timeout"].get<double>(), 90.0);
  EXPECT_EQ(c.doc["direction"], "maximize");
  EXPECT_EQ(c.doc["search_space_file"], "space.json");
  EXPECT_EQ(c.doc["sampler"]["type"], "tpe");
  EXPECT_EQ(c.doc["sampler"]["seed"], 42);
  EXPECT_EQ(c.doc["sampler"]["n_startup_trials"], 7);

  // The same Experiment a TOML file would give, command run by /bin/sh -c.
  const Experiment e = load_experiment((dir.path / "config.yml").string());
  EXPECT_EQ(e.name, "mnist");
  EXPECT_TRUE(e.shell_command);
  EXPECT_EQ(e.command,
            (std::vector<std::string>{"/bin/sh", "-c", "python3 mnist.py --data ./data"}));
  EXPECT_EQ(e.working_directory, (dir.path / "code").lexically_normal().string());
  EXPECT_EQ(e.concurrency, 3);
  EXPECT_EQ(e.directions, std::vector<parzen::Direction>{parzen::Direction::Maximize});
  EXPECT_EQ(e.space.names(), (std::vector<std::string>{"lr", "units"}));
  EXPECT_EQ(e.storage, "sqlite:///" + (dir.path / "parzen.db").lexically_normal().string());
}

TEST(NniConfig, ReadsKeysInAnySpellingNniAccepts) {
  TempDir dir;
  dir.file("space.json", kSpace);
  const std::string yaml =
      "search_space_file: space.json\ntrial_command: python3 t.py\n"
      "TrialConcurrency: 2\ntuner: {name: random, classArgs: {seed: 1}}\n"
      "training_service: {platform: local}\n";
  const NniConversion c = convert_nni_config(yaml, dir.file("config.yml", yaml));
  EXPECT_EQ(c.doc["concurrency"], 2);
  EXPECT_EQ(c.doc["sampler"]["type"], "random");
  EXPECT_EQ(c.doc["command"], "python3 t.py");
}

TEST(NniConfig, InlineSearchSpaceKeepsItsLinesInErrors) {
  TempDir dir;
  const std::string yaml =
      "searchSpace:\n  lr:\n    _type: uniform\n    _value: [0.5, 0.1]\n"
      "trialCommand: python3 t.py\ntrialConcurrency: 1\n"
      "tuner: {name: TPE}\ntrainingService: {platform: local}\n";
  const std::string path = dir.file("config.yml", yaml);
  try {
    load_experiment(path);
    FAIL() << "a uniform with low > high was accepted";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), path + ":4:")) << e.what();
    EXPECT_TRUE(contains(e.what(), "lr")) << e.what();
  }
}

TEST(NniConfig, ReadsAYamlSearchSpaceFileAsNniDoes) {
  TempDir dir;
  dir.file("space.yml",
           "lr:\n  _type: loguniform\n  _value: [1.0e-4, 0.1]\nact: {_type: "
           "choice, _value: [relu, tanh]}\n");
  const std::string yaml =
      "searchSpaceFile: space.yml\ntrialCommand: python3 t.py\n"
      "trialConcurrency: 1\ntuner: {name: TPE}\n"
      "trainingService: {platform: local}\n";
  const Experiment e =
      parse_nni_experiment(yaml, dir.file("config.yml", yaml), true, [](const std::string&) {});
  EXPECT_EQ(e.space.names(), (std::vector<std::string>{"lr", "act"}));
}

TEST(NniConfig, UnknownKeysAreNamedInWarningsWithTheirLine) {
  TempDir dir;
  dir.file("space.json", kSpace);
  const std::string yaml = config("tuner: {name: TPE, classArgs: {optimize_mode: minimize}}\n",
                                  "trialConcurency: 2\nmyOwnKey: 1\n");
  const NniConversion c = convert_nni_config(yaml, dir.file("config.yml", yaml));
  ASSERT_EQ(c.warnings.size(), 2u);
  std::string all = c.warnings[0] + "\n" + c.warnings[1];
  EXPECT_TRUE(contains(all,
                       "config.yml:7: key 'trialConcurency': unknown key (did you mean "
                       "'trialConcurrency'?)"))
      << all;
  EXPECT_TRUE(contains(all, "config.yml:8: key 'myOwnKey': unknown key; ignored")) << all;
}

TEST(NniConfig, WarnsWhenNoOptimizeModeIsGiven) {
  TempDir dir;
  dir.file("space.json", kSpace);
  const std::string yaml = config("tuner:\n  name: TPE\n");
  const NniConversion c = convert_nni_config(yaml, dir.file("config.yml", yaml));
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_TRUE(contains(c.warnings[0], "minimizes")) << c.warnings[0];
  EXPECT_FALSE(c.doc.contains("direction"));
}

TEST(NniConfig, RefusesWhatParzenCannotHonourByNameAndLine) {
  TempDir dir;
  dir.file("space.json", kSpace);
  struct Case {
    std::string yaml, expected;
  };
  const std::vector<Case> cases = {
      {"searchSpaceFile: space.json\ntrialCommand: x\ntrialConcurrency: 1\ntuner: {name: TPE}\n"
       "trainingService:\n  platform: remote\n",
       "config.yml:6: key 'trainingService.platform': platform 'remote' is not supported"},
      {config("tuner:\n  name: SMAC\n"),
       "config.yml:5: key 'tuner.name': tuner SMAC is not "
       "supported: Parzen has no SMAC"},
      {config("tuner:\n  name: RegularizedEvolution\n  classArgs:\n    on_failure: worst\n"),
       "config.yml:7: key 'tuner.classArgs.on_failure': Parzen's regularized evolution ignores"},
      {config("tuner:\n  name: MyTuner\n"), "unknown tuner 'MyTuner'"},
      {config("tuner:\n  className: my.Tuner\n  codeDirectory: .\n"),
       "key 'tuner.className': a customised tuner"},
      {config("tuner:\n  name: TPE\n  classArgs:\n    optimize_mode: maximise\n"),
       "config.yml:7: key 'tuner.classArgs.optimize_mode': 'maximise' is not an optimize_mode"},
      {config("tuner:\n  name: TPE\n  classArgs:\n    sead: 1\n"),
       "config.yml:7: key 'tuner.classArgs.sead': is not an option of tuner TPE (did you mean "
       "'seed'?)"},
      {config("tuner: {name: TPE}\n", "assessor:\n  name: Curvefitting\n"),
       "config.yml:8: key 'assessor.name': assessor Curvefitting is not supported"},
      {config("tuner: {name: TPE, classArgs: {optimize_mode: maximize}}\n",
              "assessor:\n  name: Medianstop\n  classArgs: {optimize_mode: minimize}\n"),
       "the tuner's optimize_mode is maximize"},
      {config("tuner: {name: Hyperband}\n", "assessor: {name: Medianstop}\n"),
       "remove the assessor"},
      {config("tuner: {name: TPE}\n", "useAnnotation: true\n"),
       "key 'useAnnotation': NNI "
       "annotations"},
      {config("tuner: {name: TPE}\n", "sharedStorage: {storageType: NFS}\n"),
       "key 'sharedStorage': is not supported"},
      {config("tuner: {name: TPE}\n", "experimentType: nas\n"), "experiment type 'nas'"},
      {"authorName: me\ntrial: {command: python3 t.py, codeDir: .}\ntrialConcurrency: 1\n",
       "NNI's v1 config format"},
      {"searchSpaceFile: missing.json\ntrialCommand: x\ntrialConcurrency: 1\n"
       "tuner: {name: TPE}\ntrainingService: {platform: local}\n",
       "config.yml:1: key 'searchSpaceFile': cannot open the search space file"},
      {config("tuner: {name: TPE}\n", "trialCodeDirectory: nowhere\n"),
       "key 'trialCodeDirectory':"},
      {config("tuner: {name: TPE}\n", "trialConcurrency: 2\n"),
       "key 'trialConcurrency' is "
       "given twice"},
      {config("tuner: {name: TPE}\n", "trial_concurrency: 2\n"),
       "the same key as "
       "'trialConcurrency'"},
      {"searchSpaceFile: space.json\ntrialConcurrency: 1\ntuner: {name: TPE}\n"
       "trainingService: {platform: local}\n",
       "key 'trialCommand': missing"},
      {"searchSpaceFile: space.json\ntrialCommand: x\ntrialConcurrency: 0\n"
       "tuner: {name: TPE}\ntrainingService: {platform: local}\n",
       "config.yml:3: key 'trialConcurrency': must be at least 1"},
      {config("tuner: {name: TPE}\n", "maxExperimentDuration: soon\n"),
       "key 'maxExperimentDuration': 'soon' is not a duration"},
      {config("tuner: {name: TPE}\n",
              "trainingService: [{platform: local}, {platform: "
              "remote}]\n"),
       "given twice"},
      {"searchSpaceFile: space.json\ntrialCommand: x\ntrialConcurrency: 1\ntuner: {name: TPE}\n"
       "trainingService: [{platform: local}, {platform: remote}]\n",
       "a hybrid of several training services is not supported"},
      {"trialCommand: [unclosed\n", "config.yml:2:1:"},
      {"", "the file is empty"},
  };
  for (const auto& c : cases) {
    const std::string why = refusal(dir, c.yaml);
    EXPECT_TRUE(contains(why, c.expected)) << "config:\n" << c.yaml << "\nmessage: " << why;
  }
}

TEST(NniConfig, TypesPlainScalarsAsPyYamlAndNumbersLeniently) {
  SourceMap map;
  map.file = "x.yml";
  const auto j =
      yaml_to_json("a: yes\nb: 1e-3\nc: '5'\nd: 5\ne: ~\nf: inf\ng: 2.50\nh: off\n", map);
  EXPECT_EQ(j["a"], true);
  EXPECT_DOUBLE_EQ(j["b"].get<double>(), 1e-3);
  EXPECT_EQ(j["c"], "5");
  EXPECT_TRUE(j["d"].is_number_integer());
  EXPECT_TRUE(j["e"].is_null());
  EXPECT_EQ(j["f"], "inf");  // a word in YAML; .inf is infinity
  EXPECT_DOUBLE_EQ(j["g"].get<double>(), 2.5);
  EXPECT_EQ(j["h"], false);
  EXPECT_EQ(map.line_of("/h"), 8);
  EXPECT_THROW(yaml_to_json("x: .inf\n", map), ConfigError);
  EXPECT_THROW(yaml_to_json("x: 1e999\n", map), ConfigError);
}

TEST(NniConfig, HyperbandAndBohbBecomeTheHyperbandPrunerWithTrialBudget) {
  TempDir dir;
  dir.file("space.json", kSpace);
  std::string yaml = config(
      "advisor:\n  name: Hyperband\n  classArgs:\n    optimize_mode: "
      "maximize\n    R: 27\n    eta: 3\n    exec_mode: serial\n");
  NniConversion c = convert_nni_config(yaml, dir.file("config.yml", yaml));
  EXPECT_EQ(c.doc["sampler"]["type"], "random");
  EXPECT_EQ(c.doc["pruner"]["type"], "hyperband");
  EXPECT_EQ(c.doc["pruner"]["min_resource"], 1);
  EXPECT_EQ(c.doc["pruner"]["max_resource"], 27);
  EXPECT_EQ(c.doc["pruner"]["reduction_factor"], 3);
  EXPECT_EQ(c.doc["environment"]["PARZEN_NNI_TRIAL_BUDGET"], "27");
  ASSERT_EQ(c.warnings.size(), 1u);  // exec_mode
  EXPECT_TRUE(contains(c.warnings[0], "key 'advisor.classArgs.exec_mode': ignored"))
      << c.warnings[0];

  yaml = config(
      "tuner:\n  name: BOHB\n  classArgs:\n    optimize_mode: maximize\n"
      "    min_budget: 2\n    max_budget: 18\n    eta: 3\n    min_points_in_model: 4\n");
  c = convert_nni_config(yaml, dir.file("config.yml", yaml));
  EXPECT_EQ(c.doc["sampler"]["type"], "bohb");
  EXPECT_EQ(c.doc["sampler"]["min_points"], 4);
  EXPECT_EQ(c.doc["pruner"]["min_resource"], 2);
  EXPECT_EQ(c.doc["pruner"]["max_resource"], 18);
  EXPECT_EQ(c.doc["environment"]["PARZEN_NNI_TRIAL_BUDGET"], "18");
  // The registry builds both.
  const Experiment e = load_experiment((dir.path / "config.yml").string());
  EXPECT_NO_THROW(make_sampler(e.sampler, e.space, make_pruner(e.pruner)));
}

TEST(NniConfig, MapsGpTunerAndMedianstop) {
  TempDir dir;
  dir.file("space.json", kSpace);
  const std::string yaml = config(
      "tuner:\n  name: GPTuner\n  classArgs:\n    optimize_mode: minimize\n"
      "    utility: ucb\n    kappa: 2\n    cold_start_num: 8\n",
      "assessor:\n  name: Medianstop\n  classArgs:\n    optimize_mode: minimize\n"
      "    start_step: 3\n");
  const NniConversion c = convert_nni_config(yaml, dir.file("config.yml", yaml));
  EXPECT_EQ(c.doc["sampler"]["type"], "gp");
  EXPECT_EQ(c.doc["sampler"]["acquisition"], "ucb");
  EXPECT_DOUBLE_EQ(c.doc["sampler"]["ucb_beta"].get<double>(), 4.0);
  EXPECT_EQ(c.doc["sampler"]["n_startup_trials"], 8);
  EXPECT_EQ(c.doc["pruner"]["type"], "median");
  EXPECT_EQ(c.doc["pruner"]["n_warmup_steps"], 3);
  EXPECT_NO_THROW(load_experiment((dir.path / "config.yml").string()));
}

TEST(NniConfig, EvolutionTunersRunAsRegularizedEvolution) {
  TempDir dir;
  dir.file("space.json", kSpace);
  const std::string regularized = config(
      "tuner:\n  name: RegularizedEvolution\n  classArgs:\n    optimize_mode: maximize\n"
      "    population_size: 20\n    sample_size: 5\n    mutation_prob: 0.1\n");
  NniConversion c = convert_nni_config(regularized, dir.file("config.yml", regularized));
  EXPECT_EQ(c.doc["sampler"]["type"], "regularized_evolution");
  EXPECT_EQ(c.doc["sampler"]["population_size"], 20);
  EXPECT_EQ(c.doc["sampler"]["sample_size"], 5);
  EXPECT_DOUBLE_EQ(c.doc["sampler"]["mutation_prob"].get<double>(), 0.1);
  EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
  EXPECT_NO_THROW(load_experiment((dir.path / "config.yml").string()));

  const std::string evolution =
      config("tuner:\n  name: Evolution\n  classArgs:\n    optimize_mode: maximize\n");
  c = convert_nni_config(evolution, dir.file("config.yml", evolution));
  EXPECT_EQ(c.doc["sampler"]["type"], "regularized_evolution");
  EXPECT_EQ(c.doc["sampler"]["population_size"], 32);  // NNI's default
  EXPECT_EQ(c.doc["sampler"]["sample_size"], 2);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("tournament of 2"), std::string::npos) << c.warnings[0];
  EXPECT_NO_THROW(load_experiment((dir.path / "config.yml").string()));
}

TEST(NniConfig, AnnealRunsAsTpeWithANote) {
  TempDir dir;
  dir.file("space.json", kSpace);
  const std::string yaml =
      config("tuner:\n  name: Anneal\n  classArgs: {optimize_mode: maximize}\n");
  const NniConversion c = convert_nni_config(yaml, dir.file("config.yml", yaml));
  EXPECT_EQ(c.doc["sampler"]["type"], "tpe");
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_TRUE(contains(c.warnings[0], "Parzen has no Anneal tuner; TPE is used"));
}

TEST(NniConfig, BatchTunerEnumeratesTheParameterSets) {
  TempDir dir;
  dir.file("space.json", R"({"combine_params": {"_type": "choice", "_value": [
      {"optimizer": "Adam", "lr": 0.001}, {"optimizer": "SGD", "lr": 0.1}, 3]}})");
  std::string yaml = config("tuner:\n  name: BatchTuner\n");
  const NniConversion c = convert_nni_config(yaml, dir.file("config.yml", yaml));
  EXPECT_EQ(c.doc["sampler"]["type"], "grid");
  EXPECT_EQ(c.doc["environment"]["PARZEN_NNI_TUNER"], "BatchTuner");
  const auto& values = c.doc["search_space"]["combine_params"]["_value"];
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], R"({"optimizer":"Adam","lr":0.001})");
  EXPECT_EQ(values[2], "3");
  const Experiment e = load_experiment((dir.path / "config.yml").string());
  EXPECT_NO_THROW(make_sampler(e.sampler, e.space, make_pruner(e.pruner)));

  dir.file("space.json", kSpace);
  EXPECT_TRUE(contains(refusal(dir, yaml),
                       "tuner BatchTuner needs a search space with the one "
                       "key combine_params"));
}

TEST(NniConfig, DictChoicesWithoutNameAndNasTypesSayWhatToWrite) {
  TempDir dir;
  dir.file("space.json", R"({"combine_params": {"_type": "choice", "_value": [{"lr": 1}]}})");
  std::string yaml = config("tuner: {name: TPE}\n");
  dir.file("config.yml", yaml);
  try {
    load_experiment((dir.path / "config.yml").string());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "BatchTuner")) << e.what();
  }
  dir.file("space.json", R"({"conv": {"_type": "layer_choice", "_value": ["conv3", "conv5"]}})");
  const Experiment e = load_experiment((dir.path / "config.yml").string());
  EXPECT_EQ(e.space.names(), std::vector<std::string>{"conv"});
  dir.file("space.json",
           R"({"skip": {"_type": "input_choice", "_value": {"candidates": ["a", "b"],
               "n_chosen": 2}}})");
  try {
    load_experiment((dir.path / "config.yml").string());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "input_choice")) << e.what();
    EXPECT_TRUE(contains(e.what(), "\"_type\": \"choice\"")) << e.what();
  }
}

TEST(NniConfig, GpuKeysMapToTheRunnersDeviceKeys) {
  TempDir dir;
  dir.file("space.json", kSpace);
  std::string yaml = config("tuner: {name: TPE}\n", "trialGpuNumber: 0\n");
  NniConversion c = convert_nni_config(yaml, dir.file("config.yml", yaml));
  EXPECT_EQ(c.doc["environment"]["CUDA_VISIBLE_DEVICES"], "");  // NNI: no GPU for the trial

  yaml =
      "searchSpaceFile: space.json\ntrialCommand: x\ntrialConcurrency: 4\n"
      "trialGpuNumber: 1\ntuner: {name: TPE}\ntrainingService:\n  platform: local\n"
      "  gpuIndices: '0,2'\n  maxTrialNumberPerGpu: 2\n  useActiveGpu: true\n";
  if (is_experiment_key("gpus")) {
    c = convert_nni_config(yaml, dir.file("config.yml", yaml));
    EXPECT_EQ(c.doc["gpus"], (nlohmann::ordered_json{0, 2}));
    EXPECT_EQ(c.doc["gpus_per_trial"], 1);
    EXPECT_EQ(c.doc["trials_per_gpu"], 2);
  } else {
    EXPECT_TRUE(contains(refusal(dir, yaml), "config.yml:4: key 'trialGpuNumber': assigning GPUs"))
        << refusal(dir, yaml);
  }
  const std::string bad =
      "searchSpaceFile: space.json\ntrialCommand: x\ntrialConcurrency: 1\n"
      "tuner: {name: TPE}\ntrainingService:\n  platform: local\n"
      "  gpuIndices: 'zero'\n";
  EXPECT_TRUE(contains(refusal(dir, bad),
                       "key 'trainingService.gpuIndices': 'zero' is not a "
                       "list of GPU indices"))
      << refusal(dir, bad);
}

// --- the shell-string command (TOML files as well as NNI's trialCommand) ---------------------

TEST(ShellCommand, OneStringRunsUnderShAndRoundTrips) {
  const Experiment e = parse_experiment(
      "command = \"python3 train.py > log.txt && echo ${HOME}\"\n"
      "[search_space]\nx = {type = \"float\", low = 0, high = 1}\n",
      "exp.toml");
  EXPECT_TRUE(e.shell_command);
  ASSERT_EQ(e.command.size(), 3u);
  EXPECT_EQ(e.command[0], "/bin/sh");
  EXPECT_EQ(e.command[1], "-c");
  EXPECT_EQ(e.command[2], "python3 train.py > log.txt && echo ${HOME}");
  const Experiment back = Experiment::from_json(e.to_json());
  EXPECT_TRUE(back.shell_command);
  EXPECT_EQ(back.command, e.command);

  const Experiment argv = parse_experiment(
      "command = [\"python3\", \"t.py\"]\n[search_space]\nx = {type = \"float\", low = 0, high = "
      "1}\n",
      "exp.toml");
  EXPECT_FALSE(argv.shell_command);
  EXPECT_FALSE(Experiment::from_json(argv.to_json()).shell_command);
}

TEST(ShellCommand, RefusesPlaceholdersAndEmptyStrings) {
  const std::string space = "[search_space]\nlr = {type = \"float\", low = 0, high = 1}\n";
  try {
    parse_experiment("command = \"python3 train.py --lr {lr}\"\n" + space, "exp.toml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(),
                         "exp.toml:1: key 'command': a shell command takes no "
                         "placeholders, but it holds {lr}"))
        << e.what();
    EXPECT_TRUE(contains(e.what(), "PARZEN_PARAMS")) << e.what();
  }
  EXPECT_NO_THROW(parse_experiment("command = \"echo ${lr}\"\n" + space, "exp.toml"));
  EXPECT_THROW(parse_experiment("command = \"  \"\n" + space, "exp.toml"), ConfigError);
  try {
    parse_experiment("command = 5\n" + space, "exp.toml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "or one string: a shell command")) << e.what();
  }
}

}  // namespace

// Aliases share nodes: a recursive one or a "billion laughs" file is refused with its line, not
// a crash or all the memory.
TEST(NniConfig, RecursiveAndExplodingAliasesAreRefused) {
  SourceMap map;
  map.file = "x.yml";
  try {
    yaml_to_json("a: &a [*a]\n", map);
    ADD_FAILURE() << "a recursive alias was accepted";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "nests deeper than 64 levels")) << e.what();
  }
  std::string laughs = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i)
    laughs +=
        fmt::format("l{}: &l{} [*l{}, *l{}, *l{}, *l{}, *l{}, *l{}, *l{}, *l{}, *l{}, *l{}]\n", i,
                    i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
  try {
    yaml_to_json(laughs, map);
    ADD_FAILURE() << "a billion laughs were accepted";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "expands to more than 200000 values")) << e.what();
  }
}
