// From the daemon's configuration (twitter.*, web.max_photo*) to the poller's, the reply
// sender's and the reply forwarder's options, so the composition root only wires objects.
#pragma once

#include "channels/twitter/mentions_poller.h"
#include "channels/twitter/reply_sink.h"
#include "gateway/config.h"
#include "gateway/outbox_forwarder.h"

namespace lapor::twitter {

// twitter.user_id and twitter.initial_since_id are digits: load_config checked them.
[[nodiscard]] poller_options poller_options_from(const gateway::config& cfg);
[[nodiscard]] reply_options reply_options_from(const gateway::config& cfg);
// One connection, the poller's backoff, twitter.reply_max_attempts, not counted as dispatches.
[[nodiscard]] gateway::forwarder_options reply_forwarder_options_from(const gateway::config& cfg,
                                                                      const std::string& destination);

}  // namespace lapor::twitter
