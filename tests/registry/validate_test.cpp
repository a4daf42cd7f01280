// Every options struct's validate(): a bad value of each option is refused before anything is
// built, with one message form naming the struct, the option, its value and the allowed range,
// and the constructor refuses the same options the same way.

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parzen/bohb_sampler.hpp"
#include "parzen/cmaes_sampler.hpp"
#include "parzen/gp_sampler.hpp"
#include "parzen/pruners.hpp"
#include "parzen/tpe_sampler.hpp"

namespace {

using namespace parzen;

template <class O>
struct Bad {
  std::function<void(O&)> change;
  std::string key;
  std::string message;
};

// validate() and the constructor `make` both throw OptionError(key, message) for each case, and
// accept the options they start from.
template <class O>
void expect_refused(const O& good, const std::vector<Bad<O>>& cases,
                    const std::function<void(const O&)>& make) {
  EXPECT_NO_THROW(validate(good));
  EXPECT_NO_THROW(make(good));
  for (const auto& c : cases) {
    O o = good;
    c.change(o);
    for (int via_constructor = 0; via_constructor < 2; ++via_constructor) {
      try {
        via_constructor ? make(o) : validate(o);
        ADD_FAILURE() << "accepted: " << c.message;
      } catch (const OptionError& e) {
        EXPECT_EQ(e.key(), c.key);
        EXPECT_EQ(std::string(e.what()), c.message);
      }
    }
  }
}

TEST(Validate, TpeSamplerOptions) {
  using O = TpeSamplerOptions;
  expect_refused<O>({},
                    {
                        {[](O& o) { o.n_startup_trials = -1; }, "n_startup_trials",
                         "TpeSampler: n_startup_trials = -1, must be >= 0"},
                        {[](O& o) { o.n_ei_candidates = 0; }, "n_ei_candidates",
                         "TpeSampler: n_ei_candidates = 0, must be >= 1"},
                        {[](O& o) { o.prior_weight = 0; }, "prior_weight",
                         "TpeSampler: prior_weight = 0, must be > 0 and finite"},
                        {[](O& o) { o.prior_weight = std::numeric_limits<double>::infinity(); },
                         "prior_weight", "TpeSampler: prior_weight = inf, must be > 0 and finite"},
                        {[](O& o) { o.group = true; }, "group",
                         "TpeSampler: group = true, needs multivariate = true"},
                    },
                    [](const O& o) { TpeSampler s(o); });
}

TEST(Validate, GpSamplerOptions) {
  using O = GpSamplerOptions;
  expect_refused<O>(
      {},
      {
          {[](O& o) { o.n_startup_trials = 0; }, "n_startup_trials",
           "GpSampler: n_startup_trials = 0, must be >= 1"},
          {[](O& o) { o.n_candidates = 0; }, "n_candidates",
           "GpSampler: n_candidates = 0, must be >= 1"},
          {[](O& o) { o.n_polish = -2; }, "n_polish", "GpSampler: n_polish = -2, must be >= 1"},
          {[](O& o) { o.ucb_beta = -0.5; }, "ucb_beta",
           "GpSampler: ucb_beta = -0.5, must be >= 0 and finite"},
      },
      [](const O& o) { GpSampler s(o); });
}

TEST(Validate, CmaEsSamplerOptions) {
  using O = CmaEsSamplerOptions;
  expect_refused<O>(
      {},
      {
          {[](O& o) { o.sigma0 = 0.0; }, "sigma0",
           "CmaEsSampler: sigma0 = 0, must be > 0 and finite (or unset: 1/6 of the unit range)"},
          {[](O& o) { o.n_startup_trials = -1; }, "n_startup_trials",
           "CmaEsSampler: n_startup_trials = -1, must be >= 0"},
          {[](O& o) { o.popsize = 1; }, "popsize",
           "CmaEsSampler: popsize = 1, must be >= 2 (or unset: 4 + floor(3 ln n))"},
          {[](O& o) { o.inc_popsize = 0; }, "inc_popsize",
           "CmaEsSampler: inc_popsize = 0, must be >= 1"},
          {[](O& o) {
             o.use_separable_cma = true;
             o.with_margin = true;
           },
           "with_margin",
           "CmaEsSampler: with_margin = true, cannot be combined with use_separable_cma = true (as "
           "in Optuna)"},
      },
      [](const O& o) { CmaEsSampler s(o); });
}

TEST(Validate, BohbSamplerOptions) {
  using O = BohbSamplerOptions;
  expect_refused<O>(
      {.budgets = {1, 3, 9}},
      {
          {[](O& o) { o.budgets.clear(); }, "budgets",
           "BohbSampler: budgets = [], must list at least one step"},
          {[](O& o) {
             o.budgets = {1, 9, 3};
           },
           "budgets",
           "BohbSampler: budgets = [1, 9, 3], must be non-negative and strictly ascending"},
          {[](O& o) { o.min_points = -1; }, "min_points",
           "BohbSampler: min_points = -1, must be >= 0"},
          {[](O& o) { o.tpe.n_ei_candidates = 0; }, "n_ei_candidates",
           "TpeSampler: n_ei_candidates = 0, must be >= 1"},
      },
      [](const O& o) { BohbSampler s(o); });
}

TEST(Validate, GridSamplerOptions) {
  using O = GridSamplerOptions;
  expect_refused<O>(
      {.grid = {{"x", {int64_t{1}, int64_t{2}}}}},
      {
          {[](O& o) { o.grid.clear(); }, "grid",
           "GridSampler: grid = (no parameters), must name at least one parameter"},
          {[](O& o) { o.grid.push_back(o.grid[0]); }, "grid",
           "GridSampler: grid = (parameter 'x' twice), must name each parameter once"},
          {[](O& o) {
             o.shuffle = true;
             for (int i = 0; i < 9; ++i)
               o.grid.push_back(
                   {"p" + std::to_string(i),
                    std::vector<ParamValue>({int64_t{1}, int64_t{2}, int64_t{3}, int64_t{4},
                                             int64_t{5}, int64_t{6}, int64_t{7}, int64_t{8}})});
           },
           "shuffle",
           "GridSampler: shuffle = true (268435456 combinations), needs at most 10^8 "
           "combinations"},
      },
      [](const O& o) { GridSampler s(o); });
  try {
    validate(GridSamplerOptions{.grid = {{"x", {}}}});
    ADD_FAILURE() << "an empty list of values was accepted";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.key(), "grid");
    EXPECT_EQ(std::string(e.what()).rfind("GridSampler: grid = (parameter 'x'), ", 0), 0u)
        << e.what();
  }
}

