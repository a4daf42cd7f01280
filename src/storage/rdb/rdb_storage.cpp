// The relational storage: the SQL logic of every Storage operation, written once over the thin
// drivers of driver.hpp. Each write is one transaction that also bumps the study's version and
// stamps the trial with it, so readers can ask for what changed since a version (heartbeats
// excepted: one UPDATE of the trial's row, on a connection of their own).
//
// Every time the storage writes (study creation, trial start, heartbeat, completion) is the
// database server's clock (now_sql), never the client's, as Optuna's RDB storage does for its
// heartbeats: workers whose clocks disagree still judge each other's heartbeats right.

#include "storage/rdb/rdb_storage.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>

#include "parzen/error.hpp"
#include "parzen/system_attrs.hpp"
#include "storage/utf8.hpp"

namespace parzen::rdb {
namespace {

constexpr int64_t kSchemaVersion = 1;

// Version 1 of the schema. Timestamps are Unix seconds (REAL); JSON is stored as TEXT.
const char* const kSchemaSqlite[] = {
    "CREATE TABLE studies (study_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, directions "
    "TEXT NOT NULL, "
    "datetime_created REAL NOT NULL, n_trials INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL "
    "DEFAULT 0)",
    "CREATE TABLE study_user_attrs (study_id INTEGER NOT NULL REFERENCES studies ON DELETE "
    "CASCADE, "
    "key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (study_id, key))",
    "CREATE TABLE study_system_attrs (study_id INTEGER NOT NULL REFERENCES studies ON DELETE "
    "CASCADE, "
    "key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (study_id, key))",
    "CREATE TABLE trials (trial_id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL REFERENCES "
    "studies ON DELETE "
    "CASCADE, number INTEGER NOT NULL, state TEXT NOT NULL, trial_values TEXT, constraints TEXT, "
    "datetime_start REAL, datetime_complete REAL, heartbeat REAL, worker TEXT NOT NULL DEFAULT '', "
    "fail_reason TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL, UNIQUE (study_id, number))",
    "CREATE INDEX trials_by_version ON trials (study_id, version)",
    "CREATE INDEX trials_by_state ON trials (study_id, state, number)",
    "CREATE TABLE trial_params (trial_id INTEGER NOT NULL REFERENCES trials ON DELETE CASCADE, "
    "name TEXT NOT NULL, "
    "internal REAL NOT NULL, distribution TEXT NOT NULL, PRIMARY KEY (trial_id, name))",
    "CREATE TABLE trial_intermediate_values (trial_id INTEGER NOT NULL REFERENCES trials ON DELETE "
    "CASCADE, "
    "step INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (trial_id, step))",
    "CREATE TABLE trial_user_attrs (trial_id INTEGER NOT NULL REFERENCES trials ON DELETE CASCADE, "
    "key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (trial_id, key))",
    "CREATE TABLE trial_system_attrs (trial_id INTEGER NOT NULL REFERENCES trials ON DELETE "
    "CASCADE, "
    "key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (trial_id, key))",
};

Clock::time_point from_seconds(double s) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)));
}

std::optional<Clock::time_point> optional_time(const Value& v) {
  if (is_null(v)) return std::nullopt;
  return from_seconds(as_double(v));
}

std::string vector_json(const std::vector<double>& v) { return nlohmann::json(v).dump(); }

std::vector<double> json_vector(const Value& v) {
  if (is_null(v)) return {};
  return nlohmann::json::parse(as_text(v)).get<std::vector<double>>();
}

// The schema in PostgreSQL's types (the SQLite DDL is the reference).
std::string postgres_ddl(std::string ddl) {
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = ddl.find(from, pos)) != std::string::npos; pos += to.size())
      ddl.replace(pos, from.size(), to);
  };
  replace_all("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY");
  replace_all(" INTEGER", " BIGINT");
  replace_all(" REAL", " DOUBLE PRECISION");
  return ddl;
}

// The schema's steps from older versions; none yet: version 1 is the first schema.
const std::vector<Migration> kMigrations = {};

// How many times a multi-statement transaction runs when the connection drops under it (the
// driver has already waited and reconnected before it throws ConnectionLost).
constexpr int kTransactionAttempts = 3;

// A database that takes longer than this to answer a heartbeat or fail_stale_trials' first read
// is stalled: fail_stale_trials judges nothing until the grace period has passed since (the
// heartbeats may have been stuck behind the same stall).
constexpr double kStalledSeconds = 1.0;

// Makes the rest of a PostgreSQL transaction (a write batch is one) commit asynchronously: the
// commit returns before its WAL is flushed to disk. A server setting of off stays off.
constexpr const char* kAsynchronousCommitSql =
    "SELECT set_config('synchronous_commit', 'off', true)";

// How many asynchronously committed writes to one running trial a storage remembers for
// re-assertion (write_running); the next one is a synchronous commit carrying them all.
constexpr size_t kMaxPendingWrites = 64;

// On PostgreSQL a version returned by trials_since is a study's version (below 2^40) with a tag
// of the connection in the bits above (RdbStorage::version_tag).
constexpr int kVersionBits = 40;
constexpr uint64_t kVersionMask = (uint64_t{1} << kVersionBits) - 1;

// Whether the driver already tried to reconnect for its whole retry time (then rerunning a
// transaction will not help). Written against drivers with and without
// ConnectionLost::retry_time_spent().
template <class Lost>
bool retry_time_spent(const Lost& e) {
  if constexpr (requires { e.retry_time_spent(); })
    return e.retry_time_spent();
  else
    return false;
}

// The database server's clock in Unix seconds (a DOUBLE PRECISION / REAL expression).
const char* now_sql(bool postgres) {
  return postgres ? "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"
                  : "((julianday('now') - 2440587.5) * 86400.0)";
}

// The time a trial's age is judged from, in Unix seconds (for rows whose heartbeat is not
// NULL): its last heartbeat, and on PostgreSQL no earlier than the server's (re)start, so every
// worker gets a whole grace period after a restart to beat again or store its result.
const char* alive_since_sql(bool postgres) {
  return postgres ? "GREATEST(heartbeat, CAST(EXTRACT(EPOCH FROM pg_postmaster_start_time()) AS "
                    "DOUBLE PRECISION))"
                  : "heartbeat";
}

// A JSON value stored in the database; a row that is not JSON (a damaged file or a foreign
// writer) throws StorageError naming what it belongs to, instead of a bare parse error.
template <class Where>
nlohmann::json parse_stored(const std::string& text, const Where& where) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    throw StorageError(fmt::format(
        "{} is not valid JSON ({}{}): the database was damaged or written by another program; "
        "fix or delete that row",
        where(), text.substr(0, 40), text.size() > 40 ? "..." : ""));
  return j;
}

