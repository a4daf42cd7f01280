#pragma once
// The storage: the single source of truth of every study. Workers in threads, processes or hosts
// cooperate only through it, so every operation that two workers may race on is atomic here:
// creating a trial (and its number), claiming a waiting trial, finishing a running trial and
// reserving a study-wide key.
//
// Every write to a trial bumps a per-study version and stamps the trial with it, so a reader that
// remembers the version it last saw asks only for what changed since (trials_since). Heartbeats
// are the exception: record_heartbeat changes only the trial's heartbeat time, without a version,
// so trials_since does not return a trial for a new heartbeat (read it with trial()).
//
// Clock: the SQL storages write every time (study creation, trial start, heartbeat, completion)
// with the database server's clock (PostgreSQL: clock_timestamp(); SQLite: the clock of the host
// that runs the statement, which is every process's host for a local file), and judge
// heartbeats by it, as Optuna's RDB storage does; the in-memory storage uses its process's
// clock. A worker's clock may be wrong by any amount without its trials being judged stale.
//
// Retried writes. When the connection to the database drops, the PostgreSQL driver reconnects
// and re-sends, and a multi-statement transaction runs again: a write whose commit reached the
// server but whose answer was lost may run twice. What that can and cannot do:
// - finish_trial and fail_trial never apply twice (compare-and-set on the running state); after a
//   reconnect they still return true when the trial holds exactly what the call wrote (the first
//   attempt committed), so a result is never reported as rejected because its first send
//   succeeded. They cannot tell that apart from another worker writing the very same values.
// - fail_trial and fail_stale_trials enqueue a retry in the failing transaction, so a failure
//   gets at most one retry, however often it is re-sent.
// - set_trial_* and record_heartbeat are idempotent (they set a value).
// - create_trial, create_trial_within and claim_waiting_trial re-sent after a lost commit create
//   (or claim) a second trial: the first is then running without a worker that knows it; it gets
//   no heartbeats and fail_stale_trials fails it after the grace period (a heartbeat-less one,
//   NewTrial::heartbeat = false, stays running). create_trial_within still never exceeds its cap.
// - create_study re-sent after a lost commit throws DuplicatedStudy, and delete_study NotFound.
//
// Durability (PostgreSQL; SQLite and memory commit every write the same way). What a call has
// made durable when it returns, i.e. what a crash of the database server (or of its host) right
// after cannot undo:
// - create_trial, create_trial_within, claim_waiting_trial, finish_trial, fail_trial,
//   fail_stale_trials and every study write: durable when they return (with the server's
//   synchronous_commit on, its default). create_trial, create_trial_within and finish_trial
//   get there as an asynchronous commit under the study's lock followed by a synchronous no-op
//   commit on the trial's own row, so that no writer of the study waits for another's disk
//   flush: other readers may see them a few milliseconds before they are durable (see the rdb
//   storage).
// - set_trial_param, set_trial_intermediate_value, set_trial_constraints, set_trial_user_attr,
//   set_trial_system_attr and record_heartbeat: asynchronous commits. Every reader sees them as
//   soon as the call returns (other workers, samplers reading running trials, this process);
//   they reach disk with the next synchronous commit on the server (any client's) or from the
//   WAL writer within a fraction of a second. A server crash before that can lose them: the
//   trial is then still running, as before the write. The storage remembers each such write
//   and re-asserts it in the transaction that ends the trial (finish_trial, fail_trial, or
//   fail_stale_trials of this storage), so **a trial recorded finished always holds every
//   write its worker made to it**, and a retry the parameters of the trial it replaces. A lost
//   heartbeat is harmless: the next one lands, and a trial's age runs from the server's start.
//   (Lost for good: writes to a trial whose worker dies within that fraction of a second of a
//   server crash; its trial is failed as stale and retried with what survived.)
// - trials_since never misses a write because a crash lost versions it had returned (see
//   there).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parzen/frozen_trial.hpp"

