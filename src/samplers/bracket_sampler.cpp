#include "parzen/bracket_sampler.hpp"

#include "parzen/error.hpp"
#include "samplers/derived_view.hpp"

namespace parzen {

struct BracketSampler::Impl {
  std::shared_ptr<HyperbandPruner> pruner;
  Factory factory;
  struct Bracket {
    std::shared_ptr<Sampler> sampler;
    std::shared_ptr<internal::DerivedView> view;
  };
  std::map<int64_t, Bracket> brackets{};
  bool split = false;  // whether the brackets were known at the last call
};

BracketSampler::BracketSampler(std::shared_ptr<HyperbandPruner> pruner, Factory factory)
    : impl_(std::make_unique<Impl>(Impl{std::move(pruner), std::move(factory), {}, false})) {
  if (!impl_->pruner) throw InvalidArgument("BracketSampler needs the study's HyperbandPruner");
  if (!impl_->factory)
    throw InvalidArgument("BracketSampler needs a factory of per-bracket samplers");
}

BracketSampler::~BracketSampler() = default;

std::pair<Sampler*, const StudyView*> BracketSampler::bracket_of(const StudyView& view,
                                                                 const FrozenTrial& trial) {
  // Until the brackets are known ("auto" max_resource and no complete trial yet) every trial is
  // in bracket 0 and sees them all; once they are, each bracket's view starts afresh.
  const bool split = impl_->pruner->ensure_brackets(view);
  if (split != impl_->split) {
    for (auto& [index, b] : impl_->brackets) b.view->reset();
    impl_->split = split;
  }
  const int64_t bracket = split ? impl_->pruner->bracket_index(view, trial.number) : 0;
  Impl::Bracket& b = impl_->brackets[bracket];
  if (!b.sampler) {
    b.sampler = impl_->factory(bracket);
    b.view = std::make_shared<internal::DerivedView>();
  }
  const StudyView& restricted = b.view->sync(view, [&](const FrozenTrial& t) {
    if (!split || impl_->pruner->bracket_index(view, t.number) == bracket) return t;
    FrozenTrial placeholder;  // another bracket's trial
    placeholder.number = t.number;
    placeholder.state = TrialState::Waiting;
    return placeholder;
  });
  return {b.sampler.get(), &restricted};
}

SearchSpace BracketSampler::infer_relative_space(const StudyView& view, const FrozenTrial& trial) {
  auto [sampler, bracket_view] = bracket_of(view, trial);
  return sampler->infer_relative_space(*bracket_view, trial);
}

std::map<std::string, double> BracketSampler::sample_relative(const StudyView& view,
                                                              const FrozenTrial& trial,
                                                              const SearchSpace& space) {
  auto [sampler, bracket_view] = bracket_of(view, trial);
  return sampler->sample_relative(*bracket_view, trial, space);
}

double BracketSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                          const std::string& name,
                                          const Distribution& distribution) {
  auto [sampler, bracket_view] = bracket_of(view, trial);
  return sampler->sample_independent(*bracket_view, trial, name, distribution);
}

void BracketSampler::after_trial(const StudyView& view, const FrozenTrial& trial) {
  auto [sampler, bracket_view] = bracket_of(view, trial);
  sampler->after_trial(*bracket_view, trial);
}

}  // namespace parzen
