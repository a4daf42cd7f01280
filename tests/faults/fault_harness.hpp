#pragma once
// The fault-injection suite's harness: real `parzen run` / `parzen worker` processes on a real
// database (a SQLite file, or a PostgreSQL cluster each test starts for itself with
// scripts/pg-server.sh on 127.0.0.1), faults injected from outside as an operator meets them,
// and one audit every scenario ends with (audit() below).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../process_group.hpp"

extern char** environ;

namespace parzen_faults {

namespace fs = std::filesystem;

inline const std::string kParzen = PARZEN_CLI;
inline const std::string kSourceDir = PARZEN_SOURCE_DIR;

inline void sleep_s(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// Starts argv[0] (searched in PATH) with `env` added to ours; stdout and stderr go to
// DIR/TAG.out and DIR/TAG.err (appended, so a restarted worker keeps its history).
inline pid_t spawn(const std::vector<std::string>& args, const fs::path& dir,
                   const std::string& tag, const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos && env.count(entry.substr(0, eq))) continue;
    env_strings.push_back(entry);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> all = args;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = (dir / (tag + ".out")).string(), err = (dir / (tag + ".err")).string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
  return pid;
}

// Exit status (or 128 + signal) of a finished child; nullopt while it runs.
inline std::optional<int> try_reap(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) != pid) return std::nullopt;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// True once the child has ended (it stays a zombie for try_reap / wait_exit).
inline bool has_exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// Waits up to `timeout` seconds; then SIGKILLs it and returns -1.
inline int wait_exit(pid_t pid, double timeout) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  while (std::chrono::steady_clock::now() < end) {
    if (auto s = try_reap(pid)) return *s;
    sleep_s(0.05);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return -1;
}

struct CommandResult {
  int status = -1;
  std::string out, err;
};

// Runs a command to its end (bounded) and returns its output.
inline CommandResult run_command(const std::vector<std::string>& args, const fs::path& dir,
                                 const std::string& tag, double timeout = 60,
                                 const std::map<std::string, std::string>& env = {}) {
  fs::remove(dir / (tag + ".out"));
  fs::remove(dir / (tag + ".err"));
  const pid_t pid = spawn(args, dir, tag, env);
  CommandResult r;
  r.status = wait_exit(pid, timeout);
  r.out = slurp(dir / (tag + ".out"));
  r.err = slurp(dir / (tag + ".err"));
  return r;
}

// Polls `done` every 50 ms for up to `timeout` seconds.
template <class F>
bool wait_until(F done, double timeout) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    sleep_s(0.05);
  }
  return done();
}

using parzen_test_support::live_group_members;

inline bool postgres_installed() {
  return fs::exists("/usr/lib/postgresql") && !fs::is_empty("/usr/lib/postgresql");
}

// A PostgreSQL cluster of this test's own (never the shared test server: tests restart and
// stop it), started by scripts/pg-server.sh in a fresh directory and removed with the object.
class PgCluster {
 public:
  explicit PgCluster(const fs::path& log_dir) : log_dir_(log_dir) {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("parzen-faults-pg-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000));
    // A port of its own range (other clusters may start at the same time), and a few tries: a
    // port found free can be taken before the server binds it.
    CommandResult r;
    for (int attempt = 0; attempt < 3 && r.status != 0; ++attempt) {
      const std::string port = std::to_string(56000 + rd() % 3000);
      r = script("start", 120, {{"PARZEN_PG_PORT", port}});
    }
    if (r.status != 0) throw std::runtime_error("pg-server.sh start failed: " + r.err);
    url_ = r.out.substr(0, r.out.find('\n'));
  }
  ~PgCluster() { script("stop", 60); }
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  const std::string& url() const { return url_; }
  const fs::path& dir() const { return dir_; }
  CommandResult restart() { return script("restart", 60); }
  CommandResult down() { return script("down", 60); }
  CommandResult up() { return script("up", 60); }
  // Runs SQL through psql (autocommit unless the text holds BEGIN/COMMIT).
  CommandResult psql(const std::string& sql, double timeout = 60) const {
    return run_command({"psql", url_, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql},
                       log_dir_, "psql", timeout);
  }
  pid_t psql_in_background(const std::string& sql, const std::string& tag) const {
    return spawn({"psql", url_, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql}, log_dir_,
                 tag);
  }

 private:
  CommandResult script(const std::string& cmd, double timeout,
                       const std::map<std::string, std::string>& env = {}) {
    return run_command({kSourceDir + "/scripts/pg-server.sh", cmd, dir_.string()}, log_dir_,
                       "pg-server-" + cmd, timeout, env);
  }
  fs::path log_dir_, dir_;
  std::string url_;
};

// The experiment every scenario runs. Its trial is a shell script (trial.sh) that appends the
// parameter it got to runs.log when it starts (to count how often each parameter set really ran)
// and "NUMBER VALUE" to results.log just before it prints its result (to check that no printed
// result is lost). Environment variables of the process that runs the trial steer it:
//   FAULT_TAG=T          written beside the parameter in runs.log
//   FAULT_FAIL_ONCE=S    the first such trial (of all processes) sleeps S s and exits 1
//   FAULT_LONG_ONCE=1    the first such trial starts a grandchild `sleep 60`, writes both pids
//                        to long.pids and waits (a trial that never ends by itself)
//   FAULT_CLOCK=1        the trial writes `date +%s` to clock-T.txt (T: FAULT_TAG)
//   FAULT_REPORTS=N      the trial prints N parzen:report lines first (N rows to store)
struct Experiment {
  std::string name = "faults";
  std::string storage;  // URL
  int n_trials = 10;
  int max_retries = 3;
  double trial_seconds = 1.0;
  double heartbeat_interval = 0.5;
  double grace_period = 2.0;
  int concurrency = 1;
};

inline std::string toml_string(const std::string& s) {
  return nlohmann::json(s).dump();  // a JSON string is a valid TOML basic string here
}

inline std::string toml_float(double v) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(3);
  os << v;  // always with a decimal point: a TOML float
  return os.str();
}

