// End-to-end tests of try-out 21's break-it findings on the CLI's files and storage (engineer
// "fix21b"), with the real `parzen` binary: the CSV columns of unnamed objectives (1), export
// --output onto a database (14), a shared output_directory (15), output errors (24), ...

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cli_helpers.hpp"

namespace {

using namespace parzen_test;
using parzen::TrialState;

std::string experiment(const TempDir& dir, const std::string& name, const std::string& keys,
                       const std::string& script, const std::string& file = "exp.toml") {
  dir.file(name + ".sh", script);
  return dir.file(file, fmt::format("name = \"{}\"\nstorage = \"sqlite:///parzen.db\"\n{}\n"
                                    "command = [\"sh\", \"{}.sh\"]\n[search_space]\n"
                                    "x = {{ type = \"float\", low = 0, high = 1 }}\n",
                                    name, keys, name));
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// Finding 1: unnamed objectives are the columns values_0, values_1 (docs/cli.md "Export"), in
// `export` and in `trials`, not values_values_0.
TEST(CliBreakIt21, UnnamedObjectivesAreValues0AndValues1InCsv) {
  TempDir dir;
  const auto exp = experiment(dir, "mo", "directions = [\"minimize\", \"maximize\"]\nn_trials = 1",
                              "echo 'parzen:result 1 2'\n");
  auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  r = run_cli({"export", "mo", "--storage", dir.url(), "--format", "csv"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(first_line(r.out).rfind("number,state,values_0,values_1,params_x", 0), 0u) << r.out;
  r = run_cli({"trials", "mo", "--storage", dir.url(), "--format", "csv"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(first_line(r.out).rfind("number,state,values_0,values_1,params_x", 0), 0u) << r.out;
  EXPECT_FALSE(contains(r.out, "values_values")) << r.out;
}

// Named metrics keep their names; one unnamed objective is "value".
TEST(CliBreakIt21, NamedMetricsAndOneObjectiveKeepTheirColumns) {
  TempDir dir;
  const auto exp = experiment(
      dir, "named",
      "directions = [\"minimize\", \"maximize\"]\nmetrics = [\"loss\", \"acc\"]\nn_trials = 1",
      "echo 'parzen:result 1 2'\n");
  auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  r = run_cli({"export", "named", "--storage", dir.url()}, dir.path);
  EXPECT_EQ(first_line(r.out).rfind("number,state,values_loss,values_acc,params_x", 0), 0u)
      << r.out;
  const auto one = experiment(dir, "one", "n_trials = 1", "echo 0.5\n", "one.toml");
  r = run_cli({"run", one, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  r = run_cli({"export", "one", "--storage", dir.url()}, dir.path);
  EXPECT_EQ(first_line(r.out).rfind("number,state,value,params_x", 0), 0u) << r.out;
}

// Finding 14: `export --output` naming the SQLite storage being exported (here the default
// storage parzen.db, through another spelling of its path) is refused before anything is
// opened: exit 2, the database intact. Another SQLite database is not overwritten either.
TEST(CliBreakIt21, ExportRefusesToOverwriteTheStorageOrAnyDatabase) {
  TempDir dir;
  const auto exp = experiment(dir, "s", "n_trials = 2", "echo 0.5\n");
  auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto db = dir.path / "parzen.db";
  const auto size = fs::file_size(db);
  // The finding's case: the default storage (./parzen.db), so run in the directory.
  struct InDir {
    fs::path old = fs::current_path();
    explicit InDir(const fs::path& p) { fs::current_path(p); }
    ~InDir() { fs::current_path(old); }
  } in_dir(dir.path);
  fs::create_directories(dir.path / "sub");
  for (const std::string out : {"parzen.db", "./sub/../parzen.db"}) {
    r = run_cli({"export", "s", "--output", out}, dir.path);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "--output " + out +
                                    " is the database of the storage being "
                                    "exported"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "--output s.csv")) << r.err;
    EXPECT_EQ(fs::file_size(db), size);
  }
  // A symlink to it, and the storage given by URL.
  fs::create_symlink(db, dir.path / "link.csv");
  r = run_cli({"export", "s", "--storage", dir.url(), "--output", (dir.path / "link.csv").string()},
              dir.path);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(fs::file_size(db), size);
  // Another database (a copy) is refused too.
  fs::copy_file(db, dir.path / "other.db");
  r = run_cli({"export", "s", "--output", "other.db"}, dir.path);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "--output other.db is an SQLite database")) << r.err;
  EXPECT_EQ(fs::file_size(dir.path / "other.db"), size);
  // The study is still readable, and a plain file is written (and overwritten) as before.
  dir.file("old.csv", "old\n");
  r = run_cli({"export", "s", "--output", "old.csv"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(dir.path / "old.csv").rfind("number,state,value", 0), 0u);
  EXPECT_EQ(trials_of(dir.url(), "s").size(), 2u);
}

}  // namespace
