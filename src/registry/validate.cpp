// validate() of every sampler's and pruner's options struct, in one place so that the ranges the
// registry documents (samplers.cpp, pruners.cpp) sit next to the checks that enforce them. Each
// constructor calls its struct's validate() first; every error has the form of check_option.

#include <cmath>
#include <limits>
#include <set>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "parzen/bohb_sampler.hpp"
#include "parzen/gp_sampler.hpp"
#include "parzen/pruners.hpp"
#include "parzen/tpe_sampler.hpp"
#include "registry/option_check.hpp"

namespace parzen {

using internal::check_option;

void validate(const RandomSamplerOptions& /*options*/) {}

void validate(const QmcSamplerOptions& /*options*/) {}

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

void validate(const TpeSamplerOptions& o) {
  check_option(o.n_startup_trials >= 0, "TpeSampler", "n_startup_trials", o.n_startup_trials,
               "must be >= 0");
  check_option(o.n_ei_candidates >= 1, "TpeSampler", "n_ei_candidates", o.n_ei_candidates,
               "must be >= 1");
  check_option(o.prior_weight > 0 && std::isfinite(o.prior_weight), "TpeSampler", "prior_weight",
               o.prior_weight, "must be > 0 and finite");
  check_option(!o.group || o.multivariate, "TpeSampler", "group", o.group,
               "needs multivariate = true");
}

void validate(const GpSamplerOptions& o) {
  check_option(o.n_startup_trials >= 1, "GpSampler", "n_startup_trials", o.n_startup_trials,
               "must be >= 1");
  check_option(o.n_candidates >= 1, "GpSampler", "n_candidates", o.n_candidates, "must be >= 1");
  check_option(o.n_polish >= 1, "GpSampler", "n_polish", o.n_polish, "must be >= 1");
  check_option(o.ucb_beta >= 0 && std::isfinite(o.ucb_beta), "GpSampler", "ucb_beta", o.ucb_beta,
               "must be >= 0 and finite");
}

void validate(const BohbSamplerOptions& o) {
  const std::string budgets = fmt::format("[{}]", fmt::join(o.budgets, ", "));
  check_option(!o.budgets.empty(), "BohbSampler", "budgets", budgets,
               "must list at least one step");
  for (size_t i = 0; i < o.budgets.size(); ++i)
    check_option(o.budgets[i] >= 0 && (i == 0 || o.budgets[i] > o.budgets[i - 1]), "BohbSampler",
                 "budgets", budgets, "must be non-negative and strictly ascending");
  check_option(o.min_points >= 0, "BohbSampler", "min_points", o.min_points, "must be >= 0");
  validate(o.tpe);
}

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

}  // namespace parzen
