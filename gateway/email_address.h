// E-mail addresses as a reporter types them, checked against RFC 5321/5322 so the dispatcher
// never gets one that no mail server would accept (and a typo like "x@gmail..com" is shown
// to the citizen while they can still fix it):
//
//   local-part  dot-atom, 1–64 octets: atext runs separated by single dots, none at either
//               end ("budi.s+lapor"); UTF-8 allowed (RFC 6531); quoted strings are refused
//   domain      1–253 octets, two or more labels of 1–63 letters, digits, hyphens or UTF-8
//               (IDN), no hyphen at a label's end, the last label not all digits; no
//               address literals ([192.0.2.1])
//   whole       at most 254 octets
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lapor::gateway {

// The address with its domain lowercased (the local part is kept as written), or nullopt.
[[nodiscard]] std::optional<std::string> normalize_email(std::string_view raw);

}  // namespace lapor::gateway
