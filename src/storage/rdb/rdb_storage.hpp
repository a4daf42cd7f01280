#pragma once

#include <memory>

#include "parzen/storage.hpp"
#include "storage/rdb/driver.hpp"

namespace parzen::rdb {

// The relational storage over an open connection: creates the schema on an empty database,
// checks its version on an existing one (StorageError if it is newer than this build).
std::shared_ptr<Storage> make_rdb_storage(std::unique_ptr<Connection> connection);

}  // namespace parzen::rdb
