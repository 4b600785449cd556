// SMPP 3.4 PDUs: the types, the decoder and the encoder.
//
// Sans-I/O: decode_pdu() takes one complete frame (see frame_decoder.h), encode_pdu()
// returns the octets to write. Neither allocates more than the PDU needs, neither throws
// on bad input: a malformed PDU is a `decode_error` value that says which status to answer
// with, which command id the answer carries and whether the stream is still in sync.
//
// What the decoder tolerates (interop, see reference/smpp-3.4.md):
//  - a response with no body at all (header only), whatever its status: `body` is monostate;
//  - trailing octets on header-only PDUs (enquire_link_resp with a stray NUL, php-smpp#49);
//  - unknown TLVs (kept in order, re-encoded as they came);
//  - a non-zero command_status on a request (ignored).
// What it refuses: see decode_pdu().
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "channels/sms/bytes.h"
#include "channels/sms/tlv.h"

namespace lapor::sms {

enum class command_id : std::uint32_t {
  generic_nack = 0x80000000,
  bind_receiver = 0x00000001,
  bind_receiver_resp = 0x80000001,
  bind_transmitter = 0x00000002,
  bind_transmitter_resp = 0x80000002,
  query_sm = 0x00000003,
  query_sm_resp = 0x80000003,
  submit_sm = 0x00000004,
  submit_sm_resp = 0x80000004,
  deliver_sm = 0x00000005,
  deliver_sm_resp = 0x80000005,
  unbind = 0x00000006,
  unbind_resp = 0x80000006,
  replace_sm = 0x00000007,
  replace_sm_resp = 0x80000007,
  cancel_sm = 0x00000008,
  cancel_sm_resp = 0x80000008,
  bind_transceiver = 0x00000009,
  bind_transceiver_resp = 0x80000009,
  outbind = 0x0000000B,
  enquire_link = 0x00000015,
  enquire_link_resp = 0x80000015,
  submit_multi = 0x00000021,
  submit_multi_resp = 0x80000021,
  alert_notification = 0x00000102,
  data_sm = 0x00000103,
  data_sm_resp = 0x80000103,
};

[[nodiscard]] constexpr std::uint32_t raw(command_id id) noexcept {
  return static_cast<std::uint32_t>(id);
}
[[nodiscard]] constexpr bool is_response(command_id id) noexcept {
  return (raw(id) & 0x80000000u) != 0;
}
// The response id of a request id (bit 31 set).
[[nodiscard]] constexpr command_id response_to(command_id request) noexcept {
  return static_cast<command_id>(raw(request) | 0x80000000u);
}
// "submit_sm", ...; empty for ids SMPP 3.4 does not define.
[[nodiscard]] std::string_view to_string(command_id id) noexcept;

inline constexpr std::size_t header_length = 16;
inline constexpr std::size_t default_max_pdu_length = 64 * 1024;
inline constexpr std::size_t max_short_message = 254;  // sm_length is one octet; 3.4 says 254

// Maximum sizes of the C-Octet Strings, NUL included (SMPP 3.4 §4).
namespace field_max {
inline constexpr std::size_t system_id = 16;
inline constexpr std::size_t password = 9;
inline constexpr std::size_t system_type = 13;
inline constexpr std::size_t address_range = 41;
inline constexpr std::size_t address = 21;          // submit_sm / deliver_sm addresses
inline constexpr std::size_t data_sm_address = 65;  // data_sm allows longer addresses
inline constexpr std::size_t service_type = 6;
inline constexpr std::size_t time = 17;  // schedule_delivery_time, validity_period
inline constexpr std::size_t message_id = 65;
}  // namespace field_max

inline constexpr std::uint8_t interface_version_34 = 0x34;

enum class bind_kind { transmitter, receiver, transceiver };
[[nodiscard]] command_id bind_command(bind_kind k) noexcept;
// bind_kind of a bind_* request or bind_*_resp id; nullopt for other ids.
[[nodiscard]] std::optional<bind_kind> bind_kind_of(command_id id) noexcept;
[[nodiscard]] std::string_view to_string(bind_kind k) noexcept;

// bind_transmitter, bind_receiver, bind_transceiver.
struct bind_body {
  std::string system_id;
  std::string password;
  std::string system_type;
  std::uint8_t interface_version = interface_version_34;
  std::uint8_t addr_ton = 0;
  std::uint8_t addr_npi = 0;
  std::string address_range;
  friend bool operator==(const bind_body&, const bind_body&) = default;
};

// bind_*_resp. 3.4 peers add sc_interface_version.
struct bind_resp_body {
  std::string system_id;
  tlv_list tlvs;
  friend bool operator==(const bind_resp_body&, const bind_resp_body&) = default;
};

struct outbind_body {
  std::string system_id;
  std::string password;
  friend bool operator==(const outbind_body&, const outbind_body&) = default;
};

// submit_sm and deliver_sm share one layout (deliver_sm leaves some fields NULL).
struct sm_body {
  std::string service_type;
  std::uint8_t source_addr_ton = 0;
  std::uint8_t source_addr_npi = 0;
  std::string source_addr;
  std::uint8_t dest_addr_ton = 0;
  std::uint8_t dest_addr_npi = 0;
  std::string destination_addr;
  std::uint8_t esm_class = 0;
  std::uint8_t protocol_id = 0;
  std::uint8_t priority_flag = 0;
  std::string schedule_delivery_time;
  std::string validity_period;
  std::uint8_t registered_delivery = 0;
  std::uint8_t replace_if_present_flag = 0;
  std::uint8_t data_coding = 0;
  std::uint8_t sm_default_msg_id = 0;
  bytes short_message;  // sm_length is its size, at most 254
  tlv_list tlvs;
  friend bool operator==(const sm_body&, const sm_body&) = default;
};

// data_sm: no short_message; the text travels in message_payload.
struct data_sm_body {
  std::string service_type;
  std::uint8_t source_addr_ton = 0;
  std::uint8_t source_addr_npi = 0;
  std::string source_addr;
  std::uint8_t dest_addr_ton = 0;
  std::uint8_t dest_addr_npi = 0;
  std::string destination_addr;
  std::uint8_t esm_class = 0;
  std::uint8_t registered_delivery = 0;
  std::uint8_t data_coding = 0;
  tlv_list tlvs;
  friend bool operator==(const data_sm_body&, const data_sm_body&) = default;
};

// submit_sm_resp, deliver_sm_resp (message_id unused: empty), data_sm_resp (+ TLVs).
struct message_id_body {
  std::string message_id;
  tlv_list tlvs;
  friend bool operator==(const message_id_body&, const message_id_body&) = default;
};

// monostate = no body: header-only PDUs (enquire_link, unbind, generic_nack, their
// resps) and error responses sent or received without a body.
using pdu_body = std::variant<std::monostate, bind_body, bind_resp_body, outbind_body, sm_body,
                              data_sm_body, message_id_body>;

struct pdu {
  command_id id = command_id::generic_nack;
  std::uint32_t status = 0;
  std::uint32_t sequence = 0;
  pdu_body body;

