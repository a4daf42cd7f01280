// The percentile (and median), threshold and patient pruners, after Optuna 3.1's definitions.

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "parzen/error.hpp"
#include "parzen/pruners.hpp"
#include "pruners/common.hpp"
#include "registry/option_check.hpp"

namespace parzen {

using internal::check_option;

namespace {

// The ranges the percentile and the median pruner share, named after `owner`.
void validate_steps(std::string_view owner, int64_t n_startup_trials, int64_t n_warmup_steps,
                    int64_t interval_steps, int64_t n_min_trials) {
  check_option(n_startup_trials >= 0, owner, "n_startup_trials", n_startup_trials, "must be >= 0");
  check_option(n_warmup_steps >= 0, owner, "n_warmup_steps", n_warmup_steps, "must be >= 0");
  check_option(interval_steps >= 1, owner, "interval_steps", interval_steps, "must be >= 1");
  check_option(n_min_trials >= 1, owner, "n_min_trials", n_min_trials, "must be >= 1");
}

}  // namespace

void validate(const PercentilePrunerOptions& o) {
  check_option(o.percentile >= 0 && o.percentile <= 100, "PercentilePruner", "percentile",
               o.percentile, "must be in [0, 100]");
  validate_steps("PercentilePruner", o.n_startup_trials, o.n_warmup_steps, o.interval_steps,
                 o.n_min_trials);
}

void validate(const MedianPrunerOptions& o) {
  validate_steps("MedianPruner", o.n_startup_trials, o.n_warmup_steps, o.interval_steps,
                 o.n_min_trials);
}

void validate(const ThresholdPrunerOptions& o) {
  check_option(o.lower || o.upper, "ThresholdPruner", "upper", o.upper,
               "needs a bound: set lower, upper or both");
  check_option(!o.lower || !o.upper || *o.lower <= *o.upper, "ThresholdPruner", "lower", o.lower,
               fmt::format("must be <= upper ({})", o.upper.value_or(0)));
  check_option(o.n_warmup_steps >= 0, "ThresholdPruner", "n_warmup_steps", o.n_warmup_steps,
               "must be >= 0");
  check_option(o.interval_steps >= 1, "ThresholdPruner", "interval_steps", o.interval_steps,
               "must be >= 1");
}

void validate(const PatientPrunerOptions& o) {
  check_option(o.patience >= 0, "PatientPruner", "patience", o.patience, "must be >= 0");
  check_option(o.min_delta >= 0 && std::isfinite(o.min_delta), "PatientPruner", "min_delta",
               o.min_delta, "must be >= 0 and finite");
}

namespace pruning {

Direction single_direction(const StudyView& view) {
  if (view.directions().size() != 1)
    throw InvalidState(
        fmt::format("pruners support single-objective studies; this one has {} objectives",
                    view.directions().size()));
  return view.directions()[0];
}

bool is_first_in_interval_step(int64_t step, const std::map<int64_t, double>& reported,
                               int64_t n_warmup_steps, int64_t interval_steps) {
  const int64_t nearest_lower_pruning_step =
      (step - n_warmup_steps) / interval_steps * interval_steps + n_warmup_steps;
  int64_t second_last_step = -1;
  for (const auto& [s, v] : reported)
    if (s > second_last_step && s != step) second_last_step = s;
  return second_last_step < nearest_lower_pruning_step;
}

double percentile_of(std::vector<double> values, double percentile) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }),
               values.end());
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double rank = percentile / 100.0 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(rank));
  const auto hi = static_cast<size_t>(std::ceil(rank));
  return values[lo] + (values[hi] - values[lo]) * (rank - static_cast<double>(lo));
}

}  // namespace pruning

PercentilePruner::PercentilePruner(PercentilePrunerOptions options) : options_(options) {
  validate(options);
}

bool PercentilePruner::should_prune(const StudyView& view, const FrozenTrial& trial) {
  const Direction direction = pruning::single_direction(view);
  const auto complete = view.trials({TrialState::Complete});
  if (complete.empty() || static_cast<int64_t>(complete.size()) < options_.n_startup_trials)
    return false;
  const auto step = trial.last_step();
  if (!step || *step < options_.n_warmup_steps) return false;
  if (!pruning::is_first_in_interval_step(*step, trial.intermediate_values, options_.n_warmup_steps,
                                          options_.interval_steps))
    return false;

  // The trial's best value so far (NaN when every value is NaN: prune).
  double best = std::numeric_limits<double>::quiet_NaN();
  for (const auto& [s, v] : trial.intermediate_values) {
    if (std::isnan(v)) continue;
    if (std::isnan(best) || (direction == Direction::Minimize ? v < best : v > best)) best = v;
  }
  if (std::isnan(best)) return true;

  std::vector<double> at_step;
  for (const FrozenTrial* t : complete)
    if (auto it = t->intermediate_values.find(*step); it != t->intermediate_values.end())
      at_step.push_back(it->second);
  if (static_cast<int64_t>(at_step.size()) < options_.n_min_trials) return false;
  const double p =
      pruning::percentile_of(at_step, direction == Direction::Maximize ? 100.0 - options_.percentile
                                                                       : options_.percentile);
  if (std::isnan(p)) return false;
  return direction == Direction::Maximize ? best < p : best > p;
}

MedianPruner::MedianPruner(MedianPrunerOptions options)
    : PercentilePruner({.percentile = (validate(options), 50.0),  // errors name MedianPruner
                        .n_startup_trials = options.n_startup_trials,
                        .n_warmup_steps = options.n_warmup_steps,
                        .interval_steps = options.interval_steps,
                        .n_min_trials = options.n_min_trials}) {}

ThresholdPruner::ThresholdPruner(ThresholdPrunerOptions options) : options_(options) {
  validate(options);
}

bool ThresholdPruner::should_prune(const StudyView& view, const FrozenTrial& trial) {
  pruning::single_direction(view);
  const auto step = trial.last_step();
  if (!step || *step < options_.n_warmup_steps) return false;
  if (!pruning::is_first_in_interval_step(*step, trial.intermediate_values, options_.n_warmup_steps,
                                          options_.interval_steps))
    return false;
  const double latest = trial.intermediate_values.at(*step);
  if (std::isnan(latest)) return true;
  return (options_.lower && latest < *options_.lower) ||
         (options_.upper && latest > *options_.upper);
}

PatientPruner::PatientPruner(PatientPrunerOptions options) : options_(std::move(options)) {
  validate(options_);
}

bool PatientPruner::should_prune(const StudyView& view, const FrozenTrial& trial) {
  const Direction direction = pruning::single_direction(view);
  if (!trial.last_step()) return false;
  const auto& values = trial.intermediate_values;  // ordered by step
  if (static_cast<int64_t>(values.size()) <= options_.patience + 1) return false;
  const size_t split = values.size() - static_cast<size_t>(options_.patience) - 1;
  const bool minimize = direction == Direction::Minimize;
  double before = std::numeric_limits<double>::quiet_NaN();
  double after = std::numeric_limits<double>::quiet_NaN();
  size_t i = 0;
  for (const auto& [s, v] : values) {
    double& best = i++ < split ? before : after;
    if (std::isnan(v)) continue;
    if (std::isnan(best) || (minimize ? v < best : v > best)) best = v;
  }
  // NaN comparisons are false, as numpy's with nanmin/nanmax of all-NaN slices.
  const bool stalled =
      minimize ? before + options_.min_delta < after : before - options_.min_delta > after;
  if (!stalled) return false;
  return options_.wrapped ? options_.wrapped->should_prune(view, trial) : true;
}

}  // namespace parzen
