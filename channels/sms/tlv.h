// SMPP 3.4 optional parameters (TLVs): a generic ordered list with typed accessors for the
// tags the SMS channel reads or writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/sms/bytes.h"

namespace lapor::sms {

namespace detail {
class wire_writer;
}

namespace tlv_tag {
inline constexpr std::uint16_t dest_addr_subunit = 0x0005;
inline constexpr std::uint16_t source_addr_subunit = 0x000D;
inline constexpr std::uint16_t receipted_message_id = 0x001E;  // C-Octet String, <= 65
inline constexpr std::uint16_t user_message_reference = 0x0204;
inline constexpr std::uint16_t source_port = 0x020A;
inline constexpr std::uint16_t destination_port = 0x020B;
inline constexpr std::uint16_t sar_msg_ref_num = 0x020C;       // 2 octets
inline constexpr std::uint16_t language_indicator = 0x020D;
inline constexpr std::uint16_t sar_total_segments = 0x020E;    // 1 octet
inline constexpr std::uint16_t sar_segment_seqnum = 0x020F;    // 1 octet
inline constexpr std::uint16_t sc_interface_version = 0x0210;  // 1 octet
inline constexpr std::uint16_t network_error_code = 0x0423;    // 3 octets
inline constexpr std::uint16_t message_payload = 0x0424;       // 0..65535 octets
inline constexpr std::uint16_t more_messages_to_send = 0x0426;
inline constexpr std::uint16_t message_state = 0x0427;         // 1 octet
}  // namespace tlv_tag

struct tlv {
  std::uint16_t tag = 0;
  bytes value;  // at most 65535 octets on the wire
  friend bool operator==(const tlv&, const tlv&) = default;
};

// The TLVs of one PDU in wire order. Unknown tags are kept as they came (and re-encoded
// as they came), never rejected. Lookups return the first occurrence of a tag.
class tlv_list {
 public:
  [[nodiscard]] const std::vector<tlv>& items() const noexcept { return items_; }
  [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
  [[nodiscard]] const tlv* find(std::uint16_t tag) const noexcept;

  void add(std::uint16_t tag, bytes value);  // appends, even when the tag exists
  void set(std::uint16_t tag, bytes value);  // replaces the first occurrence or appends
  void remove(std::uint16_t tag);            // every occurrence

  // Typed getters: nullopt when the tag is absent or its length is not the spec's.
  // decode_pdu() has already rejected wrong lengths of these tags, so after a successful
  // decode "nullopt" means "absent".
  [[nodiscard]] std::optional<bytes_view> message_payload() const noexcept;
  [[nodiscard]] std::optional<std::uint16_t> sar_msg_ref_num() const noexcept;
  [[nodiscard]] std::optional<std::uint8_t> sar_total_segments() const noexcept;
  [[nodiscard]] std::optional<std::uint8_t> sar_segment_seqnum() const noexcept;
  // The text up to the first NUL (the TLV is a C-Octet String; a missing NUL is tolerated).
  [[nodiscard]] std::optional<std::string> receipted_message_id() const;
  [[nodiscard]] std::optional<std::uint8_t> message_state() const noexcept;
  [[nodiscard]] std::optional<std::uint8_t> sc_interface_version() const noexcept;

  void set_message_payload(bytes value) { set(tlv_tag::message_payload, std::move(value)); }
  void set_sar(std::uint16_t ref, std::uint8_t total, std::uint8_t seq);
  void set_receipted_message_id(std::string_view id);  // written with its NUL
  void set_message_state(std::uint8_t state);
  void set_sc_interface_version(std::uint8_t version);

  friend bool operator==(const tlv_list&, const tlv_list&) = default;

 private:
  [[nodiscard]] std::optional<std::uint8_t> u8_of(std::uint16_t tag) const noexcept;
  std::vector<tlv> items_;
};

// Why a TLV stream was refused, and the status to answer with.
struct tlv_error {
  std::uint32_t status = 0;  // ESME_RINVOPTPARSTREAM or ESME_RINVPARLEN
  std::string_view reason;   // static text
};

// Parses TLVs until the end of `data`, appending to `out`. Fails when fewer than 4 octets
// remain for a tag/length, when a value runs past the end (ESME_RINVOPTPARSTREAM), or when
// one of the typed tags above has a length the spec does not allow (ESME_RINVPARLEN).
[[nodiscard]] std::optional<tlv_error> parse_tlvs(bytes_view data, tlv_list& out);

namespace detail {
// Appends every TLV; false when a value exceeds 65535 octets (nothing sensible to write).
[[nodiscard]] bool write_tlvs(const tlv_list& list, wire_writer& w);
}  // namespace detail

}  // namespace lapor::sms
