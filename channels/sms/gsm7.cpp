#include "channels/sms/gsm7.h"

#include <array>
#include <cstring>

#include "channels/sms/utf8.h"

namespace lapor::sms::gsm7 {

namespace {

// 3GPP TS 23.038 §6.2.1, the basic table. 0x1B is ESC (handled by the decoder).
constexpr std::array<char32_t, 128> basic_table = {
    U'@',     U'\u00A3', U'$',     U'\u00A5', U'\u00E8', U'\u00E9', U'\u00F9', U'\u00EC',  // 00
    U'\u00F2', U'\u00C7', U'\n',    U'\u00D8', U'\u00F8', U'\r',    U'\u00C5', U'\u00E5',  // 08
    U'\u0394', U'_',     U'\u03A6', U'\u0393', U'\u039B', U'\u03A9', U'\u03A0', U'\u03A8',  // 10
    U'\u03A3', U'\u0398', U'\u039E', U' ',     U'\u00C6', U'\u00E6', U'\u00DF', U'\u00C9',  // 18
    U' ',     U'!',     U'"',     U'#',     U'\u00A4', U'%',     U'&',     U'\'',     // 20
    U'(',     U')',     U'*',     U'+',     U',',     U'-',     U'.',     U'/',      // 28
    U'0',     U'1',     U'2',     U'3',     U'4',     U'5',     U'6',     U'7',      // 30
    U'8',     U'9',     U':',     U';',     U'<',     U'=',     U'>',     U'?',      // 38
    U'\u00A1', U'A',     U'B',     U'C',     U'D',     U'E',     U'F',     U'G',      // 40
    U'H',     U'I',     U'J',     U'K',     U'L',     U'M',     U'N',     U'O',      // 48
    U'P',     U'Q',     U'R',     U'S',     U'T',     U'U',     U'V',     U'W',      // 50
    U'X',     U'Y',     U'Z',     U'\u00C4', U'\u00D6', U'\u00D1', U'\u00DC', U'\u00A7',  // 58
    U'\u00BF', U'a',     U'b',     U'c',     U'd',     U'e',     U'f',     U'g',      // 60
    U'h',     U'i',     U'j',     U'k',     U'l',     U'm',     U'n',     U'o',      // 68
    U'p',     U'q',     U'r',     U's',     U't',     U'u',     U'v',     U'w',      // 70
    U'x',     U'y',     U'z',     U'\u00E4', U'\u00F6', U'\u00F1', U'\u00FC', U'\u00E0',  // 78
};

// §6.2.1.1, the extension table (after ESC).
struct ext_entry {
  std::uint8_t code;
  char32_t c;
};
constexpr std::array<ext_entry, 10> extension_table = {{
    {0x0A, U'\f'},
    {0x14, U'^'},
    {0x28, U'{'},
    {0x29, U'}'},
    {0x2F, U'\\'},
    {0x3C, U'['},
    {0x3D, U'~'},
    {0x3E, U']'},
    {0x40, U'|'},
    {0x65, U'\u20AC'},
}};

// Reverse map for code points below U+0400 (Latin-1 and Greek capitals); € is the only
// character above. Value: -1 = absent, 0..127 basic code, 128 + code = ESC + code.
constexpr std::size_t reverse_size = 0x400;
constexpr std::array<std::int16_t, reverse_size> build_reverse() {
  std::array<std::int16_t, reverse_size> r{};
  for (auto& v : r) v = -1;
  for (std::size_t code = 0; code < basic_table.size(); ++code) {
    if (code == escape) continue;
    r[basic_table[code]] = static_cast<std::int16_t>(code);
  }
  for (const auto& e : extension_table)
    if (e.c < reverse_size) r[e.c] = static_cast<std::int16_t>(128 + e.code);
  return r;
}
constexpr std::array<std::int16_t, reverse_size> reverse_table = build_reverse();

// A character's UTF-8 form (1 to 3 bytes: every character here is below U+10000), so that a
// septet's is copied whole rather than pushed back byte by byte.
struct utf8_char {
  std::uint8_t size = 0;
  std::array<char, 3> bytes{};
};
constexpr utf8_char utf8_of(char32_t cp) {
  utf8_char u;
  if (cp < 0x80) {
    u.size = 1;
    u.bytes[0] = static_cast<char>(cp);
  } else if (cp < 0x800) {
    u.size = 2;
    u.bytes[0] = static_cast<char>(0xC0 | (cp >> 6));
    u.bytes[1] = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    u.size = 3;
    u.bytes[0] = static_cast<char>(0xE0 | (cp >> 12));
    u.bytes[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    u.bytes[2] = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return u;
}
constexpr std::array<utf8_char, 128> basic_utf8 = [] {
  std::array<utf8_char, 128> t{};
  for (std::size_t code = 0; code < basic_table.size(); ++code) t[code] = utf8_of(basic_table[code]);
  return t;
}();
constexpr utf8_char replacement_utf8 = utf8_of(detail::replacement_char);
// A septet's output is at most this long (U+FFFD, €; ESC + a non-septet: a space and U+FFFD).
constexpr std::size_t max_utf8_per_septet = 3;

// Writes `u` at `p` (room for three bytes) and returns the end of what it wrote.
char* put(char* p, const utf8_char& u) noexcept {
  std::memcpy(p, u.bytes.data(), u.bytes.size());
  return p + u.size;
}

// The basic code of an ASCII character, ESC (128 +) an extension code, or -1 (no septet).
constexpr std::array<std::int16_t, 128> ascii_codes = [] {
  std::array<std::int16_t, 128> t{};
  for (std::size_t c = 0; c < t.size(); ++c) t[c] = reverse_table[c];
  return t;
}();

}  // namespace

char32_t basic_char(std::uint8_t code) noexcept { return basic_table[code & 0x7F]; }

std::optional<char32_t> extension_char(std::uint8_t code) noexcept {
  for (const auto& e : extension_table)
    if (e.code == code) return e.c;
  return std::nullopt;
}

std::optional<septet_code> find(char32_t c) noexcept {
  if (c == U'\u20AC') return septet_code{true, 0x65};
  if (c >= reverse_size) return std::nullopt;
  const std::int16_t v = reverse_table[c];
  if (v < 0) return std::nullopt;
  if (v >= 128) return septet_code{true, static_cast<std::uint8_t>(v - 128)};
  return septet_code{false, static_cast<std::uint8_t>(v)};
}

// Sample (Kannel/node-smpp, dc=0, captured): "a@b$c_d€{}é" =
//   61 00 62 02 63 11 64 1B65 1B28 1B29 05
std::optional<std::size_t> decode_unpacked(bytes_view septets, bool lossy, std::string& out) {
  // Sized once for the longest output, written through a pointer, cut to what was written
  // (also when a bad octet stops it: `out` then ends with the text before that octet).
  const std::size_t at = out.size();
  out.resize(at + septets.size() * max_utf8_per_septet);
  char* const begin = out.data() + at;
  char* p = begin;
  const auto written = [&] { out.resize(at + static_cast<std::size_t>(p - begin)); };
  for (std::size_t i = 0; i < septets.size(); ++i) {
    const std::uint8_t s = septets[i];
    if (s >= 0x80) {
      if (!lossy) {
        written();
        return i;
      }
      p = put(p, replacement_utf8);
      continue;
    }
    if (s != escape) {
      p = put(p, basic_utf8[s]);
      continue;
    }
    if (i + 1 == septets.size()) {  // lone ESC at the end
      *p++ = ' ';
      continue;
    }
    const std::uint8_t next = septets[++i];
    if (next >= 0x80) {
      if (!lossy) {
        written();
        return i;
      }
      *p++ = ' ';
      p = put(p, replacement_utf8);
      continue;
    }
    if (auto ext = extension_char(next)) {
      p = put(p, utf8_of(*ext));
    } else {
      // ESC ESC: a space; ESC + unknown: the basic character (basic_table[0x1B] is ' ').
      p = put(p, basic_utf8[next]);
    }
  }
  written();
  return std::nullopt;
}

std::optional<bytes> encode_unpacked(std::string_view utf8) {
  // At most two septets per input byte (ESC + code, for an ASCII character of the extension
  // table): sized once, written through a pointer, cut to what was written.
  bytes out(utf8.size() * 2);
  std::uint8_t* p = out.data();
  std::size_t pos = 0;
  while (pos < utf8.size()) {
    // ASCII, most of every reply, is its own code point: one table read, no UTF-8 decoding.
    const auto byte = static_cast<unsigned char>(utf8[pos]);
    if (byte < 0x80) {
      const std::int16_t v = ascii_codes[byte];
      if (v < 0) return std::nullopt;
      if (v >= 128) *p++ = escape;
      *p++ = static_cast<std::uint8_t>(v & 0x7F);
      ++pos;
      continue;
    }
    const std::optional<char32_t> cp = detail::next_code_point(utf8, pos);
    if (!cp) return std::nullopt;
    auto code = find(*cp);
    if (!code) return std::nullopt;
    if (code->extended) *p++ = escape;
    *p++ = code->code;
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
  return out;
}

bytes pack(bytes_view septets, unsigned fill_bits) {
  fill_bits %= 7;
  const std::size_t bits = fill_bits + septets.size() * 7;
  bytes out((bits + 7) / 8, 0);
  std::size_t bit = fill_bits;
  auto put = [&](std::uint8_t s) {
    const std::size_t byte = bit / 8;
    const unsigned shift = bit % 8;
    out[byte] = static_cast<std::uint8_t>(out[byte] | ((s & 0x7F) << shift));
    if (shift > 1 && byte + 1 < out.size())
      out[byte + 1] = static_cast<std::uint8_t>(out[byte + 1] | ((s & 0x7F) >> (8 - shift)));
    bit += 7;
  };
  for (std::uint8_t s : septets) put(s);
  if (out.size() * 8 - bit == 7) {
    // Exactly 7 spare bits: CR, so the receiver does not see '@' (23.038 §6.1.2.3.1).
    out[out.size() - 1] = static_cast<std::uint8_t>(out[out.size() - 1] | (0x0D << 1));
  }
  return out;
}

bytes unpack(bytes_view packed, unsigned fill_bits) {
  fill_bits %= 7;
  const std::size_t total_bits = packed.size() * 8;
  if (total_bits < fill_bits) return {};
  const std::size_t usable = total_bits - fill_bits;
  const std::size_t count = usable / 7;
  bytes out(count);  // sized once, each septet written in place
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t bit = fill_bits + i * 7;
    const std::size_t byte = bit / 8;
    const unsigned shift = bit % 8;
    unsigned v = packed[byte] >> shift;
    if (shift > 1 && byte + 1 < packed.size()) v |= static_cast<unsigned>(packed[byte + 1]) << (8 - shift);
    out[i] = static_cast<std::uint8_t>(v & 0x7F);
  }
  // When the septets end exactly on an octet boundary, the last one may be the 7 spare
  // padding bits of a message one septet shorter (see the header).
  if (count > 0 && usable % 7 == 0 && (out.back() == 0x0D || out.back() == 0x00)) out.pop_back();
  return out;
}

}  // namespace lapor::sms::gsm7
