#include "cli/trial_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/number.hpp"
#include "parzen/error.hpp"
#include "storage/utf8.hpp"

extern char** environ;

namespace parzen::cli {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kMaxLine = 64 * 1024;    // longer stdout lines are cut here
constexpr size_t kStderrTail = 4 * 1024;  // kept for the failure reason
constexpr size_t kMaxProtocolErrors = 5;
constexpr size_t kMaxNamed = 100;  // parzen:attr keys and parzen:constraint names kept

struct Fd {
  int fd = -1;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

void make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  read_end.fd = fds[0];
  write_end.fd = fds[1];
}

// One stream's log file, rotated once: bounded on disk, written as the bytes arrive.
class LogFile {
 public:
  LogFile(std::string path, uint64_t max_bytes, std::string& error)
      : path_(std::move(path)), max_(max_bytes), error_(error) {}
  ~LogFile() { fd_.reset(); }
  // The file is created with the stream's first byte: a silent stream leaves no file.
  void write(const char* data, size_t n) {
    if (!opened_ && n > 0 && !path_.empty() && max_ > 0) {
      opened_ = true;
      open();
    }
    while (n > 0 && fd_.fd >= 0) {
      if (size_ >= max_) rotate();
      if (fd_.fd < 0) return;
      const size_t k = static_cast<size_t>(std::min<uint64_t>(n, max_ - size_));
      const ssize_t w = ::write(fd_.fd, data, k);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        failed(w < 0 ? errno : ENOSPC, "cannot write");
        return;
      }
      size_ += static_cast<uint64_t>(w);
      data += w;
      n -= static_cast<size_t>(w);
    }
  }

 private:
  void open() {
    fd_.fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_.fd < 0) failed(errno, "cannot create");
    size_ = 0;
  }
  void rotate() {
    fd_.reset();
    const std::string older = path_ + ".1";
    if (::rename(path_.c_str(), older.c_str()) != 0) {
      failed(errno, "cannot rotate");
      return;
    }
    open();
  }
  void failed(int err, const char* what) {
    fd_.reset();
    if (error_.empty())
      error_ = fmt::format("{} the log file {}: {}; the rest of this stream is not kept", what,
                           path_, std::strerror(err));
  }
  std::string path_;
  uint64_t max_;
  std::string& error_;
  Fd fd_{};
  uint64_t size_ = 0;
  bool opened_ = false;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool parse_double(std::string_view token, double& out) {
  const auto v = parse_number(token);
  if (v) out = *v;
  return v.has_value();
}

// Splits stdout into lines and interprets the protocol; memory stays bounded.
class StdoutParser {
 public:
  StdoutParser(ProcessResult& result, const ProcessControl& control, bool& stop_requested)
      : result_(result), control_(control), stop_requested_(stop_requested) {}

