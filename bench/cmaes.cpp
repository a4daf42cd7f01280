// CMA-ES goals (issue 19), Parzen beside its peers in the same run:
//  raw      evaluations to f < 1e-8 on 10-D sphere, ellipsoid and Rosenbrock (mean 3, sigma 2,
//           unbounded, 20 seeds): Parzen's optimizer (src/samplers/cmaes/cma.hpp) in an ask/tell
//           loop against python3-cmaes 0.9.1's CMA in the same loop (bench/cmaes_peer.py), and
//           Parzen's CmaEsSampler in a study (the library's path, same start)
//  speed    ms per trial of a 10-D in-memory study with CmaEsSampler at 1 000 and 10 000 trials,
//           beside Optuna 3.1's CmaEsSampler at 1 000
//  quality  final regret on the TPE/GP suite (bench/functions.hpp) of Parzen's CmaEsSampler and
//           Optuna 3.1's (bench/optuna_quality.py cmaes), at --trials evaluations
//  restart  IPOP and BIPOP against no restart on shifted Ackley-10 and Levy-10 at
//           --restart-trials (2 000) evaluations, beside a fresh run with the doubled
//           population from a random mean given half the budget (the most a restart could
//           add), and the number of runs within 1e-8 of the optimum
//
//   bench_cmaes [--part raw,speed,quality,restart] [--seeds 20] [--trials 100]
//               [--functions branin,levy10] [--restart-trials 2000] [--no-peer]
//               [--peer-cache DIR]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "functions.hpp"
#include "parzen/parzen.hpp"
#include "samplers/cmaes/cma.hpp"

using namespace parzen;

namespace {

double sphere(const Eigen::VectorXd& x) { return x.squaredNorm(); }
double ellipsoid(const Eigen::VectorXd& x) {
  const auto n = static_cast<double>(x.size());
  double s = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double v = std::pow(1000.0, static_cast<double>(i) / (n - 1)) * x[i];
    s += v * v;
  }
  return s;
}
double rosenbrock(const Eigen::VectorXd& x) {
  std::vector<double> v(x.data(), x.data() + x.size());
  return bench::rosenbrock(v);
}

using Fn = double (*)(const Eigen::VectorXd&);
const std::vector<std::pair<std::string, Fn>> kRaw = {
    {"sphere", sphere}, {"ellipsoid", ellipsoid}, {"rosenbrock", rosenbrock}};

constexpr int64_t kMaxEvals = 100000;

// Evaluations until the best value of a generation is below 1e-8 (infinity: not within 100 000).
double raw_evaluations(Fn f, uint64_t seed) {
  cmaes::Cma cma({.mean = Eigen::VectorXd::Constant(10, 3.0), .sigma = 2.0});
  std::mt19937_64 rng(seed);
  int64_t evals = 0;
  while (evals < kMaxEvals) {
    std::vector<std::pair<Eigen::VectorXd, double>> s;
    double best = INFINITY;
    for (int64_t k = 0; k < cma.population_size(); ++k) {
      auto x = cma.ask(rng).second;
      const double v = f(x);
      best = std::min(best, v);
      s.emplace_back(std::move(x), v);
    }
    evals += cma.population_size();
    if (best < 1e-8) return static_cast<double>(evals);
    cma.tell(std::move(s));
  }
  return INFINITY;
}