  template <class T>
  [[nodiscard]] const T* get() const noexcept {
    return std::get_if<T>(&body);
  }
  template <class T>
  [[nodiscard]] T* get() noexcept {
    return std::get_if<T>(&body);
  }
  friend bool operator==(const pdu&, const pdu&) = default;
};

struct decode_options {
  // Largest command_length accepted (node-smpp caps at 16384; message_payload needs more).
  std::size_t max_pdu_length = default_max_pdu_length;
};

// A PDU that could not be decoded, and how to answer it. The answer is always header-only:
// `make_error_reply(e)` builds it.
struct decode_error {
  std::uint32_t status = 0;                         // ESME_R... to answer with
  command_id reply_id = command_id::generic_nack;   // generic_nack or the request's *_resp
  std::uint32_t sequence = 0;                       // of the offending PDU; 0 when unreadable
  std::uint32_t offending_id = 0;                   // its raw command_id; 0 when unreadable
  bool fatal = false;  // framing is lost (bad command_length): answer, then close the session
  std::string_view reason;  // static text naming the field; safe to log (no PDU content)
  friend bool operator==(const decode_error&, const decode_error&) = default;
};

struct encode_error {
  std::string_view reason;  // static text naming the field
  friend bool operator==(const encode_error&, const encode_error&) = default;
};

// Lets boost::system::result<T, decode_error>::value() throw (programming errors only).
[[noreturn]] void throw_exception_from_error(const decode_error& e, const boost::source_location& loc);
[[noreturn]] void throw_exception_from_error(const encode_error& e, const boost::source_location& loc);

using decode_result = boost::system::result<pdu, decode_error>;
using encode_result = boost::system::result<bytes, encode_error>;

// Decodes one whole PDU (`frame` = command_length octets, header included).
// Refusals, each with its answer:
//  - frame shorter than 16, command_length != frame size, or above options.max_pdu_length:
//    ESME_RINVCMDLEN in a generic_nack, fatal (the stream is out of sync);
//  - a command_id 3.4 does not define, or one we do not serve (query_sm, replace_sm,
//    cancel_sm, submit_multi, alert_notification, their resps): ESME_RINVCMDID, generic_nack;
//  - the PDU ends inside a mandatory field, or octets follow a body without TLVs:
//    ESME_RINVCMDLEN, generic_nack;
//  - a C-Octet String longer than its maximum (no NUL within it): the field's own status in
//    the request's *_resp — RINVSYSID, RINVPASWD, RINVSYSTYP, RBINDFAIL (address_range),
//    RINVSERTYP, RINVSRCADR, RINVDSTADR, RINVSCHED, RINVEXPIRY; generic_nack for responses;
//  - sm_length above 254 or past the end of the PDU: ESME_RINVMSGLEN in the *_resp;
//  - a broken TLV stream: ESME_RINVOPTPARSTREAM; a typed TLV of the wrong length:
//    ESME_RINVPARLEN (both in the *_resp).
[[nodiscard]] decode_result decode_pdu(bytes_view frame, const decode_options& options = {});

// Encodes `p`. Refuses (encode_error) a body that does not fit the command id (a request
// that needs a body given none, or a header-only command given one), a C-Octet String
// longer than its maximum or containing NUL, a short_message over 254 octets, a TLV value
// over 65535 octets. A response with a monostate body is encoded header-only.
[[nodiscard]] encode_result encode_pdu(const pdu& p);
// Same, appending to `out` (a write queue); `out` is unchanged on error.
[[nodiscard]] std::optional<encode_error> append_pdu(const pdu& p, bytes& out);

// Builders for what the daemon sends.
[[nodiscard]] pdu make_header_only(command_id id, std::uint32_t sequence, std::uint32_t status = 0);
[[nodiscard]] pdu make_generic_nack(std::uint32_t sequence, std::uint32_t status);
// Header-only answer to a PDU that failed to decode.
[[nodiscard]] pdu make_error_reply(const decode_error& e);
// With status 0: system_id and (when given) the sc_interface_version TLV; otherwise
// header-only, as node-smpp and most SMSCs send it.
[[nodiscard]] pdu make_bind_resp(bind_kind kind, std::uint32_t sequence, std::uint32_t status,
                                 std::string_view system_id,
                                 std::optional<std::uint8_t> sc_interface_version);
// submit_sm_resp / deliver_sm_resp / data_sm_resp for `request` (submit_sm, deliver_sm or
// data_sm). With status 0 the body carries `message_id` (deliver_sm_resp: always empty, the
// spec says NULL); otherwise header-only.
[[nodiscard]] pdu make_message_resp(command_id request, std::uint32_t sequence, std::uint32_t status,
                                    std::string_view message_id);
[[nodiscard]] pdu make_bind(bind_kind kind, std::uint32_t sequence, bind_body body);
[[nodiscard]] pdu make_submit_sm(std::uint32_t sequence, sm_body body);
[[nodiscard]] pdu make_deliver_sm(std::uint32_t sequence, sm_body body);
[[nodiscard]] pdu make_data_sm(std::uint32_t sequence, data_sm_body body);

}  // namespace lapor::sms
