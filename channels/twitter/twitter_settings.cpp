#include "channels/twitter/twitter_settings.h"

#include <chrono>
#include <string>

namespace lapor::twitter {

using std::chrono::milliseconds;

poller_options poller_options_from(const gateway::config& cfg) {
  const auto& t = cfg.twitter;
  poller_options o;
  o.walk.mentions.our_user_id = std::stoull(t.user_id);
  o.walk.mentions.our_handle = t.handle;
  o.walk.mentions.max_photos = static_cast<std::size_t>(cfg.web.max_photos);
  o.walk.max_results = t.max_results;
  o.walk.poll_interval = milliseconds(t.poll_interval_ms);
  o.walk.backoff_initial = milliseconds(t.backoff_initial_ms);
  o.walk.backoff_max = milliseconds(t.backoff_max_ms);
  o.walk.config_error_retry = milliseconds(t.config_error_retry_ms);
  o.walk.reconcile_window = milliseconds(t.reconcile_window_ms);
  o.walk.reconcile_every = t.reconcile_every;
  o.api.api_base = t.api_base;
  o.api.bearer_token = t.bearer_token;
  o.api.request_timeout = milliseconds(t.request_timeout_ms);
  o.max_photo_bytes = cfg.web.max_photo_bytes;
  if (!t.initial_since_id.empty()) o.initial_since_id = std::stoull(t.initial_since_id);
  if (t.reply) o.reply_template = t.reply_template;
  return o;
}

reply_options reply_options_from(const gateway::config& cfg) {
  const auto& t = cfg.twitter;
  reply_options o;
  o.api_base = t.api_base;
  o.credentials = {t.consumer_key, t.consumer_secret, t.access_token, t.access_token_secret};
  o.request_timeout = milliseconds(t.request_timeout_ms);
  return o;
}

gateway::forwarder_options reply_forwarder_options_from(const gateway::config& cfg, const std::string& destination) {
  const auto& t = cfg.twitter;
  gateway::forwarder_options o;
  o.url = t.api_base + "/2/tweets";
  o.destination = destination;
  o.connections = 1;
  o.request_timeout = milliseconds(t.request_timeout_ms);
  o.backoff_initial = milliseconds(t.backoff_initial_ms);
  o.backoff_max = milliseconds(t.backoff_max_ms);
  o.max_attempts = t.reply_max_attempts;
  o.channel_metrics = false;
  return o;
}

}  // namespace lapor::twitter
