#include <random>

#include "math/sobol.hpp"
#include "parzen/sampler.hpp"

namespace parzen {

QmcSampler::QmcSampler(QmcSamplerOptions options)
    : options_(options),
      scramble_seed_(options.seed ? *options.seed : std::random_device{}()),
      fallback_(RandomSamplerOptions{options.seed ? std::optional<uint64_t>(*options.seed + 1)
                                                  : std::nullopt}) {
  validate(options);
}

SearchSpace QmcSampler::infer_relative_space(const StudyView& view, const FrozenTrial& /*trial*/) {
  if (!space_) {
    for (const FrozenTrial& t : view.trials()) {
      if (t.state != TrialState::Complete) continue;
      SearchSpace space;
      for (const auto& [name, d] : t.distributions)
        if (!is_single(d)) space.emplace(name, d);
      space_ = std::move(space);
      break;
    }
  }
  return space_.value_or(SearchSpace{});
}

std::map<std::string, double> QmcSampler::sample_relative(const StudyView& /*view*/,
                                                          const FrozenTrial& trial,
                                                          const SearchSpace& space) {
  if (space.empty()) return {};
  // Trial number i takes point i, so workers anywhere fill the sequence without coordination.
  const math::ScrambledSobol sobol(static_cast<unsigned>(space.size()), options_.scramble,
                                   scramble_seed_);
  const auto u = sobol.point(static_cast<uint64_t>(trial.number));
  std::map<std::string, double> out;
  size_t i = 0;
  for (const auto& [name, d] : space) out[name] = RandomSampler::from_unit(d, u[i++]);
  return out;
}

double QmcSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                      const std::string& name, const Distribution& distribution) {
  return fallback_.sample_independent(view, trial, name, distribution);
}

}  // namespace parzen