inline fs::path write_experiment(const fs::path& dir, const Experiment& e) {
  std::ostringstream script;
  script << "x=$1\n"
         << "echo \"$x ${FAULT_TAG:-main}\" >> runs.log\n"
         << "if [ -n \"$FAULT_CLOCK\" ]; then date +%s > clock-${FAULT_TAG:-main}.txt; fi\n"
         << "if [ -n \"$FAULT_FAIL_ONCE\" ] && mkdir fail.once 2>/dev/null; then\n"
         << "  sleep \"$FAULT_FAIL_ONCE\"; echo 'failing once, as asked' >&2; exit 1\n"
         << "fi\n"
         << "if [ -n \"$FAULT_LONG_ONCE\" ] && mkdir long.once 2>/dev/null; then\n"
         << "  echo $$ > long.pids.tmp; sleep 60 & echo $! >> long.pids.tmp\n"
         << "  mv long.pids.tmp long.pids; wait\n"
         << "fi\n"
         << "i=0; while [ \"$i\" -lt \"${FAULT_REPORTS:-0}\" ]; do\n"
         << "  echo \"parzen:report $i 0.5\"; i=$((i + 1))\n"
         << "done\n"
         << "sleep " << toml_float(e.trial_seconds) << "\n"
         << "echo \"$PARZEN_TRIAL_NUMBER $x\" >> results.log\n"
         << "echo \"$x\"\n";
  std::ostringstream toml;
  toml << "name = " << toml_string(e.name) << "\n"
       << "storage = " << toml_string(e.storage) << "\n"
       << "n_trials = " << e.n_trials << "\n"
       << "max_retries = " << e.max_retries << "\n"
       << "concurrency = " << e.concurrency << "\n"
       << "heartbeat_interval = " << toml_float(e.heartbeat_interval) << "\n"
       << "grace_period = " << toml_float(e.grace_period) << "\n"
       << "kill_grace_period = 1\n"
       << "command = [\"/bin/sh\", " << toml_string((dir / "trial.sh").string()) << ", \"{x}\"]\n"
       << "[search_space]\n"
       << "x = {type = \"float\", low = 0.0, high = 1.0}\n"
       << "[sampler]\n"
       << "type = \"random\"\n";
  std::ofstream(dir / "trial.sh") << script.str();
  const fs::path path = dir / (e.name + ".toml");
  std::ofstream(path) << toml.str();
  return path;
}

struct AuditOptions {
  int n_trials = 0;
  int max_retries = 0;
  // Every result a trial printed (results.log) is stored as that trial's complete value. Off
  // where the fault is a SIGKILL of the worker that was storing it.
  bool results_kept = true;
  // No trial failed at all (faults that must not look like a dead worker: a stalled database,
  // a skewed clock).
  bool no_failed_trials = false;
};

// The audit every scenario ends with, once every process of the study has exited:
//  - `parzen trials NAME --format json` works and equals what the storage holds;
//  - trial numbers are 0..N-1 without gaps;
//  - no trial is running or waiting (the processes are gone, so nobody will ever finish them);
//  - exactly n_trials trials are complete;
//  - each parameter set ran at most 1 + max_retries times (counted from the trial processes'
//    own log, and from the trials that hold it), and every retried_from points to a failed
//    trial with the same parameters;
//  - (results_kept) each result a trial printed is stored, complete, with that value.
void audit(const fs::path& dir, const std::string& url, const std::string& study,
           const AuditOptions& options);

}  // namespace parzen_faults
