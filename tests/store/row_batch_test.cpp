#include <doctest/doctest.h>

#include <string>

#include "store/database.h"
#include "store/row_batch.h"

using namespace lapor::store;

TEST_CASE("row_batch: numbered parameters per row, literals kept, a parameter used twice") {
  CHECK(row_batch::sql_for("INSERT INTO t(a, b, c) VALUES ", "(#1, 0, #2, #2)", 2, 1) ==
        "INSERT INTO t(a, b, c) VALUES (?1, 0, ?2, ?2)");
  CHECK(row_batch::sql_for("INSERT INTO t(a) VALUES ", "(#1, #2)", 2, 3) ==
        "INSERT INTO t(a) VALUES (?1, ?2), (?3, ?4), (?5, ?6)");
}

TEST_CASE("row_batch: every row written once, in order, through the 32-, 8- and 1-row statements") {
  connection_options co;
  co.path = ":memory:";
  database db(co);
  db.exec_or_throw("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, data BLOB, note TEXT)");
  row_batch b(db, "INSERT INTO t(id, name, data, note) VALUES ", "(#1, #2, #3, #4)", 4);
  const std::string blob("\0\1\2", 3);
  for (int n : {0, 1, 7, 8, 9, 32, 45, 77}) {
    db.exec_or_throw("DELETE FROM t");
    for (int i = 0; i < n; ++i) {
      auto& r = b.add(i).add_text(b.keep("row " + std::to_string(i))).add_blob(blob);
      if (i % 3 == 0) r.add_null();
      else r.add_text("x");
    }
    CHECK(b.rows() == static_cast<std::size_t>(n));
    REQUIRE(b.flush() == db_ok);
    CHECK(b.rows() == 0);
    statement q(db, "SELECT id, name, length(data), note IS NULL FROM t ORDER BY rowid");
    int seen = 0;
    while (q.step() == db_row) {
      CHECK(q.column_int64(0) == seen);
      CHECK(q.column_text(1) == "row " + std::to_string(seen));
      CHECK(q.column_int64(2) == 3);
      CHECK(q.column_int64(3) == (seen % 3 == 0 ? 1 : 0));
      ++seen;
    }
    CHECK(seen == n);
  }
  // A failing row fails the flush, and the batch is empty afterwards.
  b.add(1).add_text("dup").add_blob(blob).add_null();
  CHECK(b.flush() != db_ok);
  CHECK(b.rows() == 0);
}