class RdbStorage final : public Storage {
 public:
  RdbStorage(std::unique_ptr<Connection> c, ConnectionFactory open_another)
      : db_(std::move(c)),
        postgres_(db_->dialect() == "postgresql"),
        now_(now_sql(postgres_)),
        alive_since_(alive_since_sql(postgres_)),
        open_another_(std::move(open_another)),
        db_reconnects_seen_(db_->reconnects()) {
    migrate();
    identity_ = db_->pin_identity(kDatabaseTokenSql, "");
  }

  StudyId create_study(const std::string& name, const std::vector<Direction>& directions) override {
    validate_study_name(detail::storable_text(name));
    if (directions.empty())
      throw InvalidArgument(fmt::format("study '{}' needs at least one direction", name));
    nlohmann::json dirs = nlohmann::json::array();
    for (Direction d : directions) dirs.push_back(to_string(d));
    return write([&] {
      if (!db_->query("SELECT study_id FROM studies WHERE name = ?", {name}).empty())
        throw DuplicatedStudy(fmt::format("a study named '{}' already exists", name));
      const auto rows =
          db_->query("INSERT INTO studies (name, directions, datetime_created) VALUES (?, ?, " +
                         now_ + ") RETURNING study_id",
                     {name, detail::dump_json(dirs)});
      return as_int(rows.at(0).at(0));
    });
  }

  std::optional<StudyId> find_study(const std::string& name) override {
    std::lock_guard lock(mu_);
    const auto rows = db_->query("SELECT study_id FROM studies WHERE name = ?", {name});
    if (rows.empty()) return std::nullopt;
    return as_int(rows[0][0]);
  }

  StudyInfo study(StudyId id) override {
    return read([&] {
      auto infos = load_studies("WHERE study_id = ?", {id});
      if (infos.empty())
        throw NotFound(fmt::format("no study with id {} in the {}", id, db_->describe()));
      return infos[0];
    });
  }

  std::vector<StudyInfo> studies() override {
    return read([&] { return load_studies("", {}); });
  }

  void delete_study(StudyId id) override {
    write([&] {
      require_study(id);
      db_->query("DELETE FROM studies WHERE study_id = ?", {id});
      return 0;
    });
  }

  void set_study_user_attr(StudyId id, const std::string& key,
                           const nlohmann::json& value) override {
    write([&] {
      require_study(id);
      upsert_attr("study_user_attrs", "study_id", id, key, value);
      return 0;
    });
  }

  void set_study_system_attr(StudyId id, const std::string& key,
                             const nlohmann::json& value) override {
    write([&] {
      require_study(id);
      upsert_attr("study_system_attrs", "study_id", id, key, value);
      return 0;
    });
  }

  bool add_study_system_attr_if_absent(StudyId id, const std::string& key,
                                       const nlohmann::json& value) override {
    return write([&] {
      require_study(id);
      db_->query(
          "INSERT INTO study_system_attrs (study_id, key, value) VALUES (?, ?, ?) "
          "ON CONFLICT (study_id, key) DO NOTHING",
          {id, key, detail::dump_json(value)});
      return db_->changes() == 1;
    });
  }

  FrozenTrial create_trial(StudyId id, const NewTrial& t) override {
    FrozenTrial r = make_new_trial_record(t, -1);  // the number comes from the study's counter
    const auto batch = create_statements(id, r);   // one round trip
    const auto created_id = [](const std::vector<std::vector<Row>>& results) {
      return results.at(1).empty() ? std::nullopt
                                   : std::optional<TrialId>(as_int(results[1][0][0]));
    };
    const auto flushed = flushed_write(batch, created_id);
    if (!flushed) return created(id, std::move(r), write_batch(batch));  // SQLite
    if (!flushed->reconnected) return created(id, std::move(r), flushed->results);
    // The connection was re-established during the call (the driver re-sent what was
    // interrupted): the trial it returned may have been lost by a server crash, or be not yet on
    // disk. Keep it if it is there (its number and start time are its own), made durable on the
    // same connection; else create it again, synchronously.
    FrozenTrial record = created(id, r, flushed->results);
    if (kept_and_flushed(record, flushed->results.at(1).at(0).at(1))) return record;
    return created(id, std::move(r), write_batch(batch));
  }

  std::optional<FrozenTrial> create_trial_within(StudyId id, const NewTrial& t,
                                                 const TrialBudget& budget) override {
    // counts_toward (storage.hpp): a failed trial counts only with count_failed, and never once
    // it was retried (its retry holds the place).
    std::string counted = "t.state IN ('running', 'waiting', 'complete', 'pruned')";
    if (budget.count_failed)
      counted += fmt::format(
          " OR (t.state = 'failed' AND NOT EXISTS (SELECT 1 FROM trial_system_attrs a WHERE "
          "a.trial_id = t.trial_id AND a.key = '{}'))",
          keys::retried_by);
    Value started;
    const auto create = [&](bool asynchronous) {
      return write([&]() -> std::optional<FrozenTrial> {
        if (asynchronous) db_->query(kAsynchronousCommitSql);
        lock_study(id);
        const auto rows = db_->query(
            "SELECT COUNT(*) FROM trials t WHERE t.study_id = ? AND (" + counted + ")", {id});
        if (as_int(rows.at(0).at(0)) >= budget.n_trials) return std::nullopt;
        return create_in_transaction(id, t, &started);
      });
    };
    if (!postgres_) return create(false);
    // As create_trial: an asynchronous commit under the study's lock, then a synchronous no-op
    // commit of the new trial's row (see flushed_write), so that no writer waits for another's
    // flush while holding the study's lock.
    const uint64_t before = reconnects();
    auto record = create(true);
    if (!record) return record;  // the study is full: nothing written
    {
      std::lock_guard lock(mu_);
      flush_trial_row(record->id);
      if (db_->reconnects() == before) return record;
    }
    if (kept_and_flushed(*record, started)) return record;
    return create(false);  // lost by a server crash: again, synchronously
  }

  bool fail_trial(TrialId id, const std::string& reason, int max_retries) override {
    const uint64_t reconnects_before = reconnects();
    const bool failed = write([&] {
      const auto rows = db_->query("SELECT study_id FROM trials WHERE trial_id = ?", {id});
      if (rows.empty())
        throw NotFound(fmt::format("no trial with id {} in the {}", id, db_->describe()));
      const StudyId study = as_int(rows[0][0]);
      lock_study(study);
      reassert_in_transaction(id);  // the failed trial (and so its retry) keeps its parameters
      return fail_in_transaction(study, id, reason, max_retries, std::nullopt);
    });
    forget_pending_writes(id);
    if (failed || reconnects() == reconnects_before) return failed;
    // The connection was re-established during the call: a first attempt may have committed
    // before the connection dropped, and its rerun found the trial failed already. It was this
    // call's write if the trial holds exactly what this call writes.
    const FrozenTrial now = trial(id);
    return now.state == TrialState::Failed && now.fail_reason == detail::storable_text(reason);
  }

