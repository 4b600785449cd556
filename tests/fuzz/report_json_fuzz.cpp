// libFuzzer target for the mobile API's report document (simdjson DOM, depth-limited) and
// its strict base64 decoder.
//
// Input: the request body as sent. Sample:
//   {"title":"Jalan rusak","body":"Lubang besar","reporter":{"phone":"081234567890"},
//    "attachments":[{"name":"a.jpg","mime":"image/jpeg","data_base64":"/9j/4A=="}]}
//
// Properties: an answer is either a parsed report within the limits or an error with a
// 400/422 status and a field name; base64 decoding inverts encoding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/mobile/report_json.h"
#include "tests/fuzz/fuzz_targets.h"

using namespace lapor::mobile;
using lapor::fuzz::require;

namespace lapor::fuzz {

int report_json(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  const report_limits limits{3, 4096};
  parsed_report out;
  if (auto err = parse_report(in, limits, out)) {
    require(err->status == 400 || err->status == 422);
    require(!err->field.empty() && !err->message.empty());
  } else {
    require(out.attachments.size() <= limits.max_attachments);
    for (const auto& a : out.attachments) require(a.data.size() <= limits.max_attachment_bytes);
  }

  // The raw input as base64, and as bytes to encode.
  if (auto bytes = decode_base64(in, 1 << 16)) {
    require(bytes->size() <= (1u << 16));
    auto again = decode_base64(encode_base64(*bytes), 1 << 16);
    require(again && *again == *bytes);
  }
  auto round = decode_base64(encode_base64(in), size);
  require(round && *round == in);
  if (size > 0) require(!decode_base64(encode_base64(in), size - 1).has_value());
  return 0;
}

}  // namespace lapor::fuzz

LAPOR_FUZZ_ENTRY(report_json)
