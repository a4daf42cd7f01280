// Early stopping on a real iterative task: XGBoost on the breast-cancer data (examples/xgboost),
// seven hyperparameters, boosting rounds as the resource, validation log-loss reported after each
// round. Each method spends the same budget of boosting rounds; the table shows the best
// validation log-loss reached after 1/9, 1/3 and all of the budget (median and IQR over seeds),
// how many rounds each method needed to reach what no pruning reaches with the whole budget, and
// how many trials had completed after a third of it. Then issue 7's goals tested over the seeds
// (Mann-Whitney): each pruning method after a third of the budget against no pruning after all of
// it, and the Hyperband-like methods against Optuna's Hyperband after 1/9, 1/3 and all of it.
// Optuna's TPE with its MedianPruner and HyperbandPruner run the same task, data, split, search
// space and budget in the same run (bench/optuna_xgboost.py, Debian python3-optuna and
// python3-xgboost over the same libxgboost).
//
//   bench_xgboost_pruning [--seeds 20] [--budget 6000] [--max-rounds 100] [--no-optuna]
//                         [--methods parzen-asha optuna-hyperband ...] [--target LOG_LOSS]

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

// After each trial: rounds boosted so far, the best complete trial's log-loss so far, and whether
// this trial completed.
struct Point {
  int64_t rounds = 0;
  double best = 0;
  bool complete = false;
};
using Trajectory = std::vector<Point>;

double best_at(const Trajectory& t, int64_t rounds) {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& p : t)
    if (p.rounds <= rounds) best = p.best;
  return best;
}

int64_t complete_by(const Trajectory& t, int64_t rounds) {
  int64_t n = 0;
  for (const auto& p : t) n += p.rounds <= rounds && p.complete;
  return n;
}

int64_t rounds_to_reach(const Trajectory& t, double target) {
  for (const auto& p : t)
    if (p.best <= target) return p.rounds;
  return std::numeric_limits<int64_t>::max();
}

std::string cell(const std::vector<double>& v) {
  const double m = bench::quantile(v, 0.5);
  if (std::isinf(m)) return "-";
  return fmt::format("{:.4f} [{:.4f}, {:.4f}]", m, bench::quantile(v, 0.25),
                     bench::quantile(v, 0.75));
}

std::vector<double> bests_at(const std::vector<Trajectory>& ts, int64_t rounds) {
  std::vector<double> v;
  for (const auto& t : ts) v.push_back(best_at(t, rounds));
  return v;
}

