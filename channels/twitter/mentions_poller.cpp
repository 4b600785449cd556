#include "channels/twitter/mentions_poller.h"

#include <random>

#include "channels/twitter/reply_sink.h"
#include "gateway/attachment_name.h"
#include "gateway/log.h"

namespace lapor::twitter {

namespace log = gateway::log;

namespace {

// Acknowledgements of one submitted batch; shared with completions that run on the store's
// writer thread, which may outlive a stop()ped poller's wait.
struct batch_state {
  std::mutex mutex;
  std::condition_variable done;
  std::vector<std::optional<gateway::submit_result>> results;
  std::size_t remaining = 0;
};

// Image type from the first bytes; empty when not a photo type we keep.
std::string sniff_image(std::string_view b) {
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return "image/jpeg";
  if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1a\n") return "image/png";
  if (b.size() >= 6 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) return "image/gif";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "image/webp";
  return {};
}

const char* extension(std::string_view mime) {
  if (mime == "image/png") return ".png";
  if (mime == "image/gif") return ".gif";
  if (mime == "image/webp") return ".webp";
  return ".jpg";
}

item_outcome outcome_of(const gateway::submit_result& r, const mention_item& item) {
  using st = gateway::submit_result::status;
  switch (r.code) {
    case st::received: return item_outcome::stored;
    case st::duplicate: return item_outcome::duplicate;
    case st::rejected:
    case st::conflict:
      // Nothing to retry: the same post would be refused again. Recorded here and in
      // lapor_rejected_total{channel="twitter"} (counted by the core).
      log::warn("twitter_mention_rejected", {{"tweet_id", std::to_string(item.tweet_id)},
                                             {"status", gateway::to_string(r.code)},
                                             {"field", r.field},
                                             {"reason", r.message}});
      return item_outcome::rejected;
    case st::overloaded:
    case st::failed: return item_outcome::retry;
  }
  return item_outcome::retry;
}

}  // namespace

mentions_poller::mentions_poller(poller_options opts, poller_deps deps, std::unique_ptr<twitter_api> api)
    : opts_(std::move(opts)), deps_(deps), api_(api ? std::move(api) : std::make_unique<api_client>(opts_.api, stopping_)) {
  std::fill(opts_.api.bearer_token.begin(), opts_.api.bearer_token.end(), '\0');
  opts_.api.bearer_token.clear();
}

mentions_poller::~mentions_poller() { stop(); }

void mentions_poller::start(gateway::submission_sink& sink) {
  if (thread_.joinable() || stopping_) return;
  sink_ = &sink;
  thread_ = std::thread([this] { run(); });
}

void mentions_poller::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<std::string> mentions_poller::readiness_problem() const {
  std::lock_guard lock(health_mutex_);
  if (!blocks_intake(health_)) return std::nullopt;
  return std::string(to_string(health_)) + ": " + health_error_;
}

double mentions_poller::rnd01() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

void mentions_poller::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(wake_mutex_);
  wake_.wait_for(lock, d, [this] { return stopping_.load(); });
}

void mentions_poller::run() {
  try {
    loop();
  } catch (const std::exception& e) {
    std::lock_guard lock(health_mutex_);
    health_ = walk_health::request_error;
    health_error_ = std::string("poller stopped: ") + e.what();
    log::error("twitter_poller_failed", {{"error", e.what()}});
  }
}

void mentions_poller::loop() {
  if (deps_.leases == nullptr) {
    poll_while_holder(std::nullopt);
    return;
  }
  // Cluster mode: one poller in the cluster. A node polls only while it holds the lease, and
  // starts from the cursor as the last holder left it.
  deps_.leases->want(std::string(poller_lease_name));
  bool said_standby = false;
  while (!stopping_) {
    if (auto token = deps_.leases->held(std::string(poller_lease_name))) {
      log::info("twitter_lease_acquired", {{"token", *token}});
      said_standby = false;
      poll_while_holder(*token);
      continue;
    }
    if (!said_standby) log::info("twitter_standby", {{"reason", "another node holds the poller lease"}});
    said_standby = true;
    sleep_for(std::chrono::milliseconds(200));
  }
}

