// Exact hypervolume: parzen::multi_objective::hypervolume beside Optuna 3.1's
// optuna._hypervolume.WFG (Debian python3-optuna through /usr/bin/python3, in the same run, on
// the same points), for 2, 3 and 4 objectives, with the relative difference of the two values.
//
// Point sets: "front" = n points on the unit sphere's positive orthant (every point on the
// Pareto front: the hardest case for every algorithm), "cube" = n points uniform in [0, 1]^d
// (few on the front). Reference point 1.1 per objective; all objectives minimised. Each timing
// is the best of repeated runs (at least 3, up to 1 s).
//
// Optuna gets --timeout seconds per case (its 3-D and 4-D WFG is slow on large fronts).
//
//   bench_hypervolume [--seed 1] [--no-optuna] [--timeout 60]

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "parzen/multi_objective.hpp"

using namespace parzen;
using Points = std::vector<std::vector<double>>;

namespace {

struct Case {
  std::string name;
  size_t d;
  size_t n;
  bool front;
  bool optuna;  // Optuna's WFG finishes in seconds on it
};

Points make_points(const Case& c, uint64_t seed) {
  std::mt19937_64 rng(seed * 1000003 + c.d * 100 + c.n);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  Points points(c.n, std::vector<double>(c.d));
  for (auto& p : points) {
    if (c.front) {
      double norm = 0;
      for (auto& x : p) {
        x = std::abs(normal(rng));
        norm += x * x;
      }
      for (auto& x : p) x /= std::sqrt(norm);
    } else {
      for (auto& x : p) x = uniform(rng);
    }
  }
  return points;
}

// Best of at least 3 runs, up to 1 s.
template <class F>
double best_ms(F&& f) {
  double best = INFINITY, spent = 0;
  for (int runs = 0; runs < 3 || (spent < 1000 && runs < 100000); ++runs) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, ms);
    spent += ms;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("exact hypervolume, parzen vs Optuna 3.1");
  uint64_t seed = 1;
  bool no_optuna = false;
  int timeout_s = 60;
  app.add_option("--seed", seed, "seed of the point sets");
  app.add_flag("--no-optuna", no_optuna, "skip the Optuna side");
  app.add_option("--timeout", timeout_s, "seconds Optuna gets per case (then reported as stopped)");
  CLI11_PARSE(app, argc, argv);

  const std::vector<Case> cases = {
      {"2-D front", 2, 100, true, true},    {"2-D front", 2, 1000, true, true},
      {"2-D front", 2, 10000, true, true},  {"3-D front", 3, 100, true, true},
      {"3-D front", 3, 300, true, true},    {"3-D front", 3, 1000, true, true},
      {"3-D front", 3, 10000, true, false}, {"3-D cube", 3, 10000, false, true},
      {"4-D front", 4, 50, true, true},     {"4-D front", 4, 100, true, true},
      {"4-D front", 4, 200, true, true},    {"4-D front", 4, 1000, true, false},
  };
  std::vector<Points> sets;
  nlohmann::json json_cases = nlohmann::json::array();
  for (size_t i = 0; i < cases.size(); ++i) {
    sets.push_back(make_points(cases[i], seed));
    if (cases[i].optuna)
      json_cases.push_back({{"name", std::to_string(i)},
                            {"reference", std::vector<double>(cases[i].d, 1.1)},
                            {"points", sets.back()}});
  }
  // One Python process per case under `timeout`, so a case Optuna cannot finish in time is
  // reported as such instead of stalling the run.
  std::map<std::string, nlohmann::json> optuna;
  if (!no_optuna) {
    for (const auto& c : json_cases) {
      const std::string path = fmt::format("/tmp/parzen-hv-case-{}.json", getpid());
      std::ofstream(path) << nlohmann::json{{"cases", {c}}}.dump();
      std::cerr << "Optuna's WFG on case " << c["name"].get<std::string>() << "...\n";
      try {
        for (const auto& line : bench::run_json_lines(
                 fmt::format("timeout {} /usr/bin/python3 {}/optuna_hypervolume.py {}", timeout_s,
                             bench::bench_dir(), path)))
          optuna[line["name"].get<std::string>()] = line;
      } catch (const std::exception&) {
        optuna[c["name"].get<std::string>()] = {{"timeout", true}};
      }
      std::remove(path.c_str());
    }
  }
  fmt::print("| points | n | parzen ms | Optuna 3.1 WFG ms | speed-up | relative difference |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const std::vector<double> ref(c.d, 1.1);
    const std::vector<Direction> directions(c.d, Direction::Minimize);
    double value = 0;
    const double ms =
        best_ms([&] { value = multi_objective::hypervolume(sets[i], ref, directions); });
    const auto it = optuna.find(std::to_string(i));
    if (it == optuna.end()) {
      fmt::print("| {} | {} | {:.4f} | — | — | — |\n", c.name, c.n, ms);
      continue;
    }
    if (it->second.contains("timeout")) {
      fmt::print("| {} | {} | {:.4f} | > {} s (stopped) | > {:.0f}× | — |\n", c.name, c.n, ms,
                 timeout_s, timeout_s * 1000.0 / ms);
      continue;
    }
    const double oms = it->second["ms"].get<double>();
    const double ovalue = it->second["hypervolume"].get<double>();
    fmt::print("| {} | {} | {:.4f} | {:.2f} | {:.0f}× | {:.1e} |\n", c.name, c.n, ms, oms, oms / ms,
               std::abs(value - ovalue) / std::abs(ovalue));
  }
  return 0;
}
