#include "cli/logs.hpp"

#include "cli/commands.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "parzen/error.hpp"
#include "parzen/storage.hpp"
#include "parzen/system_attrs.hpp"

namespace parzen::cli {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string last_lines(const std::string& text, int64_t n) {
  if (n <= 0) return "";
  size_t end = text.size();
  if (end > 0 && text[end - 1] == '\n') --end;  // the final newline ends the last line
  size_t pos = end;
  for (int64_t i = 0; i < n; ++i) {
    const size_t nl = pos == 0 ? std::string::npos : text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return text.substr(pos + 1);
}

int cmd_logs(const LogsArgs& a) {
  // A plain .db path is an SQLite file; a missing one is said so, not created empty.
  auto storage = open_existing_storage(a.storage);
  const auto id = storage->find_study(a.study);
  if (!id)
    throw NotFound(fmt::format("no study '{}' in {}", a.study, redact_storage_url(a.storage)));
  const auto trials = storage->trials(*id);
  if (a.trial < 0 || static_cast<size_t>(a.trial) >= trials.size())
    throw NotFound(fmt::format("study '{}' has no trial {} ({})", a.study, a.trial,
                               trials.empty()
                                   ? std::string("it has no trials")
                                   : fmt::format("its trials are 0 to {}", trials.size() - 1)));
  const auto& t = trials[static_cast<size_t>(a.trial)];
  const auto it = t.system_attrs.find(keys::trial_dir);
  if (it == t.system_attrs.end() || !it->is_string())
    throw NotFound(fmt::format(
        "trial {} of study '{}' has no logs: only trials run by `parzen run` or `parzen worker` "
        "keep their output (this one was created by `parzen ask`/`tell`, the Python API or an "
        "older parzen)",
        a.trial, a.study));
  const fs::path dir = it->get<std::string>();
  if (!fs::is_directory(dir))
    throw NotFound(fmt::format(
        "trial {} of study '{}' kept its logs in {}, which does not exist here: the trial ran on "
        "another host ({}) or the directory was removed",
        a.trial, a.study, dir.string(), t.worker.empty() ? "worker unknown" : t.worker));
  const std::string name = a.stderr_stream ? "stderr.log" : "stdout.log";
  const auto older = read_file(dir / (name + ".1"));
  const auto current = read_file(dir / name);
  if (!older && !current) {
    std::cerr << fmt::format("trial {} wrote nothing to {} ({} has no {})\n", a.trial,
                             a.stderr_stream ? "stderr" : "stdout", dir.string(), name);
    return 0;
  }
  std::string text = older.value_or("") + current.value_or("");
  if (a.tail) text = last_lines(text, *a.tail);
  std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
  std::cout.flush();
  return 0;
}

}  // namespace parzen::cli
