// decode_pdu(): one decoder per body layout, each with a wire sample above it.
#include "channels/sms/pdu.h"

#include <boost/throw_exception.hpp>

#include <stdexcept>

#include "channels/sms/smpp_status.h"
#include "channels/sms/wire.h"

namespace lapor::sms {

namespace {

using detail::wire_reader;
using cstring_result = wire_reader::cstring_result;

// A C-Octet String field: its maximum (NUL included), the status for "too long" when it
// arrives in a request, and static reasons for both failures.
struct cstring_field {
  std::size_t max;
  std::uint32_t too_long_status;
  std::string_view truncated;
  std::string_view too_long;
};

constexpr cstring_field f_system_id{field_max::system_id, status::esme_rinvsysid,
                                    "PDU ends inside system_id", "system_id longer than 15 octets"};
constexpr cstring_field f_password{field_max::password, status::esme_rinvpaswd,
                                   "PDU ends inside password", "password longer than 8 octets"};
constexpr cstring_field f_system_type{field_max::system_type, status::esme_rinvsystyp,
                                      "PDU ends inside system_type",
                                      "system_type longer than 12 octets"};
constexpr cstring_field f_address_range{field_max::address_range, status::esme_rbindfail,
                                        "PDU ends inside address_range",
                                        "address_range longer than 40 octets"};
constexpr cstring_field f_service_type{field_max::service_type, status::esme_rinvsertyp,
                                       "PDU ends inside service_type",
                                       "service_type longer than 5 octets"};
constexpr cstring_field f_source_addr{field_max::address, status::esme_rinvsrcadr,
                                      "PDU ends inside source_addr",
                                      "source_addr longer than 20 octets"};
constexpr cstring_field f_destination_addr{field_max::address, status::esme_rinvdstadr,
                                           "PDU ends inside destination_addr",
                                           "destination_addr longer than 20 octets"};
constexpr cstring_field f_data_sm_source_addr{field_max::data_sm_address, status::esme_rinvsrcadr,
                                              "PDU ends inside source_addr",
                                              "source_addr longer than 64 octets"};
constexpr cstring_field f_data_sm_destination_addr{
    field_max::data_sm_address, status::esme_rinvdstadr, "PDU ends inside destination_addr",
    "destination_addr longer than 64 octets"};
constexpr cstring_field f_schedule{field_max::time, status::esme_rinvsched,
                                   "PDU ends inside schedule_delivery_time",
                                   "schedule_delivery_time longer than 16 octets"};
constexpr cstring_field f_validity{field_max::time, status::esme_rinvexpiry,
                                   "PDU ends inside validity_period",
                                   "validity_period longer than 16 octets"};
constexpr cstring_field f_message_id{field_max::message_id, status::esme_rinvmsgid,
                                     "PDU ends inside message_id",
                                     "message_id longer than 64 octets"};

// Reads the body of one PDU; the first failure is kept in `error` and every later read
// fails, so a decoder is a straight list of reads followed by one check.
class body_reader {
 public:
  body_reader(bytes_view body, command_id id, std::uint32_t sequence)
      : r_(body), id_(id), sequence_(sequence) {}

  [[nodiscard]] bool ok() const noexcept { return !error_; }
  [[nodiscard]] const decode_error& error() const noexcept { return *error_; }
  [[nodiscard]] bool at_end() const noexcept { return r_.remaining() == 0; }
  [[nodiscard]] bytes_view rest() const noexcept { return r_.rest(); }

  void u8(std::uint8_t& v, std::string_view truncated_reason) {
    if (ok() && !r_.u8(v)) fail_length(truncated_reason);
  }

  void cstring(const cstring_field& f, std::string& out) {
    if (!ok()) return;
    switch (r_.c_octet_string(f.max, out)) {
      case cstring_result::ok: return;
      case cstring_result::truncated: fail_length(f.truncated); return;
      case cstring_result::too_long: fail_field(f.too_long_status, f.too_long); return;
    }
  }

