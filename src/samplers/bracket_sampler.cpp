#include "parzen/bracket_sampler.hpp"

#include "parzen/error.hpp"

namespace parzen {

BracketSampler::BracketSampler(std::shared_ptr<HyperbandPruner> pruner, Factory factory)
    : pruner_(std::move(pruner)), factory_(std::move(factory)) {
  if (!pruner_) throw InvalidArgument("BracketSampler needs the study's HyperbandPruner");
  if (!factory_) throw InvalidArgument("BracketSampler needs a factory of per-bracket samplers");
}

std::pair<Sampler*, StudyView> BracketSampler::bracket_of(const StudyView& view,
                                                          const FrozenTrial& trial) {
  // Until the brackets are known ("auto" max_resource and no complete trial yet) every trial is
  // in bracket 0 and sees them all.
  int64_t bracket = 0;
  std::vector<FrozenTrial> trials;
  if (pruner_->ensure_brackets(view)) {
    bracket = pruner_->bracket_index(view, trial.number);
    trials.resize(view.trials().size());
    for (size_t i = 0; i < trials.size(); ++i) {
      trials[i].number = static_cast<int64_t>(i);
      trials[i].state = TrialState::Waiting;  // a placeholder for another bracket's trial
    }
    for (const FrozenTrial* t : pruner_->bracket_trials(view, trial.number))
      trials[static_cast<size_t>(t->number)] = *t;
  } else {
    trials = view.trials();
  }
  auto& sampler = samplers_[bracket];
  if (!sampler) sampler = factory_(bracket);
  return {sampler.get(), StudyView(view, std::move(trials))};
}

SearchSpace BracketSampler::infer_relative_space(const StudyView& view, const FrozenTrial& trial) {
  auto [sampler, bracket_view] = bracket_of(view, trial);
  return sampler->infer_relative_space(bracket_view, trial);
}

std::map<std::string, double> BracketSampler::sample_relative(const StudyView& view,
                                                              const FrozenTrial& trial,
                                                              const SearchSpace& space) {
  auto [sampler, bracket_view] = bracket_of(view, trial);
  return sampler->sample_relative(bracket_view, trial, space);
}

double BracketSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                          const std::string& name,
                                          const Distribution& distribution) {
  auto [sampler, bracket_view] = bracket_of(view, trial);
  return sampler->sample_independent(bracket_view, trial, name, distribution);
}

void BracketSampler::after_trial(const StudyView& view, const FrozenTrial& trial) {
  auto [sampler, bracket_view] = bracket_of(view, trial);
  sampler->after_trial(bracket_view, trial);
}

}  // namespace parzen
