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
// Parts of a long message held for reassembly count against their bind's window until the
// whole message is committed, so `window` should exceed the longest message expected (the
// default 50 does); otherwise the surplus parts are throttled and the group is stored
// incomplete after reassembly_timeout.
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
#include "channels/sms/reply_queue.h"
#include "channels/sms/text_decoding.h"
#include "gateway/channel.h"
#include "gateway/complaint_status.h"
#include "gateway/config.h"
#include "gateway/metrics.h"
#include "gateway/tracking_id.h"

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
  std::size_t max_outstanding = 10;     // our reply PDUs per bind waiting for the peer
  std::size_t max_links = 1024;         // open connections to the listener
  link_timing timing;
  std::chrono::seconds reassembly_timeout{60};
  std::chrono::seconds redelivery_window{86400};
  text_decode_options text;
  reply_queue_options replies;
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
  // Stops accepting and reconnecting, stores long messages still waiting for parts (as
  // incomplete), unbinds every link; in-flight acknowledgements still complete.
  void stop() override;

  [[nodiscard]] std::uint16_t port() const noexcept;  // 0 when the listener is off
  [[nodiscard]] std::size_t open_links() const;        // connections not yet closed

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace lapor::sms