// "a (after ra rounds) against b (after rb)": medians, the difference and the two-sided
// Mann-Whitney p over the seeds.
void print_comparison(const std::string& a, const std::vector<double>& va, int64_t ra,
                      const std::string& b, const std::vector<double>& vb, int64_t rb) {
  const double ma = bench::quantile(va, 0.5), mb = bench::quantile(vb, 0.5);
  const auto [u, p] = bench::mann_whitney(va, vb);
  const char* verdict = p >= 0.05 ? "no significant difference"
                        : ma < mb ? "significantly better"
                                  : "significantly worse";
  fmt::print("| {} after {} | {} after {} | {:.4f} | {:.4f} | {:+.4f} | {:.3f} | {} |\n", a, ra, b,
             rb, ma, mb, ma - mb, p, verdict);
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 20;
  int64_t budget = 6000, max_rounds = 100;
  bool no_optuna = false;
  std::vector<std::string> only;
  double target = std::numeric_limits<double>::quiet_NaN();
  CLI::App app{"best validation log-loss against boosting rounds, parzen's pruners and Optuna's"};
  app.add_option("--seeds", seeds, "runs per method")->capture_default_str();
  app.add_option("--budget", budget, "boosting rounds per run")->capture_default_str();
  app.add_option("--max-rounds", max_rounds, "rounds of an unpruned trial")->capture_default_str();
  app.add_flag("--no-optuna", no_optuna, "parzen only");
  app.add_option("--methods", only, "run only these (e.g. parzen-asha optuna-hyperband)");
  app.add_option("--target", target,
                 "log-loss to reach (default: parzen-none's final median, when it runs)");
  CLI11_PARSE(app, argc, argv);

  const xgb_example::Split split(xgb_example::breast_cancer_csv());
  std::map<std::string, std::vector<Trajectory>> runs;
  std::map<std::string, std::pair<int64_t, int64_t>> counts;  // trials, pruned
  std::vector<std::string> methods;
  for (const auto& m : xgb_example::kMethods) methods.push_back("parzen-" + m);
  if (!no_optuna)
    for (const char* m : {"none", "median", "hyperband"})
      methods.push_back(std::string("optuna-") + m);
  const auto wanted = [&](const std::string& m) {
    return only.empty() || std::find(only.begin(), only.end(), m) != only.end();
  };

  for (int seed = 1; seed <= seeds; ++seed) {
    for (const auto& m : xgb_example::kMethods) {
      if (!wanted("parzen-" + m)) continue;
      const auto r = xgb_example::tune(split, {.method = m,
                                               .max_rounds = max_rounds,
                                               .round_budget = budget,
                                               .seed = static_cast<uint64_t>(seed)});
      Trajectory t;
      for (const auto& p : r.trajectory)
        t.push_back({p.rounds, p.best, p.state == parzen::TrialState::Complete});
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
      if (!wanted(std::string("optuna-") + m)) continue;
      for (const auto& row : bench::run_json_lines(fmt::format(
               "/usr/bin/python3 {}/optuna_xgboost.py {} {} {} {} {}", bench::bench_dir(),
               xgb_example::breast_cancer_csv(), m, seed, max_rounds, budget))) {
        Trajectory t;
        for (const auto& p : row["trajectory"])
          t.push_back(
              {p[0].get<int64_t>(),
               p[1].is_number() ? p[1].get<double>() : std::numeric_limits<double>::infinity(),
               p[2].get<bool>()});
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
  if (std::isnan(target) && !runs["parzen-none"].empty()) {
    std::vector<double> none_final;
    for (const auto& t : runs["parzen-none"]) none_final.push_back(best_at(t, budget));
    target = bench::quantile(none_final, 0.5);
  }

  const int64_t third = budget / 3, ninth = budget / 9;
  fmt::print(
      "\nBest validation log-loss after a share of the {}-round budget, median [IQR] over "
      "{} seeds; rounds to reach parzen-none's final median ({:.4f}):\n\n",
      budget, seeds, target);
  fmt::print(
      "| method | after {} rounds | after {} rounds | after {} rounds | rounds to reach "
      "{:.4f} (median) | seeds reaching it | trials per run | complete trials after {} rounds "
      "|\n",
      ninth, third, budget, target, third);
  fmt::print("|---|---|---|---|---:|---:|---:|---:|\n");
  for (const auto& m : methods) {
    const auto& ts = runs[m];
    if (ts.empty()) continue;
    std::vector<double> reach, complete;
    int reached = 0;
    for (const auto& t : ts) {
      const int64_t r = rounds_to_reach(t, target);
      reached += r != std::numeric_limits<int64_t>::max();
      reach.push_back(r == std::numeric_limits<int64_t>::max()
                          ? std::numeric_limits<double>::infinity()
                          : static_cast<double>(r));
      complete.push_back(static_cast<double>(complete_by(t, third)));
    }
    const double med_reach = bench::quantile(reach, 0.5);
    fmt::print(
        "| {} | {} | {} | {} | {} | {}/{} | {:.0f} | {:.0f} |\n", m, cell(bests_at(ts, ninth)),
        cell(bests_at(ts, third)), cell(bests_at(ts, budget)),
        std::isinf(med_reach) ? std::string("not reached") : fmt::format("{:.0f}", med_reach),
        reached, ts.size(), static_cast<double>(counts[m].first) / static_cast<double>(ts.size()),
        bench::quantile(complete, 0.5));
  }

  // The two goals of issue 7, tested over the seeds: each pruning method with a third of the
  // budget against no pruning with all of it, and parzen's Hyperband-based methods against
  // Optuna's Hyperband at equal rounds.
  fmt::print(
      "\nComparisons over the seeds (medians; two-sided Mann-Whitney p):\n\n"
      "| method | against | median | against median | difference | p | verdict |\n"
      "|---|---|---:|---:|---:|---:|---|\n");
  const auto& none = runs["parzen-none"];
  for (const auto& m : methods) {
    if (none.empty() || m == "parzen-none" || m.rfind("parzen-", 0) != 0 || runs[m].empty())
      continue;
    print_comparison(m, bests_at(runs[m], third), third, "parzen-none", bests_at(none, budget),
                     budget);
  }
  const auto& optuna_hb = runs["optuna-hyperband"];
  for (const char* m : {"parzen-asha", "parzen-hyperband", "parzen-bracket-tpe", "parzen-bohb"}) {
    if (optuna_hb.empty() || runs[m].empty()) continue;
    for (int64_t r : {ninth, third, budget})
      print_comparison(m, bests_at(runs[m], r), r, "optuna-hyperband", bests_at(optuna_hb, r), r);
  }
  return 0;
}
