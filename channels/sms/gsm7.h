// GSM 03.38 (3GPP TS 23.038) 7-bit default alphabet, its extension table, and septet packing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "channels/sms/bytes.h"

namespace lapor::sms::gsm7 {

inline constexpr std::uint8_t escape = 0x1B;

// The character of a basic-table code (0..127). Code 0x1B (ESC) has no character of its own:
// this returns U+0020, what 23.038 says to show for an escape that leads nowhere.
[[nodiscard]] char32_t basic_char(std::uint8_t code) noexcept;

// The character of ESC + `code` in the extension table, or nullopt when the table has none
// there (23.038: show the basic-table character at `code` instead).
[[nodiscard]] std::optional<char32_t> extension_char(std::uint8_t code) noexcept;

// Where a character lives: a basic code, or ESC + an extension code. nullopt when the
// default alphabet cannot carry it.
struct septet_code {
  bool extended = false;
  std::uint8_t code = 0;
};
[[nodiscard]] std::optional<septet_code> find(char32_t c) noexcept;

// Unpacked septets (one per octet, the SMPP dc=0 convention) -> UTF-8, appended to `out`.
// Rules (23.038 §6.2.1.1): ESC + a code the extension table lacks shows the basic character
// at that code; ESC ESC (reserved for a second extension table) shows a space; an ESC that
// is the last septet shows a space (it can end a segment of a badly split long message).
// An octet >= 0x80 is not a septet: when `lossy`, it becomes U+FFFD; otherwise decoding stops
// and the offset of the octet is returned.
[[nodiscard]] std::optional<std::size_t> decode_unpacked(bytes_view septets, bool lossy,
                                                         std::string& out);

// UTF-8 -> unpacked septets (ESC pairs for the extension table). nullopt when `utf8` is
// not valid UTF-8 or has a character the default alphabet lacks.
[[nodiscard]] std::optional<bytes> encode_unpacked(std::string_view utf8);

// Packed form: 8 septets in 7 octets, LSB first. `fill_bits` (0..6) precede the first
// septet, as after a UDH (fill = (7 - (udh_octets * 8) % 7) % 7).
// pack(): when the last octet would have 7 spare bits, they carry CR (23.038 §6.1.2.3.1).
[[nodiscard]] bytes pack(bytes_view septets, unsigned fill_bits = 0);
// unpack(): every whole septet after the fill bits. When the septets end exactly on the
// last octet's boundary and the last one is CR or 0x00 (@), it is taken as the 7 spare
// padding bits and dropped: CR is what 23.038 prescribes, zero bits what older senders
// send; a real trailing '@' in such a message is lost, a spurious one is the common case.
[[nodiscard]] bytes unpack(bytes_view packed, unsigned fill_bits = 0);

// Fill bits after a UDH of `udh_octets` octets (UDHL included).
[[nodiscard]] constexpr unsigned fill_bits_after_udh(std::size_t udh_octets) noexcept {
  return static_cast<unsigned>((7 - (udh_octets * 8) % 7) % 7);
}

}  // namespace lapor::sms::gsm7
