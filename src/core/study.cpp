// Study: the public façade. The shared state and its one lock -> refresh -> read sequence are in
// study_core.hpp/.cpp, the optimise loop in optimize.cpp, Pareto logic in multi_objective.cpp.

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iostream>
#include <random>

#include <fmt/format.h>

#include "core/study_core.hpp"
#include "math/seed.hpp"
#include "parzen/auto_sampler.hpp"
#include "parzen/bohb_sampler.hpp"
#include "parzen/multi_objective.hpp"
#include "parzen/study.hpp"
#include "parzen/system_attrs.hpp"

namespace parzen {

namespace detail {

namespace {

std::string generated_study_name() {
  const auto now = Clock::to_time_t(Clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  // A name taken already is drawn again (Study::create).
  return fmt::format("study-{}-{:06x}", stamp, math::entropy_seed() & 0xffffff);
}

void default_logger(LogLevel level, const std::string& message) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::cerr << "[parzen] " << (level == LogLevel::Warning ? "warning: " : "") << message << '\n';
}

// Loads the study of that name (checking its directions) or creates it.
StudyId open_study(Storage& storage, const std::string& name,
                   const std::vector<Direction>& directions, bool load_if_exists) {
  for (int attempt = 0;; ++attempt) {
    if (auto existing = storage.find_study(name)) {
      if (!load_if_exists)
        throw DuplicatedStudy(fmt::format(
            "a study named '{}' already exists; set load_if_exists to continue it", name));
      const StudyInfo info = storage.study(*existing);
      if (info.directions != directions) {
        std::vector<std::string_view> have;
        for (Direction d : info.directions) have.push_back(to_string(d));
        throw InvalidArgument(fmt::format(
            "study '{}' exists with direction(s) [{}], which differ from the ones asked for", name,
            fmt::join(have, ", ")));
      }
      return *existing;
    }
    try {
      return storage.create_study(name, directions);
    } catch (const DuplicatedStudy&) {
      // Another worker created it between find and create: load it on the next attempt.
      if (!load_if_exists || attempt > 0) throw;
    }
  }
}

// Refuses a sampler or pruner that serves another study before anything is stored, so that a
// refused one leaves no study behind. A study about to be created is another study than any it
// served. (A study another worker creates between this check and open_study is checked again,
// fully, when the sampler is bound.)
void check_binding(Storage& storage, const std::string& name, bool load_if_exists, Sampler& sampler,
                   Pruner& pruner, const std::shared_ptr<const void>& owner) {
  const auto existing = storage.find_study(name);
  if (existing && !load_if_exists) return;  // open_study throws DuplicatedStudy
  std::optional<StudyIdentity> identity;
  if (existing) identity = study_identity(storage, *existing);
  sampler.check_study(name, identity ? &*identity : nullptr, owner);
  pruner.check_study(name, identity ? &*identity : nullptr, owner);
}

}  // namespace
}  // namespace detail

void Sampler::log(LogLevel level, const std::string& message) const {
  if (logger_)
    logger_(level, message);
  else if (level >= LogLevel::Warning)
    detail::default_logger(level, message);
}

// ---------------------------------------------------------------------------------------------

void validate(const StudyOptions& o) {
  const auto fail = [](const std::string& what) { throw InvalidArgument("StudyOptions: " + what); };
  if (o.directions.empty()) fail("directions = [], must hold at least one direction");
  if (o.heartbeat_interval_seconds &&
      !(std::isfinite(*o.heartbeat_interval_seconds) && *o.heartbeat_interval_seconds > 0))
    fail(fmt::format("heartbeat_interval_seconds = {}, must be > 0 and finite",
                     *o.heartbeat_interval_seconds));
  if (o.grace_period_seconds && !o.heartbeat_interval_seconds)
    fail(fmt::format("grace_period_seconds = {}, needs heartbeat_interval_seconds to be set",
                     *o.grace_period_seconds));
  if (o.grace_period_seconds && !(*o.grace_period_seconds > *o.heartbeat_interval_seconds))
    fail(fmt::format("grace_period_seconds = {}, must be > heartbeat_interval_seconds ({})",
                     *o.grace_period_seconds, *o.heartbeat_interval_seconds));
  if (o.max_retries < 0) fail(fmt::format("max_retries = {}, must be >= 0", o.max_retries));
}

Study Study::create(StudyOptions options) {
  validate(options);
  std::string name = options.name.empty() ? detail::generated_study_name() : options.name;
  auto sampler = options.sampler ? options.sampler : AutoSampler::make();
  auto pruner = options.pruner ? options.pruner : NopPruner::make();
  if (const auto* bohb = dynamic_cast<const BohbSampler*>(sampler.get()))
    bohb->check_pruner(*pruner);
  sampler->check_objectives(options.directions.size());
  auto storage = options.storage_backend ? options.storage_backend : make_storage(options.storage);
  std::shared_ptr<const void> owner = std::make_shared<const int>(0);
  // A generated name never continues another study (load_if_exists is for names given).
  const bool load_if_exists = options.load_if_exists && !options.name.empty();
  detail::check_binding(*storage, name, load_if_exists, *sampler, *pruner, owner);
  StudyId id{};
  for (int attempt = 0;; ++attempt) {
    try {
      id = detail::open_study(*storage, name, options.directions, load_if_exists);
      break;
    } catch (const DuplicatedStudy&) {
      // A generated name (24 random bits per second) taken by another study: draw another.
      if (!options.name.empty() || attempt == 100) throw;
      name = detail::generated_study_name();
    }
  }
  const StudyIdentity identity = study_identity(*storage, id);
  const bool bound_sampler = sampler->bind_to_study(identity, owner);
  bool bound_pruner = false;
  try {
    bound_pruner = pruner->bind_to_study(identity, owner);
    auto core = std::make_shared<detail::StudyCore>(storage, id, name, options.directions);
    core->binding_owner = std::move(owner);
    core->heartbeat_interval = options.heartbeat_interval_seconds;
    if (options.heartbeat_interval_seconds)
      core->grace_period =
          options.grace_period_seconds.value_or(2 * *options.heartbeat_interval_seconds);
    core->max_retries = options.max_retries;
    core->sampler = std::move(sampler);
    core->pruner = std::move(pruner);
    core->log_level = options.log_level;
    core->log_trial_results = options.log_trial_results;
    core->logger = options.logger ? options.logger : detail::default_logger;
    {
      // The sampler's own messages go to this study's log (level, Python's logger).
      std::weak_ptr<const detail::StudyCore> weak = core;
      core->sampler->set_logger([weak](LogLevel level, const std::string& message) {
        if (const auto c = weak.lock()) c->log(level, message);
      });
    }
    return Study(core);
  } catch (...) {
    if (bound_sampler) sampler->release_study(owner);
    if (bound_pruner) pruner->release_study(owner);
    throw;
  }
}

Study Study::load(StudyOptions options) {
  auto storage = options.storage_backend ? options.storage_backend : make_storage(options.storage);
  auto id = storage->find_study(options.name);
  if (!id) throw NotFound(fmt::format("no study named '{}' in the storage", options.name));
  options.storage_backend = storage;
  options.directions = storage->study(*id).directions;
  options.load_if_exists = true;
  return create(std::move(options));
}

const std::string& Study::name() const { return core_->name; }
StudyId Study::id() const { return core_->id; }
const std::vector<Direction>& Study::directions() const { return core_->directions; }
Storage& Study::storage() const { return *core_->storage; }

Trial Study::ask() { return std::move(*ask_within(nullptr)); }

std::optional<Trial> Study::ask(const TrialBudget& budget) { return ask_within(&budget); }

std::optional<Trial> Study::ask_within(const TrialBudget* budget) {
  core_->recover_stale_trials();
  const std::string worker = detail::StudyCore::worker_id();
  const bool heartbeat = core_->heartbeat_interval.has_value();
  return core_->with_view([&](StudyView& view) -> std::optional<Trial> {
    // An enqueued trial is claimed when the view shows one; one enqueued after this refresh is
    // claimed by the next ask.
    const auto& seen = view.trials();
    const bool any_waiting = std::any_of(seen.begin(), seen.end(), [](const FrozenTrial& t) {
      return t.state == TrialState::Waiting;
    });
    std::optional<FrozenTrial> record;
    if (any_waiting) record = core_->storage->claim_waiting_trial(core_->id, worker, heartbeat);
    if (!record) {
      // The view's count first, so that a full study costs the sampler nothing (a grid point
      // reserved in before_trial is lost only when another worker fills the study meanwhile).
      if (budget && detail::held_trials(seen, *budget) >= budget->n_trials) return std::nullopt;
      NewTrial fresh;
      fresh.worker = worker;
      fresh.heartbeat = heartbeat;
      fresh.system_attrs = core_->sampler->before_trial(view);
      if (budget) {
        record = core_->storage->create_trial_within(core_->id, fresh, *budget);
        if (!record) return std::nullopt;
      } else {
        record = core_->storage->create_trial(core_->id, fresh);
      }
    }
    Trial trial(core_, std::move(*record));
    try {
      // Samplers that read the history see the new trial (and whatever else changed) at once;
      // the others need no refresh until the trial is told.
      if (core_->sampler->samples_from_history()) view.refresh();
      trial.relative_space_ = core_->sampler->infer_relative_space(view, trial.record_);
      if (!trial.relative_space_.empty())
        trial.relative_params_ =
            core_->sampler->sample_relative(view, trial.record_, trial.relative_space_);
    } catch (const std::exception& e) {
      // The trial exists: fail it, or it would stay running with nobody to finish it.
      try {
        core_->storage->finish_trial(
            trial.id(), TrialState::Failed, {},
            fmt::format("the sampler failed before the trial started: {}", e.what()));
      } catch (const std::exception&) {
        // The original error says more.
      }
      throw;
    }
    return trial;
  });
}

FrozenTrial Study::tell(Trial& trial, double value) {
  return tell(trial, std::vector<double>{value});
}

FrozenTrial Study::tell(Trial& trial, const std::vector<double>& values) {
  if (trial.core_->id != core_->id || trial.core_->storage != core_->storage)
    throw InvalidArgument(fmt::format("trial {} belongs to another study", trial.number()));
  return core_->finish(trial.id(), trial.number(), TrialState::Complete, values, "");
}

FrozenTrial Study::tell(Trial& trial, TrialState state, const std::string& fail_reason) {
  if (trial.core_->id != core_->id || trial.core_->storage != core_->storage)
    throw InvalidArgument(fmt::format("trial {} belongs to another study", trial.number()));
  return tell(trial.number(), state, fail_reason);
}

FrozenTrial Study::tell(int64_t trial_number, const std::vector<double>& values) {
  const auto t = core_->trial_ref_by_number(trial_number);
  return core_->finish(t.id, trial_number, TrialState::Complete, values, "");
}

FrozenTrial Study::tell(int64_t trial_number, TrialState state, const std::string& fail_reason) {
  if (state != TrialState::Pruned && state != TrialState::Failed)
    throw InvalidArgument(fmt::format(
        "tell with a state takes pruned or failed, not {}; pass values to complete a trial",
        to_string(state)));
  const auto t = core_->trial_ref_by_number(trial_number);
  std::vector<double> values;
  if (state == TrialState::Pruned && t.last_intermediate_value)
    values = {*t.last_intermediate_value};
  return core_->finish(
      t.id, trial_number, state, values,
      state == TrialState::Failed && fail_reason.empty() ? "told failed" : fail_reason);
}

void Study::stop() { core_->request_stop(); }

void Study::enqueue_trial(const std::map<std::string, ParamValue>& params,
                          const nlohmann::json& user_attrs) {
  nlohmann::json fixed = nlohmann::json::object();
  for (const auto& [k, v] : params) fixed[k] = to_json(v);
  NewTrial t;
  t.state = TrialState::Waiting;
  t.user_attrs = user_attrs.is_null() ? nlohmann::json::object() : user_attrs;
  if (!t.user_attrs.is_object())
    throw InvalidArgument("enqueue_trial: user_attrs must be a JSON object");
  t.system_attrs = {{keys::fixed_params, fixed}};
  core_->explaining_deletion([&] { core_->storage->create_trial(core_->id, t); });
}

std::vector<FrozenTrial> Study::trials() const {
  return core_->with_view([](const StudyView& v) { return v.trials(); });
}

std::vector<FrozenTrial> Study::trials(std::initializer_list<TrialState> states) const {
  return core_->with_view([&](const StudyView& v) {
    std::vector<FrozenTrial> out;
    for (const FrozenTrial* t : v.trials(states)) out.push_back(*t);
    return out;
  });
}

namespace {

std::vector<FrozenTrial> best_candidates(const std::vector<FrozenTrial>& complete,
                                         const std::string& study) {
  if (complete.empty()) throw NotFound(fmt::format("study '{}' has no complete trial yet", study));
  // In a constrained study a trial without constraint values counts as infeasible.
  const bool constrained = multi_objective::any_constrained(complete);
  std::vector<FrozenTrial> feasible;
  for (const auto& t : complete)
    if (multi_objective::feasible_in(t, constrained)) feasible.push_back(t);
  if (feasible.empty())
    throw NotFound(
        complete.size() == 1
            ? fmt::format("study '{}' has no feasible trial: its one complete trial violates a "
                          "constraint or has no constraint values",
                          study)
            : fmt::format("study '{}' has no feasible trial: all {} complete trials violate "
                          "a constraint or have no constraint values",
                          study, complete.size()));
  return feasible;
}

}  // namespace

FrozenTrial Study::best_trial() const {
  if (core_->directions.size() != 1)
    throw InvalidState(
        fmt::format("study '{}' has {} objectives; use best_trials() for its "
                    "Pareto front",
                    core_->name, core_->directions.size()));
  const auto candidates = best_candidates(trials({TrialState::Complete}), core_->name);
  const bool maximize = core_->directions[0] == Direction::Maximize;
  const FrozenTrial* best = &candidates[0];
  for (const auto& t : candidates)
    if (maximize ? t.values[0] > best->values[0] : t.values[0] < best->values[0]) best = &t;
  return *best;
}

double Study::best_value() const { return best_trial().values.at(0); }

std::vector<FrozenTrial> Study::best_trials() const {
  const auto candidates = best_candidates(trials({TrialState::Complete}), core_->name);
  std::vector<std::vector<double>> values;
  values.reserve(candidates.size());
  for (const auto& t : candidates) values.push_back(t.values);
  std::vector<FrozenTrial> front;
  for (size_t i : multi_objective::pareto_front(values, core_->directions))
    front.push_back(candidates[i]);
  return front;
}

void Study::set_user_attr(const std::string& key, const nlohmann::json& value) {
  core_->explaining_deletion([&] { core_->storage->set_study_user_attr(core_->id, key, value); });
}

nlohmann::json Study::user_attrs() const {
  return core_->explaining_deletion([&] { return core_->storage->study(core_->id).user_attrs; });
}

}  // namespace parzen
