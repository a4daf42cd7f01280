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
#include "parzen/auto_sampler.hpp"
#include "parzen/stop_request.hpp"
#include "parzen/study.hpp"

namespace parzen {

namespace detail {
namespace {

using TimePoint = PeriodicThread::TimePoint;

// Records a heartbeat for every trial registered with it, every interval. A beat the storage
// refuses (a busy or unreachable database) is tried again at the next interval, and said: once
// when a trial's beats start failing, again when they have failed for longer than the grace
// period (other workers may then judge the trial dead), and when they work again. A trial that
// is no longer running (failed by a judge or by the trial timeout) or was deleted is dropped.
class HeartbeatThread {
 public:
  HeartbeatThread(StudyCore& core, double interval_seconds)
      : core_(core),
        interval_(PeriodicThread::seconds(interval_seconds)),
        thread_(std::chrono::steady_clock::now() + interval_, [this](TimePoint now) {
          beat(now);
          return std::optional<TimePoint>(now + interval_);
        }) {}

  void add(TrialId id, int64_t number) {
    std::lock_guard lock(thread_.mutex());
    trials_[id] = Beating{number};
  }
  void remove(TrialId id) {
    std::lock_guard lock(thread_.mutex());
    trials_.erase(id);
  }

 private:
  struct Beating {
    int64_t number = -1;
    std::optional<TimePoint> failing_since{};  // first failed beat of the current streak
    bool warned_grace = false;
  };

  void beat(TimePoint now) {
    for (auto it = trials_.begin(); it != trials_.end();) {
      Beating& b = it->second;
      try {
        core_.storage->record_heartbeat(it->first);
        if (b.failing_since)
          core_.log(
              LogLevel::Warning,
              fmt::format("Trial {}: heartbeats are recorded again after {:.1f} s of "
                          "failures",
                          b.number, std::chrono::duration<double>(now - *b.failing_since).count()));
        b.failing_since.reset();
        b.warned_grace = false;
        ++it;
      } catch (const InvalidState&) {
        it = trials_.erase(it);  // finished meanwhile (trial timeout, or judged stale)
      } catch (const NotFound&) {
        it = trials_.erase(it);  // deleted with its study; finishing it will say so
      } catch (const std::exception& e) {
        if (!b.failing_since) {
          b.failing_since = now;
          core_.log(LogLevel::Warning,
                    fmt::format("Trial {}: could not record a heartbeat ({}); trying again every "
                                "{} s",
                                b.number, e.what(), *core_.heartbeat_interval));
        } else if (!b.warned_grace &&
                   std::chrono::duration<double>(now - *b.failing_since).count() >=
                       core_.grace_period) {
          b.warned_grace = true;
          core_.log(LogLevel::Warning,
                    fmt::format("Trial {}: no heartbeat recorded for the grace period ({} s): "
                                "another worker may fail it as dead ({})",
                                b.number, core_.grace_period, e.what()));
        }
        ++it;
      }
    }
  }

