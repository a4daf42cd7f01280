#pragma once
// The state a Study handle and its Trials share, and the one way to read it. Private to the
// library.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "parzen/study.hpp"

namespace parzen::detail {

struct StudyCore {
  std::shared_ptr<Storage> storage;
  StudyId id = -1;
  std::string name;
  std::vector<Direction> directions;
  std::shared_ptr<Sampler> sampler;
  std::shared_ptr<Pruner> pruner;
  // Lives as long as this core: the sampler and pruner are bound to it (study_binding.hpp).
  std::shared_ptr<const void> binding_owner;
  std::optional<double> heartbeat_interval;
  double grace_period = 0;
  int max_retries = 0;
  LogLevel log_level = LogLevel::Warning;
  bool log_trial_results = true;  // StudyOptions::log_trial_results
  std::function<void(LogLevel, const std::string&)> logger;

  // Serialises the view's refreshes and every sampler and pruner call.
  std::mutex mu;
  StudyView view;
  std::atomic<bool> stop_requested{false};
  // Wakes optimize's workers waiting for room in the study budget when stop() is called.
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  void request_stop() {
    {
      std::lock_guard lock(stop_mu);
      stop_requested = true;
    }
    stop_cv.notify_all();
  }

  StudyCore(std::shared_ptr<Storage> s, StudyId i, std::string n, std::vector<Direction> d)
      : storage(std::move(s)),
        id(i),
        name(std::move(n)),
        directions(std::move(d)),
        view(storage, id, directions) {}

  // The one lock -> refresh -> read sequence: runs `read(view)` under the lock on a view just
  // refreshed, and returns what it returns (by value: nothing of the view escapes the lock).
  template <class F>
  auto with_view(F&& read) {
    return explaining_deletion([&] {
      std::lock_guard lock(mu);
      view.refresh();
      return read(view);
    });
  }

  // Runs `op`; when it throws NotFound because the study itself is gone (deleted by another
  // worker or `parzen delete`), throws NotFound saying so instead of naming a trial id.
  template <class F>
  auto explaining_deletion(F&& op) {
    try {
      return op();
    } catch (const NotFound&) {
      throw_if_deleted();
      throw;
    }
  }
  void throw_if_deleted() const;

  bool logs(LogLevel level) const { return level >= log_level && log_level != LogLevel::Silent; }
  void log(LogLevel level, const std::string& message) const {
    if (logs(level) && logger) logger(level, message);
  }

  // With heartbeats on: fails trials whose worker stopped beating; the storage enqueues their
  // retries in the same transaction (Storage::fail_stale_trials, max_retries). Logs both.
  void recover_stale_trials();

  // "host:pid:thread", recorded on the trials this thread runs.
  static std::string worker_id();

  // The trial with that number, as stored now. Throws NotFound.
  FrozenTrial trial_by_number(int64_t number);
  // What tell(number, ...) needs of trial `number` (NotFound as trial_by_number), read without
  // copying its record.
  struct TrialRef {
    TrialId id;
    std::optional<double> last_intermediate_value;
  };
  TrialRef trial_ref_by_number(int64_t number);

  // Moves a running trial to its final state, lets the sampler learn from it and returns its
  // stored record. Values that are not finite, or not one per direction, fail the trial. A
  // `retryable` failure goes through Storage::fail_trial with max_retries, which enqueues its
  // retry in the same transaction (only if the failure is accepted).
  // Throws InvalidState when the trial had already finished (nothing is enqueued then). When the
  // storage refuses the write, it is made once more (an outage may be over: then nothing is
  // lost, and a warning says so); when that fails too, fail_unstored() (a simpler write that
  // enqueues the retry within max_retries) and StorageError saying what happened, so that no
  // trial is left running silently.
  FrozenTrial finish(TrialId trial, int64_t number, TrialState state, std::vector<double> values,
                     std::string fail_reason, bool retryable = false);
  // The trial's result could not be stored (`error`): fails it with "could not store the result:
  // <error>" through Storage::fail_trial (its retry enqueued within max_retries) and throws
  // StorageError saying so (or that the trial stays running, when that write fails too).
  [[noreturn]] void fail_unstored(TrialId trial, int64_t number, const std::string& error);
};

// The trials a budget holds: running, waiting and counted ones (Storage::create_trial_within).
int64_t held_trials(const std::vector<FrozenTrial>& trials, const TrialBudget& budget);

// Human-readable "{C: 10, kernel: rbf}".
std::string format_params(const std::map<std::string, ParamValue>& params);
std::string format_values(const std::vector<double>& values);
// The type of the exception being handled, demangled ("std::runtime_error").
std::string exception_type_name();

}  // namespace parzen::detail
