#include "gateway/metrics_help.h"

#include <array>
#include <utility>

namespace lapor::gateway {

namespace {

// Families not listed get the generic text: a new gauge never
// breaks a scrape, it only reads less well until it is added here.
constexpr std::array<std::pair<std::string_view, std::string_view>, 21> help_texts{{
    {"lapor_cluster_claims_taken_over", "Outbox rows this node took over from a node whose lease expired (count since start)."},
    {"lapor_lease_holder", "1 while this node holds the lease (cluster mode; always 1 on one node)."},
    {"lapor_lease_token", "Fencing token of the lease this node holds (0 when not held)."},
    {"lapor_forwarder_healthy", "1 while the destination answers; 0 after 5 failed attempts in a row, until one succeeds."},
    {"lapor_sms_replies", "Reply SMS finished since start, by outcome."},
    {"lapor_sms_replies_queued", "Reply SMS held by the SMS channel waiting for a bind of their operator."},
    {"lapor_sms_replies_throttled", "Reply SMS waiting because their operator throttled us."},
    {"lapor_smpp_binds", "Open SMPP binds per operator (0 for a configured operator that is not bound)."},
    {"lapor_twitter_backlog_alarms", "Mention sets larger than one poll could read (count since start)."},
    {"lapor_twitter_config_error", "1 while the X API refuses our credentials or the usage cap is reached."},
    {"lapor_twitter_cursor_saves", "since_id cursor saves (count since start)."},
    {"lapor_twitter_late_mentions", "Mentions found only by a re-read of a past window (count since start)."},
    {"lapor_twitter_malformed_items", "Mentions in a page that could not be read (count since start)."},
    {"lapor_twitter_mentions", "Mentions seen since start, by what became of them."},
    {"lapor_twitter_partial_errors", "Pages that carried errors beside their data (count since start)."},
    {"lapor_twitter_photo_failures", "Photos of mentions that could not be downloaded (count since start)."},
    {"lapor_twitter_rate_limit_remaining", "x-rate-limit-remaining of the last mentions request."},
    {"lapor_twitter_reconciles", "Re-reads of a past window for mentions indexed late (count since start)."},
    {"lapor_twitter_replies", "Reply posts since start, by whether they were queued in the outbox."},
    {"lapor_twitter_requests", "Mentions API requests since start, by result."},
    {"lapor_twitter_up", "1 while the last mentions poll succeeded."},
}};

}  // namespace

std::string_view free_gauge_help(std::string_view family) noexcept {
  for (const auto& [name, help] : help_texts)
    if (name == family) return help;
  return "Gauge set by a channel or a forwarder.";
}

}  // namespace lapor::gateway
