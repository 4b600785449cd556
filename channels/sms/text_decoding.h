// Short-message octets -> UTF-8, by SMPP data_coding.
//
// | data_coding            | read as                                                        |
// |------------------------|----------------------------------------------------------------|
// | 0x00                   | options.dc0 (default GSM 03.38 unpacked septets)               |
// | 0x01 (IA5)             | options.dc1 (default auto: GSM 03.38 when every octet < 0x80 — |
// |                        | node-smpp sends GSM codes labelled 1 — else Latin-1)           |
// | 0x03                   | Latin-1                                                        |
// | 0x08                   | UCS-2 / UTF-16BE, surrogate pairs combined                     |
// | 0x02, 0x04             | binary: error "binary payload not text"                        |
// | 0x10-0x1F, 0x40-0x5F   | GSM general DCS, alphabet in bits 3-2 (00 GSM 7-bit as dc 0,   |
// |                        | 01 binary, 10 UCS-2); 0x20-0x3F/0x60-0x7F compressed: error    |
// | 0xC0-0xDF / 0xE0-0xEF  | message-waiting groups: GSM 7-bit as dc 0 / UCS-2              |
// | 0xF0-0xFF              | bit 2: 0 GSM 7-bit as dc 0, 1 binary                            |
// | anything else          | error "data_coding 0x.. not supported" (JIS, Cyrillic, ...)    |
//
// GSM 03.38 details (gsm7.h): the extension table is reached by ESC (0x1B); ESC followed by a
// code the table lacks shows the basic character at that code, as 3GPP TS 23.038 says (not a
// space); ESC ESC and a trailing lone ESC show a space.
//
// Strict mode refuses any octet that is not text in its alphabet; lossy mode replaces it
// with U+FFFD (use it after strict failed, so a complaint is never lost to one bad octet:
// keep the raw bytes too). Binary and unsupported codings fail in both modes.
// Errors are values with a reason that names the offset, never the content.
#pragma once

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>

#include "channels/sms/bytes.h"

namespace lapor::sms {

// How to read data_coding 0 ("SMSC default alphabet") and 1 (IA5) for one operator.
enum class default_alphabet {
  gsm7,         // GSM 03.38 unpacked, one septet per octet (Kannel, node-smpp, most SMSCs)
  gsm7_packed,  // GSM 03.38 packed 8 septets in 7 octets (a few SMSCs pass the air format)
  latin1,       // ISO-8859-1 (some operators label Latin-1 as 0)
  ascii,        // IA5 / US-ASCII; octets >= 0x80 are errors
  auto_detect,  // GSM 03.38 unpacked unless an octet >= 0x80 is present, then Latin-1
};

struct text_decode_options {
  default_alphabet dc0 = default_alphabet::gsm7;
  default_alphabet dc1 = default_alphabet::auto_detect;
};

enum class decode_mode { strict, lossy };

// What a data_coding selects under the options.
enum class text_alphabet { gsm7, gsm7_packed, latin1, ascii, auto_detect, ucs2, binary, unsupported };
[[nodiscard]] text_alphabet alphabet_of(std::uint8_t data_coding, const text_decode_options& options) noexcept;

enum class text_error_kind {
  invalid,   // octets that are not text in their alphabet (lossy mode would replace them)
  not_text,  // binary or unsupported coding: no mode makes it text
};
struct text_error {
  text_error_kind kind = text_error_kind::invalid;
  std::string reason;
  [[nodiscard]] bool not_text() const noexcept { return kind == text_error_kind::not_text; }
};
[[noreturn]] void throw_exception_from_error(const text_error& e, const boost::source_location& loc);

using text_result = boost::system::result<std::string, text_error>;

// Decodes `data` (short_message or message_payload without its UDH). `udh_octets` is the
// size of the stripped UDH, needed only for packed GSM (fill bits).
[[nodiscard]] text_result decode_text(bytes_view data, std::uint8_t data_coding,
                                      const text_decode_options& options = {},
                                      decode_mode mode = decode_mode::strict,
                                      std::size_t udh_octets = 0);

// Same, by alphabet.
[[nodiscard]] text_result decode_with(text_alphabet alphabet, bytes_view data,
                                      decode_mode mode = decode_mode::strict,
                                      std::size_t udh_octets = 0);

// The individual decoders.
[[nodiscard]] text_result decode_gsm7_unpacked(bytes_view septets, decode_mode mode = decode_mode::strict);
[[nodiscard]] text_result decode_gsm7_packed(bytes_view packed, unsigned fill_bits = 0,
                                             decode_mode mode = decode_mode::strict);
[[nodiscard]] std::string decode_latin1(bytes_view data);  // never fails
[[nodiscard]] text_result decode_ascii(bytes_view data, decode_mode mode = decode_mode::strict);
// UTF-16BE. Strict: an odd octet count or an unpaired surrogate is an error; lossy: U+FFFD.
// A leading byte-order mark U+FEFF is dropped.
[[nodiscard]] text_result decode_ucs2(bytes_view data, decode_mode mode = decode_mode::strict);

}  // namespace lapor::sms
