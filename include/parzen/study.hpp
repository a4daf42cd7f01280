#pragma once
// Study and Trial: the define-by-run API.
//
//   auto study = parzen::Study::create({.directions = {parzen::Direction::Maximize}});
//   study.optimize([](parzen::Trial& t) {
//     auto kernel = t.suggest_categorical("kernel", {"linear", "rbf"});
//     double c = t.suggest_float("C", 1e-2, 1e2, {.log = true});
//     return cross_val_accuracy(kernel, c);
//   }, {.n_trials = 100, .n_jobs = 2});

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "parzen/distributions.hpp"
#include "parzen/error.hpp"
#include "parzen/frozen_trial.hpp"
#include "parzen/log_level.hpp"
#include "parzen/pruner.hpp"
#include "parzen/sampler.hpp"
#include "parzen/storage.hpp"

namespace parzen {

namespace detail {
struct StudyCore;
}

class Study;

struct FloatOptions {
  bool log = false;              // sample in log space (needs low > 0)
  std::optional<double> step{};  // discretise to low, low + step, ..., high
};

struct IntOptions {
  bool log = false;  // sample in log space (needs low >= 1, step 1)
  int64_t step = 1;  // admissible values low, low + step, ..., high
};

// A trial being evaluated. Obtained from Study::ask() or handed to the objective by
// Study::optimize(); used by one thread at a time.
class Trial {
 public:
  int64_t number() const { return record_.number; }
  TrialId id() const { return record_.id; }

  // Suggest a value for the named parameter. Asking for the same name again in the same trial
  // returns the same value; asking with another distribution throws InvalidArgument. A
  // malformed distribution throws InvalidArgument naming the parameter.
  double suggest_float(const std::string& name, double low, double high, FloatOptions options = {});
  int64_t suggest_int(const std::string& name, int64_t low, int64_t high, IntOptions options = {});
  std::string suggest_categorical(const std::string& name,
                                  std::initializer_list<const char*> choices);
  template <class T>
  T suggest_categorical(const std::string& name, std::initializer_list<T> choices) {
    return suggest_categorical(name, std::vector<T>(choices));
  }
  template <class T>
  T suggest_categorical(const std::string& name, const std::vector<T>& choices);
  // The general form: any distribution, the value in external form.
  ParamValue suggest(const std::string& name, const Distribution& distribution);

  // Report an intermediate objective value at a step (e.g. an epoch), for pruning and curves.
  // Throws InvalidArgument for a negative step or a value that is not finite. A step reported
  // again keeps its first value (with a warning).
  void report(int64_t step, double value);
  // Ask the study's pruner whether to stop this trial now; if so, throw TrialPruned.
  bool should_prune();
  void set_user_attr(const std::string& key, const nlohmann::json& value);
  // Constraint values, feasible when all <= 0. Throws InvalidArgument for a NaN or infinite
  // value (the storages keep finite numbers only).
  void set_constraints(const std::vector<double>& constraints);

  const std::map<std::string, ParamValue>& params() const { return record_.params; }
  // This trial's record as this worker knows it (parameters suggested so far, reports, ...).
  const FrozenTrial& record() const { return record_; }

 private:
  friend class Study;
  Trial(std::shared_ptr<detail::StudyCore> core, FrozenTrial record);

