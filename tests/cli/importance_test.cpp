// `parzen importance` end to end: studies written by the library into a SQLite file, the real
// binary reading them (table, JSON, evaluators, objectives, conditional parameters, errors).

#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "parzen/sampler.hpp"
#include "parzen/study.hpp"

namespace {

using namespace parzen_test;

// x matters, y a little, c (categorical) not at all; z only exists when c is "on".
void write_study(const std::string& url, const std::string& name, int n_trials,
                 std::vector<parzen::Direction> directions = {parzen::Direction::Minimize}) {
  parzen::StudyOptions o;
  o.name = name;
  o.storage = url;
  o.directions = directions;
  // Seeded random search: the same trials every run (the default sampler is unseeded).
  o.sampler = parzen::RandomSampler::make({.seed = 7});
  auto study = parzen::Study::create(o);
  for (int k = 0; k < n_trials; ++k) {
    auto t = study.ask();
    const double x = t.suggest_float("x", -5, 5);
    const double y = t.suggest_float("y", 1e-3, 1, {.log = true});
    const std::string c = t.suggest_categorical("c", {"on", "off"});
    if (c == "on") t.suggest_int("z", 0, 10);
    const double f = x * x + 0.01 * std::log(y);
    if (directions.size() == 1)
      study.tell(t, f);
    else
      study.tell(t, std::vector<double>{f, std::pow(std::log10(y) + 1.5, 2)});
  }
}

TEST(CliImportance, TableRanksTheParameterThatMattersFirstWithBars) {
  TempDir dir;
  write_study(dir.url(), "s", 120);
  const auto r = run_cli({"importance", "s", "--storage", dir.url()}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Evaluator:  ped-anova")) << r.out;
  EXPECT_TRUE(contains(r.out, "Trials:     120 of 120 complete")) << r.out;
  const auto header = r.out.find("rank  parameter  importance");
  ASSERT_NE(header, std::string::npos) << r.out;
  const auto first = r.out.find('\n', header) + 1;
  EXPECT_EQ(r.out.substr(first, 9), "1     x  ") << r.out;
  EXPECT_TRUE(contains(r.out, "████████████████████████████████████████\n")) << r.out;  // 40 cells
  // z is conditional: not in every trial, so it is named as left out.
  EXPECT_TRUE(contains(r.out, "Not evaluated (not in every complete trial with one range): z"))
      << r.out;
}

TEST(CliImportance, JsonSumsToOneForBothEvaluators) {
  TempDir dir;
  write_study(dir.url(), "s", 150);
  for (const std::string evaluator : {"ped-anova", "fanova"}) {
    const auto r = run_cli(
        {"importance", "s", "--storage", dir.url(), "--evaluator", evaluator, "--json"}, dir.path);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::ordered_json::parse(r.out);
    EXPECT_EQ(j["evaluator"], evaluator);
    EXPECT_EQ(j["metric"], "value");
    EXPECT_EQ(j["n_trials"], 150);
    double sum = 0;
    for (const auto& [k, v] : j["importances"].items()) sum += v.get<double>();
    EXPECT_NEAR(sum, 1.0, 1e-9) << r.out;
    EXPECT_EQ(j["importances"].begin().key(), "x") << r.out;
    EXPECT_GT(j["importances"]["x"].get<double>(), 0.8) << evaluator << r.out;
    EXPECT_EQ(j["left_out"], nlohmann::json::array({"z"}));
  }
}

TEST(CliImportance, ObjectiveSelectsTheValueOfAMultiObjectiveStudy) {
  TempDir dir;
  write_study(dir.url(), "mo", 150, {parzen::Direction::Minimize, parzen::Direction::Minimize});
  auto r =
      run_cli({"importance", "mo", "--storage", dir.url(), "--objective", "1", "--json"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::ordered_json::parse(r.out);
  EXPECT_EQ(j["objective"], 1);
  EXPECT_EQ(j["metric"], "values_1");
  EXPECT_EQ(j["importances"].begin().key(), "y") << r.out;
  r = run_cli({"importance", "mo", "--storage", dir.url(), "--objective", "values_0", "--json"},
              dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::ordered_json::parse(r.out)["importances"].begin().key(), "x") << r.out;
  r = run_cli({"importance", "mo", "--storage", dir.url(), "--objective", "2"}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err,
                       "--objective 2: the study has no such objective; use one of 0 "
                       "(values_0), 1 (values_1)"))
      << r.err;
}

TEST(CliImportance, ParamsMeasuresAConditionalParameterOnTheTrialsThatHaveIt) {
  TempDir dir;
  write_study(dir.url(), "s", 160);
  const auto all = trials_of(dir.url(), "s");
  size_t with_z = 0;
  for (const auto& t : all) with_z += t.params.count("z");
  const auto r =
      run_cli({"importance", "s", "--storage", dir.url(), "--params", "x,z", "--json"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::ordered_json::parse(r.out);
  EXPECT_EQ(j["n_trials"], with_z);
  EXPECT_EQ(j["importances"].size(), 2u);
  EXPECT_EQ(j["importances"].begin().key(), "x");
}

TEST(CliImportance, ErrorsSayWhatToDo) {
  TempDir dir;
  write_study(dir.url(), "one", 1);
  auto r = run_cli({"importance", "one", "--storage", dir.url()}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err,
                       "study 'one': importance needs at least 2 complete trials, the "
                       "study has 1"))
      << r.err;
  r = run_cli({"importance", "nope", "--storage", dir.url()}, dir.path);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "no study 'nope'")) << r.err;
  EXPECT_TRUE(contains(r.err, "its studies: one")) << r.err;
  write_study(dir.url(), "s", 20);
  r = run_cli({"importance", "s", "--storage", dir.url(), "--params", "w"}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "no complete trial has the parameter 'w'")) << r.err;
  EXPECT_TRUE(contains(r.err, "the complete trials' parameters: 'c', 'x', 'y', 'z'")) << r.err;
  r = run_cli({"importance", "s", "--storage", dir.url(), "--evaluator", "shap"}, dir.path);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "evaluator")) << r.err;
  r = run_cli({"importance", "s", "--storage", dir.url(), "--baseline-quantile", "1.5"}, dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "baseline_quantile = 1.5")) << r.err;
}

}  // namespace