  void feed(const char* data, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      const char c = data[i];
      if (c == '\n') {
        line_done();
      } else if (line_.size() < kMaxLine) {
        line_.push_back(c);
      } else {
        truncated_ = true;
        ++dropped_;
      }
    }
  }
  void finish() {
    if (!line_.empty()) line_done();
  }

 private:
  void protocol_error(const std::string& msg) {
    // Warnings travel through exception messages and C-string writes: NUL bytes become U+FFFD.
    if (result_.protocol_errors.size() < kMaxProtocolErrors)
      result_.protocol_errors.push_back(detail::storable_text(msg));
    else
      ++result_.protocol_errors_not_kept;
  }
  // Interprets the completed line without allocating in the common case (a line that is not a
  // protocol line only overwrites last_line's buffer), so output volume never grows memory.
  void line_done() {
    std::string_view line(line_);
    const auto b = line.find_first_not_of(" \t\r\n");
    const bool truncated = truncated_;
    const uint64_t length = line_.size() + dropped_;
    truncated_ = false;
    dropped_ = 0;
    if (b == std::string_view::npos) {
      line_.clear();
      return;
    }
    line = line.substr(b, line.find_last_not_of(" \t\r\n") - b + 1);
    if (line.rfind("parzen:report", 0) == 0) {
      report(trim(std::string(line.substr(13))), std::string(line.substr(0, 200)));
    } else if (line.rfind("parzen:result", 0) == 0) {
      if (result_.result_line)
        protocol_error(
            fmt::format("ignored 'parzen:result {}': a later parzen:result line replaced it",
                        result_.result_line->substr(0, 200)));
      result_.result_line = trim(std::string(line.substr(13)));
    } else if (keyword(line, "parzen:attr")) {
      attr(trim(std::string(line.substr(11))), line.substr(0, 200));
    } else if (keyword(line, "parzen:constraint")) {
      constraint(trim(std::string(line.substr(17))), line.substr(0, 200));
    } else if (line.rfind("parzen:", 0) == 0) {
      protocol_error(fmt::format(
          "ignored unknown protocol line '{}' (the protocol has parzen:report, parzen:result, "
          "parzen:attr and parzen:constraint)",
          line.substr(0, 200)));
    } else {
      // Cut at 64 KiB: kept without a marker of ours (the value parser must not blame the
      // program for it); the full length says why it cannot be a value.
      result_.last_line.assign(line);
      result_.last_line_cut_bytes = truncated ? length : 0;
    }
    line_.clear();
  }

  // `line` starts with `word` followed by a space, a tab or nothing.
  static bool keyword(std::string_view line, std::string_view word) {
    return line.rfind(word, 0) == 0 &&
           (line.size() == word.size() || line[word.size()] == ' ' || line[word.size()] == '\t');
  }

  // Replaces the value of `key` in place, or appends it while fewer than kMaxNamed are kept.
  template <class V>
  bool put(std::vector<std::pair<std::string, V>>& list, const std::string& key, V value,
           std::string_view shown) {
    for (auto& [k, v] : list)
      if (k == key) {
        v = std::move(value);
        return true;
      }
    if (list.size() >= kMaxNamed) {
      protocol_error(
          fmt::format("ignored '{}': a trial keeps at most {} attributes and {} "
                      "constraints",
                      shown, kMaxNamed, kMaxNamed));
      return false;
    }
    list.emplace_back(key, std::move(value));
    return true;
  }

  // parzen:attr KEY JSON
  void attr(const std::string& rest, std::string_view shown) {
    const auto sp = rest.find_first_of(" \t");
    if (sp == std::string::npos) {
      protocol_error(fmt::format(
          "ignored malformed line '{}' (expected 'parzen:attr KEY JSON', e.g. 'parzen:attr "
          "accuracy 0.93' or 'parzen:attr note \"text\"')",
          shown));
      return;
    }
    const std::string key = rest.substr(0, sp);
    if (key.rfind("parzen.", 0) == 0) {
      protocol_error(fmt::format(
          "ignored '{}': attribute keys starting with 'parzen.' are Parzen's own", shown));
      return;
    }
    const std::string text = trim(rest.substr(sp));
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
      protocol_error(fmt::format(
          "ignored '{}': the value is not JSON (write text in double quotes: parzen:attr {} "
          "\"...\")",
          shown, key));
      return;
    }
    put(result_.user_attrs, detail::storable_text(key), detail::dump_json(value), shown);
  }

  // parzen:constraint NAME VALUE
  void constraint(const std::string& rest, std::string_view shown) {
    const auto sp = rest.find_first_of(" \t");
    double value = 0;
    if (sp == std::string::npos || !parse_double(trim(rest.substr(sp)), value)) {
      protocol_error(fmt::format(
          "ignored malformed line '{}' (expected 'parzen:constraint NAME VALUE' with a number, "
          "feasible when <= 0)",
          shown));
      return;
    }
    if (std::isnan(value)) {
      protocol_error(fmt::format("ignored '{}': a constraint value must not be nan", shown));
      return;
    }
    put(result_.constraints, detail::storable_text(rest.substr(0, sp)), value, shown);
  }

  void report(const std::string& rest, const std::string& shown) {
    const auto sp = rest.find_first_of(" \t");
    double step = 0, value = 0;
    // A step is an integer that fits int64_t (2^63 is exact in a double).
    if (sp == std::string::npos || !parse_double(rest.substr(0, sp), step) ||
        step != std::floor(step) || !(std::fabs(step) < 9223372036854775808.0) ||
        !parse_double(trim(rest.substr(sp)), value)) {
      protocol_error(
          fmt::format("ignored malformed line '{}' (expected 'parzen:report STEP "
                      "VALUE' with an integer step)",
                      shown));
      return;
    }
    if (control_.on_report && !stop_requested_ &&
        control_.on_report(static_cast<int64_t>(step), value))
      stop_requested_ = true;
  }

  ProcessResult& result_;
  const ProcessControl& control_;
  bool& stop_requested_;
  std::string line_{};
  bool truncated_ = false;
  uint64_t dropped_ = 0;  // bytes of the current line past kMaxLine
};

