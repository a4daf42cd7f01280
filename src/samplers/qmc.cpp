#include <random>

#include "math/seed.hpp"
#include "math/sobol.hpp"
#include "parzen/sampler.hpp"

namespace parzen {

void validate(const QmcSamplerOptions& /*options*/) {}

QmcSampler::QmcSampler(QmcSamplerOptions options)
    : options_(options),
      scramble_seed_(options.seed ? *options.seed : math::entropy_seed()),
      // Its own stream, unrelated to a RandomSampler's with a neighbouring seed.
      fallback_(RandomSamplerOptions{math::splitmix64(scramble_seed_ ^ 0x716d63)}) {
  validate(options);
}

SearchSpace QmcSampler::infer_relative_space(const StudyView& view, const FrozenTrial& /*trial*/) {
  if (!space_) {
    for (const FrozenTrial& t : view.trials()) {
      if (t.state != TrialState::Complete) continue;
      // The first trial's space, not the intersection of all: the Sobol sequence's dimension
      // must not change under it.
      space_ = without_single_values(SearchSpace(t.distributions.begin(), t.distributions.end()));
      break;
    }
  }
  return space_.value_or(SearchSpace{});
}

std::map<std::string, double> QmcSampler::sample_relative(const StudyView& view,
                                                          const FrozenTrial& trial,
                                                          const SearchSpace& space) {
  if (space.empty()) return {};
  // Trial number i takes point i, so workers anywhere fill the sequence without coordination.
  // One scramble per (seed, study): two studies with one seed get different points.
  const math::ScrambledSobol sobol(static_cast<unsigned>(space.size()), options_.scramble,
                                   math::study_seed(scramble_seed_, view.study_name()));
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
