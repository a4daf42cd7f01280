// Trials per second through the SQLite and PostgreSQL storages with 1, 4 and 8 worker
// processes (random sampler, 5 float parameters, trivial objective), side by side with
// Optuna 3.1's RDB storage on the same file or server in the same run (bench/optuna_storage.py
// through /usr/bin/python3, Debian python3-optuna and python3-psycopg2).
//
//   bench_storage_throughput [--postgres URL] [--postgres-durable URL] [--workers 1,4,8]
//                            [--durable-workers 8] [--trials 200] [--optuna-trials 50]
//
// Without --postgres the URL comes from PARZEN_BENCH_POSTGRES_URL, without --postgres-durable
// from PARZEN_BENCH_POSTGRES_DURABLE_URL; ./scripts/bench.sh starts two throwaway servers
// (scripts/pg-server.sh): one with fsync off, as the tests run it, and one durable
// (PARZEN_PG_DURABLE=1: fsync and synchronous_commit on, the server's defaults, as users run
// it), and passes both, so one run prints both figures for parzen and Optuna. Each configuration
// uses a new study; throughput counts complete trials from the first worker's start to the last
// one's exit.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

extern char** environ;

namespace {

int run_worker(const std::string& url, const std::string& study_name, int64_t n, uint64_t seed) {
  auto study = Study::create({.name = study_name,
                              .storage = url,
                              .sampler = RandomSampler::make({.seed = seed}),
                              .load_if_exists = true});
  study.optimize(
      [](Trial& t) {
        double s = 0;
        for (int i = 0; i < 5; ++i) {
          const double x = t.suggest_float(fmt::format("x{}", i), -5, 5);
          s += x * x;
        }
        return s;
      },
      {.n_trials = n, .catch_exceptions = false});
  return 0;
}

double parzen_throughput(const std::string& self, const std::string& url, const std::string& name,
                         int workers, int64_t n) {
  Study::create({.name = name, .storage = url});  // created once, before the workers race
  const auto start = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  for (int w = 0; w < workers; ++w) {
    std::vector<std::string> args = {self, "--worker",        url,
                                     name, std::to_string(n), std::to_string(w + 1)};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid;
    if (posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start a worker process");
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("a worker failed");
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto complete =
      Study::load({.name = name, .storage = url}).trials({TrialState::Complete}).size();
  return static_cast<double>(complete) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--worker")
    return run_worker(argv[2], argv[3], std::stoll(argv[4]), std::stoull(argv[5]));

  CLI::App app{"trials per second through parzen's and Optuna's relational storages"};
  std::string pg_url =
      std::getenv("PARZEN_BENCH_POSTGRES_URL") ? std::getenv("PARZEN_BENCH_POSTGRES_URL") : "";
  std::string pg_durable_url = std::getenv("PARZEN_BENCH_POSTGRES_DURABLE_URL")
                                   ? std::getenv("PARZEN_BENCH_POSTGRES_DURABLE_URL")
                                   : "";
  std::vector<int> workers = {1, 4, 8}, durable_workers = {8};
  int64_t trials = 200, optuna_trials = 50;
  bool no_optuna = false;
  app.add_option("--postgres", pg_url, "PostgreSQL URL (default: $PARZEN_BENCH_POSTGRES_URL)");
  app.add_option("--postgres-durable", pg_durable_url,
                 "PostgreSQL URL of a server with fsync and synchronous_commit on (default: "
                 "$PARZEN_BENCH_POSTGRES_DURABLE_URL)");
  app.add_option("--workers", workers, "worker process counts")->delimiter(',');
  app.add_option("--durable-workers", durable_workers,
                 "worker process counts on the durable server")
      ->delimiter(',');
  app.add_option("--trials", trials, "parzen trials per worker")->capture_default_str();
  app.add_option("--optuna-trials", optuna_trials, "Optuna trials per worker")
      ->capture_default_str();
  app.add_flag("--no-optuna", no_optuna, "measure parzen only");
  CLI11_PARSE(app, argc, argv);

  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) return 1;
  self[len] = '\0';

  const std::string dir = fmt::format("/tmp/parzen-bench-{}", getpid());
  std::filesystem::create_directories(dir);
  std::vector<std::string> backends = {"sqlite"};
  if (!pg_url.empty()) backends.push_back("postgresql");
  if (!pg_durable_url.empty()) backends.push_back("postgresql-durable");
  std::map<std::pair<std::string, int>, std::pair<double, double>> results;
  for (const auto& backend : backends) {
    const std::string server_url = backend == "postgresql-durable" ? pg_durable_url : pg_url;
    for (int w : backend == "postgresql-durable" ? durable_workers : workers) {
      const std::string tag = fmt::format("{}-{}", backend, w);
      const std::string parzen_url =
          backend == "sqlite" ? fmt::format("sqlite:///{}/parzen-{}.db", dir, tag) : server_url;
      const double p = parzen_throughput(
          self, parzen_url, "parzen-" + tag + "-" + std::to_string(getpid()), w, trials);
      double o = 0;
      if (!no_optuna) {
        const std::string optuna_url =
            backend == "sqlite" ? fmt::format("sqlite:///{}/optuna-{}.db", dir, tag) : server_url;
        for (const auto& row : bench::run_json_lines(
                 fmt::format("/usr/bin/python3 {}/optuna_storage.py '{}' optuna-{}-{} {} {}",
                             bench::bench_dir(), optuna_url, tag, getpid(), w, optuna_trials)))
          o = row["trials_per_second"].get<double>();
      }
      results[{backend, w}] = {p, o};
      std::cout << nlohmann::json{{"backend", backend},
                                  {"workers", w},
                                  {"parzen_trials_per_second", p},
                                  {"optuna_trials_per_second", o}}
                << std::endl;
    }
  }
  std::filesystem::remove_all(dir);

  fmt::print(
      "\n| storage | workers | parzen trials/s | Optuna 3.1 trials/s | ratio "
      "|\n|---|---:|---:|---:|---:|\n");
  for (const auto& [key, v] : results)
    fmt::print("| {} | {} | {:.0f} | {} | {} |\n", key.first, key.second, v.first,
               no_optuna ? "-" : fmt::format("{:.1f}", v.second),
               no_optuna || v.second <= 0 ? "-" : fmt::format("{:.0f}x", v.first / v.second));
  return 0;
}
