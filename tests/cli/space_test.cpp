// Search spaces (NNI's format, Parzen's own entries, presets) and experiment files: parsing,
// semantics, and error messages that name the file, the line and the key.

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "cli/experiment.hpp"
#include "cli/space.hpp"
#include "cli/trial_process.hpp"
#include "config_error_helpers.hpp"
#include "parzen/parzen.hpp"

namespace {

using namespace parzen;
using namespace parzen::cli;

Space space_from_json(const std::string& text) {
  SourceMap map;
  map.file = "search_space.json";
  return parse_space(parse_json_with_lines(text, map), map);
}

using parzen_test::error_of;

const char* kNniSpace = R"({
  "optimizer": {"_type": "choice", "_value": [
      {"_name": "sgd", "lr": {"_type": "loguniform", "_value": [0.01, 0.1]}},
      {"_name": "adam", "lr": {"_type": "loguniform", "_value": [0.001, 0.01]},
                        "beta1": {"_type": "uniform", "_value": [0.8, 0.99]}},
      "none"]},
  "layers": {"_type": "randint", "_value": [1, 5]},
  "dropout": {"_type": "quniform", "_value": [0, 0.5, 0.1]},
  "batch": {"_type": "qloguniform", "_value": [16, 256, 16]},
  "noise": {"_type": "normal", "_value": [10, 2]},
  "q_noise": {"_type": "qnormal", "_value": [10, 2, 0.5]},
  "scale": {"_type": "lognormal", "_value": [0, 1]},
  "q_scale": {"_type": "qlognormal", "_value": [2, 0.5, 1]},
  "rate": {"_type": "uniform", "_value": [-1, 1]}
})";

TEST(Space, ParsesEveryNniTypeInFileOrder) {
  const Space s = space_from_json(kNniSpace);
  std::vector<std::string> top;
  for (const auto& p : s.params) top.push_back(p.name);
  EXPECT_EQ(top, (std::vector<std::string>{"optimizer", "layers", "dropout", "batch", "noise",
                                           "q_noise", "scale", "q_scale", "rate"}));
  EXPECT_EQ(s.names(),
            (std::vector<std::string>{"optimizer", "optimizer.sgd.lr", "optimizer.adam.lr",
                                      "optimizer.adam.beta1", "layers", "dropout", "batch", "noise",
                                      "q_noise", "scale", "q_scale", "rate"}));
  // randint's upper bound is excluded.
  EXPECT_EQ(std::get<IntDistribution>(s.params[1].distribution),
            (IntDistribution{.low = 1, .high = 4}));
  // quniform with bounds that are multiples of q is a stepped float.
  EXPECT_EQ(std::get<FloatDistribution>(s.params[2].distribution),
            (FloatDistribution{.low = 0, .high = 0.5, .step = 0.1}));
  EXPECT_EQ(s.params[3].transform, SpaceParam::Transform::Quantize);
  EXPECT_TRUE(std::get<FloatDistribution>(s.params[3].distribution).log);
}

