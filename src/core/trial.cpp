#include <cmath>

#include <fmt/format.h>

#include "core/study_core.hpp"
#include "parzen/study.hpp"
#include "parzen/system_attrs.hpp"

namespace parzen {

Trial::Trial(std::shared_ptr<detail::StudyCore> core, FrozenTrial record)
    : core_(std::move(core)), record_(std::move(record)) {}

double Trial::suggest_float(const std::string& name, double low, double high,
                            FloatOptions options) {
  return std::get<double>(suggest(name, FloatDistribution{low, high, options.log, options.step}));
}

int64_t Trial::suggest_int(const std::string& name, int64_t low, int64_t high, IntOptions options) {
  return std::get<int64_t>(suggest(name, IntDistribution{low, high, options.log, options.step}));
}

std::string Trial::suggest_categorical(const std::string& name,
                                       std::initializer_list<const char*> choices) {
  CategoricalDistribution d;
  for (const char* c : choices) d.choices.emplace_back(std::string(c));
  return std::get<std::string>(suggest(name, d));
}

ParamValue Trial::suggest(const std::string& name, const Distribution& distribution) {
  validate(distribution, name);
  if (auto it = record_.distributions.find(name); it != record_.distributions.end()) {
    if (!(it->second == distribution))
      throw InvalidArgument(fmt::format(
          "parameter '{}' was already suggested in trial {} as {}; it cannot be redefined as {}",
          name, record_.number, describe(it->second), describe(distribution)));
    return record_.params.at(name);
  }

  double internal;
  const auto& fixed = record_.system_attrs;
  if (fixed.contains(keys::fixed_params) && fixed[keys::fixed_params].contains(name)) {
    try {
      internal =
          to_internal(distribution, param_value_from_json(fixed[keys::fixed_params][name]), name);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(fmt::format("trial {} was enqueued with {}", record_.number, e.what()));
    }
  } else if (auto rel = relative_params_.find(name); rel != relative_params_.end() &&
                                                     relative_space_.count(name) &&
                                                     relative_space_.at(name) == distribution) {
    internal = rel->second;
  } else if (is_single(distribution)) {
    internal = std::visit(
        [](const auto& d) -> double {
          if constexpr (std::is_same_v<std::decay_t<decltype(d)>, CategoricalDistribution>) {
            return 0.0;
          } else {
            return static_cast<double>(d.low);
          }
        },
        distribution);
  } else {
    // The history is the one read when the trial was asked for (as in Optuna, whose trials
    // cache it per trial): re-reading before every parameter would mostly fetch this trial's
    // own writes. A sampler may read the storage (the study's name, for its seed).
    internal = core_->explaining_deletion([&] {
      std::lock_guard lock(core_->mu);
      return core_->sampler->sample_independent(core_->view, record_, name, distribution);
    });
  }
  if (!contains(distribution, internal))
    throw Error(fmt::format("the sampler proposed {} for parameter '{}', outside {}", internal,
                            name, describe(distribution)));

  core_->explaining_deletion(
      [&] { core_->storage->set_trial_param(record_.id, name, internal, distribution); });
  ParamValue value = to_external(distribution, internal);
  record_.params[name] = value;
  record_.distributions[name] = distribution;
  return value;
}

void Trial::report(int64_t step, double value) {
  if (step < 0)
    throw InvalidArgument(
        fmt::format("trial {}: the value {} is reported at step {}; steps are >= 0 (as in Optuna)",
                    record_.number, value, step));
  if (!std::isfinite(value))
    throw InvalidArgument(
        fmt::format("trial {}: the value reported at step {} is {}; report "
                    "finite values",
                    record_.number, step, value));
  if (record_.intermediate_values.count(step)) {
    core_->log(LogLevel::Warning,
               fmt::format("Trial {}: step {} was already reported; the new value {} is ignored",
                           record_.number, step, value));
    return;
  }
  core_->explaining_deletion(
      [&] { core_->storage->set_trial_intermediate_value(record_.id, step, value); });
  record_.intermediate_values[step] = value;
}

bool Trial::should_prune() {
  return core_->with_view([&](const StudyView& view) {
    // The stored record, with what pruners kept in it (e.g. the rungs a trial has passed), and
    // this worker's reports.
    FrozenTrial current = record_;
    const auto& seen = view.trials();
    if (static_cast<size_t>(record_.number) < seen.size() &&
        seen[static_cast<size_t>(record_.number)].id == record_.id)
      current.system_attrs = seen[static_cast<size_t>(record_.number)].system_attrs;
    return core_->pruner->should_prune(view, current);
  });
}

void Trial::set_user_attr(const std::string& key, const nlohmann::json& value) {
  core_->explaining_deletion([&] { core_->storage->set_trial_user_attr(record_.id, key, value); });
  record_.user_attrs[key] = value;
}

void Trial::set_constraints(const std::vector<double>& constraints) {
  for (size_t i = 0; i < constraints.size(); ++i)
    if (!std::isfinite(constraints[i]))
      throw InvalidArgument(fmt::format(
          "trial {}: constraint {} is {}; constraint values must be finite (the storages keep "
          "finite numbers only): give a large value for a badly infeasible trial",
          record_.number, i, constraints[i]));
  core_->explaining_deletion(
      [&] { core_->storage->set_trial_constraints(record_.id, constraints); });
  record_.constraints = constraints;
}

}  // namespace parzen