  std::shared_ptr<detail::StudyCore> core_{};
  FrozenTrial record_{};
  SearchSpace relative_space_{};
  std::map<std::string, double> relative_params_{};
};

struct StudyOptions {
  // Unique within the storage; empty: a generated unique name.
  std::string name{};
  // Storage URL (see make_storage); ignored when storage_backend is set.
  std::string storage = "memory:";
  // An already opened storage, e.g. to share one in-memory storage between Study objects.
  std::shared_ptr<Storage> storage_backend{};
  // One direction per objective value.
  std::vector<Direction> directions = {Direction::Minimize};
  std::shared_ptr<Sampler> sampler{};  // default: AutoSampler (auto_sampler.hpp)
  std::shared_ptr<Pruner> pruner{};    // default: NopPruner
  // Continue the study of that name if it exists instead of throwing DuplicatedStudy.
  bool load_if_exists = false;
  // Failure recovery for studies shared by several processes or hosts. With an interval set,
  // optimize() records a heartbeat for each trial it runs every that many seconds (written with
  // the storage's clock), and every ask() first fails the study's running trials whose last beat
  // is older than the grace period (their worker crashed or was killed; Storage::
  // fail_stale_trials, as Optuna's RDB heartbeat). Unset: this Study's trials never beat and
  // are never judged stale by any worker (their asker finishes them), and this Study judges no
  // other worker's trials. Trials from ask()/tell() loops of a Study with an interval get no
  // beats: keep them shorter than the grace period, or ask them from a Study without one.
  std::optional<double> heartbeat_interval_seconds{};
  // Default: 2 x heartbeat_interval_seconds; must exceed it.
  std::optional<double> grace_period_seconds{};
  // How many times a failed trial's parameters are run again, counted per original trial in its
  // retries' system attribute "retry_count" (1, 2, ...): at most 1 + max_retries runs of one
  // parameter set. Applies to trials failed for a missing heartbeat and to objectives that throw
  // TrialFailed(reason, /*retryable=*/true); other failures are not retried. The retry is a
  // waiting trial with the same parameters, enqueued by the storage in the transaction that
  // fails the trial (never when the trial had already finished); its system attribute
  // "retried_from" is the number of the trial it re-runs, which gets "retried_by". Default 0.
  // (Optuna's RetryFailedTrialCallback(max_retry) does this for heartbeat failures only.)
  int max_retries = 0;
  // Messages at or above this level go to `logger` (default: standard error).
  LogLevel log_level = LogLevel::Warning;
  std::function<void(LogLevel, const std::string&)> logger{};
  // Whether each finished trial gets an Info line "Trial N finished with value V and parameters
  // {...}." (when log_level lets Info through). A binding that prints result lines of its own (the
  // Python package's Optuna-style ones) sets false, so the line is not formatted only to be
  // dropped. Failed trials' warnings are logged either way. Default true.
  bool log_trial_results = true;
};

struct OptimizeOptions {
  // Trials to run in this call, over all jobs. Unset: until timeout, stop() or exhaustion.
  std::optional<int64_t> n_trials{};
  // Stop starting new trials after this many seconds (running ones are finished). Over 1e9 s
  // (about 31 years; infinity included) means no limit, here and for trial_timeout_seconds.
  std::optional<double> timeout_seconds{};
  // Worker threads evaluating trials in parallel; -1: one per hardware thread.
  int n_jobs = 1;
  // true: an objective that throws gives a failed trial with the exception's message as the
  // reason, and the study goes on. false: the trial is recorded failed, no new trial starts,
  // and optimize rethrows the exception once the running trials have finished.
  bool catch_exceptions = true;
  // A trial still running after this many seconds is marked failed ("exceeded the trial
  // timeout") at once, so the study goes on; the objective's late result is discarded. C++
  // cannot stop a running function from outside: its thread is busy until it returns.
  std::optional<double> trial_timeout_seconds{};
  // Called after each trial finishes, on the thread that ran it.
  std::vector<std::function<void(Study&, const FrozenTrial&)>> callbacks{};
  // The study's budget, shared with every worker on any host (Storage::create_trial_within):
  // no trial starts once the study holds budget.n_trials running, waiting or counted trials
  // (the check and the creation are one transaction: no overshoot however many workers race;
  // waiting trials, e.g. retries, are still claimed), and optimize returns once n_trials trials
  // are counted. Until then a worker with nothing to start waits for the other workers' running
  // trials, polling every min(heartbeat interval, 1 s) (stop() and timeout_seconds end the wait)
  // and failing (and retrying) those whose heartbeats lapse, so the last worker standing leaves
  // no trial running or waiting: a dead worker's trial is failed within the grace period plus
  // one poll. It does not wait for trials it cannot judge: running trials without heartbeats
  // (`parzen ask`, a Study without heartbeat_interval_seconds), and, when this Study has no
  // heartbeat_interval_seconds, any other worker's trial; it then returns, logging why. Unset:
  // only n_trials (this call) limits. Throws InvalidArgument (validate) for n_trials < 0.
  std::optional<TrialBudget> study_budget{};
};

// Check the options before anything is stored or started; Study::create and Study::optimize call
// them first. Throw InvalidArgument in one form naming the option, its value and the allowed
// range, e.g. "StudyOptions: heartbeat_interval_seconds = -1, must be > 0 and finite".
void validate(const StudyOptions& options);
void validate(const OptimizeOptions& options);

// The objective: returns one value per study direction.
using Objective = std::function<std::vector<double>(Trial&)>;

class Study {
 public:
  // Creates a new study (or loads it, with load_if_exists). Validates the options first (see
  // validate), so invalid options store nothing. Binds the sampler and pruner to this Study
  // object: one already serving another study, or another live Study object, is refused with
  // InvalidArgument (see sampler.hpp), and so is a BohbSampler whose budgets are not the rungs
  // of the study's HyperbandPruner (BohbSampler::check_pruner). Throws DuplicatedStudy,
  // InvalidArgument or StorageError.
  static Study create(StudyOptions options = {});
  // Loads an existing study by name; options.directions are ignored. Throws NotFound.
  //
  // Every operation below throws NotFound("study 'X' was deleted while this worker was running
  // it") when the study was deleted from the storage meanwhile.
  static Study load(StudyOptions options);

