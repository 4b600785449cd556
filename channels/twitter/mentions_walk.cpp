#include "channels/twitter/mentions_walk.h"

#include <algorithm>
#include <charconv>

#include "gateway/log.h"
#include "gateway/outbox_forwarder.h"

namespace lapor::twitter {

namespace log = gateway::log;
using std::chrono::milliseconds;

namespace {

constexpr auto reset_slack = std::chrono::seconds(1);
constexpr auto max_rate_wait = std::chrono::seconds(900);
constexpr auto min_rate_wait = std::chrono::seconds(1);
constexpr auto missing_reset_wait = std::chrono::seconds(10);

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}

std::optional<std::int64_t> header_int(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n')) v.remove_suffix(1);
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || n < 0) return std::nullopt;
  return n;
}

// Printable ASCII, bounded: safe in a log line and in /readyz.
std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) break;
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : ' ');
  }
  return out;
}

std::string http_error(long status, const std::string& body) {
  std::string kind = problem_kind(body);
  std::string e = "http " + std::to_string(status);
  if (!kind.empty()) e += ": " + printable(kind, 100);
  return e;
}

milliseconds until(wall_clock::time_point t, wall_clock::time_point now) {
  return t > now ? std::chrono::duration_cast<milliseconds>(t - now) : milliseconds(0);
}

}  // namespace

