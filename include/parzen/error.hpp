#pragma once
// The exceptions Parzen throws at its API boundary. Every message names the parameter, key, study,
// trial or file at fault, so that it can be shown to a user as it is.

#include <stdexcept>
#include <string>
#include <utility>

namespace parzen {

// Base of every exception Parzen throws on purpose.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A value given by the caller is invalid: a malformed distribution, an unknown option value, a
// parameter redefined with another distribution, values that do not match the study's directions.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// An option of a sampler, pruner or study is invalid: unknown, of the wrong type or out of range.
// key() names the option ("n_startup_trials"; dotted inside a nested table: "wrapped.patience"),
// so that a reader of a file can point at the line that set it. Range errors read
// "TpeSampler: n_startup_trials = -1, must be >= 0".
class OptionError : public InvalidArgument {
 public:
  OptionError(std::string key, const std::string& message)
      : InvalidArgument(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// A study, trial or key that was asked for does not exist.
class NotFound : public Error {
 public:
  using Error::Error;
};

// A study with that name already exists (use load_if_exists to continue it).
class DuplicatedStudy : public Error {
 public:
  using Error::Error;
};

// The operation does not fit the trial's state (e.g. telling a trial that has already finished).
class InvalidState : public Error {
 public:
  using Error::Error;
};

// The storage failed: unreachable, locked, corrupt, or of an unsupported schema version.
class StorageError : public Error {
 public:
  using Error::Error;
};

// Thrown by an objective whose own writes of the trial's outcome to the study's storage failed
// (the parzen CLI stores a trial program's attributes and constraints this way). optimize()
// does not record it as the trial's failure: as for a result the storage refused, the trial is
// failed by a second write that enqueues its retry within max_retries, and optimize() throws
// StorageError ("could not store the result of trial N: ..."), whatever catch_exceptions says.
class ResultNotStored : public StorageError {
 public:
  using StorageError::StorageError;
};

// The sampler has nothing left to propose (e.g. the grid sampler ran every combination).
// Study::optimize stops quietly on it; Study::ask lets it through to the caller.
class StudyExhausted : public Error {
 public:
  using Error::Error;
};

// Thrown by an objective to say the trial was pruned (Trial::should_prune() returned true).
// Study::optimize records the trial as pruned rather than failed.
class TrialPruned : public Error {
 public:
  TrialPruned() : Error("trial pruned") {}
  using Error::Error;
};

// Thrown by an objective to fail the trial with exactly this message as its reason (any other
// exception's reason is "the objective threw TYPE: MESSAGE"). With OptimizeOptions::
// catch_exceptions = false, optimize() rethrows it like any other objective error. The parzen
// CLI fails a trial whose program failed this way ("exited with status 3; stderr: ...").
class TrialFailed : public Error {
 public:
  // retryable: the failure may be transient (a crashed process, a timeout); optimize() then
  // fails the trial through Storage::fail_trial, which enqueues its parameters again in the same
  // transaction while StudyOptions::max_retries allows (one count with heartbeat retries: the
  // system attribute retry_count), and enqueues nothing when the trial had already been failed
  // (e.g. by a worker that saw no heartbeat).
  explicit TrialFailed(const std::string& reason, bool retryable = false)
      : Error(reason), retryable_(retryable) {}
  bool retryable() const { return retryable_; }

 private:
  bool retryable_ = false;
};

}  // namespace parzen