// The same through a study: x in [-1000, 1000]^10 (wide enough not to matter), x0 = 3, sigma0
// = 2 in those units.
double library_evaluations(Fn f, uint64_t seed) {
  std::map<std::string, double> x0;
  for (int i = 0; i < 10; ++i) x0[fmt::format("x{}", i)] = 3.0;
  auto study =
      Study::create({.sampler = CmaEsSampler::make(
                         {.x0 = x0, .sigma0 = 2.0 / 2000, .n_startup_trials = 0, .seed = seed}),
                     .log_level = LogLevel::Silent});
  int64_t evals = 0;
  bool hit = false;
  study.optimize(
      [&](Trial& t) {
        Eigen::VectorXd x(10);
        for (int i = 0; i < 10; ++i) x[i] = t.suggest_float(fmt::format("x{}", i), -1000, 1000);
        const double v = f(x);
        ++evals;
        if (v < 1e-8 && !hit) hit = true;
        return v;
      },
      {.n_trials = kMaxEvals, .callbacks = {[&](Study& s, const FrozenTrial&) {
                                if (hit) s.stop();
                              }}});
  return hit ? static_cast<double>(evals) : INFINITY;
}

void part_raw(int seeds, bool peer) {
  fmt::print("\n## Evaluations to f < 1e-8, 10-D, mean 3, sigma 2 ({} seeds)\n\n", seeds);
  fmt::print(
      "| function | python3-cmaes median | Parzen raw median | ratio | Parzen library median |\n"
      "|---|---:|---:|---:|---:|\n");
  for (const auto& [name, f] : kRaw) {
    std::vector<double> mine, lib, theirs;
    for (int s = 0; s < seeds; ++s) {
      mine.push_back(raw_evaluations(f, static_cast<uint64_t>(s)));
      lib.push_back(library_evaluations(f, static_cast<uint64_t>(s)));
    }
    std::string seed_list;
    for (int s = 0; s < seeds; ++s) seed_list += fmt::format(" {}", s);
    if (peer)
      for (const auto& row : bench::run_json_lines(fmt::format(
               "/usr/bin/python3 {}/cmaes_peer.py raw {}{}", bench::bench_dir(), name, seed_list)))
        theirs.push_back(row["evaluations"].is_null() ? INFINITY
                                                      : row["evaluations"].get<double>());
    const double m = bench::quantile(mine, 0.5);
    const double t = theirs.empty() ? NAN : bench::quantile(theirs, 0.5);
    fmt::print("| {} | {} | {} | {:.3f} | {} |\n", name, t, m, m / t, bench::quantile(lib, 0.5));
    std::cout << std::flush;
  }
}

// With `random`: the same study with random search, i.e. the study's own cost per trial.
double parzen_ms_per_trial(int64_t n_trials, bool random = false) {
  std::shared_ptr<Sampler> sampler = CmaEsSampler::make({.seed = 1});
  if (random) sampler = RandomSampler::make({.seed = 1});
  auto study = Study::create({.sampler = sampler, .log_level = LogLevel::Silent});
  const auto start = std::chrono::steady_clock::now();
  study.optimize(
      [](Trial& t) {
        double s = 0;
        for (int i = 0; i < 10; ++i) {
          const double x = t.suggest_float(fmt::format("x{}", i), -5, 5);
          s += (x - 1) * (x - 1);
        }
        return s;
      },
      {.n_trials = n_trials});
  const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
  return ms.count() / static_cast<double>(n_trials);
}

void part_speed(bool peer) {
  fmt::print(
      "\n## Speed: ms per trial, 10-D sphere, in memory\n\n| system | trials | ms/trial |\n"
      "|---|---:|---:|\n");
  for (int64_t n : {1000, 10000}) {
    fmt::print("| Parzen CmaEsSampler | {} | {:.4f} |\n", n, parzen_ms_per_trial(n));
    fmt::print("| Parzen RandomSampler (the study's own cost) | {} | {:.4f} |\n", n,
               parzen_ms_per_trial(n, true));
  }
  if (peer)
    for (const auto& row : bench::run_json_lines(
             fmt::format("/usr/bin/python3 {}/cmaes_peer.py speed 1000", bench::bench_dir())))
      fmt::print("| Optuna 3.1 CmaEsSampler | {} | {:.4f} |\n", row["trials"].get<int64_t>(),
                 row["ms_per_trial"].get<double>());
}

