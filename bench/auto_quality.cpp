// The auto sampler (the default) against every sampler alone and the peers, on the 6-function
// suite of bench_gp_quality (Branin, Hartmann-6, Rosenbrock-5, shifted Ackley-10, Levy-10,
// Styblinski-Tang-8): final regret after N evaluations, median [IQR] over seeds, and for each
// function the best median of every other method, auto's ratio to it and whether auto's median
// is <= it. Peers: parzen's samplers from the registry (random, qmc, tpe, multivariate tpe, gp,
// cmaes when registered), dlib's find_min_global and its seeded engine (when linked), and Optuna
// 3.1 (random, tpe, tpe-multivariate, cmaes) read from a JSON-lines file written by
// bench/optuna_quality.py (--optuna FILE) or run here (--run-optuna). Also the auto sampler's own
// cost per ask at 1 000 trials (--overhead).
//
//   bench_auto_quality --trials 100 --seeds 10 --optuna optuna.jsonl
//   bench_auto_quality --trials 1000 --seeds 10 --skip gp --optuna optuna.jsonl
//   bench_auto_quality --overhead

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "box_problems.hpp"
#ifdef PARZEN_BENCH_DLIB
#include "dlib_peer.hpp"
#endif
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

nlohmann::json auto_options;  // extra options of the auto sampler (--auto-option k=v)

std::shared_ptr<Sampler> parzen_sampler(const std::string& method, uint64_t seed) {
  if (method == "tpe-multivariate")
    return make_sampler("tpe", {{"seed", seed}, {"multivariate", true}});
  nlohmann::json options{{"seed", seed}};
  if (method == "auto")
    for (const auto& [k, v] : auto_options.items()) options[k] = v;
  return make_sampler(method, options);
}

double run_parzen(const bench::BoxProblem& p, const std::string& method, int64_t trials,
                  uint64_t seed) {
  return bench::run_parzen_study(p, parzen_sampler(method, seed), trials);
}

