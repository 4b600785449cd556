#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "store/database.h"
#include "store/retention.h"
#include "store_test_support.h"

using namespace lapor::store;
using namespace lapor::store::testing;

namespace {

std::int64_t scalar(database& db, const char* sql) {
  statement q(db, sql);
  REQUIRE(q.step() == db_row);
  return q.column_int64(0);
}

erase_batch::counts erase(group_writer& w, std::vector<erasure> entries, std::int64_t before, std::int64_t from = 0,
                          std::int64_t to = 0) {
  erase_batch b;
  b.entries = std::move(entries);
  b.confirmed_before_ms = before;
  b.outbox_from = from;
  b.outbox_to = to;
  b.done = std::make_shared<erase_batch::counts>();
  auto counted = b.done;
  const auto r = wait_done([&](group_writer::done d) { w.erase_personal_data(std::move(b), std::move(d)); });
  REQUIRE_MESSAGE(r.ok, r.error);
  return *counted;
}

}  // namespace

TEST_CASE("retention store: only confirmed, unchanged, not yet erased complaints are erased") {
  temp_db t;
  group_writer w(t.opts());
  for (std::uint32_t i = 1; i <= 3; ++i) {
    auto r = make_row(row_id(0, i), "k" + std::to_string(i));
    r.match_sketch = "sketch";
    r.identity_links = {{"tel:+6281" + std::to_string(i), "mailto:x" + std::to_string(i) + "@example.id"}};
    REQUIRE(insert_sync(w, r).status == write_status::stored);
  }
  // A fresh database numbers outbox rows from 1, one 'dispatcher' row per complaint here.
  const std::vector<std::int64_t> sent{1, 2};  // complaint 3's row stays pending
  REQUIRE(wait_done([&](group_writer::done d) { w.mark_sent(sent, std::move(d)); }).ok);
  const std::string meta = R"({"kind":"complaint"})";
  const std::int64_t later = std::int64_t{1} << 50;  // far after every updated_ms

  // Before the confirmation's cut-off: nothing.
  CHECK(erase(w, {{row_id(0, 1), meta, "{}"}}, 1).complaints == 0);
  // 1 with a stale expected status_meta (relinked since the scan): skipped; 2 erased; 3 pending.
  const auto c = erase(w, {{row_id(0, 1), "{\"kind\":\"other\"}", "{}"}, {row_id(0, 2), meta, R"({"erased_at":"x"})"},
                           {row_id(0, 3), meta, "{}"}},
                       later);
  CHECK(c.complaints == 1);
  // Twice is once.
  CHECK(erase(w, {{row_id(0, 2), R"({"erased_at":"x"})", "{}"}}, later).complaints == 0);
  w.stop();

  connection_options co;
  co.path = t.path();
  co.read_only = true;
  database db(co);
  CHECK(scalar(db, "SELECT count(*) FROM complaints WHERE document = ''") == 1);
  statement q(db, "SELECT status_meta, document FROM complaints WHERE id = ?1");
  q.bind(1, row_id(0, 2));
  REQUIRE(q.step() == db_row);
  CHECK(q.column_text(0) == R"({"erased_at":"x"})");
  CHECK(q.column_text(1).empty());
  CHECK(scalar(db, "SELECT count(*) FROM idempotency") == 2);
  CHECK(scalar(db, "SELECT count(*) FROM match_sketches") == 2);
  CHECK(scalar(db, "SELECT count(*) FROM identity_links") == 2);
  CHECK(scalar(db, "PRAGMA auto_vacuum") == 2);  // INCREMENTAL from birth
}

TEST_CASE("retention store: the scrub empties finished payloads, keeps a dead dispatcher row's and pending ones") {
  temp_db t;
  group_writer w(t.opts());
  for (const char* dest : {"sms_reply", "sms_reply", "dispatcher", "sms_reply"})
    REQUIRE(wait_done([&](group_writer::done d) { w.enqueue_outbox(dest, std::string("payload-") + dest, 0, std::move(d)); }).ok);
  const std::vector<std::int64_t> ids{1, 2, 3, 4};  // a fresh database numbers outbox rows from 1
  REQUIRE(wait_done([&](group_writer::done d) { w.mark_sent({ids[0]}, std::move(d)); }).ok);
  REQUIRE(wait_done([&](group_writer::done d) { w.mark_dead(ids[1], 1, "expired", std::move(d)); }).ok);
  REQUIRE(wait_done([&](group_writer::done d) { w.mark_dead(ids[2], 1, "422", std::move(d)); }).ok);
  // ids[3] stays pending.
  const auto c = erase(w, {}, std::int64_t{1} << 50, ids.front(), ids.back() + 1);
  CHECK(c.payloads == 2);  // the sent reply and the dead reply
  w.stop();
  connection_options co;
  co.path = t.path();
  co.read_only = true;
  database db(co);
  CHECK(scalar(db, "SELECT count(*) FROM outbox WHERE payload = ''") == 2);
  CHECK(scalar(db, "SELECT count(*) FROM outbox WHERE payload = 'payload-dispatcher'") == 1);
  CHECK(scalar(db, "SELECT count(*) FROM outbox WHERE payload = 'payload-sms_reply' AND state = 0") == 1);
}

TEST_CASE("retention store: a database made without auto-vacuum is converted once") {
  temp_db t;
  {
    group_writer w(t.opts());
    REQUIRE(insert_sync(w, make_row(row_id(0, 1))).status == write_status::stored);
  }
  {
    connection_options co;
    co.path = t.path();
    database db(co);
    db.exec_or_throw("PRAGMA auto_vacuum=NONE");
    db.exec_or_throw("VACUUM");
    REQUIRE(scalar(db, "PRAGMA auto_vacuum") == 0);
  }
  bool converted = false;
  REQUIRE_FALSE(ensure_incremental_vacuum(t.path(), converted));
  CHECK(converted);
  REQUIRE_FALSE(ensure_incremental_vacuum(t.path(), converted));
  CHECK_FALSE(converted);
  connection_options co;
  co.path = t.path();
  co.read_only = true;
  database db(co);
  CHECK(scalar(db, "PRAGMA auto_vacuum") == 2);
  CHECK(scalar(db, "SELECT count(*) FROM complaints") == 1);
}
