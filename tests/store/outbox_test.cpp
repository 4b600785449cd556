#include <doctest/doctest.h>

#include <future>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "tests/store/store_test_support.h"

using namespace lapor::store;
using namespace lapor::store::testing;

namespace {

std::vector<std::int64_t> ids_of(const std::vector<outbox_item>& items) {
  std::vector<std::int64_t> v;
  for (const auto& i : items) v.push_back(i.id);
  return v;
}

}  // namespace

TEST_CASE("outbox transitions are reflected in counts, listings and the complaint's state") {
  temp_db t;
  group_writer w(t.opts());
  read_pool r(t.path());
  for (std::uint32_t i = 1; i <= 3; ++i) REQUIRE(insert_sync(w, make_row(row_id(1, i))).status == write_status::stored);
  // Outbox ids follow insertion: complaint i -> outbox row i.
  auto c = r.counts_now();
  CHECK(c.pending == 3);
  CHECK(c.sent == 0);
  CHECK(c.dead == 0);
  CHECK(c.oldest_pending_ms > 0);
  CHECK(ids_of(r.pending_outbox_now("dispatcher", 0, 10)) == std::vector<std::int64_t>{1, 2, 3});
  CHECK(ids_of(r.pending_outbox_now("dispatcher", 1, 10)) == std::vector<std::int64_t>{2, 3});
  CHECK(ids_of(r.pending_outbox_now("dispatcher", 0, 2)) == std::vector<std::int64_t>{1, 2});
  CHECK(r.pending_outbox_now("elsewhere", 0, 10).empty());

  SUBCASE("retry keeps the row pending with its attempts, time and error") {
    CHECK(wait_done([&](auto d) { w.mark_retry(2, 1, 1234567, "HTTP 503", d); }).ok);
    auto p = r.pending_outbox_now("dispatcher", 1, 1);
    REQUIRE(p.size() == 1);
    CHECK(p[0].id == 2);
    CHECK(p[0].attempts == 1);
    CHECK(p[0].next_attempt_ms == 1234567);
    CHECK(p[0].last_error == "HTTP 503");
    CHECK(p[0].updated_ms >= p[0].created_ms);
    CHECK(r.counts_now().pending == 3);
  }

  SUBCASE("sent, dead, requeue") {
    CHECK(wait_done([&](auto d) { w.mark_sent({1}, d); }).ok);
    CHECK(wait_done([&](auto d) { w.mark_dead(2, 3, "HTTP 400: bad schema", d); }).ok);
    c = r.counts_now();
    CHECK(c.pending == 1);
    CHECK(c.sent == 1);
    CHECK(c.dead == 1);
    CHECK(ids_of(r.pending_outbox_now("dispatcher", 0, 10)) == std::vector<std::int64_t>{3});

    std::promise<std::vector<outbox_item>> dead;
    r.list_outbox(outbox_state::dead, 0, 100, [&](std::vector<outbox_item> v) { dead.set_value(std::move(v)); });
    auto d = dead.get_future().get();
    REQUIRE(d.size() == 1);
    CHECK(d[0].id == 2);
    CHECK(d[0].state == outbox_state::dead);
    CHECK(d[0].attempts == 3);
    CHECK(d[0].last_error == "HTTP 400: bad schema");
    CHECK(d[0].tracking_id == make_row(row_id(1, 2)).tracking_id);

    std::promise<std::vector<outbox_item>> sent, all, pend;
    r.list_outbox(outbox_state::sent, 0, 100, [&](std::vector<outbox_item> v) { sent.set_value(std::move(v)); });
    r.list_outbox(std::nullopt, 0, 100, [&](std::vector<outbox_item> v) { all.set_value(std::move(v)); });
    r.list_outbox(outbox_state::pending, 0, 100, [&](std::vector<outbox_item> v) { pend.set_value(std::move(v)); });
    CHECK(ids_of(sent.get_future().get()) == std::vector<std::int64_t>{1});
    CHECK(ids_of(all.get_future().get()) == std::vector<std::int64_t>{1, 2, 3});
    CHECK(ids_of(pend.get_future().get()) == std::vector<std::int64_t>{3});

    auto s1 = r.find_complaint_now(row_id(1, 1));
    REQUIRE(s1.has_value());
    CHECK(s1->dispatch_state == outbox_state::sent);
    CHECK(r.find_complaint_now(row_id(1, 2))->dispatch_state == outbox_state::dead);

    // requeue: dead -> pending now, attempts kept.
    CHECK(wait_done([&](auto d2) { w.requeue(2, d2); }).ok);
    auto p = r.pending_outbox_now("dispatcher", 0, 10);
    CHECK(ids_of(p) == std::vector<std::int64_t>{2, 3});
    CHECK(p[0].attempts == 3);
    CHECK(p[0].next_attempt_ms == 0);
    c = r.counts_now();
    CHECK(c.pending == 2);
    CHECK(c.dead == 0);
    CHECK(c.sent == 1);

    // requeue of a pending row is fine; of a sent or unknown row it is refused.
    CHECK(wait_done([&](auto d2) { w.requeue(3, d2); }).ok);
    const auto again = wait_done([&](auto d2) { w.requeue(1, d2); });
    CHECK_FALSE(again.ok);
    CHECK(again.error.find("already sent") != std::string::npos);
    const auto unknown = wait_done([&](auto d2) { w.requeue(999, d2); });
    CHECK_FALSE(unknown.ok);
    CHECK(unknown.error == "unknown outbox id 999");

    // sent is final: a late retry or dead-letter changes nothing.
    CHECK(wait_done([&](auto d2) { w.mark_retry(1, 9, 5, "late", d2); }).ok);
    CHECK(wait_done([&](auto d2) { w.mark_dead(1, 9, "late", d2); }).ok);
    CHECK(r.find_complaint_now(row_id(1, 1))->dispatch_state == outbox_state::sent);
    CHECK(r.counts_now().sent == 1);

    // mark_sent of several ids, one unknown: the known ones are marked, the answer says which failed.
    const auto many = wait_done([&](auto d2) { w.mark_sent({2, 3, 4242, 1}, d2); });
    CHECK_FALSE(many.ok);
    CHECK(many.error == "unknown outbox id 4242");
    c = r.counts_now();
    CHECK(c.pending == 0);
    CHECK(c.sent == 3);
    CHECK(c.dead == 0);
    CHECK(c.oldest_pending_ms == 0);
  }
}

