#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "store/database.h"
#include "store/migrations.h"
#include "store/store.h"
#include "tests/store/store_test_support.h"

using namespace lapor::store;
using lapor::store::testing::temp_db;

namespace {

std::int64_t scalar(database& db, const char* sql) {
  statement q(db, sql);
  REQUIRE(q.step() == db_row);
  return q.column_int64(0);
}

}  // namespace

TEST_CASE("migrations: an empty database reaches the latest version with every table") {
  connection_options co;
  co.path = ":memory:";
  database db(co);
  CHECK(schema_version(db) == 0);
  migrate(db);
  CHECK(schema_version(db) == latest_schema_version());
  for (const char* table : {"complaints", "idempotency", "outbox", "outbox_counts", "cursors", "schema_version"}) {
    statement q(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1");
    q.bind(1, std::string_view(table));
    REQUIRE(q.step() == db_row);
    CHECK_MESSAGE(q.column_int64(0) == 1, table);
  }
  CHECK(scalar(db, "SELECT count(*) FROM outbox_counts") == 3);
}

TEST_CASE("migrations: reopening is idempotent") {
  temp_db t;
  connection_options co;
  co.path = t.path();
  {
    database db(co);
    migrate(db);
  }
  {
    database db(co);
    migrate(db);
    migrate(db);
    CHECK(schema_version(db) == latest_schema_version());
    CHECK(scalar(db, "SELECT count(*) FROM schema_version") == latest_schema_version());
    CHECK(scalar(db, "SELECT count(*) FROM outbox_counts") == 3);
  }
  // The writer opens it too, and finds WAL mode in place.
  group_writer w(t.opts());
  w.stop();
  database db(co);
  statement mode(db, "PRAGMA journal_mode");
  REQUIRE(mode.step() == db_row);
  CHECK(mode.column_text(0) == "wal");
}

TEST_CASE("migrations: a database newer than the code is refused") {
  temp_db t;
  {
    group_writer w(t.opts());
  }
  {
    connection_options co;
    co.path = t.path();
    database db(co);
    db.exec_or_throw("INSERT INTO schema_version(version) VALUES (999)");
    CHECK_THROWS_WITH_AS(migrate(db), doctest::Contains("newer"), db_error);
  }
  CHECK_THROWS_AS(group_writer(t.opts()), std::runtime_error);
  CHECK_THROWS_AS(read_pool(t.path()), std::runtime_error);
}

TEST_CASE("read_pool refuses a database that does not exist") {
  temp_db t;
  CHECK_THROWS_AS(read_pool(t.path()), std::runtime_error);
}

TEST_CASE("database: temp_store_memory keeps statement journals in memory (the group writer's connection)") {
  temp_db tmp;
  connection_options co;
  co.path = tmp.path();
  {
    database db(co);
    CHECK(scalar(db, "PRAGMA temp_store") == 0);  // SQLite's default: temporary files
  }
  co.temp_store_memory = true;
  database db(co);
  CHECK(scalar(db, "PRAGMA temp_store") == 2);  // MEMORY
}