  const std::string& name() const;
  StudyId id() const;
  const std::vector<Direction>& directions() const;
  Storage& storage() const;

  // Starts a trial: claims the oldest enqueued trial if one waits, else creates a new one. First
  // fails stale trials (heartbeat_interval_seconds). The trial is judged by heartbeats only when
  // this Study has heartbeat_interval_seconds (NewTrial::heartbeat), so an asked trial of a
  // Study without them is never failed by another worker.
  // Throws StudyExhausted when the sampler has nothing left (grid search). When the sampler
  // throws after the trial was created, the trial is failed with that reason and the error
  // rethrown.
  Trial ask();
  // ask() within a study budget, atomically across workers: claims a waiting trial if one is
  // left, else creates a trial only while the study holds fewer than budget.n_trials running +
  // waiting + counted trials (counted: complete and pruned, and failed with
  // budget.count_failed; Storage::create_trial_within, one transaction). Returns nullopt when
  // the study is full. Errors as ask(). Used by `parzen ask` with an experiment's n_trials.
  std::optional<Trial> ask(const TrialBudget& budget);
  // Finishes a trial with its values (one per direction). A NaN or infinite value, or the wrong
  // number of values, records the trial as failed with that reason (and returns its record).
  FrozenTrial tell(Trial& trial, double value);
  FrozenTrial tell(Trial& trial, const std::vector<double>& values);
  // Finishes a trial as pruned or failed (reason optional). A pruned trial keeps its last
  // intermediate value as its value.
  FrozenTrial tell(Trial& trial, TrialState state, const std::string& fail_reason = "");
  // When the storage refuses the write (a lost connection, a full disk), the trial is recorded
  // as failed with "could not store the result: <error>" by a second, simpler write, and tell
  // throws StorageError saying so; optimize() rethrows it.
  // The same by trial number, for ask/tell loops that cross processes.
  FrozenTrial tell(int64_t trial_number, const std::vector<double>& values);
  FrozenTrial tell(int64_t trial_number, TrialState state, const std::string& fail_reason = "");

  // Runs trials of `objective` (a callable taking Trial& and returning a number or a vector of
  // numbers, one per direction) until n_trials, timeout, stop() or the sampler's exhaustion.
  template <class F>
  void optimize(F&& objective, OptimizeOptions options = {});
  // Asks every optimize() of this Study object to start no new trial.
  void stop();

