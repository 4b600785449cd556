// The server side of one SMPP session (an operator bound to us), as a sans-I/O state machine.
//
// The I/O layer feeds it what happened — a decoded PDU, a decode error, the core's answer to
// a message, a timer that fired, the socket closing — and carries out the actions it returns,
// in order: write a PDU, hand a message to the core, note a bind, close after the writes
// queued before it. It does no I/O, reads no clock and runs no timer; the I/O layer runs:
//   - a session-init timer from connect  -> on_bind_timeout()
//   - an inactivity timer, re-armed on every PDU read -> on_idle_timeout()
//   - a response timer per request it writes (send_pdu of a request) -> on_response_timeout(seq)
//   - an unbind timer once state() is unbinding -> on_unbind_timeout()
//
// States: open -> bound_tx / bound_rx / bound_trx -> unbinding -> closed.
//   open       bind_* is checked by the authenticator: ok -> bound (bind_*_resp with our
//              system_id and sc_interface_version); refused -> header-only bind_*_resp with
//              its status, then close. Messages: ESME_RINVBNDSTS. enquire_link: answered.
//              unbind: unbind_resp, close.
//   bound_*    another bind: ESME_RALYBND. submit_sm / deliver_sm / data_sm carry MOs (operators
//              use all three whatever they bound as), except submit_sm on a receiver bind:
//              ESME_RINVBNDSTS. A message that does not extract (mo_message.h) gets its status.
//              A delivery receipt is answered at once (status 0) and reported. Otherwise, at
//              most `window` messages wait for the core; beyond it: ESME_RTHROTTLED. The core's
//              answer produces the *_resp with the original sequence number.
//   unbinding  after the peer's unbind (or our request_unbind()): new messages get
//              ESME_RINVBNDSTS; messages already with the core still get their answers; then
//              unbind_resp (when the peer asked) and close.
//   closed     every event is ignored.
// Undecodable PDUs get the header-only answer decode_error names (generic_nack or *_resp);
// a fatal one (framing lost) closes the session, and so does an unreadable bind (e.g. a
// system_id over 15 octets: bind_*_resp ESME_RINVSYSID). generic_nack is never answered.
//
// Client role (session_options::client set: we bind to an operator's SMSC, smpp.clients):
// start_bind() sends our bind_*; the peer's bind_*_resp with status 0 makes the session
// bound (session_bound), anything else closes it. The SMSC hands MOs to us as deliver_sm
// or data_sm (bound RX/TRX; submit_sm from an SMSC: ESME_RINVCMDID; on a TX bind:
// ESME_RINVBNDSTS); a bind_* from the peer gets generic_nack ESME_RINVCMDID; push() sends
// submit_sm or data_sm (the reply SMS) on a TX/TRX bind. Everything else is as above.
//
// Not thread-safe: one per connection, driven from that connection's strand.
#pragma once

#include <boost/system/result.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "channels/sms/mo_message.h"
#include "channels/sms/pdu.h"
#include "channels/sms/smpp_status.h"

namespace lapor::sms {

enum class session_state { open, bound_tx, bound_rx, bound_trx, unbinding, closed };
[[nodiscard]] std::string_view to_string(session_state s) noexcept;

// What the authenticator sees of a bind. The password must not be logged or kept.
struct bind_request {
  bind_kind kind = bind_kind::transceiver;
  std::string_view system_id;
  std::string_view password;
  std::string_view system_type;
  std::uint8_t interface_version = interface_version_34;
};

struct bind_decision {
  // ESME_ROK to accept; ESME_RINVPASWD, ESME_RINVSYSID or ESME_RBINDFAIL to refuse.
  std::uint32_t status = status::esme_rbindfail;
  std::string operator_name;  // the account's operator ("telkomsel"), when accepted
};

// Compares credentials (constant-time), checks the peer address / bind count captured in the
// closure. Called synchronously from on_pdu().
using authenticator = std::function<bind_decision(const bind_request&)>;

// What we send when we are the client (ESME) of an operator's SMSC.
struct client_bind {
  bind_kind kind = bind_kind::transceiver;
  bind_body credentials;      // system_id, password, system_type, interface_version 0x34
  std::string operator_name;  // reported in session_bound and submit_to_core
};

struct session_options {
  std::string system_id = "LAPOR1708";  // ours, sent in bind_*_resp (<= 15 octets)
  std::optional<client_bind> client;    // set: client role (see above)
  std::size_t window = 10;              // messages waiting for the core; more: ESME_RTHROTTLED
  std::size_t max_outstanding = 10;     // our own requests (push()) waiting for the peer
  authenticator authenticate;           // unset: every bind is refused with ESME_RBINDFAIL
};

// ---- actions -------------------------------------------------------------------------

// Write this PDU (encode_pdu()). A request (not a response) deserves a response timer.
struct send_pdu {
  pdu message;
};

// Hand this MO to the core; answer later with on_core_answer(token, ...). The core must
// commit before answering status 0 (SPEC §2).
struct submit_to_core {
  std::uint64_t token = 0;
  std::string operator_name;
  mo_message message;
};

// A delivery receipt or acknowledgement the peer sent; already answered with status 0.
struct receipt_received {
  std::string operator_name;
  mo_message receipt;
};

// The bind succeeded (register the session; RX/TRX sessions can take push()).
struct session_bound {
  bind_kind kind = bind_kind::transceiver;
  std::string system_id;
  std::string operator_name;
};

// One of our push() requests is over.
struct request_finished {
  enum class outcome { answered, nacked, timed_out, session_closed };
  std::uint64_t token = 0;
  command_id request = command_id::deliver_sm;
  outcome result = outcome::answered;
  std::uint32_t status = 0;   // the peer's command_status (answered / nacked)
  std::string message_id;     // from the peer's *_resp, when it sent one
};

// Close the connection once the writes returned before this action are flushed.
struct close_session {
  std::string_view reason;  // static text
};

// Something worth a log line that needs no action (an unmatched response, a late answer).
struct session_note {
  std::string_view what;  // static text
  std::uint32_t sequence = 0;
};

using session_action =
    std::variant<send_pdu, submit_to_core, receipt_received, session_bound, request_finished, close_session,
                 session_note>;
using session_actions = std::vector<session_action>;

// The core's verdict on one MO.
struct core_answer {
  std::uint32_t status = status::esme_rok;  // e.g. ESME_RTHROTTLED / ESME_RX_T_APPN when busy
  std::string message_id;                   // sent with status 0 (cut to 64 octets)
};

struct push_refused {
  std::string_view reason;  // static text
  bool retry_later = false;  // window full: try again after a request_finished
};
[[noreturn]] void throw_exception_from_error(const push_refused& e, const boost::source_location& loc);

class session_fsm {
 public:
  explicit session_fsm(session_options options);