TEST(Validate, PercentileAndMedianPrunerOptions) {
  using P = PercentilePrunerOptions;
  expect_refused<P>({},
                    {
                        {[](P& o) { o.percentile = 100.5; }, "percentile",
                         "PercentilePruner: percentile = 100.5, must be in [0, 100]"},
                        {[](P& o) { o.percentile = std::nan(""); }, "percentile",
                         "PercentilePruner: percentile = nan, must be in [0, 100]"},
                        {[](P& o) { o.n_startup_trials = -1; }, "n_startup_trials",
                         "PercentilePruner: n_startup_trials = -1, must be >= 0"},
                        {[](P& o) { o.n_warmup_steps = -1; }, "n_warmup_steps",
                         "PercentilePruner: n_warmup_steps = -1, must be >= 0"},
                        {[](P& o) { o.interval_steps = 0; }, "interval_steps",
                         "PercentilePruner: interval_steps = 0, must be >= 1"},
                        {[](P& o) { o.n_min_trials = 0; }, "n_min_trials",
                         "PercentilePruner: n_min_trials = 0, must be >= 1"},
                    },
                    [](const P& o) { PercentilePruner p(o); });
  using M = MedianPrunerOptions;
  expect_refused<M>({},
                    {
                        {[](M& o) { o.n_startup_trials = -1; }, "n_startup_trials",
                         "MedianPruner: n_startup_trials = -1, must be >= 0"},
                        {[](M& o) { o.n_warmup_steps = -3; }, "n_warmup_steps",
                         "MedianPruner: n_warmup_steps = -3, must be >= 0"},
                        {[](M& o) { o.interval_steps = 0; }, "interval_steps",
                         "MedianPruner: interval_steps = 0, must be >= 1"},
                        {[](M& o) { o.n_min_trials = 0; }, "n_min_trials",
                         "MedianPruner: n_min_trials = 0, must be >= 1"},
                    },
                    [](const M& o) { MedianPruner p(o); });
}

