// A worker process for the NSGA-II and NSGA-III multi-process tests: joins (or creates) a
// two-objective study in the given storage and runs trials of ZDT1 (4 variables) with NSGA-II
// (or NSGA-III when the last argument is "nsga3").
//
//   parzen_test_nsga2_worker URL STUDY N_TRIALS SEED POPULATION [nsga3]

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>

#include "parzen/parzen.hpp"

int main(int argc, char** argv) {
  if (argc != 6 && !(argc == 7 && std::string(argv[6]) == "nsga3")) {
    std::fprintf(stderr, "usage: %s URL STUDY N_TRIALS SEED POPULATION [nsga3]\n", argv[0]);
    return 2;
  }
  try {
    const parzen::NsgaIISamplerOptions options{.population_size = std::stoll(argv[5]),
                                               .seed = std::stoull(argv[4])};
    std::shared_ptr<parzen::Sampler> sampler;
    if (argc == 7)
      sampler = parzen::NsgaIIISampler::make({.ga = options});
    else
      sampler = parzen::NsgaIISampler::make(options);
    auto study = parzen::Study::create(
        {.name = argv[2],
         .storage = argv[1],
         .directions = {parzen::Direction::Minimize, parzen::Direction::Minimize},
         .sampler = sampler,
         .load_if_exists = true,
         .log_level = parzen::LogLevel::Silent});
    study.optimize(
        [](parzen::Trial& t) {
          double x[4];
          for (int i = 0; i < 4; ++i) x[i] = t.suggest_float("x" + std::to_string(i), 0, 1);
          // Uneven trial lengths, so that workers finish out of order.
          std::this_thread::sleep_for(std::chrono::microseconds(200 + 300 * (t.number() % 5)));
          const double g = 1 + 3 * (x[1] + x[2] + x[3]);
          return std::vector<double>{x[0], g * (1 - std::sqrt(x[0] / g))};
        },
        {.n_trials = std::stoi(argv[3])});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parzen_test_nsga2_worker: %s\n", e.what());
    return 1;
  }
  return 0;
}
