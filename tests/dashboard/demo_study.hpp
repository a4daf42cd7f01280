#pragma once
// Studies for the dashboard's tests, benchmark and browser tests, written straight through the
// storage API (no objective process): `n_params` parameters (floats, one log-scaled, an integer,
// and a categorical), `n_steps` intermediate values per trial, one or several objectives, a
// share of pruned and failed trials, and realistic start and end times.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "parzen/storage.hpp"

namespace parzen_test {

struct DemoStudy {
  std::string name = "demo";
  int64_t n_trials = 100;
  int n_params = 10;
  int n_steps = 10;
  int n_objectives = 1;
  uint32_t seed = 1;
  bool running_last = false;  // leave the last trial running (no heartbeat)
};

// Creates the study (or adds to it) and returns its id.
inline parzen::StudyId write_demo_study(parzen::Storage& storage, const DemoStudy& d) {
  using namespace parzen;
  std::vector<Direction> dirs(static_cast<size_t>(d.n_objectives), Direction::Minimize);
  if (d.n_objectives > 1) dirs[1] = Direction::Maximize;
  StudyId id = -1;
  if (auto found = storage.find_study(d.name))
    id = *found;
  else
    id = storage.create_study(d.name, dirs);
  std::mt19937_64 rng(d.seed);
  std::uniform_real_distribution<double> u(0, 1);
  for (int64_t i = 0; i < d.n_trials; ++i) {
    NewTrial nt;
    nt.worker = "demo-host:" + std::to_string(1000 + i % 4);
    nt.heartbeat = false;
    const FrozenTrial t = storage.create_trial(id, nt);
    double loss = 0;
    for (int p = 0; p < d.n_params; ++p) {
      const std::string name = "x" + std::to_string(p);
      if (p == 1) {
        const double v = std::exp(std::log(1e-5) + u(rng) * (std::log(1.0) - std::log(1e-5)));
        storage.set_trial_param(t.id, "lr", v, FloatDistribution{1e-5, 1.0, true, std::nullopt});
        loss += std::pow(std::log10(v) + 3, 2) / 10;
      } else if (p == 2) {
        const double v = std::floor(u(rng) * 8) + 1;
        storage.set_trial_param(t.id, "layers", v, IntDistribution{1, 8, false, 1});
        loss += std::abs(v - 3) / 8;
      } else if (p == 3) {
        const double v = std::floor(u(rng) * 3);
        storage.set_trial_param(t.id, "kernel", v,
                                CategoricalDistribution{{std::string("linear"), std::string("rbf"),
                                                         std::string("poly")}});
        loss += v == 1 ? 0 : 0.3;
      } else {
        const double v = u(rng) * 2 - 1;
        storage.set_trial_param(t.id, name, v, FloatDistribution{-1, 1, false, std::nullopt});
        loss += v * v / (p + 1);
      }
    }
    const double r = u(rng);
    for (int s = 0; s < d.n_steps; ++s)
      storage.set_trial_intermediate_value(t.id, s, loss + 1.0 / (s + 1));
    if (d.running_last && i + 1 == d.n_trials) break;
    if (r < 0.05) {
      storage.finish_trial(t.id, TrialState::Failed, {}, "demo failure");
    } else if (r < 0.2 && d.n_steps > 0) {
      storage.finish_trial(t.id, TrialState::Pruned, {loss + 1.0 / d.n_steps}, "");
    } else {
      std::vector<double> values = {loss};
      for (int k = 1; k < d.n_objectives; ++k)
        values.push_back(1.0 / (1.0 + loss) + 0.1 * u(rng) * k);
      storage.finish_trial(t.id, TrialState::Complete, values, "");
    }
  }
  return id;
}

}  // namespace parzen_test
