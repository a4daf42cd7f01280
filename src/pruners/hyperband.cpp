// Asynchronous successive halving and Hyperband over it, after Optuna 3.1's definitions.

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <boost/crc.hpp>

#include "parzen/error.hpp"
#include "parzen/pruners.hpp"
#include "parzen/system_attrs.hpp"
#include "pruners/common.hpp"

namespace parzen {
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

HyperbandPruner::HyperbandPruner(HyperbandPrunerOptions options) : options_(options) {
  validate(options);
  if (options.max_resource) make_brackets(*options.max_resource);
}

void HyperbandPruner::make_brackets(int64_t max_resource) {
  const double ratio =
      static_cast<double>(max_resource) / static_cast<double>(options_.min_resource);
  const auto n =
      static_cast<int64_t>(std::floor(
          std::log(ratio) / std::log(static_cast<double>(options_.reduction_factor)) + 1e-12)) +
      1;
  brackets_.clear();
  budgets_.clear();
  bracket_by_number_.clear();
  total_budget_ = 0;
  for (int64_t i = 0; i < n; ++i) {
    brackets_.emplace_back(SuccessiveHalvingPrunerOptions{
        .min_resource = options_.min_resource,
        .reduction_factor = options_.reduction_factor,
        .min_early_stopping_rate = i,
        .bootstrap_count = options_.bootstrap_count,
    });
    const int64_t s = n - 1 - i;
    const auto budget = static_cast<int64_t>(
        std::ceil(static_cast<double>(n) *
                  std::pow(static_cast<double>(options_.reduction_factor), static_cast<double>(s)) /
                  static_cast<double>(s + 1)));
    budgets_.push_back(budget);
    total_budget_ += budget;
  }
}

bool HyperbandPruner::ensure_brackets(const StudyView& view) {
  if (!brackets_.empty()) return true;
  const auto longest = longest_complete_step(view.trials({TrialState::Complete}));
  if (!longest) return false;
  make_brackets(std::max(*longest + 1, options_.min_resource));
  return true;
}

int64_t HyperbandPruner::bracket_of(const std::string& study_name, int64_t trial_number) const {
  if (budgets_.empty()) return 0;
  const std::string key = fmt::format("{}_{}", study_name, trial_number);
  boost::crc_32_type crc;
  crc.process_bytes(key.data(), key.size());
  auto n = static_cast<int64_t>(crc.checksum() % static_cast<uint64_t>(total_budget_));
  for (size_t i = 0; i < budgets_.size(); ++i) {
    n -= budgets_[i];
    if (n < 0) return static_cast<int64_t>(i);
  }
  return static_cast<int64_t>(budgets_.size()) - 1;
}

const std::string& HyperbandPruner::study_name(const StudyView& view) {
  if (study_name_.empty()) study_name_ = view.study_name();
  return study_name_;
}

int64_t HyperbandPruner::bracket_index(const StudyView& view, int64_t trial_number) {
  if (budgets_.empty() || trial_number < 0) return bracket_of(study_name(view), trial_number);
  // A trial's bracket never changes once the brackets exist: hashed once per trial number.
  const auto index = static_cast<size_t>(trial_number);
  while (bracket_by_number_.size() <= index)
    bracket_by_number_.push_back(
        bracket_of(study_name(view), static_cast<int64_t>(bracket_by_number_.size())));
  return bracket_by_number_[index];
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
  return brackets_[static_cast<size_t>(bracket)].should_prune(view, trial,
                                                              bracket_trials(view, trial.number));
}

}  // namespace parzen
