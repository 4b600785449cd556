#include "gateway/json_out.h"

#include <charconv>

#include <cmath>
#include <cstdint>
#include <cstring>

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

namespace {

bool needs_escape(std::string_view s) noexcept {
  std::size_t i = 0;
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    const auto zero_in = [&](std::uint64_t v) { return (v - ones) & ~v & highs; };
    if (((x - 0x20 * ones) & ~x & highs) | zero_in(x ^ ('"' * ones)) | zero_in(x ^ ('\\' * ones))) return true;
  }
  for (; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

}  // namespace

void json_out::quoted(std::string_view s) {
  // Boost.JSON's escapes: \" \\ \b \t \n \f \r, any other byte below 0x20 as \u00XX; all else
  // (UTF-8 included) as it is. Runs without an escape are appended at once.
  static constexpr char hex[] = "0123456789abcdef";
  // Most strings need no escape at all: one check, one append.
  if (!needs_escape(s)) {
    const std::size_t at = out_.size();
    out_.resize(at + s.size() + 2);
    char* p = out_.data() + at;
    *p = '"';
    if (!s.empty()) std::memcpy(p + 1, s.data(), s.size());
    p[s.size() + 1] = '"';
    return;
  }
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
}

}  // namespace lapor::gateway
