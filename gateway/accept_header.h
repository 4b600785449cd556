// How much a client wants a media type, from its Accept field (RFC 9110 §12.5.1): media ranges
// compared case-insensitively, the most specific range that matches decides, its q (0…1) is the
// weight. "text/html,application/xhtml+xml,*/*;q=0.8" wants text/html at 1 and
// application/json at 0.8 (through */*); "application/json;q=0" refuses JSON.
#pragma once

#include <string_view>

namespace lapor::gateway {

struct acceptance {
  double q = 0;          // 0 when not acceptable (or not matched at all)
  int specificity = -1;  // the range that decided: -1 none, 0 "*/*", 1 "type/*", 2 the type itself
};

// `media_type` is lowercase "type/subtype". A malformed element is skipped.
[[nodiscard]] acceptance accepts(std::string_view accept_field, std::string_view media_type) noexcept;

}  // namespace lapor::gateway