// The signal the supervisor receives when the runner's thread that started it dies.
constexpr int kParentDeathSignal = SIGHUP;
constexpr int kDefaultSignals[] = {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD};

void kill_own_group(int) { ::kill(0, SIGKILL); }

// The step of the start that failed, reported with its errno on the exec-error pipe.
enum SpawnStep : int { kSetupStep = 0, kChdirStep = 1, kExecStep = 2 };

// Writes the step and errno to the exec-error pipe and exits: only async-signal-safe calls.
[[noreturn]] void report_errno(int fd, int err, int step = kSetupStep) {
  const int report[2] = {step, err};
  [[maybe_unused]] const ssize_t w = ::write(fd, report, sizeof report);
  ::_exit(127);
}

// The file execvpe tried for `program`, which runs in `dir`: the program itself when it has a
// '/' (relative to dir), else the first PATH entry holding something of that name (glibc searches
// the caller's PATH, "/bin:/usr/bin" when unset; an empty entry is the working directory).
std::filesystem::path program_file(const std::string& program, const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path base = dir.empty() ? fs::path(".") : fs::path(dir);
  if (program.find('/') != std::string::npos)
    return (fs::path(program).is_absolute() ? fs::path(program) : base / program)
        .lexically_normal();
  const char* env = std::getenv("PATH");
  const std::string path = env ? env : "/bin:/usr/bin";
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find(':', start), path.size());
    const fs::path entry = end == start ? base : fs::path(path.substr(start, end - start));
    const fs::path file = (entry.is_absolute() ? entry : base / entry) / program;
    std::error_code ec;
    if (fs::exists(fs::symlink_status(file, ec))) return file.lexically_normal();
    start = end + 1;
  }
  return {};
}

// The interpreter named by the "#!" line of `file`, or "" when it has none.
std::string shebang_interpreter(const std::filesystem::path& file) {
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (!f) return "";
  char line[256] = {};
  const bool got = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  if (!got || line[0] != '#' || line[1] != '!') return "";
  std::string_view rest(line + 2);
  const auto first = rest.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  rest.remove_prefix(first);
  return std::string(rest.substr(0, rest.find_first_of(" \t\r\n")));
}

// Why the program did not start, naming the path at fault: the working directory (missing, not a
// directory, not enterable), the program (not found, a directory, not executable) or a script's
// "#!" interpreter (missing); otherwise the system's errno text.
std::string spawn_failure(const ProcessSpec& spec, int step, int err) {
  namespace fs = std::filesystem;
  const std::string& program = spec.argv[0];
  const std::string dir = spec.working_directory.empty() ? "." : spec.working_directory;
  const std::string head = fmt::format("cannot run '{}' in {}: ", program, dir);
  const std::string why = std::strerror(err);
  if (step == kChdirStep) {
    if (err == ENOENT) return head + fmt::format("the working directory '{}' does not exist", dir);
    if (err == ENOTDIR)
      return head + fmt::format("the working directory '{}' is not a directory", dir);
    if (err == EACCES)
      return head + fmt::format(
                        "the working directory '{}' cannot be entered (permission denied: it, or a "
                        "directory above it, lacks search permission)",
                        dir);
    return head + fmt::format("cannot enter the working directory '{}': {}", dir, why);
  }
  if (step != kExecStep) return head + why;
  const fs::path file = program_file(program, spec.working_directory);
  std::error_code ec;
  if (file.empty() || !fs::exists(file, ec)) {
    if (program.find('/') == std::string::npos)
      return head + fmt::format("no program '{}' on PATH ({})", program, why);
    return head + fmt::format("'{}' does not exist ({})", file.string(), why);
  }
  if (fs::is_directory(file, ec))
    return head + fmt::format("'{}' is a directory, not a program", file.string());
  const std::string interpreter = shebang_interpreter(file);
  if (!interpreter.empty() && (err == ENOENT || err == EACCES || err == ENOTDIR)) {
    if (!fs::exists(interpreter, ec))
      return head + fmt::format("the \"#!\" interpreter '{}' of script '{}' does not exist",
                                interpreter, file.string());
    if (fs::is_directory(interpreter, ec))
      return head + fmt::format("the \"#!\" interpreter '{}' of script '{}' is a directory",
                                interpreter, file.string());
  }
  if (err == EACCES && ::access(file.c_str(), X_OK) != 0)
    return head + fmt::format(
                      "'{}' is not executable (permission denied: chmod +x it, or run it "
                      "through its interpreter)",
                      file.string());
  if (err == ENOENT)
    return head + fmt::format(
                      "'{}' exists but cannot start: the loader or interpreter it names is "
                      "missing ({})",
                      file.string(), why);
  return head + fmt::format("'{}': {}", file.string(), why);
}