  std::optional<FrozenTrial> claim_waiting_trial(StudyId id, const std::string& worker,
                                                 bool heartbeat) override {
    const char* const oldest_waiting =
        "(SELECT trial_id FROM trials WHERE study_id = ? AND state = 'waiting' ORDER BY number "
        "LIMIT 1)";
    const auto results = write_batch({
        {lock_study_sql(), {id}},
        {fmt::format("UPDATE studies SET version = version + 1 WHERE study_id = ? AND EXISTS {}",
                     oldest_waiting),
         {id, id}},
        {fmt::format("UPDATE trials SET state = 'running', datetime_start = {0}, heartbeat = {1}, "
                     "worker = ?, version = (SELECT version FROM studies s WHERE s.study_id = "
                     "trials.study_id) WHERE trial_id = {2} RETURNING trial_id",
                     now_, heartbeat ? now_ : "NULL", oldest_waiting),
         {worker, id}},
    });
    if (results[0].empty())
      throw NotFound(fmt::format("no study with id {} in the {}", id, db_->describe()));
    if (results[2].empty()) return std::nullopt;
    const int64_t trial = as_int(results[2][0][0]);
    return read([&] { return load_trials("t.trial_id = ?", {trial}).at(0); });
  }

  void set_trial_param(TrialId id, const std::string& name, double internal,
                       const Distribution& d) override {
    write_running(id, "param:" + name,
                  {"INSERT INTO trial_params (trial_id, name, internal, distribution) SELECT "
                   "CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS DOUBLE PRECISION), CAST(? AS "
                   "TEXT) WHERE " +
                       running_sql() +
                       " ON CONFLICT (trial_id, name) DO UPDATE SET internal = excluded.internal, "
                       "distribution = excluded.distribution",
                   {id, name, internal, detail::dump_json(to_json(d)), id}},
                  " WHERE trial_params.internal IS DISTINCT FROM excluded.internal OR "
                  "trial_params.distribution IS DISTINCT FROM excluded.distribution");
  }

  void set_trial_intermediate_value(TrialId id, int64_t step, double value) override {
    write_running(
        id, "step:" + std::to_string(step),
        {"INSERT INTO trial_intermediate_values (trial_id, step, value) SELECT CAST(? AS "
         "BIGINT), CAST(? AS BIGINT), CAST(? AS DOUBLE PRECISION) WHERE " +
             running_sql() + " ON CONFLICT (trial_id, step) DO UPDATE SET value = excluded.value",
         {id, step, value, id}},
        " WHERE trial_intermediate_values.value IS DISTINCT FROM excluded.value");
  }

  void set_trial_constraints(TrialId id, const std::vector<double>& constraints) override {
    check_finite_constraints(constraints);
    const std::string json = vector_json(constraints);
    // The re-assertion compares first (an unchanged row is not written again).
    write_running(id, "constraints",
                  {"UPDATE trials SET constraints = CAST(? AS TEXT) WHERE trial_id = ? AND state "
                   "= 'running'",
                   {json, id}},
                  Statement{"UPDATE trials SET constraints = CAST(? AS TEXT) WHERE trial_id = ? "
                            "AND state = 'running' AND constraints IS DISTINCT FROM CAST(? AS "
                            "TEXT)",
                            {json, id, json}});
  }

  void set_trial_user_attr(TrialId id, const std::string& key,
                           const nlohmann::json& value) override {
    write_running(id, "user:" + key, trial_attr_upsert("trial_user_attrs", id, key, value),
                  " WHERE trial_user_attrs.value IS DISTINCT FROM excluded.value");
  }

  void set_trial_system_attr(TrialId id, const std::string& key,
                             const nlohmann::json& value) override {
    write_running(id, "system:" + key, trial_attr_upsert("trial_system_attrs", id, key, value),
                  " WHERE trial_system_attrs.value IS DISTINCT FROM excluded.value");
  }

  // One UPDATE of the trial's row, by the server's clock: no study lock, no version bump (so a
  // writer holding the study's row lock never holds heartbeats back), on a connection of its own
  // where the storage was given a way to open one.
  void record_heartbeat(TrialId id) override {
    std::unique_lock<std::mutex> lock;
    Connection& c = heartbeat_connection(lock);
    uint64_t& seen = &c == db_.get() ? db_reconnects_seen_ : heartbeat_reconnects_seen_;
    const auto asked = std::chrono::steady_clock::now();
    std::vector<Row> updated;
    try {
      // An asynchronous commit on PostgreSQL: a heartbeat a server crash loses is harmless (a
      // trial's age runs from the server's restart at the earliest, and the next beat follows).
      const Statement beat{"UPDATE trials SET heartbeat = " + now_ +
                               " WHERE trial_id = ? AND state = 'running' RETURNING trial_id",
                           {id}};
      updated = postgres_ ? c.pipeline({{kAsynchronousCommitSql, {}}, beat}).at(1)
                          : c.query(beat.sql, beat.params);
    } catch (const StorageError&) {
      saw_unavailable();
      throw;
    }
    observe(c, seen, asked);
    if (!updated.empty()) return;
    const auto rows = c.query("SELECT state, number FROM trials WHERE trial_id = ?", {id});
    if (rows.empty())
      throw NotFound(fmt::format("no trial with id {} in the {}", id, c.describe()));
    throw InvalidState(fmt::format("trial {} is {}, not running; it can no longer be changed",
                                   as_int(rows[0][1]), as_text(rows[0][0])));
  }

  bool finish_trial(TrialId id, TrialState state, const std::vector<double>& values,
                    const std::string& fail_reason) override {
    if (!is_finished(state))
      throw InvalidArgument(
          fmt::format("finish_trial needs a finished state, not {}", to_string(state)));
    const std::string reason = state == TrialState::Failed ? fail_reason : std::string();
    const uint64_t reconnects_before = reconnects();
    // The compare-and-set: the stamp moves the trial out of running, or changes nothing; with
    // it the writes to the trial that were committed asynchronously, re-asserted (a server crash
    // may have lost them). Durable when this returns (see flushed_write).
    std::vector<Statement> batch = {{bump_if_running_sql(), {id}}};
    for (auto& st : pending_writes(id)) batch.push_back(std::move(st));
    batch.push_back(
        {stamp_if_running_sql(
             "state = ?, trial_values = ?, fail_reason = ?, datetime_complete = " + now_ + ", "),
         {std::string(to_string(state)), vector_json(values), reason, id}});
    const auto flushed = flushed_write(batch, [&](const std::vector<std::vector<Row>>& results) {
      return results.back().empty() ? std::nullopt : std::optional<TrialId>(id);
    });
    if (flushed && !flushed->reconnected) {
      forget_pending_writes(id);
      if (!flushed->results.back().empty()) return true;
      trial(id);  // NotFound for an unknown trial
      return false;
    }
    // The connection was re-established meanwhile: the asynchronous commit may be lost. Again,
    // as one synchronous commit (a compare-and-set: it changes nothing if the first survived).
    const auto results = write_batch(batch);
    forget_pending_writes(id);
    if (!results.back().empty()) return true;
    const FrozenTrial now = trial(id);  // NotFound for an unknown trial
    if (reconnects() == reconnects_before) return false;
    // The driver re-sent the batch after re-establishing the connection: the first send may have
    // committed, and the re-sent one found the trial finished. It was this call's write if the
    // trial holds exactly the state, values and reason this call writes.
    return now.state == state && vector_json(now.values) == vector_json(values) &&
           now.fail_reason == detail::storable_text(reason);
  }

