// End-to-end, through the real `parzen` binary and real trial processes, on SQLite and on
// PostgreSQL: bytes that are not UTF-8, results the storage refuses, numbers as Python prints
// them, protocol lines the run ignores, and the exit codes shell loops read.

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/run.hpp"
#include "cli_helpers.hpp"
#include "parzen/study.hpp"
#include "storage/postgres_fixture.hpp"

namespace {

using namespace parzen_test;
using parzen::FrozenTrial;
using parzen::TrialState;

// SQLite in the test's directory, and PostgreSQL when ./scripts/test.sh provides the server.
std::vector<std::string> storages(const TempDir& dir) {
  std::vector<std::string> out = {dir.url()};
  if (postgres_server_url()) out.push_back(fresh_postgres_url());
  return out;
}

// Runs SQL on the database behind `url` with the plain client library, outside parzen.
void raw_sql(const std::string& url, const std::string& sql) {
  if (url.rfind("sqlite:///", 0) == 0) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(url.substr(10).c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
    return;
  }
  PGconn* conn = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* r = PQexec(conn, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  EXPECT_TRUE(ok) << PQerrorMessage(conn);
  PQfinish(conn);
}

// An experiment whose trial runs `script` with /bin/sh; {x} is a parameter in [0, 1].
std::string shell_experiment(
    const TempDir& dir, const std::string& script,
    const std::string& extra = "n_trials = 1\ncount_failed_trials = true") {
  return dir.file("exp.toml", fmt::format(R"(name = "bad"
{}
command = ["/bin/sh", "-c", '{}', "sh", "{{x}}"]
[search_space]
x = {{ _type = "uniform", _value = [0, 1] }}
)",
                                          extra, script));
}

TEST(CliBadInput, Latin1OnStderrOfAFailedTrialIsStoredAndExported) {
  TempDir dir;
  // "café" in Latin-1, then bytes UTF-8 never uses, then exit 1: the fail reason holds them.
  const auto file = shell_experiment(dir, R"(printf "caf\351 \377\376\n" >&2; exit 1)",
                                     "n_trials = 2\ncount_failed_trials = true");
  for (const auto& url : storages(dir)) {
    SCOPED_TRACE(url);
    auto r = run_cli({"run", file, "--storage", url}, dir.path);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    const auto trials = trials_of(url, "bad");
    ASSERT_EQ(trials.size(), 2u);
    for (const auto& t : trials) {
      EXPECT_EQ(t.state, TrialState::Failed);
      EXPECT_TRUE(
          contains(t.fail_reason, "exited with status 1: caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD"))
          << t.fail_reason;
    }
    r = run_cli({"trials", "bad", "--storage", url, "--format", "json"}, dir.path);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto json = nlohmann::json::parse(r.out);
    EXPECT_TRUE(contains(json["trials"][0]["fail_reason"].get<std::string>(), "caf\xEF\xBF\xBD"));
    r = run_cli({"trials", "bad", "--storage", url, "--format", "csv"}, dir.path);
    EXPECT_EQ(r.status, 0) << r.err;
    r = run_cli({"show", "bad", "--storage", url}, dir.path);
    EXPECT_EQ(r.status, 0) << r.err;
  }
}

// A study name given on the command line in Latin-1 is stored with U+FFFD and found again by
// the same bytes.
TEST(CliBadInput, AStudyNameThatIsNotUtf8) {
  TempDir dir;
  const auto space = dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [0, 1]}})");
  for (const auto& url : storages(dir)) {
    SCOPED_TRACE(url);
    auto r = run_cli({"ask", "--storage", url, "--study", "caf\xE9", "--space", space}, dir.path);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "caf\xEF\xBF\xBD")) << r.out;
    r = run_cli({"tell", "--storage", url, "--study", "caf\xE9", "--trial", "0", "--value", "1"},
                dir.path);
    EXPECT_EQ(r.status, 0) << r.err;
    r = run_cli({"studies", "--storage", url}, dir.path);
    EXPECT_TRUE(contains(r.out, "caf\xEF\xBF\xBD")) << r.out;
    r = run_cli({"trials", "caf\xE9", "--storage", url, "--format", "json"}, dir.path);
    EXPECT_EQ(r.status, 0) << r.err;
  }
}

