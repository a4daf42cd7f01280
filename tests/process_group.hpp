#pragma once
// Test support shared by the CLI tests and the fault-injection suite: which processes of a
// process group still run (to check that no trial process outlives its runner).

#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace parzen_test_support {

// The processes (zombies aside) whose process group is `pgid`, from /proc.
inline std::vector<pid_t> live_group_members(pid_t pgid) {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const auto close = line.rfind(')');  // comm may hold spaces
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    std::string state;
    long ppid = 0, group = 0;
    rest >> state >> ppid >> group;
    if (group == pgid && state != "Z") found.push_back(std::stoi(name));
  }
  return found;
}

}  // namespace parzen_test_support
