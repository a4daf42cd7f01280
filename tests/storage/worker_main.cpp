// A worker process for the multi-process storage tests: joins (or creates) a study in the given
// storage and runs trials of a random 5-parameter objective.
//
//   parzen_test_worker URL STUDY N_TRIALS SEED [SLEEP_MS [HEARTBEAT_S GRACE_S RETRIES [MARKER]]]
//
// MARKER: a file the objective creates once it has its parameters (a test waits for it to know
// the worker is inside a trial, instead of guessing with a fixed sleep).
//
// Or one storage operation raced by several processes, on an existing study:
//   parzen_test_worker --within URL STUDY CAP       create_trial_within(CAP) until refused,
//                                                   completing every trial at once
//   parzen_test_worker --fail URL STUDY MAX_RETRIES fail_trial and fail_stale_trials (grace 0)
//                                                   on every trial of the study, interleaved

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include <unistd.h>

#include "parzen/parzen.hpp"

namespace {

int race(const std::string& mode, const std::string& url, const std::string& name, int n) {
  auto storage = parzen::make_storage(url);
  const parzen::StudyId study = *storage->find_study(name);
  if (mode == "--within") {
    while (auto t = storage->create_trial_within(study, {}, {.n_trials = n}))
      storage->finish_trial(t->id, parzen::TrialState::Complete, {1.0}, "");
    return 0;
  }
  if (mode == "--fail") {
    const auto trials = storage->trials(study);
    for (size_t i = 0; i < trials.size(); ++i) {
      storage->fail_trial(trials[(i * 7 + static_cast<size_t>(getpid())) % trials.size()].id,
                          "killed", n);
      storage->fail_stale_trials(study, 0.0, n);
    }
    return 0;
  }
  std::fprintf(stderr, "parzen_test_worker: unknown mode %s\n", mode.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && argv[1][0] == '-') {
    try {
      return race(argv[1], argv[2], argv[3], std::stoi(argv[4]));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "parzen_test_worker: %s\n", e.what());
      return 1;
    }
  }
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: %s URL STUDY N_TRIALS SEED [SLEEP_MS [HEARTBEAT_S GRACE_S RETRIES "
                 "[MARKER]]]\n",
                 argv[0]);
    return 2;
  }
  const int sleep_ms = argc > 5 ? std::stoi(argv[5]) : 0;
  const std::string marker = argc > 9 ? argv[9] : "";
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
        [sleep_ms, &marker](parzen::Trial& t) {
          double s = 0;
          for (int i = 0; i < 5; ++i) {
            const double x = t.suggest_float("x" + std::to_string(i), -5, 5);
            s += x * x;
          }
          if (!marker.empty()) std::ofstream(marker) << t.number() << '\n';
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
