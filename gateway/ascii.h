// ASCII helpers for protocol text (HTTP field names and values, media types, SMPP keywords,
// hashtags): case folding as the "C" locale does it, without a call per byte, and trimming of
// optional whitespace (RFC 9110 §5.6.3 OWS: spaces and tabs). Header-only, so the fuzz targets
// that compile one parser file alone need nothing else.
#pragma once

#include <string_view>

namespace lapor::gateway {

[[nodiscard]] constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

[[nodiscard]] constexpr bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// Without leading and trailing spaces and tabs.
[[nodiscard]] constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace lapor::gateway
