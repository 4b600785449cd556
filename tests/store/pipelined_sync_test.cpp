// The pipelined fsync (store.h, options::pipelined_sync): a group is committed, then synced
// by the syncer thread while the writer goes on; nothing is answered, or sent on from the
// store, before its fsync; a failed fsync stops every write until a checkpoint made the WAL
// durable again.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/fault_vfs.h"
#include "store/store.h"
#include "tests/store/store_test_support.h"

using namespace lapor::store;
using namespace lapor::store::testing;

TEST_CASE("pipelined: answered only after the fsync; readers see the rows from COMMIT, the forwarders only after") {
  temp_db t;
  options o = t.opts();
  writer_gate gate;  // holds the syncer before its first fsync
  o.before_sync = [&gate] { gate.hold(); };
  o.inline_sync_below = std::chrono::microseconds{0};  // every group to the syncer
  group_writer w(o);
  std::atomic<std::int64_t> longest_us{0};  // the observer's `took`: BEGIN until durable
  w.set_commit_observer([&](std::size_t, std::chrono::microseconds took, bool) {
    if (took.count() > longest_us.load()) longest_us.store(took.count());
  });
  read_pool r(t.path());
  CHECK(w.durable_outbox_id() == 0);

  std::promise<write_result> pa;
  auto fa = pa.get_future();
  w.insert_complaint(make_row(row_id(1, 1), "k1"), [&pa](write_result x) { pa.set_value(std::move(x)); });
  gate.wait_entered();  // committed, its fsync not begun

  CHECK(fa.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);  // not acknowledged
  CHECK(r.find_complaint_now(row_id(1, 1)).has_value());  // visible: COMMIT returned
  CHECK(r.pending_outbox_now("dispatcher", 0, 10).size() == 1);
  CHECK(w.durable_outbox_id() == 0);  // but not to be sent on

  // The writer goes on meanwhile: the next group commits behind the held fsync.
  std::promise<write_result> pb;
  auto fb = pb.get_future();
  w.insert_complaint(make_row(row_id(1, 2), "k2"), [&pb](write_result x) { pb.set_value(std::move(x)); });
  for (int i = 0; i < 200 && !r.find_complaint_now(row_id(1, 2)).has_value(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(r.find_complaint_now(row_id(1, 2)).has_value());
  CHECK(fb.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);

  gate.release();
  CHECK(fa.get().status == write_status::stored);  // in order: the first group first
  CHECK(fb.get().status == write_status::stored);
  CHECK(w.durable_outbox_id() == 2);
  CHECK(w.failure().empty());
  w.stop();  // the observer runs after the completions
  CHECK(longest_us.load() >= 100'000);  // the first group waited >= 100 ms for its fsync
}

TEST_CASE("pipelined: a failed fsync refuses every write until a checkpoint made the WAL durable again") {
  temp_db t;
  options o = t.opts();
  o.vfs = fault_vfs::name();
  o.inline_sync_below = std::chrono::microseconds{0};  // the syncer's failure path
  int commits_failed = 0;
  std::vector<std::int64_t> announced;
  std::mutex m;
  {
    group_writer w(o);
    w.set_commit_observer([&](std::size_t, std::chrono::microseconds, bool ok) {
      std::lock_guard lk(m);
      if (!ok) ++commits_failed;
    });
    w.set_outbox_listener([&](const std::vector<outbox_item>& created) {
      std::lock_guard lk(m);
      for (const outbox_item& item : created) announced.push_back(item.id);
    });
    REQUIRE(insert_sync(w, make_row(row_id(1, 1), "k1")).status == write_status::stored);
    CHECK(w.durable_outbox_id() == 1);

    // The disk fails: every fsync from now on, the recovery's too.
    const int before = fault_vfs::failed_syncs();
    fault_vfs::fail_next_syncs(1000);
    const auto b = insert_sync(w, make_row(row_id(1, 2), "k2"));
    CHECK(fault_vfs::failed_syncs() == before + 1);
    CHECK(b.status == write_status::failed);  // committed, never acknowledged
    CHECK(b.error.find("I/O") != std::string::npos);
    CHECK(w.failure() == b.error);
    CHECK(w.durable_outbox_id() == 1);  // its outbox row is not sent on

    // Refused before anything reaches the WAL while the checkpoint cannot complete.
    const auto c = insert_sync(w, make_row(row_id(1, 3), "k3"));
    CHECK(c.status == write_status::failed);
    CHECK(c.error == b.error);
    const auto d = wait_done([&](group_writer::done cb) { w.mark_sent({1}, std::move(cb)); });
    CHECK_FALSE(d.ok);
    CHECK(w.max_sequence(1) == 2);  // probes still read: the committed row is there
    CHECK(fault_vfs::failed_syncs() > before + 1);  // a recovery was tried, and failed

    // The disk is back: the next write recovers first (after the pause between attempts).
    fault_vfs::fail_next_syncs(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const auto retry = insert_sync(w, make_row(row_id(1, 4), "k2"));
    CHECK(retry.status == write_status::replay);  // the refused row answers its retry: no second row
    CHECK(retry.id == row_id(1, 2));
    CHECK(w.failure().empty());
    CHECK(w.durable_outbox_id() == 2);
    CHECK(insert_sync(w, make_row(row_id(1, 5), "k3")).status == write_status::stored);
    // The listener and the observer hear of a group after its completions ran: read them
    // once the writer has stopped (and so answered everything).
    w.stop();
    std::lock_guard lk(m);
    CHECK(commits_failed == 3);  // b, c, d
    CHECK(announced == std::vector<std::int64_t>{1, 2, 3});  // k2's row once it was durable
  }
  group_writer w2(t.opts());
  CHECK(w2.durable_outbox_id() == 3);  // synced at open
  read_pool r(t.path());
  CHECK(r.counts_now().pending == 3);
  CHECK(r.find_complaint_now(row_id(1, 2)).has_value());
  CHECK_FALSE(r.find_complaint_now(row_id(1, 3)).has_value());
  CHECK(r.find_complaint_now(row_id(1, 5)).has_value());
}

TEST_CASE("pipelined: a group holding a probe is answered after every group before it was synced") {
  temp_db t;
  options o = t.opts();
  writer_gate gate;
  o.before_sync = [&gate] { gate.hold(); };
  o.inline_sync_below = std::chrono::microseconds{0};  // every group to the syncer
  group_writer w(o);
  std::promise<write_result> pa;
  auto fa = pa.get_future();
  w.insert_complaint(make_row(row_id(1, 1), "k1"), [&pa](write_result x) { pa.set_value(std::move(x)); });
  gate.wait_entered();
  auto seq = std::async(std::launch::async, [&w] { return w.max_sequence(1); });
  CHECK(seq.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
  gate.release();
  CHECK(fa.get().status == write_status::stored);
  CHECK(seq.get() == 1);
}

TEST_CASE("pipelined: with a fast fsync and an idle syncer the writer syncs and answers a group itself") {
  temp_db t;
  options o = t.opts();
  std::atomic<int> syncer_fsyncs{0};
  o.before_sync = [&syncer_fsyncs] { ++syncer_fsyncs; };
  o.inline_sync_below = std::chrono::hours(1);  // every fsync counts as fast
  group_writer w(o);
  std::vector<std::int64_t> announced;
  std::mutex m;
  w.set_outbox_listener([&](const std::vector<outbox_item>& items) {
    std::lock_guard lk(m);
    for (const auto& i : items) announced.push_back(i.id);
  });
  for (std::uint32_t i = 1; i <= 5; ++i) {
    std::promise<write_result> p;
    auto f = p.get_future();
    w.insert_complaint(make_row(row_id(1, i), "k" + std::to_string(i)), [&p](write_result x) { p.set_value(std::move(x)); });
    CHECK(f.get().status == write_status::stored);
    CHECK(w.durable_outbox_id() == static_cast<std::int64_t>(i));  // synced before it was answered
  }
  w.stop();
  CHECK(syncer_fsyncs.load() == 0);  // each group was idle-time work for the writer
  CHECK(announced == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  read_pool r(t.path());
  CHECK(r.counts_now().pending == 5);
}