void part_quality(int seeds, int64_t n_trials, const std::vector<std::string>& only, bool peer,
                  const std::string& peer_cache) {
  std::map<std::string, std::map<std::string, std::vector<double>>> regret;
  std::vector<std::string> functions;
  for (const auto& problem : bench::problems()) {
    if (!only.empty() && std::find(only.begin(), only.end(), problem.name) == only.end()) continue;
    functions.push_back(problem.name);
    for (int s = 0; s < seeds; ++s) {
      auto study = Study::create({.sampler = CmaEsSampler::make({.warn_independent_sampling = false,
                                                                 .seed = static_cast<uint64_t>(s)}),
                                  .log_level = LogLevel::Silent});
      study.optimize(problem.objective, {.n_trials = n_trials});
      regret[problem.name]["parzen cmaes"].push_back(study.best_value() - problem.optimum);
    }
    std::string seed_list;
    for (int s = 0; s < seeds; ++s) seed_list += fmt::format(" {}", s);
    if (peer) {
      // With --peer-cache, Optuna's rows are read from (or, when missing or short, written to)
      // DIR/optuna_<trials>_<function>.jsonl: the slow side can run once, in the background.
      const std::string command =
          fmt::format("/usr/bin/python3 {}/optuna_quality.py {} cmaes {}{}", bench::bench_dir(),
                      problem.name, n_trials, seed_list);
      std::vector<nlohmann::json> rows;
      const std::string cached =
          peer_cache.empty()
              ? ""
              : fmt::format("{}/optuna_{}_{}.jsonl", peer_cache, n_trials, problem.name);
      if (!cached.empty()) {
        std::ifstream in(cached);
        std::map<int64_t, nlohmann::json> by_seed;
        for (std::string line; std::getline(in, line);)
          if (!line.empty() && line.front() == '{') {
            auto row = nlohmann::json::parse(line);
            by_seed[row.at("seed").get<int64_t>()] = row;
          }
        for (int s = 0; s < seeds && by_seed.contains(s); ++s) rows.push_back(by_seed.at(s));
        if (static_cast<int>(rows.size()) < seeds) rows.clear();
      }
      if (rows.empty()) {
        rows = bench::run_json_lines(command);
        if (!cached.empty()) {
          std::ofstream out(cached);
          for (const auto& row : rows) out << row.dump() << "\n";
        }
      }
      for (const auto& row : rows)
        regret[problem.name]["optuna cmaes"].push_back(row["regret"].get<double>());
    } else
      regret[problem.name]["optuna cmaes"] = regret[problem.name]["parzen cmaes"];
    std::cerr << problem.name << " done\n";
  }
  fmt::print("\n## Final regret after {} trials, {} seeds: median [IQR]\n\n", n_trials, seeds);
  bench::print_regret_table(functions, {"parzen cmaes", "optuna cmaes"}, regret, "parzen cmaes",
                            "optuna cmaes", "Parzen vs Optuna");
}

