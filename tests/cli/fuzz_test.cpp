// Thousands of mutated experiment and search-space files: each either parses or fails with a
// ConfigError (a clear message), never with another exception or a crash. Run under the
// sanitizers in CI.

#include <gtest/gtest.h>

#include <random>

#include "cli/experiment.hpp"
#include "cli/space.hpp"

namespace {

using namespace parzen::cli;

const char* kExperimentSeed = R"(name = "fuzz"
direction = "maximize"
metrics = ["accuracy"]
n_trials = 10
max_duration = "1h30m"
concurrency = 2
trial_timeout = 90
max_retries = 1
command = ["prog", "--lr={lr}", "--opt", "{opt}", "{opt.adam.beta}", "{{x}}"]
[search_space]
lr = { _type = "qloguniform", _value = [1e-4, 1e-1, 1e-4] }
opt = { _type = "choice", _value = ["sgd", { _name = "adam", beta = { _type = "normal", _value = [0.9, 0.01] } }] }
[sampler]
type = "tpe"
seed = 3
multivariate = true
[environment]
A = "1"
)";

const char* kSpaceSeed = R"({
  "a": {"_type": "choice", "_value": [1, 2.5, "x", true, {"_name": "sub", "b": {"_type": "randint", "_value": [0, 10]}}]},
  "c": {"_type": "quniform", "_value": [0, 1, 0.25]},
  "d": {"_type": "qlognormal", "_value": [1, 0.5, 2]},
  "e": {"type": "int", "low": 1, "high": 100, "log": true},
  "f": {"preset": "adam.lr", "finetune": true},
  "g": {"type": "categorical", "choices": ["p", "q"]}
})";

const std::vector<std::string> kFragments = {"{",
                                             "}",
                                             "[",
                                             "]",
                                             "\"",
                                             ",",
                                             "=",
                                             ":",
                                             "#",
                                             "\n",
                                             " ",
                                             "0",
                                             "-1",
                                             "1e309",
                                             "nan",
                                             "inf",
                                             "true",
                                             "_type",
                                             "_value",
                                             "_name",
                                             "choice",
                                             "uniform",
                                             "loguniform",
                                             "randint",
                                             "normal",
                                             "preset",
                                             "type",
                                             "step",
                                             "{lr}",
                                             "{{",
                                             "}}",
                                             "[sampler]",
                                             "[search_space]",
                                             "\"\"",
                                             "9223372036854775807",
                                             "-9223372036854775808",
                                             "0.0",
                                             "1979-05-27"};

std::string mutate(std::string text, std::mt19937_64& rng) {
  const int n = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < n && !text.empty(); ++i) {
    const size_t pos = rng() % text.size();
    switch (rng() % 5) {
      case 0:  // replace one byte
        text[pos] = static_cast<char>(rng() % 256);
        break;
      case 1:  // delete a range
        text.erase(pos, 1 + rng() % 12);
        break;
      case 2:  // insert a token
        text.insert(pos, kFragments[rng() % kFragments.size()]);
        break;
      case 3: {  // duplicate a range
        const size_t len = 1 + rng() % 40;
        text.insert(pos, text.substr(pos, len));
        break;
      }
      default: {  // swap in a fragment for a token
        const size_t len = 1 + rng() % 6;
        text.replace(pos, len, kFragments[rng() % kFragments.size()]);
      }
    }
  }
  return text;
}

template <class F>
void fuzz(const char* seed, uint64_t rng_seed, int iterations, F&& parse) {
  std::mt19937_64 rng(rng_seed);
  int ok = 0, rejected = 0;
  for (int i = 0; i < iterations; ++i) {
    const std::string text = mutate(seed, rng);
    try {
      parse(text);
      ++ok;
    } catch (const ConfigError& e) {
      ++rejected;
      ASSERT_GT(std::string(e.what()).size(), 10u) << text;
    } catch (const std::exception& e) {
      FAIL() << "not a ConfigError: " << e.what() << "\ninput:\n" << text;
    }
  }
  // Both outcomes occur: the mutations are neither all fatal nor all harmless.
  EXPECT_GT(ok, iterations / 300);
  EXPECT_GT(rejected, iterations / 4);
}

TEST(Fuzz, ExperimentFiles) {
  parse_experiment(kExperimentSeed, "fuzz.toml");  // the seed itself is valid
  fuzz(kExperimentSeed, 1, 3000, [](const std::string& t) { parse_experiment(t, "fuzz.toml"); });
}

TEST(Fuzz, SearchSpaceFiles) {
  const auto parse = [](const std::string& t) {
    SourceMap map;
    map.file = "space.json";
    parse_space(parse_json_with_lines(t, map), map);
  };
  parse(kSpaceSeed);
  fuzz(kSpaceSeed, 2, 3000, parse);
}

}  // namespace
