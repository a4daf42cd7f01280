#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "parzen/storage.hpp"
#include "storage/rdb/driver.hpp"

namespace parzen::rdb {

// One step of the schema: statements (in SQLite's dialect; PostgreSQL's column types are
// rewritten as for the schema itself) that take a database from version `from` to `from + 1`.
struct Migration {
  int64_t from = 0;
  std::vector<std::string> statements{};
};

// Brings the database to schema version `latest`, in one write transaction (on PostgreSQL under
// an advisory lock, so workers starting together do it once): an empty database gets `create`;
// an older one runs the steps from its version up, in order, each recorded in parzen_meta; a
// failing step leaves the database as it was. Throws StorageError for a newer version than
// `latest`, a missing step or a failing statement, naming the database and the versions.
// The query that reads the database's random token (PostgreSQL; written by migrate_schema).
extern const char* const kDatabaseTokenSql;

void migrate_schema(Connection& db, const std::vector<std::string>& create, int64_t latest,
                    const std::vector<Migration>& steps);

// Opens another connection to the same database (same file or URL).
using ConnectionFactory = std::function<std::unique_ptr<Connection>()>;

// The relational storage over an open connection: creates the schema on an empty database,
// checks its version on an existing one (StorageError if it is newer than this build).
// `open_another`, when given, opens the connection that heartbeats use (lazily, on the first
// record_heartbeat), so that a statement of this process waiting for a lock on the main
// connection never holds its heartbeats back; without it (or if opening fails) heartbeats share
// the main connection.
std::shared_ptr<Storage> make_rdb_storage(std::unique_ptr<Connection> connection,
                                          ConnectionFactory open_another = {});

}  // namespace parzen::rdb