void part_restart(int seeds, int64_t budget) {
  std::map<std::string, std::map<std::string, std::vector<double>>> regret;
  std::vector<std::string> functions;
  for (const auto& problem : bench::problems()) {
    if (problem.name != "ackley10_shifted" && problem.name != "levy10") continue;
    functions.push_back(problem.name);
    for (const auto& [label, strategy] :
         std::vector<std::pair<std::string, CmaEsRestart>>{{"no restart", CmaEsRestart::None},
                                                           {"ipop", CmaEsRestart::Ipop},
                                                           {"bipop", CmaEsRestart::Bipop}}) {
      for (int s = 0; s < seeds; ++s) {
        auto study = Study::create({.sampler = CmaEsSampler::make({.seed = static_cast<uint64_t>(s),
                                                                   .restart_strategy = strategy}),
                                    .log_level = LogLevel::Silent});
        study.optimize(problem.objective, {.n_trials = budget});
        regret[problem.name][label].push_back(study.best_value() - problem.optimum);
      }
    }
  }
  // What a restart could add at best: a fresh run with the doubled population (2 x (4 +
  // floor(3 ln 10)) = 20) from a uniformly random mean, given half the budget: the regret it
  // reaches on its own (an IPOP restart can do no better in the half budget it has left).
  for (const auto& f : functions) {
    const double half_width = f == "levy10" ? 10 : 32.768;
    const auto all = bench::problems();
    const auto& problem =
        *std::find_if(all.begin(), all.end(), [&](const auto& p) { return p.name == f; });
    for (int s = 0; s < seeds; ++s) {
      std::mt19937_64 rng(static_cast<uint64_t>(1000 + s));
      std::uniform_real_distribution<double> u(-half_width, half_width);
      std::map<std::string, double> x0;
      for (int i = 0; i < 10; ++i) x0["x" + std::to_string(i)] = u(rng);
      auto study = Study::create({.sampler = CmaEsSampler::make(
                                      {.x0 = x0, .seed = static_cast<uint64_t>(s), .popsize = 20}),
                                  .log_level = LogLevel::Silent});
      study.optimize(problem.objective, {.n_trials = budget / 2});
      regret[f]["fresh run, 2x popsize, half budget"].push_back(study.best_value() -
                                                                problem.optimum);
    }
  }
  fmt::print("\n## Restarts: final regret after {} trials, {} seeds: median [IQR]\n\n", budget,
             seeds);
  bench::print_regret_table(functions,
                            {"no restart", "ipop", "bipop", "fresh run, 2x popsize, half budget"},
                            regret, "ipop", "no restart", "IPOP vs no restart");
  fmt::print("\n");
  bench::print_regret_table(functions, {"no restart", "bipop"}, regret, "bipop", "no restart",
                            "BIPOP vs no restart");
  // BBOB's last target: how many runs end within 1e-8 of the optimum.
  fmt::print(
      "\n| function | no restart: runs with regret < 1e-8 | ipop | bipop "
      "|\n|---|---:|---:|---:|\n");
  for (const auto& f : functions) {
    fmt::print("| {} |", f);
    for (const char* label : {"no restart", "ipop", "bipop"}) {
      const auto& r = regret[f][label];
      fmt::print(" {}/{} |", std::count_if(r.begin(), r.end(), [](double v) { return v < 1e-8; }),
                 r.size());
    }
    fmt::print("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"CMA-ES: faithfulness, speed, quality and restarts beside python3-cmaes and Optuna"};
  std::vector<std::string> parts = {"raw", "speed", "quality", "restart"};
  int seeds = 20;
  int64_t n_trials = 100;
  std::vector<std::string> only;
  bool no_peer = false;
  int64_t restart_trials = 2000;
  std::string peer_cache;
  app.add_option("--part", parts, "raw, speed, quality, restart")->delimiter(',');
  app.add_option("--seeds", seeds, "runs per method and function")->capture_default_str();
  app.add_option("--trials", n_trials, "quality: trials per run")->capture_default_str();
  app.add_option("--functions", only, "quality: restrict to these functions")->delimiter(',');
  app.add_flag("--no-peer", no_peer, "run Parzen only");
  app.add_option("--peer-cache", peer_cache,
                 "quality: read Optuna's rows from DIR/optuna_<trials>_<function>.jsonl (seeds "
                 "0..N-1), or write them there after running Optuna");
  app.add_option("--restart-trials", restart_trials, "restart: trials per run")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const auto want = [&](const char* p) {
    return std::find(parts.begin(), parts.end(), p) != parts.end();
  };
  if (want("raw")) part_raw(seeds, !no_peer);
  if (want("speed")) part_speed(!no_peer);
  if (want("quality")) part_quality(seeds, n_trials, only, !no_peer, peer_cache);
  if (want("restart")) part_restart(seeds, restart_trials);
  return 0;
}
