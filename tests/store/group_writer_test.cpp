#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "tests/store/store_test_support.h"

using namespace lapor::store;
using namespace lapor::store::testing;

TEST_CASE("insert: stored, then visible to read_pool with its dispatcher state") {
  temp_db t;
  group_writer w(t.opts());
  read_pool r(t.path());
  auto row = make_row(row_id(1, 1), "web:nonce-1", "fp-1");
  row.duplicate_of = "";
  const auto res = insert_sync(w, row);
  CHECK(res.status == write_status::stored);
  CHECK(res.id == row.id);
  CHECK(res.tracking_id == row.tracking_id);
  CHECK(res.error.empty());

  auto s = r.find_complaint_now(row.id);
  REQUIRE(s.has_value());
  CHECK(s->tracking_id == row.tracking_id);
  CHECK(s->channel == "web");
  CHECK(s->received_at_ms == row.received_at_ms);
  CHECK(s->status_meta == row.status_meta);
  CHECK(s->duplicate_of.empty());
  CHECK(s->dispatch_state == outbox_state::pending);
  CHECK(s->dispatch_updated_ms > 0);

  auto pending = r.pending_outbox_now("dispatcher", 0, 10);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].complaint_id == row.id);
  CHECK(pending[0].tracking_id == row.tracking_id);
  CHECK(pending[0].payload == row.document);  // resolved from the complaint
  CHECK(pending[0].state == outbox_state::pending);
  CHECK(pending[0].attempts == 0);
  CHECK(r.counts_now().pending == 1);
  CHECK_FALSE(r.find_complaint_now(row_id(1, 2)).has_value());
}

TEST_CASE("insert works on :memory: and max_sequence reads the writer's own connection") {
  options o;
  o.path = ":memory:";
  group_writer w(o);
  CHECK(w.max_sequence(1) == 0);
  CHECK(insert_sync(w, make_row(row_id(1, 41))).status == write_status::stored);
  CHECK(insert_sync(w, make_row(row_id(1, 7))).status == write_status::stored);
  CHECK(w.max_sequence(1) == 41);
  CHECK(w.max_sequence(0) == 0);
  CHECK(w.max_sequence(2) == 0);
}

TEST_CASE("max_sequence: bounded to its node, including the top sequence") {
  options o;
  o.path = ":memory:";
  group_writer w(o);
  CHECK(insert_sync(w, make_row(row_id(3, 0xffffffffu))).status == write_status::stored);
  CHECK(insert_sync(w, make_row(row_id(5, 9))).status == write_status::stored);
  CHECK(w.max_sequence(3) == 0xffffffffu);
  CHECK(w.max_sequence(4) == 0);
  CHECK(w.max_sequence(5) == 9);
  CHECK(w.max_sequence(255) == 0);
  w.stop();
  CHECK(w.max_sequence(5) == 9);  // after stop it runs on the caller's thread
}

TEST_CASE("idempotency: a replay stores nothing and answers with the first tracking id") {
  temp_db t;
  group_writer w(t.opts());
  read_pool r(t.path());
  auto first = make_row(row_id(1, 1), "mobile:abc", "fp");
  first.duplicate_of = "LPR-ORIG-INAL-X";
  REQUIRE(insert_sync(w, first).status == write_status::stored);

  auto again = make_row(row_id(1, 2), "mobile:abc", "fp");
  const auto res = insert_sync(w, again);
  CHECK(res.status == write_status::replay);
  CHECK(res.id == first.id);
  CHECK(res.tracking_id == first.tracking_id);
  CHECK(res.duplicate_of == "LPR-ORIG-INAL-X");
  CHECK_FALSE(r.find_complaint_now(again.id).has_value());
  CHECK(r.counts_now().pending == 1);

  SUBCASE("an empty fingerprint is not compared") {
    CHECK(insert_sync(w, make_row(row_id(1, 3), "mobile:abc", "")).status == write_status::replay);
  }
  SUBCASE("another fingerprint is a conflict, and nothing is stored") {
    const auto c = insert_sync(w, make_row(row_id(1, 4), "mobile:abc", "other"));
    CHECK(c.status == write_status::conflict);
    CHECK(c.tracking_id.empty());
    CHECK_FALSE(r.find_complaint_now(row_id(1, 4)).has_value());
  }
  SUBCASE("keys are exact: another key is a new complaint") {
    CHECK(insert_sync(w, make_row(row_id(1, 5), "mobile:abd", "fp")).status == write_status::stored);
    CHECK(insert_sync(w, make_row(row_id(1, 6), "sms:abc", "fp")).status == write_status::stored);
  }
  SUBCASE("rows without a key are never replays") {
    CHECK(insert_sync(w, make_row(row_id(1, 7))).status == write_status::stored);
    CHECK(insert_sync(w, make_row(row_id(1, 8))).status == write_status::stored);
  }
}

