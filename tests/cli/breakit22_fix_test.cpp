// Try-out findings of session 21 left open, fixed in session 22 (engineer "fix"), with the real
// `parzen` binary where the finding was seen: exec errors that name the path at fault (a directory
// as the program, a script whose "#!" interpreter is missing, a program that is not executable,
// a missing working directory), a NUL byte in a command argument refused instead of cut, and a
// trial's escape sequences shown escaped on a terminal but kept byte for byte in its log.

#include <pty.h>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fmt/format.h>

#include "cli/trial_process.hpp"
#include "cli_helpers.hpp"
#include "parzen/error.hpp"
#include "parzen/study.hpp"
#include "parzen/tpe_sampler.hpp"

namespace {

using namespace parzen_test;
using parzen::cli::ProcessResult;
using parzen::cli::ProcessSpec;
using parzen::cli::run_trial_process;
using parzen::cli::terminal_text;

std::string experiment_with(const TempDir& dir, const std::string& keys) {
  return dir.file("exp.toml",
                  "name = \"s\"\nstorage = \"sqlite:///parzen.db\"\nn_trials = 1\n" + keys +
                      "\n[search_space]\nx = { type = \"float\", low = 0, high = 1 }\n");
}

TEST(CliBreakIt22, ADirectoryAsTheProgramIsSaidAndNamed) {
  TempDir dir;
  fs::create_directories(dir.path / "train");
  const auto r =
      run_cli({"run", experiment_with(dir, "command = [\"./train\", \"{x}\"]")}, dir.path);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(
      contains(r.err, "'" + (dir.path / "train").string() + "' is a directory, not a program"))
      << r.err;
}

TEST(CliBreakIt22, AScriptsMissingInterpreterIsSaidAndNamed) {
  TempDir dir;
  dir.file("train.py", "#!/nonexistent/bin/python9 -u\nprint(0.5)\n");
  fs::permissions(dir.path / "train.py", fs::perms::owner_all);
  const auto r = run_cli({"run", experiment_with(dir, "command = [\"./train.py\"]")}, dir.path);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "the \"#!\" interpreter '/nonexistent/bin/python9' of script '" +
                                  (dir.path / "train.py").string() + "' does not exist"))
      << r.err;
}

TEST(CliBreakIt22, AMissingWorkingDirectoryIsSaidAndNamed) {
  TempDir dir;
  const auto r = run_cli(
      {"run",
       experiment_with(dir, "working_directory = \"/nonexistent/wd\"\ncommand = [\"true\"]")},
      dir.path);
  // Since try-out 22 (B7) refused when the experiment is read; the trial-time message stays for
  // a directory removed during a run (ExecErrorsNameTheirCause).
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "'/nonexistent/wd' is not an existing directory")) << r.err;
}

TEST(TrialProcessBreakIt22, ExecErrorsNameTheirCause) {
  TempDir dir;
  ProcessSpec spec;
  spec.working_directory = dir.path.string();
  dir.file("plain.sh", "echo 1\n");  // not executable
  spec.argv = {"./plain.sh"};
  auto r = run_trial_process(spec);
  EXPECT_EQ(r.end, ProcessResult::End::SpawnFailed);
  EXPECT_TRUE(
      contains(r.spawn_error, "'" + (dir.path / "plain.sh").string() + "' is not executable"))
      << r.spawn_error;
  spec.argv = {"no-such-program-parzen-22"};
  r = run_trial_process(spec);
  EXPECT_TRUE(contains(r.spawn_error, "no program 'no-such-program-parzen-22' on PATH"))
      << r.spawn_error;
  spec.argv = {"/nonexistent/program"};
  r = run_trial_process(spec);
  EXPECT_TRUE(contains(r.spawn_error, "'/nonexistent/program' does not exist")) << r.spawn_error;
  // The working directory is a file.
  spec.argv = {"/bin/true"};
  spec.working_directory = dir.file("file", "x");
  r = run_trial_process(spec);
  EXPECT_TRUE(contains(r.spawn_error,
                       "the working directory '" + spec.working_directory + "' is not a directory"))
      << r.spawn_error;
}