// A trial's result that the storage refuses (here a trigger standing for a full disk) fails the
// trial by a second write (the library's fallback in StudyCore::finish), and the run says which
// trial and why, with a non-zero status.
TEST(CliBadInput, AResultTheStorageRefusesFailsTheTrialAndTheRun) {
  TempDir dir;
  const auto file = shell_experiment(dir, "echo 0.5", "n_trials = 3");
  for (const auto& url : storages(dir)) {
    SCOPED_TRACE(url);
    parzen::make_storage(url);  // creates the schema
    if (url.rfind("sqlite", 0) == 0) {
      raw_sql(url,
              "CREATE TRIGGER refuse BEFORE UPDATE OF state ON trials WHEN NEW.state = "
              "'complete' BEGIN SELECT RAISE(ABORT, 'disk full (test trigger)'); END");
    } else {
      raw_sql(url,
              "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF NEW.state = 'complete' "
              "THEN RAISE EXCEPTION 'disk full (test trigger)'; END IF; RETURN NEW; END $$ "
              "LANGUAGE plpgsql; CREATE TRIGGER refuse BEFORE UPDATE ON trials FOR EACH ROW "
              "EXECUTE FUNCTION refuse()");
    }
    const auto r = run_cli({"run", file, "--storage", url}, dir.path);
    EXPECT_EQ(r.status, parzen::cli::kExitFailure) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "could not store the result of trial 0")) << r.err;
    EXPECT_TRUE(contains(r.err, "disk full (test trigger)")) << r.err;
    EXPECT_TRUE(contains(r.err, "recorded as failed")) << r.err;
    const auto trials = trials_of(url, "bad");
    ASSERT_EQ(trials.size(), 1u);
    EXPECT_EQ(trials[0].state, TrialState::Failed);
    EXPECT_TRUE(contains(trials[0].fail_reason, "could not store the result"))
        << trials[0].fail_reason;
    EXPECT_TRUE(contains(trials[0].fail_reason, "disk full (test trigger)"))
        << trials[0].fail_reason;
  }
}

// A study deleted while its trial runs leaves nothing running: the run says so and promises no
// later failing of the trial.
TEST(CliBadInput, AStudyDeletedWhileItsTrialRunsIsSaidSo) {
  TempDir dir;
  for (const auto& url : storages(dir)) {
    SCOPED_TRACE(url);
    const auto file = shell_experiment(
        dir, fmt::format("{} delete bad --storage {} --yes >/dev/null; echo 0.5", PARZEN_CLI, url));
    const auto r = run_cli({"run", file, "--storage", url}, dir.path);
    EXPECT_EQ(r.status, parzen::cli::kExitFailure) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "could not store the result of trial 0")) << r.err;
    EXPECT_TRUE(contains(r.err, "was deleted")) << r.err;
    EXPECT_FALSE(contains(r.err, "stays running")) << r.err;
    EXPECT_FALSE(contains(r.err, "no trial with id")) << r.err;
    EXPECT_TRUE(trials_of(url, "bad").empty());
  }
}

// What Python prints for a float is read as that float; the study's one rule for values that
// are not finite (the trial fails, saying the value) covers 1e400, inf and nan alike.
TEST(CliBadInput, NumbersAsPythonPrintsThemFromTrialsAndTell) {
  TempDir dir;
  const auto file = dir.file("exp.toml", R"(name = "numbers"
command = ["/bin/sh", "-c", 'echo "$1"', "sh", "{v}"]
[search_space]
v = { _type = "choice", _value = ["1e-310", "5e-324", "1e+20", "1e400", "nan", "-inf"] }
[sampler]
type = "grid"
)");
  for (const auto& url : storages(dir)) {
    SCOPED_TRACE(url);
    auto r = run_cli({"run", file, "--storage", url}, dir.path);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    std::map<std::string, FrozenTrial> by_v;
    for (const auto& t : trials_of(url, "numbers"))
      by_v[std::get<std::string>(t.params.at("v"))] = t;
    ASSERT_EQ(by_v.size(), 6u);
    EXPECT_EQ(by_v["1e-310"].values, std::vector<double>{1e-310}) << by_v["1e-310"].fail_reason;
    EXPECT_EQ(by_v["5e-324"].values, std::vector<double>{5e-324}) << by_v["5e-324"].fail_reason;
    EXPECT_EQ(by_v["1e+20"].values, std::vector<double>{1e20});
    EXPECT_EQ(by_v["1e400"].state, TrialState::Failed);
    EXPECT_TRUE(contains(by_v["1e400"].fail_reason, "the objective returned inf"))
        << by_v["1e400"].fail_reason;
    EXPECT_TRUE(contains(by_v["nan"].fail_reason, "the objective returned nan"))
        << by_v["nan"].fail_reason;
    EXPECT_TRUE(contains(by_v["-inf"].fail_reason, "the objective returned -inf"))
        << by_v["-inf"].fail_reason;

    const auto space = dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [0, 1]}})");
    for (int i = 0; i < 3; ++i)
      ASSERT_EQ(
          run_cli({"ask", "--storage", url, "--study", "told", "--space", space}, dir.path).status,
          0);
    r = run_cli({"tell", "--storage", url, "--study", "told", "--trial", "0", "--value", "5e-324"},
                dir.path);
    EXPECT_EQ(r.status, 0) << r.err;
    r = run_cli({"tell", "--storage", url, "--study", "told", "--trial", "1", "--value", "1e400"},
                dir.path);
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "the objective returned inf")) << r.out;
    r = run_cli({"tell", "--storage", url, "--study", "told", "--trial", "2", "--value", "0,5"},
                dir.path);
    EXPECT_EQ(r.status, parzen::cli::kExitUsage) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "--value '0,5' is not a number")) << r.err;
    const auto told = trials_of(url, "told");
    EXPECT_EQ(told[0].values, std::vector<double>{5e-324});
    EXPECT_EQ(told[1].state, TrialState::Failed);
    EXPECT_EQ(told[2].state, TrialState::Running);
  }
}