TEST(Space, SampledValuesFollowNniSemantics) {
  const Space s = space_from_json(kNniSpace);
  auto study = Study::create({.sampler = RandomSampler::make({.seed = 7})});
  std::map<std::string, int> branch_count;
  std::vector<double> noise;
  for (int i = 0; i < 600; ++i) {
    Trial t = study.ask();
    const auto sp = suggest_all(s, t);
    const auto& opt = sp.nested["optimizer"];
    if (opt.is_object()) {
      const std::string name = opt["_name"];
      ++branch_count[name];
      const double lr = opt["lr"];
      if (name == "sgd") {
        EXPECT_TRUE(lr >= 0.01 && lr <= 0.1);
        EXPECT_FALSE(opt.contains("beta1"));
        EXPECT_FALSE(sp.flat.contains("optimizer.adam.lr"));
      } else {
        EXPECT_TRUE(lr >= 0.001 && lr <= 0.01);
        EXPECT_TRUE(opt.contains("beta1"));
      }
    } else {
      EXPECT_EQ(opt, "none");
      ++branch_count["none"];
      EXPECT_FALSE(sp.flat.contains("optimizer.sgd.lr"));
    }
    const int64_t layers = sp.nested["layers"];
    EXPECT_TRUE(layers >= 1 && layers <= 4);
    const double dropout = sp.nested["dropout"];
    EXPECT_NEAR(std::round(dropout / 0.1) * 0.1, dropout, 1e-9);
    const double batch = sp.nested["batch"];
    EXPECT_TRUE(batch >= 16 && batch <= 256);
    EXPECT_NEAR(std::fmod(batch, 16.0), 0.0, 1e-9);
    noise.push_back(sp.nested["noise"]);
    const double qn = sp.nested["q_noise"];
    EXPECT_NEAR(std::round(qn / 0.5) * 0.5, qn, 1e-9);
    EXPECT_GT(sp.nested["scale"].get<double>(), 0.0);
    const double qs = sp.nested["q_scale"];
    EXPECT_EQ(qs, std::round(qs));
    study.tell(t, 0.0);
  }
  // Each branch about a third of the time.
  for (const auto& b : {"sgd", "adam", "none"}) EXPECT_NEAR(branch_count[b], 200, 50) << b;
  // normal(10, 2): sample mean and standard deviation.
  double m = 0, v = 0;
  for (double x : noise) m += x;
  m /= static_cast<double>(noise.size());
  for (double x : noise) v += (x - m) * (x - m);
  v /= static_cast<double>(noise.size() - 1);
  EXPECT_NEAR(m, 10.0, 0.3);
  EXPECT_NEAR(std::sqrt(v), 2.0, 0.25);
}

TEST(Space, NativeEntriesAndPresets) {
  SourceMap map;
  map.file = "exp.toml";
  const auto json = toml_to_json(R"(
[search_space]
lr = { preset = "adam.lr" }
ft = { preset = "sgd.lr", finetune = true }
bs = { preset = "batch_size" }
kernel = { preset = "conv.kernel_size" }
units = { type = "int", low = 16, high = 128, step = 16 }
wd = { type = "float", low = 1e-6, high = 1e-2, log = true }
act = { type = "categorical", choices = ["relu", "tanh"] }
)",
                                 map);
  const Space s = parse_space(json["search_space"], map, "/search_space");
  EXPECT_EQ(s.params[0].name, "lr");
  EXPECT_EQ(std::get<FloatDistribution>(s.params[0].distribution),
            (FloatDistribution{.low = 1e-3, .high = 1e-2, .log = true}));
  EXPECT_EQ(std::get<FloatDistribution>(s.params[1].distribution),
            (FloatDistribution{.low = 1e-4, .high = 1e-2, .log = true}));
  EXPECT_EQ(std::get<IntDistribution>(s.params[2].distribution),
            (IntDistribution{.low = 1, .high = 1024, .log = true}));
  EXPECT_EQ(std::get<CategoricalDistribution>(s.params[3].distribution).choices.size(), 5u);
  EXPECT_EQ(std::get<IntDistribution>(s.params[4].distribution).step, 16);
  EXPECT_EQ(s.params[6].name, "act");
  EXPECT_GE(presets().size(), 12u);
  for (const auto& p : presets()) {
    EXPECT_FALSE(p.source.empty()) << p.name;
    EXPECT_FALSE(p.note.empty()) << p.name;
  }
}

struct BadSpace {
  const char* text;
  const char* expected;  // a regex the message must match
};

