#include "channels/sms/session_fsm.h"

#include <boost/throw_exception.hpp>

#include <stdexcept>
#include <string>

namespace lapor::sms {

std::string_view to_string(session_state s) noexcept {
  switch (s) {
    case session_state::open: return "open";
    case session_state::bound_tx: return "bound_tx";
    case session_state::bound_rx: return "bound_rx";
    case session_state::bound_trx: return "bound_trx";
    case session_state::unbinding: return "unbinding";
    case session_state::closed: return "closed";
  }
  return {};
}

void throw_exception_from_error(const push_refused& e, const boost::source_location& loc) {
  boost::throw_with_location(std::runtime_error("SMPP push refused: " + std::string(e.reason)), loc);
}

session_fsm::session_fsm(session_options options) : options_(std::move(options)) {
  if (options_.window == 0) options_.window = 1;
  if (options_.max_outstanding == 0) options_.max_outstanding = 1;
}

bool session_fsm::bound() const noexcept {
  return state_ == session_state::bound_tx || state_ == session_state::bound_rx ||
         state_ == session_state::bound_trx;
}

bool session_fsm::can_receive() const noexcept {
  return state_ == session_state::bound_rx || state_ == session_state::bound_trx;
}

bool session_fsm::can_push() const noexcept {
  if (is_client()) return state_ == session_state::bound_tx || state_ == session_state::bound_trx;
  return can_receive();
}

session_actions session_fsm::start_bind() {
  session_actions out;
  if (!is_client() || state_ != session_state::open || bind_seq_) return out;
  bind_seq_ = next_sequence();
  out.push_back(send_pdu{make_bind(options_.client->kind, *bind_seq_, options_.client->credentials)});
  return out;
}

std::uint32_t session_fsm::next_sequence() noexcept {
  sequence_ = sequence_ >= 0x7FFFFFFFu ? 1 : sequence_ + 1;
  return sequence_;
}

void session_fsm::close(std::string_view reason, session_actions& out) {
  if (state_ == session_state::closed) return;
  state_ = session_state::closed;
  for (auto& [seq, req] : outstanding_) {
    out.push_back(request_finished{req.token, req.request, request_finished::outcome::session_closed, 0, {}});
  }
  outstanding_.clear();
  // Messages still with the core will be committed or not; their answers cannot be sent
  // any more, and the peer will redeliver (the core dedupes).
  pending_.clear();
  enquire_seq_.reset();
  unbind_seq_.reset();
  bind_seq_.reset();
  owed_unbind_resp_.reset();
  out.push_back(close_session{reason});
}

session_actions session_fsm::on_pdu(const pdu& p) {
  session_actions out;
  if (state_ == session_state::closed) return out;
  if (is_response(p.id)) {
    on_response(p, out);
    return out;
  }
  switch (p.id) {
    case command_id::bind_transmitter:
    case command_id::bind_receiver:
    case command_id::bind_transceiver:
      if (is_client()) {
        out.push_back(send_pdu{make_generic_nack(p.sequence, status::esme_rinvcmdid)});  // SMSCs do not bind to us
      } else {
        on_bind(p, out);
      }
      break;
    case command_id::submit_sm:
    case command_id::deliver_sm:
    case command_id::data_sm: on_message(p, out); break;
    case command_id::enquire_link:
      out.push_back(send_pdu{make_header_only(command_id::enquire_link_resp, p.sequence)});
      break;
    case command_id::unbind: on_unbind(p, out); break;
    default:
      // outbind (we are the server) and anything the decoder let through that we do not serve.
      out.push_back(send_pdu{make_generic_nack(p.sequence, status::esme_rinvcmdid)});
      break;
  }
  return out;
}

void session_fsm::on_bind(const pdu& p, session_actions& out) {
  const bind_kind kind = *bind_kind_of(p.id);
  if (state_ != session_state::open) {
    const std::uint32_t st = bound() ? status::esme_ralybnd : status::esme_rinvbndsts;
    out.push_back(send_pdu{make_bind_resp(kind, p.sequence, st, {}, std::nullopt)});
    return;
  }
  const bind_body* b = p.get<bind_body>();
  bind_decision decision;
  if (b != nullptr && options_.authenticate) {
    decision = options_.authenticate(
        bind_request{kind, b->system_id, b->password, b->system_type, b->interface_version});
  }
  if (decision.status != status::esme_rok) {
    out.push_back(send_pdu{make_bind_resp(kind, p.sequence, decision.status, {}, std::nullopt)});
    close("bind refused", out);
    return;
  }
  bind_ = kind;
  operator_ = std::move(decision.operator_name);
  peer_system_id_ = b->system_id;
  switch (kind) {
    case bind_kind::transmitter: state_ = session_state::bound_tx; break;
    case bind_kind::receiver: state_ = session_state::bound_rx; break;
    case bind_kind::transceiver: state_ = session_state::bound_trx; break;
  }
  // 3.3 peers know no TLVs: announce our version only to 3.4 peers.
  std::optional<std::uint8_t> version;
  if (b->interface_version >= interface_version_34) version = interface_version_34;
  out.push_back(send_pdu{make_bind_resp(kind, p.sequence, status::esme_rok, options_.system_id, version)});
  out.push_back(session_bound{kind, peer_system_id_, operator_});
}

void session_fsm::on_message(const pdu& p, session_actions& out) {
  auto refuse = [&](std::uint32_t st) { out.push_back(send_pdu{make_message_resp(p.id, p.sequence, st, {})}); };
  if (is_client() && p.id == command_id::submit_sm) {
    refuse(status::esme_rinvcmdid);  // an SMSC delivers MOs; it does not submit to us
    return;
  }
  if (is_client() && state_ == session_state::bound_tx) {
    refuse(status::esme_rinvbndsts);
    return;
  }
  if (!bound() || (state_ == session_state::bound_rx && p.id == command_id::submit_sm)) {
    refuse(status::esme_rinvbndsts);
    return;
  }
  auto message = extract_message(p);
  if (!message) {
    refuse(message.error().status);
    return;
  }
  if (message->is_receipt) {
    out.push_back(send_pdu{make_message_resp(p.id, p.sequence, status::esme_rok, {})});
    out.push_back(receipt_received{operator_, std::move(*message)});
    return;
  }
  if (window_full()) {
    refuse(status::esme_rthrottled);
    return;
  }
  const std::uint64_t token = next_token_++;
  pending_.emplace(token, pending_message{p.id, p.sequence});
  out.push_back(submit_to_core{token, operator_, std::move(*message)});
}

void session_fsm::on_unbind(const pdu& p, session_actions& out) {
  if (state_ == session_state::open) {
    out.push_back(send_pdu{make_header_only(command_id::unbind_resp, p.sequence)});
    close("peer unbound before binding", out);
    return;
  }
  state_ = session_state::unbinding;
  owed_unbind_resp_ = p.sequence;
  maybe_finish_unbind(out);
}

// Client role: the SMSC answered our bind.
void session_fsm::on_bind_answer(const pdu& p, bool nack, session_actions& out) {
  if (state_ != session_state::open) return;
  if (nack || p.status != status::esme_rok) {
    out.push_back(session_note{"bind refused by peer", p.status});
    close("bind refused by peer", out);
    return;
  }
  const client_bind& c = *options_.client;
  bind_ = c.kind;
  operator_ = c.operator_name;
  if (const auto* b = p.get<bind_resp_body>()) peer_system_id_ = b->system_id;
  switch (c.kind) {
    case bind_kind::transmitter: state_ = session_state::bound_tx; break;
    case bind_kind::receiver: state_ = session_state::bound_rx; break;
    case bind_kind::transceiver: state_ = session_state::bound_trx; break;
  }
  out.push_back(session_bound{c.kind, peer_system_id_, operator_});
}

// In unbinding: once nothing waits for the core, answer the peer's unbind (if it sent one)
// and close; after our own unbind, close once the peer answered it.
void session_fsm::maybe_finish_unbind(session_actions& out) {
  if (state_ != session_state::unbinding || !pending_.empty()) return;
  if (owed_unbind_resp_) {
    out.push_back(send_pdu{make_header_only(command_id::unbind_resp, *owed_unbind_resp_)});
    owed_unbind_resp_.reset();
    close("unbound", out);
    return;
  }
  if (unbind_answered_) close("unbound", out);
}

void session_fsm::on_response(const pdu& p, session_actions& out) {
  const bool nack = p.id == command_id::generic_nack;
  if (bind_seq_ && *bind_seq_ == p.sequence && (nack || bind_kind_of(p.id) == options_.client->kind)) {
    bind_seq_.reset();
    on_bind_answer(p, nack, out);
    return;
  }
  if (enquire_seq_ && *enquire_seq_ == p.sequence && (nack || p.id == command_id::enquire_link_resp)) {
    enquire_seq_.reset();  // the peer is alive, whatever it answered
    return;
  }
  if (unbind_seq_ && *unbind_seq_ == p.sequence && (nack || p.id == command_id::unbind_resp)) {
    unbind_seq_.reset();
    unbind_answered_ = true;
    maybe_finish_unbind(out);
    return;
  }
  auto it = outstanding_.find(p.sequence);
  if (it == outstanding_.end() || !(nack || p.id == response_to(it->second.request))) {
    out.push_back(session_note{"response matches no request of ours", p.sequence});
    return;
  }
  request_finished done{it->second.token, it->second.request,
                        nack ? request_finished::outcome::nacked : request_finished::outcome::answered,
                        p.status, {}};
  if (const auto* b = p.get<message_id_body>()) done.message_id = b->message_id;
  outstanding_.erase(it);
  out.push_back(std::move(done));
}

session_actions session_fsm::on_decode_error(const decode_error& e) {
  session_actions out;
  if (state_ == session_state::closed) return out;
  out.push_back(send_pdu{make_error_reply(e)});
  if (e.fatal) {
    close("PDU framing lost", out);
  } else if (state_ == session_state::open && bind_kind_of(e.reply_id)) {
    close("bind refused", out);  // an unreadable bind is a failed bind
  }
  return out;
}

session_actions session_fsm::on_core_answer(std::uint64_t token, const core_answer& answer) {
  session_actions out;
  if (state_ == session_state::closed) return out;
  auto it = pending_.find(token);
  if (it == pending_.end()) {
    out.push_back(session_note{"core answered an unknown message", 0});
    return out;
  }
  const pending_message m = it->second;
  pending_.erase(it);
  std::string_view id = answer.message_id;
  if (id.size() > field_max::message_id - 1) id = id.substr(0, field_max::message_id - 1);
  // "Not stored, try again" in each command's own words: an SMSC redelivers a deliver_sm on
  // ESME_RX_T_APPN (what Kannel answers), an ESME resends a submit_sm on ESME_RTHROTTLED
  // (SMPP 3.4 §5.1.3; RX_T_APPN is an ESME receiver's code).
  std::uint32_t st = answer.status;
  if (st == status::esme_rx_t_appn && m.request == command_id::submit_sm) st = status::esme_rthrottled;
  out.push_back(send_pdu{make_message_resp(m.request, m.sequence, st, id)});
  maybe_finish_unbind(out);
  return out;
}

boost::system::result<session_actions, push_refused> session_fsm::push(pdu request, std::uint64_t token) {
  if (is_client()) {
    if (!can_push()) return push_refused{"session is not bound as transmitter or transceiver", false};
    if (request.id != command_id::submit_sm && request.id != command_id::data_sm) {
      return push_refused{"only submit_sm and data_sm go to an SMSC", false};
    }
  } else {
    if (!can_receive()) return push_refused{"session is not bound as receiver or transceiver", false};
    if (request.id != command_id::deliver_sm && request.id != command_id::data_sm) {
      return push_refused{"only deliver_sm and data_sm go to a bound ESME", false};
    }
  }
  if (outstanding_.size() >= options_.max_outstanding) {
    return push_refused{"too many requests waiting for the peer", true};
  }
  request.sequence = next_sequence();
  request.status = 0;
  outstanding_.emplace(request.sequence, outstanding_request{token, request.id});
  session_actions out;
  out.push_back(send_pdu{std::move(request)});
  return out;
}

session_actions session_fsm::request_unbind() {
  session_actions out;
  if (state_ == session_state::open) {
    close("shutting down", out);
  } else if (bound()) {
    state_ = session_state::unbinding;
    unbind_seq_ = next_sequence();
    out.push_back(send_pdu{make_header_only(command_id::unbind, *unbind_seq_)});
  }
  return out;
}

session_actions session_fsm::on_bind_timeout() {
  session_actions out;
  if (state_ == session_state::open) close(is_client() ? "bind not answered in time" : "no bind in time", out);
  return out;
}

session_actions session_fsm::on_idle_timeout() {
  session_actions out;
  if (state_ == session_state::open) {
    close("idle before binding", out);
  } else if (enquire_seq_) {
    close("peer did not answer enquire_link", out);
  } else if (bound()) {
    enquire_seq_ = next_sequence();
    out.push_back(send_pdu{make_header_only(command_id::enquire_link, *enquire_seq_)});
  }
  return out;
}

session_actions session_fsm::on_response_timeout(std::uint32_t sequence) {
  session_actions out;
  if (state_ == session_state::closed) return out;
  if (enquire_seq_ && *enquire_seq_ == sequence) {
    close("peer did not answer enquire_link", out);
    return out;
  }
  if (unbind_seq_ && *unbind_seq_ == sequence) {
    unbind_seq_.reset();
    unbind_answered_ = true;  // give up waiting; close once the core is done
    maybe_finish_unbind(out);
    return out;
  }
  auto it = outstanding_.find(sequence);
  if (it == outstanding_.end()) return out;  // answered in the meantime
  out.push_back(request_finished{it->second.token, it->second.request, request_finished::outcome::timed_out, 0, {}});
  outstanding_.erase(it);
  return out;
}

session_actions session_fsm::on_unbind_timeout() {
  session_actions out;
  if (state_ != session_state::unbinding) return out;
  if (owed_unbind_resp_) {
    out.push_back(send_pdu{make_header_only(command_id::unbind_resp, *owed_unbind_resp_)});
    owed_unbind_resp_.reset();
  }
  close("unbind took too long", out);
  return out;
}

session_actions session_fsm::on_transport_closed() {
  session_actions out;
  close("connection closed", out);
  return out;
}

}  // namespace lapor::sms