namespace parzen {

struct StudyInfo {
  StudyId id = -1;
  std::string name{};
  std::vector<Direction> directions{};
  nlohmann::json user_attrs = nlohmann::json::object();
  nlohmann::json system_attrs = nlohmann::json::object();
  Clock::time_point datetime_created{};
  int64_t n_trials = 0;
};

// What create_trial needs: the trial starts waiting (enqueued) or running (asked for now).
struct NewTrial {
  TrialState state = TrialState::Running;
  std::string worker{};  // for running trials
  // Whether the trial's worker records heartbeats (Storage::record_heartbeat). A trial without
  // them (asked by `parzen ask`, or by a Study without heartbeat_interval_seconds) has no
  // heartbeat time and is never failed by fail_stale_trials: its asker finishes it.
  bool heartbeat = true;
  nlohmann::json user_attrs = nlohmann::json::object();
  nlohmann::json system_attrs = nlohmann::json::object();
};

// A study-wide cap on trials (Storage::create_trial_within): the study may hold at most n_trials
// trials that are running, waiting, or finished in a counted state. Complete and pruned trials
// always count; failed ones only with count_failed (a failed trial usually makes way for another),
// and never a failed trial that was retried (system attribute retried_by): its retry stands in
// for it, so a failure and its retry take one place in the budget, not two.
struct TrialBudget {
  int64_t n_trials = 0;
  bool count_failed = false;
};

// Whether a finished trial counts toward the budget (the rule above). Running and waiting trials
// hold a place without counting.
bool counts_toward(const FrozenTrial& trial, const TrialBudget& budget);

struct TrialsDelta {
  std::vector<FrozenTrial> trials{};  // the trials written after the given version, by number
  uint64_t version = 0;               // the study's version this delta is consistent with
};

// The longest study name, in bytes of UTF-8 (Optuna's limit: its study_name column is
// VARCHAR(512)). Every storage enforces it, so a study that fits one fits all.
inline constexpr std::size_t kMaxStudyNameBytes = 512;

// For Storage implementations: throws InvalidArgument on an empty name or one over
// kMaxStudyNameBytes ("study name '...' is N bytes long; the limit is 512 bytes").
void validate_study_name(const std::string& name);

// For Storage implementations: throws InvalidArgument when a constraint value is NaN or infinite
// (JSON, in which the relational storages keep them, has neither; an unreadable row would break
// every read of the study).
void check_finite_constraints(const std::vector<double>& constraints);

// For Storage implementations: the record a new trial starts with (state, attributes and, for
// a running trial, its start time, first heartbeat and worker). Throws InvalidArgument unless
// the state is waiting or running.
FrozenTrial make_new_trial_record(const NewTrial& trial, int64_t number);

// The waiting trial that re-runs `failed`: its parameters as fixed_params, retried_from = its
// number, retry_count = its retry_count + 1, its user attributes. Storages call it inside the
// transaction that fails `failed` (fail_trial, fail_stale_trials), so one retry mechanism keeps
// one count.
NewTrial make_retry(const FrozenTrial& failed);

class Storage {
 public:
  virtual ~Storage() = default;

  // --- studies ---
  // Throws DuplicatedStudy if the name is taken, InvalidArgument on an empty name, a name over
  // kMaxStudyNameBytes (512) bytes, or no directions.
  virtual StudyId create_study(const std::string& name,
                               const std::vector<Direction>& directions) = 0;
  virtual std::optional<StudyId> find_study(const std::string& name) = 0;
  // Throws NotFound for an unknown id.
  virtual StudyInfo study(StudyId study) = 0;
  virtual std::vector<StudyInfo> studies() = 0;
  // Deletes the study with all its trials; throws NotFound for an unknown id.
  virtual void delete_study(StudyId study) = 0;
  virtual void set_study_user_attr(StudyId study, const std::string& key,
                                   const nlohmann::json& value) = 0;
  virtual void set_study_system_attr(StudyId study, const std::string& key,
                                     const nlohmann::json& value) = 0;
  // Atomically sets the key only if it is absent; true when this call set it. Workers use it to
  // reserve something exactly once across the study (e.g. a grid point).
  virtual bool add_study_system_attr_if_absent(StudyId study, const std::string& key,
                                               const nlohmann::json& value) = 0;

  // --- trials ---
  // Atomically creates a trial with the next number of the study.
  virtual FrozenTrial create_trial(StudyId study, const NewTrial& trial) = 0;
  // As create_trial, in the same transaction as a count of the study's trials: creates nothing
  // and returns nullopt when the study already holds budget.n_trials trials that are running,
  // waiting or finished in a counted state (TrialBudget). Workers that share a budget through it
  // never overshoot it, however many race.
  virtual std::optional<FrozenTrial> create_trial_within(StudyId study, const NewTrial& trial,
                                                         const TrialBudget& budget) = 0;
  // Atomically moves the oldest waiting trial of the study to running and returns it; nullopt
  // when none waits. Two workers never claim the same trial. `heartbeat` as in NewTrial.
  virtual std::optional<FrozenTrial> claim_waiting_trial(StudyId study, const std::string& worker,
                                                         bool heartbeat = true) = 0;
  // The writes below throw NotFound for an unknown trial and InvalidState unless it is running.
  virtual void set_trial_param(TrialId trial, const std::string& name, double internal_value,
                               const Distribution& distribution) = 0;
  virtual void set_trial_intermediate_value(TrialId trial, int64_t step, double value) = 0;
  virtual void set_trial_constraints(TrialId trial, const std::vector<double>& constraints) = 0;
  virtual void set_trial_user_attr(TrialId trial, const std::string& key,
                                   const nlohmann::json& value) = 0;
  virtual void set_trial_system_attr(TrialId trial, const std::string& key,
                                     const nlohmann::json& value) = 0;
  // Sets the trial's heartbeat time to the storage's clock (the database server's). One write of
  // the trial's own row: it takes no study-wide lock and bumps no version (trials_since does not
  // return it), so it goes through while another client holds the study's lock; the SQL storages
  // send it on a connection of its own. Throws NotFound / InvalidState as the writes above.
  virtual void record_heartbeat(TrialId trial) = 0;
  // Atomically moves a running trial to a finished state with its values (and, for failed
  // trials, the reason). Returns false, changing nothing, when the trial is no longer running
  // (another worker or a watchdog finished it first). Throws NotFound for an unknown trial.
  virtual bool finish_trial(TrialId trial, TrialState state, const std::vector<double>& values,
                            const std::string& fail_reason) = 0;