TEST(Validate, ThresholdAndPatientPrunerOptions) {
  using T = ThresholdPrunerOptions;
  expect_refused<T>({.upper = 1.0},
                    {
                        {[](T& o) { o.upper.reset(); }, "upper",
                         "ThresholdPruner: upper = unset, needs a bound: set lower, upper or both"},
                        {[](T& o) { o.lower = 2.0; }, "lower",
                         "ThresholdPruner: lower = 2, must be <= upper (1)"},
                        {[](T& o) { o.n_warmup_steps = -1; }, "n_warmup_steps",
                         "ThresholdPruner: n_warmup_steps = -1, must be >= 0"},
                        {[](T& o) { o.interval_steps = 0; }, "interval_steps",
                         "ThresholdPruner: interval_steps = 0, must be >= 1"},
                    },
                    [](const T& o) { ThresholdPruner p(o); });
  using Q = PatientPrunerOptions;
  expect_refused<Q>(
      {},
      {
          {[](Q& o) { o.patience = -1; }, "patience", "PatientPruner: patience = -1, must be >= 0"},
          {[](Q& o) { o.min_delta = -0.25; }, "min_delta",
           "PatientPruner: min_delta = -0.25, must be >= 0 and finite"},
      },
      [](const Q& o) { PatientPruner p(o); });
}

TEST(Validate, SuccessiveHalvingAndHyperbandPrunerOptions) {
  using S = SuccessiveHalvingPrunerOptions;
  expect_refused<S>(
      {},
      {
          {[](S& o) { o.min_resource = 0; }, "min_resource",
           "SuccessiveHalvingPruner: min_resource = 0, must be >= 1 (or unset: auto)"},
          {[](S& o) { o.reduction_factor = 1; }, "reduction_factor",
           "SuccessiveHalvingPruner: reduction_factor = 1, must be >= 2"},
          {[](S& o) { o.min_early_stopping_rate = -1; }, "min_early_stopping_rate",
           "SuccessiveHalvingPruner: min_early_stopping_rate = -1, must be >= 0"},
          {[](S& o) { o.bootstrap_count = -1; }, "bootstrap_count",
           "SuccessiveHalvingPruner: bootstrap_count = -1, must be >= 0"},
      },
      [](const S& o) { SuccessiveHalvingPruner p(o); });
  using H = HyperbandPrunerOptions;
  expect_refused<H>({.max_resource = 27},
                    {
                        {[](H& o) { o.min_resource = 0; }, "min_resource",
                         "HyperbandPruner: min_resource = 0, must be >= 1"},
                        {[](H& o) { o.max_resource = 0; }, "max_resource",
                         "HyperbandPruner: max_resource = 0, must be >= min_resource (1)"},
                        {[](H& o) { o.reduction_factor = 1; }, "reduction_factor",
                         "HyperbandPruner: reduction_factor = 1, must be >= 2"},
                        {[](H& o) { o.bootstrap_count = -1; }, "bootstrap_count",
                         "HyperbandPruner: bootstrap_count = -1, must be >= 0"},
                    },
                    [](const H& o) { HyperbandPruner p(o); });
}

}  // namespace