// Protocol lines the run rejects or ignores are neither fatal nor silent: each is warned about in
// the run's output and listed with the trial, which still completes.
TEST(CliBadInput, RejectedProtocolLinesWarnAndStayWithTheTrial) {
  TempDir dir;
  const auto file = shell_experiment(dir,
                                     "echo parzen:report 0 nan; echo parzen:report 1.5 0.3; "
                                     "echo parzen:report 2 0.4; echo parzen:reprot 3 0.2; "
                                     "echo parzen:report 2 0.9; echo 0.25");
  const std::string url = dir.url();
  const auto r = run_cli({"run", file, "--storage", url, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const std::string output = r.out + r.err;
  EXPECT_TRUE(contains(output,
                       "Trial 0: report rejected: trial 0: the value reported at step 0 "
                       "is nan"))
      << output;
  EXPECT_TRUE(contains(output, "Trial 0: ignored malformed line 'parzen:report 1.5 0.3'"))
      << output;
  EXPECT_TRUE(contains(output, "Trial 0: ignored unknown protocol line 'parzen:reprot 3 0.2'"))
      << output;
  EXPECT_TRUE(contains(output,
                       "Trial 0: ignored 'parzen:report 2 0.9': step 2 was already "
                       "reported"))
      << output;
  const auto trials = trials_of(url, "bad");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::Complete);
  EXPECT_EQ(trials[0].values, std::vector<double>{0.25});
  EXPECT_EQ(trials[0].intermediate_values, (std::map<int64_t, double>{{2, 0.4}}));
  const auto& warnings = trials[0].user_attrs.at(parzen::cli::kWarningsAttr);
  ASSERT_EQ(warnings.size(), 4u) << warnings;
  EXPECT_TRUE(contains(warnings.dump(), "ignored unknown protocol line")) << warnings;
}

// A NUL byte a trial prints ends no message: the whole reason, warnings included, is stored with
// U+FFFD in the NUL's place, and the warning printed by the run keeps its end.
TEST(CliBadInput, NulBytesInATrialsOutputCutNoMessage) {
  const std::string fffd = "\xEF\xBF\xBD";
  struct Case {
    std::string script, expected;
  };
  const std::vector<Case> cases = {
      {R"(printf "parzen:bogus\000x\n0.25\000\n")",
       "no metric in the output: the last line 0.25" + fffd + " ('0.25" + fffd +
           "' is not a number (in '0.25" + fffd +
           "')); ignored unknown protocol line 'parzen:bogus" + fffd + "x'"},
      {R"(printf "err\000or\n" >&2; exit 1)", "exited with status 1: err" + fffd + "or"},
      {R"(printf "parzen:result 0.5\000x\n")",
       "no metric in the output: the parzen:result line 0.5" + fffd + "x ('0.5" + fffd + "x'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.script);
    TempDir dir;
    const auto file = shell_experiment(dir, c.script);
    for (const auto& url : storages(dir)) {
      SCOPED_TRACE(url);
      const auto r = run_cli({"run", file, "--storage", url, "--progress", "lines"}, dir.path);
      ASSERT_EQ(r.status, 0) << r.out << r.err;
      const auto trials = trials_of(url, "bad");
      ASSERT_EQ(trials.size(), 1u);
      EXPECT_EQ(trials[0].state, TrialState::Failed);
      EXPECT_TRUE(contains(trials[0].fail_reason, c.expected)) << trials[0].fail_reason;
      if (contains(c.script, "bogus")) {
        EXPECT_TRUE(contains(r.out + r.err, "Trial 0: ignored unknown protocol line 'parzen:bogus" +
                                                fffd +
                                                "x' (the protocol has parzen:report, "
                                                "parzen:result, parzen:attr and "
                                                "parzen:constraint)\n"))
            << r.out << r.err;
      }
    }
  }
}

// Shell loops around ask/tell and run tell "nothing left to do" (3) from a failure (1) or a
// usage error (2).
TEST(CliExitCodes, NothingLeftToDoIsThreeForAskAndRun) {
  TempDir dir;
  const std::string url = dir.url();
  const auto space = dir.file("space.json", R"({"k": {"_type": "choice", "_value": [1, 2]}})");
  for (int i = 0; i < 2; ++i) {
    const auto r = run_cli(
        {"ask", "--storage", url, "--study", "g", "--space", space, "--sampler", "grid"}, dir.path);
    ASSERT_EQ(r.status, parzen::cli::kExitOk) << r.err;
  }
  auto r = run_cli({"ask", "--storage", url, "--study", "g"}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitNothingToDo) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "nothing to ask")) << r.err;
  r = run_cli({"ask", "--storage", url, "--study", "g", "--sampler", "nope"}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitUsage) << r.err;  // CLI11's own codes are not exposed
  r = run_cli({"ask", "--storage", url, "--study", "g", "--bogus-flag"}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitUsage) << r.err;
  r = run_cli({"show", "nope", "--storage", url}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitFailure) << r.err;

  const auto file = dir.file("grid.toml", R"(name = "grid"
command = ["/bin/sh", "-c", 'echo "$1"', "sh", "{k}"]
[search_space]
k = { _type = "choice", _value = [1, 2] }
[sampler]
type = "grid"
)");
  r = run_cli({"run", file, "--storage", url}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitOk) << r.out << r.err;
  r = run_cli({"run", file, "--storage", url}, dir.path);  // every grid point is taken
  EXPECT_EQ(r.status, parzen::cli::kExitNothingToDo) << r.out << r.err;
  r = run_cli({"run", file, "--storage", url, "--n-trials", "2"}, dir.path);  // budget reached
  EXPECT_EQ(r.status, parzen::cli::kExitNothingToDo) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "nothing to run")) << r.out;
}