TEST(CliBreakIt22, ANulByteInAnArgumentIsRefusedNotCut) {
  TempDir dir;
  const auto exp = dir.file("exp.toml",
                            "name = \"s\"\nstorage = \"sqlite:///parzen.db\"\nn_trials = 1\n"
                            "command = [\"sh\", \"-c\", \"echo 0.5\", \"{c}\"]\n[search_space]\n"
                            "c = { type = \"categorical\", choices = [\"a\\u0000b\"] }\n");
  const auto r = run_cli({"run", exp}, dir.path);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "argument 3 of the command ('a\\0...'")) << r.err;
  EXPECT_TRUE(contains(r.err, "contains a NUL byte at offset 1")) << r.err;
  const auto trials = trials_of(dir.url(), "s");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, parzen::TrialState::Failed) << "before the fix it ran with 'a'";
  // The same for an environment value.
  ProcessSpec spec;
  spec.argv = {"/bin/true"};
  spec.environment = {{"LR", std::string("0.1\0x", 5)}};
  EXPECT_TRUE(contains(run_trial_process(spec).spawn_error, "environment variable 'LR'"));
}

// Finding 6: study names of 256 to 512 bytes (the storages' limit) made the default output
// directory parzen-output/<name> longer than a file name may be (255 bytes): every trial failed
// with "cannot create the trial directory". A long name now gets a shortened, hashed directory.
TEST(CliBreakIt22, StudyNamesUpTo512BytesRunTheirTrials) {
  TempDir dir;
  const std::string base(299, 'n');
  for (const std::string& name : {base + "a", base + "b", std::string(512, 'm')}) {
    SCOPED_TRACE(name.size());
    const auto exp =
        dir.file("exp.toml", "name = \"" + name +
                                 "\"\nstorage = \"sqlite:///parzen.db\"\nn_trials = 1\n"
                                 "command = [\"sh\", \"-c\", \"echo 0.5; echo to-the-log >&2\"]\n"
                                 "[search_space]\nx = { type = \"float\", low = 0, high = 1 }\n");
    const auto r = run_cli({"run", exp}, dir.path);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    const auto trials = trials_of(dir.url(), name);
    ASSERT_EQ(trials.size(), 1u);
    EXPECT_EQ(trials[0].state, parzen::TrialState::Complete) << trials[0].fail_reason;
    const auto logs = run_cli({"logs", name, "0", "--stderr", "--storage", dir.url()}, dir.path);
    EXPECT_EQ(logs.out, "to-the-log\n") << logs.err;
  }
  // Three directories: the two 300-byte names that differ in their last byte do not share one.
  size_t n_dirs = 0;
  for (const auto& entry : fs::directory_iterator(dir.path / "parzen-output")) {
    EXPECT_LE(entry.path().filename().string().size(), 200u);
    ++n_dirs;
  }
  EXPECT_EQ(n_dirs, 3u);
  // 513 bytes: refused, naming the limit.
  const auto too_long = dir.file(
      "long.toml", "name = \"" + std::string(513, 'z') +
                       "\"\nstorage = \"sqlite:///parzen.db\"\nn_trials = 1\ncommand = [\"true\"]\n"
                       "[search_space]\nx = { type = \"float\", low = 0, high = 1 }\n");
  const auto r = run_cli({"run", too_long}, dir.path);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "512")) << r.err;
}

