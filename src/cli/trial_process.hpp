#pragma once
// Runs one trial's program: argv without a shell, in its own process group, with a bounded
// memory footprint however much it prints, and reads the trial protocol from its stdout. The
// program's parent is a small supervisor that leads the group: when this process dies, even by
// SIGKILL, the kernel signals the supervisor (PR_SET_PDEATHSIG), which SIGKILLs the whole group,
// so no trial outlives its runner; otherwise it waits for the program and ends the same way
// (exit status or signal), so results read as if the program were our child.
//
//
//   parzen:report STEP VALUE        an intermediate value (e.g. after each epoch)
//   parzen:result VALUE [VALUE...]  the final value(s); or NAME=VALUE pairs naming the metrics
//   parzen:attr KEY JSON            a user attribute of the trial (a later KEY replaces it)
//   parzen:constraint NAME VALUE    a constraint value, feasible when <= 0 (a later NAME replaces)
//
// Without a result line, the last non-empty stdout line is read as the value(s), so a script
// that ends with print(accuracy) needs nothing else. See docs/trial-protocol.md.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parzen::cli {

struct ProcessSpec {
  std::vector<std::string> argv{};
  std::string working_directory{};
  std::map<std::string, std::string> environment{};  // added to (and overriding) ours
  std::optional<double> timeout_seconds{};
  double kill_grace_seconds = 5.0;  // SIGTERM, then SIGKILL after this long
  // Files that receive everything the program writes to stdout / stderr (empty: not kept). A
  // file reaching log_max_bytes is renamed to FILE.1 (replacing an older one) and started
  // afresh, so each stream keeps at most 2 x log_max_bytes on disk.
  std::string stdout_log{};
  std::string stderr_log{};
  uint64_t log_max_bytes = 10 * 1024 * 1024;
};

struct ProcessResult {
  enum class End { Exited, Signaled, TimedOut, Stopped, SpawnFailed };
  End end = End::Exited;
  int exit_code = 0;  // Exited
  int signal = 0;     // Signaled
  std::string spawn_error{};
  std::optional<std::string> result_line{};    // the text after "parzen:result "
  std::string last_line{};                     // the last non-empty stdout line
  uint64_t last_line_cut_bytes = 0;            // its full length when it was cut at 64 KiB, else 0
  std::string stderr_tail{};                   // the last few KiB of stderr
  std::string log_error{};                     // why a log file could not be written, if so
  std::vector<std::string> protocol_errors{};  // malformed or ignored parzen: lines (a few)
  // parzen:attr lines: key -> the JSON value, as compact JSON text (checked to parse), in the
  // order first seen; a later line with the same key replaces the value in place.
  std::vector<std::pair<std::string, std::string>> user_attrs{};
  // parzen:constraint lines: name -> value, in the order first seen (a later line replaces).
  std::vector<std::pair<std::string, double>> constraints{};
  uint64_t protocol_errors_not_kept = 0;  // how many more there were
  uint64_t stdout_bytes = 0;
  double seconds = 0;
};

// What the runner asks of the caller while the program runs.
struct ProcessControl {
  // Called for each "parzen:report STEP VALUE" line; returning true stops the trial (SIGTERM,
  // then SIGKILL after the grace period), e.g. because the pruner says so.
  std::function<bool(int64_t step, double value)> on_report{};
  // Set (from any thread) to kill the process group at once.
  const std::atomic<bool>* kill_now = nullptr;
};

// Runs the program to its end. Never throws for the program's failures (they are in the
// result); throws std::system_error when pipes cannot be created.
ProcessResult run_trial_process(const ProcessSpec& spec, const ProcessControl& control = {});

// Reads the values of a result line (or a last line): numbers separated by spaces or commas,
// or NAME=VALUE pairs when `metrics` names them. Throws InvalidArgument saying what is wrong.
std::vector<double> parse_trial_values(const std::string& text,
                                       const std::vector<std::string>& metrics, size_t n_values);

// The values of a parzen:result (or last line) that is a JSON object: keys naming a metric (or
// "default", NNI's name for the one objective) give the values, keys naming a constraint give
// constraint values, every other key is a user attribute. Throws InvalidArgument saying what is
// wrong; `text` not starting with '{' is not JSON (returns nullopt).
struct JsonResult {
  std::vector<double> values{};
  std::vector<std::pair<std::string, double>> constraints{};
  std::vector<std::pair<std::string, std::string>> user_attrs{};  // JSON text
};
std::optional<JsonResult> parse_json_result(const std::string& text,
                                            const std::vector<std::string>& metrics,
                                            const std::vector<std::string>& constraints,
                                            size_t n_values);

// "exited with status 3", "killed by signal 11 (Segmentation fault)", ...
std::string describe_end(const ProcessResult& result);

// nlohmann::json's exception text without its "[json.exception.parse_error.101] " prefix (the
// position and what was read stay: "parse error at line 1, column 15: ...").
std::string json_error_text(const std::string& what);

// `text` made safe to print to a terminal: each control character a trial could use to move the
// cursor, retitle the window or recolour the screen (C0 bytes but tab and newline, DEL, the C1
// controls U+0080..U+009F, and bytes that are not UTF-8) shown escaped as \xNN (\u00NN for C1),
// so ESC [ 2 J prints as the text "\x1b[2J". Everything else, UTF-8 included, is unchanged.
std::string terminal_text(std::string_view text);
// terminal_text(text) when `f` is a terminal, else text byte for byte (pipes and files).
std::string terminal_text_for(std::FILE* f, std::string_view text);

// The end of a trial's stderr as a failure reason reads it: ": LAST LINE" (a Python traceback's
// "ValueError: bad lr", its first line shown by progress lines), then, when there is more,
// "\nstderr before it:" and up to `max_lines` lines before the last. "" when stderr is empty.
std::string stderr_reason(const std::string& tail, size_t max_lines = 8);

}  // namespace parzen::cli
