#pragma once
// `parzen logs`: what a trial run by `parzen run` or `parzen worker` wrote to stdout or stderr,
// from the files in its trial directory (docs/cli.md "Trial output").

#include <cstdint>
#include <optional>
#include <string>

namespace parzen::cli {

struct LogsArgs {
  std::string storage{};
  std::string study{};
  int64_t trial = -1;
  bool stderr_stream = false;     // --stderr; default stdout
  std::optional<int64_t> tail{};  // --tail N: the last N lines only
};

// Prints the stream (its rotated part FILE.1 first) to stdout. Throws NotFound when the study,
// the trial, its directory (another host's, or removed) or its logs (a trial from ask/tell) are
// missing, saying which.
int cmd_logs(const LogsArgs& args);

// The last `n` lines of `text` (a final line without a newline counts as one).
std::string last_lines(const std::string& text, int64_t n);

}  // namespace parzen::cli
