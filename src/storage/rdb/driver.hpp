#pragma once
// The thin database drivers under the relational storage. The SQL logic lives once in
// rdb_storage.cpp; a driver only runs statements: `?` placeholders, values of the types below,
// rows back, transactions and atomic batches. SQLite (sqlite3) and PostgreSQL (libpq) implement it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "parzen/error.hpp"

namespace parzen::rdb {

// The connection to the database server was lost (or a round trip outlived its deadline) and
// could not be restored within the retry time. Inside an explicit transaction the driver throws
// it at once: the caller reruns the whole transaction (RdbStorage::transaction).
//
// PostgreSQL (src/storage/rdb/postgres_driver.cpp): inside a transaction the driver first
// restores the connection (with back-off, for up to the retry time) and then throws with
// retry_time_spent() false: rerun the transaction now. When the retry time runs out it throws
// with retry_time_spent() true and a message saying how long it tried, libpq's reason and the
// database: rerunning will not help, report it.
class ConnectionLost : public StorageError {
 public:
  using StorageError::StorageError;
  ConnectionLost(const std::string& message, bool retry_time_spent)
      : StorageError(message), retry_time_spent_(retry_time_spent) {}
  // True when the driver tried to reconnect for its whole retry time (retry_seconds) in vain.
  bool retry_time_spent() const { return retry_time_spent_; }

 private:
  bool retry_time_spent_ = false;
};

// After a reconnect the server at the connection's address is not the database this
// connection was pinned to (Connection::pin_identity): another cluster took the address, or the
// database was dropped and created again. Never retried: the connection refuses every later
// statement with the same message, so nothing is written to the other database.
class DatabaseReplaced : public StorageError {
 public:
  using StorageError::StorageError;
};

using Value = std::variant<std::monostate, int64_t, double, std::string>;  // monostate: NULL
using Row = std::vector<Value>;

struct Statement {
  std::string sql;
  std::vector<Value> params{};
};

class Connection {
 public:
  virtual ~Connection() = default;
  // Runs one statement with `?` placeholders bound to `params` (always as a prepared
  // statement); returns its rows.
  virtual std::vector<Row> query(const std::string& sql, const std::vector<Value>& params = {}) = 0;
  // Runs the statements as one write transaction, all or nothing, and returns each one's rows.
  // PostgreSQL sends them in one pipeline: one network round trip for the whole transaction, and
  // locks held only while the server runs it. SQLite runs them between BEGIN IMMEDIATE and
  // COMMIT. Throws (having rolled back) on the first failing statement.
  virtual std::vector<std::vector<Row>> write_batch(const std::vector<Statement>& statements) = 0;
  // Runs the statements in order and returns each one's rows, without a transaction of its own
  // (the caller may include BEGIN and COMMIT). PostgreSQL sends them in one pipeline; SQLite
  // runs them one after another. Throws on the first failing statement; the ones after it do not
  // run.
  virtual std::vector<std::vector<Row>> pipeline(const std::vector<Statement>& statements) = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  virtual int64_t changes() = 0;
  // A write transaction that excludes other writers from its start (SQLite: BEGIN IMMEDIATE).
  virtual void begin_write() = 0;
  // A read transaction: one consistent snapshot for every query until commit.
  virtual void begin_read() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  // "sqlite" or "postgresql": the few places where the SQL differs ask this.
  virtual std::string dialect() const = 0;
  // Where the data lives, for error messages (a file name; never a password).
  virtual std::string describe() const = 0;
  // How many times the driver re-established a lost connection and re-sent statements (0 for
  // SQLite). A storage compares it around a compare-and-set write: when a statement may have
  // run twice, a "changed nothing" answer may mean "my first attempt already changed it".
  virtual uint64_t reconnects() const { return 0; }
  // PostgreSQL: runs `token_sql` (one row, one text value: the random token the schema keeps in
  // parzen_meta) and reads the server's system identifier (pg_control_system(), when the role
  // may), remembers both as this connection's identity and checks them on every reconnect: a
  // different identity (or a token that cannot be read) throws DatabaseReplaced there, and
  // every later statement throws it too. `expected` (another connection's identity), when not
  // empty, must equal this one's (else DatabaseReplaced). Returns the identity. SQLite: a file
  // is its own identity, returns "".
  virtual std::string pin_identity(const std::string& token_sql, const std::string& expected) {
    (void)token_sql;
    (void)expected;
    return {};
  }
};

// Opens (creating if need be) an SQLite database file. Throws StorageError naming the file.
std::unique_ptr<Connection> open_sqlite(const std::string& path, double busy_timeout_seconds);

// Connects to PostgreSQL with a libpq connection string (a postgresql:// URI or key=value
// pairs; the password may also come from PGPASSWORD or ~/.pgpass). Throws StorageError with
// libpq's reason and the URI without its password (the first connection is tried once).
// Parzen's own options, removed before libpq sees the string (URI query parameters or pairs):
//   retry_seconds=60    how long a lost connection is re-established, with back-off (50 ms
//                       doubling to 2 s, jittered), before ConnectionLost; 0: one attempt.
//   deadline_seconds=30 the client-side deadline of each round trip; then a cancel request,
//                       and min(deadline, 5 s) later the connection is dropped and restored.
// A bad value throws InvalidArgument naming the option and the URL (without its password).
// libpq defaults set unless the string (or PGCONNECT_TIMEOUT) sets them: keepalives=1,
// keepalives_idle=10, keepalives_interval=5, keepalives_count=3, tcp_user_timeout=30000 (ms),
// connect_timeout=10 (enforced by the driver for each connection attempt).
// Outside a transaction a statement or batch interrupted by a lost connection is re-sent on the
// new one (reconnects() moves); a statement the server cancelled (SQLSTATE 57014) is re-sent
// too. Inside a transaction: ConnectionLost, see above.
std::unique_ptr<Connection> open_postgres(const std::string& conninfo);

// Typed access to a row's cells.
inline int64_t as_int(const Value& v) {
  return std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v)
                                            : static_cast<int64_t>(std::get<double>(v));
}
inline double as_double(const Value& v) {
  return std::holds_alternative<double>(v) ? std::get<double>(v)
                                           : static_cast<double>(std::get<int64_t>(v));
}
inline bool is_null(const Value& v) { return std::holds_alternative<std::monostate>(v); }
inline const std::string& as_text(const Value& v) { return std::get<std::string>(v); }

}  // namespace parzen::rdb
