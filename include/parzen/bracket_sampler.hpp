#pragma once
// One sampler per Hyperband bracket, each seeing only the trials of its bracket: with TPE, the
// BOHB-style combination (Falkner et al., ICML 2018) in which the model of a bracket is fitted on
// trials that were stopped by the same rule, as Optuna's TPE does with its HyperbandPruner.
//
//   auto pruner = parzen::HyperbandPruner::make({.min_resource = 1, .max_resource = 100});
//   auto sampler = parzen::BracketSampler::make(pruner, [](int64_t bracket) {
//     return parzen::TpeSampler::make({.seed = 7 + bracket});
//   });
//   auto study = parzen::Study::create({.sampler = sampler, .pruner = pruner});

#include <functional>
#include <map>
#include <memory>

#include "parzen/pruners.hpp"
#include "parzen/sampler.hpp"

namespace parzen {

class BracketSampler : public Sampler {
 public:
  using Factory = std::function<std::shared_ptr<Sampler>(int64_t bracket)>;
  // Throws InvalidArgument without a pruner or a factory.
  BracketSampler(std::shared_ptr<HyperbandPruner> pruner, Factory factory);
  ~BracketSampler() override;
  static std::shared_ptr<BracketSampler> make(std::shared_ptr<HyperbandPruner> pruner,
                                              Factory factory) {
    return std::make_shared<BracketSampler>(std::move(pruner), std::move(factory));
  }

  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override;
  std::map<std::string, double> sample_relative(const StudyView& view, const FrozenTrial& trial,
                                                const SearchSpace& space) override;
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override;
  void after_trial(const StudyView& view, const FrozenTrial& trial) override;

 private:
  // The trial's bracket's sampler and the view restricted to that bracket (the trials of other
  // brackets as waiting placeholders), kept up to date incrementally.
  std::pair<Sampler*, const StudyView*> bracket_of(const StudyView& view, const FrozenTrial& trial);

  struct Impl;  // each bracket's sampler and derived view
  std::unique_ptr<Impl> impl_;
};

}  // namespace parzen
