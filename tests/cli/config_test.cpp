// End-to-end, through the real `parzen` binary: what the command line and experiment files refuse
// before anything is stored (a sampler that cannot serve the study's objectives, flag values out
// of range, flags that would change an existing study), and that `parzen ask` leaves no trial
// running when handing it out fails.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/run.hpp"
#include "cli_helpers.hpp"
#include "parzen/registry.hpp"
#include "parzen/study.hpp"
#include "parzen/system_attrs.hpp"

namespace {

using namespace parzen_test;
using parzen::FrozenTrial;
using parzen::TrialState;
using parzen::cli::kExitOk;
using parzen::cli::kExitUsage;

bool has_study(const std::string& url, const std::string& study) {
  return parzen::make_storage(url)->find_study(study).has_value();
}

std::string stored_sampler(const std::string& url, const std::string& study) {
  auto storage = parzen::make_storage(url);
  const auto info = storage->study(*storage->find_study(study));
  return info.system_attrs.at(parzen::keys::experiment).at("sampler").at("type");
}

// A two-objective experiment whose trial prints both values; `sampler` is its [sampler] table.
std::string two_objectives(const TempDir& dir, const std::string& sampler) {
  return dir.file("exp.toml", fmt::format(R"(name = "mo"
directions = ["minimize", "maximize"]
n_trials = 2
command = ["/bin/sh", "-c", "echo parzen:result $1 $1", "sh", "{{x}}"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
{})",
                                          sampler));
}

const char* kSpace = R"({"x": {"_type": "uniform", "_value": [0, 1]}})";

TEST(CliConfig, OneObjectiveSamplerWithSeveralDirectionsIsRefusedBeforeAnythingIsStored) {
  TempDir dir;
  const std::string url = dir.url();
  // Every one-objective sampler that needs nothing else from the study (TPE handles several
  // objectives since MOTPE).
  std::vector<std::string> one_objective;
  for (const auto& entry : parzen::sampler_registry())
    if (!entry.capabilities.multi_objective && !entry.capabilities.needs_grid &&
        !entry.capabilities.needs_hyperband_pruner)
      one_objective.push_back(entry.name);
  for (const std::string& type : one_objective) {
    SCOPED_TRACE(type);
    const auto file = two_objectives(dir, fmt::format("[sampler]\ntype = \"{}\"\n", type));
    auto r = run_cli({"run", file, "--storage", url}, dir.path);
    EXPECT_EQ(r.status, kExitUsage) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, fmt::format("exp.toml:8: key 'sampler.type': sampler '{}' models "
                                            "one objective; this experiment has 2 directions: use "
                                            "type = ",
                                            type)))
        << r.err;
    // The capable samplers come from the registry.
    for (const auto& entry : parzen::sampler_registry())
      EXPECT_EQ(contains(r.err, fmt::format("\"{}\"", entry.name)),
                entry.capabilities.multi_objective)
          << entry.name << ": " << r.err;
    EXPECT_FALSE(has_study(url, "mo"));

    const auto space = dir.file("space.json", kSpace);
    r = run_cli({"ask", "--storage", url, "--study", "m", "--space", space, "--direction",
                 "minimize", "--direction", "maximize", "--sampler", type},
                dir.path);
    EXPECT_EQ(r.status, kExitUsage) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "models one objective; study 'm' has 2 directions: use --sampler "))
        << r.err;
    EXPECT_TRUE(contains(r.err, "random")) << r.err;
    EXPECT_FALSE(has_study(url, "m"));
  }
}

TEST(CliConfig, TpeRunsAnExperimentWithSeveralDirections) {
  TempDir dir;
  const std::string url = dir.url();
  const auto file = two_objectives(dir, "[sampler]\ntype = \"tpe\"\n");
  auto r = run_cli({"run", file, "--storage", url}, dir.path);
  ASSERT_EQ(r.status, kExitOk) << r.out << r.err;
  const auto trials = trials_of(url, "mo");
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& t : trials) EXPECT_EQ(t.state, TrialState::Complete) << t.fail_reason;
  EXPECT_EQ(stored_sampler(url, "mo"), "tpe");
}

TEST(CliConfig, SeveralDirectionsWithoutASamplerUseAutoWhichPicksTheGp) {
  TempDir dir;
  const std::string url = dir.url();
  auto r = run_cli({"run", two_objectives(dir, ""), "--storage", url}, dir.path);
  ASSERT_EQ(r.status, kExitOk) << r.out << r.err;
  const auto trials = trials_of(url, "mo");
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& t : trials) EXPECT_EQ(t.state, TrialState::Complete) << t.fail_reason;
  EXPECT_EQ(stored_sampler(url, "mo"), "auto");
  // Trial 0 is random (nothing complete yet); from then on, within the GP phase (the budget of
  // 2), the GP's log EHVI (multi-objective TPE after the phase: tests/samplers/auto_test.cpp).
  EXPECT_EQ(trials[0].system_attrs.at(parzen::keys::auto_sampler), "random");
  EXPECT_EQ(trials[1].system_attrs.at(parzen::keys::auto_sampler), "gp");

  const auto space = dir.file("space.json", kSpace);
  r = run_cli({"ask", "--storage", url, "--study", "m", "--space", space, "--direction", "minimize",
               "--direction", "maximize"},
              dir.path);
  ASSERT_EQ(r.status, kExitOk) << r.err;
  EXPECT_EQ(stored_sampler(url, "m"), "auto");
  r = run_cli({"ask", "--storage", url, "--study", "one", "--space", space}, dir.path);
  ASSERT_EQ(r.status, kExitOk) << r.err;
  EXPECT_EQ(stored_sampler(url, "one"), "auto");
}

