// UTF-8 -> SMS octets for the replies we send (tracking IDs, help texts), and the splitter
// that cuts a long reply into concatenated parts.
#pragma once

#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "channels/sms/bytes.h"
#include "channels/sms/text_decoding.h"

namespace lapor::sms {

// GSM 03.38 unpacked septets (one per octet, ESC pairs for { } [ ] ~ ^ \ | €), data_coding 0.
// nullopt when `utf8` is invalid or has a character outside the default alphabet.
[[nodiscard]] std::optional<bytes> encode_gsm7(std::string_view utf8);

// UTF-16BE (data_coding 8); characters above U+FFFF become surrogate pairs.
// nullopt when `utf8` is not valid UTF-8.
[[nodiscard]] std::optional<bytes> encode_ucs2(std::string_view utf8);

// One reply, ready to go into submit_sm / deliver_sm short_message fields.
struct sms_parts {
  std::uint8_t data_coding = 0;  // 0 (GSM 7-bit unpacked) or 8 (UCS-2)
  bool udhi = false;             // set esm_class |= 0x40 on every part
  std::vector<bytes> parts;      // each: [UDH 05 00 03 ref total seq] + payload
};

// GSM 7-bit when every character fits, UCS-2 otherwise. One part when it fits in 160 septets
// / 70 UTF-16 units; else parts of at most 153 septets / 67 units behind an 8-bit
// concatenation UDH (IEI 0x00, `reference`), never splitting an ESC pair or a surrogate pair.
// Fails on invalid UTF-8, empty text, or more than `max_parts` (<= 255) parts.
[[nodiscard]] boost::system::result<sms_parts, text_error> split_for_sms(std::string_view utf8,
                                                                         std::uint8_t reference,
                                                                         std::size_t max_parts = 8);

}  // namespace lapor::sms