  std::vector<FrozenTrial> fail_stale_trials(StudyId id, double grace_seconds,
                                             int max_retries) override {
    // The server's time when the call starts, read before waiting for the study's lock: every
    // age is measured against it, so time spent waiting for the lock (a stalled database, a
    // long transaction of another client) never counts against a trial. And the common case,
    // nothing stale, in the same statement.
    double started = 0;
    {
      std::lock_guard lock(mu_);
      observe(*db_, db_reconnects_seen_, std::nullopt);
      const auto asked = std::chrono::steady_clock::now();
      std::vector<Row> rows;
      try {
        rows = db_->query(
            "SELECT n.t, (SELECT COUNT(*) FROM (SELECT 1 FROM trials WHERE study_id "
            "= ? AND state = 'running' AND heartbeat IS NOT NULL AND " +
                alive_since_ + " < n.t - ? LIMIT 1) x) FROM (SELECT " + now_ + " AS t) n",
            {id, grace_seconds});
      } catch (const StorageError&) {
        saw_unavailable();
        throw;
      }
      // A server that takes over a second to answer this was stalled; and one this storage saw
      // unavailable or stalled less than the grace period ago may have kept heartbeats from
      // landing: judge nothing (a call after the grace period will).
      observe(*db_, db_reconnects_seen_, asked);
      if (seconds_since_unavailable() < grace_seconds || as_int(rows.at(0).at(1)) == 0) return {};
      started = as_double(rows[0][0]);
    }
    const double cutoff = started - grace_seconds;
    return write([&] {
      lock_study(id);
      std::vector<FrozenTrial> failed;
      for (const auto& row : db_->query("SELECT trial_id, " + alive_since_ +
                                            ", worker FROM trials WHERE study_id = ? AND state = "
                                            "'running' AND heartbeat IS NOT NULL AND " +
                                            alive_since_ + " < ? ORDER BY number",
                                        {id, cutoff})) {
        const int64_t trial = as_int(row[0]);
        const std::string reason = fmt::format("no heartbeat for {:.1f} s from worker {}",
                                               started - as_double(row[1]), as_text(row[2]));
        reassert_in_transaction(trial);  // only a trial of this storage has any
        if (fail_in_transaction(id, trial, reason, max_retries, cutoff))
          failed.push_back(load_trials("t.trial_id = ?", {trial}).at(0));
      }
      return failed;
    });
  }

  FrozenTrial trial(TrialId id) override {
    return read([&] {
      auto trials = load_trials("t.trial_id = ?", {id});
      if (trials.empty())
        throw NotFound(fmt::format("no trial with id {} in the {}", id, db_->describe()));
      return trials[0];
    });
  }

  TrialsDelta trials_since(StudyId id, uint64_t version) override {
    std::lock_guard lock(mu_);
    // One round trip when nothing changed, two otherwise: the study's version and the trials
    // written after `version`, then the rows attached to those trials. No snapshot is needed:
    // the version is read first, so every write it counts is visible to the reads after it;
    // rows newer than it are only read again by the next call.
    //
    // PostgreSQL: a study's version can go back. Writes to running trials commit asynchronously
    // (write_running), and a crash of the server loses those whose WAL was not yet on disk, with
    // their version bumps; later writes then reuse those versions, and a reader that saw them
    // would skip the later writes for good. So a version returned here carries, in its high
    // bits, a tag of the connection it was read on (this storage object and the number of times
    // the connection was re-established): a crash ends every connection, so a version whose tag
    // is not the connection's current one is answered with every trial (a full read), as 0 is.
    uint64_t since = version;
    if (postgres_)
      since =
          version >> kVersionBits == version_tag(db_->reconnects()) ? version & kVersionMask : 0;
    const std::string filter = "t.study_id = ? AND t.version > ?";
    std::vector<Value> params = {id, static_cast<int64_t>(since)};
    auto first = db_->pipeline({
        {"SELECT version FROM studies WHERE study_id = ?", {id}},
        {trial_rows_sql(filter), params},
    });
    if (first.at(0).empty())
      throw NotFound(fmt::format("no study with id {} in the {}", id, db_->describe()));
    const uint64_t tag = postgres_ ? version_tag(db_->reconnects()) : 0;
    if (postgres_ && since != 0 && version >> kVersionBits != tag) {
      // The connection was re-established while reading: read everything.
      params[1] = int64_t{0};
      first = db_->pipeline({
          {"SELECT version FROM studies WHERE study_id = ?", {id}},
          {trial_rows_sql(filter), params},
      });
      if (first.at(0).empty())
        throw NotFound(fmt::format("no study with id {} in the {}", id, db_->describe()));
    }
    TrialsDelta delta;
    delta.version = tag << kVersionBits | static_cast<uint64_t>(as_int(first[0][0][0]));
    delta.trials = trials_of(first.at(1));
    if (!delta.trials.empty())
      attach(delta.trials, db_->pipeline(attachment_statements(delta.trials, filter, params)));
    return delta;
  }

 private:
  void migrate() {
    std::lock_guard lock(mu_);
    migrate_schema(*db_,
                   std::vector<std::string>(std::begin(kSchemaSqlite), std::end(kSchemaSqlite)),
                   kSchemaVersion, kMigrations);
  }

  // Runs f in a transaction (a write one, or a read snapshot), under the connection's lock;
  // commits its result, rolls back on any exception. When the connection drops
  // (ConnectionLost: the driver has already reconnected), the whole transaction runs again, up
  // to kTransactionAttempts times, unless the driver spent its whole retry time: f must start
  // from scratch each time. A rerun after a commit whose answer was lost finds the first run's
  // writes (see Storage's notes on retried writes).
  template <class F>
  std::invoke_result_t<F&> transaction(bool writes, F&& f) {
    for (int attempt = 1;; ++attempt) {
      std::lock_guard lock(mu_);
      try {
        writes ? db_->begin_write() : db_->begin_read();
        auto result = f();
        db_->commit();
        return result;
      } catch (const ConnectionLost& e) {
        rollback_quietly();
        if (attempt >= kTransactionAttempts || retry_time_spent(e)) throw;
      } catch (...) {
        rollback_quietly();
        throw;
      }
    }
  }
  // Rolls back after a failure without masking it (a lost connection cannot roll back; the
  // server does when the session ends).
  void rollback_quietly() noexcept {
    try {
      db_->rollback();
    } catch (...) {
    }
  }
  template <class F>
  std::invoke_result_t<F&> write(F&& f) {
    return transaction(true, std::forward<F>(f));
  }
  template <class F>
  std::invoke_result_t<F&> read(F&& f) {
    return transaction(false, std::forward<F>(f));
  }

