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
// The text posted to answer mention `tweet_id`: reply_text() and " (ref. <tweet_id>)", at
// most 280 code points (the template's part cut when it is too long). X refuses a text the
// account already posted (403 "duplicate content"), and a merged duplicate is answered with
// the original's tracking ID, the same template text as the first reply: the mention's own
// id makes every reply unique.
[[nodiscard]] std::string mention_reply_text(std::string_view template_text, std::string_view tracking_id,
                                             std::uint64_t tweet_id);
// {"text":…,"reply":{"in_reply_to_tweet_id":"…"}}
[[nodiscard]] std::string reply_body(std::string_view text, std::uint64_t in_reply_to_tweet_id);

// 2xx -> delivered; 403 "duplicate content" -> delivered when an earlier attempt may have
// posted it (`may_have_reached`: its answer was lost, or a process died during it), else dead
// (the text was never posted by us for this row: X refuses it as another post's, and
// counting it as sent would leave the citizen unanswered with nothing to show it); 408, 429,
// 5xx -> retry; other 4xx (bad credentials, protected or blocked author, deleted post) ->
// dead, visible in the admin outbox listing.
[[nodiscard]] gateway::delivery_outcome classify_reply(long status, std::string_view body, bool may_have_reached);

// Throws std::runtime_error when libcurl cannot be set up (start-up only).
[[nodiscard]] std::unique_ptr<gateway::dispatch_sink> make_reply_sink(reply_options opts);

}  // namespace lapor::twitter
