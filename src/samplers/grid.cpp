#include <algorithm>
#include <limits>
#include <numeric>
#include <random>
#include <set>

#include <fmt/format.h>

#include "math/seed.hpp"
#include "parzen/error.hpp"
#include "parzen/sampler.hpp"
#include "parzen/system_attrs.hpp"
#include "registry/option_check.hpp"

namespace parzen {

using internal::check_option;

void validate(const GridSamplerOptions& options) {
  const auto fail = [](const std::string& value, const std::string& rule) {
    check_option(false, "GridSampler", "grid", value, rule);
  };
  if (options.grid.empty()) fail("(no parameters)", "must name at least one parameter");
  std::set<std::string> names;
  uint64_t size = 1;
  for (const auto& [name, values] : options.grid) {
    if (!names.insert(name).second)
      fail(fmt::format("(parameter '{}' twice)", name), "must name each parameter once");
    try {
      // The values must form a valid categorical set: non-empty, no duplicates.
      validate(CategoricalDistribution{values}, name);
    } catch (const InvalidArgument& e) {
      fail(fmt::format("(parameter '{}')", name), e.what());
    }
    if (size > std::numeric_limits<uint64_t>::max() / values.size())
      fail("(more than 2^64 combinations)", "must have fewer combinations");
    size *= values.size();
  }
  if (options.shuffle && size > 100'000'000)
    check_option(false, "GridSampler", "shuffle", fmt::format("true ({} combinations)", size),
                 "needs at most 10^8 combinations");
}

GridSampler::GridSampler(GridSamplerOptions options) : options_(std::move(options)) {
  validate(options_);
  for (const auto& [name, values] : options_.grid) size_ *= values.size();
}

namespace {

// The visiting order of a shuffled grid: one per (seed, study), so two studies with one seed
// visit their grids in different orders and every worker of a study in the same one.
std::vector<uint64_t> shuffled_order(uint64_t size, std::optional<uint64_t> seed,
                                     const std::string& study) {
  std::vector<uint64_t> order(size);
  std::iota(order.begin(), order.end(), uint64_t{0});
  std::mt19937_64 rng(math::study_seed(seed ? *seed : math::entropy_seed(), study));
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

}  // namespace

std::map<std::string, ParamValue> GridSampler::combination(uint64_t index) const {
  if (index >= size_)
    throw InvalidArgument(
        fmt::format("grid index {} is out of range (the grid has {})", index, size_));
  std::map<std::string, ParamValue> out;
  // The last parameter varies fastest.
  for (auto it = options_.grid.rbegin(); it != options_.grid.rend(); ++it) {
    out[it->first] = it->second[index % it->second.size()];
    index /= it->second.size();
  }
  return out;
}

nlohmann::json GridSampler::before_trial(const StudyView& view) {
  const BookkeepingWriter writer = view.writer();
  if (cursor_ == 0) {
    // Refuse to continue a study that another grid started: indices would mean other points.
    nlohmann::json spec = nlohmann::json::array();
    for (const auto& [name, values] : options_.grid) {
      nlohmann::json vs = nlohmann::json::array();
      for (const auto& v : values) vs.push_back(to_json(v));
      spec.push_back({name, vs});
    }
    if (!writer.reserve(keys::grid_spec, spec)) {
      const auto existing = view.study_system_attr(keys::grid_spec);
      if (existing != spec)
        throw InvalidArgument(fmt::format(
            "study '{}' was searched with another grid ({}); use a new study for this grid",
            view.study_name(), existing.dump()));
    }
  }
  if (options_.shuffle && order_.empty())
    order_ = shuffled_order(size_, options_.seed, view.study_name());
  while (cursor_ < size_) {
    const uint64_t index = options_.shuffle ? order_[cursor_] : cursor_;
    ++cursor_;
    if (writer.reserve(keys::grid_point(index), true)) return {{keys::grid_id, index}};
  }
  throw StudyExhausted(
      fmt::format("the grid sampler has run all {} combinations of its grid", size_));
}

double GridSampler::sample_independent(const StudyView& /*view*/, const FrozenTrial& trial,
                                       const std::string& name, const Distribution& distribution) {
  auto param = std::find_if(options_.grid.begin(), options_.grid.end(),
                            [&](const auto& p) { return p.first == name; });
  if (param == options_.grid.end()) {
    std::vector<std::string> names;
    for (const auto& p : options_.grid) names.push_back(p.first);
    throw InvalidArgument(fmt::format(
        "parameter '{}' is not in the grid (it has {}); add it to the GridSampler's search space",
        name, fmt::join(names, ", ")));
  }
  if (!trial.system_attrs.contains(keys::grid_id)) {
    // An enqueued trial that did not fix this parameter: take the grid's first value.
    return to_internal(distribution, param->second.front(), name);
  }
  const auto index = trial.system_attrs[keys::grid_id].get<uint64_t>();
  try {
    return to_internal(distribution, combination(index).at(name), name);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(
        fmt::format("grid value does not fit the suggested distribution: {}", e.what()));
  }
}

}  // namespace parzen
