// A worker process for the multi-process storage tests: joins (or creates) a study in the given
// storage and runs trials of a random 5-parameter objective.
//
//   parzen_test_worker URL STUDY N_TRIALS SEED [SLEEP_MS [HEARTBEAT_S GRACE_S RETRIES]]

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "parzen/parzen.hpp"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: %s URL STUDY N_TRIALS SEED [SLEEP_MS [HEARTBEAT_S GRACE_S RETRIES]]\n",
                 argv[0]);
    return 2;
  }
  const int sleep_ms = argc > 5 ? std::stoi(argv[5]) : 0;
  try {
    parzen::StudyOptions options{
        .name = argv[2],
        .storage = argv[1],
        .sampler = parzen::RandomSampler::make({.seed = std::stoull(argv[4])}),
        .load_if_exists = true};
    if (argc > 8) {
      options.heartbeat_interval_seconds = std::stod(argv[6]);
      options.grace_period_seconds = std::stod(argv[7]);
      options.max_retries = std::stoi(argv[8]);
    }
    auto study = parzen::Study::create(options);
    study.optimize(
        [sleep_ms](parzen::Trial& t) {
          double s = 0;
          for (int i = 0; i < 5; ++i) {
            const double x = t.suggest_float("x" + std::to_string(i), -5, 5);
            s += x * x;
          }
          if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
          return s;
        },
        {.n_trials = std::stoll(argv[3]), .catch_exceptions = false});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parzen_test_worker: %s\n", e.what());
    return 1;
  }
  return 0;
}
