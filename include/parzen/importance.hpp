#pragma once
// Hyperparameter importance: how much each parameter matters to a study's objective.
//
//   auto ranking = parzen::param_importances(study.trials(), study.directions());
//   for (const auto& [name, importance] : ranking) std::cout << name << ' ' << importance << '\n';
//
// Two evaluators, with Optuna's defaults:
// - PED-ANOVA (Watanabe et al., IJCAI 2023; Optuna's PedAnovaImportanceEvaluator, the default):
//   per parameter, the Pearson divergence between a Parzen estimator of the trials in the top
//   baseline_quantile (by the objective) and one of all the trials (evaluate_on_local) or the
//   uniform distribution over the search space, on a grid of at most 50 points. Cheap (linear in
//   the number of trials) and meaningful within the region the study explored.
// - fANOVA (Hutter et al., ICML 2014; Optuna's FanovaImportanceEvaluator): a random forest of
//   n_trees regression trees fitted to the objective; a parameter's importance is the variance of
//   the forest's prediction marginalised over every other parameter, as a fraction of the total
//   variance, averaged over the trees. Numerical parameters enter the forest in their internal
//   form (not log-transformed), categorical ones one-hot encoded, as in Optuna.
//
// Which trials and parameters count (Optuna's rules):
// - complete trials only (with finite values), and of those only the trials that have every
//   evaluated parameter;
// - the evaluated parameters: `params` when given (trials lacking one of them are left out, and
//   the parameters must have the same distribution in every trial that has them), else the
//   parameters that every complete trial has with one distribution (the intersection search
//   space). Conditional parameters, present only in some trials, are therefore left out unless
//   asked for by name, and then measured on the trials where they are active;
// - parameters whose distribution admits a single value get importance 0.
//
// The result lists every evaluated parameter, sorted by decreasing importance (ties by name);
// the importances sum to 1 (unless every parameter admits a single value: then all are 0).
// Throws InvalidArgument (the message says what to do) for fewer than 2 usable trials, no
// parameter to evaluate, an unknown parameter, an objective index out of range, invalid options,
// and (fANOVA) a study whose trials all have the same value.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parzen/frozen_trial.hpp"

namespace parzen {

class Study;

enum class ImportanceEvaluator { PedAnova, Fanova };

// "ped-anova" / "fanova" (also accepted by the parser: "ped_anova", "pedanova"; case-insensitive).
std::string_view to_string(ImportanceEvaluator evaluator);
ImportanceEvaluator importance_evaluator_from_string(std::string_view name);

struct ImportanceOptions {
  ImportanceEvaluator evaluator = ImportanceEvaluator::PedAnova;
  // Parameters to evaluate; empty: the intersection search space of the complete trials.
  std::vector<std::string> params{};
  // Which objective value of a multi-objective study (0-based); its direction decides which
  // trials are the best for PED-ANOVA.
  size_t objective = 0;

  // PED-ANOVA (Optuna's PedAnovaImportanceEvaluator defaults).
  double baseline_quantile = 0.1;  // in [0, 1]: the top trials are this quantile's best
  bool evaluate_on_local = true;   // false: compare with the uniform distribution instead
  double prior_weight = 1.0;       // > 0
  int n_steps = 50;                // grid points per numerical parameter, >= 2

  // fANOVA (Optuna's FanovaImportanceEvaluator defaults).
  int n_trees = 64;    // >= 1
  int max_depth = 64;  // >= 1
  uint64_t seed = 0;   // the forest's bootstrap samples and feature order
};

using ParamImportances = std::vector<std::pair<std::string, double>>;

// The importances from a list of trials (any states: the rules above pick the usable ones) and
// the study's directions.
ParamImportances param_importances(const std::vector<FrozenTrial>& trials,
                                   const std::vector<Direction>& directions,
                                   const ImportanceOptions& options = {});

// The same for a study.
ParamImportances param_importances(const Study& study, const ImportanceOptions& options = {});

}  // namespace parzen