// Finding 7: an error about a key the NNI converter wrote names the YAML file's key and line.
TEST(CliBreakIt22, NniGridSearchWithANestedChoiceNamesTheYamlKey) {
  TempDir dir;
  const auto yaml = dir.file("config.yml", R"(experimentName: s
trialCommand: echo 0.5
trialConcurrency: 1
maxTrialNumber: 2
searchSpace:
  model:
    _type: choice
    _value:
      - {_name: svm, C: {_type: uniform, _value: [0.1, 1]}}
      - {_name: tree, depth: {_type: randint, _value: [1, 5]}}
tuner:
  name: GridSearch
  classArgs: {optimize_mode: maximize}
trainingService:
  platform: local
)");
  const auto r = run_cli({"run", yaml, "--storage", dir.url()}, dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err,
                       "config.yml:12: key 'tuner.name': parameter 'model' (choice): grid "
                       "search does not support nested choices"))
      << r.err;
  EXPECT_FALSE(contains(r.err, "sampler.type")) << r.err;
}

TEST(TerminalText, EscapesControlsAndKeepsText) {
  EXPECT_EQ(terminal_text("\x1b[2J\x1b]0;t\x07 ok\tnext\nline\r\x7f"),
            "\\x1b[2J\\x1b]0;t\\x07 ok\tnext\nline\\x0d\\x7f");
  EXPECT_EQ(terminal_text(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(terminal_text("\xc2\x9b"
                          "31m"),
            "\\u009b31m");  // C1 CSI in UTF-8
  EXPECT_EQ(terminal_text("\x9b"
                          "31m \xff"),
            "\\x9b31m \\xff");  // bytes that are not UTF-8
  EXPECT_EQ(terminal_text("é ✓ 𝄞 \xc2\xa0"), "é ✓ 𝄞 \xc2\xa0");
  EXPECT_EQ(terminal_text("\xe0\x80\x80"), "\\xe0\\x80\\x80");  // overlong
}

// Runs parzen with stdout and stderr on a pseudo-terminal; returns what it printed there.
std::string run_on_terminal(const std::vector<std::string>& args, const fs::path& dir) {
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    std::vector<std::string> all = {kParzen};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t got = ::read(master, buf, sizeof buf);
    if (got > 0) {
      out.append(buf, static_cast<size_t>(got));
    } else if (got < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EIO once the child has closed the terminal
    }
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out;
}

TEST(CliBreakIt22, ATrialsEscapeSequencesReachNoTerminalButStayInItsLog) {
  TempDir dir;
  const auto exp = write_sh_experiment(dir, "n_trials = 1\nmax_consecutive_failures = 1",
                                       "printf '\\033[2J\\033]0;pwned\\007boom\\n' >&2\nexit 3\n");
  const std::string shown = run_on_terminal({"run", exp, "--progress", "lines"}, dir.path);
  EXPECT_TRUE(contains(shown, "exited with status 3: \\x1b[2J\\x1b]0;pwned\\x07boom")) << shown;
  EXPECT_FALSE(contains(shown, "\x1b[2J")) << shown;
  EXPECT_FALSE(contains(shown, "\x07")) << shown;
  // `parzen logs` into a pipe is the raw capture, byte for byte.
  const auto r = run_cli({"logs", "s", "0", "--stderr", "--storage", dir.url()}, dir.path);
  EXPECT_EQ(r.out,
            "\x1b[2J\x1b]0;pwned\x07"
            "boom\n")
      << r.out << r.err;
}

// ---------------------------------------------------------------------------------------------
// Try-out 22 findings (engineer "fix2").

// B3: TPE's constraints_method = "ctpe" models one objective: with several it is refused when the
// experiment or the flags are read, naming the option, before a study or trial is stored (it
// once stored the study and failed every trial, blaming "the objective").
TEST(CliTryout22, CtpeWithSeveralObjectivesIsRefusedBeforeAnythingIsStored) {
  TempDir dir;
  const auto exp = dir.file("exp.toml",
                            "name = \"s\"\nstorage = \"sqlite:///parzen.db\"\nn_trials = 3\n"
                            "directions = [\"minimize\", \"minimize\"]\nconstraints = [\"c\"]\n"
                            "command = [\"sh\", \"-c\", \"echo 1 2\"]\n"
                            "[search_space]\nx = { type = \"float\", low = 0, high = 1 }\n"
                            "[sampler]\ntype = \"tpe\"\nconstraints_method = \"ctpe\"\n");
  auto r = run_cli({"run", exp}, dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "constraints_method")) << r.err;
  EXPECT_TRUE(contains(r.err, "use \"auto\" or \"optuna\"")) << r.err;
  EXPECT_FALSE(contains(r.err, "objective threw")) << r.err;
  EXPECT_TRUE(trials_of(dir.url(), "s").empty());
  EXPECT_FALSE(parzen::make_storage(dir.url())->find_study("s").has_value());

  const std::string space =
      dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [0, 1]}})");
  r = run_cli({"ask", "--study", "a1", "--storage", dir.url(), "--space", space, "--sampler", "tpe",
               "--sampler-option", "constraints_method=ctpe", "--direction", "minimize",
               "--direction", "minimize"},
              dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err,
                       "--sampler-option constraints_method: TpeSampler: "
                       "constraints_method = \"ctpe\" models one objective"))
      << r.err;
  EXPECT_FALSE(parzen::make_storage(dir.url())->find_study("a1").has_value());
  // On an SQLite file that does not exist, no file is left behind.
  r = run_cli({"ask", "--study", "a1", "--storage", dir.url("new.db"), "--space", space,
               "--sampler", "tpe", "--sampler-option", "constraints_method=ctpe", "--direction",
               "minimize", "--direction", "minimize"},
              dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "new.db"));
  // One objective: accepted.
  r = run_cli({"ask", "--study", "a2", "--storage", dir.url(), "--space", space, "--sampler", "tpe",
               "--sampler-option", "constraints_method=ctpe"},
              dir.path);
  EXPECT_EQ(r.status, 0) << r.err;
}