// Runs in the forked child of a (possibly multi-threaded) runner, so only async-signal-safe
// calls. It leads the trial's process group and asks the kernel for kParentDeathSignal when the
// runner dies (PR_SET_PDEATHSIG, then a re-check of getppid() for a runner already gone); the
// handler SIGKILLs the whole group, the program and whatever it started. It ignores the SIGTERM
// the runner sends the group (the program gets it; kill_grace_period keeps working), waits for
// the program and exits the way it did: the same exit status or the same signal.
[[noreturn]] void supervise(pid_t runner, char* const argv[], char* const envp[],
                            const char* working_directory, int out_fd, int err_fd,
                            int exec_err_fd) {
  ::setpgid(0, 0);
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  // Handlers inherited from the runner (Ctrl-C, sanitizers) have no business here.
  for (int s = 1; s < NSIG; ++s) {
    struct sigaction old {};
    if (s == SIGKILL || s == SIGSTOP || ::sigaction(s, nullptr, &old) != 0) continue;
    if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN) {
      sa.sa_handler = SIG_DFL;
      ::sigaction(s, &sa, nullptr);
    }
  }
  sa.sa_handler = kill_own_group;
  ::sigaction(kParentDeathSignal, &sa, nullptr);
  sa.sa_handler = SIG_IGN;
  ::sigaction(SIGTERM, &sa, nullptr);
  sa.sa_handler = SIG_DFL;
  for (int s : {SIGINT, SIGPIPE, SIGQUIT, SIGCHLD}) ::sigaction(s, &sa, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::prctl(PR_SET_PDEATHSIG, kParentDeathSignal) != 0) report_errno(exec_err_fd, errno);
  if (::getppid() != runner) kill_own_group(0);  // the runner died before prctl took effect

  const int in_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (in_fd < 0 || ::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0)
    report_errno(exec_err_fd, errno);
  // Nothing else of the runner's stays open here (other trials' pipes, database connections):
  // the exec-error pipe moves to fd 3, everything above it closes.
  constexpr int kExecErrFd = 3;
  if (exec_err_fd != kExecErrFd && ::dup3(exec_err_fd, kExecErrFd, O_CLOEXEC) < 0)
    report_errno(exec_err_fd, errno);
  ::close_range(kExecErrFd + 1, ~0U, 0);
  // vfork: the supervisor has nothing to do until the exec, and copies no page tables.
  const pid_t program = ::vfork();
  if (program < 0) report_errno(kExecErrFd, errno);
  if (program == 0) {
    for (int s : kDefaultSignals) ::sigaction(s, &sa, nullptr);  // sa: SIG_DFL
    if (working_directory && ::chdir(working_directory) != 0)
      report_errno(kExecErrFd, errno, kChdirStep);
    ::execvpe(argv[0], argv, envp);
    report_errno(kExecErrFd, errno, kExecStep);
  }
  ::close(kExecErrFd);  // the runner's read ends at the exec (close-on-exec) or the errno
  int status = 0;
  while (::waitpid(program, &status, 0) < 0) {
    if (errno != EINTR) ::_exit(127);
  }
  if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
  const int sig = WTERMSIG(status);
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);  // the program dumped its core if it was going to
  ::sigaction(sig, &sa, nullptr);      // sa: SIG_DFL
  sigset_t just_sig;
  sigemptyset(&just_sig);
  sigaddset(&just_sig, sig);
  ::sigprocmask(SIG_UNBLOCK, &just_sig, nullptr);
  ::kill(::getpid(), sig);
  ::_exit(128 + sig);  // a signal whose default is not to terminate: cannot have ended it
}

}  // namespace

