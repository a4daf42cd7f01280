// The dashboard server's own time (no HTTP, no browser) at 10 000 and 100 000 trials: the first
// full load of a study's trials, a second (cached) full load, the study list, and a poll that
// returns one new trial (written by another storage connection, as another process would).
// Goal (issue 20): a one-trial poll <= 5 ms of server time at 100 000 trials.
//
//   bench_dashboard_poll [--trials 10000,100000] [--dir /tmp/parzen-dashboard-bench] [--polls 30]
//
// Studies: SQLite files in --dir, written once by tests/dashboard/demo_study.hpp (10
// parameters, 10 intermediate values per trial) and reused by later runs.
#include <algorithm>
#include <chrono>
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
  CLI11_PARSE(app, argc, argv);
  std::filesystem::create_directories(dir);

  fmt::print("{:>8} {:>12} {:>10} {:>12} {:>10} {:>12} {:>12} {:>12}\n", "trials", "first load",
             "MB", "cached load", "studies", "poll 0 new", "poll 1 (med)", "poll 1 (max)");
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
    // The server's storage: its own connection, as `parzen dashboard` opens it.
    parzen::dashboard::Api api(parzen::make_storage(url));
    std::string body;
    const double first = time_ms([&] { body = api.trials(*id, 0); });
    const double mb = static_cast<double>(body.size()) / 1e6;
    const double cached = time_ms([&] { body = api.trials(*id, 0); });
    uint64_t version = version_of(body);
    const double studies = time_ms([&] { (void)api.studies(); });
    std::vector<double> idle, one;
    for (int i = 0; i < polls; ++i) {
      idle.push_back(time_ms([&] { body = api.trials(*id, version); }));
      // Another connection adds a finished trial (10 parameters, 10 steps).
      parzen_test::write_demo_study(*writer, {.name = "bench",
                                              .n_trials = 1,
                                              .n_params = 10,
                                              .n_steps = 10,
                                              .seed = static_cast<uint32_t>(1000 + i)});
      one.push_back(time_ms([&] { body = api.trials(*id, version); }));
      if (body.find("\"number\":") == std::string::npos ||
          body.find("\"number\":", body.find("\"number\":") + 1) != std::string::npos) {
        fmt::print(stderr, "error: the poll did not return exactly one trial\n");
        return 1;
      }
      version = version_of(body);
    }
    fmt::print(
        "{:>8} {:>9.1f} ms {:>10.1f} {:>9.1f} ms {:>7.1f} ms {:>9.3f} ms {:>9.3f} ms {:>9.3f} ms\n",
        n, first, mb, cached, studies, bench::quantile(idle, 0.5), bench::quantile(one, 0.5),
        *std::max_element(one.begin(), one.end()));
  }
  return 0;
}
