// The pruners of the registry: one entry each, as for the samplers (samplers.cpp).

#include "parzen/pruners.hpp"
#include "registry/entries.hpp"
#include "registry/schema.hpp"

namespace parzen::internal {
namespace {

const char* const kStartupHelp = "no pruning until this many trials have completed";
const char* const kWarmupHelp = "nor before this step of the trial";
const char* const kIntervalHelp = "check once per this many steps (after the warm-up)";
const char* const kMinTrialsHelp = "complete trials that reported the step, needed to compare";

std::vector<Field<MedianPrunerOptions>> median_fields() {
  using O = MedianPrunerOptions;
  return {field("n_startup_trials", &O::n_startup_trials, kStartupHelp, {.min = 0}),
          field("n_warmup_steps", &O::n_warmup_steps, kWarmupHelp, {.min = 0}),
          field("interval_steps", &O::interval_steps, kIntervalHelp, {.min = 1}),
          field("n_min_trials", &O::n_min_trials, kMinTrialsHelp, {.min = 1})};
}

std::vector<Field<PercentilePrunerOptions>> percentile_fields() {
  using O = PercentilePrunerOptions;
  auto percentile = field("percentile", &O::percentile,
                          "prune below this percentile of the complete trials at the same step "
                          "(50: the median; lower prunes more)",
                          {.min = 0, .max = 100});
  // As in Optuna: no percentile is a natural default, so the user gives one.
  percentile.spec.required = true;
  percentile.spec.default_value = nullptr;
  return {percentile, field("n_startup_trials", &O::n_startup_trials, kStartupHelp, {.min = 0}),
          field("n_warmup_steps", &O::n_warmup_steps, kWarmupHelp, {.min = 0}),
          field("interval_steps", &O::interval_steps, kIntervalHelp, {.min = 1}),
          field("n_min_trials", &O::n_min_trials, kMinTrialsHelp, {.min = 1})};
}

std::vector<Field<ThresholdPrunerOptions>> threshold_fields() {
  using O = ThresholdPrunerOptions;
  return {field("lower", &O::lower, "prune when the latest value is below this"),
          field("upper", &O::upper, "prune when the latest value is above this"),
          field("n_warmup_steps", &O::n_warmup_steps, kWarmupHelp, {.min = 0}),
          field("interval_steps", &O::interval_steps, kIntervalHelp, {.min = 1})};
}

std::vector<Field<PatientPrunerOptions>> patient_fields() {
  using O = PatientPrunerOptions;
  Field<O> wrapped{.spec = {.name = "wrapped",
                            .type = OptionType::Pruner,
                            .help = "the pruner that decides once patience runs out (none: prune)"},
                   .set = [](O& o, const nlohmann::json& v, const std::string&) {
                     const std::string type = v.contains("type") && v["type"].is_string()
                                                  ? v["type"].get<std::string>()
                                                  : "";
                     try {
                       o.wrapped = make_pruner(type, v);
                     } catch (const OptionError& e) {
                       throw OptionError("wrapped." + e.key(), e.what());
                     } catch (const InvalidArgument& e) {
                       throw OptionError("wrapped.type", e.what());
                     }
                   }};
  auto patience =
      field("patience", &O::patience,
            "steps without improvement tolerated before the wrapped pruner decides", {.min = 0});
  patience.spec.required = true;
  patience.spec.default_value = nullptr;
  return {
      wrapped, patience,
      field("min_delta", &O::min_delta, "the least change that counts as improvement", {.min = 0})};
}

std::vector<Field<SuccessiveHalvingPrunerOptions>> asha_fields() {
  using O = SuccessiveHalvingPrunerOptions;
  return {
      field("min_resource", &O::min_resource,
            "steps before the first rung; auto: 1/100 of the longest complete trial", {.min = 1}),
      field("reduction_factor", &O::reduction_factor,
            "1/reduction_factor of the trials reaching a rung go on", {.min = 2}),
      field("min_early_stopping_rate", &O::min_early_stopping_rate,
            "the first rung is at min_resource * reduction_factor^this", {.min = 0}),
      field("bootstrap_count", &O::bootstrap_count,
            "prune at a rung that fewer than this many trials have reached", {.min = 0}),
  };
}

std::vector<Field<HyperbandPrunerOptions>> hyperband_fields() {
  using O = HyperbandPrunerOptions;
  return {
      field("min_resource", &O::min_resource, "steps before the first rung", {.min = 1}),
      field("max_resource", &O::max_resource,
            "the last step a trial reaches; auto: the longest complete trial's", {.min = 1}),
      field("reduction_factor", &O::reduction_factor,
            "1/reduction_factor of the trials reaching a rung go on", {.min = 2}),
      field("bootstrap_count", &O::bootstrap_count,
            "prune at a rung that fewer than this many trials have reached", {.min = 0}),
  };
}

// A registry factory for a pruner class built from its options struct.
template <class P, class O>
PrunerFactory factory(const char* owner, std::vector<Field<O>> (*fields)()) {
  return [owner, fields](const nlohmann::json& options) -> std::shared_ptr<Pruner> {
    return P::make(read_options(owner, fields(), options));
  };
}

}  // namespace

std::vector<PrunerEntry> pruner_entries() {
  return {
      {.name = "none",
       .summary = "never prunes (the default)",
       .capabilities = {.multi_objective = true},
       .factory = [](const nlohmann::json& options) -> std::shared_ptr<Pruner> {
         check_keys("NopPruner", {}, options);
         return NopPruner::make();
       }},
      {.name = "median",
       .summary = "prunes a trial whose best value is worse than the median at the same step",
       .options = specs_of(median_fields()),
       .factory = factory<MedianPruner>("MedianPruner", median_fields)},
      {.name = "percentile",
       .summary = "prunes a trial whose best value is worse than a percentile at the same step",
       .options = specs_of(percentile_fields()),
       .factory = factory<PercentilePruner>("PercentilePruner", percentile_fields)},
      {.name = "threshold",
       .summary = "prunes a trial whose latest value leaves [lower, upper]",
       .options = specs_of(threshold_fields()),
       .factory = factory<ThresholdPruner>("ThresholdPruner", threshold_fields)},
      {.name = "patient",
       .summary = "tolerates trials that stopped improving for `patience` steps, then defers "
                  "to the wrapped pruner",
       .options = specs_of(patient_fields()),
       .capabilities = {.wraps_pruner = true},
       .factory = factory<PatientPruner>("PatientPruner", patient_fields)},
      {.name = "successive_halving",
       .aliases = {"asha"},
       .summary = "asynchronous successive halving (ASHA)",
       .options = specs_of(asha_fields()),
       .factory = factory<SuccessiveHalvingPruner>("SuccessiveHalvingPruner", asha_fields)},
      {.name = "hyperband",
       .summary = "Hyperband: successive-halving brackets of different aggressiveness",
       .options = specs_of(hyperband_fields()),
       .factory = factory<HyperbandPruner>("HyperbandPruner", hyperband_fields)},
  };
}

}  // namespace parzen::internal