  // Atomically fails a running trial with `reason` and, when its retry_count (system attribute)
  // is below `max_retries`, enqueues its retry (make_retry) in the same transaction; the failed
  // trial then gets the system attribute retried_by = the retry's number. Returns false,
  // changing nothing (and enqueueing nothing), when the trial is no longer running. Throws
  // NotFound for an unknown trial.
  virtual bool fail_trial(TrialId trial, const std::string& reason, int max_retries) = 0;

  // Atomically fails the study's running trials whose last heartbeat is older than
  // `grace_seconds` (reason: "no heartbeat for ... s from worker ...") and returns them as
  // failed, enqueueing retries as fail_trial does. Heartbeats are written and judged by the
  // storage's clock (the database server's), never the workers'. Age is measured against the
  // server's time read when the call starts, before it waits for the study's lock, so a stalled
  // database or a long lock holder does not make live trials look dead. Trials created without
  // heartbeat are never stale. Each stale trial is returned to exactly one caller, however many
  // race.
  // Outages (the SQL storages): a worker cannot beat while the database is away, so silence
  // then says nothing about it.
  // - On PostgreSQL a trial's age runs from max(last heartbeat, pg_postmaster_start_time()):
  //   after a server (re)start every worker has a whole grace period to beat or store its
  //   result, whichever process judges.
  // - The storage object remembers when it last saw the database unavailable or stalled: a
  //   reconnect on its main or heartbeat connection (the connection's reconnects() moved), or a
  //   heartbeat or this call's first read that failed with a StorageError or took over 1 s.
  //   Until `grace_seconds` after that, the call fails nothing (a later call judges). This covers a
  //   frozen-then-resumed server, which restarts no postmaster, as far as this process saw it; a
  //   worker cut off alone (a partition of its host) stays indistinguishable from a dead one.
  // The in-memory storage has no outages and judges by its own clock. Source: Optuna's RDB
  // heartbeat (fail_stale_trials with the database's clock), with the stall and outage rules
  // added.
  virtual std::vector<FrozenTrial> fail_stale_trials(StudyId study, double grace_seconds,
                                                     int max_retries = 0) = 0;

  // Throws NotFound for an unknown trial.
  virtual FrozenTrial trial(TrialId trial) = 0;
  // The trials of the study written after `version` (0: all), and the version they are
  // consistent with. Pass that version to the next call to read only what changed since.
  // Versions are opaque: on PostgreSQL one carries a tag of the storage object and connection it
  // was read through, and a version from another storage, or read before this storage's
  // connection was re-established (a server crash may have lost asynchronous writes and their
  // versions, which later writes then reuse), is answered with every trial, as 0 is.
  virtual TrialsDelta trials_since(StudyId study, uint64_t version) = 0;

  // All trials of the study, by number.
  std::vector<FrozenTrial> trials(StudyId study) { return trials_since(study, 0).trials; }
};

// Opens a storage by URL:
//   "memory:" (or "")              a new, private in-memory storage;
//   "sqlite:///relative/path.db"   an SQLite file relative to the working directory,
//   "sqlite:////absolute/path.db"  or by absolute path; created if missing; "?timeout=SECONDS"
//                                  sets how long to wait for another process's lock (60).
// Throws InvalidArgument naming the URL when it is malformed or its scheme unsupported, and
// StorageError when the database cannot be opened, is not a database, or has a newer schema.
std::shared_ptr<Storage> make_storage(const std::string& url);

// The URL with any password replaced by "***" (user:***@host, password=***), for messages.
std::string redact_storage_url(const std::string& url);

// Thread-safe in-memory storage: the default of the library and of tests. Not shared between
// processes; SQLite and PostgreSQL storages do that.
std::shared_ptr<Storage> make_in_memory_storage();

}  // namespace parzen