  // One batch: bumps the study's version if the trial is running (on PostgreSQL this takes the
  // study's row lock, which serialises the study's writes as SQLite's BEGIN IMMEDIATE does, and
  // which every write to a trial's state takes first), runs `write` (it must change nothing
  // unless the trial is running), then stamps the trial with the version. The stamp's row tells
  // whether the trial was running: otherwise nothing changed and this throws NotFound or
  // InvalidState.
  //
  // On PostgreSQL the batch is an asynchronous commit (synchronous_commit off for this
  // transaction only): visible to every reader at once, durable once the WAL reaches disk, which
  // the next synchronous commit on any connection (at the latest the trial's finish_trial or
  // fail_trial), or the WAL writer within wal_writer_delay x 3, does. Only a crash of the server
  // (or of its host) in between loses it, so the write is also remembered under `key` in
  // pending_ and re-asserted (`reassert`: the same write, changing only a row that differs) in
  // the transaction that ends the trial: a trial recorded finished has every write made to it.
  // A trial with kMaxPendingWrites such writes remembered gets its next write as a synchronous
  // commit carrying all of them instead.
  void write_running(TrialId id, const std::string& key, Statement write,
                     const std::string& reassert_suffix) {
    Statement reassert{write.sql + reassert_suffix, write.params};
    write_running(id, key, std::move(write), std::move(reassert));
  }
  void write_running(TrialId id, const std::string& key, Statement write, Statement reassert) {
    std::vector<Statement> batch;
    bool asynchronous = postgres_;
    if (asynchronous) {
      std::lock_guard lock(pending_mu_);
      const auto it = pending_.find(id);
      if (it != pending_.end() && it->second.size() >= kMaxPendingWrites &&
          !it->second.contains(key)) {
        asynchronous = false;
        batch.push_back({bump_if_running_sql(), {id}});
        for (const auto& [k, st] : it->second) batch.push_back(st);
      }
    }
    if (asynchronous) batch.push_back({kAsynchronousCommitSql, {}});
    if (batch.empty() || asynchronous) batch.push_back({bump_if_running_sql(), {id}});
    batch.push_back(write);
    batch.push_back({stamp_if_running_sql(""), {id}});
    const bool running = !write_batch(batch).back().empty();
    if (postgres_) {
      std::lock_guard lock(pending_mu_);
      if (!running || !asynchronous) {
        pending_.erase(id);  // ended (nothing more to re-assert), or all of it durable now
      } else {
        pending_[id].insert_or_assign(key, std::move(reassert));
      }
    }
    if (!running) throw_not_running(id);
  }
  // The re-assertions of the writes to trial `id` committed asynchronously since it started
  // (write_running), for the transaction that ends it. Each changes nothing unless the trial is
  // still running and its row differs from what this storage wrote.
  std::vector<Statement> pending_writes(TrialId id) {
    std::lock_guard lock(pending_mu_);
    std::vector<Statement> out;
    if (const auto it = pending_.find(id); it != pending_.end())
      for (const auto& [k, st] : it->second) out.push_back(st);
    return out;
  }
  void forget_pending_writes(TrialId id) {
    std::lock_guard lock(pending_mu_);
    pending_.erase(id);
  }

  static std::string bump_if_running_sql() {
    return "UPDATE studies SET version = version + 1 WHERE study_id = (SELECT study_id FROM "
           "trials WHERE trial_id = ? AND state = 'running')";
  }
  // Stamps a running trial with its study's version (and sets `assignments`, "col = ?, ...").
  static std::string stamp_if_running_sql(const std::string& assignments) {
    return "UPDATE trials SET " + assignments +
           "version = (SELECT version FROM studies s WHERE s.study_id = trials.study_id) WHERE "
           "trial_id = ? AND state = 'running' RETURNING trial_id";
  }
  // After a write found the trial not running: why.
  [[noreturn]] void throw_not_running(TrialId id) {
    std::lock_guard lock(mu_);
    const auto rows = db_->query("SELECT state, number FROM trials WHERE trial_id = ?", {id});
    if (rows.empty())
      throw NotFound(fmt::format("no trial with id {} in the {}", id, db_->describe()));
    throw InvalidState(fmt::format("trial {} is {}, not running; it can no longer be changed",
                                   as_int(rows[0][1]), as_text(rows[0][0])));
  }

  static std::string running_sql() {
    return "EXISTS (SELECT 1 FROM trials WHERE trial_id = ? AND state = 'running')";
  }
  std::string lock_study_sql() const {
    return postgres_ ? "SELECT study_id FROM studies WHERE study_id = ? FOR UPDATE"
                     : "SELECT study_id FROM studies WHERE study_id = ?";
  }
  static Statement trial_attr_upsert(const char* table, TrialId id, const std::string& key,
                                     const nlohmann::json& value) {
    return {fmt::format("INSERT INTO {} (trial_id, key, value) SELECT CAST(? AS BIGINT), "
                        "CAST(? AS TEXT), CAST(? AS TEXT) WHERE {} ON CONFLICT (trial_id, key) "
                        "DO UPDATE SET value = excluded.value",
                        table, running_sql()),
            {id, key, detail::dump_json(value), id}};
  }

  std::vector<std::vector<Row>> write_batch(const std::vector<Statement>& statements) {
    std::lock_guard lock(mu_);
    return db_->write_batch(statements);
  }

  uint64_t reconnects() {
    std::lock_guard lock(mu_);
    return db_->reconnects();
  }

  // The statements that create trial `r` (make_new_trial_record) in study `id`: the study's
  // counters (its row stays locked until the transaction commits), the trial numbered from them
  // with the server's time as its start and first heartbeat, and its attributes.
  std::vector<Statement> create_statements(StudyId id, const FrozenTrial& r) const {
    const bool running = r.state == TrialState::Running;
    std::vector<Statement> batch = {
        {"UPDATE studies SET n_trials = n_trials + 1, version = version + 1 WHERE study_id = ? "
         "RETURNING n_trials",
         {id}},
        {fmt::format("INSERT INTO trials (study_id, number, state, datetime_start, heartbeat, "
                     "worker, version) SELECT study_id, n_trials - 1, CAST(? AS TEXT), {}, {}, "
                     "CAST(? AS TEXT), version FROM studies WHERE study_id = ? RETURNING "
                     "trial_id, datetime_start, heartbeat",
                     running ? now_ : "CAST(NULL AS DOUBLE PRECISION)",
                     running && r.last_heartbeat ? now_ : "CAST(NULL AS DOUBLE PRECISION)"),
         {std::string(to_string(r.state)), r.worker, id}},
    };
    const char* const attr_insert =
        "INSERT INTO {} (trial_id, key, value) SELECT trial_id, CAST(? AS TEXT), CAST(? AS TEXT) "
        "FROM trials WHERE study_id = ? AND number = (SELECT n_trials - 1 FROM studies WHERE "
        "study_id = ?)";
    for (const auto& [k, v] : r.user_attrs.items())
      batch.push_back({fmt::format(fmt::runtime(attr_insert), "trial_user_attrs"),
                       {k, detail::dump_json(v), id, id}});
    for (const auto& [k, v] : r.system_attrs.items())
      batch.push_back({fmt::format(fmt::runtime(attr_insert), "trial_system_attrs"),
                       {k, detail::dump_json(v), id, id}});
    return batch;
  }

