#include "gateway/text.h"

#include <utf8proc.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace lapor::gateway {

namespace {

constexpr std::uint64_t high_bits = 0x8080808080808080ull;

// Length of the leading run of ASCII bytes, eight at a time.
std::size_t ascii_prefix(const unsigned char* p, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & high_bits) break;
  }
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

// Checks one non-ASCII sequence starting at p[i] (Unicode 15, table 3-7: the second
// byte's range depends on the first, which is what rules out overlongs, surrogates and
// code points above U+10FFFF). Returns its length, or 0 when it is ill-formed or cut off.
std::size_t sequence_length(const unsigned char* p, std::size_t i, std::size_t n) noexcept {
  const unsigned char b0 = p[i];
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (b0 == 0xED) hi = 0x9F;  // U+D800..DFFF
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong below U+10000
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // stray continuation byte, C0/C1 overlong lead, or F5..FF
  }
  if (n - i < len) return 0;
  if (p[i + 1] < lo || p[i + 1] > hi) return 0;
  for (std::size_t k = 2; k < len; ++k)
    if ((p[i + k] & 0xC0) != 0x80) return 0;
  return len;
}

// Decodes the code point starting at p[i] of a buffer of n bytes and sets `len` to its
// byte length. Meant for valid UTF-8; on a stray or cut-off byte it yields U+FFFD for a
// single byte and never reads past n.
char32_t decode_at(const unsigned char* p, std::size_t i, std::size_t n, std::size_t& len) noexcept {
  const unsigned char b = p[i];
  len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
  if (len == 0 || len > n - i) {
    len = 1;
    return b < 0x80 ? b : 0xFFFD;
  }
  p += i;
  switch (len) {
    case 1: return b;
    case 2: return (char32_t(b & 0x1F) << 6) | (p[1] & 0x3F);
    case 3: return (char32_t(b & 0x0F) << 12) | (char32_t(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    default:
      return (char32_t(b & 0x07) << 18) | (char32_t(p[1] & 0x3F) << 12) | (char32_t(p[2] & 0x3F) << 6) |
             (p[3] & 0x3F);
  }
}

// White_Space code points (plus the BOM / zero width no-break space, which is invisible
// and only ever leaks in from editors) trimmed at both ends of a field.
bool is_trimmable(char32_t c) noexcept {
  switch (c) {
    case U' ': case U'\t': case U'\n': case U'\r': case U'\v': case U'\f':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000: case 0xFEFF:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

bool is_word_break(char32_t c) noexcept { return is_trimmable(c); }

// Trims `s` (valid UTF-8) of trimmable code points at both ends.
std::string_view trim(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t begin = 0, end = s.size();
  while (begin < end) {
    std::size_t len;
    if (!is_trimmable(decode_at(p, begin, end, len))) break;
    begin += len;
  }
  while (end > begin) {
    std::size_t start = end - 1;
    while (start > begin && (p[start] & 0xC0) == 0x80 && end - start < 4) --start;
    std::size_t len;
    const char32_t c = decode_at(p, start, end, len);
    if (start + len != end || !is_trimmable(c)) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

struct free_deleter {
  void operator()(void* p) const noexcept { std::free(p); }
};

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    i += ascii_prefix(p + i, n - i);
    if (i == n) break;
    const std::size_t len = sequence_length(p, i, n);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::size_t utf8_sequence_at(std::string_view s, std::size_t i) noexcept {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  return n > 0 && i + n <= s.size() && is_valid_utf8(s.substr(i, n)) ? n : 0;
}

std::string scrub_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  std::size_t i = 0;
  while (i < s.size()) {
    if (const std::size_t n = utf8_sequence_at(s, i)) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

std::optional<std::string> normalize_text(std::string_view s) {
  if (!is_valid_utf8(s)) return std::nullopt;

  // Controls out, line endings to "\n" (a lone "\r", as old Mac editors write, too).
  std::string lines;
  lines.reserve(s.size());
  bool ascii = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    // Printable ASCII, tabs and newlines (nearly all of a text) are copied a run at a time.
    // Eight bytes at a time while all are printable ASCII (SWAR: none below 0x20, none above
    // 0x7E), then byte by byte.
    std::size_t plain = i;
    for (; plain + 8 <= s.size(); plain += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + plain, 8);
      constexpr std::uint64_t ones = 0x0101010101010101ull;
      if (((w - 0x20 * ones) & ~w & high_bits) | (((w + ones) | w) & high_bits)) break;
    }
    while (plain < s.size() && ((s[plain] >= 0x20 && s[plain] < 0x7F) || s[plain] == '\t' || s[plain] == '\n')) ++plain;
    if (plain > i) {
      lines.append(s.data() + i, plain - i);
      i = plain;
      if (i == s.size()) break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\r') {
      lines.push_back('\n');
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      continue;
    }
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) return std::nullopt;
    if (c >= 0x80) ascii = false;
    lines.push_back(static_cast<char>(c));
  }

  // ASCII is already NFC; everything else goes through utf8proc. No NUL is left, so the
  // explicit length is exact. STABLE keeps the result stable across Unicode versions.
  std::string nfc;
  if (ascii) {
    nfc = std::move(lines);
  } else {
    utf8proc_uint8_t* out = nullptr;
    const utf8proc_ssize_t len =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(lines.data()),
                     static_cast<utf8proc_ssize_t>(lines.size()), &out,
                     static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    std::unique_ptr<void, free_deleter> owner(out);
    if (len < 0) return std::nullopt;
    nfc.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));
  }

  const std::string_view trimmed = trim(nfc);
  if (trimmed.size() == nfc.size()) return nfc;
  return std::string(trimmed);
}

std::size_t utf8_length(std::string_view s) noexcept {
  // Every byte but a continuation byte (10xxxxxx) begins a character. Eight bytes at a time:
  // a continuation byte has bit 7 set and bit 6 clear; those flags, one per byte, are summed
  // by a multiply.
  constexpr std::uint64_t ones = 0x0101010101010101ull;
  std::size_t count = 0, i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    const std::uint64_t continuation = (x & ~(x << 1) & high_bits) >> 7;
    count += 8 - static_cast<std::size_t>((continuation * ones) >> 56);
  }
  for (; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++count;
  return count;
}

std::string utf8_prefix_chars(std::string_view s, std::size_t max_chars) {
  std::size_t at = 0, n = 0;
  while (at < s.size() && n < max_chars) {
    ++at;
    while (at < s.size() && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) ++at;  // continuation bytes
    ++n;
  }
  return std::string(s.substr(0, at));
}

std::string utf8_prefix_words(std::string_view s, std::size_t max_chars) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  // Walk max_chars code points, remembering where the last word break began.
  std::size_t i = 0, chars = 0, len = 0;
  std::size_t last_break = std::string_view::npos;  // byte offset of the last break
  std::size_t last_break_chars = 0;                 // code points before it
  while (i < n && chars < max_chars) {
    // ASCII (most of a text) without decoding: its breaks are the space and \t \n \v \f \r.
    bool word_break;
    if (p[i] < 0x80) {
      len = 1;
      word_break = p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r');
    } else {
      word_break = is_word_break(decode_at(p, i, n, len));
    }
    if (word_break) {
      last_break = i;
      last_break_chars = chars;
    }
    i += len;
    ++chars;
  }
  std::string_view cut = s.substr(0, i);
  // Cut mid-word unless the next code point is a break itself; then back off to the last
  // break when that keeps at least half of the allowed length.
  if (i < n && !is_word_break(decode_at(p, i, n, len)) && last_break != std::string_view::npos &&
      last_break_chars * 2 >= max_chars)
    cut = s.substr(0, last_break);
  return std::string(trim(cut));
}

bool has_visible_text(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c > 0x20 && c != 0x7f) return true;
      ++i;
      continue;
    }
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                    static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    if (n <= 0) return true;  // not for this to judge: the UTF-8 check names it
    switch (utf8proc_category(cp)) {
      case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
      case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_MN:
      case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_CN:
        break;
      default:
        return true;
    }
    i += static_cast<std::size_t>(n);
  }
  return false;
}

}  // namespace lapor::gateway
