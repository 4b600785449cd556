// The store's side of duplicate detection: match_sketches and identity_links written with the
// row, read back for the window; the insert_decider's calls in commit order; relink().
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store/store.h"
#include "tests/store/store_test_support.h"

using namespace lapor::store;
using namespace lapor::store::testing;

namespace {

// Records what the writer tells it; marks every row after the first as a duplicate of it.
class recording_decider final : public insert_decider {
 public:
  void decide(complaint_row& row) noexcept override {
    calls.push_back("decide " + std::to_string(row.id));
    if (!first.empty()) {
      row.duplicate_of = first;
      row.outbox_payload = R"({"schema":"lapor.duplicate/v1","tracking_id":")" + row.tracking_id + "\"}";
    } else {
      first = row.tracking_id;
    }
    row.match_sketch = std::string("\x01\x00sketch", 8) + std::to_string(row.id);  // binary, with a NUL
    if (row.id % 2 == 0) row.identity_links.emplace_back("tel:+62812" + std::to_string(row.id), "twitter:x");
  }
  void undo_last() noexcept override { calls.emplace_back("undo"); }
  void relinked(std::int64_t id, const std::string& dup) noexcept override {
    calls.push_back("relinked " + std::to_string(id) + " '" + dup + "'");
  }
  void group_committed() noexcept override { calls.emplace_back("committed"); }
  void group_failed() noexcept override { calls.emplace_back("failed"); }

  std::vector<std::string> calls;
  std::string first;
};

}  // namespace

TEST_CASE("match state: two rows of one group are decided in order inside one transaction") {
  temp_db t;
  writer_gate gate;
  std::atomic<bool> armed{false};
  auto o = t.opts();
  o.before_apply = [&](std::size_t) {
    if (armed) gate.hold();
  };
  recording_decider d;
  group_writer w(o);
  w.set_insert_decider(&d);
  // Hold the writer on a cursor write, queue two rows meanwhile: they form the next group.
  armed = true;
  w.set_cursor("c", "v", {});
  gate.wait_entered();
  std::promise<void> both;
  std::vector<write_result> results(2);
  std::atomic<int> left{2};
  for (int i = 0; i < 2; ++i)
    w.insert_complaint(make_row(row_id(0, static_cast<std::uint32_t>(i + 1))), [&, i](write_result r) {
      results[static_cast<std::size_t>(i)] = std::move(r);
      if (--left == 0) both.set_value();
    });
  gate.release();
  both.get_future().wait();
  CHECK(d.calls == std::vector<std::string>{"committed", "decide 1", "decide 2", "committed"});
  CHECK(results[0].status == write_status::stored);
  CHECK(results[0].duplicate_of.empty());
  CHECK(results[1].status == write_status::stored);
  CHECK(results[1].duplicate_of == "LPR-T1");
  w.set_insert_decider(nullptr);

  std::vector<std::pair<std::string, std::string>> links;
  std::vector<std::pair<std::int64_t, std::string>> matches;
  w.scan_match_state(
      0, [&](std::string_view a, std::string_view b) { links.emplace_back(a, b); },
      [&](const match_record& m) { matches.emplace_back(m.complaint_id, std::string(m.duplicate_of) + "|" + std::string(m.sketch)); });
  REQUIRE(matches.size() == 2);
  CHECK(matches[0].first == 1);
  CHECK(matches[0].second == "|" + std::string("\x01\x00sketch", 8) + "1");
  CHECK(matches[1].second == "LPR-T1|" + std::string("\x01\x00sketch", 8) + "2");
  REQUIRE(links.size() == 1);
  CHECK(links[0] == std::pair<std::string, std::string>{"tel:+628122", "twitter:x"});

  // The duplicate's outbox row carries its link; the document stays the full complaint.
  read_pool r(t.path());
  auto pending = r.pending_outbox_now("dispatcher", 0, 10);
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].payload == make_row(row_id(0, 1)).document);
  CHECK(pending[1].payload == R"({"schema":"lapor.duplicate/v1","tracking_id":"LPR-T2"})");
  CHECK(r.find_complaint_now(2)->duplicate_of == "LPR-T1");

  // The window: sketches received before `since` are pruned and not reported.
  matches.clear();
  w.scan_match_state(make_row(2).received_at_ms, [](std::string_view, std::string_view) {},
                     [&](const match_record& m) { matches.emplace_back(m.complaint_id, ""); });
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].first == 2);
}

TEST_CASE("match state: replays are not decided; a refused row's decision is undone") {
  temp_db t;
  recording_decider d;
  group_writer w(t.opts());
  w.set_insert_decider(&d);
  REQUIRE(insert_sync(w, make_row(row_id(0, 1), "web:k1", "f")).status == write_status::stored);
  REQUIRE(insert_sync(w, make_row(row_id(0, 2), "web:k1", "f")).status == write_status::replay);
  // The same id again: the row is refused, the decider told to undo its decision.
  CHECK(insert_sync(w, make_row(row_id(0, 1))).status == write_status::failed);
  w.set_insert_decider(nullptr);
  CHECK(d.calls == std::vector<std::string>{"decide 1", "committed", "committed", "decide 1", "undo", "committed"});
}

TEST_CASE("relink: compare-and-set of duplicate_of, status_meta and a correction in one transaction") {
  temp_db t;
  recording_decider d;
  group_writer w(t.opts());
  std::vector<outbox_item> created;
  std::mutex mu;
  w.set_outbox_listener([&](const std::vector<outbox_item>& c) {
    std::lock_guard lk(mu);
    created.insert(created.end(), c.begin(), c.end());
  });
  w.set_insert_decider(&d);
  REQUIRE(insert_sync(w, make_row(1)).status == write_status::stored);
  REQUIRE(insert_sync(w, make_row(2)).duplicate_of == "LPR-T1");
  d.calls.clear();

  auto relink = [&](std::int64_t id, std::string expected) {
    return wait_done([&](group_writer::done done) {
      w.relink(id, std::move(expected), "", R"({"dedup":{"decision":"unmerged"}})", R"({"schema":"lapor.unmerge/v1","complaint":)",
               "}", std::move(done));
    });
  };
  auto wrong = relink(2, "LPR-OTHER");
  CHECK_FALSE(wrong.ok);
  CHECK(wrong.error == "complaint 2 is not a duplicate of LPR-OTHER");
  CHECK(relink(99, "LPR-T1").error == "unknown complaint id 99");
  auto ok = relink(2, "LPR-T1");
  CHECK(ok.ok);
  CHECK_FALSE(relink(2, "LPR-T1").ok);  // the second undo of one merge
  w.set_insert_decider(nullptr);
  CHECK(d.calls == std::vector<std::string>{"committed", "committed", "relinked 2 ''", "committed", "committed"});

  read_pool r(t.path());
  auto s = r.find_complaint_now(2);
  REQUIRE(s);
  CHECK(s->duplicate_of.empty());
  CHECK(s->status_meta == R"({"dedup":{"decision":"unmerged"}})");
  auto pending = r.pending_outbox_now("dispatcher", 2, 10);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].complaint_id == 0);
  CHECK(pending[0].payload == R"({"schema":"lapor.unmerge/v1","complaint":)" + make_row(2).document + "}");
  std::lock_guard lk(mu);
  REQUIRE_FALSE(created.empty());
  CHECK(created.back().payload == pending[0].payload);  // the forwarder's fast path sees it too
}
