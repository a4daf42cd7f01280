// A worker process for the CMA-ES multi-process test: joins the study in the given storage and
// runs trials of a shifted 5-D sphere with CMA-ES.
//
//   parzen_test_cmaes_worker URL STUDY N_TRIALS SEED

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "parzen/parzen.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s URL STUDY N_TRIALS SEED\n", argv[0]);
    return 2;
  }
  try {
    auto study = parzen::Study::create(
        {.name = argv[2],
         .storage = argv[1],
         .sampler = parzen::CmaEsSampler::make({.seed = std::stoull(argv[4])}),
         .load_if_exists = true,
         .log_level = parzen::LogLevel::Silent});
    study.optimize(
        [](parzen::Trial& t) {
          double s = 0;
          for (int i = 0; i < 5; ++i) {
            const double x = t.suggest_float("x" + std::to_string(i), -1, 1);
            s += (x - 0.2) * (x - 0.2);
          }
          // Uneven trial lengths, so that workers finish out of order.
          std::this_thread::sleep_for(std::chrono::microseconds(200 + 300 * (t.number() % 5)));
          return s;
        },
        {.n_trials = std::stoi(argv[3])});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parzen_test_cmaes_worker: %s\n", e.what());
    return 1;
  }
  return 0;
}