// Typos in ask/tell are usage errors (exit 2) that change nothing: a miscounted --value leaves the
// trial running, another --direction than the study's is refused.
TEST(CliExitCodes, MistypedTellAndAskChangeNothing) {
  TempDir dir;
  const std::string url = dir.url();
  const auto space = dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [0, 1]}})");
  auto r = run_cli({"ask", "--storage", url, "--study", "s", "--space", space}, dir.path);
  ASSERT_EQ(r.status, parzen::cli::kExitOk) << r.err;
  r = run_cli({"tell", "--storage", url, "--study", "s", "--trial", "0", "--value", "1", "2"},
              dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitUsage) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "still running")) << r.err;
  EXPECT_EQ(trials_of(url, "s").at(0).state, TrialState::Running);
  r = run_cli({"tell", "--storage", url, "--study", "s", "--trial", "0", "--value", "0.5"},
              dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitOk) << r.out << r.err;
  r = run_cli({"ask", "--storage", url, "--study", "s", "--direction", "maximize"}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitUsage) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "--direction cannot change")) << r.err;
  EXPECT_EQ(trials_of(url, "s").size(), 1u);
}

// A study's stored space keeps its parameters' order, so a grid study (whose points are numbered
// in that order) continues from the stored space with names that are not in alphabetical order.
TEST(CliExitCodes, AGridStudyContinuesFromItsStoredSpaceInItsOrder) {
  TempDir dir;
  const std::string url = dir.url();
  const auto space = dir.file("space.json", R"({"q": {"_type": "choice", "_value": [1, 2]},
                                               "c": {"_type": "choice", "_value": ["a", "b"]}})");
  auto r = run_cli({"ask", "--storage", url, "--study", "g", "--space", space, "--sampler", "grid"},
                   dir.path);
  ASSERT_EQ(r.status, parzen::cli::kExitOk) << r.err;
  std::set<std::string> seen = {nlohmann::json::parse(r.out).at("params").dump()};
  for (int i = 0; i < 3; ++i) {
    r = run_cli({"ask", "--storage", url, "--study", "g"}, dir.path);
    ASSERT_EQ(r.status, parzen::cli::kExitOk) << r.out << r.err;
    const auto params = nlohmann::json::parse(r.out).at("params").dump();
    EXPECT_TRUE(seen.insert(params).second) << "grid point asked twice: " << params;
  }
  r = run_cli({"ask", "--storage", url, "--study", "g"}, dir.path);
  EXPECT_EQ(r.status, parzen::cli::kExitNothingToDo) << r.out << r.err;
}

}  // namespace
