// A worker process for regularized evolution's multi-process test: joins (or creates) a study in
// the given storage and runs trials of a conditional, categorical space with
// RegularizedEvolutionSampler.
//
//   parzen_test_evolution_worker URL STUDY N_TRIALS SEED POPULATION SAMPLE

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "parzen/parzen.hpp"

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s URL STUDY N_TRIALS SEED POPULATION SAMPLE\n", argv[0]);
    return 2;
  }
  try {
    auto study = parzen::Study::create({.name = argv[2],
                                        .storage = argv[1],
                                        .directions = {parzen::Direction::Maximize},
                                        .sampler = parzen::RegularizedEvolutionSampler::make(
                                            {.population_size = std::stoll(argv[5]),
                                             .sample_size = std::stoll(argv[6]),
                                             .seed = std::stoull(argv[4])}),
                                        .load_if_exists = true,
                                        .log_level = parzen::LogLevel::Silent});
    study.optimize(
        [](parzen::Trial& t) {
          const int64_t depth = t.suggest_int("depth", 1, 3);
          double score = 0;
          for (int64_t k = 1; k <= depth; ++k)
            score += static_cast<double>(t.suggest_int("width_" + std::to_string(k), 1, 8));
          const auto act = t.suggest_categorical("activation", {"relu", "tanh", "logistic"});
          if (act == "relu") score += 3;
          // Uneven trial lengths, so that workers finish out of order.
          std::this_thread::sleep_for(std::chrono::microseconds(200 + 400 * (t.number() % 4)));
          return score;
        },
        {.n_trials = std::stoi(argv[3])});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parzen_test_evolution_worker: %s\n", e.what());
    return 1;
  }
  return 0;
}
