// Repairs the two things a citizen's text can put into an otherwise well-formed API answer
// that a strict JSON parser (simdjson) refuses for the whole document:
//
//   {"data":[{"id":"1","text":"… \ud83d [lone]"}, …]}   a lone UTF-16 surrogate escape
//   -> {"data":[{"id":"1","text":"… \ufffd [lone]"}, …]}
//
//  * a `\uD800`..`\uDBFF` escape not followed by a `\uDC00`..`\uDFFF` escape, or a low one not
//    preceded by a high one, becomes `\uFFFD` (RFC 8259 §8.2: such a string is allowed by the
//    grammar, its meaning left to the reader; X's own clients render U+FFFD);
//  * a byte that does not start a valid UTF-8 sequence becomes the three bytes of U+FFFD.
//
// Refusing the page instead would refuse every other mention on it, and the API would send
// the same page again on every poll: one post would stop the channel (SPEC §2). An escaped
// backslash ("\\ud83d", the six characters as written) is text, not an escape, and is kept;
// escapes are only read inside strings. Everything else is copied byte for byte, so a body
// that was not JSON stays not JSON. Pure, no allocation when nothing needs repair.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lapor::twitter {

struct json_repair {
  std::string text;          // the repaired body
  std::size_t repaired = 0;  // surrogate escapes and invalid bytes replaced
};

// nullopt when `json` needs no repair (the common case: use it as it is).
[[nodiscard]] std::optional<json_repair> repair_json_text(std::string_view json);

}  // namespace lapor::twitter