TEST_CASE("counts: the oldest pending row across destinations") {
  temp_db t;
  group_writer w(t.opts());
  read_pool r(t.path());
  CHECK(wait_done([&](auto d) { w.enqueue_outbox("b", "x", 0, d); }).ok);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(wait_done([&](auto d) { w.enqueue_outbox("a", "y", 0, d); }).ok);
  auto all = r.pending_outbox_now("b", 0, 10);
  REQUIRE(all.size() == 1);
  auto c = r.counts_now();
  CHECK(c.pending == 2);
  CHECK(c.oldest_pending_ms == all[0].created_ms);
  CHECK(wait_done([&](auto d) { w.mark_sent({1}, d); }).ok);
  c = r.counts_now();
  CHECK(c.oldest_pending_ms == r.pending_outbox_now("a", 0, 10).at(0).created_ms);
}

TEST_CASE("cursors: set, overwrite, read") {
  temp_db t;
  group_writer w(t.opts());
  read_pool r(t.path());
  CHECK_FALSE(r.get_cursor_now("twitter.since_id").has_value());
  CHECK(wait_done([&](auto d) { w.set_cursor("twitter.since_id", "100", d); }).ok);
  CHECK(wait_done([&](auto d) { w.set_cursor("twitter.since_id", "200", d); }).ok);
  CHECK(r.get_cursor_now("twitter.since_id") == std::optional<std::string>("200"));
  std::promise<std::optional<std::string>> p;
  r.get_cursor("twitter.since_id", [&](std::optional<std::string> v) { p.set_value(std::move(v)); });
  CHECK(p.get_future().get() == std::optional<std::string>("200"));
}

TEST_CASE("read_pool: async callbacks run on the pool's thread; after stop, on the caller's") {
  temp_db t;
  group_writer w(t.opts());
  REQUIRE(insert_sync(w, make_row(row_id(1, 1), "mobile:k1")).status == write_status::stored);
  read_pool r(t.path());
  std::promise<std::thread::id> where;
  std::promise<std::optional<complaint_summary>> found;
  r.find_complaint(row_id(1, 1), [&](std::optional<complaint_summary> s) {
    where.set_value(std::this_thread::get_id());
    found.set_value(std::move(s));
  });
  CHECK(where.get_future().get() != std::this_thread::get_id());
  CHECK(found.get_future().get().has_value());

  std::promise<std::optional<complaint_summary>> by_key, by_other;
  r.find_by_idempotency_key("mobile:k1", [&](auto s) { by_key.set_value(std::move(s)); });
  r.find_by_idempotency_key("mobile:k2", [&](auto s) { by_other.set_value(std::move(s)); });
  auto k = by_key.get_future().get();
  REQUIRE(k.has_value());
  CHECK(k->id == row_id(1, 1));
  CHECK_FALSE(by_other.get_future().get().has_value());

  std::promise<outbox_counts> counted;
  r.counts([&](outbox_counts c) { counted.set_value(c); });
  CHECK(counted.get_future().get().pending == 1);

  std::promise<std::vector<outbox_item>> pend;
  r.pending_outbox("dispatcher", 0, 10, [&](std::vector<outbox_item> v) { pend.set_value(std::move(v)); });
  CHECK(pend.get_future().get().size() == 1);

  r.stop();
  bool ran_here = false;
  r.find_complaint(row_id(1, 1), [&](std::optional<complaint_summary> s) { ran_here = s.has_value(); });
  CHECK(ran_here);
}