  // sm_length then short_message.
  void short_message(bytes& out) {
    std::uint8_t len = 0;
    u8(len, "PDU ends before sm_length");
    if (!ok()) return;
    if (len > max_short_message) {
      fail_field(status::esme_rinvmsglen, "sm_length above 254");
      return;
    }
    if (!r_.octets(len, out)) fail_field(status::esme_rinvmsglen, "sm_length runs past the end of the PDU");
  }

  // Everything left is TLVs.
  void tlvs(tlv_list& out) {
    if (!ok()) return;
    if (auto e = parse_tlvs(r_.rest(), out)) {
      fail_field(e->status, e->reason);
      return;
    }
    bytes skip;
    (void)r_.octets(r_.remaining(), skip);
  }

  // A body with no TLVs must end here.
  void expect_end(std::string_view reason) {
    if (ok() && !at_end()) fail_length(reason);
  }

 private:
  // The body does not match command_length: generic_nack, ESME_RINVCMDLEN.
  void fail_length(std::string_view reason) {
    error_ = decode_error{status::esme_rinvcmdlen, command_id::generic_nack, sequence_, raw(id_),
                          false, reason};
  }
  // A field is wrong: the request's own *_resp with the field's status; generic_nack for
  // a response (responses are never answered with a response) and for outbind (it has none).
  void fail_field(std::uint32_t st, std::string_view reason) {
    const bool has_resp = !is_response(id_) && id_ != command_id::outbind;
    const command_id reply = has_resp ? response_to(id_) : command_id::generic_nack;
    error_ = decode_error{st, reply, sequence_, raw(id_), false, reason};
  }

