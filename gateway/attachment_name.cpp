#include "gateway/attachment_name.h"

#include "gateway/image_type.h"
#include "gateway/text.h"

namespace lapor::gateway {

namespace {

constexpr std::size_t max_name_bytes = 200;

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_seq(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size() || !is_valid_utf8(s.substr(i, n))) return 0;
  return n;
}

// Code points that must not be in a file name shown to people or written to disk.
bool unwanted(std::string_view seq) {
  const auto c = static_cast<unsigned char>(seq[0]);
  if (seq.size() == 1) return c < 0x20 || c == 0x7f;
  if (seq.size() == 2 && c == 0xC2 && static_cast<unsigned char>(seq[1]) < 0xA0) return true;  // C1 controls
  // U+200E/F, U+202A–U+202E, U+2066–U+2069: direction marks and overrides ("gpj.exe" shown as "exe.jpg")
  if (seq.size() == 3 && c == 0xE2 && static_cast<unsigned char>(seq[1]) == 0x80) {
    const auto d = static_cast<unsigned char>(seq[2]);
    return d == 0x8E || d == 0x8F || (d >= 0xAA && d <= 0xAE);
  }
  if (seq.size() == 3 && c == 0xE2 && static_cast<unsigned char>(seq[1]) == 0x81) {
    const auto d = static_cast<unsigned char>(seq[2]);
    return d >= 0xA6 && d <= 0xA9;
  }
  return false;
}

}  // namespace

std::string safe_attachment_name(std::string_view sent, std::size_t index, std::string_view mime) {
  if (auto slash = sent.find_last_of("/\\"); slash != std::string_view::npos) sent = sent.substr(slash + 1);
  std::string clean;
  for (std::size_t i = 0; i < sent.size();) {
    const auto n = utf8_seq(sent, i);
    if (n == 0) {
      if (clean.size() + 3 > max_name_bytes) break;
      clean += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    const auto seq = sent.substr(i, n);
    i += n;
    if (unwanted(seq)) continue;
    if (clean.size() + n > max_name_bytes) break;
    clean += seq;
  }
  while (!clean.empty() && clean.front() == ' ') clean.erase(0, 1);
  while (!clean.empty() && clean.back() == ' ') clean.pop_back();
  if (clean.find_first_not_of('.') == std::string::npos)  // "", ".", "..", "…"
    return "foto-" + std::to_string(index + 1) + "." + std::string(image_extension(mime));
  return clean;
}

}  // namespace lapor::gateway
