// Asynchronous successive halving and Hyperband over it, after Optuna 3.1's definitions.

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <boost/crc.hpp>

#include "parzen/error.hpp"
#include "parzen/pruners.hpp"
#include "parzen/system_attrs.hpp"
#include "pruners/common.hpp"
#include "registry/option_check.hpp"

namespace parzen {

using internal::check_option;

void validate(const SuccessiveHalvingPrunerOptions& o) {
  const char* owner = "SuccessiveHalvingPruner";
  check_option(!o.min_resource || *o.min_resource >= 1, owner, "min_resource", o.min_resource,
               "must be >= 1 (or unset: auto)");
  check_option(o.reduction_factor >= 2, owner, "reduction_factor", o.reduction_factor,
               "must be >= 2");
  check_option(o.min_early_stopping_rate >= 0, owner, "min_early_stopping_rate",
               o.min_early_stopping_rate, "must be >= 0");
  check_option(o.bootstrap_count >= 0, owner, "bootstrap_count", o.bootstrap_count, "must be >= 0");
}

void validate(const HyperbandPrunerOptions& o) {
  const char* owner = "HyperbandPruner";
  check_option(o.min_resource >= 1, owner, "min_resource", o.min_resource, "must be >= 1");
  check_option(!o.max_resource || *o.max_resource >= o.min_resource, owner, "max_resource",
               o.max_resource, fmt::format("must be >= min_resource ({})", o.min_resource));
  check_option(o.reduction_factor >= 2, owner, "reduction_factor", o.reduction_factor,
               "must be >= 2");
  check_option(o.bootstrap_count >= 0, owner, "bootstrap_count", o.bootstrap_count, "must be >= 0");
}

namespace {

std::string rung_key(int64_t rung) { return keys::completed_rung(rung); }

int64_t current_rung(const FrozenTrial& trial) {
  int64_t n = 0;
  for (const auto& [k, v] : trial.system_attrs.items())
    if (k.rfind(keys::completed_rung_prefix, 0) == 0) ++n;
  return n;
}

// The last step of the longest complete trial, if any: what "auto" resources derive from.
std::optional<int64_t> longest_complete_step(const std::vector<const FrozenTrial*>& trials) {
  std::optional<int64_t> longest;
  for (const FrozenTrial* t : trials)
    if (t->state == TrialState::Complete)
      if (auto s = t->last_step(); s && (!longest || *s > *longest)) longest = s;
  return longest;
}

// Steps before the first rung when min_resource is "auto": 1% of the longest complete trial.
std::optional<int64_t> estimate_min_resource(const std::vector<const FrozenTrial*>& trials) {
  const auto longest = longest_complete_step(trials);
  if (!longest) return std::nullopt;
  return std::max<int64_t>(*longest / 100, 1);
}

bool promotable(double value, std::vector<double> competing, int64_t reduction_factor,
                Direction direction) {
  int64_t idx = static_cast<int64_t>(competing.size()) / reduction_factor - 1;
  // Trials cannot be paused and resumed later, so while fewer than reduction_factor trials have
  // reached the rung, only the best so far goes on.
  if (idx == -1) idx = 0;
  std::sort(competing.begin(), competing.end());
  if (direction == Direction::Maximize)
    return value >= competing[competing.size() - 1 - static_cast<size_t>(idx)];
  return value <= competing[static_cast<size_t>(idx)];
}

}  // namespace

SuccessiveHalvingPruner::SuccessiveHalvingPruner(SuccessiveHalvingPrunerOptions options)
    : options_(options) {
  validate(options);
}

bool SuccessiveHalvingPruner::should_prune(const StudyView& view, const FrozenTrial& trial) {
  std::vector<const FrozenTrial*> all;
  all.reserve(view.trials().size());
  for (const auto& t : view.trials()) all.push_back(&t);
  return should_prune(view, trial, all);
}

bool SuccessiveHalvingPruner::should_prune(const StudyView& view, const FrozenTrial& trial,
                                           const std::vector<const FrozenTrial*>& trials) {
  const Direction direction = pruning::single_direction(view);
  const auto step = trial.last_step();
  if (!step) return false;
  const double value = trial.intermediate_values.at(*step);
  int64_t rung = current_rung(trial);
  while (true) {
    if (!options_.min_resource) {
      options_.min_resource = estimate_min_resource(trials);
      if (!options_.min_resource) return false;
    }
    const auto promotion_step =
        static_cast<double>(*options_.min_resource) *
        std::pow(static_cast<double>(options_.reduction_factor),
                 static_cast<double>(options_.min_early_stopping_rate + rung));
    if (static_cast<double>(*step) < promotion_step) return false;
    if (std::isnan(value)) return true;

    // Record this trial's value at the rung (in the storage: other workers compete with it).
    const std::string key = rung_key(rung);
    view.writer().set_trial_system_attr(trial.id, key, value);
    std::vector<double> competing;
    for (const FrozenTrial* t : trials) {
      if (t->number == trial.number) continue;
      if (auto it = t->system_attrs.find(key); it != t->system_attrs.end() && it->is_number())
        competing.push_back(it->get<double>());
    }
    competing.push_back(value);
    if (static_cast<int64_t>(competing.size()) <= options_.bootstrap_count) return true;
    if (!promotable(value, competing, options_.reduction_factor, direction)) return true;
    ++rung;
  }
}

struct HyperbandPruner::Impl {
  std::vector<SuccessiveHalvingPruner> brackets{};
  std::vector<int64_t> budgets{};
  int64_t total_budget = 0;
  // The bracket of each trial number of one study, filled on demand.
  std::string study_name{};
  std::vector<int64_t> bracket_by_number{};

