#include "tuning.hpp"

#include <limits>
#include <stdexcept>

namespace xgb_example {

std::shared_ptr<parzen::Pruner> make_pruner(const std::string& method, int64_t max_rounds) {
  if (method == "none") return parzen::NopPruner::make();
  if (method == "median")
    return parzen::MedianPruner::make({.n_startup_trials = 5, .n_warmup_steps = 5});
  if (method == "asha")
    return parzen::SuccessiveHalvingPruner::make({.min_resource = 1, .reduction_factor = 3});
  if (method == "hyperband" || method == "bracket-tpe" || method == "bohb")
    return parzen::HyperbandPruner::make(
        {.min_resource = 1, .max_resource = max_rounds, .reduction_factor = 3});
  throw std::invalid_argument("unknown method '" + method +
                              "'; expected none, median, asha, hyperband, bracket-tpe or bohb");
}

std::shared_ptr<parzen::Sampler> make_sampler(const std::string& method,
                                              const std::shared_ptr<parzen::Pruner>& pruner,
                                              int64_t max_rounds, uint64_t seed) {
  if (method == "bracket-tpe")
    return parzen::BracketSampler::make(
        std::dynamic_pointer_cast<parzen::HyperbandPruner>(pruner), [seed](int64_t bracket) {
          return parzen::TpeSampler::make({.seed = seed + 1000 * static_cast<uint64_t>(bracket)});
        });
  if (method == "bohb")
    return parzen::BohbSampler::make(
        {.budgets = parzen::BohbSampler::rungs(1, max_rounds, 3), .tpe = {.seed = seed}});
  return parzen::TpeSampler::make({.seed = seed});
}

TuningResult tune(const Split& split, const TuningOptions& o,
                  const std::function<void(const Progress&)>& on_trial) {
  auto pruner = make_pruner(o.method, o.max_rounds);
  auto study =
      // A fixed name: Hyperband assigns brackets from the study's name and the trial's number.
      parzen::Study::create({.name = "xgboost-" + o.method + "-" + std::to_string(o.seed),
                             .sampler = make_sampler(o.method, pruner, o.max_rounds, o.seed),
                             .pruner = pruner,
                             .log_level = parzen::LogLevel::Silent});
  TuningResult result;
  result.best = std::numeric_limits<double>::infinity();
  int64_t rounds = 0;  // optimize runs one job: no lock needed
  auto objective = [&](parzen::Trial& t) {
    Params p;
    p.eta = t.suggest_float("eta", 1e-3, 0.5, {.log = true});
    p.max_depth = t.suggest_int("max_depth", 1, 10);
    p.subsample = t.suggest_float("subsample", 0.5, 1.0);
    p.colsample_bytree = t.suggest_float("colsample_bytree", 0.5, 1.0);
    p.min_child_weight = t.suggest_float("min_child_weight", 1e-2, 10.0, {.log = true});
    p.lambda = t.suggest_float("lambda", 1e-3, 10.0, {.log = true});
    p.alpha = t.suggest_float("alpha", 1e-3, 10.0, {.log = true});
    p.seed = o.seed;
    Trainer trainer(split, p);
    double loss = 0;
    for (int64_t r = 1; r <= o.max_rounds; ++r) {
      loss = trainer.next_round();
      ++rounds;
      t.report(r, loss);  // step = rounds boosted so far
      if (t.should_prune()) throw parzen::TrialPruned("pruned after round " + std::to_string(r));
    }
    return loss;
  };
  parzen::OptimizeOptions oo;
  oo.catch_exceptions = false;
  oo.callbacks.push_back([&](parzen::Study& s, const parzen::FrozenTrial& t) {
    if (t.state == parzen::TrialState::Complete && t.values[0] < result.best) {
      result.best = t.values[0];
      result.best_params = t.params;
    }
    ++result.trials;
    if (t.state == parzen::TrialState::Pruned) ++result.pruned;
    Progress p{.rounds = rounds, .best = result.best, .trial = t.number, .state = t.state};
    result.trajectory.push_back(p);
    if (on_trial) on_trial(p);
    if (rounds >= o.round_budget) s.stop();
  });
  study.optimize(objective, oo);
  result.rounds = rounds;
  return result;
}

}  // namespace xgb_example