  // Adds a waiting trial with fixed parameter values; the next ask() claims it. Parameters the
  // objective suggests but `params` lacks are sampled as usual.
  void enqueue_trial(const std::map<std::string, ParamValue>& params,
                     const nlohmann::json& user_attrs = nlohmann::json::object());

  std::vector<FrozenTrial> trials() const;
  std::vector<FrozenTrial> trials(std::initializer_list<TrialState> states) const;
  // The best complete trial; when some complete trial has constraint values, the best feasible
  // one, and a complete trial without constraint values then counts as infeasible (as Optuna
  // 3.1's TPE and NSGA-II samplers treat it; multi_objective::feasible_in). Throws InvalidState
  // for multi-objective studies (use best_trials) and NotFound when none has completed or none
  // is feasible.
  FrozenTrial best_trial() const;
  double best_value() const;
  // The Pareto front of the complete trials, of the feasible ones in a constrained study (same
  // rule as best_trial). Optuna 3.1's best_trials ignores constraints.
  std::vector<FrozenTrial> best_trials() const;

  void set_user_attr(const std::string& key, const nlohmann::json& value);
  nlohmann::json user_attrs() const;

  // Export, one row per trial: number, state, value(s), every parameter, start, end, duration,
  // user attributes and the failure reason (like scikit-learn's cv_results_).
  void write_trials_csv(std::ostream& out) const;
  nlohmann::json trials_json() const;

 private:
  explicit Study(std::shared_ptr<detail::StudyCore> core) : core_(std::move(core)) {}
  void run_optimize(const Objective& objective, const OptimizeOptions& options);
  // ask(), but with a study budget: nullopt when no waiting trial is left to claim and the
  // study holds budget->n_trials trials (Storage::create_trial_within).
  std::optional<Trial> ask_within(const TrialBudget* budget);
  std::shared_ptr<detail::StudyCore> core_{};
};

// The same exports for any list of trials (e.g. read straight from a storage).
void write_trials_csv(std::ostream& out, const std::vector<FrozenTrial>& trials,
                      const std::vector<Direction>& directions);
nlohmann::json trials_json(const std::string& study_name, const std::vector<Direction>& directions,
                           const std::vector<FrozenTrial>& trials);

// ---------------------------------------------------------------------------------------------
namespace detail {

template <class T>
ParamValue to_param_value(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return ParamValue(v);
  } else if constexpr (std::is_integral_v<T>) {
    return ParamValue(static_cast<int64_t>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    return ParamValue(static_cast<double>(v));
  } else {
    return ParamValue(std::string(v));
  }
}

template <class T>
T from_param_value(const ParamValue& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return std::get<bool>(v);
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(std::get<int64_t>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(std::get<double>(v));
  } else {
    return T(std::get<std::string>(v));
  }
}

template <class R>
std::vector<double> to_values(R&& r) {
  using D = std::decay_t<R>;
  if constexpr (std::is_arithmetic_v<D>) {
    return {static_cast<double>(r)};
  } else {
    return std::vector<double>(r.begin(), r.end());
  }
}

}  // namespace detail

template <class T>
T Trial::suggest_categorical(const std::string& name, const std::vector<T>& choices) {
  CategoricalDistribution d{};
  d.choices.reserve(choices.size());
  for (const auto& c : choices) d.choices.push_back(detail::to_param_value(c));
  return detail::from_param_value<T>(suggest(name, d));
}

template <class F>
void Study::optimize(F&& objective, OptimizeOptions options) {
  if constexpr (std::is_same_v<std::invoke_result_t<F, Trial&>, std::vector<double>>) {
    run_optimize(Objective(std::forward<F>(objective)), options);
  } else {
    run_optimize(Objective([f = std::forward<F>(objective)](Trial& t) mutable {
                   return detail::to_values(f(t));
                 }),
                 options);
  }
}

}  // namespace parzen
