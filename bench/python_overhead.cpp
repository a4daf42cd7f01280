// The C++ half of bench/python_overhead.py: the same trivial 10-parameter objective and the same
// registry samplers, driven from C++ by Study::optimize, so the Python program can subtract the
// C++ cost per trial from the cost of parzen driven from Python (Python-side overhead).
//
// One line of JSON per run:
//   {"system": "parzen-cpp", "sampler": "tpe", "n_trials": 1000, "seed": 1,
//    "seconds": ..., "us_per_trial": ..., "cpu_seconds": ..., "cpu_us_per_trial": ...}
// (seconds: wall-clock; cpu_seconds: the process's CPU time, CLOCK_PROCESS_CPUTIME_ID, which a
// shared machine's other load disturbs less).
//
//   bench_python_overhead --sampler random|tpe|gp --trials 1000 [--seed 1] [--repeats 1]
//                         [--dump-trials K]   (also print the first K trials' numbers, values and
//                                              parameters, to compare with the Python side's)
//
// The objective (as bench/python_overhead.py's): four floats in [-5, 5], two log floats in
// [1e-5, 1e-1], an int in [0, 100], a log int in [1, 1024], two categoricals of 3 and 4 strings;
// the value is a cheap sum of them. In-memory storage, log level Silent, one thread. The sampler is
// built from the registry (parzen::make_sampler) with {"seed": seed}, as parzen's Python
// samplers are.

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "parzen/parzen.hpp"
#include "parzen/registry.hpp"

namespace {

double objective(parzen::Trial& t) {
  static const char* const kFloats[] = {"x0", "x1", "x2", "x3"};
  double s = 0;
  for (const char* name : kFloats) {
    const double x = t.suggest_float(name, -5, 5);
    s += x * x;
  }
  s += std::log10(t.suggest_float("lr", 1e-5, 1e-1, {.log = true})) + 3;
  s += std::log10(t.suggest_float("wd", 1e-5, 1e-1, {.log = true})) + 3;
  s += static_cast<double>(t.suggest_int("depth", 0, 100)) / 100.0;
  s += std::log2(static_cast<double>(t.suggest_int("width", 1, 1024, {.log = true}))) / 10.0;
  if (t.suggest_categorical("activation", {"relu", "tanh", "sigmoid"}) != "relu") s += 0.5;
  if (t.suggest_categorical("optimizer", {"adam", "sgd", "rmsprop", "adagrad"}) == "sgd") s += 1;
  return s;
}

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Seconds {
  double wall = 0, cpu = 0;
};

Seconds run_seconds(const std::string& sampler, int64_t n_trials, uint64_t seed, int64_t dump) {
  auto study = parzen::Study::create({.name = "overhead",
                                      .sampler = parzen::make_sampler(sampler, {{"seed", seed}}),
                                      .log_level = parzen::LogLevel::Silent});
  const double cpu_start = cpu_now();
  const auto start = std::chrono::steady_clock::now();
  study.optimize(objective, {.n_trials = n_trials});
  const Seconds seconds{
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
      cpu_now() - cpu_start};
  const auto trials = study.trials({parzen::TrialState::Complete});
  if (static_cast<int64_t>(trials.size()) != n_trials)
    throw std::runtime_error("not every trial completed");
  for (int64_t i = 0; i < std::min(dump, n_trials); ++i) {
    const auto& t = trials[static_cast<size_t>(i)];
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [name, value] : t.params) params[name] = parzen::to_json(value);
    std::cout << nlohmann::json{{"number", t.number}, {"values", t.values}, {"params", params}}
              << std::endl;
  }
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"parzen's Study::optimize from C++: seconds per trial of a trivial objective"};
  std::string sampler = "random";
  int64_t n_trials = 1000;
  uint64_t seed = 1;
  int repeats = 1;
  int64_t dump = 0;
  app.add_option("--sampler", sampler, "registry name: random, tpe, gp, ...");
  app.add_option("--trials", n_trials, "trials per run")->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "seed of the first run (later runs: seed + 1, ...)");
  app.add_option("--repeats", repeats, "runs, each a fresh study")->check(CLI::PositiveNumber);
  app.add_option("--dump-trials", dump, "print the first K trials of each run");
  CLI11_PARSE(app, argc, argv);
  for (int r = 0; r < repeats; ++r) {
    const uint64_t s = seed + static_cast<uint64_t>(r);
    const Seconds seconds = run_seconds(sampler, n_trials, s, dump);
    const auto n = static_cast<double>(n_trials);
    std::cout
        << nlohmann::json{{"system", "parzen-cpp"},     {"sampler", sampler},
                          {"n_trials", n_trials},       {"seed", s},
                          {"seconds", seconds.wall},    {"us_per_trial", seconds.wall * 1e6 / n},
                          {"cpu_seconds", seconds.cpu}, {"cpu_us_per_trial", seconds.cpu * 1e6 / n}}
        << std::endl;
  }
  return 0;
}
