// The forwarder's pure parts (how an answer is classified, how long to wait, which rows go
// next), the file sink, and the whole forwarder over a real store with a file:// sink. The
// HTTP path is exercised against a fake dispatcher by tests/integration/test_forwarder.py.
#include "gateway/outbox_forwarder.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gateway/dispatch_queue.h"
#include "gateway/dispatch_sink.h"

using namespace lapor::gateway;
using namespace std::chrono_literals;
namespace store = lapor::store;

namespace {

std::chrono::system_clock::time_point at(std::int64_t unix_seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
}

// Sun, 06 Nov 1994 08:49:37 GMT
constexpr std::int64_t rfc_example = 784111777;

store::outbox_item row(std::int64_t id, std::int64_t due_ms, std::string tracking_id = "", std::string payload = "{}") {
  store::outbox_item i;
  i.id = id;
  i.complaint_id = tracking_id.empty() ? 0 : id;
  i.tracking_id = std::move(tracking_id);
  i.destination = "dispatcher";
  i.payload = std::move(payload);
  i.next_attempt_ms = due_ms;
  return i;
}

}  // namespace

TEST_CASE("classify_http_status: 2xx delivered; 408, 429, 5xx retried; other 4xx dead") {
  struct {
    long status;
    delivery_outcome want;
  } const cases[] = {
      {200, delivery_outcome::delivered}, {201, delivery_outcome::delivered}, {202, delivery_outcome::delivered},
      {204, delivery_outcome::delivered}, {299, delivery_outcome::delivered}, {400, delivery_outcome::dead},
      {401, delivery_outcome::dead},      {403, delivery_outcome::dead},      {404, delivery_outcome::dead},
      {409, delivery_outcome::dead},      {413, delivery_outcome::dead},      {422, delivery_outcome::dead},
      {499, delivery_outcome::dead},      {408, delivery_outcome::retry},     {429, delivery_outcome::retry},
      {500, delivery_outcome::retry},     {502, delivery_outcome::retry},     {503, delivery_outcome::retry},
      {504, delivery_outcome::retry},     {599, delivery_outcome::retry},
      // Never a valid final answer from a dispatcher: keep the row and retry.
      {0, delivery_outcome::retry},       {100, delivery_outcome::retry},     {301, delivery_outcome::retry},
      {307, delivery_outcome::retry},     {600, delivery_outcome::retry},     {-1, delivery_outcome::retry},
  };
  for (const auto& c : cases) {
    CAPTURE(c.status);
    CHECK(classify_http_status(c.status) == c.want);
  }
}

TEST_CASE("parse_retry_after: delta-seconds") {
  const auto now = at(rfc_example);
  CHECK(parse_retry_after("0", now) == 0);
  CHECK(parse_retry_after("1", now) == 1);
  CHECK(parse_retry_after("120", now) == 120);
  CHECK(parse_retry_after("  30 ", now) == 30);
  CHECK(parse_retry_after("30\r\n", now) == 30);
  CHECK(parse_retry_after("0042", now) == 42);
  // Absurdly large values are clamped, not refused, and do not overflow.
  CHECK(parse_retry_after("99999999999999999999999", now) > 86400);
}

TEST_CASE("parse_retry_after: HTTP-date in all three RFC 9110 forms, relative to now") {
  const auto now = at(rfc_example - 120);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == 120);   // IMF-fixdate
  CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == 120);  // RFC 850
  CHECK(parse_retry_after("Sun Nov  6 08:49:37 1994", now) == 120);        // asctime
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now) == 180);
  // A date in the past (or now) means "retry now".
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at(rfc_example)) == 0);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at(rfc_example + 3600)) == 0);
  // Part of a second ahead rounds up, so the client never retries early.
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at(rfc_example) - 300ms) == 1);
  // Year 2000 onwards in the two-digit RFC 850 form.
  CHECK(parse_retry_after("Thursday, 01-Jan-26 00:00:00 GMT", at(1767225600 - 10)) == 10);
}

TEST_CASE("parse_retry_after: absent or garbage is -1") {
  const auto now = at(rfc_example);
  for (const char* bad : {"", "   ", "-5", "+5", "1.5", "5s", "soon", "0x10", "Sun, 06 Nov 1994 08:49:37",
                          "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT",
                          "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT trailing"}) {
    CAPTURE(bad);
    CHECK(parse_retry_after(bad, now) == -1);
  }
}

