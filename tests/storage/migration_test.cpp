// Schema migrations on real SQLite files and a real PostgreSQL database: steps run in order, a
// failing step leaves the database unchanged, a missing step or a newer schema is refused.
// (Version 1 is Parzen's only schema so far, so the steps here are the test's own.)

#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>

#include "parzen/error.hpp"
#include "storage/postgres_fixture.hpp"
#include "storage/rdb/rdb_storage.hpp"

using namespace parzen;

namespace {

using Open = std::function<std::unique_ptr<rdb::Connection>()>;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const StorageError& e) {
    return e.what();
  }
  return "no StorageError";
}

std::string version_of(rdb::Connection& db) {
  return rdb::as_text(
      db.query("SELECT value FROM parzen_meta WHERE key = 'schema_version'").at(0).at(0));
}

void migration_scenario(const Open& open) {
  {
    auto db = open();
    rdb::migrate_schema(*db, {"CREATE TABLE a (x INTEGER)"}, 1, {});
    db->query("INSERT INTO a (x) VALUES (?)", {int64_t{5}});
  }
  const std::vector<rdb::Migration> steps = {
      {1, {"ALTER TABLE a ADD COLUMN y INTEGER NOT NULL DEFAULT 7"}},
      {2, {"CREATE TABLE b (z TEXT)", "INSERT INTO b (z) SELECT 'from a' FROM a"}},
  };
  {
    // A step that fails halfway: the whole migration is rolled back.
    auto db = open();
    auto bad = steps;
    bad[1].statements.push_back("CREATE TABLE a (x INTEGER)");  // a exists
    const std::string msg = error_of([&] { rdb::migrate_schema(*db, {}, 3, bad); });
    EXPECT_NE(msg.find("from schema version 1 to 3 failed at version 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("the database is unchanged"), std::string::npos) << msg;
    EXPECT_EQ(version_of(*db), "1");
    EXPECT_THROW(db->query("SELECT y FROM a"), StorageError);
  }
  {
    auto db = open();
    const std::string msg = error_of([&] { rdb::migrate_schema(*db, {}, 3, {steps[1]}); });
    EXPECT_NE(msg.find("has schema version 1 and this parzen has no migration from it to 2"),
              std::string::npos)
        << msg;
    EXPECT_EQ(version_of(*db), "1");
  }
  {
    auto db = open();
    rdb::migrate_schema(*db, {}, 3, steps);
    EXPECT_EQ(version_of(*db), "3");
    const auto rows = db->query("SELECT x, y FROM a");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rdb::as_int(rows[0][0]), 5);
    EXPECT_EQ(rdb::as_int(rows[0][1]), 7);
    EXPECT_EQ(rdb::as_text(db->query("SELECT z FROM b").at(0).at(0)), "from a");
    rdb::migrate_schema(*db, {}, 3, steps);  // already current: nothing to do
    EXPECT_EQ(db->query("SELECT z FROM b").size(), 1u);
    const std::string msg = error_of([&] { rdb::migrate_schema(*db, {}, 2, steps); });
    EXPECT_NE(msg.find("schema version 3, newer than this parzen understands (2)"),
              std::string::npos)
        << msg;
  }
}

TEST(SchemaMigrations, SqliteStepsRunInOrderAndFailAtomically) {
  const std::string path =
      ::testing::TempDir() + "parzen-migrate-" + std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  migration_scenario([&] { return rdb::open_sqlite(path, 5.0); });
}

TEST(SchemaMigrations, PostgresStepsRunInOrderAndFailAtomically) {
  const std::string url = parzen_test::fresh_postgres_url();
  migration_scenario([&] { return rdb::open_postgres(url); });
}

}  // namespace
