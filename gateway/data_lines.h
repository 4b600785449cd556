// Reading the project's small data files (data/region/lexicon-id.txt, data/dedup/events-id.txt):
// one entry per line, "HEAD: rest", blank lines and '#' comments skipped. Header-only so the
// pure libraries (gateway/region/, gateway/dedup/) share it without depending on lapor_gateway.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lapor::data {

[[nodiscard]] inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

struct entry_line {
  std::size_t number = 0;  // 1-based, for error messages
  std::string_view head;   // before the first ':' (trimmed); empty when there is no ':'
  std::string_view rest;   // after it (trimmed)
  bool has_colon = false;
};

// Calls `fn(const entry_line&)` for every entry; `fn` returns "" to go on or an error, which
// stops the walk and is returned as "<what> line N: <error>".
template <class F>
[[nodiscard]] std::string for_each_entry(std::string_view text, std::string_view what, F&& fn) {
  std::size_t number = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++number;
    if (line.empty() || line.front() == '#') continue;
    entry_line e;
    e.number = number;
    if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      e.has_colon = true;
      e.head = trim(line.substr(0, colon));
      e.rest = trim(line.substr(colon + 1));
    } else {
      e.rest = line;
    }
    if (std::string error = fn(e); !error.empty())
      return std::string(what) + " line " + std::to_string(number) + ": " + error;
  }
  return {};
}

}  // namespace lapor::data
