// User Data Header (3GPP TS 23.040 §9.2.3.24) at the start of short_message when the
// esm_class UDHI bit (0x40) is set: UDHL, then information elements (IEI, IEDL, data).
#pragma once

#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "channels/sms/bytes.h"

namespace lapor::sms {

inline constexpr std::uint8_t esm_udhi = 0x40;
[[nodiscard]] constexpr bool has_udhi(std::uint8_t esm_class) noexcept { return (esm_class & esm_udhi) != 0; }

namespace iei {
inline constexpr std::uint8_t concat_8bit = 0x00;
inline constexpr std::uint8_t port_16bit = 0x05;
inline constexpr std::uint8_t concat_16bit = 0x08;
inline constexpr std::uint8_t national_single_shift = 0x24;
inline constexpr std::uint8_t national_locking_shift = 0x25;
}  // namespace iei

// Which part of which long message this is.
struct concat_ref {
  std::uint16_t ref = 0;    // 8-bit references are widened
  std::uint8_t total = 0;   // number of parts
  std::uint8_t seq = 0;     // 1-based
  bool ref16 = false;       // from IEI 0x08
  friend bool operator==(const concat_ref&, const concat_ref&) = default;
};

// One information element; `data` points into the parsed buffer.
struct information_element {
  std::uint8_t iei = 0;
  bytes_view data;
};

// A parsed UDH. Views point into the buffer given to parse_udh(): keep it alive.
struct parsed_udh {
  std::size_t header_octets = 0;  // UDHL + 1: where the payload starts
  std::vector<information_element> elements;  // all IEs, in order (language shifts, ports, ...)
  std::optional<concat_ref> concat;           // the last concatenation IE, if any (23.040)
  bytes_view payload;                         // the user data after the UDH
};

struct udh_error {
  std::string_view reason;  // static text
  friend bool operator==(const udh_error&, const udh_error&) = default;
};
[[noreturn]] void throw_exception_from_error(const udh_error& e, const boost::source_location& loc);

// Sample (Kannel, part 1 of 2, reference 0x02): 05 00 03 02 02 01 | text...
//         16-bit reference 0x1234, part 2 of 3:  06 08 04 12 34 03 02 | text...
// Fails when the data is empty, UDHL runs past the data, an IE runs past UDHL, or a
// concatenation IE has the wrong length (0x00: 3, 0x08: 4). Concatenation values are
// reported as sent (total 0 or seq out of range are for the caller to refuse).
[[nodiscard]] boost::system::result<parsed_udh, udh_error> parse_udh(bytes_view user_data);

}  // namespace lapor::sms