// What the ranking cannot show by itself is said on stderr: a multi-objective study ranked by
// objective 0 because none was chosen, and an objective every trial has the same value of.
TEST(CliImportance, SaysWhichObjectiveAndWarnsOnAConstantObjective) {
  TempDir dir;
  write_study(dir.url(), "mo", 60, {parzen::Direction::Minimize, parzen::Direction::Minimize});
  auto r = run_cli({"importance", "mo", "--storage", dir.url()}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "study 'mo' has 2 objectives; this ranks objective 0 (values_0). "
                       "--objective 1 (values_1) ranks another"))
      << r.err;
  r = run_cli({"importance", "mo", "--storage", dir.url(), "--objective", "1"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(contains(r.err, "objectives; this ranks")) << r.err;
  EXPECT_FALSE(contains(r.err, "warning")) << r.err;

  parzen::StudyOptions o;
  o.name = "flat";
  o.storage = dir.url();
  o.sampler = parzen::RandomSampler::make({.seed = 7});
  auto study = parzen::Study::create(o);
  for (int k = 0; k < 20; ++k) {
    auto t = study.ask();
    t.suggest_categorical("c", {"a", "b"});
    t.suggest_int("d", 1, 3);
    study.tell(t, 3.0);
  }
  r = run_cli({"importance", "flat", "--storage", dir.url()}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "every complete trial of study 'flat' has the same value (3): no parameter "
                       "makes a difference"))
      << r.err;
}
