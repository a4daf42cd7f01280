#pragma once
// The six box-constrained functions of the GP/auto quality suite (bench_gp_quality,
// bench_auto_quality): Branin, Hartmann-6, Rosenbrock-5, shifted Ackley-10 (its optimum is not
// the centre of the box), Levy-10 and Styblinski-Tang-8, as plain functions of a vector with
// their boxes and global minima, and the Parzen runner both programs use.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "functions.hpp"
#include "parzen/parzen.hpp"

namespace bench {

struct BoxProblem {
  std::string name;
  std::vector<double> low, high;
  double (*f)(const std::vector<double>&);
  double optimum;
};

inline std::vector<BoxProblem> box_problems() {
  return {
      {"branin",
       {-5, 0},
       {10, 15},
       [](const std::vector<double>& x) { return branin(x[0], x[1]); },
       0.397887357729738},
      {"hartmann6", std::vector<double>(6, 0.0), std::vector<double>(6, 1.0), hartmann6,
       -3.322368011415515},
      {"rosenbrock5", std::vector<double>(5, -5.0), std::vector<double>(5, 10.0), rosenbrock, 0.0},
      {"ackley10_shifted", std::vector<double>(10, -32.768), std::vector<double>(10, 32.768),
       ackley_shifted, 0.0},
      {"levy10", std::vector<double>(10, -10.0), std::vector<double>(10, 10.0), levy, 0.0},
      {"styblinski_tang8", std::vector<double>(8, -5.0), std::vector<double>(8, 5.0),
       styblinski_tang, -39.16616570377142 * 8},
  };
}

// The final regret of a silent in-memory study of `trials` trials with `sampler` on `p`
// (parameters x0, x1, ... as floats over the box).
inline double run_parzen_study(const BoxProblem& p, std::shared_ptr<parzen::Sampler> sampler,
                               int64_t trials) {
  auto study =
      parzen::Study::create({.sampler = std::move(sampler), .log_level = parzen::LogLevel::Silent});
  study.optimize(
      [&](parzen::Trial& t) {
        std::vector<double> x(p.low.size());
        for (size_t i = 0; i < x.size(); ++i)
          x[i] = t.suggest_float("x" + std::to_string(i), p.low[i], p.high[i]);
        return p.f(x);
      },
      {.n_trials = trials});
  return study.best_value() - p.optimum;
}

// Runs job(method, seed) for every method and seed 0..seeds-1 on two threads that share the
// list (each run is seeded, so the order is irrelevant); job locks what it shares.
inline void run_jobs(const std::vector<std::string>& methods, int seeds,
                     const std::function<void(const std::string&, int)>& job) {
  std::vector<std::pair<std::string, int>> jobs;
  for (const auto& m : methods)
    for (int s = 0; s < seeds; ++s) jobs.emplace_back(m, s);
  std::atomic<size_t> next{0};
  const auto worker = [&] {
    for (size_t j; (j = next++) < jobs.size();) job(jobs[j].first, jobs[j].second);
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
}

}  // namespace bench