  // The tag trials_since puts in the high bits of the versions it returns: this storage
  // object's and its connection's (re-established `generation` times), in 1 .. 2^23 - 1.
  uint64_t version_tag(uint64_t generation) const {
    uint64_t z = version_nonce_ + generation * 0x9e3779b97f4a7c15ULL;  // splitmix64
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return 1 + z % ((uint64_t{1} << (63 - kVersionBits)) - 1);
  }

  // The record of a trial created by create_statements, from their results.
  FrozenTrial created(StudyId id, FrozenTrial r, const std::vector<std::vector<Row>>& results) {
    if (results.at(0).empty())
      throw NotFound(fmt::format("no study with id {} in the {}", id, db_->describe()));
    r.number = as_int(results[0][0][0]) - 1;
    const Row& row = results.at(1).at(0);
    r.id = as_int(row.at(0));
    r.datetime_start = optional_time(row.at(1));
    r.last_heartbeat = optional_time(row.at(2));
    return r;
  }

  // Inside a write transaction: creates a trial as create_trial does.
  // `started`, if given, gets the trial's start time as stored (for kept_and_flushed).
  FrozenTrial create_in_transaction(StudyId id, const NewTrial& t, Value* started = nullptr) {
    FrozenTrial r = make_new_trial_record(t, -1);
    std::vector<std::vector<Row>> results;
    for (const auto& st : create_statements(id, r))
      results.push_back(db_->query(st.sql, st.params));
    FrozenTrial record = created(id, std::move(r), results);
    if (started) *started = results.at(1).at(0).at(1);
    return record;
  }

  // PostgreSQL: runs `batch` (a write of one trial) as an asynchronous commit, then, if it wrote
  // (`written`, from its results, names the trial), a synchronous commit of an update of that
  // trial's own row that changes nothing; its WAL flush makes the batch durable, since the
  // batch's commit precedes it in the WAL. So the study's row lock, which the batch takes, is not
  // held while the server waits for the disk: a study's writers wait for each other's CPU work
  // only, and their flushes are grouped. Returns the batch's results and whether the connection
  // was re-established meanwhile (then a server crash may have lost the batch: the caller checks,
  // or writes again synchronously); nullopt on SQLite (run the batch as it is).
  struct Flushed {
    std::vector<std::vector<Row>> results;
    bool reconnected = false;
  };
  std::optional<Flushed> flushed_write(
      const std::vector<Statement>& batch,
      const std::function<std::optional<TrialId>(const std::vector<std::vector<Row>>&)>& written) {
    if (!postgres_) return std::nullopt;
    std::vector<Statement> asynchronous = {{kAsynchronousCommitSql, {}}};
    asynchronous.insert(asynchronous.end(), batch.begin(), batch.end());
    std::lock_guard lock(mu_);
    const uint64_t before = db_->reconnects();
    auto results = db_->write_batch(asynchronous);
    results.erase(results.begin());
    if (const auto trial = written(results)) flush_trial_row(*trial);
    return Flushed{std::move(results), db_->reconnects() != before};
  }
  // After a reconnect during the creation of `record` (an asynchronous commit): whether the
  // trial is still there (its id, number and start time `started`, the server's value as
  // stored, are its own), then made durable on the same connection. False when a server crash
  // lost it (create it again).
  bool kept_and_flushed(const FrozenTrial& record, const Value& started) {
    for (int attempt = 0; attempt < kTransactionAttempts; ++attempt) {
      std::lock_guard lock(mu_);
      const uint64_t before = db_->reconnects();
      if (db_->query("SELECT 1 FROM trials WHERE trial_id = ? AND number = ? AND datetime_start "
                     "IS NOT DISTINCT FROM CAST(? AS DOUBLE PRECISION)",
                     {record.id, record.number, started})
              .empty())
        return false;
      flush_trial_row(record.id);
      if (db_->reconnects() == before) return true;
    }
    return false;
  }

  // A synchronous commit that changes nothing (under mu_): durable when it returns, and with it
  // everything the connection committed before.
  void flush_trial_row(TrialId id) {
    db_->query("UPDATE trials SET datetime_start = datetime_start WHERE trial_id = ?", {id});
  }

  // Inside a write transaction: re-asserts the writes to trial `id` that this storage committed
  // asynchronously (write_running), before the transaction ends the trial.
  void reassert_in_transaction(TrialId id) {
    for (const auto& st : pending_writes(id)) db_->query(st.sql, st.params);
  }

  // Inside a write transaction holding study's lock: fails the trial if it is running (and, with
  // `cutoff`, its heartbeat is older than it: a heartbeat that committed since the caller looked
  // keeps the trial alive), enqueues its retry while its retry_count is below max_retries and
  // marks it retried_by the retry's number. False, changing nothing, when the trial was not
  // failed.
  bool fail_in_transaction(StudyId study, TrialId id, const std::string& reason, int max_retries,
                           std::optional<double> cutoff) {
    std::vector<Value> params = {reason, id};
    if (cutoff) params.push_back(*cutoff);
    if (db_->query("UPDATE trials SET state = 'failed', trial_values = '[]', fail_reason = ?, "
                   "datetime_complete = " +
                       now_ + " WHERE trial_id = ? AND state = 'running'" +
                       (cutoff ? " AND heartbeat IS NOT NULL AND " + alive_since_ + " < ?"
                               : std::string()) +
                       " RETURNING trial_id",
                   params)
            .empty())
      return false;
    const FrozenTrial failed = load_trials("t.trial_id = ?", {id}).at(0);
    if (failed.system_attrs.value(keys::retry_count, 0) < max_retries) {
      const FrozenTrial retry = create_in_transaction(study, make_retry(failed));
      upsert_attr("trial_system_attrs", "trial_id", id, keys::retried_by, retry.number);
    }
    // Stamped last, so the failed trial's version is newer than its retry's.
    db_->query("UPDATE trials SET version = ? WHERE trial_id = ?", {bump(study), id});
    return true;
  }

