// Tunes XGBoost (Debian libxgboost-dev, its C API) on the breast-cancer data with early stopping:
// seven hyperparameters, boosting rounds as the resource, the validation log-loss reported after
// every round so that the pruner can stop unpromising trials.
//
//   xgboost_tuning                                 median pruner, 6000 rounds of budget
//   xgboost_tuning --method none|median|asha|hyperband|bracket-tpe|bohb --budget 3000 --seed 2
//
// bench/xgboost_pruning compares the methods with each other and with Optuna.

#include <cstdio>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "tuning.hpp"

int main(int argc, char** argv) {
  xgb_example::TuningOptions o;
  CLI::App app{"XGBoost on breast cancer, tuned by TPE with early stopping"};
  app.add_option("--method", o.method, "none, median, asha, hyperband, bracket-tpe or bohb")
      ->check(CLI::IsMember(xgb_example::kMethods))
      ->capture_default_str();
  app.add_option("--max-rounds", o.max_rounds, "rounds of an unpruned trial")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--budget", o.round_budget, "boosting rounds to spend in all")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the sampler and of XGBoost")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const xgb_example::Split split(xgb_example::breast_cancer_csv());
  fmt::print(
      "XGBoost on breast cancer: {} training and {} validation samples; method {}, "
      "budget {} rounds, at most {} a trial\n",
      split.n_train(), split.n_valid(), o.method, o.round_budget, o.max_rounds);
  const auto r = xgb_example::tune(split, o, [](const xgb_example::Progress& p) {
    fmt::print("trial {:>4}  {:<9} rounds so far {:>6}  best log-loss {:.5f}\n", p.trial,
               parzen::to_string(p.state), p.rounds, p.best);
  });
  fmt::print("\n{} trials ({} pruned), {} boosting rounds; best validation log-loss {:.5f}\n",
             r.trials, r.pruned, r.rounds, r.best);
  for (const auto& [k, v] : r.best_params) fmt::print("  {} = {}\n", k, parzen::to_string(v));
  return 0;
}
