// Commit failures: nothing of a failed group is acknowledged or visible, and the writer
// keeps working afterwards (after reopening the connection on an I/O error).
#include <doctest/doctest.h>

#include <future>
#include <string>
#include <vector>

#include "store/fault_vfs.h"
#include "store/store.h"
#include "tests/store/store_test_support.h"

using namespace lapor::store;
using namespace lapor::store::testing;

TEST_CASE("SQLITE_FULL: the whole group fails, nothing is visible, the writer goes on") {
  temp_db t;
  options o = t.opts();
  o.max_page_count = 16;  // 256 KiB with 16 KiB pages
  writer_gate gate;
  o.before_apply = gate.hook();
  std::vector<bool> commits;
  std::mutex m;
  group_writer w(o);
  w.set_commit_observer([&](std::size_t, std::chrono::microseconds, bool ok) {
    std::lock_guard lk(m);
    commits.push_back(ok);
  });
  read_pool r(t.path());
  std::promise<write_result> pa;
  w.insert_complaint(make_row(row_id(1, 1), "k1"), [&](write_result x) { pa.set_value(x); });
  gate.wait_entered();  // the writer holds [A]: what follows forms the next group

  // One group: a small row, then one too big for the file, then a state change.
  std::promise<write_result> pb, pc;
  std::promise<done_result> pd;
  w.insert_complaint(make_row(row_id(1, 2), "k2"), [&](write_result x) { pb.set_value(x); });
  auto huge = make_row(row_id(1, 3), "k3");
  huge.document.assign(1 << 20, 'x');
  w.insert_complaint(std::move(huge), [&](write_result x) { pc.set_value(x); });
  w.mark_sent({1}, [&](bool ok, std::string e) { pd.set_value({ok, e}); });
  gate.release();

  CHECK(pa.get_future().get().status == write_status::stored);
  const auto b = pb.get_future().get();
  const auto c = pc.get_future().get();
  const auto d = pd.get_future().get();
  CHECK(b.status == write_status::failed);
  CHECK(c.status == write_status::failed);
  CHECK(b.error.find("full") != std::string::npos);
  CHECK(b.error == c.error);
  CHECK_FALSE(d.ok);
  CHECK(d.error == b.error);

  CHECK_FALSE(r.find_complaint_now(row_id(1, 2)).has_value());
  CHECK_FALSE(r.find_complaint_now(row_id(1, 3)).has_value());
  auto counts = r.counts_now();
  CHECK(counts.pending == 1);
  CHECK(counts.sent == 0);

  // The failed group's keys were not recorded; the connection still works.
  const auto again = insert_sync(w, make_row(row_id(1, 4), "k2"));
  CHECK(again.status == write_status::stored);
  CHECK(r.find_complaint_now(row_id(1, 4)).has_value());
  CHECK(r.pending_outbox_now("dispatcher", 0, 10).size() == 2);
  CHECK(w.max_sequence(1) == 4);  // through the queue: after the last group's observer
  {
    std::lock_guard lk(m);
    CHECK(commits == std::vector<bool>{true, false, true});
  }
}

TEST_CASE("an fsync error at COMMIT fails the group; the connection is reopened, never retried-and-acked") {
  temp_db t;
  options o = t.opts();
  o.vfs = fault_vfs::name();
  o.pipelined_sync = false;  // SQLite's fsync inside COMMIT (pipelined: pipelined_sync_test.cpp)
  group_writer w(o);
  read_pool r(t.path());
  REQUIRE(insert_sync(w, make_row(row_id(1, 1), "k1")).status == write_status::stored);

  const int before = fault_vfs::failed_syncs();
  fault_vfs::fail_next_syncs(1);
  const auto b = insert_sync(w, make_row(row_id(1, 2), "k2"));
  fault_vfs::fail_next_syncs(0);
  CHECK(fault_vfs::failed_syncs() == before + 1);
  CHECK(b.status == write_status::failed);
  CHECK(b.error.find("I/O") != std::string::npos);
  CHECK_FALSE(r.find_complaint_now(row_id(1, 2)).has_value());

  // The next group runs on a fresh connection and commits.
  CHECK(insert_sync(w, make_row(row_id(1, 3), "k3")).status == write_status::stored);
  CHECK(r.find_complaint_now(row_id(1, 3)).has_value());
  CHECK(insert_sync(w, make_row(row_id(1, 4), "k1")).status == write_status::replay);
  CHECK(w.max_sequence(1) == 3);
  w.stop();

  group_writer w2(t.opts());
  CHECK(w2.max_sequence(1) == 3);
  CHECK_FALSE(r.find_complaint_now(row_id(1, 2)).has_value());
  CHECK(r.counts_now().pending == 2);
}
