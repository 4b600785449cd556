#include <doctest/doctest.h>

#include "channels/twitter/mentions_walk.h"
#include "fixtures.h"

using namespace lapor::twitter;
using namespace std::chrono_literals;
using kind = walk_action::kind;

namespace {

const wall_clock::time_point t0 = wall_clock::time_point(std::chrono::seconds(1795144542));

walk_options options() {
  walk_options o;
  o.mentions.our_user_id = 1497254331178708992ull;
  o.max_results = 5;
  o.poll_interval = 15s;
  o.backoff_initial = 1s;
  o.backoff_max = 60s;
  o.config_error_retry = 300s;
  return o;
}

api_response ok(const char* body, std::optional<std::int64_t> remaining = 447, std::optional<std::int64_t> reset = {}) {
  api_response r;
  r.transport_ok = true;
  r.status = 200;
  r.body = body;
  r.limits.limit = 450;
  r.limits.remaining = remaining;
  r.limits.reset_epoch_s = reset;
  return r;
}

api_response status(long code, const char* body = "", std::optional<std::int64_t> reset = {}) {
  api_response r;
  r.transport_ok = true;
  r.status = code;
  r.body = body;
  r.limits.reset_epoch_s = reset;
  if (reset) r.limits.remaining = 0;
  return r;
}

api_response network(const char* error) {
  api_response r;
  r.error = error;
  return r;
}

std::vector<item_outcome> all(std::size_t n, item_outcome o) { return std::vector<item_outcome>(n, o); }

std::int64_t epoch(wall_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

TEST_CASE("a page set: submitted page by page, the cursor saved once, after the last acknowledgement") {
  mentions_walk w(options(), 2123553282847801346ull);
  auto a = w.begin(t0);
  REQUIRE(a.what == kind::fetch);
  CHECK(a.fetch.since_id == std::optional<std::uint64_t>(2123553282847801346ull));
  CHECK(a.fetch.pagination_token.empty());
  CHECK(a.fetch.max_results == 5);

  a = w.on_response(ok(fixtures::page1), t0, 0.5);
  REQUIRE(a.what == kind::submit);
  REQUIRE(a.items.size() == 3);
  CHECK(a.items[0].tweet_id == 2123616243545145355ull);

  a = w.on_submitted(all(3, item_outcome::stored), t0, 0.5);
  REQUIRE(a.what == kind::fetch);  // the next page, not a cursor save
  CHECK(a.fetch.pagination_token == "7140dibdnow9c7btw4827l0b8vcp7ndsb5n7khpuirtx4");
  CHECK(a.fetch.since_id == std::optional<std::uint64_t>(2123553282847801346ull));  // same since_id on every page
  CHECK(w.cursor() == std::optional<std::uint64_t>(2123553282847801346ull));

  a = w.on_response(ok(fixtures::page2), t0, 0.5);
  REQUIRE(a.what == kind::submit);
  CHECK(a.items.size() == 2);  // the retweet is skipped
  CHECK(w.stats().skipped_retweets == 1);
  CHECK(w.stats().partial_errors == 1);

  a = w.on_submitted({item_outcome::stored, item_outcome::duplicate}, t0, 0.5);
  REQUIRE(a.what == kind::save_cursor);
  CHECK(a.cursor == 2123616243545145355ull);  // newest of the whole set: page 1's, not page 2's
  CHECK(w.cursor() == std::optional<std::uint64_t>(2123553282847801346ull));  // not before it is durable

  a = w.on_cursor_saved(true, t0, 0.5);
  CHECK(w.cursor() == std::optional<std::uint64_t>(2123616243545145355ull));
  REQUIRE(a.what == kind::wait);
  CHECK(a.delay == 15s);

  a = w.on_wait_over(t0 + 15s);
  REQUIRE(a.what == kind::fetch);
  CHECK(a.fetch.since_id == std::optional<std::uint64_t>(2123616243545145355ull));
  CHECK(a.fetch.pagination_token.empty());

  a = w.on_response(ok(fixtures::empty), t0 + 15s, 0.5);
  REQUIRE(a.what == kind::wait);  // nothing new: no cursor write
  CHECK(a.delay == 15s);
  CHECK(w.stats().stored == 4);
  CHECK(w.stats().duplicates == 1);
  CHECK(w.stats().cursor_saves == 1);
}

TEST_CASE("no cursor yet: the first walk has no since_id") {
  mentions_walk w(options(), std::nullopt);
  auto a = w.begin(t0);
  REQUIRE(a.what == kind::fetch);
  CHECK_FALSE(a.fetch.since_id.has_value());
  a = w.on_response(ok(fixtures::empty), t0, 0.5);
  CHECK(a.what == kind::wait);
  CHECK_FALSE(w.cursor().has_value());
}

TEST_CASE("a refused submission is submitted again after a backoff; the cursor waits for it") {
  mentions_walk w(options(), 1ull);
  auto a = w.begin(t0);
  a = w.on_response(ok(fixtures::page2), t0, 0.5);
  REQUIRE(a.items.size() == 2);
  a = w.on_submitted({item_outcome::stored, item_outcome::retry}, t0, 0.5);
  REQUIRE(a.what == kind::wait);
  CHECK(a.delay >= 500ms);
  a = w.on_wait_over(t0 + a.delay);
  REQUIRE(a.what == kind::submit);
  REQUIRE(a.items.size() == 1);
  CHECK(a.items[0].tweet_id == 2123599709598777353ull);
  a = w.on_submitted({item_outcome::rejected}, t0 + 2s, 0.5);  // rejected for good counts as handled
  REQUIRE(a.what == kind::save_cursor);
  CHECK(a.cursor == 2123604973450297345ull);
  CHECK(w.stats().rejected == 1);
  CHECK(w.stats().store_retries == 1);
}

TEST_CASE("a failed cursor write is retried, never skipped") {
  mentions_walk w(options(), 1ull);
  auto a = w.begin(t0);
  a = w.on_response(ok(fixtures::page2), t0, 0.5);
  a = w.on_submitted(all(2, item_outcome::stored), t0, 0.5);
  REQUIRE(a.what == kind::save_cursor);
  a = w.on_cursor_saved(false, t0, 0.5);
  REQUIRE(a.what == kind::wait);
  CHECK(w.cursor() == std::optional<std::uint64_t>(1ull));
  a = w.on_wait_over(t0 + a.delay);
  REQUIRE(a.what == kind::save_cursor);
  CHECK(a.cursor == 2123604973450297345ull);
  a = w.on_cursor_saved(true, t0 + 5s, 0.5);
  CHECK(w.cursor() == std::optional<std::uint64_t>(2123604973450297345ull));
}

TEST_CASE("429 between pages: wait until the reset, then the same page again") {
  mentions_walk w(options(), 5ull);
  auto a = w.begin(t0);
  a = w.on_response(ok(fixtures::page1), t0, 0.5);
  a = w.on_submitted(all(3, item_outcome::stored), t0, 0.5);
  REQUIRE(a.what == kind::fetch);
  const std::string token = a.fetch.pagination_token;

  a = w.on_response(status(429, fixtures::problem_429, epoch(t0) + 30), t0, 0.5);
  REQUIRE(a.what == kind::wait);
  CHECK(a.delay == 31s);  // reset + 1 s of slack
  CHECK(w.health() == walk_health::rate_limited);
  CHECK_FALSE(is_config_error(w.health()));

  // Woken early (a spurious wake-up): still paused.
  a = w.on_wait_over(t0 + 10s);
  REQUIRE(a.what == kind::wait);
  CHECK(a.delay == 21s);
  a = w.on_wait_over(t0 + 31s);
  REQUIRE(a.what == kind::fetch);
  CHECK(a.fetch.pagination_token == token);
  CHECK(a.fetch.since_id == std::optional<std::uint64_t>(5ull));
  CHECK(w.cursor() == std::optional<std::uint64_t>(5ull));

  a = w.on_response(ok(fixtures::page2), t0 + 31s, 0.5);
  CHECK(w.health() == walk_health::ok);
  a = w.on_submitted(all(2, item_outcome::stored), t0 + 31s, 0.5);
  REQUIRE(a.what == kind::save_cursor);
  CHECK(a.cursor == 2123616243545145355ull);
}

TEST_CASE("429 waits are clamped: a reset in the past waits 1 s, no header 10 s, far future 15 min, budget left 10 s") {
  mentions_walk w(options(), 5ull);
  auto a = w.begin(t0);
  a = w.on_response(status(429, fixtures::problem_429, epoch(t0) - 100), t0, 0.5);
  CHECK(a.delay == 1s);
  a = w.on_wait_over(t0 + 1s);
  a = w.on_response(status(429, fixtures::problem_429), t0 + 1s, 0.5);
  CHECK(a.delay == 10s);
  a = w.on_wait_over(t0 + 11s);
  a = w.on_response(status(429, fixtures::problem_429, epoch(t0) + 86400), t0 + 11s, 0.5);
  CHECK(a.delay == 900s);
  a = w.on_wait_over(t0 + 911s);
  auto budget_left = status(429, fixtures::problem_429, epoch(t0) + 1800);
  budget_left.limits.remaining = 12;  // another limit than the 15-minute window
  a = w.on_response(budget_left, t0 + 911s, 0.5);
  CHECK(a.delay == 10s);
  CHECK(w.stats().rate_limited == 4);
}

TEST_CASE("remaining 0 on a good page paces the next request until the reset") {
  mentions_walk w(options(), 5ull);
  auto a = w.begin(t0);
  a = w.on_response(ok(fixtures::page1, 0, epoch(t0) + 20), t0, 0.5);
  a = w.on_submitted(all(3, item_outcome::stored), t0 + 1s, 0.5);
  REQUIRE(a.what == kind::wait);  // not a fetch: the window is spent
  CHECK(a.delay == 20s);
  a = w.on_wait_over(t0 + 21s);
  REQUIRE(a.what == kind::fetch);
  CHECK_FALSE(a.fetch.pagination_token.empty());
  CHECK(w.stats().rate_limit_remaining == std::optional<std::int64_t>(0));
}

TEST_CASE("5xx, network errors and malformed bodies back off exponentially and repeat the same request") {
  mentions_walk w(options(), 5ull);
  auto a = w.begin(t0);
  a = w.on_response(status(503, R"({"title":"Service Unavailable","type":"about:blank","status":503})"), t0, 0.99);
  REQUIRE(a.what == kind::wait);
  const auto first = a.delay;
  CHECK(first >= 500ms);
  CHECK(first <= 1s);
  CHECK(w.health() == walk_health::backing_off);
  CHECK(w.last_error() == "http 503: Service Unavailable");
  a = w.on_wait_over(t0 + first);
  REQUIRE(a.what == kind::fetch);
  a = w.on_response(network("Transferred a partial file"), t0, 0.99);
  CHECK(a.delay > first);  // grows
  a = w.on_wait_over(t0 + 10s);
  a = w.on_response(ok("{\"data\":[{\"id\":\"1\""), t0 + 10s, 0.99);  // truncated JSON with a 200
  REQUIRE(a.what == kind::wait);
  CHECK(w.last_error().starts_with("malformed page"));
  a = w.on_wait_over(t0 + 20s);
  a = w.on_response(ok("<html>oops</html>"), t0 + 20s, 0.99);
  for (int i = 0; i < 20; ++i) {
    a = w.on_wait_over(t0 + 30s);
    a = w.on_response(status(502), t0 + 30s, 0.99);
    CHECK(a.delay <= 60s);  // capped
  }
  a = w.on_wait_over(t0 + 100s);
  REQUIRE(a.what == kind::fetch);
  CHECK(a.fetch.since_id == std::optional<std::uint64_t>(5ull));
  a = w.on_response(ok(fixtures::empty), t0 + 100s, 0.99);
  CHECK(w.health() == walk_health::ok);
  CHECK(w.stats().server_errors == 21);
  CHECK(w.stats().network_errors == 1);
  CHECK(w.stats().malformed == 2);
  CHECK(w.cursor() == std::optional<std::uint64_t>(5ull));
}

TEST_CASE("401/403 and a usage cap are configuration errors, retried slowly, cleared by a good page") {
  mentions_walk w(options(), 5ull);
  auto a = w.begin(t0);
  a = w.on_response(status(401, fixtures::problem_401), t0, 0.5);
  REQUIRE(a.what == kind::wait);
  CHECK(a.delay == 300s);
  CHECK(w.health() == walk_health::auth_error);
  CHECK(is_config_error(w.health()));
  CHECK(w.last_error() == "http 401: Unauthorized");
  a = w.on_wait_over(t0 + 300s);
  REQUIRE(a.what == kind::fetch);
  a = w.on_response(status(429, fixtures::usage_capped), t0 + 300s, 0.5);
  CHECK(w.health() == walk_health::usage_capped);
  CHECK(a.delay == 300s);
  a = w.on_wait_over(t0 + 600s);
  a = w.on_response(status(403, R"({"title":"Client Forbidden","type":"https://api.twitter.com/2/problems/client-forbidden"})"),
                    t0 + 600s, 0.5);
  CHECK(w.last_error() == "http 403: client-forbidden");
  a = w.on_wait_over(t0 + 900s);
  a = w.on_response(ok(fixtures::empty), t0 + 900s, 0.5);
  CHECK(w.health() == walk_health::ok);
  CHECK(w.last_error().empty());
}

TEST_CASE("400 on a later page restarts the set from the cursor; on the first page it is a configuration error") {
  mentions_walk w(options(), 5ull);
  auto a = w.begin(t0);
  a = w.on_response(ok(fixtures::page1), t0, 0.5);
  a = w.on_submitted(all(3, item_outcome::stored), t0, 0.5);
  REQUIRE(!a.fetch.pagination_token.empty());
  a = w.on_response(status(400, fixtures::bad_token), t0, 0.5);
  REQUIRE(a.what == kind::fetch);
  CHECK(a.fetch.pagination_token.empty());
  CHECK(a.fetch.since_id == std::optional<std::uint64_t>(5ull));
  a = w.on_response(status(400, fixtures::bad_token), t0, 0.5);
  REQUIRE(a.what == kind::wait);
  CHECK(w.health() == walk_health::request_error);
  CHECK(w.last_error() == "http 400: invalid-request");
}

TEST_CASE("a set of many pages raises the backlog alarm") {
  auto o = options();
  o.alarm_pages = 2;
  mentions_walk w(o, 5ull);
  auto a = w.begin(t0);
  a = w.on_response(ok(fixtures::page1), t0, 0.5);
  a = w.on_submitted(all(3, item_outcome::stored), t0, 0.5);
  a = w.on_response(ok(fixtures::page2), t0, 0.5);
  a = w.on_submitted(all(2, item_outcome::stored), t0, 0.5);
  CHECK(a.what == kind::save_cursor);
  CHECK(w.stats().backlog_alarms == 1);
}

TEST_CASE("max_results is kept within the API's 5..100") {
  auto o = options();
  o.max_results = 1000;
  mentions_walk w(o, std::nullopt);
  CHECK(w.begin(t0).fetch.max_results == 100);
}

TEST_CASE("rate-limit headers: case-insensitive, reset by a new status line, junk ignored") {
  rate_limit_info r;
  read_rate_limit_header("X-Rate-Limit-Limit: 450\r\n", r);
  read_rate_limit_header("x-rate-limit-remaining:447\r\n", r);
  read_rate_limit_header("x-rate-limit-reset: 1763609400\r\n", r);
  read_rate_limit_header("x-rate-limit-resetx: 5\r\n", r);
  read_rate_limit_header("content-type: application/json\r\n", r);
  CHECK(r.limit == std::optional<std::int64_t>(450));
  CHECK(r.remaining == std::optional<std::int64_t>(447));
  CHECK(r.reset_epoch_s == std::optional<std::int64_t>(1763609400));
  read_rate_limit_header("x-rate-limit-remaining: lots\r\n", r);
  CHECK_FALSE(r.remaining.has_value());
  read_rate_limit_header("HTTP/1.1 200 OK\r\n", r);
  CHECK_FALSE(r.limit.has_value());
  CHECK_FALSE(r.reset_epoch_s.has_value());
}

TEST_CASE("reconciling sets start from the cursor of reconcile_window ago and find late mentions") {
  auto o = options();
  o.reconcile_window = 60s;
  o.reconcile_every = 2;
  mentions_walk w(o, 100ull);
  auto now = t0;
  auto a = w.begin(now);
  CHECK(a.fetch.since_id == std::optional<std::uint64_t>(100ull));
  // Set 1: page 2 only (no next_token) -> cursor 2123604973450297345.
  a = w.on_response(ok(fixtures::page2), now, 0.5);
  a = w.on_submitted(all(2, item_outcome::stored), now, 0.5);
  REQUIRE(a.what == kind::save_cursor);
  a = w.on_cursor_saved(true, now, 0.5);
  // Set 2, 15 s later: normal.
  now += 15s;
  a = w.on_wait_over(now);
  CHECK(a.fetch.since_id == std::optional<std::uint64_t>(2123604973450297345ull));
  a = w.on_response(ok(fixtures::empty), now, 0.5);
  // Set 3: due, but no cursor is a minute old yet: the oldest known (the one read at start).
  now += 15s;
  a = w.on_wait_over(now);
  CHECK(a.fetch.since_id == std::optional<std::uint64_t>(100ull));
  CHECK(w.stats().reconciles == 1);
  // It reads page 2 again (duplicates) and one mention below the cursor that is new: late.
  a = w.on_response(ok(fixtures::page2), now, 0.5);
  REQUIRE(a.items.size() == 2);
  a = w.on_submitted({item_outcome::duplicate, item_outcome::stored}, now, 0.5);
  CHECK(w.stats().late_mentions == 1);
  REQUIRE(a.what == kind::wait);  // nothing newer than the cursor: no cursor write
  CHECK(w.cursor() == std::optional<std::uint64_t>(2123604973450297345ull));
  // Set 4 normal; set 5 is due again, but the newest cursor a minute old is the current
  // one, so it is a normal set; set 6 normal.
  for (int i = 0; i < 2; ++i) {
    now += 15s;
    a = w.on_wait_over(now);
    CHECK(a.fetch.since_id == std::optional<std::uint64_t>(2123604973450297345ull));
    a = w.on_response(ok(fixtures::empty), now, 0.5);
  }
  now += 15s;
  a = w.on_wait_over(now);
  CHECK(a.fetch.since_id == std::optional<std::uint64_t>(2123604973450297345ull));
  CHECK(w.stats().reconciles == 1);
}

TEST_CASE("reconciling can be switched off") {
  auto o = options();
  o.reconcile_window = 0s;
  o.reconcile_every = 1;
  mentions_walk w(o, 100ull);
  auto a = w.begin(t0);
  a = w.on_response(ok(fixtures::page2), t0, 0.5);
  a = w.on_submitted(all(2, item_outcome::stored), t0, 0.5);
  a = w.on_cursor_saved(true, t0, 0.5);
  for (int i = 1; i <= 3; ++i) {
    a = w.on_wait_over(t0 + i * 100s);
    CHECK(a.fetch.since_id == std::optional<std::uint64_t>(2123604973450297345ull));
    a = w.on_response(ok(fixtures::empty), t0 + i * 100s, 0.5);
  }
  CHECK(w.stats().reconciles == 0);
}
