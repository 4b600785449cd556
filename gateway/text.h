// Text hygiene for everything a citizen sends: strict UTF-8 and Unicode NFC.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lapor::gateway {

// True when `s` is well-formed UTF-8: no overlong forms, no surrogates (U+D800..DFFF),
// nothing above U+10FFFF, no truncated sequence.
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;
// The length of the valid UTF-8 sequence that starts at s[i], or 0 when none does.
[[nodiscard]] std::size_t utf8_sequence_at(std::string_view s, std::size_t i) noexcept;
// `s` with every invalid UTF-8 sequence replaced by U+FFFD (for echoing input in an answer).
[[nodiscard]] std::string scrub_utf8(std::string_view s);

// Validates and NFC-normalises (utf8proc). nullopt when `s` is not valid UTF-8: invalid
// input is a rejection, never repaired into mojibake. NUL and other C0 controls except
// \t \n \r are also rejected. "\r\n" becomes "\n"; leading/trailing whitespace is trimmed.
[[nodiscard]] std::optional<std::string> normalize_text(std::string_view s);

// Number of Unicode code points in valid UTF-8.
[[nodiscard]] std::size_t utf8_length(std::string_view s) noexcept;
// True when valid UTF-8 `s` holds a character that shows: not a space, a control, a format
// character (zero-width space, BOM, bidi marks) or a combining mark alone.
[[nodiscard]] bool has_visible_text(std::string_view s) noexcept;

// The first `max_chars` code points of valid UTF-8, cut at a word boundary when one is near,
// used to derive a title from a body. Never splits a code point.
[[nodiscard]] std::string utf8_prefix_words(std::string_view s, std::size_t max_chars);
// The first `max_chars` code points of valid UTF-8 `s` (all of it when shorter).
[[nodiscard]] std::string utf8_prefix_chars(std::string_view s, std::size_t max_chars);

}  // namespace lapor::gateway
