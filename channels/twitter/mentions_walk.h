// The mentions poller as a sans-I/O state machine (STYLE §3): feed it the last I/O result,
// get the next action. The thread that carries out the actions lives in mentions_poller.h.
//
// One *page set* = every page of GET /2/users/{id}/mentions?since_id=<cursor>, followed
// through meta.next_token (sent back as pagination_token, with the same since_id). Pages
// come newest first, so the new cursor is the greatest id of the whole set. The rule that
// makes "nothing lost, nothing twice" hold across kill -9:
//
//   * each page's mentions are submitted, and the next page fetched only after every one of
//     them was acknowledged (stored, duplicate/retry of a stored one, or rejected for good);
//     a refusal (store overloaded or failing) is submitted again after a backoff;
//   * the cursor is saved (its own durable write) only after the last page's mentions were
//     acknowledged, so a saved cursor never passes an uncommitted mention;
//   * a restart walks again from the saved cursor; what was already stored comes back as a
//     duplicate (the post id is the idempotency key), never as a second complaint.
//
// The API's limits: x-rate-limit-remaining 0 delays the next request until
// x-rate-limit-reset (+1 s); 429 waits until the reset (clamped to 1 s … 15 min; 10 s when
// the header is missing or the window still has budget) and repeats the same request; a 429 "usage-capped" and 401/403 are
// configuration errors (health(), retried every `config_error_retry`); 400 on a page with a
// pagination_token restarts the set from the cursor, without one it is a configuration
// error; 5xx, network errors, truncated or malformed bodies back off exponentially with full
// jitter (the same request again). Partial `errors` in a 200 are counted, never fatal.
//
// Late mentions: the API is known to index some mentions minutes late, with ids below ones
// already returned, so a strict since_id would skip them for good. Every `reconcile_every`
// page sets, one set starts instead from the cursor that was current `reconcile_window`
// ago (a cursor remembered in memory; after a restart, the cursor read at start). What it
// reads again comes back as duplicates; a late mention is stored, logged and counted.
#pragma once

#include <deque>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "channels/twitter/mention_submission.h"
#include "channels/twitter/mentions_page.h"

namespace lapor::twitter {

using wall_clock = std::chrono::system_clock;

struct rate_limit_info {
  std::optional<std::int64_t> limit, remaining, reset_epoch_s;
};

// Reads one response header line ("x-rate-limit-remaining: 447\r\n"), names matched
// case-insensitively; other lines are ignored. A line starting "HTTP/" (a new response,
// e.g. after a 100) clears what was read.
void read_rate_limit_header(std::string_view line, rate_limit_info& out);

struct api_response {
  bool transport_ok = false;  // false: connection failed, timed out, truncated or too large
  long status = 0;
  rate_limit_info limits;
  std::string body;
  std::string error;  // transport error text (never contains the token)
};

struct fetch_params {
  std::optional<std::uint64_t> since_id;  // absent: no cursor yet, read what the API holds
  std::string pagination_token;           // empty: first page of the set
  int max_results = 100;
};

enum class item_outcome {
  stored,     // a new complaint
  duplicate,  // already stored (a re-read after a restart, an edited post)
  rejected,   // refused for good (e.g. nothing left after cleaning); logged and counted
  retry,      // the store refused for now: submit again
};

enum class walk_health {
  ok,
  backing_off,   // transient failures (5xx, network, malformed): retrying
  rate_limited,  // waiting for the window to reset
  auth_error,    // 401/403: bad or unauthorised credentials
  request_error, // 400 without a pagination token: a configuration problem
  usage_capped,  // 429 usage-capped: the plan's monthly cap is spent
  stuck_page,    // the same request answered a body that does not parse, `stuck_after` times in a row
};
[[nodiscard]] const char* to_string(walk_health h) noexcept;
// True for the configuration states an operator must fix.
[[nodiscard]] bool is_config_error(walk_health h) noexcept;
// True when intake has stopped until somebody acts: a configuration error, or a page that
// keeps failing to parse (every poll reads it again, so nothing newer is read either). Shown
// by /readyz.
[[nodiscard]] bool blocks_intake(walk_health h) noexcept;

struct walk_options {
  mention_options mentions;
  int max_results = 100;
  std::chrono::milliseconds poll_interval{60000};
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{300000};
  std::chrono::milliseconds config_error_retry{300000};
  std::size_t alarm_pages = 8;    // the API keeps ~800 mentions: warn before a gap opens
  std::size_t alarm_tweets = 700;
  std::chrono::milliseconds reconcile_window{600000};  // 0: no reconciling sets
  int reconcile_every = 10;                              // page sets between two reconciling ones
  // Malformed answers in a row (each retried with backoff) after which the walk reports
  // stuck_page: a rare truncated body is noise, the same page failing again and again is not.
  int stuck_after = 5;
};

struct walk_action {
  enum class kind { fetch, submit, save_cursor, wait };
  kind what = kind::wait;
  fetch_params fetch;                    // fetch
  std::vector<mention_item> items;       // submit: hand each to the sink, report outcomes in order
  std::uint64_t cursor = 0;              // save_cursor
  std::chrono::milliseconds delay{0};    // wait, then call on_wait_over()
};

// Counters since construction, for metrics.
struct walk_stats {
  std::uint64_t requests = 0, ok_pages = 0, rate_limited = 0, server_errors = 0, network_errors = 0, malformed = 0,
                auth_errors = 0, bad_requests = 0, partial_errors = 0, malformed_items = 0,
                repaired_text = 0;
  std::uint64_t skipped_retweets = 0, skipped_own = 0, skipped_empty = 0, stored = 0, duplicates = 0, rejected = 0, store_retries = 0;
  std::uint64_t cursor_saves = 0, backlog_alarms = 0, reconciles = 0, late_mentions = 0;
  std::optional<std::int64_t> rate_limit_remaining;
};

class mentions_walk {
 public:
  mentions_walk(walk_options opts, std::optional<std::uint64_t> cursor);

