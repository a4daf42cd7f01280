// The parts of `parzen run`'s per-trial cost, each measured alone (bench/cli_overhead.py runs
// this beside `parzen run` itself and Optuna, and prints the breakdown):
//
//   process  N trial processes (`printf 0.5`) started and read as `parzen run` does: a fresh
//            trial directory, the supervisor, the logs, the protocol (run_trial_process)
//   sqlite   N trials of a Study on a fresh SQLite file with the CLI's settings (TPE, seed 1,
//            one float parameter, heartbeat 5 s), the objective returning 0.5 without a process
//   memory   the same on the in-memory storage: the sampler and the study core
//
// One JSON line per part: {"part": ..., "n_trials": N, "seconds": wall, "cpu_seconds": ...}; the
// CPU time counts this process and, for "process", the trial processes it reaped.
//
//   bench_cli_overhead --trials 1000 --dir /tmp/somewhere [--part process|sqlite|memory]

#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/trial_process.hpp"
#include "parzen/parzen.hpp"
#include "parzen/registry.hpp"

namespace {

namespace fs = std::filesystem;

double cpu_now(bool children) {
  rusage self{}, kids{};
  getrusage(RUSAGE_SELF, &self);
  if (children) getrusage(RUSAGE_CHILDREN, &kids);
  const auto sec = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return sec(self.ru_utime) + sec(self.ru_stime) + sec(kids.ru_utime) + sec(kids.ru_stime);
}

template <typename F>
void timed(const std::string& part, int64_t n, bool children, F body) {
  const double cpu = cpu_now(children);
  const auto start = std::chrono::steady_clock::now();
  body();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << nlohmann::json{{"part", part},
                              {"n_trials", n},
                              {"seconds", wall},
                              {"cpu_seconds", cpu_now(children) - cpu}}
                   .dump()
            << std::endl;
}

void processes(int64_t n, const fs::path& dir) {
  timed("process", n, true, [&] {
    for (int64_t i = 0; i < n; ++i) {
      const fs::path trial = dir / fmt::format("trial-{}", i);
      fs::create_directories(trial);
      parzen::cli::ProcessSpec spec;
      spec.argv = {"printf", "0.5"};
      spec.working_directory = dir.string();
      spec.stdout_log = (trial / "stdout.log").string();
      spec.stderr_log = (trial / "stderr.log").string();
      spec.environment = {{"PARZEN_TRIAL_DIR", trial.string()}, {"PARZEN_SLOT", "0"}};
      const auto r = parzen::cli::run_trial_process(spec);
      if (r.end != parzen::cli::ProcessResult::End::Exited || r.last_line != "0.5")
        throw std::runtime_error("the trial process did not print 0.5");
    }
  });
}

void study(const std::string& part, int64_t n, const std::string& storage) {
  auto s = parzen::Study::create({.name = "overhead",
                                  .storage = storage,
                                  .sampler = parzen::make_sampler("tpe", {{"seed", 1}}),
                                  .heartbeat_interval_seconds = 5.0,
                                  .grace_period_seconds = 30.0,
                                  .log_level = parzen::LogLevel::Silent});
  timed(part, n, false, [&] {
    s.optimize(
        [](parzen::Trial& t) {
          t.suggest_float("x", 0, 1);
          return 0.5;
        },
        {.n_trials = n});
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Per-trial cost of parzen run's parts"};
  int64_t n = 1000;
  std::string dir, part = "all";
  app.add_option("--trials", n, "Trials per part")->capture_default_str();
  app.add_option("--dir", dir, "A scratch directory (trial directories, the SQLite file)")
      ->required();
  app.add_option("--part", part, "process, sqlite, memory or all")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  fs::create_directories(dir);
  if (part == "all" || part == "process") processes(n, fs::path(dir) / "trials");
  if (part == "all" || part == "sqlite") {
    const fs::path db = fs::path(dir) / "bench.db";
    fs::remove(db);
    study("sqlite", n, "sqlite:///" + fs::absolute(db).string());
  }
  if (part == "all" || part == "memory") study("memory", n, "memory:");
  return 0;
}
