// Posts the reply that gives a citizen their tracking ID: POST {api_base}/2/tweets with
// {"text":"…","reply":{"in_reply_to_tweet_id":"…"}}, signed with OAuth 1.0a user-context
// credentials (oauth1.h). A `gateway::dispatch_sink`, so the outbox_forwarder drives it:
// replies are outbox rows of destination "twitter_reply", retried with backoff until
// posted, dead-lettered after the configured attempts, and never block ingestion.
//
// The row's payload is the request body itself (see reply_body()). One request at a time,
// blocking on the forwarder's own thread (never an Asio thread).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "channels/twitter/oauth1.h"
#include "gateway/dispatch_sink.h"

namespace lapor::twitter {

struct reply_options {
  std::string api_base = "https://api.twitter.com";
  oauth1_credentials credentials;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};
};

// The reply text: `template_text` with every "{tracking_id}" replaced.
[[nodiscard]] std::string reply_text(std::string_view template_text, std::string_view tracking_id);
// {"text":…,"reply":{"in_reply_to_tweet_id":"…"}}
[[nodiscard]] std::string reply_body(std::string_view text, std::uint64_t in_reply_to_tweet_id);

// 2xx -> delivered; 403 "duplicate content" -> delivered (this reply was posted before the
// outcome was recorded); 408, 429, 5xx -> retry; other 4xx (bad credentials, protected or
// blocked author, deleted post) -> dead, visible in the admin outbox listing.
[[nodiscard]] gateway::delivery_outcome classify_reply(long status, std::string_view body);

// Throws std::runtime_error when libcurl cannot be set up (start-up only).
[[nodiscard]] std::unique_ptr<gateway::dispatch_sink> make_reply_sink(reply_options opts);

}  // namespace lapor::twitter