TEST_CASE("idempotency: a later request in the same group sees the key") {
  temp_db t;
  writer_gate gate;
  options o = t.opts();
  o.before_apply = gate.hook();
  group_writer w(o);
  read_pool r(t.path());
  std::promise<write_result> p0;
  w.insert_complaint(make_row(row_id(1, 1)), [&](write_result x) { p0.set_value(x); });
  gate.wait_entered();  // the writer holds group 1: the next three form one group

  std::vector<std::promise<write_result>> ps(3);
  w.insert_complaint(make_row(row_id(1, 2), "sms:telkomsel:m1", "f"), [&](write_result x) { ps[0].set_value(x); });
  w.insert_complaint(make_row(row_id(1, 3), "sms:telkomsel:m1", "f"), [&](write_result x) { ps[1].set_value(x); });
  w.insert_complaint(make_row(row_id(1, 4), "sms:telkomsel:m1", "g"), [&](write_result x) { ps[2].set_value(x); });
  CHECK(w.queued() == 4);
  gate.release();
  CHECK(p0.get_future().get().status == write_status::stored);
  const auto a = ps[0].get_future().get();
  const auto b = ps[1].get_future().get();
  const auto c = ps[2].get_future().get();
  CHECK(a.status == write_status::stored);
  CHECK(b.status == write_status::replay);
  CHECK(b.id == row_id(1, 2));
  CHECK(b.tracking_id == a.tracking_id);
  CHECK(c.status == write_status::conflict);
  CHECK_FALSE(r.find_complaint_now(row_id(1, 3)).has_value());
  CHECK(r.counts_now().pending == 2);

  // And after a restart the key is still known (the index is rebuilt from disk).
  w.stop();
  group_writer w2(t.opts());
  const auto d = insert_sync(w2, make_row(row_id(1, 9), "sms:telkomsel:m1", "f"));
  CHECK(d.status == write_status::replay);
  CHECK(d.tracking_id == a.tracking_id);
}

TEST_CASE("a complaint id stored twice fails that request only") {
  options o;
  o.path = ":memory:";
  writer_gate gate;
  o.before_apply = gate.hook();
  group_writer w(o);
  std::promise<write_result> p0;
  w.insert_complaint(make_row(row_id(1, 1)), [&](write_result x) { p0.set_value(x); });
  gate.wait_entered();
  std::promise<write_result> p1, p2;
  w.insert_complaint(make_row(row_id(1, 1), "k1"), [&](write_result x) { p1.set_value(x); });
  w.insert_complaint(make_row(row_id(1, 2), "k2"), [&](write_result x) { p2.set_value(x); });
  gate.release();
  CHECK(p0.get_future().get().status == write_status::stored);
  const auto dup = p1.get_future().get();
  CHECK(dup.status == write_status::failed);
  CHECK(dup.error.find("already stored") != std::string::npos);
  CHECK(p2.get_future().get().status == write_status::stored);
  // The failed request's key was not recorded.
  CHECK(insert_sync(w, make_row(row_id(1, 3), "k1")).status == write_status::stored);
  CHECK(insert_sync(w, make_row(row_id(1, 4), "k2")).status == write_status::replay);
}