  void make_brackets(const HyperbandPrunerOptions& o, int64_t max_resource) {
    const double ratio = static_cast<double>(max_resource) / static_cast<double>(o.min_resource);
    const auto n =
        static_cast<int64_t>(std::floor(
            std::log(ratio) / std::log(static_cast<double>(o.reduction_factor)) + 1e-12)) +
        1;
    brackets.clear();
    budgets.clear();
    bracket_by_number.clear();
    total_budget = 0;
    for (int64_t i = 0; i < n; ++i) {
      brackets.emplace_back(SuccessiveHalvingPrunerOptions{
          .min_resource = o.min_resource,
          .reduction_factor = o.reduction_factor,
          .min_early_stopping_rate = i,
          .bootstrap_count = o.bootstrap_count,
      });
      const int64_t s = n - 1 - i;
      const auto budget = static_cast<int64_t>(
          std::ceil(static_cast<double>(n) *
                    std::pow(static_cast<double>(o.reduction_factor), static_cast<double>(s)) /
                    static_cast<double>(s + 1)));
      budgets.push_back(budget);
      total_budget += budget;
    }
  }
};

HyperbandPruner::HyperbandPruner(HyperbandPrunerOptions options)
    : options_(options), impl_(std::make_unique<Impl>()) {
  validate(options);
  if (options.max_resource) impl_->make_brackets(options_, *options.max_resource);
}

HyperbandPruner::~HyperbandPruner() = default;
HyperbandPruner::HyperbandPruner(HyperbandPruner&&) noexcept = default;
HyperbandPruner& HyperbandPruner::operator=(HyperbandPruner&&) noexcept = default;

int64_t HyperbandPruner::n_brackets() const { return static_cast<int64_t>(impl_->budgets.size()); }

bool HyperbandPruner::ensure_brackets(const StudyView& view) {
  if (!impl_->brackets.empty()) return true;
  const auto longest = longest_complete_step(view.trials({TrialState::Complete}));
  if (!longest) return false;
  impl_->make_brackets(options_, std::max(*longest + 1, options_.min_resource));
  return true;
}

int64_t HyperbandPruner::bracket_of(const std::string& study_name, int64_t trial_number) const {
  const auto& budgets = impl_->budgets;
  if (budgets.empty()) return 0;
  const std::string key = fmt::format("{}_{}", study_name, trial_number);
  boost::crc_32_type crc;
  crc.process_bytes(key.data(), key.size());
  auto n = static_cast<int64_t>(crc.checksum() % static_cast<uint64_t>(impl_->total_budget));
  for (size_t i = 0; i < budgets.size(); ++i) {
    n -= budgets[i];
    if (n < 0) return static_cast<int64_t>(i);
  }
  return static_cast<int64_t>(budgets.size()) - 1;
}

int64_t HyperbandPruner::bracket_index(const StudyView& view, int64_t trial_number) {
  const std::string& name = view.study_name();
  if (impl_->budgets.empty() || trial_number < 0) return bracket_of(name, trial_number);
  // A trial's bracket never changes once the brackets exist: hashed once per trial number.
  auto& cache = impl_->bracket_by_number;
  if (impl_->study_name != name) {
    impl_->study_name = name;
    cache.clear();
  }
  const auto index = static_cast<size_t>(trial_number);
  while (cache.size() <= index)
    cache.push_back(bracket_of(name, static_cast<int64_t>(cache.size())));
  return cache[index];
}

std::vector<const FrozenTrial*> HyperbandPruner::bracket_trials(const StudyView& view,
                                                                int64_t trial_number) {
  std::vector<const FrozenTrial*> out;
  const int64_t bracket = bracket_index(view, trial_number);
  for (const auto& t : view.trials())
    if (bracket_index(view, t.number) == bracket) out.push_back(&t);
  return out;
}

bool HyperbandPruner::should_prune(const StudyView& view, const FrozenTrial& trial) {
  pruning::single_direction(view);
  if (!ensure_brackets(view)) return false;
  const int64_t bracket = bracket_index(view, trial.number);
  return impl_->brackets[static_cast<size_t>(bracket)].should_prune(
      view, trial, bracket_trials(view, trial.number));
}

}  // namespace parzen