// The auto sampler's own cost per ask with `n` complete trials (10 floats): observe (the scan of
// the trials finished since the last ask) and choose, timed alone, beside the whole ask + tell of
// the study (which includes the delegate's work).
void overhead(int64_t n) {
  // CMA-ES (TPE without "cmaes" in the registry) after the first trial, no trust-region turn.
  auto sampler = AutoSampler::make({.seed = 1, .gp_trials = 0, .gp_budget = 0, .local_share = 0});
  auto storage = make_storage("memory:");
  auto study = Study::create(
      {.storage_backend = storage, .sampler = sampler, .log_level = LogLevel::Silent});
  auto objective = [](Trial& t) {
    double s = 0;
    for (int i = 0; i < 10; ++i) {
      const double x = t.suggest_float("x" + std::to_string(i), -5, 5);
      s += x * x;
    }
    return s;
  };
  study.optimize(objective, {.n_trials = n});
  // A second AutoSampler reads the same study through its own view: its first observe scans
  // every trial (a process that joins a study), the later ones only what changed.
  AutoSampler probe({.seed = 1, .gp_trials = 0});
  StudyView view(storage, study.id(), study.directions());
  view.refresh();
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  probe.choose(probe.observe(view));
  const double first_ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  const int k = 50;
  double observe_ms = 0, ask_tell_ms = 0;
  for (int i = 0; i < k; ++i) {
    t0 = clock::now();
    auto trial = study.ask();
    const double v = objective(trial);
    study.tell(trial, v);
    ask_tell_ms += std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    view.refresh();
    t0 = clock::now();
    probe.choose(probe.observe(view));
    observe_ms += std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  }
  // A trust-region turn's whole preparation (observe, choose, the stall check, the model's fit
  // and step on the nearest of the n trials, 10-D), by a sampler whose every trial is a turn.
  AutoSampler local({.seed = 1,
                     .n_trials = n + 1000,
                     .gp_budget = 0,
                     .local_share = 1,
                     .local_period = 1,
                     .local_stall = 0});
  double turn_ms = 0;
  for (int i = 0; i < 5; ++i) {
    t0 = clock::now();
    local.before_trial(view);
    turn_ms += std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  }
  fmt::print("| {} | {:.4f} | {:.4f} | {:.3f} | {:.3f} |\n", n, observe_ms / k, first_ms,
             ask_tell_ms / k, turn_ms / 5);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"final regret of the auto sampler beside every sampler and peer"};
  int64_t n_trials = 100;
  int seeds = 10;
  std::vector<std::string> only, skip, auto_kv;
  std::string optuna_file;
  bool run_optuna = false, do_overhead = false;
  app.add_option("--trials", n_trials, "evaluations per run")->capture_default_str();
  app.add_option("--seeds", seeds, "runs per method and function")->capture_default_str();
  app.add_option("--functions", only, "restrict to these functions")->delimiter(',');
  app.add_option("--skip", skip, "leave these methods out (gp, dlib, tpe-multivariate...)")
      ->delimiter(',');
  app.add_option("--auto-option", auto_kv,
                 "an option of the auto sampler, KEY=VALUE (a JSON value)");
  app.add_option("--optuna,--rows", optuna_file,
                 "JSON lines of bench/optuna_quality.py (with a \"trials\" key), or of an earlier "
                 "run of this program, to compare with");
  app.add_flag("--run-optuna", run_optuna, "run Optuna 3.1 here (random, tpe, mv-tpe, cmaes)");
  app.add_flag("--overhead", do_overhead, "the auto sampler's cost per ask instead");
  CLI11_PARSE(app, argc, argv);
  for (const auto& kv : auto_kv) {
    const auto eq = kv.find('=');
    auto_options[kv.substr(0, eq)] = nlohmann::json::parse(kv.substr(eq + 1));
  }

  if (do_overhead) {
    fmt::print(
        "| complete trials | observe + choose, ms per ask | first observe (full scan), ms "
        "| ask + tell with its delegate (CMA-ES), ms | a trust-region turn's before_trial, ms "
        "|\n|---:|---:|---:|---:|---:|\n");
    for (int64_t n : {100, 1000, 10000}) overhead(n);
    return 0;
  }

  std::vector<std::string> local = {"auto", "random", "qmc", "tpe", "tpe-multivariate", "gp"};
  if (find_sampler("cmaes")) local.push_back("cmaes");
  for (auto& m : local) m = "parzen " + m;
#ifdef PARZEN_BENCH_DLIB
  local.insert(local.end(), {"dlib find_min_global", "dlib engine"});
