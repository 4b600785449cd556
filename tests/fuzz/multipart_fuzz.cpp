// libFuzzer target for multipart/form-data: the boundary parameter of the Content-Type and
// the push parser fed in one piece and in chunks.
//
// Input: one control octet (chunk size 1..64 in bits 0-5, bit 6: tiny limits, bit 7: the
// consumer stops the parse after a few events), then the Content-Type line up to the first
// '\n' (its boundary is used when valid, else "XyZ"), then the body. Sample:
//   \x07multipart/form-data; boundary=XyZ\n--XyZ\r\nContent-Disposition: form-data; name="t"\r\n\r\nJalan\r\n--XyZ--\r\n
//
// Properties: events come in order (begin, data*, end) and never past a failure; the outcome
// (success with the same parts and bytes, or the same error kind) does not depend on how
// the body is chunked; no more parts than the limit.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/multipart.h"
#include "tests/fuzz/fuzz_targets.h"

using namespace lapor::gateway;
using lapor::fuzz::require;

namespace {

struct seen_part {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string data;
  bool ended = false;
  friend bool operator==(const seen_part&, const seen_part&) = default;
};

class recorder final : public multipart_visitor {
 public:
  explicit recorder(std::size_t stop_after) : stop_after_(stop_after) {}

  bool on_part_begin(const multipart_part& part) override {
    require(parts.empty() || parts.back().ended);
    parts.push_back({part.name, part.filename, part.content_type, {}, false});
    return event();
  }
  bool on_part_data(std::string_view bytes) override {
    require(!parts.empty() && !parts.back().ended && !bytes.empty());
    parts.back().data.append(bytes);
    return event();
  }
  bool on_part_end() override {
    require(!parts.empty() && !parts.back().ended);
    parts.back().ended = true;
    return event();
  }

  std::vector<seen_part> parts;

 private:
  bool event() { return ++events_ <= stop_after_; }
  std::size_t stop_after_;
  std::size_t events_ = 0;
};

struct outcome {
  std::optional<multipart_error::kind> error;
  std::vector<seen_part> parts;
};

outcome parse(const std::string& boundary, std::string_view body, std::size_t chunk, multipart_limits limits,
              std::size_t stop_after) {
  multipart_parser parser(boundary, limits);
  recorder rec(stop_after);
  std::optional<multipart_error> err;
  while (!body.empty() && !err) {
    auto piece = body.substr(0, chunk);
    body.remove_prefix(piece.size());
    err = parser.feed(piece, rec);
    if (err) {
      // Sticky: later calls report the same failure and emit nothing.
      const auto parts_before = rec.parts;
      auto again = parser.feed("--", rec);
      require(again && again->what == err->what && rec.parts == parts_before);
    }
  }
  if (!err) err = parser.finish();
  require(err.has_value() != parser.done());
  require(rec.parts.size() <= limits.max_parts);
  if (!err)
    for (const auto& p : rec.parts) require(p.ended);
  if (err) return {err->what, std::move(rec.parts)};
  return {std::nullopt, std::move(rec.parts)};
}

}  // namespace

namespace lapor::fuzz {

int multipart(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  auto nl = in.find('\n');
  std::string_view content_type = nl == std::string_view::npos ? in : in.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);

  auto boundary = multipart_boundary(content_type);
  if (boundary) require(!boundary->empty() && boundary->size() <= 70);
  const std::string b = boundary ? *boundary : std::string("XyZ");

  multipart_limits limits;
  if (control & 0x40) limits = multipart_limits{3, 64};
  const std::size_t chunk = 1 + (control & 0x3F);

  auto whole = parse(b, body, body.size() + 1, limits, SIZE_MAX);
  auto pieces = parse(b, body, chunk, limits, SIZE_MAX);
  require(whole.error == pieces.error);
  if (!whole.error) require(whole.parts == pieces.parts);

  if (control & 0x80) {
    auto stopped = parse(b, body, chunk, limits, (control >> 1) & 7);
    if (stopped.error != multipart_error::kind::aborted) require(stopped.error == pieces.error);
  }
  return 0;
}

}  // namespace lapor::fuzz

LAPOR_FUZZ_ENTRY(multipart)