TEST_CASE("concurrent producers: all complete, commits are grouped") {
  temp_db t;
  constexpr int threads = 4, per_thread = 5000;
  group_writer w(t.opts());
  std::atomic<std::size_t> groups{0}, rows{0}, failed_commits{0};
  w.set_commit_observer([&](std::size_t n, std::chrono::microseconds, bool ok) {
    groups.fetch_add(1);
    rows.fetch_add(n);
    if (!ok) failed_commits.fetch_add(1);
  });
  std::atomic<int> stored{0}, other{0};
  std::mutex m;
  std::condition_variable cv;
  int completed = 0;
  std::vector<std::thread> producers;
  for (int p = 0; p < threads; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < per_thread; ++i) {
        const auto seq = static_cast<std::uint32_t>(p * per_thread + i + 1);
        w.insert_complaint(make_row(row_id(1, seq), std::string("k").append(std::to_string(seq))), [&](write_result r) {
          (r.status == write_status::stored ? stored : other).fetch_add(1);
          std::lock_guard lk(m);
          if (++completed == threads * per_thread) cv.notify_all();
        });
      }
    });
  }
  for (auto& th : producers) th.join();
  {
    std::unique_lock lk(m);
    cv.wait(lk, [&] { return completed == threads * per_thread; });
  }
  // A probe through the queue: it runs after the last group's observer.
  CHECK(w.max_sequence(1) == threads * per_thread);
  CHECK(stored == threads * per_thread);
  CHECK(other == 0);
  CHECK(failed_commits == 0);
  CHECK(rows == static_cast<std::size_t>(threads * per_thread));
  const double average = static_cast<double>(rows) / static_cast<double>(groups);
  MESSAGE("groups: " << groups.load() << ", average group size " << average);
  CHECK(average > 1.0);
  CHECK(w.queued() == 0);
  read_pool r(t.path());
  CHECK(r.counts_now().pending == threads * per_thread);
}

TEST_CASE("backpressure: beyond queue_limit an insert is refused at once on the caller's thread") {
  options o;
  o.path = ":memory:";
  o.queue_limit = 1;
  writer_gate gate;
  o.before_apply = gate.hook();
  group_writer w(o);
  std::promise<write_result> pa, pb;
  w.insert_complaint(make_row(row_id(1, 1)), [&](write_result x) { pa.set_value(x); });
  gate.wait_entered();
  w.insert_complaint(make_row(row_id(1, 2)), [&](write_result x) { pb.set_value(x); });  // fills the queue
  const auto caller = std::this_thread::get_id();
  bool called = false;
  w.insert_complaint(make_row(row_id(1, 3)), [&](write_result x) {
    called = true;
    CHECK(std::this_thread::get_id() == caller);
    CHECK(x.status == write_status::overloaded);
  });
  CHECK(called);
  // Outbox changes are never refused.
  std::promise<done_result> pc;
  w.set_cursor("c", "v", [&](bool ok, std::string e) { pc.set_value({ok, e}); });
  gate.release();
  CHECK(pa.get_future().get().status == write_status::stored);
  CHECK(pb.get_future().get().status == write_status::stored);
  CHECK(pc.get_future().get().ok);
  CHECK(w.max_sequence(1) == 2);
}