void mentions_poller::poll_while_holder(std::optional<std::int64_t> token) {
  std::optional<std::uint64_t> cursor;
  if (auto v = deps_.reader.get_cursor_now(opts_.cursor_name)) {
    cursor = parse_id(*v);
    if (!cursor) log::error("twitter_cursor_invalid", {{"value", *v}});
  } else {
    cursor = opts_.initial_since_id;
  }
  mentions_walk walk(opts_.walk, cursor);
  log::info("twitter_started", {{"since_id", cursor ? std::to_string(*cursor) : std::string("none")},
                                {"user_id", std::to_string(opts_.walk.mentions.our_user_id)},
                                {"poll_interval_ms", opts_.walk.poll_interval.count()}});
  const auto now = [] { return wall_clock::now(); };
  auto still_holder = [&] {
    if (!token) return true;
    const auto held = deps_.leases->held(std::string(poller_lease_name));
    if (held == token) return true;
    log::warn("twitter_lease_lost", {{"token", *token}});
    return false;
  };
  walk_action a = walk.begin(now());
  while (!stopping_ && still_holder()) {
    switch (a.what) {
      case walk_action::kind::fetch: {
        log::debug("twitter_fetch", {{"since_id", a.fetch.since_id ? std::to_string(*a.fetch.since_id) : std::string("none")},
                                     {"page", !a.fetch.pagination_token.empty()}});
        api_response r = api_->get_mentions(opts_.walk.mentions.our_user_id, a.fetch);
        if (stopping_) break;
        a = walk.on_response(r, now(), rnd01());
        break;
      }
      case walk_action::kind::submit: {
        auto outcomes = submit_all(a.items);
        a = walk.on_submitted(outcomes, now(), rnd01());
        break;
      }
      case walk_action::kind::save_cursor: {
        const bool ok = save_cursor(a.cursor, token);
        a = walk.on_cursor_saved(ok, now(), rnd01());
        break;
      }
      case walk_action::kind::wait:
        sleep_for(a.delay);
        if (stopping_) break;
        a = walk.on_wait_over(now());
        break;
    }
    publish(walk);
  }
  log::info("twitter_stopped", {{"since_id", walk.cursor() ? std::to_string(*walk.cursor()) : std::string("none")}});
}

void mentions_poller::attach_photos(mention_item& item) {
  for (const photo_ref& p : item.photos) {
    if (stopping_) return;
    twitter_api::download d = api_->fetch_media(p.url, opts_.max_photo_bytes);
    std::string mime = d.error.empty() ? sniff_image(d.bytes) : std::string();
    if (d.error.empty() && mime.empty()) d.error = "not a JPEG, PNG, GIF or WebP image";
    std::optional<std::string> sha;
    if (d.error.empty()) {
      sha = deps_.attachments.keep_bytes(d.bytes);
      if (!sha) d.error = "cannot store the photo";
    }
    if (!d.error.empty()) {
      ++photo_failures_;
      log::warn("twitter_photo_unavailable", {{"tweet_id", std::to_string(item.tweet_id)},
                                              {"media_key", p.media_key},
                                              {"error", d.error}});
      continue;
    }
    gateway::attachment att;
    att.sha256 = std::move(*sha);
    att.mime = mime;
    att.size = d.bytes.size();
    // The media key is the API's text: made a safe file name (attachment_name.h), so that an
    // odd one never makes the core refuse the mention over its photo's name.
    att.name = gateway::safe_attachment_name(p.media_key + extension(mime), item.sub.attachments.size(), mime);
    item.sub.attachments.push_back(std::move(att));
  }
}

std::vector<item_outcome> mentions_poller::submit_all(std::vector<mention_item>& items) {
  auto state = std::make_shared<batch_state>();
  state->results.resize(items.size());
  state->remaining = items.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    mention_item& item = items[i];
    if (item.sub.attachments.empty() && !item.photos.empty()) attach_photos(item);
    gateway::submission copy = item.sub;  // kept: a refused mention is submitted again
    if (!opts_.reply_template.empty()) {
      // The reply post is promised in the complaint's own transaction (SPEC §2), once per
      // tweet: a mention read again after a restart is a replay and promises nothing new, and
      // so is an edit of it (keyed by the post's first version, its idempotency key: the
      // fourth probe saw an edited post answered twice).
      gateway::reply_promise p;
      p.destination = opts_.reply_destination;
      p.recipient = "twitter:" + (item.sub.idempotency_key.empty() ? std::to_string(item.tweet_id) : item.sub.idempotency_key);
      p.payload = [tmpl = opts_.reply_template, tweet = item.tweet_id](const gateway::submit_result& r) {
        return reply_body(mention_reply_text(tmpl, r.tracking_id, tweet), tweet);
      };
      copy.replies.push_back(std::move(p));
    }
    sink_->submit(std::move(copy), [state, i](gateway::submit_result r) {
      {
        std::lock_guard lock(state->mutex);
        state->results[i] = std::move(r);
        --state->remaining;
      }
      state->done.notify_all();
    });
  }
  {
    // Every submission is answered: after its commit, or at once when refused. The bound
    // only matters if the store were wedged at shutdown.
    std::unique_lock lock(state->mutex);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (state->remaining > 0) {
      if (state->done.wait_until(lock, give_up) == std::cv_status::timeout && state->remaining > 0) {
        log::error("twitter_ack_timeout", {{"unanswered", static_cast<std::int64_t>(state->remaining)}});
        break;
      }
    }
  }
  std::vector<item_outcome> out;
  out.reserve(items.size());
  {
    std::lock_guard lock(state->mutex);
    for (std::size_t i = 0; i < items.size(); ++i) {
      out.push_back(state->results[i] ? outcome_of(*state->results[i], items[i]) : item_outcome::retry);
      if (state->results[i]) replies_queued_ += state->results[i]->promises_written;
    }
  }
  return out;
}

