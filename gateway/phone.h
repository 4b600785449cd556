// Indonesian phone numbers to E.164: "0812-3456-7890", "62812…", "+62 812 …" are one person.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lapor::gateway {

// Returns "+62…" (or another country's "+CC…" when written with '+' or 00), or nullopt
// when `raw` is not a plausible phone number (letters, too short/long, alphanumeric
// sender IDs such as "TELKOMSEL"). Separators ' ', '-', '.', '(', ')' are ignored.
[[nodiscard]] std::optional<std::string> normalize_phone(std::string_view raw);

}  // namespace lapor::gateway
