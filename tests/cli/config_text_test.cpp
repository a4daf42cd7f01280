// Experiment and search-space files whose numbers JSON cannot carry (nan, inf, 1e400) or whose
// names hold NUL and other control characters: each is refused with FILE:LINE: key 'KEY'.

#include <gtest/gtest.h>

#include <string>

#include "cli/config_error.hpp"
#include "cli/experiment.hpp"
#include "cli/space.hpp"
#include "config_error_helpers.hpp"

namespace {

using namespace parzen::cli;

using parzen_test::error_of;

std::string experiment(const std::string& space, const std::string& rest = "") {
  return R"(name = "exp"
command = ["prog"]
[search_space]
)" + space +
         "\n" + rest;
}

std::string space_error(const std::string& json) {
  return error_of([&] {
    SourceMap map;
    map.file = "n6.json";
    parse_space(parse_json_with_lines(json, map), map);
  });
}

// nan would reach the pruner as null (the option unset) and inf as "unset" in messages.
TEST(ConfigText, NonFiniteTomlNumbersAreRefused) {
  const std::string x = R"(x = { _type = "uniform", _value = [0, 1] })";
  struct Case {
    std::string text, expected;
  };
  const std::vector<Case> cases = {
      {experiment(x, "[pruner]\ntype = \"threshold\"\nupper = 1\nlower = nan\n"),
       "exp.toml:8: key 'pruner.lower': must be a finite number, not nan"},
      {experiment(x, "[pruner]\ntype = \"threshold\"\nupper = inf\n"),
       "exp.toml:7: key 'pruner.upper': must be a finite number, not inf"},
      {experiment(x, "[sampler]\ntype = \"tpe\"\nprior_weight = -nan\n"),
       "exp.toml:7: key 'sampler.prior_weight': must be a finite number, not nan"},
      {experiment(R"(x = { _type = "uniform", _value = [0, inf] })"),
       "exp.toml:4: key 'search_space.x._value.1': must be a finite number, not inf"},
      {experiment(R"(x = { type = "float", low = -inf, high = 1 })"),
       "exp.toml:4: key 'search_space.x.low': must be a finite number, not -inf"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(error_of([&] { parse_experiment(c.text, "exp.toml"); }), c.expected) << c.text;
}

TEST(ConfigText, AJsonNumberBeyondADoubleNamesItsLineAndKey) {
  const std::string msg = space_error(R"({
  "n": {"_type": "randint",
        "_value": [0, 1e400]}
})");
  EXPECT_EQ(msg,
            "n6.json:3: key 'n._value.1': number overflow parsing '1e400'; write a finite "
            "number");
}

TEST(ConfigText, TheNullChoiceMessageUsesTheParametersName) {
  const std::string msg = space_error(R"({"n_layers": {"_type": "choice", "_value": [1, null]}})");
  EXPECT_NE(msg.find("e.g. n_layers = None if v == \"None\""), std::string::npos) << msg;
  EXPECT_EQ(msg.find("max_depth"), std::string::npos) << msg;
}

// A NUL in a name would be kept in params but replaced in the stored distributions, and would
// head a CSV column raw; an environment entry is a C string that a NUL would silently end.
TEST(ConfigText, ControlCharactersInNamesAndNulInTheEnvironmentAreRefused) {
  EXPECT_EQ(space_error("{\"a\\u0000b\": {\"_type\": \"uniform\", \"_value\": [0, 1]}}"),
            "n6.json:1: key 'a\\u0000b': a parameter name must not hold control characters "
            "(shown escaped); use printable characters only");
  EXPECT_NE(space_error("{\"a\\tb\": {\"_type\": \"uniform\", \"_value\": [0, 1]}}")
                .find("key 'a\\tb': a parameter name must not hold control characters"),
            std::string::npos);
  const std::string x = R"(x = { _type = "uniform", _value = [0, 1] })";
  EXPECT_EQ(error_of([&] {
              parse_experiment(experiment(x, "[environment]\n\"A\\u0000B\" = \"1\"\n"), "exp.toml");
            }),
            "exp.toml:6: key 'environment.A\\u0000B': an environment variable name must not "
            "hold a NUL byte (shown escaped)");
  EXPECT_EQ(
      error_of([&] {
        parse_experiment(experiment(x, "[environment]\nAB = \"1\\u00002\"\n"), "exp.toml");
      }),
      "exp.toml:6: key 'environment.AB': the value \"1\\u00002\" holds a NUL byte; remove it");
  // Printable names, and control characters in values, stay allowed.
  EXPECT_EQ(error_of([&] {
              parse_experiment(experiment("\"lr é\" = { _type = \"uniform\", _value = [0, 1] }",
                                          "[environment]\nAB = \"1\\t2\"\n"),
                               "exp.toml");
            }),
            "no error");
}

// The grace_period error suggests a value written as TOML takes it, and that value parses.
TEST(ConfigText, GracePeriodErrorSuggestsAValidValue) {
  const auto text = [](const std::string& grace) {
    return "name = \"exp\"\ncommand = [\"prog\"]\nheartbeat_interval = 1\ngrace_period = " + grace +
           "\n[search_space]\nx = { _type = \"uniform\", _value = [0, 1] }\n";
  };
  const std::string msg = error_of([&] { parse_experiment(text("0.5"), "exp.toml"); });
  const std::string prefix = "e.g. grace_period = ";
  const auto at = msg.find(prefix);
  ASSERT_NE(at, std::string::npos) << msg;
  const std::string suggested =
      msg.substr(at + prefix.size(), msg.find(' ', at + prefix.size()) - (at + prefix.size()));
  EXPECT_EQ(suggested, "6") << msg;
  // A number of seconds: "6 s" is not TOML.
  EXPECT_NE(msg.find("e.g. grace_period = 6 (seconds)"), std::string::npos) << msg;
  EXPECT_EQ(error_of([&] { parse_experiment(text(suggested), "exp.toml"); }), "no error");
}

}  // namespace
