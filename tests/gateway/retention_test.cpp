#include "gateway/retention.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gateway/config.h"
#include "store/store.h"

using namespace lapor::gateway;
namespace store = lapor::store;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct temp_dir {
  fs::path path;
  temp_dir() {
    static std::atomic<int> n{0};
    path = fs::temp_directory_path() /
           ("lapor-retention-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "-" +
            std::to_string(std::random_device{}()));
    fs::create_directories(path / "attachments");
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every byte of the database's files (lapor.db, -wal, -shm, -journal), for a plain search.
std::string database_bytes(const fs::path& dir) {
  std::string all;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const auto p = dir / (std::string("lapor.db") + suffix);
    if (fs::exists(p)) all += file_bytes(p);
  }
  return all;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

const std::string photo_a(64, 'a'), photo_b(64, 'b');

// A complaint as the pipeline stores it: content, identity, idempotency key, sketch, identity
// link, photos and a promised reply SMS to the reporter.
store::complaint_row row(std::int64_t id, const std::string& secret, const std::vector<std::string>& photos) {
  std::string listed;
  for (const auto& p : photos)
    listed += (listed.empty() ? "" : ",") + std::string(R"({"sha256":")") + p + R"(","mime":"image/jpeg","size":3})";
  store::complaint_row r;
  r.id = id;
  r.tracking_id = "LPR-RET" + std::to_string(id);
  r.channel = "web";
  r.idempotency_key = "web:KEY-" + secret;
  r.request_fingerprint = "fp";
  r.received_at_ms = wall_ms();
  r.document = R"({"schema":"lapor.complaint/v1","tracking_id":")" + r.tracking_id + R"(","title":"BODY-)" + secret +
               R"(","reporter":{"phone":"+62812)" + secret + R"("},"attachments":[)" + listed + "]}";
  r.status_meta = R"({"kind":"complaint","verify_by":"2026-12-04","region":{"code":"62.02","level":"regency"},)"
                  R"("dedup":{"decision":"new","identity":"tel:+62812*****)" + secret + R"("}})";
  r.match_sketch = "SKETCH-" + secret;
  r.identity_links = {{"tel:+62812" + secret, "mailto:" + secret + "@example.id"}};
  r.outbox_destinations = {"dispatcher"};
  store::promised_message reply;
  reply.destination = "sms_reply";
  reply.recipient = "sms:telkomsel:62812" + secret;
  reply.payload = [secret](const store::write_result& w) { return "{\"to\":\"62812" + secret + "\",\"id\":\"" + w.tracking_id + "\"}"; };
  r.promises.push_back(std::move(reply));
  return r;
}

store::write_result insert(store::group_writer& w, store::complaint_row r) {
  std::promise<store::write_result> p;
  auto f = p.get_future();
  w.insert_complaint(std::move(r), [&p](store::write_result res) { p.set_value(std::move(res)); });
  return f.get();
}

bool mark_sent(store::group_writer& w, std::vector<std::int64_t> ids) {
  std::promise<bool> p;
  auto f = p.get_future();
  w.mark_sent(std::move(ids), [&p](bool ok, std::string) { p.set_value(ok); });
  return f.get();
}

// The outbox ids of `complaint` (its dispatcher row only, or all), waiting until `want` of them
// were announced: the writer tells its outbox listener after the group's completions.
std::vector<std::int64_t> rows_of(std::mutex& m, const std::vector<store::outbox_item>& created, std::int64_t complaint,
                                  bool dispatcher_only, std::size_t want) {
  for (int i = 0; i < 500; ++i) {
    std::vector<std::int64_t> ids;
    {
      const std::lock_guard lock(m);
      for (const auto& o : created)
        if (o.complaint_id == complaint && (!dispatcher_only || o.destination == "dispatcher")) ids.push_back(o.id);
    }
    if (ids.size() >= want) return ids;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {};
}

}  // namespace

TEST_CASE("retention: erased_status_meta keeps state, dates and region, drops the identity") {
  const auto meta = erased_status_meta(
      R"({"kind":"complaint","verify_by":"2026-12-04","region":{"code":"62.02"},"dedup":{"decision":"duplicate","of":"LPR-X","identity":"tel:+62812*****890"}})",
      1'764'000'000'000);
  CHECK(contains(meta, R"("region":{"code":"62.02"})"));
  CHECK(contains(meta, R"("verify_by":"2026-12-04")"));
  CHECK(contains(meta, R"("of":"LPR-X")"));
  CHECK_FALSE(contains(meta, "identity"));
  CHECK_FALSE(contains(meta, "890"));
  CHECK(contains(meta, R"("erased_at":"2025-11-24T16:00:00.000Z")"));
}