  StudyCore& core_;
  std::chrono::steady_clock::duration interval_;
  std::map<TrialId, Beating> trials_{};
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
  bool retryable = false;  // TrialFailed(reason, true)
  bool unstored = false;   // ResultNotStored: the process's failure, not the trial's
  std::exception_ptr error{};
};

Outcome evaluate(const Objective& objective, Trial& trial) {
  Outcome out;
  try {
    out.values = objective(trial);
  } catch (const TrialPruned&) {
    out.state = TrialState::Pruned;
  } catch (const ResultNotStored& e) {
    out.state = TrialState::Failed;
    out.reason = e.what();
    out.unstored = true;
    out.error = std::current_exception();
  } catch (const TrialFailed& e) {
    out.state = TrialState::Failed;
    out.reason = e.what();
    out.retryable = e.retryable();
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

// What a worker that found the study budget full does next.
enum class Room {
  Retry,  // a waiting trial or a free slot appeared: ask again now
  Wait,   // trials that may still free a slot are running: poll
  Done,   // the budget is met, or nothing this worker can wait for is left
};

// Reads the study once: whether the budget is met, whether there is room again, and whether some
// running trial may still fail and free a slot: one of this optimize call's, or another
// worker's trial with heartbeats when this Study can judge them (heartbeat_interval_seconds).
// Trials no worker judges (no heartbeats) are left to their askers; `why` says so.
Room room_in(StudyCore& core, const TrialBudget& budget, const std::set<TrialId>& ours,
             bool sibling_asking, std::pair<LogLevel, std::string>& why) {
  return core.with_view([&](const StudyView& view) {
    const auto& trials = view.trials();
    int64_t counted = 0;
    bool waiting = false, wait = false;
    std::vector<std::string> unjudged;
    for (const FrozenTrial& t : trials) {
      if (counts_toward(t, budget)) ++counted;
      if (t.state == TrialState::Waiting) waiting = true;
      if (t.state != TrialState::Running) continue;
      if (ours.count(t.id) || (t.last_heartbeat && core.heartbeat_interval)) {
        wait = true;
      } else {
        unjudged.push_back(fmt::format(
            "{} ({})", t.number,
            t.last_heartbeat ? "with heartbeats, but this Study has no heartbeat_interval_seconds "
                               "to judge them"
                             : "without heartbeats: asked by `parzen ask` or by a Study "
                               "without heartbeat_interval_seconds"));
      }
    }
    if (counted >= budget.n_trials) {
      why = {LogLevel::Info, fmt::format("the study budget is met: {} of {} trials counted",
                                         counted, budget.n_trials)};
      return Room::Done;
    }
    if (waiting || held_trials(trials, budget) < budget.n_trials) return Room::Retry;
    if (wait || sibling_asking) return Room::Wait;
    why.first = LogLevel::Warning;
    const bool one = unjudged.size() == 1;
    why.second = fmt::format(
        "the study's budget is full ({} of {} trials counted); {} {} {} still running, so no "
        "worker can fail {} if {} asker died: {} finished by whoever asked {}; returning",
        counted, budget.n_trials, one ? "trial" : "trials", fmt::join(unjudged, ", "),
        one ? "is" : "are", one ? "it" : "them", one ? "its" : "their", one ? "it is" : "they are",
        one ? "it" : "them");
    return Room::Done;
  });
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
  if (o.study_budget && o.study_budget->n_trials < 0)
    fail(fmt::format("study_budget.n_trials = {}, must be >= 0", o.study_budget->n_trials));
}

void Study::run_optimize(const Objective& objective, const OptimizeOptions& options) {
  validate(options);
  const int n_jobs = options.n_jobs == -1
                         ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))
                         : options.n_jobs;
  detail::StudyCore& core = *core_;

  if (auto* chooser = dynamic_cast<AutoSampler*>(core.sampler.get())) {
    // The auto sampler plans by the study's budget: the shared one, else this call's on top of
    // the trials so far.
    if (options.study_budget)
      chooser->set_budget_hint(options.study_budget->n_trials);
    else if (options.n_trials)
      core.with_view([&](StudyView& view) {
        chooser->set_budget_hint(static_cast<int64_t>(view.trials().size()) + *options.n_trials);
        return 0;
      });
  }
  core.stop_requested = false;
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (options.timeout_seconds)
    deadline = start + detail::PeriodicThread::seconds(*options.timeout_seconds);
  std::atomic<int64_t> started{0};
  std::mutex error_mu;
  std::exception_ptr first_error;
  auto fail_hard = [&](std::exception_ptr e) {
    {
      std::lock_guard lock(error_mu);
      if (!first_error) first_error = e;
    }
    core.request_stop();
  };
  const auto timed_out = [&] { return deadline && std::chrono::steady_clock::now() >= *deadline; };
  // Takes one of this call's n_trials; give_back_slot returns it when no trial could start.
  const auto take_slot = [&] {
    return !options.n_trials || started.fetch_add(1) < *options.n_trials;
  };
  const auto give_back_slot = [&] {
    if (options.n_trials) started.fetch_sub(1);
  };

  std::optional<detail::TrialWatchdog> watchdog;
  if (options.trial_timeout_seconds) watchdog.emplace(core, *options.trial_timeout_seconds);
  std::optional<detail::HeartbeatThread> heartbeat;
  if (core.heartbeat_interval) heartbeat.emplace(core, *core.heartbeat_interval);

  const TrialBudget* budget = options.study_budget ? &*options.study_budget : nullptr;
  // Guarded by core.stop_mu: the trials of this call, the workers asking for one now (about to
  // start a trial, or to find the study full), and a count of trials of this call started or
  // ended, which wakes the workers waiting for room.
  std::set<TrialId> ours;
  int asking = 0;
  uint64_t changes = 0;
  // A trial of this call ended (id: wakes the waiting workers), or an ask started none.
  const auto trial_ended = [&](std::optional<TrialId> id) {
    {
      std::lock_guard lock(core.stop_mu);
      if (!id) {
        --asking;
        return;
      }
      ours.erase(*id);
      ++changes;
    }
    core.stop_cv.notify_all();
  };
  struct EndGuard {
    const std::function<void()> end;
    ~EndGuard() { end(); }
  };

  enum class Step { Ran, Stop, Full };
  // One trial: ask, evaluate, tell, callbacks. Stop: this worker stops; Full: the study budget
  // left no room.
  const auto run_one = [&]() -> Step {
    std::optional<Trial> trial;
    {
      std::lock_guard lock(core.stop_mu);
      ++asking;
    }
    try {
      trial = ask_within(budget);
    } catch (const StudyExhausted& e) {
      trial_ended(std::nullopt);
      core.log(LogLevel::Info, e.what());
      core.request_stop();
      return Step::Stop;
    } catch (...) {
      trial_ended(std::nullopt);
      throw;
    }
    if (!trial) {
      trial_ended(std::nullopt);
      return Step::Full;
    }
    {
      std::lock_guard lock(core.stop_mu);
      ours.insert(trial->id());
      --asking;
      ++changes;
    }
    core.stop_cv.notify_all();
    const EndGuard guard{[&, id = trial->id()] { trial_ended(id); }};
    if (watchdog) watchdog->watch(trial->id(), trial->number());
    // The trial beats until its result is stored or the tell failed, not only while the
    // objective runs: a finish blocked behind a lock on the study (or retried through an outage)
    // keeps the trial alive, since the storage records heartbeats without taking that lock.
    if (heartbeat) heartbeat->add(trial->id(), trial->number());
    const EndGuard stop_beating{[&, id = trial->id()] {
      if (heartbeat) heartbeat->remove(id);
    }};
    detail::Outcome outcome = detail::evaluate(objective, *trial);
    // The trial timeout bounds the objective only; a finish after it is the storage's to bound.
    if (watchdog) watchdog->release(trial->id());

    // The objective could not store the trial's outcome: the process's failure (as a result
    // the storage refused), never recorded as the trial's.
    if (outcome.unstored) core.fail_unstored(trial->id(), trial->number(), outcome.reason);
    FrozenTrial result;
    try {
      if (outcome.state == TrialState::Complete)
        result = tell(*trial, outcome.values);
      else if (outcome.retryable)
        result = core.finish(trial->id(), trial->number(), TrialState::Failed, {}, outcome.reason,
                             /*retryable=*/true);
      else
        result = tell(trial->number(), outcome.state, outcome.reason);
    } catch (const InvalidState&) {
      // Finished elsewhere: by the watchdog (trial timeout), by another worker that saw no
      // heartbeat (which enqueued the retry, if any) or by a tell from outside (`parzen tell`).
      // The late result is discarded; the message says what the record holds.
      std::string stored;
      try {
        const FrozenTrial record = core.storage->trial(trial->id());
        stored = std::string(to_string(record.state));
        if (!record.fail_reason.empty()) stored += ": " + record.fail_reason;
      } catch (const Error&) {
        stored = "state unknown: the storage could not be read";
      }
      core.log(LogLevel::Warning,
               fmt::format("Trial {} was already finished elsewhere ({}); its late result is "
                           "discarded",
                           trial->number(), stored));
      return Step::Ran;
    }
    if (outcome.error && !options.catch_exceptions) std::rethrow_exception(outcome.error);
    for (const auto& callback : options.callbacks) callback(*this, result);
    return Step::Ran;
  };

  // The study budget is full: true when this worker should ask again, false when it is done.
  // Waits up to one poll interval (stop(), the timeout and the start or end of a trial of this
  // call end the wait early). The next ask fails the stale trials, so a dead worker's slot is freed
  // (or its retry enqueued) within the grace period plus one poll.
  const double poll_seconds = std::min(core.heartbeat_interval.value_or(1.0), 1.0);
  std::atomic<bool> said_why{false};
  const auto wait_for_room = [&]() -> bool {
    std::pair<LogLevel, std::string> why;
    uint64_t seen_changes = 0;
    detail::Room room;
    {
      std::lock_guard lock(core.stop_mu);
      room = detail::room_in(core, *budget, ours, asking > 0, why);
      seen_changes = changes;
    }
    if (room == detail::Room::Done) {
      if (!said_why.exchange(true)) core.log(why.first, why.second);
      return false;
    }
    if (room == detail::Room::Retry) return true;
    auto until = std::chrono::steady_clock::now() + detail::PeriodicThread::seconds(poll_seconds);
    if (deadline) until = std::min(until, *deadline);
    std::unique_lock lock(core.stop_mu);
    core.stop_cv.wait_until(lock, until,
                            [&] { return core.stop_requested.load() || changes != seen_changes; });
    return true;
  };

  // A stop requested through the storage (`parzen stop`, the dashboard), by any process on any
  // host: read before each ask, so no trial starts once it is seen. The read (the study's
  // record) is made at most every kStopCheckSeconds per optimize call: trials that take longer
  // (a `parzen run` trial process) check before every ask; a fast objective's thousands of asks
  // a second do not each read the study. A failed read counts as no request (the ask that
  // follows reports a storage that is really down).
  constexpr double kStopCheckSeconds = 0.05;
  std::atomic<bool> said_stop{false};
  std::mutex stop_check_mu;
  std::optional<std::chrono::steady_clock::time_point> last_stop_check;
  const auto stopped_in_storage = [&] {
    {
      std::lock_guard lock(stop_check_mu);
      const auto now = std::chrono::steady_clock::now();
      if (last_stop_check &&
          now - *last_stop_check < detail::PeriodicThread::seconds(kStopCheckSeconds))
        return false;
      last_stop_check = now;
    }
    std::optional<StopRequest> request;
    try {
      request = stop_request(*core.storage, core.id);
    } catch (const std::exception&) {
      return false;
    }
    if (!request) return false;
    if (!said_stop.exchange(true))
      core.log(LogLevel::Warning,
               fmt::format("Study '{}': stop {}; no new trial is started, running trials finish",
                           core.name, describe(*request)));
    core.request_stop();
    return true;
  };

  auto worker = [&] {
    while (!core.stop_requested && !timed_out() && !stopped_in_storage() && take_slot()) {
      try {
        const Step step = run_one();
        if (step == Step::Stop) break;
        if (step == Step::Full) {
          give_back_slot();
          if (!wait_for_room()) break;
        }
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