void read_rate_limit_header(std::string_view line, rate_limit_info& out) {
  if (starts_with_nocase(line, "http/")) {
    out = {};
    return;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  const std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
  auto is = [&](std::string_view n) { return name.size() == n.size() && starts_with_nocase(name, n); };
  if (is("x-rate-limit-limit")) out.limit = header_int(value);
  else if (is("x-rate-limit-remaining")) out.remaining = header_int(value);
  else if (is("x-rate-limit-reset")) out.reset_epoch_s = header_int(value);
}

const char* to_string(walk_health h) noexcept {
  switch (h) {
    case walk_health::ok: return "ok";
    case walk_health::backing_off: return "backing_off";
    case walk_health::rate_limited: return "rate_limited";
    case walk_health::auth_error: return "auth_error";
    case walk_health::request_error: return "request_error";
    case walk_health::usage_capped: return "usage_capped";
    case walk_health::stuck_page: return "stuck_page";
  }
  return "ok";
}

bool is_config_error(walk_health h) noexcept {
  return h == walk_health::auth_error || h == walk_health::request_error || h == walk_health::usage_capped;
}

bool blocks_intake(walk_health h) noexcept { return is_config_error(h) || h == walk_health::stuck_page; }

mentions_walk::mentions_walk(walk_options opts, std::optional<std::uint64_t> cursor)
    : opts_(std::move(opts)), cursor_(cursor) {
  opts_.max_results = std::clamp(opts_.max_results, 5, 100);
}

walk_action mentions_walk::begin(wall_clock::time_point now) {
  if (cursor_) remember(now, *cursor_);
  return fetch_or_pause(now);
}

void mentions_walk::remember(wall_clock::time_point now, std::uint64_t cursor) {
  if (opts_.reconcile_window.count() <= 0) return;
  history_.emplace_back(now, cursor);
  // Keep the newest entry at least a window old, and every newer one.
  const auto horizon = now - opts_.reconcile_window;
  while (history_.size() > 1 && history_[1].first <= horizon) history_.pop_front();
}

void mentions_walk::start_set(wall_clock::time_point now) {
  new_set_ = false;
  set_since_ = cursor_;
  reconciling_ = false;
  if (!cursor_ || opts_.reconcile_window.count() <= 0 || history_.empty() || sets_since_reconcile_ < opts_.reconcile_every)
    return;
  // The newest cursor at least reconcile_window old; the oldest known when none is.
  const auto horizon = now - opts_.reconcile_window;
  while (history_.size() > 1 && history_[1].first <= horizon) history_.pop_front();
  const std::uint64_t since = history_.front().second;
  sets_since_reconcile_ = 0;
  if (since >= *cursor_) return;
  set_since_ = since;
  reconciling_ = true;
  ++stats_.reconciles;
  log::debug("twitter_reconcile", {{"since_id", std::to_string(since)}, {"cursor", std::to_string(*cursor_)}});
}

void mentions_walk::set_finished() {
  set_pages_ = set_tweets_ = 0;
  set_newest_ = 0;
  new_set_ = true;
  reconciling_ = false;
  ++sets_since_reconcile_;
}

walk_action mentions_walk::wait(milliseconds d, next then) {
  walk_action a;
  a.what = walk_action::kind::wait;
  a.delay = std::max(d, milliseconds(0));
  after_wait_ = then;
  return a;
}

walk_action mentions_walk::fetch_or_pause(wall_clock::time_point now) {
  if (now < not_before_) return wait(until(not_before_, now), next::fetch);
  if (new_set_) start_set(now);
  walk_action a;
  a.what = walk_action::kind::fetch;
  a.fetch.since_id = set_since_;
  a.fetch.pagination_token = token_;
  a.fetch.max_results = opts_.max_results;
  ++stats_.requests;
  return a;
}

walk_action mentions_walk::transient(std::string error, wall_clock::time_point now, double rnd01) {
  ++failures_;
  health_ = walk_health::backing_off;
  const auto d = std::max(gateway::backoff_delay(failures_, opts_.backoff_initial, opts_.backoff_max, rnd01),
                          opts_.backoff_initial / 2);
  if (failures_ == 1 || failures_ % 10 == 0)
    log::warn("twitter_poll_retry", {{"error", error}, {"failures", failures_}, {"delay_ms", d.count()}});
  last_error_ = std::move(error);
  return wait(d, next::fetch);
}

walk_action mentions_walk::config_error(walk_health h, std::string error) {
  if (health_ != h || last_error_ != error)
    log::error("twitter_config_error", {{"state", to_string(h)}, {"error", error},
                                        {"retry_in_ms", opts_.config_error_retry.count()}});
  health_ = h;
  last_error_ = std::move(error);
  return wait(opts_.config_error_retry, next::fetch);
}

walk_action mentions_walk::on_response(const api_response& r, wall_clock::time_point now, double rnd01) {
  if (r.limits.remaining) stats_.rate_limit_remaining = r.limits.remaining;
  if (!r.transport_ok || r.status < 200 || r.status > 299) malformed_in_a_row_ = 0;
  if (!r.transport_ok) {
    ++stats_.network_errors;
    return transient("network: " + printable(r.error, 200), now, rnd01);
  }
  const auto reset_at = [&]() -> std::optional<wall_clock::time_point> {
    if (!r.limits.reset_epoch_s) return std::nullopt;
    return wall_clock::time_point(std::chrono::seconds(*r.limits.reset_epoch_s)) + reset_slack;
  };

  if (r.status == 429) {
    ++stats_.rate_limited;
    if (problem_kind(r.body) == "usage-capped" || problem_kind(r.body) == "UsageCapExceeded") {
      ++stats_.auth_errors;
      return config_error(walk_health::usage_capped, http_error(r.status, r.body));
    }
    // A 429 while the window still has budget is another limit (per second, per 24 h
    // elsewhere): waiting for the 15-minute reset would be needlessly long.
    milliseconds d = missing_reset_wait;
    const bool window_spent = !r.limits.remaining || *r.limits.remaining == 0;
    if (auto at = reset_at(); at && window_spent) d = std::clamp<milliseconds>(until(*at, now), min_rate_wait, max_rate_wait);
    not_before_ = now + d;
    health_ = walk_health::rate_limited;
    last_error_ = "http 429: rate limited";
    log::info("twitter_rate_limited", {{"wait_ms", d.count()}, {"pagination", !token_.empty()}});
    return wait(d, next::fetch);
  }
  if (r.status == 401 || r.status == 403) {
    ++stats_.auth_errors;
    return config_error(walk_health::auth_error, http_error(r.status, r.body));
  }
  if (r.status == 400) {
    ++stats_.bad_requests;
    if (!token_.empty()) {
      // A pagination token the API no longer accepts: walk the set again from the cursor.
      log::warn("twitter_pagination_restart", {{"error", http_error(r.status, r.body)}});
      token_.clear();
      return fetch_or_pause(now);
    }
    return config_error(walk_health::request_error, http_error(r.status, r.body));
  }
  if (r.status < 200 || r.status > 299) {
    ++stats_.server_errors;
    return transient(http_error(r.status, r.body), now, rnd01);
  }

  page_parse_result parsed = parse_mentions_page(r.body);
  if (!parsed.ok()) {
    ++stats_.malformed;
    walk_action a = transient("malformed page: " + parsed.error, now, rnd01);
    if (++malformed_in_a_row_ >= opts_.stuck_after) {
      if (malformed_in_a_row_ == opts_.stuck_after)
        log::error("twitter_page_stuck", {{"error", last_error_}, {"malformed_in_a_row", malformed_in_a_row_},
                                          {"pagination", !token_.empty()}});
      health_ = walk_health::stuck_page;
      last_error_ = std::to_string(malformed_in_a_row_) + " answers in a row did not parse: " + last_error_;
    }
    return a;
  }
  // A good page: the window's budget paces the next request.
  failures_ = 0;
  malformed_in_a_row_ = 0;
  health_ = walk_health::ok;
  last_error_.clear();
  ++stats_.ok_pages;
  if (r.limits.remaining && *r.limits.remaining == 0)
    if (auto at = reset_at()) not_before_ = std::min(*at, now + max_rate_wait);

  const mentions_page& page = parsed.page;
  if (!page.errors.empty()) {
    stats_.partial_errors += page.errors.size();
    for (const auto& e : page.errors)
      log::info("twitter_partial_error", {{"title", printable(e.title, 100)},
                                          {"type", printable(e.type, 120)},
                                          {"resource_type", printable(e.resource_type, 40)},
                                          {"resource_id", printable(e.resource_id, 40)}});
  }
  if (page.repaired_text > 0) {
    stats_.repaired_text += page.repaired_text;
    log::warn("twitter_text_repaired", {{"replaced", static_cast<std::int64_t>(page.repaired_text)},
                                        {"hint", "lone UTF-16 surrogates or invalid UTF-8 in a post, stored as U+FFFD"}});
  }
  if (page.malformed_items > 0) {
    stats_.malformed_items += page.malformed_items;
    log::warn("twitter_malformed_items", {{"count", static_cast<std::int64_t>(page.malformed_items)}});
  }
  ++set_pages_;
  set_tweets_ += page.tweets.size();
  set_newest_ = std::max(set_newest_, page.newest_id());
  next_token_ = page.meta.next_token;

  pending_.clear();
  for (const tweet& t : page.tweets) {
    // Nothing at or below the cursor can be new (since_id is exclusive); an API that sends it
    // anyway gets the same idempotent handling, so it is submitted like the rest.
    mention_decision d = decide_mention(t, page, opts_.mentions, now);
    if (d.skip != skip_reason::none) {
      if (d.skip == skip_reason::retweet) ++stats_.skipped_retweets;
      else if (d.skip == skip_reason::empty) ++stats_.skipped_empty;
      else ++stats_.skipped_own;
      // An empty mention is somebody's post we answer nothing to: worth an operator's eye.
      if (d.skip == skip_reason::empty)
        log::info("twitter_mention_skipped", {{"tweet_id", std::to_string(t.id)}, {"reason", to_string(d.skip)}});
      else
        log::debug("twitter_mention_skipped", {{"tweet_id", std::to_string(t.id)}, {"reason", to_string(d.skip)}});
      continue;
    }
    pending_.push_back(std::move(d.item));
  }
  if (pending_.empty()) return page_done(now);
  walk_action a;
  a.what = walk_action::kind::submit;
  a.items = pending_;
  return a;
}

walk_action mentions_walk::page_done(wall_clock::time_point now) {
  pending_.clear();
  if (!next_token_.empty()) {
    token_ = std::exchange(next_token_, {});
    return fetch_or_pause(now);
  }
  token_.clear();
  if (set_pages_ >= opts_.alarm_pages || set_tweets_ >= opts_.alarm_tweets) {
    ++stats_.backlog_alarms;
    log::warn("twitter_backlog_near_cap", {{"pages", static_cast<std::int64_t>(set_pages_)},
                                           {"mentions", static_cast<std::int64_t>(set_tweets_)},
                                           {"hint", "the API keeps about 800 mentions; poll more often"}});
  }
  if (set_newest_ != 0 && (!cursor_ || set_newest_ > *cursor_)) {
    walk_action a;
    a.what = walk_action::kind::save_cursor;
    a.cursor = set_newest_;
    return a;
  }
  set_finished();
  return wait(opts_.poll_interval, next::fetch);
}

walk_action mentions_walk::on_submitted(const std::vector<item_outcome>& outcomes, wall_clock::time_point now,
                                        double rnd01) {
  std::vector<mention_item> again;
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    const item_outcome o = i < outcomes.size() ? outcomes[i] : item_outcome::retry;
    switch (o) {
      case item_outcome::stored:
        ++stats_.stored;
        if (cursor_ && pending_[i].tweet_id <= *cursor_) {
          // Below a cursor already saved: indexed late by the API, found by a reconciling set.
          ++stats_.late_mentions;
          log::info("twitter_late_mention", {{"tweet_id", std::to_string(pending_[i].tweet_id)},
                                             {"cursor", std::to_string(*cursor_)}});
        }
        break;
      case item_outcome::duplicate: ++stats_.duplicates; break;
      case item_outcome::rejected: ++stats_.rejected; break;
      case item_outcome::retry:
        ++stats_.store_retries;
        again.push_back(std::move(pending_[i]));
        break;
    }
  }
  if (again.empty()) return page_done(now);
  pending_ = std::move(again);
  ++failures_;
  const auto d = std::max(gateway::backoff_delay(failures_, opts_.backoff_initial, opts_.backoff_max, rnd01),
                          opts_.backoff_initial / 2);
  log::warn("twitter_store_retry", {{"mentions", static_cast<std::int64_t>(pending_.size())}, {"delay_ms", d.count()}});
  return wait(d, next::submit);
}

