// Early stopping on a real iterative task: XGBoost on the breast-cancer data (examples/xgboost),
// seven hyperparameters, boosting rounds as the resource, validation log-loss reported after each
// round. Each method spends the same budget of boosting rounds; the table shows the best
// validation log-loss reached after 1/9, 1/3 and all of the budget (median and IQR over seeds),
// and how many rounds each method needed to reach what no pruning reaches with the whole budget.
// Optuna's TPE with its MedianPruner and HyperbandPruner run the same task, data, split, search
// space and budget in the same run (bench/optuna_xgboost.py, Debian python3-optuna and
// python3-xgboost over the same libxgboost).
//
//   bench_xgboost_pruning [--seeds 10] [--budget 6000] [--max-rounds 100] [--no-optuna]

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <map>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench_common.hpp"
#include "tuning.hpp"

namespace {

using Trajectory = std::vector<std::pair<int64_t, double>>;  // (rounds so far, best so far)

double best_at(const Trajectory& t, int64_t rounds) {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& [r, b] : t)
    if (r <= rounds) best = b;
  return best;
}

int64_t rounds_to_reach(const Trajectory& t, double target) {
  for (const auto& [r, b] : t)
    if (b <= target) return r;
  return std::numeric_limits<int64_t>::max();
}

std::string cell(const std::vector<double>& v) {
  const double m = bench::quantile(v, 0.5);
  if (std::isinf(m)) return "-";
  return fmt::format("{:.4f} [{:.4f}, {:.4f}]", m, bench::quantile(v, 0.25),
                     bench::quantile(v, 0.75));
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 10;
  int64_t budget = 6000, max_rounds = 100;
  bool no_optuna = false;
  CLI::App app{"best validation log-loss against boosting rounds, parzen's pruners and Optuna's"};
  app.add_option("--seeds", seeds, "runs per method")->capture_default_str();
  app.add_option("--budget", budget, "boosting rounds per run")->capture_default_str();
  app.add_option("--max-rounds", max_rounds, "rounds of an unpruned trial")->capture_default_str();
  app.add_flag("--no-optuna", no_optuna, "parzen only");
  CLI11_PARSE(app, argc, argv);

  const xgb_example::Split split(xgb_example::breast_cancer_csv());
  std::map<std::string, std::vector<Trajectory>> runs;
  std::map<std::string, std::pair<int64_t, int64_t>> counts;  // trials, pruned
  std::vector<std::string> methods;
  for (const auto& m : xgb_example::kMethods) methods.push_back("parzen-" + m);
  if (!no_optuna)
    for (const char* m : {"none", "median", "hyperband"})
      methods.push_back(std::string("optuna-") + m);

  for (int seed = 1; seed <= seeds; ++seed) {
    for (const auto& m : xgb_example::kMethods) {
      const auto r = xgb_example::tune(split, {.method = m,
                                               .max_rounds = max_rounds,
                                               .round_budget = budget,
                                               .seed = static_cast<uint64_t>(seed)});
      Trajectory t;
      for (const auto& p : r.trajectory) t.emplace_back(p.rounds, p.best);
      runs["parzen-" + m].push_back(t);
      counts["parzen-" + m].first += r.trials;
      counts["parzen-" + m].second += r.pruned;
      std::cout << nlohmann::json{{"method", "parzen-" + m}, {"seed", seed},
                                  {"trials", r.trials},      {"pruned", r.pruned},
                                  {"rounds", r.rounds},      {"best", r.best}}
                << std::endl;
    }
    if (no_optuna) continue;
    for (const char* m : {"none", "median", "hyperband"}) {
      for (const auto& row : bench::run_json_lines(fmt::format(
               "/usr/bin/python3 {}/optuna_xgboost.py {} {} {} {} {}", bench::bench_dir(),
               xgb_example::breast_cancer_csv(), m, seed, max_rounds, budget))) {
        Trajectory t;
        for (const auto& p : row["trajectory"])
          t.emplace_back(p[0].get<int64_t>(), p[1].is_number()
                                                  ? p[1].get<double>()
                                                  : std::numeric_limits<double>::infinity());
        runs[std::string("optuna-") + m].push_back(t);
        counts[std::string("optuna-") + m].first += static_cast<int64_t>(t.size());
        std::cout << nlohmann::json{{"method", std::string("optuna-") + m},
                                    {"seed", seed},
                                    {"trials", t.size()},
                                    {"best", best_at(t, budget)}}
                  << std::endl;
      }
    }
  }

  // What no pruning reaches with the whole budget (median over seeds).
  std::vector<double> none_final;
  for (const auto& t : runs["parzen-none"]) none_final.push_back(best_at(t, budget));
  const double target = bench::quantile(none_final, 0.5);

  fmt::print(
      "\nBest validation log-loss after a share of the {}-round budget, median [IQR] over "
      "{} seeds; rounds to reach parzen-none's final median ({:.4f}):\n\n",
      budget, seeds, target);
  fmt::print(
      "| method | after {} rounds | after {} rounds | after {} rounds | rounds to reach "
      "{:.4f} (median) | seeds reaching it | trials per run |\n",
      budget / 9, budget / 3, budget, target);
  fmt::print("|---|---|---|---|---:|---:|---:|\n");
  for (const auto& m : methods) {
    const auto& ts = runs[m];
    if (ts.empty()) continue;
    std::vector<double> a, b, c, reach;
    int reached = 0;
    for (const auto& t : ts) {
      a.push_back(best_at(t, budget / 9));
      b.push_back(best_at(t, budget / 3));
      c.push_back(best_at(t, budget));
      const int64_t r = rounds_to_reach(t, target);
      reached += r != std::numeric_limits<int64_t>::max();
      reach.push_back(r == std::numeric_limits<int64_t>::max()
                          ? std::numeric_limits<double>::infinity()
                          : static_cast<double>(r));
    }
    const double med_reach = bench::quantile(reach, 0.5);
    fmt::print(
        "| {} | {} | {} | {} | {} | {}/{} | {:.0f} |\n", m, cell(a), cell(b), cell(c),
        std::isinf(med_reach) ? std::string("not reached") : fmt::format("{:.0f}", med_reach),
        reached, ts.size(), static_cast<double>(counts[m].first) / static_cast<double>(ts.size()));
  }
  return 0;
}