ProcessResult run_trial_process(const ProcessSpec& spec, const ProcessControl& control) {
  ProcessResult result;
  const auto start = SteadyClock::now();
  if (spec.argv.empty() || spec.argv[0].empty()) {
    result.end = ProcessResult::End::SpawnFailed;
    result.spawn_error = "the command is empty";
    return result;
  }
  // exec takes C strings: a NUL byte would cut the argument short without a word.
  for (size_t i = 0; i < spec.argv.size(); ++i) {
    const auto nul = spec.argv[i].find('\0');
    if (nul == std::string::npos) continue;
    result.end = ProcessResult::End::SpawnFailed;
    result.spawn_error = fmt::format(
        "argument {} of the command ('{}\\0...', from the command or a parameter value) contains a "
        "NUL byte at offset {}, which no program can receive: refused rather than cut short",
        i, spec.argv[i].substr(0, nul), nul);
    return result;
  }
  for (const auto& [key, value] : spec.environment)
    if (key.find('\0') != std::string::npos || value.find('\0') != std::string::npos) {
      result.end = ProcessResult::End::SpawnFailed;
      result.spawn_error = fmt::format(
          "environment variable '{}' contains a NUL byte, which no program can receive: refused "
          "rather than cut short",
          key.substr(0, key.find('\0')));
      return result;
    }

  // Everything the child needs is prepared before spawning.
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos && spec.environment.count(entry.substr(0, eq))) continue;
    env_strings.push_back(entry);
  }
  for (const auto& [k, v] : spec.environment) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  Fd out_r, out_w, err_r, err_w;
  make_pipe(out_r, out_w);
  make_pipe(err_r, err_w);

  // The trial runs under a small supervisor (see supervise()): the runner's death, even by
  // SIGKILL, kills the trial's whole process group. The exec's errno comes back on `exec_err`.
  Fd exec_err_r, exec_err_w;
  make_pipe(exec_err_r, exec_err_w);
  const char* const working_directory =
      spec.working_directory.empty() ? nullptr : spec.working_directory.c_str();
  const pid_t runner = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0)
    supervise(runner, argv.data(), envp.data(), working_directory, out_w.fd, err_w.fd,
              exec_err_w.fd);  // never returns
  ::setpgid(pid, pid);         // also done by the child: whichever runs first, no kill(-pid) misses
  out_w.reset();
  err_w.reset();
  exec_err_w.reset();
  int exec_report[2] = {0, 0};  // the step that failed, its errno
  ssize_t got_errno = 0;
  do {
    got_errno = ::read(exec_err_r.fd, exec_report, sizeof exec_report);
  } while (got_errno < 0 && errno == EINTR);
  exec_err_r.reset();
  if (got_errno == static_cast<ssize_t>(sizeof exec_report)) {
    int ignored = 0;
    while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
    }
    result.end = ProcessResult::End::SpawnFailed;
    result.spawn_error = spawn_failure(spec, exec_report[0], exec_report[1]);
    return result;
  }

  bool stop_requested = false;  // by the report callback (pruning)
  StdoutParser parser(result, control, stop_requested);
  LogFile out_log(spec.stdout_log, spec.log_max_bytes, result.log_error);
  LogFile err_log(spec.stderr_log, spec.log_max_bytes, result.log_error);
  const std::optional<SteadyClock::time_point> deadline =
      spec.timeout_seconds
          ? std::optional(start + std::chrono::duration_cast<SteadyClock::duration>(
                                      std::chrono::duration<double>(*spec.timeout_seconds)))
          : std::nullopt;
  const auto grace = std::chrono::duration<double>(spec.kill_grace_seconds);
  std::optional<SteadyClock::time_point> term_sent, exited_at;
  bool killed = false, timed_out = false, stopped = false;
  int status = 0;
  char buf[65536];
  // The supervisor's end wakes the poll below at once (a pidfd is readable when its process has
  // ended), so a short trial costs no polling delay; without pidfds (Linux < 5.3) the loop
  // checks every 20 ms.
  Fd pidfd;
  pidfd.fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));

  while (true) {
    pollfd fds[3];
    nfds_t n = 0;
    if (out_r.fd >= 0) fds[n++] = {out_r.fd, POLLIN, 0};
    if (err_r.fd >= 0) fds[n++] = {err_r.fd, POLLIN, 0};
    const nfds_t n_pipes = n;
    if (pidfd.fd >= 0 && !exited_at) fds[n++] = {pidfd.fd, POLLIN, 0};
    // Timeouts, the grace period and kill_now are checked at least every 50 ms.
    const int wait_ms = (pidfd.fd >= 0 || n_pipes > 0) ? 50 : 20;
    if (n > 0) {
      ::poll(fds, n, wait_ms);
    } else {
      ::usleep(static_cast<useconds_t>(wait_ms) * 1000);
    }
    for (nfds_t i = 0; i < n_pipes; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        (fds[i].fd == out_r.fd ? out_r : err_r).reset();
        continue;
      }
      if (fds[i].fd == out_r.fd) {
        result.stdout_bytes += static_cast<uint64_t>(got);
        out_log.write(buf, static_cast<size_t>(got));
        parser.feed(buf, static_cast<size_t>(got));
      } else {
        err_log.write(buf, static_cast<size_t>(got));
        result.stderr_tail.append(buf, static_cast<size_t>(got));
        if (result.stderr_tail.size() > 2 * kStderrTail)
          result.stderr_tail.erase(0, result.stderr_tail.size() - kStderrTail);
      }
    }

    const auto now = SteadyClock::now();
    if (!exited_at) {
      const pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) exited_at = now;
    }
    if (exited_at) {
      // The program has ended; what it left running in its group ends with it.
      if ((out_r.fd < 0 && err_r.fd < 0) || now - *exited_at > std::chrono::seconds(1)) break;
      continue;
    }
    if (control.kill_now && control.kill_now->load() && !killed) {
      ::kill(-pid, SIGKILL);
      killed = true;
    }
    if (!term_sent && ((deadline && now >= *deadline) || stop_requested)) {
      timed_out = deadline && now >= *deadline;
      stopped = !timed_out;
      ::kill(-pid, SIGTERM);
      term_sent = now;
    }
    if (term_sent && !killed && now - *term_sent >= grace) {
      ::kill(-pid, SIGKILL);
      killed = true;
    }
  }
  ::kill(-pid, SIGKILL);  // leftovers of the group, if any (ESRCH otherwise)
  parser.finish();
  if (result.stderr_tail.size() > kStderrTail)
    result.stderr_tail.erase(0, result.stderr_tail.size() - kStderrTail);

  result.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  if (timed_out) {
    result.end = ProcessResult::End::TimedOut;
  } else if (stopped || (control.kill_now && control.kill_now->load() && killed)) {
    result.end = ProcessResult::End::Stopped;
  } else if (WIFSIGNALED(status)) {
    result.end = ProcessResult::End::Signaled;
    result.signal = WTERMSIG(status);
  } else {
    result.end = ProcessResult::End::Exited;
    result.exit_code = WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

// An unnamed objective by the name `show`, `export` and `best` give it: values_0, values_1, ...
// (a study with several objectives and no `metrics`). SIZE_MAX when `name` is not one.
static size_t unnamed_metric_index(const std::string& name, const std::vector<std::string>& metrics,
                                   size_t n_values) {
  constexpr std::string_view prefix = "values_";
  if (!metrics.empty() || n_values < 2 || name.size() <= prefix.size() ||
      name.compare(0, prefix.size(), prefix) != 0)
    return SIZE_MAX;
  size_t i = 0;
  for (size_t k = prefix.size(); k < name.size(); ++k) {
    if (name[k] < '0' || name[k] > '9' ||
        (k == prefix.size() && name[k] == '0' && k + 1 < name.size()))
      return SIZE_MAX;
    i = i * 10 + static_cast<size_t>(name[k] - '0');
    if (i >= n_values) return SIZE_MAX;
  }
  return i;
}

std::vector<double> parse_trial_values(const std::string& text,
                                       const std::vector<std::string>& metrics, size_t n_values) {
  std::vector<std::string> tokens;
  std::string cur;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == ',' || c == '\r') {
      if (!cur.empty()) tokens.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) tokens.push_back(cur);
  // The messages below travel as exception text (a C string): NUL bytes become U+FFFD.
  const auto visible = [](const std::string& s) { return detail::storable_text(s); };
  const std::string shown = visible(text.size() > 200 ? text.substr(0, 200) + "..." : text);
  if (tokens.empty()) throw InvalidArgument("no value");
  std::vector<double> values(n_values, std::nan(""));
  std::vector<bool> seen(n_values, false);
  size_t positional = 0;
  for (const auto& t : tokens) {
    const auto eq = t.find('=');
    double v = 0;
    if (eq == std::string::npos) {
      if (!parse_double(t, v))
        throw InvalidArgument(fmt::format("'{}' is not a number (in '{}')", visible(t), shown));
      if (positional >= n_values)
        throw InvalidArgument(
            fmt::format("'{}' holds more than the {} value(s) the study expects", shown, n_values));
      seen[positional] = true;
      values[positional++] = v;
      continue;
    }
    const std::string name = t.substr(0, eq);
    if (!parse_double(t.substr(eq + 1), v))
      throw InvalidArgument(
          fmt::format("'{}' is not a number (in '{}')", visible(t.substr(eq + 1)), shown));
    size_t i = 0;
    while (i < metrics.size() && metrics[i] != name) ++i;
    if (i == metrics.size()) {
      if (n_values == 1 && metrics.empty() && tokens.size() == 1) {
        i = 0;  // "accuracy=0.98" in a single-objective study with unnamed metrics
      } else if (const size_t u = unnamed_metric_index(name, metrics, n_values); u != SIZE_MAX) {
        i = u;  // "values_0=1 values_1=2": the names show and export use
      } else {
        std::string known;
        for (const auto& m : metrics) known += (known.empty() ? "" : ", ") + m;
        throw InvalidArgument(
            fmt::format("unknown metric '{}' in '{}'; the experiment's metrics "
                        "are: {}",
                        visible(name), shown,
                        known.empty() ? fmt::format("unnamed: give the values in order, or as "
                                                    "values_0=... to values_{}=..., or add "
                                                    "metrics = [...] to the experiment",
                                                    n_values - 1)
                                      : known));
      }
    }
    if (seen[i])
      throw InvalidArgument(fmt::format(
          "'{}' gives {} twice (in '{}')", visible(name),
          i < metrics.size() ? "metric '" + metrics[i] + "'" : fmt::format("value {}", i + 1),
          shown));
    seen[i] = true;
    values[i] = v;
  }
  for (size_t i = 0; i < n_values; ++i)
    if (!seen[i])
      throw InvalidArgument(fmt::format(
          "'{}' lacks {}: the study expects {} value(s)", shown,
          metrics.size() > i ? "'" + metrics[i] + "'" : fmt::format("value {}", i + 1), n_values));
  return values;
}

