#include <cxxabi.h>
#include <unistd.h>
#include <algorithm>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/study_core.hpp"
#include "parzen/study.hpp"

namespace parzen {

namespace detail {

std::string StudyCore::worker_id() {
  // Host and process do not change while the process runs (a forked child gets a new pid, so
  // the cache is keyed by it); only the thread part is computed per call.
  thread_local pid_t cached_pid = -1;
  thread_local std::string host_pid;
  if (cached_pid != getpid()) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    cached_pid = getpid();
    host_pid = fmt::format("{}:{}", host, cached_pid);
  }
  std::ostringstream thread;
  thread << std::this_thread::get_id();
  return host_pid + ":" + thread.str();
}

std::string format_params(const std::map<std::string, ParamValue>& params) {
  std::string s = "{";
  for (const auto& [k, v] : params)
    s += fmt::format("{}{}: {}", s.size() > 1 ? ", " : "", k, to_string(v));
  return s + "}";
}

std::string format_values(const std::vector<double>& values) {
  if (values.size() == 1) return fmt::format("{}", values[0]);
  return fmt::format("[{}]", fmt::join(values, ", "));
}

FrozenTrial StudyCore::finish(TrialId trial, int64_t number, TrialState state,
                              std::vector<double> values, std::string fail_reason) {
  if (state == TrialState::Complete) {
    if (values.size() != directions.size()) {
      fail_reason =
          fmt::format("the objective returned {} value(s) but the study has {} direction(s)",
                      values.size(), directions.size());
      state = TrialState::Failed;
    } else {
      for (size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) {
          fail_reason = values.size() == 1
                            ? fmt::format("the objective returned {}", values[i])
                            : fmt::format("the objective returned {} as value {}", values[i], i);
          state = TrialState::Failed;
          break;
        }
      }
    }
    if (state == TrialState::Failed) values.clear();
  } else if (state != TrialState::Pruned) {
    values.clear();
  }

  if (!storage->finish_trial(trial, state, values, fail_reason)) {
    const FrozenTrial current = storage->trial(trial);
    throw InvalidState(fmt::format(
        "trial {} is already {}{}; it cannot be told again", number, to_string(current.state),
        current.fail_reason.empty() ? "" : " (" + current.fail_reason + ")"));
  }

  FrozenTrial result;
  {
    std::lock_guard lock(mu);
    view.refresh();
    result = view.trials().at(static_cast<size_t>(number));
    sampler->after_trial(view, result);
  }

  if (result.state == TrialState::Failed) {
    log(LogLevel::Warning, fmt::format("Trial {} failed with parameters {}: {}", number,
                                       format_params(result.params), result.fail_reason));
  } else if (logs(LogLevel::Info)) {
    log(LogLevel::Info, fmt::format("Trial {} {} with value {} and parameters {}.", number,
                                    result.state == TrialState::Pruned ? "pruned" : "finished",
                                    format_values(result.values), format_params(result.params)));
  }
  return result;
}

void StudyCore::recover_stale_trials() {
  if (!heartbeat_interval) return;
  for (const FrozenTrial& t : storage->fail_stale_trials(id, grace_period)) {
    log(LogLevel::Warning, fmt::format("Trial {} failed: {}", t.number, t.fail_reason));
    const int retries = t.system_attrs.value("retry_count", 0);
    if (retries >= max_retries) continue;
    NewTrial retry;
    retry.state = TrialState::Waiting;
    nlohmann::json fixed = nlohmann::json::object();
    for (const auto& [name, value] : t.params) fixed[name] = to_json(value);
    retry.system_attrs = {
        {"fixed_params", fixed}, {"retried_from", t.number}, {"retry_count", retries + 1}};
    retry.user_attrs = t.user_attrs;
    const FrozenTrial queued = storage->create_trial(id, retry);
    log(LogLevel::Warning,
        fmt::format("Trial {} re-runs the parameters of trial {} (retry {} of {})", queued.number,
                    t.number, retries + 1, max_retries));
  }
}