// B3 in the library: Study::create refuses it (OptionError naming the option) before the study
// is stored.
TEST(StudyTryout22, CtpeWithSeveralObjectivesIsRefusedByStudyCreate) {
  auto storage = parzen::make_storage("memory:");
  parzen::TpeSamplerOptions o;
  o.constraints_method = parzen::TpeConstraintsMethod::CTpe;
  try {
    (void)parzen::Study::create(
        {.name = "mo",
         .storage_backend = storage,
         .directions = {parzen::Direction::Minimize, parzen::Direction::Minimize},
         .sampler = parzen::TpeSampler::make(o)});
    ADD_FAILURE() << "accepted";
  } catch (const parzen::OptionError& e) {
    EXPECT_EQ(e.key(), "constraints_method");
  }
  EXPECT_FALSE(storage->find_study("mo").has_value());
}

// B6: `parzen trials` (and `parzen export` to stdout) escapes a trial's control characters on a
// terminal as `parzen show` does; into a pipe the CSV stays byte for byte.
TEST(CliTryout22, TrialsEscapesFailReasonsOnATerminal) {
  TempDir dir;
  const auto exp = write_sh_experiment(
      dir, "n_trials = 1\nmax_consecutive_failures = 1",
      "printf '\\033[2J\\033]0;pwned\\007\\302\\233 bad\\r over\\n' >&2\nexit 3\n");
  ASSERT_EQ(run_cli({"run", exp}, dir.path).status, 1);
  for (const char* command : {"trials", "export"}) {
    const std::string shown = run_on_terminal({command, "s", "--storage", dir.url()}, dir.path);
    EXPECT_TRUE(contains(shown, "\\x1b[2J\\x1b]0;pwned\\x07\\u009b bad\\x0d over")) << shown;
    EXPECT_FALSE(contains(shown, "\x1b[2J")) << command << ": " << shown;
    EXPECT_FALSE(contains(shown, "\x07")) << command << ": " << shown;
  }
  const auto r = run_cli({"trials", "s", "--storage", dir.url()}, dir.path);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\x1b[2J\x1b]0;pwned\x07")) << r.out;
}