TEST_CASE("outbox listener: told the rows a commit created, payload resolved") {
  temp_db t;
  group_writer w(t.opts());
  std::mutex m;
  std::vector<outbox_item> seen;
  w.set_outbox_listener([&](const std::vector<outbox_item>& created) {
    std::lock_guard lk(m);
    seen.insert(seen.end(), created.begin(), created.end());
  });
  auto row = make_row(row_id(1, 1));
  row.outbox_destinations = {"dispatcher", "archive"};
  REQUIRE(insert_sync(w, row).status == write_status::stored);
  // A replay creates nothing.
  auto keyed = make_row(row_id(1, 2), "k");
  REQUIRE(insert_sync(w, keyed).status == write_status::stored);
  REQUIRE(insert_sync(w, make_row(row_id(1, 3), "k")).status == write_status::replay);
  const auto e1 = wait_done([&](auto d) { w.enqueue_outbox("audit", "own payload", 0, d); });
  CHECK(e1.ok);
  const auto e2 = wait_done([&](auto d) { w.enqueue_outbox("late", "", row.id, d); });
  CHECK(e2.ok);
  const auto e3 = wait_done([&](auto d) { w.enqueue_outbox("late", "", row_id(9, 9), d); });
  CHECK_FALSE(e3.ok);
  CHECK(e3.error.find("unknown complaint") != std::string::npos);

  std::lock_guard lk(m);
  REQUIRE(seen.size() == 5);
  CHECK(seen[0].id == 1);
  CHECK(seen[0].destination == "dispatcher");
  CHECK(seen[1].id == 2);
  CHECK(seen[1].destination == "archive");
  for (int i = 0; i < 2; ++i) {
    CHECK(seen[i].complaint_id == row.id);
    CHECK(seen[i].tracking_id == row.tracking_id);
    CHECK(seen[i].payload == row.document);
    CHECK(seen[i].state == outbox_state::pending);
    CHECK(seen[i].created_ms > 0);
  }
  CHECK(seen[2].complaint_id == keyed.id);
  CHECK(seen[3].destination == "audit");
  CHECK(seen[3].payload == "own payload");
  CHECK(seen[3].complaint_id == 0);
  CHECK(seen[3].tracking_id.empty());
  CHECK(seen[4].destination == "late");
  CHECK(seen[4].payload == row.document);
  CHECK(seen[4].tracking_id == row.tracking_id);

  read_pool r(t.path());
  CHECK(r.counts_now().pending == 5);
  auto late = r.pending_outbox_now("late", 0, 10);
  REQUIRE(late.size() == 1);
  CHECK(late[0].payload == row.document);
  auto audit = r.pending_outbox_now("audit", 0, 10);
  REQUIRE(audit.size() == 1);
  CHECK(audit[0].payload == "own payload");
}

TEST_CASE("stop: commits what is queued, then refuses; a reopen shows everything acknowledged") {
  temp_db t;
  std::atomic<int> acked{0};
  {
    group_writer w(t.opts());
    for (std::uint32_t i = 1; i <= 500; ++i)
      w.insert_complaint(make_row(row_id(2, i), std::string("k").append(std::to_string(i))), [&](write_result r) {
        if (r.status == write_status::stored) acked.fetch_add(1);
      });
    w.stop();
    CHECK(acked == 500);
    CHECK(w.queued() == 0);
    write_result late;
    bool called = false;
    w.insert_complaint(make_row(row_id(2, 501)), [&](write_result r) {
      late = r;
      called = true;
    });
    CHECK(called);
    CHECK(late.status == write_status::failed);
    CHECK(late.error == "stopping");
    const auto d = wait_done([&](auto done) { w.mark_sent({1}, done); });
    CHECK_FALSE(d.ok);
    CHECK(d.error == "stopping");
    w.stop();  // idempotent
  }
  group_writer w(t.opts());
  CHECK(w.max_sequence(2) == 500);
  read_pool r(t.path());
  CHECK(r.counts_now().pending == 500);
  for (std::uint32_t i = 1; i <= 500; i += 37) CHECK(r.find_complaint_now(row_id(2, i)).has_value());
  CHECK(insert_sync(w, make_row(row_id(2, 600), "k250")).status == write_status::replay);
}

