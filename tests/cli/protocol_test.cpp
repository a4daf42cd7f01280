// The trial protocol's parzen:attr and parzen:constraint lines and JSON-object results, read by
// run_trial_process from a real process's stdout (issue 17, point 5).

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cli/trial_process.hpp"
#include "parzen/error.hpp"

namespace {

using parzen::cli::parse_json_result;
using parzen::cli::ProcessResult;
using parzen::cli::ProcessSpec;
using parzen::cli::run_trial_process;

ProcessResult run_sh(const std::string& script) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  return run_trial_process(spec);
}

bool warned(const ProcessResult& r, const std::string& needle) {
  for (const auto& w : r.protocol_errors)
    if (w.find(needle) != std::string::npos) return true;
  return false;
}

TEST(CliProtocol, AttrLinesKeepJsonValuesAndALaterKeyReplaces) {
  const auto r = run_sh(
      "echo 'parzen:attr accuracy 0.93'\n"
      "echo 'parzen:attr note \"two words\"'\n"
      "echo 'parzen:attr cfg {\"a\": [1, 2]}'\n"
      "echo 'parzen:attr accuracy 0.95'\n"
      "echo 0.5\n");
  ASSERT_EQ(r.end, ProcessResult::End::Exited);
  ASSERT_EQ(r.user_attrs.size(), 3u);
  EXPECT_EQ(r.user_attrs[0], (std::pair<std::string, std::string>{"accuracy", "0.95"}));
  EXPECT_EQ(r.user_attrs[1], (std::pair<std::string, std::string>{"note", "\"two words\""}));
  EXPECT_EQ(r.user_attrs[2], (std::pair<std::string, std::string>{"cfg", "{\"a\":[1,2]}"}));
  EXPECT_TRUE(r.protocol_errors.empty());
  EXPECT_EQ(r.last_line, "0.5");
}

TEST(CliProtocol, MalformedAttrAndConstraintLinesAreWarnedAboutNotKept) {
  const auto r = run_sh(
      "echo 'parzen:attr lonely'\n"
      "echo 'parzen:attr text not json'\n"
      "echo 'parzen:attr parzen.warnings 1'\n"
      "echo 'parzen:constraint size_mb'\n"
      "echo 'parzen:constraint size_mb big'\n"
      "echo 'parzen:constraint size_mb nan'\n"
      "echo 0.5\n");
  EXPECT_TRUE(r.user_attrs.empty());
  EXPECT_TRUE(r.constraints.empty());
  EXPECT_TRUE(warned(r, "expected 'parzen:attr KEY JSON'"));
  EXPECT_TRUE(warned(r, "the value is not JSON"));
  EXPECT_TRUE(warned(r, "are Parzen's own"));
  EXPECT_TRUE(warned(r, "expected 'parzen:constraint NAME VALUE'"));
  // Five kept, the sixth counted.
  EXPECT_EQ(r.protocol_errors.size() + r.protocol_errors_not_kept, 6u);
}

TEST(CliProtocol, ConstraintLinesInOrderFirstSeenALaterNameReplaces) {
  const auto r = run_sh(
      "echo 'parzen:constraint size_mb 12.5'\n"
      "echo 'parzen:constraint latency -3'\n"
      "echo 'parzen:constraint size_mb -1'\n"
      "echo 'parzen:constraint big inf'\n"
      "echo 'parzen:constrainted x 1'\n"
      "echo 0.5\n");
  ASSERT_EQ(r.constraints.size(), 3u);
  EXPECT_EQ(r.constraints[0], (std::pair<std::string, double>{"size_mb", -1.0}));
  EXPECT_EQ(r.constraints[1], (std::pair<std::string, double>{"latency", -3.0}));
  EXPECT_TRUE(std::isinf(r.constraints[2].second));
  EXPECT_TRUE(warned(r, "ignored unknown protocol line 'parzen:constrainted x 1'"));
}

TEST(CliProtocol, JsonResultGivesValuesByMetricConstraintsAndAttributes) {
  const auto one =
      parse_json_result(R"({"default": 0.9, "f1": 0.3, "size_mb": 2})", {}, {"size_mb"}, 1);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->values, std::vector<double>{0.9});
  ASSERT_EQ(one->constraints.size(), 1u);
  EXPECT_EQ(one->constraints[0].second, 2.0);
  ASSERT_EQ(one->user_attrs.size(), 1u);
  EXPECT_EQ(one->user_attrs[0].first, "f1");

  const auto two =
      parse_json_result(R"({"acc": 0.7, "loss": 0.2, "note": "x"})", {"loss", "acc"}, {}, 2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->values, (std::vector<double>{0.2, 0.7}));
  EXPECT_EQ(two->user_attrs.size(), 1u);

  EXPECT_FALSE(parse_json_result("0.5", {}, {}, 1));
  EXPECT_THROW(parse_json_result(R"({"f1": 0.3})", {}, {}, 1), parzen::InvalidArgument);
  EXPECT_THROW(parse_json_result(R"({"default": "high"})", {}, {}, 1), parzen::InvalidArgument);
  EXPECT_THROW(parse_json_result(R"({"default": 1)", {}, {}, 1), parzen::InvalidArgument);
  // "default" names the one objective only: two objectives need their names.
  EXPECT_THROW(parse_json_result(R"({"default": 1})", {}, {}, 2), parzen::InvalidArgument);
  try {
    parse_json_result(R"({"loss": 0.2})", {"loss", "acc"}, {}, 2);
    FAIL() << "a missing metric was accepted";
  } catch (const parzen::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("lacks \"acc\""), std::string::npos) << e.what();
  }
}

}  // namespace