namespace {

// Records a heartbeat for every trial registered with it, every interval, from its own thread.
class HeartbeatThread {
 public:
  HeartbeatThread(Storage& storage, double interval_seconds)
      : storage_(storage),
        interval_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(interval_seconds))),
        thread_([this] { run(); }) {}

  ~HeartbeatThread() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void add(TrialId id) {
    std::lock_guard lock(mu_);
    trials_.insert(id);
  }

  void remove(TrialId id) {
    std::lock_guard lock(mu_);
    trials_.erase(id);
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (!done_) {
      if (cv_.wait_for(lock, interval_, [this] { return done_; })) break;
      for (auto it = trials_.begin(); it != trials_.end();) {
        try {
          storage_.record_heartbeat(*it);
          ++it;
        } catch (const InvalidState&) {
          it = trials_.erase(it);  // finished meanwhile (e.g. by the trial timeout)
        } catch (const std::exception&) {
          ++it;  // a busy or unreachable database: beat again next time
        }
      }
    }
  }

  Storage& storage_;
  std::chrono::steady_clock::duration interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<TrialId> trials_;
  bool done_ = false;
  std::thread thread_;
};

std::string exception_type_name() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (!type) return "an exception";
  int status = 0;
  char* demangled = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
  std::string name = status == 0 && demangled ? demangled : type->name();
  std::free(demangled);
  return name;
}

std::string generated_study_name() {
  const auto now = Clock::to_time_t(Clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::random_device rd;
  return fmt::format("study-{}-{:06x}", stamp, rd() & 0xffffff);
}

// Marks trials that outlive their per-trial timeout as failed, from a thread of its own.
class TrialWatchdog {
 public:
  TrialWatchdog(StudyCore& core, double timeout_seconds)
      : core_(core),
        timeout_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(timeout_seconds))),
        timeout_seconds_(timeout_seconds),
        thread_([this] { run(); }) {}

  ~TrialWatchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void watch(TrialId id, int64_t number) {
    {
      std::lock_guard lock(mu_);
      deadlines_[id] = {std::chrono::steady_clock::now() + timeout_, number};
    }
    cv_.notify_all();
  }

  void release(TrialId id) {
    std::lock_guard lock(mu_);
    deadlines_.erase(id);
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (!done_) {
      if (deadlines_.empty()) {
        cv_.wait(lock);
        continue;
      }
      // A copy: the entry may be erased by release() while this thread waits.
      auto earliest = deadlines_.begin()->second.first;
      for (const auto& [id, deadline] : deadlines_) earliest = std::min(earliest, deadline.first);
      if (cv_.wait_until(lock, earliest) != std::cv_status::timeout) continue;
      const auto now = std::chrono::steady_clock::now();
      for (auto it = deadlines_.begin(); it != deadlines_.end();) {
        if (it->second.first > now) {
          ++it;
          continue;
        }
        try {
          core_.finish(it->first, it->second.second, TrialState::Failed, {},
                       fmt::format("exceeded the trial timeout of {} s", timeout_seconds_));
        } catch (const std::exception& e) {
          // Finished in the meantime; nothing to do.
        }
        it = deadlines_.erase(it);
      }
    }
  }

  StudyCore& core_;
  std::chrono::steady_clock::duration timeout_;
  double timeout_seconds_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<TrialId, std::pair<std::chrono::steady_clock::time_point, int64_t>> deadlines_;
  bool done_ = false;
  std::thread thread_;
};

void default_logger(LogLevel level, const std::string& message) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::cerr << "[parzen] " << (level == LogLevel::Warning ? "warning: " : "") << message << '\n';
}

// a dominates b (both already oriented for minimisation).
bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool strictly = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) strictly = true;
  }
  return strictly;
}

}  // namespace
}  // namespace detail

// ---------------------------------------------------------------------------------------------

