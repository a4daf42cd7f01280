// Study::optimize: the loop that asks, runs the objective, and tells, on one or more worker
// threads, with the heartbeat and per-trial timeout threads beside it.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "core/periodic_thread.hpp"
#include "core/study_core.hpp"
#include "parzen/study.hpp"

namespace parzen {

namespace detail {
namespace {

using TimePoint = PeriodicThread::TimePoint;

// Records a heartbeat for every trial registered with it, every interval.
class HeartbeatThread {
 public:
  HeartbeatThread(Storage& storage, double interval_seconds)
      : storage_(storage),
        interval_(PeriodicThread::seconds(interval_seconds)),
        thread_(std::chrono::steady_clock::now() + interval_, [this](TimePoint now) {
          beat();
          return std::optional<TimePoint>(now + interval_);
        }) {}

  void add(TrialId id) {
    std::lock_guard lock(thread_.mutex());
    trials_.insert(id);
  }
  void remove(TrialId id) {
    std::lock_guard lock(thread_.mutex());
    trials_.erase(id);
  }

 private:
  void beat() {
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

  Storage& storage_;
  std::chrono::steady_clock::duration interval_;
  std::set<TrialId> trials_{};
  PeriodicThread thread_;  // last: its thread reads the members above
};

// Marks trials that outlive their per-trial timeout as failed.
class TrialWatchdog {
 public:
  TrialWatchdog(StudyCore& core, double timeout_seconds)
      : core_(core),
        timeout_(PeriodicThread::seconds(timeout_seconds)),
        timeout_seconds_(timeout_seconds),
        thread_(std::nullopt, [this](TimePoint now) { return expire(now); }) {}

  void watch(TrialId id, int64_t number) {
    {
      std::lock_guard lock(thread_.mutex());
      deadlines_[id] = {std::chrono::steady_clock::now() + timeout_, number};
    }
    thread_.notify();
  }
  void release(TrialId id) {
    std::lock_guard lock(thread_.mutex());
    deadlines_.erase(id);
  }

 private:
  // Fails the trials due by `now`; returns the next deadline.
  std::optional<TimePoint> expire(TimePoint now) {
    std::optional<TimePoint> next;
    for (auto it = deadlines_.begin(); it != deadlines_.end();) {
      const auto [deadline, number] = it->second;
      if (deadline > now) {
        next = next ? std::min(*next, deadline) : deadline;
        ++it;
        continue;
      }
      try {
        core_.finish(it->first, number, TrialState::Failed, {},
                     fmt::format("exceeded the trial timeout of {} s", timeout_seconds_));
      } catch (const std::exception&) {
        // Finished in the meantime, or the storage failed (finish said so): nothing to add.
      }
      it = deadlines_.erase(it);
    }
    return next;
  }

  StudyCore& core_;
  std::chrono::steady_clock::duration timeout_;
  double timeout_seconds_;
  std::map<TrialId, std::pair<TimePoint, int64_t>> deadlines_{};
  PeriodicThread thread_;  // last: its thread reads the members above
};

// What running the objective on one trial gave.
struct Outcome {
  TrialState state = TrialState::Complete;
  std::vector<double> values{};
  std::string reason{};
  std::exception_ptr error{};
};

Outcome evaluate(const Objective& objective, Trial& trial) {
  Outcome out;
  try {
    out.values = objective(trial);
  } catch (const TrialPruned&) {
    out.state = TrialState::Pruned;
  } catch (const TrialFailed& e) {
    out.state = TrialState::Failed;
    out.reason = e.what();
    out.error = std::current_exception();
  } catch (const std::exception& e) {
    out.state = TrialState::Failed;
    out.reason = fmt::format("the objective threw {}: {}", exception_type_name(), e.what());
    out.error = std::current_exception();
  } catch (...) {
    out.state = TrialState::Failed;
    out.reason = fmt::format("the objective threw {}", exception_type_name());
    out.error = std::current_exception();
  }
  return out;
}

}  // namespace
}  // namespace detail

void validate(const OptimizeOptions& o) {
  const auto fail = [](const std::string& what) {
    throw InvalidArgument("OptimizeOptions: " + what);
  };
  if (o.n_trials && *o.n_trials < 0) fail(fmt::format("n_trials = {}, must be >= 0", *o.n_trials));
  if (o.timeout_seconds && !(*o.timeout_seconds > 0))
    fail(fmt::format("timeout_seconds = {}, must be > 0", *o.timeout_seconds));
  if (o.trial_timeout_seconds && !(*o.trial_timeout_seconds > 0))
    fail(fmt::format("trial_timeout_seconds = {}, must be > 0", *o.trial_timeout_seconds));
  if (o.n_jobs == 0 || o.n_jobs < -1)
    fail(fmt::format("n_jobs = {}, must be >= 1 or -1 (one per hardware thread)", o.n_jobs));
}

void Study::run_optimize(const Objective& objective, const OptimizeOptions& options) {
  validate(options);
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
  const auto out_of_budget = [&] {
    if (options.timeout_seconds &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >=
            *options.timeout_seconds)
      return true;
    return options.n_trials && started.fetch_add(1) >= *options.n_trials;
  };

  std::optional<detail::TrialWatchdog> watchdog;
  if (options.trial_timeout_seconds) watchdog.emplace(*core_, *options.trial_timeout_seconds);
  std::optional<detail::HeartbeatThread> heartbeat;
  if (core_->heartbeat_interval) heartbeat.emplace(*core_->storage, *core_->heartbeat_interval);

  // One trial: ask, evaluate, tell, callbacks. False: this worker stops.
  const auto run_one = [&]() -> bool {
    std::optional<Trial> trial;
    try {
      trial.emplace(ask());
    } catch (const StudyExhausted& e) {
      core_->log(LogLevel::Info, e.what());
      core_->stop_requested = true;
      return false;
    }
    if (watchdog) watchdog->watch(trial->id(), trial->number());
    if (heartbeat) heartbeat->add(trial->id());
    detail::Outcome outcome = detail::evaluate(objective, *trial);
    if (watchdog) watchdog->release(trial->id());
    if (heartbeat) heartbeat->remove(trial->id());

    FrozenTrial result;
    try {
      result = outcome.state == TrialState::Complete
                   ? tell(*trial, outcome.values)
                   : tell(trial->number(), outcome.state, outcome.reason);
    } catch (const InvalidState&) {
      // Finished elsewhere: by the watchdog (trial timeout) or by another worker that saw no
      // heartbeat. The late result is discarded.
      core_->log(LogLevel::Warning,
                 fmt::format("Trial {} was already finished as failed (timeout or missing "
                             "heartbeat); its late result is discarded",
                             trial->number()));
      return true;
    }
    if (outcome.error && !options.catch_exceptions) std::rethrow_exception(outcome.error);
    for (const auto& callback : options.callbacks) callback(*this, result);
    return true;
  };

  auto worker = [&] {
    while (!core_->stop_requested && !out_of_budget()) {
      try {
        if (!run_one()) break;
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

}  // namespace parzen