TEST_CASE("backoff_delay: full jitter under a capped exponential envelope") {
  const auto initial = 500ms, max = 300000ms;
  // The envelope (rnd just below 1) doubles per attempt until the cap.
  const double top = std::nextafter(1.0, 0.0);
  CHECK(backoff_delay(1, initial, max, top) == 499ms);
  CHECK(backoff_delay(2, initial, max, top) == 999ms);
  CHECK(backoff_delay(3, initial, max, top) == 1999ms);
  CHECK(backoff_delay(10, initial, max, top) == 255999ms);
  CHECK(backoff_delay(11, initial, max, top) == 299999ms);  // capped
  CHECK(backoff_delay(1000, initial, max, top) == 299999ms);
  CHECK(backoff_delay(std::numeric_limits<int>::max(), initial, max, top) == 299999ms);
  // rnd = 0 gives 0; half gives half the envelope.
  CHECK(backoff_delay(5, initial, max, 0.0) == 0ms);
  CHECK(backoff_delay(3, initial, max, 0.5) == 1000ms);
  // Out-of-range inputs are clamped, never beyond the envelope.
  CHECK(backoff_delay(3, initial, max, 1.0) < 2000ms);
  CHECK(backoff_delay(3, initial, max, 7.0) < 2000ms);
  CHECK(backoff_delay(3, initial, max, -1.0) == 0ms);
  CHECK(backoff_delay(0, initial, max, 0.5) == 250ms);  // attempt < 1 counts as the first
  CHECK(backoff_delay(-3, initial, max, 0.5) == 250ms);
  CHECK(backoff_delay(3, 0ms, max, 0.9) == 0ms);
  CHECK(backoff_delay(3, initial, 100ms, 0.5) == 50ms);  // max below initial: max wins

  // Random draws stay in [0, envelope], and the envelope never shrinks.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::chrono::milliseconds last_envelope{0};
  for (int attempt = 1; attempt <= 40; ++attempt) {
    const auto envelope = backoff_delay(attempt, initial, max, top);
    CHECK(envelope >= last_envelope);
    CHECK(envelope < max);
    last_envelope = envelope;
    for (int i = 0; i < 200; ++i) {
      const auto d = backoff_delay(attempt, initial, max, u(rng));
      CHECK(d >= 0ms);
      CHECK(d <= envelope);
    }
  }
}

TEST_CASE("next_step: outcome, Retry-After and max_attempts") {
  retry_policy p;
  p.initial = 1000ms;
  p.max = 60000ms;
  const std::int64_t now = 1'000'000;

  auto s = next_step(delivery_outcome::delivered, 3, p, now, -1, 0.5);
  CHECK(s.what == dispatch_step::action::sent);
  CHECK(s.attempts == 4);

  s = next_step(delivery_outcome::dead, 0, p, now, -1, 0.5);
  CHECK(s.what == dispatch_step::action::dead);
  CHECK(s.attempts == 1);

  s = next_step(delivery_outcome::retry, 0, p, now, -1, 0.5);
  CHECK(s.what == dispatch_step::action::retry);
  CHECK(s.attempts == 1);
  CHECK(s.next_attempt_ms == now + 500);

  s = next_step(delivery_outcome::retry, 2, p, now, -1, 0.5);  // third attempt: envelope 4 s
  CHECK(s.attempts == 3);
  CHECK(s.next_attempt_ms == now + 2000);

  // Retry-After wins when longer than the backoff, and is ignored when shorter.
  s = next_step(delivery_outcome::retry, 0, p, now, 30, 0.5);
  CHECK(s.next_attempt_ms == now + 30000);
  s = next_step(delivery_outcome::retry, 0, p, now, 0, 0.5);
  CHECK(s.next_attempt_ms == now + 500);
  // Even beyond backoff_max (the dispatcher knows best) but not without bound.
  s = next_step(delivery_outcome::retry, 0, p, now, 120, 0.0);
  CHECK(s.next_attempt_ms == now + 120000);
  s = next_step(delivery_outcome::retry, 0, p, now, 999999999L, 0.0);
  CHECK(s.next_attempt_ms == now + max_retry_after_seconds * 1000);

  // max_attempts > 0: the last allowed attempt failing turns the row into a dead letter.
  p.max_attempts = 3;
  CHECK(next_step(delivery_outcome::retry, 0, p, now, -1, 0.5).what == dispatch_step::action::retry);
  CHECK(next_step(delivery_outcome::retry, 1, p, now, -1, 0.5).what == dispatch_step::action::retry);
  s = next_step(delivery_outcome::retry, 2, p, now, -1, 0.5);
  CHECK(s.what == dispatch_step::action::dead);
  CHECK(s.attempts == 3);
  // A row already past the limit (limit lowered between runs) is not retried again.
  CHECK(next_step(delivery_outcome::retry, 10, p, now, -1, 0.5).what == dispatch_step::action::dead);
  // max_attempts = 0: forever.
  p.max_attempts = 0;
  CHECK(next_step(delivery_outcome::retry, 100000, p, now, -1, 0.5).what == dispatch_step::action::retry);
}

