// End-to-end tests of try-out 21's break-it findings on the CLI's files and storage (engineer
// "fix21b"), with the real `parzen` binary: the CSV columns of unnamed objectives (1), export
// --output onto a database (14), a shared output_directory (15), output errors (24), ...

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

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

// Findings 7 and 8: the storage refuses the writes after a trial for a while (a process outside
// the trial's group holds the SQLite database's write lock past the storage's timeout=3), then
// lets them through again. Trial 0's own writes (an attribute, finding 7) and trial 1's result
// (finding 8) are written once more with the outcome in hand: both trials complete with what
// their program printed, nothing is recorded as a trial failure, and the run exits 0.
TEST(CliBreakIt21, WritesRefusedOnceAreMadeAgainWithTheOutcomeInHand) {
  TempDir dir;
  const auto exp = experiment(dir, "locked",
                              "storage = \"sqlite:///parzen.db?timeout=3\"\nn_trials = 2\n"
                              "max_retries = 1",
                              R"sh(
rm -f locked
setsid /usr/bin/python3 - >/dev/null 2>&1 <<'P' &
import sqlite3, time
c = sqlite3.connect("parzen.db", timeout=30, isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open("locked", "w").close()
time.sleep(4.5)
c.execute("COMMIT")
P
while [ ! -f locked ]; do sleep 0.02; done
if [ "$PARZEN_TRIAL_NUMBER" = 0 ]; then echo 'parzen:attr note 7'; fi
echo "0.2$PARZEN_TRIAL_NUMBER"
)sh");
  // The experiment's own storage line is replaced (experiment() writes a plain one first).
  std::string text = slurp(exp);
  const std::string plain = "storage = \"sqlite:///parzen.db\"\n";
  text.erase(text.find(plain), plain.size());
  std::ofstream(exp) << text;
  const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  const std::string said = r.out + r.err;
  EXPECT_TRUE(contains(said, "Trial 0: its outputs were stored at the second attempt")) << said;
  EXPECT_TRUE(contains(said, "Trial 1's result was stored at the second attempt")) << said;
  const auto trials = trials_of(dir.url(), "locked");
  ASSERT_EQ(trials.size(), 2u) << said;
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::Complete) << t.number << ": " << t.fail_reason;
    ASSERT_EQ(t.values.size(), 1u);
    EXPECT_DOUBLE_EQ(t.values[0], t.number == 0 ? 0.20 : 0.21);
  }
  EXPECT_EQ(trials[0].user_attrs.value("note", nlohmann::json()), 7) << trials[0].user_attrs;
}

