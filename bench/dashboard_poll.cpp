// The dashboard server's own time (no HTTP, no browser) at 10 000 and 100 000 trials: the first
// full load of a study's trials, a second (cached) full load, the study list, and a poll that
// returns one new trial (written by another storage connection, as another process would).
// Goal (issue 20): a one-trial poll <= 5 ms of server time at 100 000 trials.
//
//   bench_dashboard_poll [--trials 10000,100000] [--dir /tmp/parzen-dashboard-bench] [--polls 30]
//                        [--compact]
//
// --compact: every answer as the page asks for it (?compact=1: each parameter's distribution
// once per answer, no per-trial system attributes).
//
// Studies: SQLite files in --dir (study "bench" in study-N.db), reused by later runs. Write
// them fast first with the browser tests' writer (10 parameters, 5 intermediate values; 200
// trials asked and told, the rest copied in one transaction):
//   build/tests/parzen_browser_studies DIR/study-100000.db --big 100000 bench
// else this program writes them through the storage API (tests/dashboard/demo_study.hpp: 10
// parameters, 10 intermediate values), minutes per 100 000 trials. Each one-trial poll adds a
// trial of demo_study.hpp's.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "dashboard/api.hpp"
#include "demo_study.hpp"

namespace {

using Ms = std::chrono::duration<double, std::milli>;

template <class F>
double time_ms(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return Ms(std::chrono::steady_clock::now() - start).count();
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Wall and CPU time (this thread's: the storage is in-process) of f, in ms.
template <class F>
std::pair<double, double> wall_cpu_ms(F&& f) {
  const double cpu = thread_cpu_ms();
  const double wall = time_ms(f);
  return {wall, thread_cpu_ms() - cpu};
}

uint64_t version_of(const std::string& body) {
  const auto at = body.find("\"version\":");
  return std::stoull(body.substr(at + 10));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The dashboard server's time per request at 10 000 and 100 000 trials"};
  std::vector<int64_t> sizes = {10000, 100000};
  std::string dir = "/tmp/parzen-dashboard-bench";
  int polls = 30;
  app.add_option("--trials", sizes, "Study sizes")->delimiter(',');
  app.add_option("--dir", dir, "Where the study files are kept between runs");
  app.add_option("--polls", polls, "One-trial polls to time per size");
  bool compact = false;
  app.add_flag("--compact", compact, "Answers as the page asks for them (compact=1)");
  CLI11_PARSE(app, argc, argv);
  std::filesystem::create_directories(dir);

  fmt::print(
      "Server time per request in ms, wall (CPU of the serving thread); the machine is "
      "shared, so wall times include waiting for a core.{}\n",
      compact ? " Compact answers (compact=1)." : "");
  fmt::print("{:>8} {:>22} {:>22} {:>7} {:>20} {:>9} {:>20} {:>20} {:>9}\n", "trials",
             "storage read (all)", "first load", "MB", "cached load", "studies", "poll, 0 new",
             "poll, 1 new (med)", "(max)");
  for (const int64_t n : sizes) {
    const std::string url = fmt::format("sqlite:///{}/study-{}.db", dir, n);
    auto writer = parzen::make_storage(url);
    auto id = writer->find_study("bench");
    if (!id || writer->study(*id).n_trials < n) {
      const double ms = time_ms([&] {
        parzen_test::write_demo_study(*writer,
                                      {.name = "bench",
                                       .n_trials = n - (id ? writer->study(*id).n_trials : 0),
                                       .n_params = 10,
                                       .n_steps = 10});
      });
      id = writer->find_study("bench");
      fmt::print(stderr, "wrote the {}-trial study in {:.1f} s\n", n, ms / 1000);
    }
    // What reading every trial costs the storage alone (a fresh connection).
    const auto read = wall_cpu_ms([&] { (void)parzen::make_storage(url)->trials(*id); });
    // The server's storage: its own connection, as `parzen dashboard` opens it.
    parzen::dashboard::Api api(parzen::make_storage(url));
    std::shared_ptr<const std::string> reply;
    const auto body_of = [&]() -> const std::string& { return *reply; };
    const auto first = wall_cpu_ms([&] { reply = api.trials(*id, 0, compact); });
    const double mb = static_cast<double>(body_of().size()) / 1e6;
    const auto cached = wall_cpu_ms([&] { reply = api.trials(*id, 0, compact); });
    uint64_t version = version_of(body_of());
    const double studies = time_ms([&] { (void)api.studies(); });
    std::vector<double> idle, idle_cpu, one, one_cpu;
    for (int i = 0; i < polls; ++i) {
      const auto quiet = wall_cpu_ms([&] { reply = api.trials(*id, version, compact); });
      idle.push_back(quiet.first);
      idle_cpu.push_back(quiet.second);
      // Another connection adds a finished trial (10 parameters, 10 steps).
      parzen_test::write_demo_study(*writer, {.name = "bench",
                                              .n_trials = 1,
                                              .n_params = 10,
                                              .n_steps = 10,
                                              .seed = static_cast<uint32_t>(1000 + i)});
      const auto news = wall_cpu_ms([&] { reply = api.trials(*id, version, compact); });
      one.push_back(news.first);
      one_cpu.push_back(news.second);
      const std::string& body = body_of();
      if (body.find("\"number\":") == std::string::npos ||
          body.find("\"number\":", body.find("\"number\":") + 1) != std::string::npos) {
        fmt::print(stderr, "error: the poll did not return exactly one trial\n");
        return 1;
      }
      version = version_of(body_of());
    }
    const auto pair = [](double wall, double cpu) {
      return fmt::format("{:.3f} ({:.3f})", wall, cpu);
    };
    fmt::print("{:>8} {:>22} {:>22} {:>7.1f} {:>20} {:>9.3f} {:>20} {:>20} {:>9.3f}\n", n,
               pair(read.first, read.second), pair(first.first, first.second), mb,
               pair(cached.first, cached.second), studies,
               pair(bench::quantile(idle, 0.5), bench::quantile(idle_cpu, 0.5)),
               pair(bench::quantile(one, 0.5), bench::quantile(one_cpu, 0.5)),
               *std::max_element(one.begin(), one.end()));
    std::fflush(stdout);
  }
  return 0;
}