#endif
  std::erase_if(local, [&](const std::string& m) {
    return std::any_of(skip.begin(), skip.end(), [&](const std::string& s) {
      return m == "parzen " + s || m == s || m.starts_with(s + " ");
    });
  });

  std::map<std::string, std::map<std::string, std::vector<double>>> regret;
  std::set<std::string> methods_seen;
  std::vector<std::string> functions;
  std::mutex mu;
  for (const auto& problem : bench::box_problems()) {
    if (!only.empty() && std::find(only.begin(), only.end(), problem.name) == only.end()) continue;
    functions.push_back(problem.name);
    bench::run_jobs(local, seeds, [&](const std::string& method, int s) {
      const auto seed = static_cast<uint64_t>(s);
      const auto t0 = std::chrono::steady_clock::now();
      double r = 0;
      if (method.starts_with("parzen"))
        r = run_parzen(problem, method.substr(7), n_trials, seed);
#ifdef PARZEN_BENCH_DLIB
      else
        r = bench::run_dlib(problem, method.substr(5), n_trials, seed);
#endif
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::lock_guard lock(mu);
      regret[problem.name][method].push_back(r);
      methods_seen.insert(method);
      std::cout << nlohmann::json{{"system", method.substr(0, method.find(' '))},
                                  {"sampler", method.substr(method.find(' ') + 1)},
                                  {"function", problem.name},
                                  {"seed", s},
                                  {"trials", n_trials},
                                  {"regret", r},
                                  {"seconds", secs}}
                << std::endl;
    });
    if (run_optuna) {
      std::string seed_list;
      for (int s = 0; s < seeds; ++s) seed_list += fmt::format(" {}", s);
      for (const char* sampler : {"random", "tpe", "tpe-multivariate", "cmaes"})
        for (const auto& row : bench::run_json_lines(
                 fmt::format("/usr/bin/python3 {}/optuna_quality.py {} {} {}{}", bench::bench_dir(),
                             problem.name, sampler, n_trials, seed_list))) {
          const std::string m = std::string("optuna ") + sampler;
          regret[problem.name][m].push_back(row["regret"].get<double>());
          methods_seen.insert(m);
        }
    }
  }
  if (!optuna_file.empty()) {
    std::ifstream in(optuna_file);
    if (!in) throw std::runtime_error("cannot open " + optuna_file);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line.front() != '{') continue;
      const auto row = nlohmann::json::parse(line);
      if (row.value("trials", int64_t{0}) != n_trials) continue;
      const auto f = row["function"].get<std::string>();
      if (std::find(functions.begin(), functions.end(), f) == functions.end()) continue;
      if (row["seed"].get<int>() >= seeds) continue;
      // Rows of an earlier run of this program carry their "system" (parzen, dlib): peers that
      // did not change need not run again (--skip them).
      const std::string m =
          row.value("system", std::string("optuna")) + " " + row["sampler"].get<std::string>();
      if (methods_seen.count(m) && !regret[f][m].empty() &&
          std::find(local.begin(), local.end(), m) != local.end())
        continue;  // ran here
      regret[f][m].push_back(row["regret"].get<double>());
      methods_seen.insert(m);
    }
  }

  std::vector<std::string> methods(methods_seen.begin(), methods_seen.end());
  std::stable_partition(methods.begin(), methods.end(),
                        [](const std::string& m) { return m == "parzen auto"; });
  // A method missing on a function (fewer Optuna seeds, a skipped run) shows as its runs there.
  for (const auto& f : functions)
    for (const auto& m : methods)
      if (regret[f][m].empty()) regret[f][m].push_back(std::nan(""));
  fmt::print("\nFinal regret after {} evaluations, {} seeds: median [interquartile range]\n\n",
             n_trials, seeds);
  bench::print_regret_table(functions, methods, regret);
  fmt::print(
      "\n| function | auto | best other (median) | auto / best | auto <= best | runs "
      "(auto, best) | auto vs best: Mann-Whitney p |\n|---|---:|---|---:|---|---|---:|\n");
  int wins = 0, within2 = 0;
  for (const auto& f : functions) {
    const double a = bench::quantile(regret[f]["parzen auto"], 0.5);
    std::string best;
    double b = std::numeric_limits<double>::infinity();
    for (const auto& m : methods) {
      if (m == "parzen auto") continue;
      const double q = bench::quantile(regret[f][m], 0.5);
      if (q < b) b = q, best = m;
    }
    const bool win = a <= b;
    wins += win;
    // Twice the best, on a regret that can be 0: a ratio, or both below 1e-6.
    const bool close = win || a <= 2 * b || (a < 1e-6 && b < 1e-6);
    within2 += close;
    const auto [u, p] = bench::mann_whitney(regret[f]["parzen auto"], regret[f][best]);
    fmt::print("| {} | {:.4g} | {} ({:.4g}) | {:.3g} | {} | {}, {} | {:.3f} |\n", f, a, best, b,
               b > 0 ? a / b : (a > 0 ? std::numeric_limits<double>::infinity() : 1.0),
               win ? "yes" : "no", regret[f]["parzen auto"].size(), regret[f][best].size(), p);
    (void)u;
  }
  fmt::print(
      "\nauto's median <= the best other on {} of {} functions; within 2x of the best on "
      "{} of {}\n",
      wins, functions.size(), within2, functions.size());
  return 0;
}
