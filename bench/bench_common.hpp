#pragma once
// Helpers shared by the benchmark programs: running the Optuna side through Debian's
// /usr/bin/python3 and reading its JSON lines.

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bench {

// Runs a command (no user input reaches it) and returns the JSON objects it printed, one a line.
inline std::vector<nlohmann::json> run_json_lines(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run: " + command);
  std::vector<nlohmann::json> out;
  std::string line;
  char buf[4096];
  while (fgets(buf, sizeof buf, pipe)) {
    line += buf;
    if (line.empty() || line.back() != '\n') continue;
    if (line.front() == '{') out.push_back(nlohmann::json::parse(line));
    line.clear();
  }
  const int rc = pclose(pipe);
  if (rc != 0) throw std::runtime_error("failed (" + std::to_string(rc) + "): " + command);
  return out;
}

inline std::string bench_dir() { return PARZEN_BENCH_DIR; }

}  // namespace bench
