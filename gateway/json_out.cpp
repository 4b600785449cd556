#include "gateway/json_out.h"

#include <charconv>

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace lapor::gateway {

json_out& json_out::number(double v) {
  if (!std::isfinite(v)) return null();
  // The shortest text that reads back as the same double, in plain notation where that is
  // the shortest ("-2.2", "106.8456", "0.5"), as people and most JSON readers expect; Boost's
  // serializer writes "-2.2E0".
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc{}) return raw(boost::json::serialize(boost::json::value(v)));
  return raw(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

json_out& json_out::value(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return null();
    case boost::json::kind::bool_: return boolean(v.get_bool());
    case boost::json::kind::int64: return integer(v.get_int64());
    case boost::json::kind::uint64: {
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof buf, v.get_uint64());
      return raw(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    }
    case boost::json::kind::double_: return number(v.get_double());
    case boost::json::kind::string: return string(v.get_string());
    case boost::json::kind::array:
      begin_array();
      for (const auto& x : v.get_array()) value(x);
      return end_array();
    case boost::json::kind::object:
      begin_object();
      for (const auto& [k, x] : v.get_object()) key(k).value(x);
      return end_object();
  }
  return null();
}

std::string serialize_json(const boost::json::value& v) {
  std::string out;
  json_out(out).value(v);
  return out;
}

namespace {

// Whether any of the eight bytes at `p` needs an escape (below 0x20, '"' or '\\').
bool escape_in_8(const char* p) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  const auto zero_in = [&](std::uint64_t v) { return (v - ones) & ~v & highs; };
  return (((x - 0x20 * ones) & ~x & highs) | zero_in(x ^ ('"' * ones)) | zero_in(x ^ ('\\' * ones))) != 0;
}

// The bytes that need an escape, one table read per byte for keys and short values.
struct escape_table {
  bool needs[256] = {};
};
constexpr escape_table escaped_bytes = [] {
  escape_table t;
  for (std::size_t c = 0; c < 0x20; ++c) t.needs[c] = true;
  t.needs[static_cast<unsigned char>('"')] = t.needs[static_cast<unsigned char>('\\')] = true;
  return t;
}();

#if defined(__SSE2__)
// Whether any of the sixteen bytes at `p` needs an escape: a byte at most 0x1F (unsigned), '"'
// or '\\'.
bool escape_in_16(const char* p) noexcept {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
  const __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
  return _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))) != 0;
}
#endif

bool needs_escape(std::string_view s) noexcept {
  if (s.size() < 8) {  // keys and short values: byte by byte
    for (const char c : s)
      if (escaped_bytes.needs[static_cast<unsigned char>(c)]) return true;
    return false;
  }
  const char* const p = s.data();
  const std::size_t n = s.size();
#if defined(__SSE2__)
  // Sixteen bytes at a time (texts, addresses); the last sixteen overlap what was read.
  if (n >= 16) {
    for (std::size_t i = 0; i + 16 <= n; i += 16)
      if (escape_in_16(p + i)) return true;
    return n % 16 != 0 && escape_in_16(p + n - 16);
  }
#endif
  // Eight bytes at a time; the last eight (overlapping what was read) instead of a byte loop.
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    if (escape_in_8(p + i)) return true;
  return i < n && escape_in_8(p + n - 8);
}

}  // namespace

void json_out::quoted(std::string_view s, bool comma, char after) {
  // Most strings need no escape at all: one check, one append (with the comma and colon).
  // The escaping is a function of its own, so that this common path saves few registers.
  if (needs_escape(s)) return quoted_escaped(s, comma, after);
  const std::size_t at = out_.size();
  const std::size_t n = (comma ? 1 : 0) + s.size() + 2 + (after != '\0' ? 1 : 0);
  out_.resize(at + n);
  char* p = out_.data() + at;
  if (comma) *p++ = ',';
  *p = '"';
  if (!s.empty()) std::memcpy(p + 1, s.data(), s.size());
  p[s.size() + 1] = '"';
  if (after != '\0') p[s.size() + 2] = after;
}

void json_out::quoted_escaped(std::string_view s, bool comma, char after) {
  // Boost.JSON's escapes: \" \\ \b \t \n \f \r, any other byte below 0x20 as \u00XX; all else
  // (UTF-8 included) as it is. Runs without an escape are appended at once.
  static constexpr char hex[] = "0123456789abcdef";
  if (comma) out_.push_back(',');
  out_.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    // Eight bytes at a time while none needs an escape (a byte below 0x20, '"' or '\\').
    while (i + 8 <= s.size()) {
      std::uint64_t x;
      std::memcpy(&x, s.data() + i, 8);
      constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
      const auto zero_in = [&](std::uint64_t v) { return (v - ones) & ~v & highs; };
      if (((x - 0x20 * ones) & ~x & highs) | zero_in(x ^ ('"' * ones)) | zero_in(x ^ ('\\' * ones))) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out_.append(s.data() + run, i - run);
    run = i + 1;
    out_.push_back('\\');
    switch (c) {
      case '"': out_.push_back('"'); break;
      case '\\': out_.push_back('\\'); break;
      case '\b': out_.push_back('b'); break;
      case '\t': out_.push_back('t'); break;
      case '\n': out_.push_back('n'); break;
      case '\f': out_.push_back('f'); break;
      case '\r': out_.push_back('r'); break;
      default:
        out_.append("u00");
        out_.push_back(hex[c >> 4]);
        out_.push_back(hex[c & 15]);
    }
  }
  out_.append(s.data() + run, s.size() - run);
  out_.push_back('"');
  if (after != '\0') out_.push_back(after);
}

}  // namespace lapor::gateway