std::optional<JsonResult> parse_json_result(const std::string& text,
                                            const std::vector<std::string>& metrics,
                                            const std::vector<std::string>& constraints,
                                            size_t n_values) {
  const auto b = text.find_first_not_of(" \t\r");
  if (b == std::string::npos || text[b] != '{') return std::nullopt;
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& ex) {
    // Python's json.dumps writes float("nan") and float("inf") as NaN and Infinity, which JSON
    // has not: say so rather than quote the parser.
    for (const char* word : {"NaN", "Infinity"})
      if (text.find(word) != std::string::npos)
        throw InvalidArgument(fmt::format(
            "a value in it is {} (as Python's json.dumps writes float(\"{}\")): a metric or "
            "constraint must be a finite number",
            word, word == std::string("NaN") ? "nan" : "inf"));
    throw InvalidArgument(fmt::format("it starts with '{{' but is not a JSON object ({})",
                                      detail::storable_text(json_error_text(ex.what()))));
  }
  if (!j.is_object()) throw InvalidArgument("it starts with '{' but is not a JSON object");
  JsonResult out;
  out.values.assign(n_values, std::nan(""));
  std::vector<bool> seen(n_values, false);
  const auto number = [](const std::string& key, const nlohmann::ordered_json& v) {
    if (!v.is_number())
      throw InvalidArgument(
          fmt::format("\"{}\" is {}, not a number", detail::storable_text(key), v.dump()));
    return v.get<double>();
  };
  for (const auto& [key, v] : j.items()) {
    size_t i = 0;
    while (i < metrics.size() && metrics[i] != key) ++i;
    bool is_metric = i < metrics.size() && i < n_values;
    if (!is_metric && key == "default" && n_values == 1) {
      i = 0;
      is_metric = true;
    }
    if (const size_t u = unnamed_metric_index(key, metrics, n_values);
        !is_metric && u != SIZE_MAX) {
      i = u;  // {"values_0": 1, "values_1": 2}: the names show and export use
      is_metric = true;
    }
    if (is_metric) {
      out.values[i] = number(key, v);
      seen[i] = true;
    } else if (std::find(constraints.begin(), constraints.end(), key) != constraints.end()) {
      out.constraints.emplace_back(key, number(key, v));
    } else {
      out.user_attrs.emplace_back(detail::storable_text(key), detail::dump_json(v));
    }
  }
  for (size_t i = 0; i < n_values; ++i)
    if (!seen[i]) {
      std::string names;
      for (const auto& m : metrics) names += (names.empty() ? "\"" : ", \"") + m + "\"";
      throw InvalidArgument(fmt::format(
          "the JSON object lacks {}: give {}",
          i < metrics.size() ? "\"" + metrics[i] + "\"" : fmt::format("value {}", i + 1),
          n_values == 1 && metrics.empty()
              ? "the value as \"default\" (NNI's name) or name it with the experiment's metric"
          : metrics.empty()
              ? fmt::format("every value by the name show and export use (\"values_0\" to "
                            "\"values_{}\"; this study's metrics are unnamed), or add metrics = "
                            "[...] to the experiment",
                            n_values - 1)
              : "every metric by name (" + names + ")"));
    }
  return out;
}

