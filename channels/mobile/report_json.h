// The mobile API's report document (SPEC §7 Mobile), read with simdjson's DOM parser at a
// small maximum depth, so a 10,000-deep nesting is a 400, not a stack or memory problem.
//
//   {"title": "…", "body": "…", "kind": "complaint",
//    "reporter": {"name": "…", "phone": "…", "email": "…"},
//    "anonymous": false, "confidential": false,
//    "location": {"text": "…", "lat": -2.53, "lon": 112.95},
//    "attachments": [{"name": "foto.jpg", "mime": "image/jpeg", "data_base64": "…"}],
//    "device_id": "…"}
//
// Every field but "body" is optional; null is the same as absent; unknown fields are
// ignored (newer apps may send more). A value of the wrong type is refused naming its field
// ("reporter.phone", "attachments[1].data_base64").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/complaint.h"

namespace lapor::mobile {

inline constexpr std::size_t max_json_depth = 8;

struct inline_attachment {
  std::string name;
  std::string declared_mime;
  std::string data;  // decoded bytes
};

struct parsed_report {
  gateway::submission sub;  // channel mobile, text as sent
  std::vector<inline_attachment> attachments;
  std::string device_id;
};

struct report_error {
  int status = 422;     // 400: not JSON / too deep / not an object; 422: a field is wrong
  std::string field;    // "$" for the document itself (not JSON, too deep, not an object)
  std::string message;  // English
};

struct report_limits {
  std::size_t max_attachments = 5;
  std::size_t max_attachment_bytes = 6 * 1024 * 1024;  // decoded
};

[[nodiscard]] std::optional<report_error> parse_report(std::string_view json, const report_limits& limits,
                                                       parsed_report& out);

// Strict base64 (standard or URL-safe alphabet, padding optional, whitespace ignored);
// nullopt on any other character or a bad length. Stops early past `max_bytes` (nullopt).
[[nodiscard]] std::optional<std::string> decode_base64(std::string_view s, std::size_t max_bytes);
[[nodiscard]] std::string encode_base64(std::string_view bytes);

}  // namespace lapor::mobile