TEST_CASE("promises: one per answered tracking id and recipient, in a group, across groups and restarts") {
  temp_db t;
  auto promise = [](std::string recipient) {
    promised_message p;
    p.destination = "sms_reply";
    p.recipient = std::move(recipient);
    p.payload = [](const write_result& a) { return "reply " + a.answered_id(); };
    return p;
  };
  {
    group_writer w(t.opts());
    read_pool r(t.path());
    // Two requests in one group with the same key: the second is a replay and promises nothing.
    std::mutex mu;
    std::condition_variable cv;
    std::vector<write_result> got;
    auto a = make_row(row_id(1, 1), "sms:k1", "fp");
    a.promises.push_back(promise("sms:tsel:62811"));
    auto b = make_row(row_id(1, 2), "sms:k1", "fp");
    b.promises.push_back(promise("sms:tsel:62811"));
    for (auto* row : {&a, &b})
      w.insert_complaint(*row, [&](write_result res) {
        std::lock_guard lk(mu);
        got.push_back(std::move(res));
        cv.notify_all();
      });
    {
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return got.size() == 2; });
    }
    CHECK(got[0].promises_written + got[1].promises_written == 1);
    CHECK(got[0].promises_skipped + got[1].promises_skipped == 1);
    // A later group: another recipient is promised, the same one is not.
    auto c = make_row(row_id(1, 3), "sms:k1", "fp");
    c.promises.push_back(promise("sms:tsel:62811"));
    c.promises.push_back(promise("sms:isat:62855"));
    const auto res = insert_sync(w, c);
    CHECK(res.status == write_status::replay);
    CHECK(res.promises_written == 1);
    CHECK(res.promises_skipped == 1);
    const auto rows = r.pending_outbox_now("sms_reply", 0, 10);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].payload == "reply " + a.tracking_id);
  }
  // After a restart the promise set is rebuilt from the outbox.
  group_writer w(t.opts());
  auto d = make_row(row_id(1, 4), "sms:k1", "fp");
  d.promises.push_back(promise("sms:tsel:62811"));
  const auto res = insert_sync(w, d);
  CHECK(res.promises_written == 0);
  CHECK(res.promises_skipped == 1);
}

// The queue limit counts what waits, nothing else: producers far below it are never refused.
// (The writer's queue head was once read before the queue's lock: a head the writer had just
// reset made the count wrap around, and about 1 in 30,000 submissions under load was refused
// "store queue full" with an empty queue.)
TEST_CASE("load: producers below the queue limit are never refused, however the writer races them") {
  options o;
  o.path = ":memory:";
  o.queue_limit = 1000;
  o.max_group = 64;  // many group takes, each one a chance to race
  group_writer w(o);
  constexpr int producers = 4, per_producer = 30000, window = 32;
  std::atomic<int> refused{0}, stored{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&, p] {
      std::atomic<int> in_flight{0};
      for (int i = 0; i < per_producer; ++i) {
        while (in_flight.load(std::memory_order_acquire) >= window) std::this_thread::yield();
        in_flight.fetch_add(1, std::memory_order_acq_rel);
        w.insert_complaint(make_row(row_id(static_cast<std::uint8_t>(p + 1), static_cast<std::uint32_t>(i + 1))),
                           [&](write_result r) {
                             if (r.status == write_status::stored) stored.fetch_add(1);
                             else refused.fetch_add(1);
                             in_flight.fetch_sub(1, std::memory_order_acq_rel);
                           });
      }
      while (in_flight.load(std::memory_order_acquire) > 0) std::this_thread::yield();
    });
  for (auto& t : threads) t.join();
  CHECK(refused.load() == 0);
  CHECK(stored.load() == producers * per_producer);
}

TEST_CASE("outbox rows on disk keep their destination and payload after the listener took them") {
  // The listener's items take the destinations and payloads by move; the rows written in the
  // group (row_batch.h) must hold their own copies (a restart reads them back).
  temp_db t;
  group_writer w(t.opts());
  std::atomic<std::size_t> told{0};  // the listener runs after the completions: not checked here
  w.set_outbox_listener([&](const std::vector<outbox_item>& created) { told += created.size(); });
  auto plain = make_row(row_id(1, 1));
  plain.outbox_destinations = {"dispatcher", "archive"};
  auto own = make_row(row_id(1, 2));
  own.outbox_destinations = {"dispatcher"};
  own.outbox_payload = R"({"schema":"lapor.duplicate/v1"})";
  REQUIRE(insert_sync(w, plain).status == write_status::stored);
  REQUIRE(insert_sync(w, own).status == write_status::stored);

  read_pool r(t.path());
  const auto dispatched = r.pending_outbox_now("dispatcher", 0, 10);
  REQUIRE(dispatched.size() == 2);
  CHECK(dispatched[0].complaint_id == plain.id);
  CHECK(dispatched[0].payload == plain.document);
  CHECK(dispatched[1].complaint_id == own.id);
  CHECK(dispatched[1].payload == own.outbox_payload);
  const auto archived = r.pending_outbox_now("archive", 0, 10);
  REQUIRE(archived.size() == 1);
  CHECK(archived[0].payload == plain.document);
}
