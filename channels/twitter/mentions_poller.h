// The Twitter channel: polls GET /2/users/{id}/mentions and hands each new mention to the
// core. A `gateway::channel` running on its own thread: libcurl calls, photo downloads and
// waits for commits block that thread only, never an Asio thread.
//
// The thread carries out the actions of a `mentions_walk` (mentions_walk.h has the rules
// that keep the since_id cursor from passing an uncommitted mention). The cursor lives in
// the store's `cursors` table under "twitter.since_id" and is read once at start().
//
// Photos attached to a mention are downloaded (bounded size, image types only) into the
// content-addressed attachment folder before the mention is submitted; a photo that cannot
// be fetched is logged and counted, and its URL still travels in channel_ref.media_urls.
//
// Observability: gauges lapor_twitter_* (requests by result, mentions by outcome, partial
// errors, rate-limit budget, config_error, replies queued), logs twitter_* (never the token), and
// readiness_problem() for /readyz when an operator must act (401/403, 400, usage cap) or
// intake is stuck on a page that keeps failing to parse.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "channels/twitter/mentions_walk.h"
#include "channels/twitter/twitter_api.h"
#include "gateway/attachment_store.h"
#include "gateway/channel.h"
#include "gateway/metrics.h"
#include "store/leases.h"
#include "store/store.h"

namespace lapor::twitter {

struct poller_options {
  walk_options walk;
  api_client_options api;
  std::size_t max_photo_bytes = 6 * 1024 * 1024;
  std::string cursor_name = "twitter.since_id";
  // Used only while the store holds no cursor (first start): begin after this post instead
  // of reading every mention the API still keeps (about 800).
  std::optional<std::uint64_t> initial_since_id;
  // Replies (reply_sink.h): when not empty, each new complaint queues an outbox row of
  // `reply_destination` answering the mention with this text ("{tracking_id}" filled in),
  // committed before the cursor may pass the mention.
  std::string reply_template;
  std::string reply_destination = "twitter_reply";
};

// The cluster's one poller holds this lease (store::leases); its cursor writes carry the token.
inline constexpr std::string_view poller_lease_name = "twitter";

struct poller_deps {
  store::group_writer& writer;
  store::read_pool& reader;
  gateway::metrics& stats;
  gateway::attachment_store& attachments;
  store::leases* leases = nullptr;  // cluster mode: poll only while holding poller_lease_name
};

class mentions_poller final : public gateway::channel {
 public:
  // With `api` empty, the libcurl client of opts.api. Throws std::runtime_error when libcurl
  // cannot be set up (start-up only).
  mentions_poller(poller_options opts, poller_deps deps, std::unique_ptr<twitter_api> api = nullptr);
  ~mentions_poller() override;

  [[nodiscard]] std::string_view name() const override { return "twitter"; }
  // Reads the cursor and starts the thread. `sink` must outlive stop().
  void start(gateway::submission_sink& sink) override;
  // Ends a wait or transfer at once, waits for submitted mentions' acknowledgements (their
  // commits are under way), joins. Call before the store's writer stops. Idempotent.
  void stop() override;

  // Thread-safe: why the channel needs an operator (bad credentials, usage cap, rejected
  // request, a page that keeps failing to parse), nullopt otherwise. Transient trouble (5xx, rate limit) is not reported here.
  [[nodiscard]] std::optional<std::string> readiness_problem() const;

 private:
  void run();
  void loop();
  // Polls until stopped or, with a token, until this node no longer holds the lease.
  void poll_while_holder(std::optional<std::int64_t> token);
  std::vector<item_outcome> submit_all(std::vector<mention_item>& items);
  bool save_cursor(std::uint64_t value, std::optional<std::int64_t> token);
  void attach_photos(mention_item& item);
  void sleep_for(std::chrono::milliseconds d);
  void publish(const mentions_walk& walk);
  double rnd01();

  poller_options opts_;
  poller_deps deps_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<twitter_api> api_;
  gateway::submission_sink* sink_ = nullptr;
  std::thread thread_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::uint64_t photo_failures_ = 0;  // poller thread only
  std::uint64_t replies_queued_ = 0, reply_queue_failures_ = 0;

  mutable std::mutex health_mutex_;
  walk_health health_ = walk_health::ok;
  std::string health_error_;
};

}  // namespace lapor::twitter
