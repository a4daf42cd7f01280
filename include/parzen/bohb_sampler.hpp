#pragma once
// BOHB's model (Falkner, Klein and Hutter, "BOHB: Robust and Efficient Hyperparameter
// Optimization at Scale", ICML 2018) with Parzen's TPE: the model is fitted on the largest
// budget (step) at which enough trials have reported a value, each trial's observation being its
// intermediate value at that budget, so that the many trials Hyperband stops early inform the
// search instead of only the few that run to the end. Pair it with a HyperbandPruner (or
// SuccessiveHalvingPruner) whose rungs are the budgets.
//
//   auto pruner = parzen::HyperbandPruner::make({.min_resource = 1, .max_resource = 100});
//   auto sampler = parzen::BohbSampler::make({.budgets = parzen::BohbSampler::rungs(1, 100, 3)});
//   auto study = parzen::Study::create({.sampler = sampler, .pruner = pruner});

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "parzen/pruner.hpp"
#include "parzen/tpe_sampler.hpp"

namespace parzen {

struct BohbSamplerOptions {
  // The steps at which trials' intermediate values are read, ascending (e.g. the rungs).
  std::vector<int64_t> budgets{};
  // Observations a budget needs before the model uses it; 0: twice the TPE's n_startup_trials.
  // (With fewer, the models of the cheapest budgets steer towards configurations that only look
  // good early, such as the largest learning rates: bench_xgboost_pruning.)
  int64_t min_points = 0;
  // The TPE behind it (its seed, candidates, ...); one TPE per budget, seeded alike.
  TpeSamplerOptions tpe{};
};

// Throws OptionError unless budgets are non-empty, non-negative and strictly ascending (key
// "budgets"), min_points >= 0, and the TPE options are valid (validate(TpeSamplerOptions), keys
// as there). BohbSampler's constructor calls it.
void validate(const BohbSamplerOptions& options);

class BohbSampler : public Sampler {
 public:
  // Throws OptionError for invalid options (see validate).
  explicit BohbSampler(BohbSamplerOptions options);
  ~BohbSampler() override;
  static std::shared_ptr<BohbSampler> make(BohbSamplerOptions options) {
    return std::make_shared<BohbSampler>(std::move(options));
  }
  // Hyperband's rungs: min, min * eta, min * eta^2, ... below max, and max.
  static std::vector<int64_t> rungs(int64_t min_resource, int64_t max_resource,
                                    int64_t reduction_factor);

  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override;
  std::map<std::string, double> sample_relative(const StudyView& view, const FrozenTrial& trial,
                                                const SearchSpace& space) override;
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override;

  // The steps whose intermediate values the model reads (the options' budgets).
  const std::vector<int64_t>& budgets() const { return options_.budgets; }
  // Throws InvalidArgument, naming both, when `pruner` is a HyperbandPruner with a set
  // max_resource whose rungs (rungs(min_resource, max_resource, reduction_factor)) are not this
  // sampler's budgets, e.g. a sampler made for another pruner. Other pruners, and a Hyperband
  // pruner with "auto" max_resource, are not checked. Study::create calls it.
  void check_pruner(const Pruner& pruner) const;

  // The budget the model would use now (0 while no budget has enough observations). Counts are
  // kept from call to call and updated only for the trials that changed in the view.
  int64_t current_budget(const StudyView& view);

 private:
  // The TPE of the current budget and the view in which each trial that reached the budget is
  // complete with its value there (kept up to date incrementally).
  std::pair<Sampler*, const StudyView*> model(const StudyView& view);

  struct Impl;  // the TPE and derived view of each budget, and the per-budget counts
  BohbSamplerOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parzen