  wire_reader r_;
  command_id id_;
  std::uint32_t sequence_;
  std::optional<decode_error> error_;
};

decode_result finish(body_reader& br, pdu&& p) {
  if (!br.ok()) return br.error();
  return std::move(p);
}

// bind_transmitter / bind_receiver / bind_transceiver (Kannel, captured):
//   00000021 00000009 00000000 00000001        length 33, bind_transceiver, seq 1
//   7465737400 73656372657400 00               "test" "secret" system_type ""
//   34 00 00 00                                 interface_version 3.4, ton, npi, range ""
decode_result decode_bind(body_reader& br, pdu&& p) {
  bind_body b;
  br.cstring(f_system_id, b.system_id);
  br.cstring(f_password, b.password);
  br.cstring(f_system_type, b.system_type);
  br.u8(b.interface_version, "PDU ends before interface_version");
  br.u8(b.addr_ton, "PDU ends before addr_ton");
  br.u8(b.addr_npi, "PDU ends before addr_npi");
  br.cstring(f_address_range, b.address_range);
  br.expect_end("octets after address_range (bind has no TLVs)");
  p.body = std::move(b);
  return finish(br, std::move(p));
}

// bind_*_resp, system_id then TLVs (sc_interface_version):
//   0000001F 80000009 00000000 00000001
//   4C41504F5231373038 00                      "LAPOR1708"
//   0210 0001 34                               sc_interface_version 3.4
// An error answer may be header-only: 00000010 80000009 0000000E 00000001.
decode_result decode_bind_resp(body_reader& br, pdu&& p) {
  if (br.at_end()) return std::move(p);
  bind_resp_body b;
  br.cstring(f_system_id, b.system_id);
  br.tlvs(b.tlvs);
  p.body = std::move(b);
  return finish(br, std::move(p));
}

// outbind (an SMSC asking us to bind):
//   00000018 0000000B 00000000 00000001  736D736300 707700      "smsc" "pw"
decode_result decode_outbind(body_reader& br, pdu&& p) {
  outbind_body b;
  br.cstring(f_system_id, b.system_id);
  br.cstring(f_password, b.password);
  br.expect_end("octets after password (outbind has no TLVs)");
  p.body = std::move(b);
  return finish(br, std::move(p));
}

// submit_sm / deliver_sm (an MO "Jalan rusak" from 6281234567890 to 1708):
//   0000003D 00000004 00000000 00000002
//   00                                          service_type ""
//   01 01 3632383132333435363738393000          source ton 1, npi 1, "6281234567890"
//   00 00 3137303800                            dest ton 0, npi 0, "1708"
//   00 00 00                                    esm_class, protocol_id, priority_flag
//   00 00                                       schedule_delivery_time "", validity_period ""
//   00 00 00 00                                 registered_delivery, replace, data_coding, default id
//   0B 4A616C616E2072757361 6B                   sm_length 11, "Jalan rusak"
//   [TLVs, e.g. 020C 0002 0042  020E 0001 02  020F 0001 01]
decode_result decode_sm(body_reader& br, pdu&& p) {
  sm_body b;
  br.cstring(f_service_type, b.service_type);
  br.u8(b.source_addr_ton, "PDU ends before source_addr_ton");
  br.u8(b.source_addr_npi, "PDU ends before source_addr_npi");
  br.cstring(f_source_addr, b.source_addr);
  br.u8(b.dest_addr_ton, "PDU ends before dest_addr_ton");
  br.u8(b.dest_addr_npi, "PDU ends before dest_addr_npi");
  br.cstring(f_destination_addr, b.destination_addr);
  br.u8(b.esm_class, "PDU ends before esm_class");
  br.u8(b.protocol_id, "PDU ends before protocol_id");
  br.u8(b.priority_flag, "PDU ends before priority_flag");
  br.cstring(f_schedule, b.schedule_delivery_time);
  br.cstring(f_validity, b.validity_period);
  br.u8(b.registered_delivery, "PDU ends before registered_delivery");
  br.u8(b.replace_if_present_flag, "PDU ends before replace_if_present_flag");
  br.u8(b.data_coding, "PDU ends before data_coding");
  br.u8(b.sm_default_msg_id, "PDU ends before sm_default_msg_id");
  br.short_message(b.short_message);
  br.tlvs(b.tlvs);
  p.body = std::move(b);
  return finish(br, std::move(p));
}

// data_sm (UCS-2 "AB" in message_payload):
//   00000033 00000103 00000000 00000004
//   00 01 01 3632383132333435363738393000 00 00 3137303800
//   00 00 08                                    esm_class, registered_delivery, data_coding 8
//   0424 0004 00410042                          message_payload
decode_result decode_data_sm(body_reader& br, pdu&& p) {
  data_sm_body b;
  br.cstring(f_service_type, b.service_type);
  br.u8(b.source_addr_ton, "PDU ends before source_addr_ton");
  br.u8(b.source_addr_npi, "PDU ends before source_addr_npi");
  br.cstring(f_data_sm_source_addr, b.source_addr);
  br.u8(b.dest_addr_ton, "PDU ends before dest_addr_ton");
  br.u8(b.dest_addr_npi, "PDU ends before dest_addr_npi");
  br.cstring(f_data_sm_destination_addr, b.destination_addr);
  br.u8(b.esm_class, "PDU ends before esm_class");
  br.u8(b.registered_delivery, "PDU ends before registered_delivery");
  br.u8(b.data_coding, "PDU ends before data_coding");
  br.tlvs(b.tlvs);
  p.body = std::move(b);
  return finish(br, std::move(p));
}

// submit_sm_resp / deliver_sm_resp / data_sm_resp:
//   00000015 80000004 00000000 00000002  3141324200      message_id "1A2B"
// Error answers are often header-only: 00000010 80000004 00000058 00000002.
decode_result decode_message_id_resp(body_reader& br, pdu&& p) {
  if (br.at_end()) return std::move(p);
  message_id_body b;
  br.cstring(f_message_id, b.message_id);
  br.tlvs(b.tlvs);
  p.body = std::move(b);
  return finish(br, std::move(p));
}

// enquire_link, enquire_link_resp, unbind, unbind_resp, generic_nack: header only.
//   00000010 00000015 00000000 00000003         enquire_link seq 3
//   00000010 00000006 00000000 00000007         unbind (Kannel on SIGINT, captured)
//   00000010 80000000 00000003 0000002A         generic_nack ESME_RINVCMDID for seq 42
// A request with a body is malformed (SMPP 3.4 §4.2.1, §4.11.1: command_length 16), answered
// generic_nack ESME_RINVCMDLEN like any other length error; a response's trailing octets are
// ignored (php-smpp sent enquire_link_resp with a NUL, #49: answering a response is no use).
decode_result decode_header_only(body_reader& br, pdu&& p) {
  if (p.id == command_id::enquire_link || p.id == command_id::unbind)
    br.expect_end("enquire_link and unbind carry no body (command_length is 16)");
  return finish(br, std::move(p));
}

std::uint32_t load_u32(bytes_view b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

}  // namespace

decode_result decode_pdu(bytes_view frame, const decode_options& options) {
  if (frame.size() < header_length) {
    return decode_error{status::esme_rinvcmdlen, command_id::generic_nack, 0, 0, true,
                        "PDU shorter than its 16-octet header"};
  }
  const std::uint32_t length = load_u32(frame, 0);
  const std::uint32_t id_raw = load_u32(frame, 4);
  const std::uint32_t st = load_u32(frame, 8);
  const std::uint32_t sequence = load_u32(frame, 12);
  if (length != frame.size()) {
    return decode_error{status::esme_rinvcmdlen, command_id::generic_nack, sequence, id_raw, true,
                        "command_length differs from the frame size"};
  }
  if (length > options.max_pdu_length) {
    return decode_error{status::esme_rinvcmdlen, command_id::generic_nack, sequence, id_raw, true,
                        "command_length above the configured maximum"};
  }

  const auto id = static_cast<command_id>(id_raw);
  pdu p;
  p.id = id;
  p.status = st;
  p.sequence = sequence;
  body_reader br(frame.subspan(header_length), id, sequence);

  switch (id) {
    case command_id::bind_receiver:
    case command_id::bind_transmitter:
    case command_id::bind_transceiver: return decode_bind(br, std::move(p));
    case command_id::bind_receiver_resp:
    case command_id::bind_transmitter_resp:
    case command_id::bind_transceiver_resp: return decode_bind_resp(br, std::move(p));
    case command_id::outbind: return decode_outbind(br, std::move(p));
    case command_id::submit_sm:
    case command_id::deliver_sm: return decode_sm(br, std::move(p));
    case command_id::data_sm: return decode_data_sm(br, std::move(p));
    case command_id::submit_sm_resp:
    case command_id::deliver_sm_resp:
    case command_id::data_sm_resp: return decode_message_id_resp(br, std::move(p));
    case command_id::generic_nack:
    case command_id::unbind:
    case command_id::unbind_resp:
    case command_id::enquire_link:
    case command_id::enquire_link_resp: return decode_header_only(br, std::move(p));
    case command_id::query_sm:
    case command_id::query_sm_resp:
    case command_id::replace_sm:
    case command_id::replace_sm_resp:
    case command_id::cancel_sm:
    case command_id::cancel_sm_resp:
    case command_id::submit_multi:
    case command_id::submit_multi_resp:
    case command_id::alert_notification:
      return decode_error{status::esme_rinvcmdid, command_id::generic_nack, sequence, id_raw, false,
                          "command not supported by this gateway"};
  }
  return decode_error{status::esme_rinvcmdid, command_id::generic_nack, sequence, id_raw, false,
                      "unknown command_id"};
}

void throw_exception_from_error(const decode_error& e, const boost::source_location& loc) {
  boost::throw_with_location(std::runtime_error(std::string("SMPP decode error: ") + std::string(e.reason)), loc);
}

void throw_exception_from_error(const encode_error& e, const boost::source_location& loc) {
  boost::throw_with_location(std::runtime_error(std::string("SMPP encode error: ") + std::string(e.reason)), loc);
}

}  // namespace lapor::sms
