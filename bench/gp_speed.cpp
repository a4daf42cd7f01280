// Milliseconds per ask of parzen's GP sampler as the history grows, in 10 dimensions.
//
// Each measurement prefills a fresh in-memory study with N completed trials of random parameters
// (Levy-10: 10 floats in [-10, 10]), loads it with a seeded GpSampler, and asks and tells K more.
// The first ask fits the hyperparameters from scratch (cold); the later ones reuse the previous
// fit as a start and, past 256 trials, extend the Cholesky factor between refits. K covers at
// least one refit, so the mean includes the refit's cost. Median of three seeds.
//
//   bench_gp_speed [--sizes 50,100,300,1000] [--seeds 3]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "functions.hpp"
#include "parzen/gp_sampler.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

double levy10(Trial& t) { return bench::levy(bench::floats(t, 10, -10, 10)); }

struct Timing {
  double cold_ms = 0, mean_ms = 0, median_ms = 0, max_ms = 0;
};

Timing measure(int64_t n, uint64_t seed) {
  auto storage = make_in_memory_storage();
  auto prefill = Study::create({.name = "speed",
                                .storage_backend = storage,
                                .sampler = RandomSampler::make({.seed = seed + 1000}),
                                .log_level = LogLevel::Silent});
  prefill.optimize(levy10, {.n_trials = n});
  auto study = Study::load({.name = "speed",
                            .storage_backend = storage,
                            .sampler = GpSampler::make({.seed = seed}),
                            .log_level = LogLevel::Silent});
  const int64_t k = std::max<int64_t>(10, static_cast<int64_t>(std::ceil(0.03 * n)) + 2);
  std::vector<double> ms;
  for (int64_t i = 0; i <= k; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto t = study.ask();
    const double value = levy10(t);  // the suggestions happen here
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    study.tell(t, value);
  }
  Timing out;
  out.cold_ms = ms.front();
  std::vector<double> warm(ms.begin() + 1, ms.end());
  for (double v : warm) out.mean_ms += v / static_cast<double>(warm.size());
  out.max_ms = *std::max_element(warm.begin(), warm.end());
  std::sort(warm.begin(), warm.end());
  out.median_ms = warm[warm.size() / 2];
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ms per ask of parzen's GP sampler at growing history sizes, 10 dimensions"};
  std::vector<int64_t> sizes = {50, 100, 300, 1000};
  int seeds = 3;
  app.add_option("--sizes", sizes, "completed trials before the timed asks")->delimiter(',');
  app.add_option("--seeds", seeds, "runs per size (the median is reported)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::vector<std::pair<int64_t, Timing>> rows;
  for (int64_t n : sizes) {
    std::vector<Timing> runs;
    for (int s = 0; s < seeds; ++s) {
      runs.push_back(measure(n, static_cast<uint64_t>(s + 1)));
      std::cout << nlohmann::json{{"system", "parzen"},
                                  {"sampler", "gp"},
                                  {"n", n},
                                  {"seed", s + 1},
                                  {"cold_ms", runs.back().cold_ms},
                                  {"mean_ms", runs.back().mean_ms},
                                  {"median_ms", runs.back().median_ms},
                                  {"max_ms", runs.back().max_ms}}
                << std::endl;
    }
    std::sort(runs.begin(), runs.end(),
              [](const Timing& a, const Timing& b) { return a.mean_ms < b.mean_ms; });
    rows.emplace_back(n, runs[runs.size() / 2]);
  }
  fmt::print(
      "\n| completed trials | ms per ask, mean | median | slowest | first ask (cold fit) |\n"
      "|---:|---:|---:|---:|---:|\n");
  for (const auto& [n, t] : rows)
    fmt::print("| {} | {:.1f} | {:.1f} | {:.1f} | {:.1f} |\n", n, t.mean_ms, t.median_ms, t.max_ms,
               t.cold_ms);
  return 0;
}
