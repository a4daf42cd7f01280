// The C++ half of tests/python/test_same_results.py: runs a seeded study of a fixed objective
// and prints each trial as one JSON line {"number", "state", "params", "values"}. The Python test
// runs the same study through `parzen` and compares the trials exactly.
//
//   same_results SAMPLER SEED N_TRIALS [multi]
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>
#include <parzen/parzen.hpp>
#include <parzen/registry.hpp>

namespace {

// Keep in step with objective() in test_same_results.py (same operations in the same order).
std::vector<double> objective(parzen::Trial& t, bool multi) {
  double x = t.suggest_float("x", -5.0, 5.0);
  int64_t y = t.suggest_int("y", 0, 10);
  std::string c = t.suggest_categorical("c", {"a", "b", "c"});
  double lr = t.suggest_float("lr", 1e-4, 1e-1, {.log = true});
  double v = (x - 1.0) * (x - 1.0) + 0.5 * static_cast<double>((y - 3) * (y - 3)) +
             (c == "b" ? 0.0 : 1.0) + std::log10(lr) * std::log10(lr);
  if (multi) return {v, static_cast<double>(y) - x};
  return {v};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: same_results SAMPLER SEED N_TRIALS [multi]\n";
    return 2;
  }
  const std::string sampler = argv[1];
  const int64_t seed = std::strtoll(argv[2], nullptr, 10);
  const int64_t n_trials = std::strtoll(argv[3], nullptr, 10);
  const bool multi = argc > 4 && std::string(argv[4]) == "multi";
  try {
    std::vector<parzen::Direction> directions = {parzen::Direction::Minimize};
    if (multi) directions.push_back(parzen::Direction::Maximize);
    auto study = parzen::Study::create({
        .directions = directions,
        .sampler = parzen::make_sampler(sampler, {{"seed", seed}}),
    });
    study.optimize([&](parzen::Trial& t) { return objective(t, multi); },
                   {.n_trials = n_trials, .n_jobs = 1, .catch_exceptions = false});
    for (const auto& t : study.trials()) {
      nlohmann::json params = nlohmann::json::object();
      for (const auto& [name, value] : t.params) {
        std::visit(
            [&, &name = name](const auto& v) {
              using T = std::decay_t<decltype(v)>;
              if constexpr (std::is_constructible_v<nlohmann::json, const T&>) {
                params[name] = v;
              } else {
                params[name] = nullptr;  // the null choice, whatever its C++ type
              }
            },
            value);
      }
      nlohmann::json line = {{"number", t.number}, {"params", params}, {"values", t.values}};
      std::cout << line.dump() << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "same_results: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
