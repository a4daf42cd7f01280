// The SQLite driver: one connection, prepared statements cached by SQL text, WAL journal, and a
// busy handler that retries with short randomised sleeps (many worker processes share a file).

#include <sqlite3.h>

#include <chrono>
#include <random>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "parzen/error.hpp"
#include "storage/rdb/driver.hpp"
#include "storage/utf8.hpp"

namespace parzen::rdb {
namespace {

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(const std::string& path, double busy_timeout_seconds)
      : path_(path), busy_timeout_(busy_timeout_seconds) {
    const int rc = sqlite3_open_v2(
        path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
        nullptr);
    if (rc != SQLITE_OK) {
      const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw StorageError(fmt::format("cannot open the SQLite database '{}': {}", path, message));
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_handler(db_, &SqliteConnection::on_busy, this);
    try {
      // WAL: readers never block the writer, and a killed writer loses nothing committed.
      query("PRAGMA journal_mode=WAL");
      query("PRAGMA synchronous=NORMAL");
      query("PRAGMA foreign_keys=ON");
      // Checkpoint every 1000 pages (~4 MB) of WAL, SQLite's default, and truncate the WAL
      // file back to 4 MiB after a checkpoint: the WAL stays near 4 MB beside any database
      // (with 10000 pages it grew to ~40 MB, 23 KB per reported value, for a 4 KB database).
      // A killed process still loses nothing committed; after a power loss (synchronous=NORMAL)
      // the transactions since the last checkpoint may roll back, the file stays consistent.
      query("PRAGMA wal_autocheckpoint=1000");
      query("PRAGMA journal_size_limit=4194304");
    } catch (...) {
      close();
      throw;
    }
  }

  ~SqliteConnection() override { close(); }

  std::vector<Row> query(const std::string& sql, const std::vector<Value>& params = {}) override {
    sqlite3_stmt* stmt = prepare(sql);
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i + 1);
      const Value& v = params[i];
      int rc;
      if (std::holds_alternative<std::monostate>(v)) {
        rc = sqlite3_bind_null(stmt, idx);
      } else if (const auto* n = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, idx, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt, idx, *d);
      } else {
        const auto& text = std::get<std::string>(v);
        if (detail::is_storable_text(text)) {
          rc = sqlite3_bind_text(stmt, idx, text.data(), static_cast<int>(text.size()),
                                 SQLITE_TRANSIENT);
        } else {
          const std::string s = detail::storable_text(text);
          rc = sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        }
      }
      if (rc != SQLITE_OK) fail(rc, sql);
    }
    std::vector<Row> rows;
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        fail(rc, sql);
      }
      const int n = sqlite3_column_count(stmt);
      Row row(static_cast<size_t>(n));
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER:
            row[static_cast<size_t>(c)] = static_cast<int64_t>(sqlite3_column_int64(stmt, c));
            break;
          case SQLITE_FLOAT:
            row[static_cast<size_t>(c)] = sqlite3_column_double(stmt, c);
            break;
          case SQLITE_NULL:
            break;
          default: {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            // Rows written before text was sanitised may hold invalid UTF-8.
            row[static_cast<size_t>(c)] = detail::storable_text(
                std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
          }
        }
      }
      rows.push_back(std::move(row));
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rows;
  }

  std::vector<std::vector<Row>> write_batch(const std::vector<Statement>& statements) override {
    begin_write();
    try {
      std::vector<std::vector<Row>> out;
      out.reserve(statements.size());
      for (const auto& s : statements) out.push_back(query(s.sql, s.params));
      commit();
      return out;
    } catch (...) {
      rollback();
      throw;
    }
  }

  std::vector<std::vector<Row>> pipeline(const std::vector<Statement>& statements) override {
    std::vector<std::vector<Row>> out;
    out.reserve(statements.size());
    for (const auto& s : statements) out.push_back(query(s.sql, s.params));
    return out;
  }

  int64_t changes() override { return sqlite3_changes64(db_); }
  void begin_write() override { query("BEGIN IMMEDIATE", {}); }
  void begin_read() override { query("BEGIN", {}); }
  void commit() override { query("COMMIT", {}); }
  void rollback() override {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  std::string dialect() const override { return "sqlite"; }
  std::string describe() const override { return fmt::format("SQLite database '{}'", path_); }

 private:
  sqlite3_stmt* prepare(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) fail(rc, sql);
    statements_.emplace(sql, stmt);
    return stmt;
  }

  [[noreturn]] void fail(int rc, const std::string& sql) {
    const int primary = rc & 0xff;
    const std::string message = sqlite3_errmsg(db_);
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
      throw StorageError(
          fmt::format("the SQLite database '{}' is locked: another process kept it busy for more "
                      "than {} s ({})",
                      path_, busy_timeout_, message));
    if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
      throw StorageError(fmt::format("'{}' is not a usable SQLite database: {}", path_, message));
    if (primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR ||
        primary == SQLITE_FULL || primary == SQLITE_PERM)
      throw StorageError(fmt::format("cannot write the SQLite database '{}': {}", path_, message));
    throw StorageError(
        fmt::format("SQLite error on '{}': {} (in: {})", path_, message, sql.substr(0, 120)));
  }

  // Retries for up to busy_timeout_ with short random sleeps, so many processes interleave.
  static int on_busy(void* self, int attempt) {
    auto* c = static_cast<SqliteConnection*>(self);
    const auto now = std::chrono::steady_clock::now();
    if (attempt == 0 || !c->busy_since_) c->busy_since_ = now;
    if (std::chrono::duration<double>(now - *c->busy_since_).count() > c->busy_timeout_) return 0;
    const int cap_us = std::min(20000, 200 << std::min(attempt, 6));
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(50, cap_us)(c->rng_)));
    return 1;
  }

  void close() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    statements_.clear();
    if (db_) sqlite3_close(db_);
    db_ = nullptr;
  }

  sqlite3* db_ = nullptr;
  std::string path_;
  double busy_timeout_;
  std::optional<std::chrono::steady_clock::time_point> busy_since_;
  std::minstd_rand rng_{std::random_device{}()};
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

std::unique_ptr<Connection> open_sqlite(const std::string& path, double busy_timeout_seconds) {
  return std::make_unique<SqliteConnection>(path, busy_timeout_seconds);
}

}  // namespace parzen::rdb