TEST_CASE("retention: attachment_hashes reads a complaint's photos and a duplicate's carried ones") {
  CHECK(attachment_hashes(R"({"attachments":[{"sha256":")" + photo_a + R"("},{"sha256":"../etc/passwd"}]})") ==
        std::vector<std::string>{photo_a});
  CHECK(attachment_hashes(R"({"schema":"lapor.duplicate/v1","complaint":{"attachments":[{"sha256":")" + photo_b +
                          R"("}]}})") == std::vector<std::string>{photo_b});
  CHECK(attachment_hashes("not json").empty());
}

TEST_CASE("retention: 31 days after the dispatcher's confirmation nothing of the report is left in data_dir") {
  temp_dir dir;
  const auto db = (dir.path / "lapor.db").string();
  std::ofstream(dir.path / "attachments" / photo_a) << "JPEG-OF-ERASED";
  std::ofstream(dir.path / "attachments" / photo_b) << "JPEG-OF-KEPT";
  const std::string erased_secret = "7770001", kept_secret = "8880002";

  store::options so;
  so.path = db;
  std::mutex m;
  std::vector<store::outbox_item> created;
  std::int64_t fake_now = 0;
  {
    store::group_writer w(so);
    w.set_outbox_listener([&](const std::vector<store::outbox_item>& c) {
      const std::lock_guard lock(m);
      created.insert(created.end(), c.begin(), c.end());
    });
    REQUIRE(insert(w, row(1, erased_secret, {photo_a, photo_b})).status == store::write_status::stored);
    REQUIRE(insert(w, row(2, kept_secret, {photo_b})).status == store::write_status::stored);  // never confirmed
    // Its dispatcher row and its reply SMS (the listener hears of them after the completion).
    const auto sent = rows_of(m, created, 1, false, 2);
    REQUIRE(sent.size() == 2);
    REQUIRE(mark_sent(w, sent));

    retention_options ro;
    ro.days = 30;
    ro.db_path = db;
    ro.attachments_dir = (dir.path / "attachments").string();
    ro.outbox_chunk = 1;  // several scrub transactions even for this small outbox
    ro.now_ms = [&fake_now] { return fake_now; };
    retention_sweeper sweeper(ro, w);

    // 29 days later: too early, nothing changes.
    fake_now = wall_ms() + 29 * day_ms;
    auto r = sweeper.run_pass();
    REQUIRE(r.error.empty());
    CHECK(r.complaints == 0);
    CHECK(fs::exists(dir.path / "attachments" / photo_a));

    // 31 days later: complaint 1 goes; 2 (never confirmed) stays.
    fake_now = wall_ms() + 31 * day_ms;
    r = sweeper.run_pass();
    REQUIRE_MESSAGE(r.error.empty(), r.error);
    CHECK(r.complaints == 1);
    CHECK(r.attachments == 1);
    CHECK(r.wal_truncated);
    CHECK_FALSE(fs::exists(dir.path / "attachments" / photo_a));
    CHECK(fs::exists(dir.path / "attachments" / photo_b));  // complaint 2, not erased, lists it too

    // Idempotent: a second pass finds nothing more.
    r = sweeper.run_pass();
    CHECK(r.complaints == 0);

    // Still answerable: the status row keeps its tracking ID, state, dates and region.
    store::read_pool reader(db);
    const auto s = reader.find_complaint_now(1);
    REQUIRE(s);
    CHECK(s->tracking_id == "LPR-RET1");
    CHECK(s->dispatch_state == store::outbox_state::sent);
    CHECK(s->received_at_ms > 0);
    CHECK(contains(s->status_meta, R"("code":"62.02")"));
    CHECK(contains(s->status_meta, "erased_at"));
    CHECK_FALSE(contains(s->status_meta, erased_secret));
    reader.stop();

    // While the writer still runs: the WAL was truncated, so the live files hold none of it.
    const auto live = database_bytes(dir.path);
    CHECK_FALSE(contains(live, erased_secret));
  }
  // After a clean stop too, and the search itself works: the kept reports are there.
  const auto bytes = database_bytes(dir.path);
  CHECK_FALSE(contains(bytes, erased_secret));
  CHECK_FALSE(contains(bytes, "BODY-" + erased_secret));
  CHECK_FALSE(contains(bytes, "SKETCH-" + erased_secret));
  CHECK(contains(bytes, "LPR-RET1"));
  CHECK(contains(bytes, "BODY-" + kept_secret));
  CHECK(contains(bytes, "SKETCH-" + kept_secret));
}

TEST_CASE("retention: retention.days shorter than the duplicate window is refused") {
  lapor::gateway::config c;
  const auto e = load_config(std::nullopt, {"retention.days=3", "dedup.window_days=7"}, c);
  REQUIRE(e);
  CHECK(e->key == "retention.days");
  CHECK_FALSE(load_config(std::nullopt, {"retention.days=7", "dedup.window_days=7"}, c));
  CHECK(c.retention.days == 7);
}
