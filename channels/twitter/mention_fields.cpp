#include "channels/twitter/mention_fields.h"

#include <utf8proc.h>

#include "gateway/text.h"

namespace lapor::twitter {

namespace g = lapor::gateway;

namespace {

constexpr std::string_view cut_marker = " […]";  // 4 code points after a space

// Controls dropped (\f \v -> "\n"); with `one_line`, format characters too and every line
// break or tab a space. Invalid UTF-8 (not expected: the page parser repaired it) -> U+FFFD.
std::string clean(std::string_view in, bool one_line) {
  const std::string valid = g::is_valid_utf8(in) ? std::string() : g::scrub_utf8(in);
  const std::string_view s = valid.empty() ? in : std::string_view(valid);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      if (c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        out.push_back(one_line ? ' ' : (c == '\f' || c == '\v') ? '\n' : static_cast<char>(c));
      } else if (c >= 0x20 && c != 0x7F) {
        out.push_back(static_cast<char>(c));
      }
      continue;
    }
    std::size_t n = g::utf8_sequence_at(s, i);
    if (n == 0) n = 1;  // unreachable after scrub_utf8; never loops
    utf8proc_int32_t cp = 0;
    utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i), static_cast<utf8proc_ssize_t>(n), &cp);
    const auto cat = utf8proc_category(cp);
    const bool drop = cat == UTF8PROC_CATEGORY_CC || (one_line && cat == UTF8PROC_CATEGORY_CF);
    const bool line_break = cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
    if (line_break && one_line) out.push_back(' ');
    else if (!drop) out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

fitted_text fit(std::string_view text, std::size_t max_chars, bool one_line) {
  fitted_text r;
  // After cleaning nothing normalize_text refuses is left; the fallback keeps the text anyway.
  std::string cleaned = clean(text, one_line);
  std::optional<std::string> n = g::normalize_text(cleaned);
  r.text = n ? std::move(*n) : std::move(cleaned);
  if (g::utf8_length(r.text) <= max_chars) return r;
  r.cut = true;
  if (one_line || max_chars <= cut_marker.size() + 4) {
    r.text = g::utf8_prefix_chars(r.text, max_chars);
  } else {
    r.text = g::utf8_prefix_chars(r.text, max_chars - 4 - 4) + std::string(cut_marker);
  }
  // A cut may leave trailing spaces before the end (or the marker): normalise once more.
  if (auto again = g::normalize_text(r.text)) r.text = std::move(*again);
  return r;
}

}  // namespace

fitted_text fit_body(std::string_view text, std::size_t max_chars) { return fit(text, max_chars, false); }
fitted_text fit_line(std::string_view text, std::size_t max_chars) { return fit(text, max_chars, true); }

}  // namespace lapor::twitter
