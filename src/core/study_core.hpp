#pragma once
// The state a Study handle and its Trials share. Private to the library.

#include <atomic>
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
  std::optional<double> heartbeat_interval;
  double grace_period = 0;
  int max_retries = 0;
  LogLevel log_level = LogLevel::Warning;
  std::function<void(LogLevel, const std::string&)> logger;

  // Serialises the view's refreshes and every sampler and pruner call.
  std::mutex mu;
  StudyView view;
  std::atomic<bool> stop_requested{false};

  StudyCore(std::shared_ptr<Storage> s, StudyId i, std::string n, std::vector<Direction> d)
      : storage(std::move(s)),
        id(i),
        name(std::move(n)),
        directions(std::move(d)),
        view(storage, id, directions) {}

  bool logs(LogLevel level) const { return level >= log_level && log_level != LogLevel::Silent; }
  void log(LogLevel level, const std::string& message) const {
    if (logs(level) && logger) logger(level, message);
  }

  // With heartbeats on: fails trials whose worker stopped beating, and enqueues their retries.
  void recover_stale_trials();

  // "host:pid:thread", recorded on the trials this thread runs.
  static std::string worker_id();

  // Moves a running trial to its final state, lets the sampler learn from it and returns its
  // stored record. Values that are not finite, or not one per direction, fail the trial.
  // Throws InvalidState when the trial had already finished.
  FrozenTrial finish(TrialId trial, int64_t number, TrialState state, std::vector<double> values,
                     std::string fail_reason);
};

// Human-readable "{C: 10, kernel: rbf}".
std::string format_params(const std::map<std::string, ParamValue>& params);
std::string format_values(const std::vector<double>& values);

}  // namespace parzen::detail