TEST_CASE("idempotency keys: tracking ID, outbox-<id>, batch-<first>-<last>-<digest of all>") {
  CHECK(idempotency_key_of(row(7, 0, "LPR-7K3D-9QX2-M")) == "LPR-7K3D-9QX2-M");
  CHECK(idempotency_key_of(row(42, 0)) == "outbox-42");
  const std::string two = batch_idempotency_key({"LPR-AAAA-AAAA-A", "LPR-BBBB-BBBB-B"});
  CHECK(two.starts_with("batch-LPR-AAAA-AAAA-A-LPR-BBBB-BBBB-B-"));
  CHECK(two.size() == std::string("batch-LPR-AAAA-AAAA-A-LPR-BBBB-BBBB-B-").size() + 16);
  CHECK(two == batch_idempotency_key({"LPR-AAAA-AAAA-A", "LPR-BBBB-BBBB-B"}));  // a retry of one set
  // The same first and last key with another row between them (the fourth probe saw one key
  // name two sets): another key.
  CHECK(two != batch_idempotency_key({"LPR-AAAA-AAAA-A", "LPR-CCCC-CCCC-C", "LPR-BBBB-BBBB-B"}));
  CHECK(batch_idempotency_key({"outbox-1"}).starts_with("batch-outbox-1-outbox-1-"));
}

TEST_CASE("document_order_keys: a document's own tracking ID and its original's") {
  CHECK(document_order_keys(R"({"schema":"lapor.complaint/v1","tracking_id":"LPR-A","channel":"sms"})") ==
        std::vector<std::string>{"LPR-A"});
  CHECK(document_order_keys(R"({"schema":"lapor.duplicate/v1","tracking_id":"LPR-B","duplicate_of":"LPR-A",)"
                            R"("score":1,"complaint":{"schema":"lapor.complaint/v1","tracking_id":"LPR-B"}})") ==
        std::vector<std::string>{"LPR-B", "LPR-A"});
  CHECK(document_order_keys(R"({"schema":"lapor.unmerge/v1","tracking_id":"LPR-B","was_duplicate_of":"LPR-A",)"
                            R"("unmerged_at":"x","complaint":{}})") == std::vector<std::string>{"LPR-B", "LPR-A"});
  CHECK(document_order_keys(R"({"to":"6281","text":"Laporan LPR-A"})").empty());  // a reply row
  CHECK(document_order_keys("").empty());
}

