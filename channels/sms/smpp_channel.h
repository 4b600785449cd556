// The SMS channel (SPEC §7): an SMPP 3.4 listener operators bind to (server mode) and binds
// to operators' SMSCs (client mode, smpp.clients), both carrying MOs into the core and reply
// SMS back to citizens.
//
// Flow of one MO: a link (smpp_link.h) reports the message; a single message is decoded
// (render_text), a part of a long one waits in the reassembler until its group is complete
// or times out; the text's first word picks report / status query (keywords.h); a report is
// submitted with a redelivery key (sms_submission.h) and every *_resp of its PDUs is sent
// only in the sink's completion, after the commit (SPEC §2): status 0 with the tracking ID
// as message_id, ESME_RTHROTTLED when the store is overloaded, ESME_RX_T_APPN when it
// failed, ESME_RX_P_APPN for text the core refuses. A status query stores nothing and is
// acknowledged at once. The citizen then gets a reply SMS (reply_text.h) on an RX/TRX bind
// of that operator (server) or a TX/TRX bind (client); replies wait in reply_queue.h while
// no such bind is up.
//
// Each part of a long message is written as a row and answered as soon as that row is
// committed (SPEC §7), so a stop-and-wait SMSC (window 1) is never stalled; the whole message
// is submitted once its last part is durable, and a restart resumes the reassembly from the
// rows. A reply SMS is an outbox row written in the complaint's transaction (SPEC §2), sent by
// the outbox forwarder through make_reply_sink(): one per tracking ID and number, paced per
// bind, retried later when the operator throttles, moved to another bind when one never
// answers, dropped (counted) after smpp.reply_ttl_s.
//
// Redelivery: the same operator + sender + text within smpp.redelivery_window is one message
// (sms_submission.h), answered with the first tracking ID and stored once; a late copy of one
// part of a long message already stored gets its siblings' answer.
//
// Thread-safety: start()/stop() from one thread; everything else is internal
// (smpp_channel_impl.h). The channel must outlive the io_context's run() (links report to it).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "channels/sms/link_timing.h"
#include "channels/sms/reply_dispatcher.h"
#include "channels/sms/text_decoding.h"
#include "gateway/channel.h"
#include "gateway/complaint_status.h"
#include "gateway/config.h"
#include "gateway/metrics.h"
#include "gateway/tracking_id.h"
#include "store/leases.h"

namespace lapor::gateway {
class dispatch_sink;
}

namespace boost::asio {
class io_context;
}

namespace lapor::sms {

struct smpp_channel_options {
  bool server_enabled = true;
  gateway::listen_address listen{"127.0.0.1", 2775};
  std::string short_code = "1708";
  std::string system_id = "LAPOR1708";  // ours, in bind_*_resp
  std::vector<gateway::smpp_account> accounts;
  std::vector<gateway::smpp_client_config> clients;
  std::size_t window = 50;              // MOs per bind waiting for the core
  std::size_t max_outstanding = 50;     // our reply PDUs per bind waiting for the peer
  std::size_t max_links = 1024;         // open connections to the listener
  link_timing timing;
  std::chrono::seconds reassembly_timeout{60};
  std::chrono::seconds redelivery_window{86400};
  text_decode_options text;
  reply_dispatcher_options replies;
  std::chrono::seconds reply_ttl{21600};          // a reply not sent by then is dropped (counted)
  std::size_t reply_capacity = 10000;            // replies held by the channel at once
  double reply_rate_per_s = 100;                  // per bind, 0 = unpaced
  int reply_limit_per_hour = 10;                  // per citizen's number, 0 = none
  std::chrono::seconds auto_reply_window{10};     // 0 = off
  std::string reply_number = "international";     // international | national | as_received
  std::chrono::milliseconds reconnect_initial{1000};
  std::chrono::milliseconds reconnect_max{60000};
  std::chrono::milliseconds connect_timeout{10000};
};

// The channel's options from the daemon's config; false with `error` naming the key.
[[nodiscard]] std::optional<smpp_channel_options> smpp_options_from(const gateway::config& cfg, std::string& error);

// Capped exponential backoff with equal jitter: d = min(max, initial * 2^failures), a delay
// in [d/2, d] (never 0, so a refused connect cannot spin). `rnd01` in [0, 1).
[[nodiscard]] std::chrono::milliseconds reconnect_delay(int failures, std::chrono::milliseconds initial,
                                                        std::chrono::milliseconds max, double rnd01) noexcept;

struct smpp_deps {
  boost::asio::io_context& io;
  gateway::status_source& statuses;
  const gateway::tracking_id_codec& ids;
  gateway::metrics& stats;
  gateway::part_store& store;  // parts of long messages, status answers
  // Cluster mode: a client bind (smpp.clients) is made only while this node holds one of
  // its cluster_binds leases (store/leases.h); nullptr = one node, always.
  store::leases* leases = nullptr;
};

class smpp_channel final : public gateway::channel {
 public:
  // Binds the listener at once when server_enabled (throws std::runtime_error naming the
  // address when it cannot, or when an account's allowed_cidrs entry is malformed).
  smpp_channel(smpp_channel_options options, smpp_deps deps);
  ~smpp_channel() override;
  smpp_channel(const smpp_channel&) = delete;
  smpp_channel& operator=(const smpp_channel&) = delete;

  [[nodiscard]] std::string_view name() const override { return "sms"; }
  // Starts accepting and connecting to the configured SMSCs.
  void start(gateway::submission_sink& sink) override;
  // Stops accepting and reconnecting and unbinds every link; in-flight acknowledgements still
  // complete. Long messages still waiting for parts stay in the store for the next start.
  void stop() override;

  // A reload (SIGHUP): every bind_* from now on is checked against `accounts`; binds made
  // before stay up (a rotated password does not drop the operator). false with `error` when
  // an allowed_cidrs entry is malformed; the old table stays then. Thread-safe.
  [[nodiscard]] bool set_accounts(const std::vector<gateway::smpp_account>& accounts, std::string& error);

  // The outbox forwarder's sink for reply rows (destination "sms_reply"): each row is queued
  // for a bind of its operator and ends delivered or dead (expired, refused, limit reached).
  [[nodiscard]] std::unique_ptr<gateway::dispatch_sink> make_reply_sink();

  [[nodiscard]] std::uint16_t port() const noexcept;  // 0 when the listener is off
  [[nodiscard]] std::size_t open_links() const;        // connections not yet closed

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace lapor::sms