  [[nodiscard]] session_actions on_pdu(const pdu& p);
  [[nodiscard]] session_actions on_decode_error(const decode_error& e);
  [[nodiscard]] session_actions on_core_answer(std::uint64_t token, const core_answer& answer);

  // Sends deliver_sm or data_sm (a reply SMS, a receipt) to a receiver/transceiver peer with
  // the next sequence number; the outcome comes as request_finished with `token`.
  // Refused when not bound RX/TRX, for another command id, or when max_outstanding
  // requests already wait (retry_later). Client role: submit_sm or data_sm on TX/TRX.
  [[nodiscard]] boost::system::result<session_actions, push_refused> push(pdu request, std::uint64_t token);

  // Client role: the bind request (once, in state open); empty otherwise.
  [[nodiscard]] session_actions start_bind();

  // Graceful shutdown: unbind (bound) or close (open).
  [[nodiscard]] session_actions request_unbind();

  [[nodiscard]] session_actions on_bind_timeout();     // still open: close
  [[nodiscard]] session_actions on_idle_timeout();     // enquire_link; unanswered one: close
  [[nodiscard]] session_actions on_response_timeout(std::uint32_t sequence);
  [[nodiscard]] session_actions on_unbind_timeout();   // unbinding: (unbind_resp,) close
  [[nodiscard]] session_actions on_transport_closed();  // the socket is gone

  [[nodiscard]] session_state state() const noexcept { return state_; }
  [[nodiscard]] bool bound() const noexcept;
  [[nodiscard]] bool can_receive() const noexcept;  // bound RX or TRX
  [[nodiscard]] bool can_push() const noexcept;     // push() allowed: server RX/TRX, client TX/TRX
  [[nodiscard]] bool is_client() const noexcept { return options_.client.has_value(); }
  [[nodiscard]] const std::string& operator_name() const noexcept { return operator_; }
  [[nodiscard]] std::size_t waiting_for_core() const noexcept { return pending_.size(); }
  [[nodiscard]] bool window_full() const noexcept { return pending_.size() >= options_.window; }
  [[nodiscard]] std::size_t outstanding() const noexcept { return outstanding_.size(); }

 private:
  struct pending_message {
    command_id request;
    std::uint32_t sequence;
  };
  struct outstanding_request {
    std::uint64_t token;
    command_id request;
  };

  void on_bind(const pdu& p, session_actions& out);
  void on_message(const pdu& p, session_actions& out);
  void on_unbind(const pdu& p, session_actions& out);
  void on_response(const pdu& p, session_actions& out);
  void on_bind_answer(const pdu& p, bool nack, session_actions& out);
  void maybe_finish_unbind(session_actions& out);
  void close(std::string_view reason, session_actions& out);
  std::uint32_t next_sequence() noexcept;

  session_options options_;
  session_state state_ = session_state::open;
  std::optional<bind_kind> bind_;
  std::string operator_;
  std::string peer_system_id_;
  std::uint32_t sequence_ = 0;
  std::uint64_t next_token_ = 1;
  std::map<std::uint64_t, pending_message> pending_;           // token -> message with the core
  std::map<std::uint32_t, outstanding_request> outstanding_;   // our seq -> push()
  std::optional<std::uint32_t> bind_seq_;                      // client: our bind in flight
  std::optional<std::uint32_t> enquire_seq_;                   // our enquire_link in flight
  std::optional<std::uint32_t> unbind_seq_;                    // our unbind in flight
  bool unbind_answered_ = false;                               // the peer answered our unbind
  std::optional<std::uint32_t> owed_unbind_resp_;              // the peer's unbind, seq
};

}  // namespace lapor::sms