TEST(Space, ErrorsNameFileLineAndKey) {
  const std::vector<BadSpace> cases = {
      {"{\n \"a\": {\"_type\": \"unifrom\", \"_value\": [0, 1]}\n}",
       R"(search_space.json:2: key 'a': unknown _type 'unifrom')"},
      {"{\n \"a\": {\"_type\": \"uniform\",\n \"_value\": [1, 0]}\n}",
       R"(search_space.json:3: key 'a': low must not exceed high)"},
      {"{\n \"a\": {\"_type\": \"loguniform\", \"_value\": [0, 1]}}",
       R"(search_space.json:2: key 'a': loguniform needs low > 0)"},
      {"{\n \"a\": {\"_type\": \"randint\", \"_value\": [3, 3]}}",
       R"(search_space.json:2: key 'a': randint needs lower < upper)"},
      {"{\n \"a\": {\"_type\": \"choice\", \"_value\": []}}",
       R"(search_space.json:2: key 'a': "_value" of choice must be a non-empty array)"},
      {"{\n \"a\": {\"_type\": \"choice\", \"_value\": [1,\n [2]]}}",
       R"(search_space.json:3: key 'a': choice 1 must be)"},
      {"{\n \"a\": {\"_type\": \"choice\", \"_value\": [{\"x\": 1}]}}",
       R"(search_space.json:2: key 'a': choice 0 is a table without "_name")"},
      {"{\n \"a\": {\"_type\": \"normal\", \"_value\": [0, -1]}}",
       R"(search_space.json:2: key 'a': sigma must be positive)"},
      {"{\n \"a\": {\"_type\": \"uniform\", \"_value\": [0, 1], \"extra\": 2}}",
       R"(search_space.json:2: key 'a.extra': unknown key 'extra')"},
      {"{\n \"a\": {\"_type\": \"uniform\", \"_value\": [0, \"1\"]}}",
       R"(search_space.json:2: key 'a': "_value"\[1\] must be a number, not a string)"},
      {"{\n \"a\": 5}", R"(search_space.json:2: key 'a': a parameter must be a table)"},
      {"{\n \"a\": {\"_type\": \"uniform\", \"_value\": [0, 1]\n}",
       R"(search_space.json: .*line 3)"},
      {"{}", R"(search space has no parameters)"},
      {"{\n \"a\": {\"preset\": \"adam.lrr\"}}",
       R"(search_space.json:2: key 'a': unknown preset 'adam.lrr')"},
      {"{\n \"a\": {\"preset\": \"dropout\", \"finetune\": true}}",
       R"(key 'a.finetune': preset 'dropout' has no fine-tuning range)"},
      {"{\n \"a\": {\"type\": \"float\", \"low\": 1, \"high\": 0}}",
       R"(search_space.json:2: key 'a': .*)"},
      // NNI and Hyperopt write None as JSON null: refused, saying what to write instead.
      {"{\n \"max_depth\": {\"_type\": \"choice\",\n \"_value\": [null, 3, 6]}}",
       R"(search_space.json:3: key 'max_depth': choice 0 is null, which is not a choice value )"
       R"(in Parzen; write the string "None" instead)"},
      {"{\n \"k\": {\"type\": \"categorical\", \"choices\": [\"a\",\n null]}}",
       R"(search_space.json:3: key 'k': choice 1 is null, .*write the string "None")"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of([&] { space_from_json(c.text); });
    EXPECT_TRUE(std::regex_search(msg, std::regex(c.expected))) << c.text << "\n  -> " << msg;
  }
}

const char* kGoodExperiment = R"(# a comment
name = "exp"
direction = "maximize"
metric = "accuracy"
n_trials = 10
max_duration = "1h30m"
concurrency = 2
trial_timeout = 90
command = ["prog", "--lr={lr}", "--act", "{act}"]

[search_space]
lr = { _type = "loguniform", _value = [1e-4, 1e-1] }
act = { _type = "choice", _value = ["relu", "tanh"] }

[sampler]
type = "tpe"
seed = 3
n_startup_trials = 5

[environment]
OMP_NUM_THREADS = "1"
)";

TEST(Experiment, ParsesEveryKeyAndResolvesPaths) {
  const Experiment e = parse_experiment(kGoodExperiment, "/tmp/some/dir/exp.toml");
  EXPECT_EQ(e.name, "exp");
  EXPECT_EQ(e.storage, "sqlite:////tmp/some/dir/parzen.db");
  EXPECT_EQ(e.directions, std::vector<Direction>{Direction::Maximize});
  EXPECT_EQ(e.metrics, std::vector<std::string>{"accuracy"});
  EXPECT_EQ(e.n_trials, 10);
  EXPECT_DOUBLE_EQ(*e.max_duration_seconds, 5400.0);
  EXPECT_EQ(e.concurrency, 2);
  EXPECT_DOUBLE_EQ(*e.trial_timeout_seconds, 90.0);
  EXPECT_EQ(e.working_directory, "/tmp/some/dir");
  EXPECT_EQ(e.environment.at("OMP_NUM_THREADS"), "1");
  EXPECT_EQ(e.sampler.type, "tpe");
  // The stored form rebuilds the same experiment.
  const Experiment back = Experiment::from_json(e.to_json());
  EXPECT_EQ(back.to_json(), e.to_json());
}