Study Study::create(StudyOptions options) {
  auto storage = options.storage_backend ? options.storage_backend : make_storage(options.storage);
  if (options.directions.empty()) throw InvalidArgument("a study needs at least one direction");
  std::string name = options.name.empty() ? detail::generated_study_name() : options.name;

  std::vector<Direction> directions = options.directions;
  StudyId id;
  for (int attempt = 0;; ++attempt) {
    if (auto existing = storage->find_study(name)) {
      if (!options.load_if_exists)
        throw DuplicatedStudy(fmt::format(
            "a study named '{}' already exists; set load_if_exists to continue it", name));
      const StudyInfo info = storage->study(*existing);
      if (info.directions != directions) {
        std::vector<std::string_view> have;
        for (Direction d : info.directions) have.push_back(to_string(d));
        throw InvalidArgument(fmt::format(
            "study '{}' exists with direction(s) [{}], which differ from the ones asked for", name,
            fmt::join(have, ", ")));
      }
      id = *existing;
      break;
    }
    try {
      id = storage->create_study(name, directions);
      break;
    } catch (const DuplicatedStudy&) {
      // Another worker created it between find and create: load it on the next attempt.
      if (!options.load_if_exists || attempt > 0) throw;
    }
  }

  if (options.heartbeat_interval_seconds && !(*options.heartbeat_interval_seconds > 0))
    throw InvalidArgument(fmt::format("heartbeat_interval_seconds must be > 0, got {}",
                                      *options.heartbeat_interval_seconds));
  if (options.grace_period_seconds && !options.heartbeat_interval_seconds)
    throw InvalidArgument("grace_period_seconds needs heartbeat_interval_seconds");
  if (options.heartbeat_interval_seconds && options.grace_period_seconds &&
      !(*options.grace_period_seconds > *options.heartbeat_interval_seconds))
    throw InvalidArgument(
        fmt::format("grace_period_seconds ({}) must exceed heartbeat_interval_seconds ({})",
                    *options.grace_period_seconds, *options.heartbeat_interval_seconds));
  if (options.max_retries < 0)
    throw InvalidArgument(fmt::format("max_retries must be >= 0, got {}", options.max_retries));

  auto core = std::make_shared<detail::StudyCore>(storage, id, name, directions);
  core->heartbeat_interval = options.heartbeat_interval_seconds;
  if (options.heartbeat_interval_seconds)
    core->grace_period =
        options.grace_period_seconds.value_or(2 * *options.heartbeat_interval_seconds);
  core->max_retries = options.max_retries;
  core->sampler = options.sampler ? options.sampler : RandomSampler::make();
  core->pruner = options.pruner ? options.pruner : NopPruner::make();
  core->log_level = options.log_level;
  core->logger = options.logger ? options.logger : detail::default_logger;
  return Study(core);
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

Trial Study::ask() {
  core_->recover_stale_trials();
  std::lock_guard lock(core_->mu);
  core_->view.refresh();
  const std::string worker = detail::StudyCore::worker_id();
  // An enqueued trial is claimed when the view shows one; one enqueued after this refresh is
  // claimed by the next ask.
  const auto& seen = core_->view.trials();
  const bool any_waiting = std::any_of(seen.begin(), seen.end(), [](const FrozenTrial& t) {
    return t.state == TrialState::Waiting;
  });
  std::optional<FrozenTrial> record;
  if (any_waiting) record = core_->storage->claim_waiting_trial(core_->id, worker);
  if (!record) {
    NewTrial fresh;
    fresh.worker = worker;
    fresh.system_attrs = core_->sampler->before_trial(core_->view);
    record = core_->storage->create_trial(core_->id, fresh);
  }
  // Samplers that read the history see the new trial (and whatever else changed) at once;
  // the others need no refresh until the trial is told.
  if (core_->sampler->samples_from_history()) core_->view.refresh();
  Trial trial(core_, std::move(*record));
  trial.relative_space_ = core_->sampler->infer_relative_space(core_->view, trial.record_);
  if (!trial.relative_space_.empty())
    trial.relative_params_ =
        core_->sampler->sample_relative(core_->view, trial.record_, trial.relative_space_);
  return trial;
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
  FrozenTrial t;
  {
    std::lock_guard lock(core_->mu);
    core_->view.refresh();
    if (trial_number < 0 || static_cast<size_t>(trial_number) >= core_->view.trials().size())
      throw NotFound(fmt::format("study '{}' has no trial {}", core_->name, trial_number));
    t = core_->view.trials()[static_cast<size_t>(trial_number)];
  }
  return core_->finish(t.id, t.number, TrialState::Complete, values, "");
}

FrozenTrial Study::tell(int64_t trial_number, TrialState state, const std::string& fail_reason) {
  if (state != TrialState::Pruned && state != TrialState::Failed)
    throw InvalidArgument(fmt::format(
        "tell with a state takes pruned or failed, not {}; pass values to complete a trial",
        to_string(state)));
  FrozenTrial t;
  {
    std::lock_guard lock(core_->mu);
    core_->view.refresh();
    if (trial_number < 0 || static_cast<size_t>(trial_number) >= core_->view.trials().size())
      throw NotFound(fmt::format("study '{}' has no trial {}", core_->name, trial_number));
    t = core_->view.trials()[static_cast<size_t>(trial_number)];
  }
  std::vector<double> values;
  if (state == TrialState::Pruned && !t.intermediate_values.empty())
    values = {t.intermediate_values.rbegin()->second};
  return core_->finish(
      t.id, t.number, state, values,
      state == TrialState::Failed && fail_reason.empty() ? "told failed" : fail_reason);
}

void Study::stop() { core_->stop_requested = true; }

void Study::run_optimize(const Objective& objective, const OptimizeOptions& options) {
  if (options.n_trials && *options.n_trials < 0)
    throw InvalidArgument(fmt::format("n_trials must be >= 0, got {}", *options.n_trials));
  if (options.timeout_seconds && !(*options.timeout_seconds > 0))
    throw InvalidArgument(
        fmt::format("timeout_seconds must be > 0, got {}", *options.timeout_seconds));
  if (options.trial_timeout_seconds && !(*options.trial_timeout_seconds > 0))
    throw InvalidArgument(
        fmt::format("trial_timeout_seconds must be > 0, got {}", *options.trial_timeout_seconds));
  if (options.n_jobs == 0 || options.n_jobs < -1)
    throw InvalidArgument(fmt::format("n_jobs must be >= 1 or -1, got {}", options.n_jobs));
  const int n_jobs = options.n_jobs == -1
                         ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))
                         : options.n_jobs;

  core_->stop_requested = false;
  const auto start = std::chrono::steady_clock::now();
  std::atomic<int64_t> started{0};
  std::mutex error_mu;
  std::exception_ptr first_error;
  auto fail_hard = [&](std::exception_ptr e) {
    std::lock_guard lock(error_mu);
    if (!first_error) first_error = e;
    core_->stop_requested = true;
  };

  std::optional<detail::TrialWatchdog> watchdog;
  if (options.trial_timeout_seconds) watchdog.emplace(*core_, *options.trial_timeout_seconds);
  std::optional<detail::HeartbeatThread> heartbeat;
  if (core_->heartbeat_interval) heartbeat.emplace(*core_->storage, *core_->heartbeat_interval);

  auto worker = [&] {
    while (!core_->stop_requested) {
      if (options.timeout_seconds &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >=
              *options.timeout_seconds)
        break;
      if (options.n_trials && started.fetch_add(1) >= *options.n_trials) break;

      std::optional<Trial> trial;
      try {
        trial.emplace(ask());
      } catch (const StudyExhausted& e) {
        core_->log(LogLevel::Info, e.what());
        core_->stop_requested = true;
        break;
      } catch (...) {
        fail_hard(std::current_exception());
        break;
      }

      if (watchdog) watchdog->watch(trial->id(), trial->number());
      if (heartbeat) heartbeat->add(trial->id());
      std::vector<double> values;
      TrialState state = TrialState::Complete;
      std::string reason;
      std::exception_ptr objective_error;
      try {
        values = objective(*trial);
      } catch (const TrialPruned&) {
        state = TrialState::Pruned;
      } catch (const std::exception& e) {
        state = TrialState::Failed;
        reason = fmt::format("the objective threw {}: {}", detail::exception_type_name(), e.what());
        objective_error = std::current_exception();
      } catch (...) {
        state = TrialState::Failed;
        reason = fmt::format("the objective threw {}", detail::exception_type_name());
        objective_error = std::current_exception();
      }
      if (watchdog) watchdog->release(trial->id());
      if (heartbeat) heartbeat->remove(trial->id());

      FrozenTrial result;
      try {
        if (state == TrialState::Complete) {
          result = tell(*trial, values);
        } else {
          result = tell(trial->number(), state, reason);
        }
      } catch (const InvalidState&) {
        // Finished elsewhere: by the watchdog (trial timeout) or by another worker that saw no
        // heartbeat. The late result is discarded.
        core_->log(LogLevel::Warning,
                   fmt::format("Trial {} was already finished as failed (timeout or missing "
                               "heartbeat); its late result is discarded",
                               trial->number()));
        continue;
      } catch (...) {
        fail_hard(std::current_exception());
        break;
      }
      if (objective_error && !options.catch_exceptions) {
        fail_hard(objective_error);
        break;
      }
      try {
        for (const auto& callback : options.callbacks) callback(*this, result);
      } catch (...) {
        fail_hard(std::current_exception());
        break;
      }
    }
  };

  if (n_jobs == 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    for (int i = 0; i < n_jobs; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  watchdog.reset();
  heartbeat.reset();
  if (first_error) std::rethrow_exception(first_error);
}

void Study::enqueue_trial(const std::map<std::string, ParamValue>& params,
                          const nlohmann::json& user_attrs) {
  nlohmann::json fixed = nlohmann::json::object();
  for (const auto& [k, v] : params) fixed[k] = to_json(v);
  NewTrial t;
  t.state = TrialState::Waiting;
  t.user_attrs = user_attrs.is_null() ? nlohmann::json::object() : user_attrs;
  if (!t.user_attrs.is_object())
    throw InvalidArgument("enqueue_trial: user_attrs must be a JSON object");
  t.system_attrs = {{"fixed_params", fixed}};
  core_->storage->create_trial(core_->id, t);
}

std::vector<FrozenTrial> Study::trials() const {
  std::lock_guard lock(core_->mu);
  core_->view.refresh();
  return core_->view.trials();
}

std::vector<FrozenTrial> Study::trials(std::initializer_list<TrialState> states) const {
  std::lock_guard lock(core_->mu);
  core_->view.refresh();
  std::vector<FrozenTrial> out;
  for (const FrozenTrial* t : core_->view.trials(states)) out.push_back(*t);
  return out;
}

namespace {

std::vector<FrozenTrial> best_candidates(const std::vector<FrozenTrial>& complete,
                                         const std::string& study) {
  if (complete.empty()) throw NotFound(fmt::format("study '{}' has no complete trial yet", study));
  std::vector<FrozenTrial> feasible;
  for (const auto& t : complete)
    if (t.feasible()) feasible.push_back(t);
  if (feasible.empty())
    throw NotFound(
        fmt::format("study '{}' has no feasible trial: all {} complete trials violate "
                    "a constraint",
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
  std::vector<std::vector<double>> oriented;
  for (const auto& t : candidates) {
    std::vector<double> v = t.values;
    for (size_t i = 0; i < v.size(); ++i)
      if (core_->directions[i] == Direction::Maximize) v[i] = -v[i];
    oriented.push_back(std::move(v));
  }
  std::vector<FrozenTrial> front;
  for (size_t i = 0; i < candidates.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < candidates.size() && !dominated; ++j)
      dominated = j != i && detail::dominates(oriented[j], oriented[i]);
    if (!dominated) front.push_back(candidates[i]);
  }
  return front;
}

void Study::set_user_attr(const std::string& key, const nlohmann::json& value) {
  core_->storage->set_study_user_attr(core_->id, key, value);
}

nlohmann::json Study::user_attrs() const { return core_->storage->study(core_->id).user_attrs; }

}  // namespace parzen
