// The message inside a submit_sm / deliver_sm / data_sm, independent of which PDU carried it:
// addresses, coding, the user data split from its UDH, and where it sits in a long message.
#pragma once

#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "channels/sms/bytes.h"
#include "channels/sms/pdu.h"

namespace lapor::sms {

enum class concat_source { udh8, udh16, sar };

struct concat_info {
  std::uint16_t ref = 0;
  std::uint8_t total = 0;  // >= 2
  std::uint8_t seq = 0;    // 1..total
  concat_source source = concat_source::udh8;
  friend bool operator==(const concat_info&, const concat_info&) = default;
};

struct mo_message {
  command_id via = command_id::submit_sm;  // submit_sm, deliver_sm or data_sm
  std::string service_type;
  std::uint8_t source_addr_ton = 0;
  std::uint8_t source_addr_npi = 0;
  std::string source_addr;
  std::uint8_t dest_addr_ton = 0;
  std::uint8_t dest_addr_npi = 0;
  std::string destination_addr;
  std::uint8_t esm_class = 0;
  std::uint8_t protocol_id = 0;
  std::uint8_t registered_delivery = 0;
  std::uint8_t data_coding = 0;
  bytes udh;      // UDHL + IEs when esm_class has UDHI; empty otherwise
  bytes payload;  // user data after the UDH: the octets decode_text() reads
  bool from_message_payload = false;  // text came from the message_payload TLV
  std::optional<concat_info> concat;  // nullopt for a single message (also "part 1 of 1")
  // esm_class message type (bits 5-2) is not "normal message": an SMSC delivery receipt
  // (0x04), an intermediate notification (0x20) or an SME acknowledgement. Not citizen text.
  bool is_receipt = false;
  std::optional<std::string> receipted_message_id;
  std::optional<std::uint8_t> message_state;
  friend bool operator==(const mo_message&, const mo_message&) = default;
};

struct message_error {
  std::uint32_t status = 0;  // to answer the PDU with
  std::string_view reason;   // static text
  friend bool operator==(const message_error&, const message_error&) = default;
};
[[noreturn]] void throw_exception_from_error(const message_error& e, const boost::source_location& loc);

// Extracts the message of a decoded submit_sm, deliver_sm or data_sm.
//  - The user data is short_message, or the message_payload TLV when present (data_sm has
//    only that). When a sender fills both (the spec forbids it), message_payload wins.
//  - With UDHI, the UDH is split off; a UDH that does not parse: ESME_RINVMSGLEN.
//  - Concatenation from UDH (IEI 0x00 / 0x08, preferred) or the sar_* TLVs. Total 0, seq 0
//    or seq > total: ESME_RINVMSGLEN (UDH) / ESME_RINVOPTPARAMVAL (sar_*); only some of the
//    three sar_* TLVs: ESME_RMISSINGOPTPARAM.
//  - Any other command id: ESME_RINVCMDID.
[[nodiscard]] boost::system::result<mo_message, message_error> extract_message(const pdu& p);

}  // namespace lapor::sms
