// Names and builders for PDUs (what the daemon sends).
#include "channels/sms/pdu.h"

namespace lapor::sms {

std::string_view to_string(command_id id) noexcept {
  switch (id) {
    case command_id::generic_nack: return "generic_nack";
    case command_id::bind_receiver: return "bind_receiver";
    case command_id::bind_receiver_resp: return "bind_receiver_resp";
    case command_id::bind_transmitter: return "bind_transmitter";
    case command_id::bind_transmitter_resp: return "bind_transmitter_resp";
    case command_id::query_sm: return "query_sm";
    case command_id::query_sm_resp: return "query_sm_resp";
    case command_id::submit_sm: return "submit_sm";
    case command_id::submit_sm_resp: return "submit_sm_resp";
    case command_id::deliver_sm: return "deliver_sm";
    case command_id::deliver_sm_resp: return "deliver_sm_resp";
    case command_id::unbind: return "unbind";
    case command_id::unbind_resp: return "unbind_resp";
    case command_id::replace_sm: return "replace_sm";
    case command_id::replace_sm_resp: return "replace_sm_resp";
    case command_id::cancel_sm: return "cancel_sm";
    case command_id::cancel_sm_resp: return "cancel_sm_resp";
    case command_id::bind_transceiver: return "bind_transceiver";
    case command_id::bind_transceiver_resp: return "bind_transceiver_resp";
    case command_id::outbind: return "outbind";
    case command_id::enquire_link: return "enquire_link";
    case command_id::enquire_link_resp: return "enquire_link_resp";
    case command_id::submit_multi: return "submit_multi";
    case command_id::submit_multi_resp: return "submit_multi_resp";
    case command_id::alert_notification: return "alert_notification";
    case command_id::data_sm: return "data_sm";
    case command_id::data_sm_resp: return "data_sm_resp";
  }
  return {};
}

command_id bind_command(bind_kind k) noexcept {
  switch (k) {
    case bind_kind::transmitter: return command_id::bind_transmitter;
    case bind_kind::receiver: return command_id::bind_receiver;
    case bind_kind::transceiver: return command_id::bind_transceiver;
  }
  return command_id::bind_transceiver;
}

std::optional<bind_kind> bind_kind_of(command_id id) noexcept {
  switch (id) {
    case command_id::bind_transmitter:
    case command_id::bind_transmitter_resp: return bind_kind::transmitter;
    case command_id::bind_receiver:
    case command_id::bind_receiver_resp: return bind_kind::receiver;
    case command_id::bind_transceiver:
    case command_id::bind_transceiver_resp: return bind_kind::transceiver;
    default: return std::nullopt;
  }
}

std::string_view to_string(bind_kind k) noexcept {
  switch (k) {
    case bind_kind::transmitter: return "transmitter";
    case bind_kind::receiver: return "receiver";
    case bind_kind::transceiver: return "transceiver";
  }
  return {};
}

pdu make_header_only(command_id id, std::uint32_t sequence, std::uint32_t status) {
  return pdu{id, status, sequence, std::monostate{}};
}

pdu make_generic_nack(std::uint32_t sequence, std::uint32_t status) {
  return make_header_only(command_id::generic_nack, sequence, status);
}

pdu make_error_reply(const decode_error& e) { return make_header_only(e.reply_id, e.sequence, e.status); }

pdu make_bind_resp(bind_kind kind, std::uint32_t sequence, std::uint32_t status,
                   std::string_view system_id, std::optional<std::uint8_t> sc_interface_version) {
  pdu p = make_header_only(response_to(bind_command(kind)), sequence, status);
  if (status == 0) {
    bind_resp_body b;
    b.system_id = std::string(system_id);
    if (sc_interface_version) b.tlvs.set_sc_interface_version(*sc_interface_version);
    p.body = std::move(b);
  }
  return p;
}

pdu make_message_resp(command_id request, std::uint32_t sequence, std::uint32_t status,
                      std::string_view message_id) {
  pdu p = make_header_only(response_to(request), sequence, status);
  if (status == 0) {
    message_id_body b;
    if (request != command_id::deliver_sm) b.message_id = std::string(message_id);
    p.body = std::move(b);
  }
  return p;
}

pdu make_bind(bind_kind kind, std::uint32_t sequence, bind_body body) {
  return pdu{bind_command(kind), 0, sequence, std::move(body)};
}
pdu make_submit_sm(std::uint32_t sequence, sm_body body) {
  return pdu{command_id::submit_sm, 0, sequence, std::move(body)};
}
pdu make_deliver_sm(std::uint32_t sequence, sm_body body) {
  return pdu{command_id::deliver_sm, 0, sequence, std::move(body)};
}
pdu make_data_sm(std::uint32_t sequence, data_sm_body body) {
  return pdu{command_id::data_sm, 0, sequence, std::move(body)};
}

}  // namespace lapor::sms
