#pragma once
// The XGBoost tuning task shared by the example and the pruning benchmark: seven hyperparameters
// of gradient-boosted trees on the breast-cancer split, boosting rounds as the resource.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "parzen/parzen.hpp"
#include "xgb_trainer.hpp"

namespace xgb_example {

// The methods compared: no pruning, the median rule, ASHA, Hyperband (one TPE over all trials),
// Hyperband with one TPE per bracket (BracketSampler, what Optuna's TPE does with its
// HyperbandPruner), and BOHB (Hyperband with TPE fitted on the largest rung that has enough
// observations, BohbSampler).
inline const std::vector<std::string> kMethods = {"none",      "median",      "asha",
                                                  "hyperband", "bracket-tpe", "bohb"};

struct TuningOptions {
  std::string method = "median";
  int64_t max_rounds = 100;     // rounds of a trial that is never pruned
  int64_t round_budget = 6000;  // stop starting trials once this many rounds were boosted
  uint64_t seed = 1;
};

// One point of the run's trajectory: after a trial, the rounds boosted so far and the best
// complete trial's validation log-loss.
struct Progress {
  int64_t rounds = 0;
  double best = 0;
  int64_t trial = 0;
  parzen::TrialState state = parzen::TrialState::Complete;
};

struct TuningResult {
  std::vector<Progress> trajectory{};
  int64_t rounds = 0;
  int64_t trials = 0, pruned = 0;
  double best = 0;
  std::map<std::string, parzen::ParamValue> best_params{};
};

// The pruner and sampler of a method (throws std::invalid_argument for an unknown one).
std::shared_ptr<parzen::Pruner> make_pruner(const std::string& method, int64_t max_rounds);
std::shared_ptr<parzen::Sampler> make_sampler(const std::string& method,
                                              const std::shared_ptr<parzen::Pruner>& pruner,
                                              int64_t max_rounds, uint64_t seed);

// Runs one tuning: TPE (or BOHB) proposes, each trial boosts round by round, reporting the
// validation log-loss after each and stopping when pruned.
TuningResult tune(const Split& split, const TuningOptions& options,
                  const std::function<void(const Progress&)>& on_trial = {});

}  // namespace xgb_example