std::string describe_end(const ProcessResult& r) {
  switch (r.end) {
    case ProcessResult::End::Exited:
      return fmt::format("exited with status {}", r.exit_code);
    case ProcessResult::End::Signaled:
      return fmt::format("killed by signal {} ({})", r.signal, ::strsignal(r.signal));
    case ProcessResult::End::TimedOut:
      return "exceeded the trial timeout; its process group was killed";
    case ProcessResult::End::Stopped:
      return "stopped";
    case ProcessResult::End::SpawnFailed:
      return r.spawn_error;
  }
  return "";
}

std::string terminal_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto escaped = [&out](const char* format, unsigned value) {
    char buf[8];
    std::snprintf(buf, sizeof buf, format, value);
    out += buf;
  };
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
        escaped("\\x%02x", c);
      else
        out += static_cast<char>(c);
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence (no overlong forms, no surrogates, at most U+10FFFF).
    const size_t len = c >= 0xc2 && c <= 0xdf   ? 2
                       : c >= 0xe0 && c <= 0xef ? 3
                       : c >= 0xf0 && c <= 0xf4 ? 4
                                                : 0;
    bool ok = len > 0 && i + len <= text.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    if (ok && len > 2) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0) && !(c == 0xf0 && c1 < 0x90) &&
           !(c == 0xf4 && c1 >= 0x90);
    }
    if (!ok) {
      escaped("\\x%02x", c);
      ++i;
      continue;
    }
    const auto c1 = static_cast<unsigned char>(text[i + 1]);
    if (c == 0xc2 && c1 < 0xa0)  // U+0080..U+009F: C1 controls (CSI is U+009B)
      escaped("\\u%04x", c1);
    else
      out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::string terminal_text_for(std::FILE* f, std::string_view text) {
  return ::isatty(::fileno(f)) ? terminal_text(text) : std::string(text);
}

