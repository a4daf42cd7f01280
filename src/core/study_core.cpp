#include <cxxabi.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/study_core.hpp"
#include "parzen/system_attrs.hpp"

namespace parzen::detail {

namespace {
// Incremented in a forked child (pthread_atfork), so that the per-thread worker ids below are
// recomputed with the child's pid without a getpid() system call on every ask.
std::atomic<unsigned> fork_generation{1};
void on_fork_child() { fork_generation.fetch_add(1, std::memory_order_relaxed); }
}  // namespace

std::string StudyCore::worker_id() {
  // "host:pid:thread" does not change while this thread runs in this process: computed once per
  // thread (and again in a forked child, whose pid differs).
  static const bool registered = pthread_atfork(nullptr, nullptr, on_fork_child) == 0;
  thread_local unsigned cached_generation = 0;
  thread_local std::string id;
  const unsigned generation = fork_generation.load(std::memory_order_relaxed);
  if (!registered || cached_generation != generation) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    std::ostringstream thread;
    thread << std::this_thread::get_id();
    id = fmt::format("{}:{}:{}", host, getpid(), thread.str());
    cached_generation = generation;
  }
  return id;
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

void StudyCore::throw_if_deleted() const {
  std::optional<StudyId> found;
  try {
    found = storage->find_study(name);
  } catch (const std::exception&) {
    return;  // the storage cannot say; the original error stands
  }
  if (!found || *found != id)
    throw NotFound(fmt::format("study '{}' was deleted while this worker was running it", name));
}

FrozenTrial StudyCore::trial_by_number(int64_t number) {
  return with_view([&](const StudyView& v) {
    if (number < 0 || static_cast<size_t>(number) >= v.trials().size())
      throw NotFound(fmt::format("study '{}' has no trial {}", name, number));
    return v.trials()[static_cast<size_t>(number)];
  });
}

StudyCore::TrialRef StudyCore::trial_ref_by_number(int64_t number) {
  return with_view([&](const StudyView& v) {
    if (number < 0 || static_cast<size_t>(number) >= v.trials().size())
      throw NotFound(fmt::format("study '{}' has no trial {}", name, number));
    const FrozenTrial& t = v.trials()[static_cast<size_t>(number)];
    TrialRef ref{t.id, std::nullopt};
    if (!t.intermediate_values.empty())
      ref.last_intermediate_value = t.intermediate_values.rbegin()->second;
    return ref;
  });
}

namespace {

// "; trial 7 re-runs its parameters (retry 1 of 2)" for a failed trial the storage retried.
std::string retry_note(const FrozenTrial& failed, int max_retries) {
  const auto by = failed.system_attrs.find(keys::retried_by);
  if (by == failed.system_attrs.end()) return "";
  return fmt::format("; trial {} re-runs its parameters (retry {} of {})", by->dump(),
                     failed.system_attrs.value(keys::retry_count, 0) + 1, max_retries);
}

// Values that are not finite, or not one per direction, turn a completion into a failure.
void check_values(TrialState& state, std::vector<double>& values, std::string& fail_reason,
                  size_t n_directions) {
  if (state == TrialState::Complete) {
    if (values.size() != n_directions) {
      fail_reason =
          fmt::format("the objective returned {} value(s) but the study has {} direction(s)",
                      values.size(), n_directions);
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
}

}  // namespace

int64_t held_trials(const std::vector<FrozenTrial>& trials, const TrialBudget& budget) {
  return std::count_if(trials.begin(), trials.end(), [&](const FrozenTrial& t) {
    return t.state == TrialState::Running || t.state == TrialState::Waiting ||
           counts_toward(t, budget);
  });
}

void StudyCore::fail_unstored(TrialId trial, int64_t number, const std::string& error) {
  // The result cannot be stored (a lost connection, a full disk, text the database refuses): a
  // simpler write fails the trial, so it does not stay running, and enqueues its retry within
  // max_retries (as for a dead worker's trial).
  std::string outcome = "it was recorded as failed";
  try {
    storage->fail_trial(trial, "could not store the result: " + error, max_retries);
  } catch (const std::exception& again) {
    // Said once: the last write's error only where it differs from the first's. The CLI
    // (fail_unstored) recognises "; it stays running until its heartbeat lapses".
    outcome = "it stays running until its heartbeat lapses, then another worker fails it";
    if (std::string(again.what()) != error)
      outcome = fmt::format("marking it failed did not work either: {}; {}", again.what(), outcome);
  }
  throw StorageError(
      fmt::format("could not store the result of trial {}: {}; {}", number, error, outcome));
}

FrozenTrial StudyCore::finish(TrialId trial, int64_t number, TrialState state,
                              std::vector<double> values, std::string fail_reason, bool retryable) {
  check_values(state, values, fail_reason, directions.size());
  bool finished = false;
  const auto write = [&] {
    return explaining_deletion([&] {
      if (state == TrialState::Failed && retryable)
        return storage->fail_trial(trial, fail_reason, max_retries);
      return storage->finish_trial(trial, state, values, fail_reason);
    });
  };
  try {
    finished = write();
  } catch (const NotFound&) {
    throw;
  } catch (const std::exception& e) {
    const std::string error = e.what();
    // The result in hand is written once more: an outage longer than the storage's own retries
    // may be over by now (then nothing is lost).
    bool second_failed = false;
    try {
      finished = write();
      // "Not running" after a write whose answer was lost: that first write may have landed.
      if (!finished) finished = storage->trial(trial).state == state;
      if (finished)
        log(LogLevel::Warning,
            fmt::format("Trial {}'s result was stored at the second attempt (the first failed: "
                        "{})",
                        number, error));
    } catch (const NotFound&) {
      throw;
    } catch (const std::exception&) {
      second_failed = true;
    }
    if (second_failed) fail_unstored(trial, number, error);
  }
  if (!finished) {
    const FrozenTrial current = storage->trial(trial);
    throw InvalidState(fmt::format(
        "trial {} is already {}{}; it cannot be told again", number, to_string(current.state),
        current.fail_reason.empty() ? "" : " (" + current.fail_reason + ")"));
  }

  const FrozenTrial result = with_view([&](const StudyView& v) {
    FrozenTrial stored = v.trials().at(static_cast<size_t>(number));
    sampler->after_trial(v, stored);
    return stored;
  });

  if (result.state == TrialState::Failed) {
    log(LogLevel::Warning, fmt::format("Trial {} failed with parameters {}: {}{}", number,
                                       format_params(result.params), result.fail_reason,
                                       retry_note(result, max_retries)));
  } else if (log_trial_results && logs(LogLevel::Info)) {
    log(LogLevel::Info, fmt::format("Trial {} {} with value {} and parameters {}.", number,
                                    result.state == TrialState::Pruned ? "pruned" : "finished",
                                    format_values(result.values), format_params(result.params)));
  }
  return result;
}

void StudyCore::recover_stale_trials() {
  if (!heartbeat_interval) return;
  for (const FrozenTrial& t : storage->fail_stale_trials(id, grace_period, max_retries))
    log(LogLevel::Warning,
        fmt::format("Trial {} failed: {}{}", t.number, t.fail_reason, retry_note(t, max_retries)));
}

std::string exception_type_name() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (!type) return "an exception";
  int status = 0;
  char* demangled = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
  std::string name = status == 0 && demangled ? demangled : type->name();
  std::free(demangled);
  return name;
}

}  // namespace parzen::detail