// Finding 15: two studies given the same output_directory. The second never empties the
// first's trial directories (nor a directory of the user's own files): its trial fails saying
// whose the directory is. A study deleted and run again reuses its own directories.
TEST(CliBreakIt21, ATrialDirectoryOfAnotherStudyIsNeverEmptied) {
  TempDir dir;
  const auto sa =
      experiment(dir, "sa", "n_trials = 1\noutput_directory = \"runs\"", "echo 1.5\n", "sa.toml");
  const auto sb =
      experiment(dir, "sb", "n_trials = 1\noutput_directory = \"runs\"", "echo 2.5\n", "sb.toml");
  const auto sc =
      experiment(dir, "sc", "n_trials = 1\noutput_directory = \"mine\"", "echo 3.5\n", "sc.toml");
  auto r = run_cli({"run", sa, "--progress", "lines"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;

  r = run_cli({"run", sb, "--progress", "lines"}, dir.path);
  EXPECT_NE(r.status, 0) << r.out << r.err;
  const auto b = trials_of(dir.url(), "sb");
  ASSERT_EQ(b.size(), 1u) << r.out << r.err;
  EXPECT_EQ(b[0].state, TrialState::Failed);
  EXPECT_TRUE(contains(b[0].fail_reason, "belongs to study 'sa'")) << b[0].fail_reason;
  EXPECT_TRUE(contains(b[0].fail_reason, "output_directory of its own")) << b[0].fail_reason;
  r = run_cli({"logs", "sa", "0", "--storage", dir.url()}, dir.path);
  EXPECT_EQ(r.out, "1.5\n") << r.err;

  // A directory of the user's own files.
  fs::create_directories(dir.path / "mine" / "trial-0");
  dir.file("mine/trial-0/notes.txt", "mine\n");
  r = run_cli({"run", sc, "--progress", "lines"}, dir.path);
  EXPECT_NE(r.status, 0) << r.out << r.err;
  const auto c = trials_of(dir.url(), "sc");
  ASSERT_EQ(c.size(), 1u) << r.out << r.err;
  EXPECT_TRUE(contains(c[0].fail_reason, "holds files that are no trial's")) << c[0].fail_reason;
  EXPECT_EQ(slurp(dir.path / "mine" / "trial-0" / "notes.txt"), "mine\n");

  // sa deleted and run again: its own directory is emptied and reused.
  ASSERT_EQ(run_cli({"delete", "sa", "--storage", dir.url(), "--yes"}, dir.path).status, 0);
  r = run_cli({"run", sa, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
}

// Finding 9: a last line over 64 KiB fails the trial saying so, with the line's length; the
// marker parzen used to append to the cut line is not blamed on the program.
TEST(CliBreakIt21, ALastLineOver64KiBIsSaidToBeTooLong) {
  TempDir dir;
  const auto exp = experiment(dir, "long", "n_trials = 1\nmax_consecutive_failures = 1",
                              "echo 0.25\nhead -c 102400 /dev/zero | tr '\\0' 7\n");
  const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  const auto trials = trials_of(dir.url(), "long");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_TRUE(
      contains(trials[0].fail_reason, "the last line is 102400 bytes long, over the 64 KiB"))
      << trials[0].fail_reason.substr(0, 300);
  EXPECT_FALSE(contains(trials[0].fail_reason, "[line")) << trials[0].fail_reason.substr(0, 300);
}

// Finding 19: a search-space file that is a directory or a device is refused naming the key,
// before anything is read or stored.
TEST(CliBreakIt21, ASearchSpaceFileMustBeARegularFile) {
  TempDir dir;
  fs::create_directories(dir.path / "spdir");
  for (const auto& [file, why] : std::vector<std::pair<std::string, std::string>>{
           {"spdir", "it is a directory, not a file"}, {"/dev/zero", "it is not a regular file"}}) {
    const auto exp = dir.file("sp.toml", fmt::format("name = \"sp\"\nn_trials = 1\n"
                                                     "command = [\"/bin/echo\", \"1\"]\n"
                                                     "search_space_file = \"{}\"\n",
                                                     file));
    const auto r = run_cli({"run", exp, "--progress", "lines"}, dir.path);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "search_space_file")) << r.err;
    EXPECT_TRUE(contains(r.err, why)) << r.err;
    EXPECT_FALSE(fs::exists(dir.path / "parzen.db"));
  }
  // NNI's YAML config, with a directory named like a YAML space (read by the NNI reader).
  fs::create_directories(dir.path / "space.yml");
  const auto yml = dir.file("config.yml",
                            "trialCommand: echo 1\nmaxTrialNumber: 1\nsearchSpaceFile: space.yml\n"
                            "tuner: {name: Random}\ntrainingService: {platform: local}\n");
  const auto r = run_cli({"run", yml, "--progress", "lines"}, dir.path);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "searchSpaceFile")) << r.err;
  EXPECT_TRUE(contains(r.err, "it is a directory, not a file")) << r.err;
}

// Runs parzen with stdout on /dev/full (every write fails with ENOSPC); stderr into dir.
CliResult run_to_full_disk(const std::vector<std::string>& args, const fs::path& dir) {
  std::vector<std::string> all = {kParzen};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string err = (dir / "full.err").string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/full", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  CliResult r;
  int status = 0;
  if (waitpid(pid, &status, 0) == pid) r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err);
  return r;
}

// Finding 24: every command whose output cannot be written (a full disk) exits 1 and says so,
// as export did already; none reports success with its output lost.
TEST(CliBreakIt21, EveryCommandExits1WhenStdoutCannotBeWritten) {
  TempDir dir;
  const auto exp = experiment(dir, "s", "n_trials = 1", "echo 0.5\n");
  ASSERT_EQ(run_cli({"run", exp, "--progress", "lines"}, dir.path).status, 0);
  const std::vector<std::vector<std::string>> commands = {
      {"studies", "--storage", dir.url()},
      {"show", "s", "--storage", dir.url()},
      {"best", "s", "--storage", dir.url()},
      {"best", "s", "--storage", dir.url(), "--json"},
      {"logs", "s", "0", "--storage", dir.url()},
      {"trials", "s", "--storage", dir.url()},
      {"info"}};
  for (const auto& c : commands) {
    const auto r = run_to_full_disk(c, dir.path);
    EXPECT_EQ(r.status, 1) << c[0] << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "parzen: error:")) << c[0] << ": " << r.err;
  }
  // With a writable stdout they succeed.
  EXPECT_EQ(run_cli({"best", "s", "--storage", dir.url(), "--json"}, dir.path).status, 0);
}

}  // namespace