// Writing the trial's parameters fails (a trigger standing for a full disk): the trial that ask
// started is failed with the reason, not left running with nobody to tell it.
TEST(CliConfig, AskFailsItsTrialWhenHandingItOutFails) {
  TempDir dir;
  const std::string url = dir.url();
  parzen::make_storage(url);  // creates the schema
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path / "parzen.db").c_str(), &db), SQLITE_OK);
  const std::string sql = fmt::format(
      "CREATE TRIGGER refuse BEFORE INSERT ON trial_system_attrs WHEN NEW.key = '{}' BEGIN "
      "SELECT RAISE(ABORT, 'disk full (test trigger)'); END",
      parzen::keys::cli_params);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  const auto space = dir.file("space.json", kSpace);
  const auto r = run_cli(
      {"ask", "--storage", url, "--study", "s", "--space", space, "--sampler", "random"}, dir.path);
  EXPECT_NE(r.status, kExitOk) << r.out;
  EXPECT_TRUE(contains(r.err, "disk full (test trigger)")) << r.err;
  const auto trials = trials_of(url, "s");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_TRUE(contains(trials[0].fail_reason, "disk full (test trigger)")) << trials[0].fail_reason;
}

TEST(CliConfig, FlagValuesAreCheckedBeforeTheStudyIsStored) {
  TempDir dir;
  const std::string url = dir.url();
  const auto file = two_objectives(dir, "");
  auto r = run_cli({"run", file, "--storage", url, "--max-duration", "0"}, dir.path);
  EXPECT_EQ(r.status, kExitUsage) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "--max-duration must be > 0, got '0'")) << r.err;
  EXPECT_FALSE(has_study(url, "mo"));
  r = run_cli({"run", file, "--storage", url, "--n-trials", "0"}, dir.path);
  EXPECT_EQ(r.status, kExitUsage) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "--n-trials must be >= 1, got 0")) << r.err;
  EXPECT_FALSE(has_study(url, "mo"));
  r = run_cli({"worker", "--storage", url, "--study", "mo", "--n-trials", "0"}, dir.path);
  EXPECT_EQ(r.status, kExitUsage) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "--n-trials must be >= 1, got 0")) << r.err;
}

// A max_duration already over when the first trial would start (here 1e-300 s) ends the run as
// documented for max_duration (exit 0), saying so, not as an exhausted grid.
TEST(CliConfig, AMaxDurationOverBeforeTheFirstTrialSaysSo) {
  TempDir dir;
  const std::string url = dir.url();
  const auto r = run_cli(
      {"run", two_objectives(dir, ""), "--storage", url, "--max-duration", "1e-300"}, dir.path);
  EXPECT_EQ(r.status, kExitOk) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "time limit (max_duration")) << r.out;
  EXPECT_FALSE(contains(r.out, "grid")) << r.out;
  EXPECT_TRUE(trials_of(url, "mo").empty());
}

// An existing study keeps the space and sampler its trials were drawn from: a flag that would
// change them is refused (exit 2) and nothing is asked; the same flags again (a shell loop) work.
TEST(CliConfig, AskRefusesFlagsThatWouldChangeAnExistingStudy) {
  TempDir dir;
  const std::string url = dir.url();
  const auto grid = dir.file("grid.json", R"({"q": {"_type": "choice", "_value": [1, 2]}})");
  const auto other = dir.file("other.json", R"({"q": {"_type": "choice", "_value": [1, 2, 3]}})");
  auto r = run_cli({"ask", "--storage", url, "--study", "g", "--space", grid, "--sampler", "grid"},
                   dir.path);
  ASSERT_EQ(r.status, kExitOk) << r.err;
  r = run_cli({"ask", "--storage", url, "--study", "g", "--space", grid, "--sampler", "grid"},
              dir.path);
  ASSERT_EQ(r.status, kExitOk) << r.err;
  // The grid is done; another sampler must not carry the study on.
  r = run_cli({"ask", "--storage", url, "--study", "g", "--sampler", "tpe"}, dir.path);
  EXPECT_EQ(r.status, kExitUsage) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "study 'g' exists with sampler 'grid'")) << r.err;
  EXPECT_TRUE(contains(r.err, "give another --study")) << r.err;
  r = run_cli({"ask", "--storage", url, "--study", "g", "--sampler-option", "shuffle=true"},
              dir.path);
  EXPECT_EQ(r.status, kExitUsage) << r.out << r.err;
  r = run_cli({"ask", "--storage", url, "--study", "g", "--space", other}, dir.path);
  EXPECT_EQ(r.status, kExitUsage) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "exists with another search space")) << r.err;
  const auto exp = dir.file("exp.toml", R"(
[search_space]
q = { _type = "choice", _value = [1, 2] }
[sampler]
type = "random"
)");
  r = run_cli({"ask", "--storage", url, "--study", "g", "--experiment", exp}, dir.path);
  EXPECT_EQ(r.status, kExitUsage) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "--experiment")) << r.err;
  EXPECT_EQ(trials_of(url, "g").size(), 2u);
  EXPECT_EQ(stored_sampler(url, "g"), "grid");
  r = run_cli({"ask", "--storage", url, "--study", "g", "--space", grid, "--sampler", "grid"},
              dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitNothingToDo) << r.out << r.err;
}

}  // namespace