TEST_CASE("dispatch_queue: a duplicate link waits for its original, an unmerge for its link") {
  const auto doc = [](std::int64_t id, const char* json) {
    store::outbox_item it = row(id, 0);
    it.payload = json;
    return it;
  };
  dispatch_queue q(10);
  REQUIRE(q.add(doc(1, R"({"schema":"lapor.complaint/v1","tracking_id":"LPR-A"})")) == dispatch_queue::admit::added);
  REQUIRE(q.add(doc(2, R"({"schema":"lapor.duplicate/v1","tracking_id":"LPR-B","duplicate_of":"LPR-A"})")) ==
          dispatch_queue::admit::added);
  REQUIRE(q.add(doc(3, R"({"schema":"lapor.complaint/v1","tracking_id":"LPR-C"})")) == dispatch_queue::admit::added);
  // The original and an unrelated complaint go; the link waits.
  CHECK(q.take_due(0, 10) == std::vector<std::int64_t>{1, 3});
  CHECK(q.take_due(0, 10).empty());
  // The original fails and waits for its retry: the link still waits, and no wake-up is due for it.
  q.defer(1, 1, 500, "503");
  CHECK(q.take_due(100, 10).empty());
  CHECK(q.next_due_ms() == 500);
  CHECK(q.take_due(500, 10) == std::vector<std::int64_t>{1});
  q.finish(1);
  CHECK(q.take_due(500, 10) == std::vector<std::int64_t>{2});
  // An unmerge waits for the link it corrects, however long that one backs off.
  REQUIRE(q.add(doc(4, R"({"schema":"lapor.unmerge/v1","tracking_id":"LPR-B","was_duplicate_of":"LPR-A"})")) ==
          dispatch_queue::admit::added);
  q.defer(2, 1, 10'000, "503");
  CHECK(q.take_due(600, 10).empty());
  CHECK(q.next_due_ms() == 10'000);
  CHECK(q.take_due(10'000, 10) == std::vector<std::int64_t>{2});
  q.finish(2);
  CHECK(q.take_due(10'000, 10) == std::vector<std::int64_t>{4});
}

TEST_CASE("channel_of_document labels metrics from the canonical JSON") {
  CHECK(channel_of_document(R"({"schema":"lapor.complaint/v1","tracking_id":"LPR-X","channel":"sms","channel_ref":{}})") ==
        channel_kind::sms);
  CHECK(channel_of_document(R"({"schema": "lapor.duplicate/v1", "channel" : "mobile"})") == channel_kind::mobile);
  CHECK(channel_of_document(R"({"channel":"web"})") == channel_kind::web);
  CHECK(channel_of_document(R"({"channel":"twitter"})") == channel_kind::twitter);
  // The text of a field mentioning "channel" is escaped and never matches.
  CHECK(channel_of_document(R"({"body":"my \"channel\":\"sms\" broke","channel":"web"})") == channel_kind::web);
  // channel_ref is another member.
  CHECK(channel_of_document(R"({"channel_ref":{"operator":"x"},"channel":"sms"})") == channel_kind::sms);
  // Absent, unknown or malformed: counted under test.
  CHECK(channel_of_document(R"({"schema":"x"})") == channel_kind::test);
  CHECK(channel_of_document(R"({"channel":"fax"})") == channel_kind::test);
  CHECK(channel_of_document(R"({"channel":null})") == channel_kind::test);
  CHECK(channel_of_document(R"({"channel":"sms)") == channel_kind::test);
  CHECK(channel_of_document("") == channel_kind::test);
}

TEST_CASE("redact_url keeps credentials and query strings out of logs") {
  CHECK(redact_url("https://user:secret@dispatch.example.id:8443/v1/complaints?token=abc#x") ==
        "https://dispatch.example.id:8443/v1/complaints");
  CHECK(redact_url("http://127.0.0.1:8080/complaints") == "http://127.0.0.1:8080/complaints");
  CHECK(redact_url("http://a@b/c@d") == "http://b/c@d");
  CHECK(redact_url("file://./data/dispatched.jsonl") == "file://./data/dispatched.jsonl");
}

TEST_CASE("http_body: one document as is, a batch as a JSON array") {
  CHECK(http_body({R"({"a":1})"}, false) == R"({"a":1})");
  CHECK(http_body({R"({"a":1})"}, true) == R"([{"a":1}])");
  CHECK(http_body({R"({"a":1})", R"({"b":2})"}, true) == R"([{"a":1},{"b":2}])");
  CHECK(file_url_path("file:///var/lib/lapor/d.jsonl") == "/var/lib/lapor/d.jsonl");
  CHECK(file_url_path("file://./data/dispatched.jsonl") == "./data/dispatched.jsonl");
  CHECK(file_url_path("file://localhost/tmp/x") == "/tmp/x");
  CHECK(file_url_path("http://x") == "");
}

TEST_CASE("make_dispatch_sink refuses an unknown scheme at start-up") {
  forwarder_options o;
  o.url = "ftp://example/x";
  CHECK_THROWS_AS((void)make_dispatch_sink(o), std::invalid_argument);
  o.url = "file://";
  CHECK_THROWS_AS((void)make_dispatch_sink(o), std::invalid_argument);
  o.url = "http://127.0.0.1:1/x";
  auto http = make_dispatch_sink(o);
  CHECK(std::string(http->kind()) == "http");
  CHECK(http->capacity() == 4);
  CHECK(http->max_documents() == 1);
  o.batch = true;
  o.batch_size = 50;
  CHECK(make_dispatch_sink(o)->max_documents() == 50);
}

TEST_CASE("dispatch_queue: due order, in flight, defer, finish, bounded") {
  dispatch_queue q(4);
  CHECK(q.add(row(3, 100)) == dispatch_queue::admit::added);
  CHECK(q.add(row(1, 300)) == dispatch_queue::admit::added);
  CHECK(q.add(row(2, 100)) == dispatch_queue::admit::added);
  CHECK(q.add(row(2, 0)) == dispatch_queue::admit::known);  // notify and scan both saw it
  CHECK(q.resident() == 3);
  CHECK(q.next_due_ms() == 100);

  // Nothing is due before its time; earliest due first, ties by id.
  CHECK(q.take_due(99, 10).empty());
  CHECK(q.take_due(100, 10) == std::vector<std::int64_t>{2, 3});
  CHECK(q.in_flight(2));
  CHECK(q.in_flight_count() == 2);
  CHECK(q.waiting() == 1);
  CHECK(q.next_due_ms() == 300);

  // A failed attempt waits again with its new count.
  q.defer(2, 1, 500, "http 503");
  CHECK_FALSE(q.in_flight(2));
  CHECK(q.find(2)->attempts == 1);
  CHECK(q.find(2)->last_error == "http 503");
  CHECK(q.take_due(400, 10) == std::vector<std::int64_t>{1});
  CHECK(q.take_due(1000, 1) == std::vector<std::int64_t>{2});  // `n` bounds the batch

  // Bounded: a full queue refuses, the caller scans the store later.
  CHECK(q.add(row(4, 0)) == dispatch_queue::admit::added);
  CHECK(q.room() == 0);
  CHECK(q.add(row(5, 0)) == dispatch_queue::admit::full);

  // Finished rows are "finishing" until the store confirms, so a stale scan cannot re-add them.
  q.finish(3);
  CHECK(q.find(3) == nullptr);
  CHECK(q.finishing(3));
  CHECK(q.add(row(3, 0)) == dispatch_queue::admit::known);
  q.committed(3);
  CHECK_FALSE(q.finishing(3));
  CHECK(q.add(row(3, 0)) == dispatch_queue::admit::added);

  // A waiting row can be finished too (never sent: e.g. dropped by an operator).
  q.finish(4);
  CHECK(q.find(4) == nullptr);
  CHECK(q.waiting() == 1);  // row 3
}

TEST_CASE("dispatch_queue: pull_in after an outage keeps Retry-After deadlines") {
  dispatch_queue q(10);
  for (std::int64_t id : {1, 2, 3, 4}) REQUIRE(q.add(row(id, 0)) == dispatch_queue::admit::added);
  CHECK(q.take_due(0, 10).size() == 4);
  q.defer(1, 3, 90'000, "http 503");          // long backoff
  q.defer(2, 1, 20'000, "http 429", 15'000);  // the dispatcher asked for 15 s
  q.defer(3, 1, 2'000, "network");            // already due by the time of recovery
  q.defer(4, 1, 50'000, "http 429", 60'000);  // Retry-After beyond the backoff
  CHECK(q.pull_in(10'000) == 2);
  CHECK(q.take_due(10'000, 10) == std::vector<std::int64_t>{3, 1});
  CHECK(q.find(1)->next_attempt_ms == 10'000);
  CHECK(q.find(2)->next_attempt_ms == 15'000);
  CHECK(q.find(4)->next_attempt_ms == 50'000);
  CHECK(q.take_due(15'000, 10) == std::vector<std::int64_t>{2});
  CHECK(q.pull_in(16'000) == 0);
}

TEST_CASE("dispatch_queue: an operator's retry makes a waiting row due now") {
  dispatch_queue q(10);
  REQUIRE(q.add(row(9, 1'000'000)) == dispatch_queue::admit::added);
  CHECK(q.take_due(5000, 10).empty());
  auto fresh = row(9, 1'000'000);
  fresh.attempts = 0;  // the store's requeue may reset the count
  CHECK(q.expedite(fresh, 5000));
  CHECK(q.next_due_ms() == 5000);
  CHECK(q.take_due(5000, 10) == std::vector<std::int64_t>{9});
  CHECK_FALSE(q.expedite(row(9, 0), 6000));  // in flight: the attempt under way decides
  CHECK_FALSE(q.expedite(row(77, 0), 6000));  // not resident

  // A requeued dead letter is forgotten as "finishing" so it can come back.
  q.finish(9);
  CHECK(q.add(row(9, 0)) == dispatch_queue::admit::known);
  q.forget_finished(9);
  CHECK(q.add(row(9, 0)) == dispatch_queue::admit::added);
}

TEST_CASE("file sink: JSON lines appended, parent folders created, one line per document") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("lapor-fwd-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const fs::path file = dir / "a" / "b" / "dispatched.jsonl";  // a/b/ does not exist yet
  auto sink = make_file_sink(file.string(), 2);
  CHECK(sink->max_documents() == 2);
  CHECK(sink->capacity() >= 1);

  std::vector<dispatch_result> done;
  sink->run_once(0ms, done);  // idle: returns without results
  CHECK(done.empty());

  sink->begin({1, "LPR-1", {R"({"n":1})", "{\"n\":\n2}"}});
  sink->begin({2, "LPR-3", {R"({"n":3})"}});
  CHECK(sink->in_flight() == 2);
  sink->run_once(1000ms, done);
  REQUIRE(done.size() == 2);
  CHECK(done[0].tag == 1);
  CHECK(done[1].tag == 2);
  for (const auto& d : done) {
    CHECK(d.outcome == delivery_outcome::delivered);
    CHECK(d.error.empty());
  }
  CHECK(sink->in_flight() == 0);

  // Appends: a second sink (a restart) adds to the same file.
  auto again = make_file_sink(file.string(), 10);
  done.clear();
  again->begin({3, "LPR-4", {R"({"n":4})"}});
  again->run_once(0ms, done);
  REQUIRE(done.size() == 1);
  CHECK(done[0].outcome == delivery_outcome::delivered);

  // A restart after a kill -9 between the append and the store's "sent" sends those rows
  // again: a line already at the end of the file is not written twice (a file has no
  // Idempotency-Key; the fourth probe counted 30 doubled lines after 5 kills).
  auto after_kill = make_file_sink(file.string(), 10);
  done.clear();
  after_kill->begin({4, "LPR-3", {R"({"n":3})", "{\"n\":\n2}", R"({"n":5})"}});
  after_kill->run_once(0ms, done);
  REQUIRE(done.size() == 1);
  CHECK(done[0].outcome == delivery_outcome::delivered);

  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  CHECK(lines == std::vector<std::string>{R"({"n":1})", "{\"n\": 2}", R"({"n":3})", R"({"n":4})", R"({"n":5})"});

  // wakeup() from another thread ends an idle wait early.
  done.clear();
  sink->wakeup();
  const auto t0 = std::chrono::steady_clock::now();
  sink->run_once(5000ms, done);
  CHECK(std::chrono::steady_clock::now() - t0 < 2000ms);
  fs::remove_all(dir);
}

TEST_CASE("file sink: an unwritable path is a retry, not a crash") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("lapor-fwd-test-ro-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream blocker(dir / "not-a-dir");  // a file where a folder is needed
  }
  auto sink = make_file_sink((dir / "not-a-dir" / "x.jsonl").string(), 10);
  std::vector<dispatch_result> done;
  sink->begin({5, "LPR-5", {"{}"}});
  sink->run_once(0ms, done);
  REQUIRE(done.size() == 1);
  CHECK(done[0].outcome == delivery_outcome::retry);
  CHECK(done[0].error.rfind("file: ", 0) == 0);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// The whole forwarder over the real store (a temporary database) and the file sink.

namespace {

class temp_dir {
 public:
  temp_dir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("lapor-fwd-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = 10000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

std::string complaint_doc(int n, const char* channel) {
  return R"({"schema":"lapor.complaint/v1","tracking_id":"LPR-T)" + std::to_string(n) + R"(","channel":")" + channel + R"("})";
}

std::vector<std::string> read_lines(const std::filesystem::path& p) {
  std::vector<std::string> lines;
  std::ifstream in(p);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// A store (writer + reader on one temporary database) and a forwarder wired like main.cpp.
struct rig {
  temp_dir dir;
  store::options so;
  std::unique_ptr<store::group_writer> writer;
  std::unique_ptr<store::read_pool> reader;
  metrics stats;
  std::unique_ptr<outbox_forwarder> fwd;

  rig() {
    so.path = (dir.path() / "lapor.db").string();
    so.synchronous_full = false;
    writer = std::make_unique<store::group_writer>(so);
    reader = std::make_unique<store::read_pool>(so.path);
  }
  ~rig() {
    if (fwd) fwd->stop();
    writer->stop();
    fwd.reset();
    reader->stop();
  }

  forwarder_options file_options(const std::filesystem::path& out) const {
    forwarder_options o;
    o.url = "file://" + out.string();
    o.backoff_initial = 1ms;
    o.backoff_max = 20ms;
    o.batch_size = 7;
    return o;
  }

  void start(forwarder_options o) {
    fwd = std::make_unique<outbox_forwarder>(std::move(o), *writer, *reader, stats);
    writer->set_outbox_listener([f = fwd.get()](const std::vector<store::outbox_item>& created) { f->notify(created); });
    fwd->start();
  }
  void restart(forwarder_options o) {
    fwd->stop();
    start(std::move(o));  // the listener now points at the new forwarder
  }

  void enqueue(const std::string& destination, const std::string& payload) {
    std::promise<bool> done;
    writer->enqueue_outbox(destination, payload, 0, [&](bool ok, std::string) { done.set_value(ok); });
    REQUIRE(done.get_future().get());
  }

  std::vector<store::outbox_item> list(std::optional<store::outbox_state> state) {
    std::promise<std::vector<store::outbox_item>> p;
    reader->list_outbox(state, 0, 1000, [&](std::vector<store::outbox_item> v) { p.set_value(std::move(v)); });
    return p.get_future().get();
  }

  std::uint64_t total(counter c) const {
    std::uint64_t n = 0;
    for (auto ch : {channel_kind::sms, channel_kind::twitter, channel_kind::web, channel_kind::mobile, channel_kind::test})
      n += stats.get(c, ch);
    return n;
  }
};

}  // namespace

TEST_CASE("forwarder: resumes pending rows at start, forwards new ones, marks them sent") {
  rig r;
  const auto out = r.dir.path() / "out" / "dispatched.jsonl";
  // Rows left pending by a previous process, and one for another destination.
  for (int i = 0; i < 30; ++i) r.enqueue("dispatcher", complaint_doc(i, "sms"));
  r.enqueue("archive", complaint_doc(999, "web"));

  r.start(r.file_options(out));
  for (int i = 30; i < 50; ++i) r.enqueue("dispatcher", complaint_doc(i, i % 2 ? "web" : "mobile"));

  REQUIRE(wait_until([&] { return r.reader->counts_now().pending == 1; }));
  const auto lines = read_lines(out);
  CHECK(lines.size() == 50);
  std::set<std::string> unique(lines.begin(), lines.end());
  CHECK(unique.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(unique.contains(complaint_doc(i, i < 30 ? "sms" : i % 2 ? "web" : "mobile")));
  CHECK_FALSE(unique.contains(complaint_doc(999, "web")));

  CHECK(r.stats.get(counter::forwarded, channel_kind::sms) == 30);
  CHECK(r.stats.get(counter::forwarded, channel_kind::web) == 10);
  CHECK(r.stats.get(counter::forwarded, channel_kind::mobile) == 10);
  CHECK(r.total(counter::retried) == 0);
  CHECK(r.fwd->healthy());
  const auto sent = r.list(store::outbox_state::sent);
  CHECK(sent.size() == 50);
  for (const auto& i : sent) CHECK(i.destination == "dispatcher");

  // A restart forwards nothing twice.
  r.restart(r.file_options(out));
  r.enqueue("dispatcher", complaint_doc(50, "sms"));
  REQUIRE(wait_until([&] { return read_lines(out).size() == 51; }));
  std::this_thread::sleep_for(50ms);
  CHECK(read_lines(out).size() == 51);
}

TEST_CASE("forwarder: a failing sink retries with backoff, reports unhealthy, and recovers") {
  rig r;
  const auto blocker = r.dir.path() / "blocker";
  { std::ofstream(blocker) << "a file where the sink needs a folder"; }
  for (int i = 0; i < 3; ++i) r.enqueue("dispatcher", complaint_doc(i, "sms"));
  r.start(r.file_options(blocker / "dispatched.jsonl"));

  REQUIRE(wait_until([&] { return !r.fwd->healthy(); }));
  REQUIRE(wait_until([&] {
    auto rows = r.list(store::outbox_state::pending);
    return rows.size() == 3 && std::all_of(rows.begin(), rows.end(), [](const auto& i) { return i.attempts >= 2; });
  }));
  for (const auto& i : r.list(store::outbox_state::pending)) CHECK(i.last_error.rfind("file: ", 0) == 0);
  CHECK(r.total(counter::retried) >= 6);
  CHECK(r.total(counter::forwarded) == 0);

  // The folder appears: the next attempt delivers and health comes back.
  std::filesystem::remove(blocker);
  std::filesystem::create_directories(blocker);
  REQUIRE(wait_until([&] { return r.reader->counts_now().pending == 0; }));
  CHECK(read_lines(blocker / "dispatched.jsonl").size() == 3);
  CHECK(r.fwd->healthy());
  CHECK(r.total(counter::forwarded) == 3);
}

TEST_CASE("forwarder: max_attempts turns exhausted retries into dead letters; an operator retry sends again") {
  rig r;
  const auto blocker = r.dir.path() / "blocker";
  { std::ofstream(blocker) << "x"; }
  auto o = r.file_options(blocker / "dispatched.jsonl");
  o.max_attempts = 2;
  r.start(o);
  r.enqueue("dispatcher", complaint_doc(1, "web"));
  r.enqueue("dispatcher", complaint_doc(2, "web"));

  REQUIRE(wait_until([&] { return r.reader->counts_now().dead == 2; }));
  auto dead = r.list(store::outbox_state::dead);
  REQUIRE(dead.size() == 2);
  for (const auto& i : dead) {
    CHECK(i.attempts == 2);
    CHECK(i.last_error.rfind("gave up after 2 attempts: file: ", 0) == 0);
  }
  CHECK(r.stats.get(counter::dead_lettered, channel_kind::web) == 2);
  CHECK(r.stats.get(counter::retried, channel_kind::web) == 2);

  // The operator fixes the cause and retries one row (POST /admin/outbox/{id}/retry).
  std::filesystem::remove(blocker);
  std::filesystem::create_directories(blocker);
  std::promise<bool> requeued;
  const auto id = dead.front().id;
  r.writer->requeue(id, [&](bool ok, std::string) {
    r.fwd->retry_now(id);  // as the admin route does, on the writer thread
    requeued.set_value(ok);
  });
  REQUIRE(requeued.get_future().get());
  REQUIRE(wait_until([&] { return r.list(store::outbox_state::sent).size() == 1; }));
  CHECK(r.list(store::outbox_state::sent).front().id == id);
  CHECK(r.list(store::outbox_state::dead).size() == 1);
  CHECK(read_lines(blocker / "dispatched.jsonl").size() == 1);
}

TEST_CASE("forwarder: stop before start and twice is harmless; notify after stop is ignored") {
  rig r;
  r.fwd = std::make_unique<outbox_forwarder>(r.file_options(r.dir.path() / "x.jsonl"), *r.writer, *r.reader, r.stats);
  r.fwd->stop();
  r.fwd->stop();
  r.fwd->notify({store::outbox_item{}});
  r.fwd->retry_now(1);
  r.fwd->start();  // after stop: stays stopped
  CHECK(r.fwd->healthy());
}
