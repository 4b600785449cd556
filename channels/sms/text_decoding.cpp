#include "channels/sms/text_decoding.h"

#include <boost/throw_exception.hpp>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "channels/sms/gsm7.h"
#include "channels/sms/utf8.h"

namespace lapor::sms {

namespace {

std::string hex2(std::uint32_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
  return buf;
}

text_alphabet from_default(default_alphabet a) noexcept {
  switch (a) {
    case default_alphabet::gsm7: return text_alphabet::gsm7;
    case default_alphabet::gsm7_packed: return text_alphabet::gsm7_packed;
    case default_alphabet::latin1: return text_alphabet::latin1;
    case default_alphabet::ascii: return text_alphabet::ascii;
    case default_alphabet::auto_detect: return text_alphabet::auto_detect;
  }
  return text_alphabet::gsm7;
}

// GSM 7-bit selected by an air-interface DCS: same reading as dc 0, except that a Latin-1
// or ASCII policy for dc 0 does not apply (the DCS says GSM explicitly).
text_alphabet gsm_from_dcs(const text_decode_options& o) noexcept {
  return o.dc0 == default_alphabet::gsm7_packed ? text_alphabet::gsm7_packed : text_alphabet::gsm7;
}

}  // namespace

text_alphabet alphabet_of(std::uint8_t dc, const text_decode_options& o) noexcept {
  switch (dc) {
    case 0x00: return from_default(o.dc0);
    case 0x01: return from_default(o.dc1);
    case 0x02:
    case 0x04: return text_alphabet::binary;
    case 0x03: return text_alphabet::latin1;
    case 0x08: return text_alphabet::ucs2;
    default: break;
  }
  const unsigned group = dc >> 4;
  if (group <= 0x7 && dc >= 0x10) {  // general data coding (0x4x-0x7x: auto-deletion)
    if (dc & 0x20) return text_alphabet::unsupported;  // compressed
    switch ((dc >> 2) & 0x03) {
      case 0: return gsm_from_dcs(o);
      case 1: return text_alphabet::binary;
      case 2: return text_alphabet::ucs2;
      default: return text_alphabet::unsupported;  // reserved
    }
  }
  if (group == 0xC || group == 0xD) return gsm_from_dcs(o);  // message waiting, GSM 7-bit
  if (group == 0xE) return text_alphabet::ucs2;             // message waiting, UCS-2
  if (group == 0xF) return (dc & 0x04) ? text_alphabet::binary : gsm_from_dcs(o);
  return text_alphabet::unsupported;  // 0x05-0x07, 0x09-0x0F, 0x80-0xBF
}

void throw_exception_from_error(const text_error& e, const boost::source_location& loc) {
  boost::throw_with_location(std::runtime_error("SMS text: " + e.reason), loc);
}

text_result decode_gsm7_unpacked(bytes_view septets, decode_mode mode) {
  std::string out;
  if (auto bad = gsm7::decode_unpacked(septets, mode == decode_mode::lossy, out)) {
    return text_error{text_error_kind::invalid, "octet " + hex2(septets[*bad]) + " at offset " + std::to_string(*bad) +
                      " is not a GSM 7-bit code"};
  }
  return out;
}

text_result decode_gsm7_packed(bytes_view packed, unsigned fill_bits, decode_mode mode) {
  const bytes septets = gsm7::unpack(packed, fill_bits);
  std::string out;
  // Unpacked septets are always < 0x80: this cannot fail.
  (void)gsm7::decode_unpacked(septets, mode == decode_mode::lossy, out);
  return out;
}

std::string decode_latin1(bytes_view data) {
  std::string out;
  out.reserve(data.size() + data.size() / 4);
  for (std::uint8_t b : data) detail::append_utf8(out, b);
  return out;
}

text_result decode_ascii(bytes_view data, decode_mode mode) {
  std::string out;
  out.reserve(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] < 0x80) {
      out.push_back(static_cast<char>(data[i]));
    } else if (mode == decode_mode::lossy) {
      detail::append_utf8(out, detail::replacement_char);
    } else {
      return text_error{text_error_kind::invalid, "octet " + hex2(data[i]) + " at offset " + std::to_string(i) + " is not ASCII"};
    }
  }
  return out;
}

// Sample: "Jalan 😀" = 004A 0061 006C 0061 006E 0020 D83D DE00
text_result decode_ucs2(bytes_view data, decode_mode mode) {
  const bool lossy = mode == decode_mode::lossy;
  if (data.size() % 2 != 0 && !lossy) {
    return text_error{text_error_kind::invalid, "UCS-2 text has an odd number of octets (" + std::to_string(data.size()) + ")"};
  }
  std::string out;
  out.reserve(data.size() + data.size() / 2);
  const std::size_t units = data.size() / 2;
  auto unit = [&](std::size_t i) -> char16_t {
    return static_cast<char16_t>((data[2 * i] << 8) | data[2 * i + 1]);
  };
  for (std::size_t i = 0; i < units; ++i) {
    const char16_t u = unit(i);
    if (i == 0 && u == 0xFEFF) continue;  // byte-order mark
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 1 < units) {
        const char16_t lo = unit(i + 1);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          detail::append_utf8(out, 0x10000 + ((char32_t{u} - 0xD800) << 10) + (char32_t{lo} - 0xDC00));
          ++i;
          continue;
        }
      }
      if (!lossy) {
        return text_error{text_error_kind::invalid, "unpaired high surrogate at offset " + std::to_string(2 * i)};
      }
      detail::append_utf8(out, detail::replacement_char);
      continue;
    }
    if (u >= 0xDC00 && u <= 0xDFFF) {
      if (!lossy) return text_error{text_error_kind::invalid, "unpaired low surrogate at offset " + std::to_string(2 * i)};
      detail::append_utf8(out, detail::replacement_char);
      continue;
    }
    detail::append_utf8(out, u);
  }
  if (data.size() % 2 != 0) detail::append_utf8(out, detail::replacement_char);
  return out;
}

text_result decode_with(text_alphabet alphabet, bytes_view data, decode_mode mode, std::size_t udh_octets) {
  switch (alphabet) {
    case text_alphabet::gsm7: return decode_gsm7_unpacked(data, mode);
    case text_alphabet::gsm7_packed:
      return decode_gsm7_packed(data, gsm7::fill_bits_after_udh(udh_octets), mode);
    case text_alphabet::latin1: return decode_latin1(data);
    case text_alphabet::ascii: return decode_ascii(data, mode);
    case text_alphabet::auto_detect: {
      const bool high = std::any_of(data.begin(), data.end(), [](std::uint8_t b) { return b >= 0x80; });
      if (high) return decode_latin1(data);
      return decode_gsm7_unpacked(data, mode);
    }
    case text_alphabet::ucs2: return decode_ucs2(data, mode);
    case text_alphabet::binary: return text_error{text_error_kind::not_text, "binary payload not text"};
    case text_alphabet::unsupported: break;
  }
  return text_error{text_error_kind::not_text, "data coding not supported"};
}

text_result decode_text(bytes_view data, std::uint8_t data_coding, const text_decode_options& options,
                        decode_mode mode, std::size_t udh_octets) {
  const text_alphabet a = alphabet_of(data_coding, options);
  if (a == text_alphabet::unsupported) {
    return text_error{text_error_kind::not_text, "data_coding " + hex2(data_coding) + " not supported"};
  }
  return decode_with(a, data, mode, udh_octets);
}

}  // namespace lapor::sms