TEST(Experiment, ErrorsNameFileLineAndKey) {
  const auto with = [](const std::string& from, const std::string& to) {
    std::string text = kGoodExperiment;
    const auto pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return text.replace(pos, from.size(), to);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {with("n_trials = 10", "n_trails = 10"),
       R"(exp.toml:5: key 'n_trails': unknown key 'n_trails' \(did you mean 'n_trials'\?\))"},
      {with("n_trials = 10", "n_trials = \"ten\""),
       R"(exp.toml:5: key 'n_trials': must be an integer, not a string)"},
      {with("concurrency = 2", "concurrency = 0"),
       R"(exp.toml:7: key 'concurrency': must be at least 1)"},
      {with("type = \"tpe\"", "type = \"tpee\""),
       R"(exp.toml:16: key 'sampler.type': unknown sampler 'tpee'.*did you mean 'tpe')"},
      {with("n_startup_trials = 5", "n_startup = 5"),
       R"(exp.toml:18: key 'sampler.n_startup': TpeSampler: unknown option 'n_startup')"},
      {with("\"--act\", \"{act}\"", "\"--act\", \"{activation}\""),
       R"(exp.toml:9: key 'command': placeholder \{activation\} names no parameter)"},
      {with(", \"--act\", \"{act}\"", ""),
       R"(exp.toml:9: key 'command': parameter 'act' is never used)"},
      {with("\"--lr={lr}\"", "\"--lr={lr\""), R"(exp.toml:9: key 'command': .*unclosed)"},
      {with("_value = [1e-4, 1e-1]", "_value = [1e-1, 1e-4]"),
       R"(exp.toml:12: key 'lr': low must not exceed high)"},
      {with("max_duration = \"1h30m\"", "max_duration = \"soon\""),
       R"(exp.toml:6: key 'max_duration': 'soon' is not a duration)"},
      {with("direction = \"maximize\"", "direction = \"max\""),
       R"(exp.toml:3: key 'direction': unknown direction 'max')"},
      {with("command = [\"prog\"", "command = [3"),
       R"(exp.toml:9: key 'command': element 0 must be a string)"},
      {with("command = [\"prog\", \"--lr={lr}\", \"--act\", \"{act}\"]",
            "command = \"prog --lr={lr}\""),
       R"(exp.toml:9: key 'command': a shell command takes no placeholders)"},
      {with("name = \"exp\"", "name = \"exp"), R"(exp.toml:2:\d+: )"},
      {with("OMP_NUM_THREADS = \"1\"", "OMP_NUM_THREADS = 1"),
       R"(exp.toml:\d+: key 'environment.OMP_NUM_THREADS': must be a string)"},
      {with("metric = \"accuracy\"", "metrics = [\"a\", \"b\"]"),
       R"(exp.toml:4: key 'metrics': names 2 metrics but there are 1 directions)"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string msg = error_of([&] { parse_experiment(text, "exp.toml"); });
    EXPECT_TRUE(std::regex_search(msg, std::regex(expected))) << expected << "\n  -> " << msg;
  }
  EXPECT_TRUE(std::regex_search(error_of([] { load_experiment("/nonexistent/exp.toml"); }),
                                std::regex("/nonexistent/exp.toml: cannot open")));
}

TEST(Experiment, GridNeedsFiniteParameters) {
  std::string text = kGoodExperiment;
  text.replace(text.find("type = \"tpe\""), 12, "type = \"grid\"");
  text.replace(text.find("n_startup_trials = 5"), 20, "shuffle = true");
  const std::string msg = error_of([&] { parse_experiment(text, "exp.toml"); });
  EXPECT_TRUE(std::regex_search(msg, std::regex("key 'sampler.type': parameter 'lr' .*finite")))
      << msg;
}

TEST(Experiment, GpSamplerOptions) {
  std::string text = kGoodExperiment;
  text.replace(text.find("type = \"tpe\""), 12,
               "type = \"gp\"\nacquisition = \"ucb\"\nucb_beta = 2.5\nnoisy_objective = true");
  const Experiment e = parse_experiment(text, "exp.toml");
  EXPECT_EQ(e.sampler.type, "gp");
  const auto fails = [&](const std::string& from, const std::string& to) {
    std::string bad = text;
    bad.replace(bad.find(from), from.size(), to);
    return error_of([&] { parse_experiment(bad, "exp.toml"); });
  };
  EXPECT_TRUE(std::regex_search(
      fails("\"ucb\"", "\"ucbb\""),
      std::regex(
          R"(exp.toml:17: key 'sampler.acquisition': GpSampler: acquisition = "ucbb", must be one of: logei, ei, ucb, pi \(did you mean 'ucb'\?\))")))
      << fails("\"ucb\"", "\"ucbb\"");
  EXPECT_TRUE(std::regex_search(
      fails("ucb_beta = 2.5", "ucb_beta = -1"),
      std::regex(R"(exp.toml:18: key 'sampler.ucb_beta': GpSampler: ucb_beta = -1, must be >= 0)")))
      << fails("ucb_beta = 2.5", "ucb_beta = -1");
  EXPECT_TRUE(std::regex_search(
      fails("n_startup_trials = 5", "n_startup_trials = 0"),
      std::regex(
          R"(key 'sampler.n_startup_trials': GpSampler: n_startup_trials = 0, must be >= 1)")))
      << fails("n_startup_trials = 5", "n_startup_trials = 0");
  EXPECT_TRUE(std::regex_search(
      fails("n_startup_trials = 5", "n_ei_candidates = 5"),
      std::regex(R"(key 'sampler.n_ei_candidates': GpSampler: unknown option 'n_ei_candidates')")));
}

// BOHB's model and one TPE per bracket work over the experiment's Hyperband pruner, whose rungs
// they use; without one, or without a known max_resource, the file is refused where it says so.
TEST(Experiment, HyperbandAwareSamplers) {
  const auto experiment = [](const std::string& sampler, const std::string& pruner) {
    std::string text = kGoodExperiment;
    text.replace(text.find("type = \"tpe\""), 12, sampler);
    text.replace(text.find("[environment]"), 13, pruner + "\n[environment]");
    return text;
  };
  const std::string hyperband = "[pruner]\ntype = \"hyperband\"\nmax_resource = 27\n";
  const auto sampler_of = [](const Experiment& e) {
    return make_sampler(e.sampler, e.space, make_pruner(e.pruner));
  };

  const Experiment bohb =
      parse_experiment(experiment("type = \"bohb\"\nmin_points = 8", hyperband), "exp.toml");
  EXPECT_TRUE(std::dynamic_pointer_cast<BohbSampler>(sampler_of(bohb)));
  const Experiment per_bracket =
      parse_experiment(experiment("type = \"tpe\"\nper_bracket = true", hyperband), "exp.toml");
  EXPECT_TRUE(std::dynamic_pointer_cast<BracketSampler>(sampler_of(per_bracket)));
  const Experiment plain =
      parse_experiment(experiment("type = \"tpe\"\nper_bracket = false", hyperband), "exp.toml");
  EXPECT_TRUE(std::dynamic_pointer_cast<TpeSampler>(sampler_of(plain)));

  const auto fails = [&](const std::string& sampler, const std::string& pruner) {
    return error_of([&] { parse_experiment(experiment(sampler, pruner), "exp.toml"); });
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {fails("type = \"bohb\"", ""),
       R"(exp.toml:16: key 'sampler.type': sampler type "bohb" needs a Hyperband pruner: add \[pruner\] with type = "hyperband")"},
      {fails("type = \"bohb\"", "[pruner]\ntype = \"hyperband\"\n"),
       R"(exp.toml:16: key 'sampler.type': .*need the pruner's max_resource)"},
      {fails("type = \"bohb\"\nmin_point = 3", hyperband),
       R"(exp.toml:17: key 'sampler.min_point': BohbSampler: unknown option 'min_point' \(did you mean 'min_points'\?\))"},
      {fails("type = \"bohb\"\nmin_points = -1", hyperband),
       R"(exp.toml:17: key 'sampler.min_points': BohbSampler: min_points = -1, must be >= 0)"},
      {fails("type = \"tpe\"\nper_bracket = true", "[pruner]\ntype = \"median\"\n"),
       R"(exp.toml:17: key 'sampler.per_bracket': TpeSampler: per_bracket = true needs the study's pruner to be a Hyperband pruner)"},
      {fails("type = \"gp\"\nper_bracket = true", hyperband),
       R"(exp.toml:17: key 'sampler.per_bracket': GpSampler: unknown option 'per_bracket')"},
  };
  for (const auto& [msg, expected] : cases)
    EXPECT_TRUE(std::regex_search(msg, std::regex(expected))) << expected << "\n  -> " << msg;
}

TEST(Placeholders, ExpandWithoutAShellAndDropInactiveArguments) {
  const Space s = space_from_json(kNniSpace);
  std::map<std::string, std::string> values = {
      {"optimizer", "sgd"}, {"optimizer.sgd.lr", "0.05"}, {"layers", "3"}};
  const auto argv = expand_command({"prog", "--opt={optimizer}", "--lr={optimizer.sgd.lr}",
                                    "--beta1={optimizer.adam.beta1}", "{{literal}}", "{layers}x"},
                                   values, s.names());
  EXPECT_EQ(argv, (std::vector<std::string>{"prog", "--opt=sgd", "--lr=0.05", "{literal}", "3x"}));
  EXPECT_THROW(expand_command({"{nope}"}, values, s.names()), InvalidArgument);
}

TEST(Durations, Parse) {
  EXPECT_DOUBLE_EQ(parse_duration("90"), 90);
  EXPECT_DOUBLE_EQ(parse_duration("90s"), 90);
  EXPECT_DOUBLE_EQ(parse_duration("10m"), 600);
  EXPECT_DOUBLE_EQ(parse_duration("1.5h"), 5400);
  EXPECT_DOUBLE_EQ(parse_duration("1h30m"), 5400);
  EXPECT_DOUBLE_EQ(parse_duration("2d"), 172800);
  EXPECT_DOUBLE_EQ(parse_duration("1e3s"), 1000);
  for (const char* bad : {"", "x", "10x", "-5", "1h30", "m", "0x10s", " 5", "infs", "1e400s"})
    EXPECT_THROW(parse_duration(bad), InvalidArgument) << bad;
}

TEST(TrialValues, ParsePositionalAndNamed) {
  EXPECT_EQ(parse_trial_values("0.5", {}, 1), std::vector<double>{0.5});
  EXPECT_EQ(parse_trial_values("accuracy=0.5", {}, 1), std::vector<double>{0.5});
  EXPECT_EQ(parse_trial_values("1, 2", {}, 2), (std::vector<double>{1, 2}));
  EXPECT_EQ(parse_trial_values("acc=0.9 loss=0.1", {"loss", "acc"}, 2),
            (std::vector<double>{0.1, 0.9}));
  EXPECT_THROW(parse_trial_values("hello", {}, 1), InvalidArgument);
  EXPECT_THROW(parse_trial_values("1 2", {}, 1), InvalidArgument);
  EXPECT_THROW(parse_trial_values("1", {}, 2), InvalidArgument);
  EXPECT_THROW(parse_trial_values("acc=0.9", {"loss", "acc"}, 2), InvalidArgument);
  EXPECT_THROW(parse_trial_values("f1=0.9", {"loss"}, 1), InvalidArgument);
  // Too large for a double is infinite (as Python's float("1e999")); the study's rule for
  // non-finite values then fails the trial, naming the value.
  EXPECT_EQ(parse_trial_values("1e999", {}, 1), std::vector<double>{HUGE_VAL});
  EXPECT_EQ(parse_trial_values("5e-324", {}, 1), std::vector<double>{5e-324});
  EXPECT_EQ(parse_trial_values("loss=1e-310", {}, 1), std::vector<double>{1e-310});
}

}  // namespace