  // The first action (a fetch, or a wait when started inside a rate-limit pause).
  [[nodiscard]] walk_action begin(wall_clock::time_point now);
  // After a fetch.
  [[nodiscard]] walk_action on_response(const api_response& r, wall_clock::time_point now, double rnd01);
  // After a submit: one outcome per item, in order.
  [[nodiscard]] walk_action on_submitted(const std::vector<item_outcome>& outcomes, wall_clock::time_point now,
                                         double rnd01);
  // After save_cursor: whether the cursor is durable.
  [[nodiscard]] walk_action on_cursor_saved(bool ok, wall_clock::time_point now, double rnd01);
  // After a wait.
  [[nodiscard]] walk_action on_wait_over(wall_clock::time_point now);

  [[nodiscard]] std::optional<std::uint64_t> cursor() const noexcept { return cursor_; }
  [[nodiscard]] walk_health health() const noexcept { return health_; }
  // Why health() is not ok, e.g. "http 401: Unauthorized" (no secrets: from the body's title).
  [[nodiscard]] const std::string& last_error() const noexcept { return last_error_; }
  [[nodiscard]] const walk_stats& stats() const noexcept { return stats_; }

 private:
  enum class next { fetch, submit, save };

  walk_action fetch_or_pause(wall_clock::time_point now);
  void start_set(wall_clock::time_point now);
  void remember(wall_clock::time_point now, std::uint64_t cursor);
  void set_finished();
  walk_action page_done(wall_clock::time_point now);
  walk_action transient(std::string error, wall_clock::time_point now, double rnd01);
  walk_action wait(std::chrono::milliseconds d, next then);
  walk_action config_error(walk_health h, std::string error);

  walk_options opts_;
  std::optional<std::uint64_t> cursor_;
  walk_health health_ = walk_health::ok;
  std::string last_error_;
  walk_stats stats_;

  // Cursors saved (or read at start) with when, newest last: where reconciling sets start.
  std::deque<std::pair<wall_clock::time_point, std::uint64_t>> history_;
  int sets_since_reconcile_ = 0;

  // The page set under way.
  bool new_set_ = true;                     // the next fetch starts a set: choose its since_id
  std::optional<std::uint64_t> set_since_;  // since_id of every page of the set
  bool reconciling_ = false;
  std::string token_;            // pagination token of the page to fetch
  std::string next_token_;       // of the page just read
  std::uint64_t set_newest_ = 0;
  std::size_t set_pages_ = 0, set_tweets_ = 0;
  std::vector<mention_item> pending_;  // submitted, waiting for outcomes / to be submitted again
  next after_wait_ = next::fetch;
  int failures_ = 0;                   // consecutive transient failures
  int malformed_in_a_row_ = 0;         // of them, answers that did not parse
  wall_clock::time_point not_before_{};  // no request before (rate limit)
};

}  // namespace lapor::twitter
