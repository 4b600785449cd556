// Helpers shared by the SMS channel tests: hex in, hex out, frames built by hand.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>

#include "channels/sms/bytes.h"

namespace lapor::sms::test {

// "0000 0010 | 00" -> octets; spaces and '|' are ignored.
inline bytes hex(std::string_view s) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  bytes out;
  int hi = -1;
  for (char c : s) {
    if (c == ' ' || c == '|' || c == '\n') continue;
    const int v = nibble(c);
    if (v < 0) throw std::invalid_argument("bad hex");
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0) throw std::invalid_argument("odd hex");
  return out;
}

inline std::string to_hex(bytes_view b) {
  static const char* digits = "0123456789ABCDEF";
  std::string s;
  for (std::uint8_t v : b) {
    s.push_back(digits[v >> 4]);
    s.push_back(digits[v & 15]);
  }
  return s;
}

inline bytes str(std::string_view s) { return bytes(s.begin(), s.end()); }
inline bytes cstr(std::string_view s) {
  bytes b = str(s);
  b.push_back(0);
  return b;
}

inline bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline void put_u32(bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 24));
  b.push_back(static_cast<std::uint8_t>(v >> 16));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

// A PDU with a correct command_length around `body`.
inline bytes frame(std::uint32_t id, std::uint32_t seq, const bytes& body, std::uint32_t status = 0) {
  bytes b;
  put_u32(b, static_cast<std::uint32_t>(16 + body.size()));
  put_u32(b, id);
  put_u32(b, status);
  put_u32(b, seq);
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

inline std::string repeat(char c, std::size_t n) { return std::string(n, c); }

}  // namespace lapor::sms::test