  // The connection heartbeats go through: one of their own, opened on first use (if that fails,
  // the main one), so a statement of this process that waits for a lock never holds them back.
  Connection& heartbeat_connection(std::unique_lock<std::mutex>& lock) {
    if (open_another_) {
      lock = std::unique_lock(heartbeat_mu_);
      if (!heartbeat_db_ && !heartbeat_unavailable_) {
        try {
          auto c = open_another_();
          // The same database as the main connection, or none (DatabaseReplaced, caught below:
          // the heartbeats share the main connection, which checks its own identity).
          c->pin_identity(kDatabaseTokenSql, identity_);
          heartbeat_db_ = std::move(c);
          heartbeat_reconnects_seen_ = heartbeat_db_->reconnects();
        } catch (const StorageError&) {
          heartbeat_unavailable_ = true;  // e.g. the server's connection limit: share the main one
        }
      }
      if (heartbeat_db_) return *heartbeat_db_;
      lock.unlock();
    }
    lock = std::unique_lock(mu_);
    return *db_;
  }

  // Remembers that the database was unavailable or stalled now.
  void saw_unavailable() {
    std::lock_guard lock(health_mu_);
    unavailable_at_ = std::chrono::steady_clock::now();
  }
  // After a round trip on `c` that started at `asked` (nullopt: none, only the count): notes a
  // reconnect (its count moved since `seen`, which the caller guards with c's lock) or a round
  // trip over kStalledSeconds.
  void observe(Connection& c, uint64_t& seen,
               std::optional<std::chrono::steady_clock::time_point> asked) {
    const uint64_t now = c.reconnects();
    const bool reconnected = now != seen;
    seen = now;
    if (reconnected ||
        (asked && std::chrono::duration<double>(std::chrono::steady_clock::now() - *asked).count() >
                      kStalledSeconds))
      saw_unavailable();
  }
  // Seconds since this storage last saw the database unavailable or stalled (infinity: never).
  double seconds_since_unavailable() {
    std::lock_guard lock(health_mu_);
    if (!unavailable_at_) return std::numeric_limits<double>::infinity();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - *unavailable_at_)
        .count();
  }

  int64_t bump(StudyId study) {
    const auto rows = db_->query(
        "UPDATE studies SET version = version + 1 WHERE study_id = ? RETURNING version", {study});
    if (rows.empty())
      throw NotFound(fmt::format("no study with id {} in the {}", study, db_->describe()));
    return as_int(rows[0][0]);
  }

  // Sets key = value in one of the four attribute tables (names are constants of this file;
  // the values are bound parameters).
  void upsert_attr(const char* table, const char* owner, int64_t owner_id, const std::string& key,
                   const nlohmann::json& value) {
    db_->query(
        fmt::format("INSERT INTO {0} ({1}, key, value) VALUES (?, ?, ?) ON CONFLICT ({1}, key) "
                    "DO UPDATE SET value = excluded.value",
                    table, owner),
        {owner_id, key, detail::dump_json(value)});
  }

  void require_study(StudyId id) {
    if (db_->query("SELECT 1 FROM studies WHERE study_id = ?", {id}).empty())
      throw NotFound(fmt::format("no study with id {} in the {}", id, db_->describe()));
  }

  std::vector<StudyInfo> load_studies(const std::string& where, const std::vector<Value>& params) {
    std::vector<StudyInfo> out;
    for (const auto& row :
         db_->query("SELECT study_id, name, directions, datetime_created, n_trials FROM studies " +
                        where + " ORDER BY study_id",
                    params)) {
      StudyInfo info;
      info.id = as_int(row[0]);
      info.name = as_text(row[1]);
      for (const auto& d : nlohmann::json::parse(as_text(row[2])))
        info.directions.push_back(direction_from_string(d.get<std::string>()));
      info.datetime_created = from_seconds(as_double(row[3]));
      info.n_trials = as_int(row[4]);
      for (const auto& a :
           db_->query("SELECT key, value FROM study_user_attrs WHERE study_id = ?", {info.id}))
        info.user_attrs[as_text(a[0])] = parse_stored(as_text(a[1]), [&] {
          return fmt::format("study '{}': user attribute '{}'", info.name, as_text(a[0]));
        });
      for (const auto& a :
           db_->query("SELECT key, value FROM study_system_attrs WHERE study_id = ?", {info.id}))
        info.system_attrs[as_text(a[0])] = parse_stored(as_text(a[1]), [&] {
          return fmt::format("study '{}': system attribute '{}'", info.name, as_text(a[0]));
        });
      out.push_back(std::move(info));
    }
    return out;
  }

  // The trials matching `filter` (over `trials t`), by number, with everything attached.
  std::vector<FrozenTrial> load_trials(const std::string& filter,
                                       const std::vector<Value>& params) {
    auto trials = trials_of(db_->query(trial_rows_sql(filter), params));
    if (trials.empty()) return trials;
    const auto statements = attachment_statements(trials, filter, params);
    std::vector<std::vector<Row>> rows;
    for (const auto& st : statements) rows.push_back(db_->query(st.sql, st.params));
    attach(trials, rows);
    return trials;
  }

  static std::string trial_rows_sql(const std::string& filter) {
    return "SELECT t.trial_id, t.number, t.state, t.trial_values, t.constraints, "
           "t.datetime_start, t.datetime_complete, t.heartbeat, t.worker, t.fail_reason FROM "
           "trials t WHERE " +
           filter + " ORDER BY t.number";
  }

  static std::vector<FrozenTrial> trials_of(const std::vector<Row>& rows) {
    std::vector<FrozenTrial> trials;
    trials.reserve(rows.size());
    for (const auto& row : rows) {
      FrozenTrial r;
      r.id = as_int(row[0]);
      r.number = as_int(row[1]);
      r.state = trial_state_from_string(as_text(row[2]));
      r.values = json_vector(row[3]);
      r.constraints = json_vector(row[4]);
      r.datetime_start = optional_time(row[5]);
      r.datetime_complete = optional_time(row[6]);
      r.last_heartbeat = optional_time(row[7]);
      r.worker = as_text(row[8]);
      r.fail_reason = as_text(row[9]);
      trials.push_back(std::move(r));
    }
    return trials;
  }

  // The four queries of the rows attached to `trials` (params, intermediate values, user and
  // system attributes): for a few trials (a delta) by their ids, which the primary keys find
  // directly; otherwise by the same filter. (A generic plan for "version > ?" would otherwise
  // scan the whole attachment tables of a large database on every refresh.)
  static std::vector<Statement> attachment_statements(const std::vector<FrozenTrial>& trials,
                                                      const std::string& filter,
                                                      const std::vector<Value>& params) {
    std::string where;
    std::vector<Value> where_params;
    if (trials.size() <= 16) {
      where = " WHERE x.trial_id IN (";
      for (size_t i = 0; i < trials.size(); ++i) {
        where += i ? ", ?" : "?";
        where_params.push_back(trials[i].id);
      }
      where += ")";
    } else {
      where = " JOIN trials t ON t.trial_id = x.trial_id WHERE " + filter;
      where_params = params;
    }
    return {
        {"SELECT x.trial_id, x.name, x.internal, x.distribution FROM trial_params x" + where,
         where_params},
        {"SELECT x.trial_id, x.step, x.value FROM trial_intermediate_values x" + where,
         where_params},
        {"SELECT x.trial_id, x.key, x.value FROM trial_user_attrs x" + where, where_params},
        {"SELECT x.trial_id, x.key, x.value FROM trial_system_attrs x" + where, where_params},
    };
  }

  // Applies the results of attachment_statements. Rows of trials not in `trials` (written
  // between the two reads of trials_since) are left for the next read.
  static void attach(std::vector<FrozenTrial>& trials, const std::vector<std::vector<Row>>& rows) {
    std::unordered_map<int64_t, FrozenTrial*> index;
    for (auto& t : trials) index[t.id] = &t;
    const auto find = [&](const Value& id) -> FrozenTrial* {
      auto it = index.find(as_int(id));
      return it == index.end() ? nullptr : it->second;
    };
    for (const auto& row : rows.at(0)) {
      if (FrozenTrial* r = find(row[0])) {
        const std::string& name = as_text(row[1]);
        Distribution d = distribution_from_json(nlohmann::json::parse(as_text(row[3])));
        r->params[name] = to_external(d, as_double(row[2]));
        r->distributions[name] = std::move(d);
      }
    }
    for (const auto& row : rows.at(1))
      if (FrozenTrial* r = find(row[0])) r->intermediate_values[as_int(row[1])] = as_double(row[2]);
    for (const auto& row : rows.at(2))
      if (FrozenTrial* r = find(row[0]))
        r->user_attrs[as_text(row[1])] = parse_stored(as_text(row[2]), [&] {
          return fmt::format("trial {}'s user attribute '{}'", r->number, as_text(row[1]));
        });
    for (const auto& row : rows.at(3))
      if (FrozenTrial* r = find(row[0]))
        r->system_attrs[as_text(row[1])] = parse_stored(as_text(row[2]), [&] {
          return fmt::format("trial {}'s system attribute '{}'", r->number, as_text(row[1]));
        });
  }

  // PostgreSQL: serialises the writes to one study on its row, as SQLite's BEGIN IMMEDIATE
  // serialises all writes. Throws NotFound for an unknown study.
  void lock_study(StudyId id) {
    if (db_->query(lock_study_sql(), {id}).empty())
      throw NotFound(fmt::format("no study with id {} in the {}", id, db_->describe()));
  }

  std::mutex mu_;  // one connection, used by one thread at a time
  std::unique_ptr<Connection> db_;
  bool postgres_;
  std::string now_;          // now_sql
  std::string alive_since_;  // alive_since_sql
  ConnectionFactory open_another_;
  std::string identity_;         // the main connection's pinned identity ("" on SQLite)
  uint64_t db_reconnects_seen_;  // db_->reconnects() when last looked at; guarded by mu_
  std::mutex heartbeat_mu_;      // guards the four below
  std::unique_ptr<Connection> heartbeat_db_;
  bool heartbeat_unavailable_ = false;
  uint64_t heartbeat_reconnects_seen_ = 0;
  // Writes to running trials committed asynchronously and not yet re-asserted by the
  // transaction that ends their trial, by trial and key (write_running); PostgreSQL only.
  const uint64_t version_nonce_ = std::random_device{}() * 0x100000001ULL ^ std::random_device{}();
  std::mutex pending_mu_;  // guards pending_; never held while waiting for mu_
  std::unordered_map<TrialId, std::map<std::string, Statement>> pending_;
  std::mutex health_mu_;  // guards unavailable_at_
  // When this storage last saw the database unavailable (an error, a reconnect) or stalled (a
  // round trip over kStalledSeconds); fail_stale_trials judges nothing for grace_seconds after.
  std::optional<std::chrono::steady_clock::time_point> unavailable_at_{};
};

}  // namespace

