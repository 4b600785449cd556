// Smallest files that are structurally photos (gateway/image_type.h), for the channel tests.
#pragma once

#include <cstdint>
#include <string>

namespace lapor::testing {

// SOI, APP0 "JFIF", a DQT, SOF0 (1×1), SOS, then scan bytes up to `n` in total and EOI.
inline std::string jpeg(std::size_t n = 64) {
  std::string s("\xFF\xD8", 2);
  s += std::string("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
  s += std::string("\xFF\xDB\x00\x43\x00", 5) + std::string(64, '\x01');
  s += std::string("\xFF\xC0\x00\x0B\x08\x00\x01\x00\x01\x01\x01\x11\x00", 13);
  s += std::string("\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00", 10);
  if (s.size() + 2 < n) s += std::string(n - s.size() - 2, 'j');
  s += std::string("\xFF\xD9", 2);
  return s;
}

inline std::uint32_t crc32(std::string_view d) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : d) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

inline std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// Signature, an IHDR (1×1, 8-bit RGB), an IDAT of `extra` bytes and IEND, each with its CRC.
inline std::string png(std::size_t extra = 16) {
  const auto chunk = [](std::string type_and_data) {
    return be32(static_cast<std::uint32_t>(type_and_data.size() - 4)) + type_and_data + be32(crc32(type_and_data));
  };
  return std::string("\x89PNG\r\n\x1A\n", 8) + chunk("IHDR" + be32(1) + be32(1) + std::string("\x08\x02\x00\x00\x00", 5)) +
         chunk("IDAT" + std::string(extra, 'p')) + chunk("IEND");
}

// RIFF/WEBP with a VP8 key frame header.
inline std::string webp() {
  std::string vp8 = std::string("\x30\x01\x00\x9D\x01\x2A\x01\x00\x01\x00", 10) + std::string(10, 'w');
  std::string chunk = "VP8 " + std::string("\x14\x00\x00\x00", 4) + vp8;
  std::string body = "WEBP" + chunk;
  const auto n = static_cast<std::uint32_t>(body.size());
  return "RIFF" + std::string{static_cast<char>(n), static_cast<char>(n >> 8), static_cast<char>(n >> 16), static_cast<char>(n >> 24)} + body;
}

// ftyp (major `brand`, compatible mif1) and the start of a meta box.
inline std::string heic(std::string brand = "heic") {
  return be32(24) + "ftyp" + brand + std::string(4, '\0') + "mif1" + brand + be32(12) + "meta" + std::string(4, '\0');
}

}  // namespace lapor::testing
