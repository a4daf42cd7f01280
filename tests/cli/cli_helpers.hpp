#pragma once
// Running the real `parzen` binary from tests: argv without a shell, output captured in files.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "parzen/storage.hpp"

extern char** environ;

namespace parzen_test {

namespace fs = std::filesystem;

inline const std::string kParzen = PARZEN_CLI;
inline const std::string kTrialProgram = PARZEN_TEST_TRIAL;
inline const std::string kSourceDir = PARZEN_SOURCE_DIR;

// A fresh directory, removed with the object.
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("parzen-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
  std::string url(const std::string& db = "parzen.db") const {
    return "sqlite:///" + (path / db).string();
  }
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CliResult {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
};

// Starts parzen with `args`, stdout and stderr going to files in `dir`.
inline pid_t start_cli(const std::vector<std::string>& args, const fs::path& dir,
                       const std::string& tag = "cli") {
  std::vector<std::string> all = {kParzen};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = (dir / (tag + ".out")).string(), err = (dir / (tag + ".err")).string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

inline CliResult finish_cli(pid_t pid, const fs::path& dir, const std::string& tag = "cli") {
  CliResult r;
  int status = 0;
  if (waitpid(pid, &status, 0) == pid)
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(dir / (tag + ".out"));
  r.err = slurp(dir / (tag + ".err"));
  return r;
}

inline CliResult run_cli(const std::vector<std::string>& args, const fs::path& dir) {
  return finish_cli(start_cli(args, dir), dir);
}

// An experiment file in `dir` for study "s" in parzen.db whose command is `sh trial.sh` with the
// given script, one float x in [0, 1], and the given extra top-level keys.
inline std::string write_sh_experiment(const TempDir& dir, const std::string& keys,
                                       const std::string& script) {
  dir.file("trial.sh", script);
  return dir.file("exp.toml", "name = \"s\"\nstorage = \"sqlite:///parzen.db\"\n" + keys +
                                  "\ncommand = [\"sh\", \"trial.sh\"]\n[search_space]\n"
                                  "x = { type = \"float\", low = 0, high = 1 }\n");
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Every trial of the study in the storage at `url`, by number; none when the study is missing.
inline std::vector<parzen::FrozenTrial> trials_of(const std::string& url,
                                                  const std::string& study) {
  auto storage = parzen::make_storage(url);
  auto id = storage->find_study(study);
  return id ? storage->trials(*id) : std::vector<parzen::FrozenTrial>{};
}

}  // namespace parzen_test