std::string stderr_reason(const std::string& tail, size_t max_lines) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < tail.size()) {
    size_t end = tail.find('\n', pos);
    if (end == std::string::npos) end = tail.size();
    std::string line = tail.substr(pos, end - pos);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    pos = end + 1;
  }
  if (lines.empty()) return "";
  constexpr size_t kMaxShown = 300;
  const auto cut = [](std::string l) {
    return l.size() > kMaxShown ? l.substr(0, kMaxShown - 3) + "..." : l;
  };
  // The last line is what went wrong; stripped of its indentation (a traceback's is none).
  std::string out = ": " + cut(trim(lines.back()));
  // The lines before it (a traceback's frames), once: the last line is not repeated.
  if (lines.size() > 1) {
    const size_t before = lines.size() - 1;
    const size_t first = before > max_lines ? before - max_lines : 0;
    out += first > 0
               ? fmt::format("\nstderr before it (last {} of {} lines):", before - first, before)
               : std::string("\nstderr before it:");
    for (size_t i = first; i < before; ++i) out += "\n  " + cut(lines[i]);
  }
  return out;
}

std::string json_error_text(const std::string& what) {
  if (what.rfind("[json.exception.", 0) == 0)
    if (const auto end = what.find("] "); end != std::string::npos) return what.substr(end + 2);
  return what;
}

}  // namespace parzen::cli
