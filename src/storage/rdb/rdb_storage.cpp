// The relational storage: the SQL logic of every Storage operation, written once over the thin
// drivers of driver.hpp. Each write is one transaction that also bumps the study's version and
// stamps the trial with it, so readers can ask for what changed since a version.

#include "storage/rdb/rdb_storage.hpp"

#include <chrono>
#include <mutex>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>

#include "parzen/error.hpp"

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

double to_seconds(Clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

Clock::time_point from_seconds(double s) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)));
}

std::optional<Clock::time_point> optional_time(const Value& v) {
  if (is_null(v)) return std::nullopt;
  return from_seconds(as_double(v));
}

Value optional_seconds(const std::optional<Clock::time_point>& t) {
  if (!t) return std::monostate{};
  return to_seconds(*t);
}

std::string vector_json(const std::vector<double>& v) { return nlohmann::json(v).dump(); }

std::vector<double> json_vector(const Value& v) {
  if (is_null(v)) return {};
  return nlohmann::json::parse(as_text(v)).get<std::vector<double>>();
}

class RdbStorage final : public Storage {
 public:
  explicit RdbStorage(std::unique_ptr<Connection> c)
      : db_(std::move(c)), postgres_(db_->dialect() == "postgresql") {
    migrate();
  }

  StudyId create_study(const std::string& name, const std::vector<Direction>& directions) override {
    if (name.empty()) throw InvalidArgument("a study needs a non-empty name");
    if (directions.empty())
      throw InvalidArgument(fmt::format("study '{}' needs at least one direction", name));
    nlohmann::json dirs = nlohmann::json::array();
    for (Direction d : directions) dirs.push_back(to_string(d));
    return write([&] {
      if (!db_->query("SELECT study_id FROM studies WHERE name = ?", {name}).empty())
        throw DuplicatedStudy(fmt::format("a study named '{}' already exists", name));
      const auto rows = db_->query(
          "INSERT INTO studies (name, directions, datetime_created) VALUES (?, ?, ?) RETURNING "
          "study_id",
          {name, dirs.dump(), to_seconds(Clock::now())});
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
          {id, key, value.dump()});
      return db_->changes() == 1;
    });
  }

  FrozenTrial create_trial(StudyId id, const NewTrial& t) override {
    FrozenTrial r = make_new_trial_record(t, -1);  // the number comes from the study's counter
    return write([&] {
      const auto counters = db_->query(
          "UPDATE studies SET n_trials = n_trials + 1, version = version + 1 WHERE study_id = ? "
          "RETURNING n_trials, version",
          {id});
      if (counters.empty())
        throw NotFound(fmt::format("no study with id {} in the {}", id, db_->describe()));
      r.number = as_int(counters[0][0]) - 1;
      const auto inserted = db_->query(
          "INSERT INTO trials (study_id, number, state, datetime_start, heartbeat, worker, "
          "version) "
          "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING trial_id",
          {id, r.number, std::string(to_string(r.state)), optional_seconds(r.datetime_start),
           optional_seconds(r.last_heartbeat), r.worker, as_int(counters[0][1])});
      r.id = as_int(inserted.at(0).at(0));
      for (const auto& [k, v] : r.user_attrs.items())
        db_->query("INSERT INTO trial_user_attrs (trial_id, key, value) VALUES (?, ?, ?)",
                   {r.id, k, v.dump()});
      for (const auto& [k, v] : r.system_attrs.items())
        db_->query("INSERT INTO trial_system_attrs (trial_id, key, value) VALUES (?, ?, ?)",
                   {r.id, k, v.dump()});
      return r;
    });
  }

  std::optional<FrozenTrial> claim_waiting_trial(StudyId id, const std::string& worker) override {
    return write([&]() -> std::optional<FrozenTrial> {
      lock_study(id);
      const auto rows = db_->query(
          "SELECT trial_id FROM trials WHERE study_id = ? AND state = 'waiting' ORDER BY number "
          "LIMIT 1",
          {id});
      if (rows.empty()) return std::nullopt;
      const int64_t trial = as_int(rows[0][0]);
      const double now = to_seconds(Clock::now());
      const int64_t version = bump(id);
      db_->query(
          "UPDATE trials SET state = 'running', datetime_start = ?, heartbeat = ?, worker = ?, "
          "version = ? "
          "WHERE trial_id = ?",
          {now, now, worker, version, trial});
      return load_trials("t.trial_id = ?", {trial}).at(0);
    });
  }

  void set_trial_param(TrialId id, const std::string& name, double internal,
                       const Distribution& d) override {
    write_running(id, [&] {
      db_->query(
          "INSERT INTO trial_params (trial_id, name, internal, distribution) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (trial_id, name) DO UPDATE SET internal = excluded.internal, "
          "distribution = excluded.distribution",
          {id, name, internal, to_json(d).dump()});
    });
  }

  void set_trial_intermediate_value(TrialId id, int64_t step, double value) override {
    write_running(id, [&] {
      db_->query(
          "INSERT INTO trial_intermediate_values (trial_id, step, value) VALUES (?, ?, ?) "
          "ON CONFLICT (trial_id, step) DO UPDATE SET value = excluded.value",
          {id, step, value});
    });
  }

  void set_trial_constraints(TrialId id, const std::vector<double>& constraints) override {
    write_running(id, [&] {
      db_->query("UPDATE trials SET constraints = ? WHERE trial_id = ?",
                 {vector_json(constraints), id});
    });
  }

  void set_trial_user_attr(TrialId id, const std::string& key,
                           const nlohmann::json& value) override {
    write_running(id, [&] { upsert_attr("trial_user_attrs", "trial_id", id, key, value); });
  }

  void set_trial_system_attr(TrialId id, const std::string& key,
                             const nlohmann::json& value) override {
    write_running(id, [&] { upsert_attr("trial_system_attrs", "trial_id", id, key, value); });
  }

  void record_heartbeat(TrialId id) override {
    write_running(id, [&] {
      db_->query("UPDATE trials SET heartbeat = ? WHERE trial_id = ?",
                 {to_seconds(Clock::now()), id});
    });
  }

  bool finish_trial(TrialId id, TrialState state, const std::vector<double>& values,
                    const std::string& fail_reason) override {
    if (!is_finished(state))
      throw InvalidArgument(
          fmt::format("finish_trial needs a finished state, not {}", to_string(state)));
    return write([&] {
      const auto rows =
          db_->query(postgres_ ? "SELECT t.study_id, t.state FROM trials t JOIN studies s ON "
                                 "s.study_id = t.study_id WHERE t.trial_id = ? FOR UPDATE OF s"
                               : "SELECT study_id, state FROM trials WHERE trial_id = ?",
                     {id});
      if (rows.empty())
        throw NotFound(fmt::format("no trial with id {} in the {}", id, db_->describe()));
      if (as_text(rows[0][1]) != "running") return false;
      const int64_t version = bump(as_int(rows[0][0]));
      db_->query(
          "UPDATE trials SET state = ?, trial_values = ?, fail_reason = ?, datetime_complete = ?, "
          "version = ? WHERE trial_id = ?",
          {std::string(to_string(state)), vector_json(values),
           state == TrialState::Failed ? fail_reason : std::string(), to_seconds(Clock::now()),
           version, id});
      return true;
    });
  }

  std::vector<FrozenTrial> fail_stale_trials(StudyId id, double grace_seconds) override {
    return write([&] {
      lock_study(id);
      const double now = to_seconds(Clock::now());
      std::vector<FrozenTrial> failed;
      for (const auto& row :
           db_->query("SELECT trial_id, heartbeat, worker FROM trials WHERE study_id = ? AND "
                      "state = 'running' AND heartbeat < ? ORDER BY number",
                      {id, now - grace_seconds})) {
        const int64_t trial = as_int(row[0]);
        const std::string reason = fmt::format("no heartbeat for {:.1f} s from worker {}",
                                               now - as_double(row[1]), as_text(row[2]));
        db_->query(
            "UPDATE trials SET state = 'failed', trial_values = '[]', fail_reason = ?, "
            "datetime_complete = ?, version = ? WHERE trial_id = ?",
            {reason, now, bump(id), trial});
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
    {
      // The common case, nothing new: one statement, no transaction.
      std::lock_guard lock(mu_);
      const auto v = db_->query("SELECT version FROM studies WHERE study_id = ?", {id});
      if (v.empty())
        throw NotFound(fmt::format("no study with id {} in the {}", id, db_->describe()));
      if (static_cast<uint64_t>(as_int(v[0][0])) == version) return TrialsDelta{{}, version};
    }
    return read([&] {
      const auto v = db_->query("SELECT version FROM studies WHERE study_id = ?", {id});
      if (v.empty())
        throw NotFound(fmt::format("no study with id {} in the {}", id, db_->describe()));
      TrialsDelta delta;
      delta.version = static_cast<uint64_t>(as_int(v[0][0]));
      if (delta.version > version)
        delta.trials =
            load_trials("t.study_id = ? AND t.version > ?", {id, static_cast<int64_t>(version)});
      return delta;
    });
  }

 private:
  void migrate() {
    write([&] {
      // Workers starting together on an empty PostgreSQL database create the schema once.
      if (postgres_) db_->query("SELECT pg_advisory_xact_lock(7407160)");
      db_->query(
          "CREATE TABLE IF NOT EXISTS parzen_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      const auto rows = db_->query("SELECT value FROM parzen_meta WHERE key = 'schema_version'");
      if (rows.empty()) {
        for (const char* ddl : kSchemaSqlite)
          db_->query(postgres_ ? postgres_ddl(ddl) : std::string(ddl));
        db_->query("INSERT INTO parzen_meta (key, value) VALUES ('schema_version', ?)",
                   {std::to_string(kSchemaVersion)});
      } else {
        const int64_t found = std::stoll(as_text(rows[0][0]));
        if (found > kSchemaVersion)
          throw StorageError(
              fmt::format("the {} has schema version {}, newer than this parzen understands ({}); "
                          "upgrade parzen",
                          db_->describe(), found, kSchemaVersion));
        // Older versions would be migrated here, one step at a time; version 1 is the first.
      }
      return 0;
    });
  }

  // Runs f in a transaction (a write one, or a read snapshot), under the connection's lock;
  // commits its result, rolls back on any exception.
  template <class F>
  std::invoke_result_t<F&> transaction(bool writes, F&& f) {
    std::lock_guard lock(mu_);
    writes ? db_->begin_write() : db_->begin_read();
    try {
      auto result = f();
      db_->commit();
      return result;
    } catch (...) {
      db_->rollback();
      throw;
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

  // In a write transaction: throws unless the trial exists and is running, runs `f`, then bumps
  // the study's version onto the trial.
  template <class F>
  void write_running(TrialId id, F&& f) {
    write([&] {
      // One round trip: the trial's state, and (PostgreSQL) the lock on its study's row.
      const auto rows = db_->query(
          postgres_ ? "SELECT t.study_id, t.state, t.number FROM trials t JOIN studies s ON "
                      "s.study_id = t.study_id WHERE t.trial_id = ? FOR UPDATE OF s"
                    : "SELECT study_id, state, number FROM trials WHERE trial_id = ?",
          {id});
      if (rows.empty())
        throw NotFound(fmt::format("no trial with id {} in the {}", id, db_->describe()));
      if (as_text(rows.at(0)[1]) != "running")
        throw InvalidState(fmt::format("trial {} is {}, not running; it can no longer be changed",
                                       as_int(rows[0][2]), as_text(rows[0][1])));
      f();
      db_->query("UPDATE trials SET version = ? WHERE trial_id = ?",
                 {bump(as_int(rows[0][0])), id});
      return 0;
    });
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
        {owner_id, key, value.dump()});
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
        info.user_attrs[as_text(a[0])] = nlohmann::json::parse(as_text(a[1]));
      for (const auto& a :
           db_->query("SELECT key, value FROM study_system_attrs WHERE study_id = ?", {info.id}))
        info.system_attrs[as_text(a[0])] = nlohmann::json::parse(as_text(a[1]));
      out.push_back(std::move(info));
    }
    return out;
  }

  // The trials matching `filter` (over `trials t`), by number, with everything attached.
  std::vector<FrozenTrial> load_trials(const std::string& filter,
                                       const std::vector<Value>& params) {
    std::vector<FrozenTrial> trials;
    std::unordered_map<int64_t, size_t> index;
    for (const auto& row : db_->query(
             "SELECT t.trial_id, t.number, t.state, t.trial_values, t.constraints, "
             "t.datetime_start, "
             "t.datetime_complete, t.heartbeat, t.worker, t.fail_reason FROM trials t WHERE " +
                 filter + " ORDER BY t.number",
             params)) {
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
      index[r.id] = trials.size();
      trials.push_back(std::move(r));
    }
    if (trials.empty()) return trials;
    const std::string join = " JOIN trials t ON t.trial_id = x.trial_id WHERE " + filter;
    for (const auto& row : db_->query(
             "SELECT x.trial_id, x.name, x.internal, x.distribution FROM trial_params x" + join,
             params)) {
      FrozenTrial& r = trials[index.at(as_int(row[0]))];
      const std::string& name = as_text(row[1]);
      Distribution d = distribution_from_json(nlohmann::json::parse(as_text(row[3])));
      r.params[name] = to_external(d, as_double(row[2]));
      r.distributions[name] = std::move(d);
    }
    for (const auto& row : db_->query(
             "SELECT x.trial_id, x.step, x.value FROM trial_intermediate_values x" + join, params))
      trials[index.at(as_int(row[0]))].intermediate_values[as_int(row[1])] = as_double(row[2]);
    for (const auto& row :
         db_->query("SELECT x.trial_id, x.key, x.value FROM trial_user_attrs x" + join, params))
      trials[index.at(as_int(row[0]))].user_attrs[as_text(row[1])] =
          nlohmann::json::parse(as_text(row[2]));
    for (const auto& row :
         db_->query("SELECT x.trial_id, x.key, x.value FROM trial_system_attrs x" + join, params))
      trials[index.at(as_int(row[0]))].system_attrs[as_text(row[1])] =
          nlohmann::json::parse(as_text(row[2]));
    return trials;
  }

  // The schema in PostgreSQL's types (the SQLite DDL is the reference).
  static std::string postgres_ddl(std::string ddl) {
    auto replace_all = [&](const std::string& from, const std::string& to) {
      for (size_t pos = 0; (pos = ddl.find(from, pos)) != std::string::npos; pos += to.size())
        ddl.replace(pos, from.size(), to);
    };
    replace_all("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY");
    replace_all(" INTEGER", " BIGINT");
    replace_all(" REAL", " DOUBLE PRECISION");
    return ddl;
  }

  // PostgreSQL: serialises the writes to one study on its row, as SQLite's BEGIN IMMEDIATE
  // serialises all writes. Throws NotFound for an unknown study.
  void lock_study(StudyId id) {
    if (db_->query(postgres_ ? "SELECT study_id FROM studies WHERE study_id = ? FOR UPDATE"
                             : "SELECT study_id FROM studies WHERE study_id = ?",
                   {id})
            .empty())
      throw NotFound(fmt::format("no study with id {} in the {}", id, db_->describe()));
  }

  std::mutex mu_;  // one connection, used by one thread at a time
  std::unique_ptr<Connection> db_;
  bool postgres_;
};

}  // namespace

std::shared_ptr<Storage> make_rdb_storage(std::unique_ptr<Connection> connection) {
  return std::make_shared<RdbStorage>(std::move(connection));
}

}  // namespace parzen::rdb