const char* const kDatabaseTokenSql = "SELECT value FROM parzen_meta WHERE key = 'database_token'";

void migrate_schema(Connection& db, const std::vector<std::string>& create, int64_t latest,
                    const std::vector<Migration>& steps) {
  const bool postgres = db.dialect() == "postgresql";
  const auto ddl = [&](const std::string& sql) { return postgres ? postgres_ddl(sql) : sql; };
  db.begin_write();
  try {
    if (postgres) db.query("SELECT pg_advisory_xact_lock(7407160)");
    db.query("CREATE TABLE IF NOT EXISTS parzen_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const auto rows = db.query("SELECT value FROM parzen_meta WHERE key = 'schema_version'");
    if (rows.empty()) {
      for (const auto& statement : create) db.query(ddl(statement));
      db.query("INSERT INTO parzen_meta (key, value) VALUES ('schema_version', ?)",
               {std::to_string(latest)});
    } else {
      int64_t version = std::stoll(as_text(rows[0][0]));
      if (version > latest)
        throw StorageError(
            fmt::format("the {} has schema version {}, newer than this parzen understands ({}); "
                        "upgrade parzen",
                        db.describe(), version, latest));
      const int64_t found = version;
      for (; version < latest; ++version) {
        auto step = std::find_if(steps.begin(), steps.end(),
                                 [&](const Migration& m) { return m.from == version; });
        if (step == steps.end())
          throw StorageError(fmt::format(
              "the {} has schema version {} and this parzen has no migration from it to {}",
              db.describe(), version, version + 1));
        try {
          for (const auto& statement : step->statements) db.query(ddl(statement));
        } catch (const Error& e) {
          throw StorageError(fmt::format(
              "migrating the {} from schema version {} to {} failed at version {}: {}; the "
              "database is unchanged",
              db.describe(), found, latest, version, e.what()));
        }
        db.query("UPDATE parzen_meta SET value = ? WHERE key = 'schema_version'",
                 {std::to_string(version + 1)});
      }
    }
    // PostgreSQL: a random token names this database for good; a connection checks it after
    // each reconnect (Connection::pin_identity), so that another database answering at the same
    // address is never written to. Databases made before the token get one on their next open.
    if (postgres && db.query(kDatabaseTokenSql).empty()) {
      std::random_device rd;
      db.query("INSERT INTO parzen_meta (key, value) VALUES ('database_token', ?)",
               {fmt::format("{:08x}{:08x}{:08x}{:08x}", rd(), rd(), rd(), rd())});
    }
    db.commit();
  } catch (...) {
    db.rollback();
    throw;
  }
}

std::shared_ptr<Storage> make_rdb_storage(std::unique_ptr<Connection> connection,
                                          ConnectionFactory open_another) {
  return std::make_shared<RdbStorage>(std::move(connection), std::move(open_another));
}

}  // namespace parzen::rdb
