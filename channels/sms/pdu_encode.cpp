// encode_pdu(): the inverse of decode_pdu() for every PDU the daemon may send.
#include <algorithm>

#include "channels/sms/pdu.h"
#include "channels/sms/wire.h"

namespace lapor::sms {

namespace {

using detail::wire_writer;

// Body layout expected for each command id.
enum class layout { header_only, bind, bind_resp, outbind, sm, data_sm, message_id_resp, unsupported };

layout layout_of(command_id id) {
  switch (id) {
    case command_id::bind_receiver:
    case command_id::bind_transmitter:
    case command_id::bind_transceiver: return layout::bind;
    case command_id::bind_receiver_resp:
    case command_id::bind_transmitter_resp:
    case command_id::bind_transceiver_resp: return layout::bind_resp;
    case command_id::outbind: return layout::outbind;
    case command_id::submit_sm:
    case command_id::deliver_sm: return layout::sm;
    case command_id::data_sm: return layout::data_sm;
    case command_id::submit_sm_resp:
    case command_id::deliver_sm_resp:
    case command_id::data_sm_resp: return layout::message_id_resp;
    case command_id::generic_nack:
    case command_id::unbind:
    case command_id::unbind_resp:
    case command_id::enquire_link:
    case command_id::enquire_link_resp: return layout::header_only;
    default: return layout::unsupported;
  }
}

class body_writer {
 public:
  explicit body_writer(bytes& out) : w_(out) {}

  [[nodiscard]] bool ok() const noexcept { return !error_; }
  [[nodiscard]] encode_error error() const noexcept { return *error_; }

  void u8(std::uint8_t v) {
    if (ok()) w_.u8(v);
  }
  void cstring(std::string_view s, std::size_t max_with_nul, std::string_view too_long) {
    if (!ok()) return;
    if (s.size() + 1 > max_with_nul || s.find('\0') != std::string_view::npos) {
      error_ = encode_error{too_long};
      return;
    }
    w_.c_octet_string(s);
  }
  void short_message(const bytes& sm) {
    if (!ok()) return;
    if (sm.size() > max_short_message) {
      error_ = encode_error{"short_message longer than 254 octets (use message_payload)"};
      return;
    }
    w_.u8(static_cast<std::uint8_t>(sm.size()));
    w_.octets(sm);
  }
  void tlvs(const tlv_list& list) {
    if (ok() && !detail::write_tlvs(list, w_)) error_ = encode_error{"TLV value longer than 65535 octets"};
  }
  void fail(std::string_view reason) {
    if (ok()) error_ = encode_error{reason};
  }

 private:
  wire_writer w_;
  std::optional<encode_error> error_;
};

void write_bind(body_writer& w, const bind_body& b) {
  w.cstring(b.system_id, field_max::system_id, "system_id longer than 15 octets");
  w.cstring(b.password, field_max::password, "password longer than 8 octets");
  w.cstring(b.system_type, field_max::system_type, "system_type longer than 12 octets");
  w.u8(b.interface_version);
  w.u8(b.addr_ton);
  w.u8(b.addr_npi);
  w.cstring(b.address_range, field_max::address_range, "address_range longer than 40 octets");
}

void write_sm(body_writer& w, const sm_body& b) {
  w.cstring(b.service_type, field_max::service_type, "service_type longer than 5 octets");
  w.u8(b.source_addr_ton);
  w.u8(b.source_addr_npi);
  w.cstring(b.source_addr, field_max::address, "source_addr longer than 20 octets");
  w.u8(b.dest_addr_ton);
  w.u8(b.dest_addr_npi);
  w.cstring(b.destination_addr, field_max::address, "destination_addr longer than 20 octets");
  w.u8(b.esm_class);
  w.u8(b.protocol_id);
  w.u8(b.priority_flag);
  w.cstring(b.schedule_delivery_time, field_max::time, "schedule_delivery_time longer than 16 octets");
  w.cstring(b.validity_period, field_max::time, "validity_period longer than 16 octets");
  w.u8(b.registered_delivery);
  w.u8(b.replace_if_present_flag);
  w.u8(b.data_coding);
  w.u8(b.sm_default_msg_id);
  w.short_message(b.short_message);
  w.tlvs(b.tlvs);
}

void write_data_sm(body_writer& w, const data_sm_body& b) {
  w.cstring(b.service_type, field_max::service_type, "service_type longer than 5 octets");
  w.u8(b.source_addr_ton);
  w.u8(b.source_addr_npi);
  w.cstring(b.source_addr, field_max::data_sm_address, "source_addr longer than 64 octets");
  w.u8(b.dest_addr_ton);
  w.u8(b.dest_addr_npi);
  w.cstring(b.destination_addr, field_max::data_sm_address, "destination_addr longer than 64 octets");
  w.u8(b.esm_class);
  w.u8(b.registered_delivery);
  w.u8(b.data_coding);
  w.tlvs(b.tlvs);
}

// Writes the body of `p` after the header already in `out`.
void write_body(body_writer& w, const pdu& p) {
  const layout l = layout_of(p.id);
  if (l == layout::unsupported) return w.fail("command_id not supported by the encoder");
  if (std::holds_alternative<std::monostate>(p.body)) {
    // Responses may always go header-only; requests only when they have no body.
    if (l == layout::header_only || is_response(p.id)) return;
    return w.fail("request needs a body");
  }
  switch (l) {
    case layout::bind:
      if (auto* b = p.get<bind_body>()) return write_bind(w, *b);
      break;
    case layout::bind_resp:
      if (auto* b = p.get<bind_resp_body>()) {
        w.cstring(b->system_id, field_max::system_id, "system_id longer than 15 octets");
        return w.tlvs(b->tlvs);
      }
      break;
    case layout::outbind:
      if (auto* b = p.get<outbind_body>()) {
        w.cstring(b->system_id, field_max::system_id, "system_id longer than 15 octets");
        return w.cstring(b->password, field_max::password, "password longer than 8 octets");
      }
      break;
    case layout::sm:
      if (auto* b = p.get<sm_body>()) return write_sm(w, *b);
      break;
    case layout::data_sm:
      if (auto* b = p.get<data_sm_body>()) return write_data_sm(w, *b);
      break;
    case layout::message_id_resp:
      if (auto* b = p.get<message_id_body>()) {
        w.cstring(b->message_id, field_max::message_id, "message_id longer than 64 octets");
        return w.tlvs(b->tlvs);
      }
      break;
    case layout::header_only:
    case layout::unsupported: break;
  }
  w.fail("body does not match command_id");
}

}  // namespace

std::optional<encode_error> append_pdu(const pdu& p, bytes& out) {
  const std::size_t start = out.size();
  {
    wire_writer header(out);
    header.u32(0);  // command_length, patched below
    header.u32(raw(p.id));
    header.u32(p.status);
    header.u32(p.sequence);
  }
  body_writer w(out);
  write_body(w, p);
  if (!w.ok()) {
    out.resize(start);
    return w.error();
  }
  const std::size_t length = out.size() - start;
  if (length > 0xFFFFFFFFu) {
    out.resize(start);
    return encode_error{"PDU longer than 4 GiB"};
  }
  wire_writer(out).patch_u32(start, static_cast<std::uint32_t>(length));
  return std::nullopt;
}

encode_result encode_pdu(const pdu& p) {
  bytes out;
  out.reserve(64);
  if (auto e = append_pdu(p, out)) return *e;
  return out;
}

}  // namespace lapor::sms
