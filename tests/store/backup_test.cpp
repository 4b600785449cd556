#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "store/backup.h"
#include "store/database.h"
#include "store_test_support.h"

using namespace lapor::store;
using namespace lapor::store::testing;

namespace {

std::set<std::string> tracking_ids_in(const std::string& path) {
  connection_options co;
  co.path = path;
  co.read_only = true;
  database db(co);
  statement q(db, "SELECT tracking_id FROM complaints");
  std::set<std::string> out;
  while (q.step() == db_row) out.insert(std::string(q.column_text(0)));
  return out;
}

}  // namespace

TEST_CASE("backup: a copy taken while the writer commits holds every row committed before it began") {
  temp_db source;
  group_writer w(source.opts());
  std::uint32_t seq = 0;
  for (; seq < 200; ++seq) REQUIRE(insert_sync(w, make_row(row_id(0, seq + 1))).status == write_status::stored);
  std::set<std::string> before;
  for (std::uint32_t i = 1; i <= seq; ++i) before.insert("LPR-T" + std::to_string(row_id(0, i)));

  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (std::uint32_t i = 1000; !stop; ++i) (void)insert_sync(w, make_row(row_id(0, i)));
  });
  const std::string copy = source.path() + ".bak";
  const auto error = backup_database(source.path(), copy);
  stop = true;
  writer.join();
  REQUIRE_MESSAGE(!error, *error);
  CHECK_FALSE(std::filesystem::exists(copy + "-wal"));  // one self-contained file
  CHECK_FALSE(check_database(copy));
  const auto in_copy = tracking_ids_in(copy);
  for (const auto& id : before) CHECK(in_copy.count(id) == 1);

  // Never overwrites.
  const auto again = backup_database(source.path(), copy);
  REQUIRE(again);
  CHECK(again->find("exists") != std::string::npos);
}

TEST_CASE("backup: check_database refuses a damaged copy and a file that is not ours") {
  temp_db source;
  {
    group_writer w(source.opts());
    for (std::uint32_t i = 1; i <= 300; ++i) {
      auto row = make_row(row_id(0, i));
      row.document = std::string(2000, 'x');  // several pages of rows
      REQUIRE(insert_sync(w, row).status == write_status::stored);
    }
  }
  const std::string copy = source.path() + ".bak";
  REQUIRE_FALSE(backup_database(source.path(), copy));
  REQUIRE_FALSE(check_database(copy));
  {
    // Scribble over the middle of the b-tree pages (not the header: the file still opens).
    std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
    const auto size = std::filesystem::file_size(copy);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const std::string junk(16384, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  CHECK(check_database(copy));

  const std::string other = source.path() + ".other";
  {
    connection_options co;
    co.path = other;
    database db(co);
    db.exec_or_throw("CREATE TABLE t(x)");
  }
  const auto foreign = check_database(other);
  REQUIRE(foreign);
  CHECK(foreign->find("not a lapor-gateway database") != std::string::npos);
  CHECK(check_database(source.path() + ".missing"));
}
