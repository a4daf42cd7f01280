// NSGA-III: NSGA-II (nsga2.cpp) with the last front that fits the elite in part cut by
// reference points. See include/parzen/nsga_sampler.hpp.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "math/seed.hpp"
#include "parzen/error.hpp"
#include "parzen/multi_objective.hpp"
#include "parzen/nsga_sampler.hpp"
#include "registry/option_check.hpp"
#include "samplers/nsga/reference_points.hpp"

namespace parzen {

using internal::check_option;

namespace {
// More structured reference points than this are refused (the association costs O(points) per
// trial of the last front).
constexpr uint64_t kMaxReferencePoints = 100000;
}  // namespace

void validate(const NsgaIIISamplerOptions& o) {
  const char* owner = "NsgaIIISampler";
  validate(o.ga, owner);
  check_option(o.dividing_parameter >= 1, owner, "dividing_parameter", o.dividing_parameter,
               "must be >= 1");
  const auto& points = o.reference_points;
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    const std::string text = fmt::format("[{}]", fmt::join(p, ", "));
    check_option(p.size() >= 2, owner, "reference_points", text,
                 fmt::format("point {} has {} coordinates: each needs one per objective (>= 2)", i,
                             p.size()));
    check_option(p.size() == points[0].size(), owner, "reference_points", text,
                 fmt::format("point {} has {} coordinates, point 0 has {}: all need one per "
                             "objective",
                             i, p.size(), points[0].size()));
    bool finite = true, nonzero = false;
    for (double v : p) finite = finite && std::isfinite(v), nonzero = nonzero || v != 0;
    check_option(finite, owner, "reference_points", text,
                 fmt::format("point {} has a coordinate that is not finite", i));
    check_option(nonzero, owner, "reference_points", text,
                 fmt::format("point {} is the origin: a reference line needs a direction", i));
  }
}

NsgaIIISampler::NsgaIIISampler(NsgaIIISamplerOptions options)
    : NsgaIISampler(options.ga, "NsgaIIISampler"), options3_(std::move(options)) {
  validate(options3_);
}

void NsgaIIISampler::check_objectives(size_t n_objectives) const {
  if (!options3_.reference_points.empty()) {
    const size_t given = options3_.reference_points[0].size();
    if (given != n_objectives)
      throw OptionError(
          "reference_points",
          fmt::format("NsgaIIISampler: reference_points have {} coordinates but the study has {} "
                      "objectives: give one coordinate per objective",
                      given, n_objectives));
    return;
  }
  const uint64_t count =
      nsga::das_dennis_count(n_objectives, options3_.dividing_parameter, kMaxReferencePoints);
  if (count > kMaxReferencePoints)
    throw OptionError(
        "dividing_parameter",
        fmt::format("NsgaIIISampler: dividing_parameter = {} gives more than {} reference points "
                    "for {} objectives: choose a smaller dividing_parameter or give "
                    "reference_points",
                    options3_.dividing_parameter, kMaxReferencePoints, n_objectives));
}

std::vector<std::vector<double>> NsgaIIISampler::reference_points(size_t n_objectives) const {
  check_objectives(n_objectives);
  if (!options3_.reference_points.empty()) return options3_.reference_points;
  return nsga::das_dennis_points(n_objectives, options3_.dividing_parameter);
}

SearchSpace NsgaIIISampler::infer_relative_space(const StudyView& view, const FrozenTrial& trial) {
  const auto& given = options3_.reference_points;
  if (!given.empty() && given[0].size() != view.directions().size())
    reference_points(view.directions().size());  // throws, saying what to do
  return NsgaIISampler::infer_relative_space(view, trial);
}

std::vector<size_t> NsgaIIISampler::select_from_last_front(
    const StudyView& view, int64_t generation, const std::vector<const FrozenTrial*>& chosen,
    const std::vector<const FrozenTrial*>& front, size_t n) const {
  const auto& directions = view.directions();
  const auto refs = reference_points(directions.size());
  nsga::Matrix values;
  values.reserve(chosen.size() + front.size());
  for (const FrozenTrial* t : chosen)
    values.push_back(multi_objective::oriented(t->values, directions));
  for (const FrozenTrial* t : front)
    values.push_back(multi_objective::oriented(t->values, directions));
  const nsga::Normalization norm = nsga::normalize(std::move(values));
  const nsga::Association all = nsga::associate(norm.normalized, refs);

  std::vector<size_t> niche_count(refs.size(), 0);
  for (size_t k = 0; k < chosen.size(); ++k) ++niche_count[all.niche[k]];
  nsga::Association last;
  last.niche.assign(all.niche.begin() + static_cast<std::ptrdiff_t>(chosen.size()),
                    all.niche.end());
  last.distance.assign(all.distance.begin() + static_cast<std::ptrdiff_t>(chosen.size()),
                       all.distance.end());
  // Seeded by the study and the generation only: every worker computes the same elite.
  nsga::Rng rng(math::trial_seed(0x6e73676133ULL, view.study_name(), generation, "nsga3:niche"));
  return nsga::niche_select(std::move(niche_count), last, n, rng);
}

}  // namespace parzen