bool mentions_poller::save_cursor(std::uint64_t value, std::optional<std::int64_t> token) {
  struct saved {
    std::mutex mutex;
    std::condition_variable cv;
    std::optional<bool> ok;
    std::string error;
  };
  auto s = std::make_shared<saved>();
  // Fenced in cluster mode: a paused former holder cannot move the cursor (store::leases).
  deps_.writer.set_cursor(opts_.cursor_name, std::to_string(value), token ? std::string(poller_lease_name) : std::string(),
                          token.value_or(0), [s](bool ok, std::string error) {
    {
      std::lock_guard lock(s->mutex);
      s->ok = ok;
      s->error = std::move(error);
    }
    s->cv.notify_all();
  });
  std::unique_lock lock(s->mutex);
  if (!s->cv.wait_for(lock, std::chrono::seconds(60), [&] { return s->ok.has_value(); })) return false;
  if (!*s->ok) log::warn("twitter_cursor_save_failed", {{"error", s->error}});
  return *s->ok;
}

void mentions_poller::publish(const mentions_walk& walk) {
  {
    std::lock_guard lock(health_mutex_);
    health_ = walk.health();
    health_error_ = walk.last_error();
  }
  const walk_stats& s = walk.stats();
  auto& m = deps_.stats;
  auto g = [&m](const char* name, std::uint64_t v) { m.set_gauge(name, static_cast<std::int64_t>(v)); };
  g("lapor_twitter_requests{result=\"ok\"}", s.ok_pages);
  g("lapor_twitter_requests{result=\"rate_limited\"}", s.rate_limited);
  g("lapor_twitter_requests{result=\"server_error\"}", s.server_errors);
  g("lapor_twitter_requests{result=\"network_error\"}", s.network_errors);
  g("lapor_twitter_requests{result=\"malformed\"}", s.malformed);
  g("lapor_twitter_requests{result=\"auth_error\"}", s.auth_errors);
  g("lapor_twitter_requests{result=\"bad_request\"}", s.bad_requests);
  g("lapor_twitter_mentions{result=\"stored\"}", s.stored);
  g("lapor_twitter_mentions{result=\"duplicate\"}", s.duplicates);
  g("lapor_twitter_mentions{result=\"rejected\"}", s.rejected);
  g("lapor_twitter_mentions{result=\"skipped_retweet\"}", s.skipped_retweets);
  g("lapor_twitter_mentions{result=\"skipped_own\"}", s.skipped_own);
  g("lapor_twitter_mentions{result=\"skipped_empty\"}", s.skipped_empty);
  g("lapor_twitter_mentions{result=\"store_retry\"}", s.store_retries);
  g("lapor_twitter_partial_errors", s.partial_errors);
  g("lapor_twitter_malformed_items", s.malformed_items);
  g("lapor_twitter_repaired_text", s.repaired_text);
  g("lapor_twitter_stuck_page", walk.health() == walk_health::stuck_page ? 1 : 0);
  g("lapor_twitter_photo_failures", photo_failures_);
  g("lapor_twitter_replies{result=\"queued\"}", replies_queued_);
  g("lapor_twitter_replies{result=\"not_queued\"}", reply_queue_failures_);
  g("lapor_twitter_backlog_alarms", s.backlog_alarms);
  g("lapor_twitter_reconciles", s.reconciles);
  g("lapor_twitter_late_mentions", s.late_mentions);
  g("lapor_twitter_cursor_saves", s.cursor_saves);
  g("lapor_twitter_config_error", is_config_error(walk.health()) ? 1 : 0);
  g("lapor_twitter_up", walk.health() == walk_health::ok ? 1 : 0);
  if (s.rate_limit_remaining) m.set_gauge("lapor_twitter_rate_limit_remaining", *s.rate_limit_remaining);
}

}  // namespace lapor::twitter
