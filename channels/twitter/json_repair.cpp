#include "channels/twitter/json_repair.h"

#include "gateway/text.h"

namespace lapor::twitter {

namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of a "\uXXXX" escape at s[i] (s[i] == '\\'), or -1 when there is none.
int escape_at(std::string_view s, std::size_t i) noexcept {
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u') return -1;
  int v = 0;
  for (std::size_t k = i + 2; k < i + 6; ++k) {
    const int d = hex_digit(s[k]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

bool high(int u) noexcept { return u >= 0xD800 && u <= 0xDBFF; }
bool low(int u) noexcept { return u >= 0xDC00 && u <= 0xDFFF; }

// One pass; `out` is null while only looking for the first thing to repair. Returns the
// number of repairs (when `out` is null: stops at the first, returning 1).
std::size_t scan(std::string_view s, std::string* out) {
  std::size_t repaired = 0;
  bool in_string = false;
  std::size_t copied = 0;  // s[copied..i) still to append to *out
  const auto replace = [&](std::size_t at, std::size_t len, std::string_view with) {
    ++repaired;
    if (!out) return;
    out->append(s.data() + copied, at - copied);
    out->append(with);
    copied = at + len;
  };
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = gateway::utf8_sequence_at(s, i);
      if (n == 0) {
        replace(i, 1, "\xEF\xBF\xBD");
        if (!out) return repaired;
        ++i;
      } else {
        i += n;
      }
      continue;
    }
    if (c == '"') {
      in_string = !in_string;
      ++i;
      continue;
    }
    if (c != '\\' || !in_string) {
      ++i;
      continue;
    }
    const int u = escape_at(s, i);
    if (u < 0) {
      i += 2;  // "\\", "\"", "\n" …: two characters, never the start of another escape
      continue;
    }
    if (high(u) && low(escape_at(s, i + 6))) {
      i += 12;  // a proper pair
      continue;
    }
    if (high(u) || low(u)) {
      replace(i, 6, "\\ufffd");
      if (!out) return repaired;
    }
    i += 6;
  }
  if (out) out->append(s.data() + copied, s.size() - copied);
  return repaired;
}

}  // namespace

std::optional<json_repair> repair_json_text(std::string_view json) {
  if (scan(json, nullptr) == 0) return std::nullopt;
  json_repair r;
  r.text.reserve(json.size());
  r.repaired = scan(json, &r.text);
  return r;
}

}  // namespace lapor::twitter
