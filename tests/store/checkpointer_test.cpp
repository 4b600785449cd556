#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "store/checkpointer.h"
#include "store/database.h"
#include "store/migrations.h"
#include "store/store.h"
#include "tests/store/store_test_support.h"

using namespace lapor::store;
using namespace lapor::store::testing;

namespace {

std::uintmax_t file_size_or_zero(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

}  // namespace

TEST_CASE("checkpointer: a pass copies the WAL into the database file") {
  temp_db t;
  connection_options co;
  co.path = t.path();
  database db(co);
  migrate(db);
  db.exec_or_throw("CREATE TABLE filler(x TEXT)");
  db.exec_or_throw("PRAGMA wal_autocheckpoint=0");
  db.exec_or_throw("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                   " INSERT INTO filler SELECT hex(randomblob(500)) FROM n");
  const auto before = file_size_or_zero(t.path());
  checkpointer c(co, 10);
  c.wal_grew(5);  // below the threshold: nothing to do
  c.wait_for_pass(std::chrono::seconds(10));
  CHECK(c.passes() >= 1);
  CHECK(c.last_error().empty());
  CHECK(file_size_or_zero(t.path()) > before + 1'000'000);
  c.stop();
  c.stop();  // idempotent
}

TEST_CASE("checkpointer: the next pass waits for threshold frames beyond what the last one copied") {
  temp_db t;
  connection_options co;
  co.path = t.path();
  database db(co);
  migrate(db);
  db.exec_or_throw("CREATE TABLE filler(x TEXT)");
  db.exec_or_throw("PRAGMA wal_autocheckpoint=0");
  db.exec_or_throw("INSERT INTO filler SELECT hex(randomblob(3000)) FROM (SELECT 1 UNION ALL SELECT 2)");
  // About the frames in the WAL (a 32-byte header, then a 24-byte header and a page per frame;
  // the checks leave a margin of 10).
  const auto frames = static_cast<int>((file_size_or_zero(t.path() + "-wal") - 32) / (24 + 4096));
  REQUIRE(frames > 2);
  checkpointer c(co, 100);
  c.wal_grew(frames + 100);  // as if the WAL were that long: due
  const auto passes_reach = [&c](std::uint64_t n) {
    for (int i = 0; i < 200 && c.passes() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return c.passes() >= n;
  };
  REQUIRE(passes_reach(1));  // it copied the `frames` there are
  c.wal_grew(frames + 90);   // ~90 beyond them: not yet
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(c.passes() == 1);
  c.wal_grew(frames + 110);
  CHECK(passes_reach(2));
  c.wal_grew(1);  // shorter than what was copied: the WAL restarted, none of it is copied
  c.wal_grew(99);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(c.passes() == 2);
  c.wal_grew(100);
  CHECK(passes_reach(3));
  CHECK(c.last_error().empty());
  c.stop();

  // With a cap, every commit in the last `threshold` frames before it makes a pass due: the
  // writer's pause at the cap then finds little left to copy.
  checkpointer near_cap(co, 100, frames + 160);  // every commit is due from frames + 60 on
  const auto near_cap_passes_reach = [&near_cap](std::uint64_t n) {
    for (int i = 0; i < 200 && near_cap.passes() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return near_cap.passes() >= n;
  };
  near_cap.wal_grew(frames + 100);
  REQUIRE(near_cap_passes_reach(1));
  near_cap.wal_grew(frames + 50);  // ~50 beyond what was copied, before the last 100 frames
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(near_cap.passes() == 1);
  near_cap.wal_grew(frames + 70);  // ~70 beyond, within the last 100 before the cap: due
  CHECK(near_cap_passes_reach(2));
}

TEST_CASE("background checkpoints keep the WAL bounded under sustained writes") {
  temp_db t;
  options o = t.opts();
  o.wal_autocheckpoint = 64;  // frames; the writer pauses for a pass beyond 4x that
  o.max_group = 256;
  group_writer w(o);
  constexpr int rows = 20000;
  std::atomic<int> stored{0};
  for (int i = 1; i <= rows; ++i) {
    auto row = make_row(row_id(1, static_cast<std::uint32_t>(i)), std::string("k").append(std::to_string(i)));
    row.document.append(900, 'x');
    w.insert_complaint(std::move(row), [&](write_result r) {
      if (r.status == write_status::stored) stored.fetch_add(1);
    });
    if (i % 1000 == 0) (void)w.max_sequence(1);  // let the writer keep up: ~1000 rows in flight
  }
  CHECK(w.max_sequence(1) == rows);
  CHECK(stored == rows);
  // ~20 MB were written; the WAL stays near its cap (4 x 64 frames of 16 KiB, plus a group).
  const auto wal = file_size_or_zero(t.path() + "-wal");
  MESSAGE("WAL " << wal << " bytes, database " << file_size_or_zero(t.path()) << " bytes");
  CHECK(wal < 12'000'000);
  CHECK(file_size_or_zero(t.path()) > 15'000'000);
  w.stop();
  read_pool r(t.path());
  CHECK(r.counts_now().pending == rows);
}

TEST_CASE("inline checkpoints (background_checkpoints = false) work too") {
  temp_db t;
  options o = t.opts();
  o.background_checkpoints = false;
  o.wal_autocheckpoint = 16;
  group_writer w(o);
  for (std::uint32_t i = 1; i <= 300; ++i) {
    auto row = make_row(row_id(1, i));
    row.document.append(4000, 'y');
    CHECK(insert_sync(w, std::move(row)).status == write_status::stored);
  }
  CHECK(file_size_or_zero(t.path()) > 1'000'000);
  read_pool r(t.path());
  CHECK(r.counts_now().pending == 300);
}