// A space file of one float x in [0, 1], and `parzen ARGS --study STUDY --storage URL`.
std::string uniform_x_space(const TempDir& dir) {
  return dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [0, 1]}})");
}
auto study_cli(const TempDir& dir, const std::string& study, const std::string& url) {
  return [&dir, study, url](std::vector<std::string> args) {
    args.insert(args.end(), {"--study", study, "--storage", url});
    return run_cli(args, dir.path);
  };
}

// B5, B9: a complete trial without constraint values in a constrained study counts as infeasible
// in `parzen show`'s count; `parzen best` reports no infeasible trial as best (exit 1, as
// Study::best_trial), with --json too.
TEST(CliTryout22, ShowCountsAndBestRefusesInfeasibleTrials) {
  TempDir dir;
  const std::string space = uniform_x_space(dir);
  const std::string url = dir.url("c.db");
  const auto cli = study_cli(dir, "c", url);
  ASSERT_EQ(cli({"ask", "--space", space}).status, 0);
  ASSERT_EQ(cli({"tell", "--trial", "0", "--value", "1"}).status, 0);
  ASSERT_EQ(cli({"ask", "--space", space}).status, 0);
  ASSERT_EQ(cli({"tell", "--trial", "1", "--value", "5", "--constraint", "c=1"}).status, 0);
  auto r = run_cli({"show", "c", "--storage", url}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "0 of 2 complete trials feasible")) << r.out;
  for (const bool json : {false, true}) {
    std::vector<std::string> args = {"best", "c", "--storage", url};
    if (json) args.push_back("--json");
    r = run_cli(args, dir.path);
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(contains(r.err, "no feasible trial: all 2 complete trials violate")) << r.err;
  }
  ASSERT_EQ(cli({"ask", "--space", space}).status, 0);
  ASSERT_EQ(cli({"tell", "--trial", "2", "--value", "7", "--constraint", "c=-1"}).status, 0);
  r = run_cli({"show", "c", "--storage", url}, dir.path);
  EXPECT_TRUE(contains(r.out, "1 of 3 complete trials feasible")) << r.out;
  r = run_cli({"best", "c", "--storage", url}, dir.path);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Trial 2 (feasible)")) << r.out;
}

// B13: an infinite constraint value is refused naming the flag and the constraint, as NaN is.
TEST(CliTryout22, TellNamesAnInfiniteConstraint) {
  TempDir dir;
  const std::string url = dir.url("t.db");
  const auto cli = study_cli(dir, "t", url);
  ASSERT_EQ(cli({"ask", "--space", uniform_x_space(dir)}).status, 0);
  for (const char* bad : {"c=inf", "c=-1e400", "c=nan"}) {
    const auto r = cli({"tell", "--trial", "0", "--value", "1", "--constraint", bad});
    EXPECT_EQ(r.status, 2) << bad;
    EXPECT_TRUE(contains(r.err, fmt::format("--constraint '{}': constraint 'c' is", bad))) << r.err;
  }
  EXPECT_EQ(trials_of(url, "t").at(0).state, parzen::TrialState::Running);
}

// B7: a missing working_directory and a NUL in a fixed command argument are refused when the
// experiment is read, naming the key, before the study is created.
TEST(CliTryout22, ExperimentErrorsKnownWhenReadStoreNothing) {
  TempDir dir;
  auto r = run_cli(
      {"run",
       experiment_with(dir, "working_directory = \"/nonexistent/wd\"\ncommand = [\"true\"]")},
      dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "working_directory")) << r.err;
  EXPECT_TRUE(contains(r.err, "'/nonexistent/wd' is not an existing directory")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "parzen.db"));
  r = run_cli({"run", experiment_with(dir, "command = [\"echo\", \"a\\u0000b\", \"{x}\"]")},
              dir.path);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "command")) << r.err;
  EXPECT_TRUE(contains(r.err, "argument 1")) << r.err;
  EXPECT_TRUE(contains(r.err, "holds a NUL byte")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path / "parzen.db"));
}

}  // namespace