walk_action mentions_walk::on_cursor_saved(bool ok, wall_clock::time_point now, double rnd01) {
  if (!ok) {
    ++failures_;
    const auto d = std::max(gateway::backoff_delay(failures_, opts_.backoff_initial, opts_.backoff_max, rnd01),
                            opts_.backoff_initial / 2);
    log::warn("twitter_cursor_save_retry", {{"delay_ms", d.count()}});
    return wait(d, next::save);
  }
  failures_ = 0;
  cursor_ = set_newest_;
  remember(now, *cursor_);
  ++stats_.cursor_saves;
  log::debug("twitter_cursor_saved", {{"since_id", std::to_string(*cursor_)},
                                      {"pages", static_cast<std::int64_t>(set_pages_)},
                                      {"mentions", static_cast<std::int64_t>(set_tweets_)}});
  set_finished();
  return wait(opts_.poll_interval, next::fetch);
}

walk_action mentions_walk::on_wait_over(wall_clock::time_point now) {
  switch (after_wait_) {
    case next::fetch: return fetch_or_pause(now);
    case next::submit: {
      walk_action a;
      a.what = walk_action::kind::submit;
      a.items = pending_;
      return a;
    }
    case next::save: {
      walk_action a;
      a.what = walk_action::kind::save_cursor;
      a.cursor = set_newest_;
      return a;
    }
  }
  return fetch_or_pause(now);
}

}  // namespace lapor::twitter
