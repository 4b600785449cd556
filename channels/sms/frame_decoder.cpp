#include "channels/sms/frame_decoder.h"

#include <algorithm>

#include "channels/sms/smpp_status.h"

namespace lapor::sms {

frame_decoder::frame_decoder(std::size_t max_pdu_length)
    : max_(std::max(max_pdu_length, header_length)) {}

void frame_decoder::reset() {
  buffer_.clear();
  expected_ = 0;
  ready_ = false;
  error_.reset();
}

bytes_view frame_decoder::frame() const noexcept {
  return ready_ ? bytes_view{buffer_} : bytes_view{};
}

namespace {
std::uint32_t load_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
}  // namespace

// Stream sample (two PDUs in one read, the second split across reads):
//   00000010 00000015 00000000 00000001 | 00000010 000000 ... 15 00000000 00000002
frame_decoder::step frame_decoder::feed(bytes_view in) {
  if (error_) return {0, progress::bad_length};
  if (ready_) {
    buffer_.clear();
    expected_ = 0;
    ready_ = false;
  }
  std::size_t used = 0;
  // 1. The 4 octets of command_length.
  if (buffer_.size() < 4) {
    const std::size_t take = std::min<std::size_t>(4 - buffer_.size(), in.size());
    buffer_.insert(buffer_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
    used += take;
    if (buffer_.size() < 4) return {used, progress::need_more};
    const std::uint32_t length = load_u32(buffer_.data());
    if (length < header_length || length > max_) {
      // Peek at command_id and sequence_number when they are already here, for the nack.
      decode_error e{status::esme_rinvcmdlen, command_id::generic_nack, 0, 0, true,
                     length < header_length ? "command_length below 16"
                                            : "command_length above the configured maximum"};
      const bytes_view rest = in.subspan(used);
      if (rest.size() >= 12) {
        e.offending_id = load_u32(rest.data());
        e.sequence = load_u32(rest.data() + 8);
      }
      error_ = e;
      buffer_.clear();
      return {used, progress::bad_length};
    }
    expected_ = length;
    buffer_.reserve(expected_);
  }
  // 2. The rest of the frame.
  const bytes_view rest = in.subspan(used);
  const std::size_t take = std::min(expected_ - buffer_.size(), rest.size());
  buffer_.insert(buffer_.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(take));
  used += take;
  if (buffer_.size() == expected_) {
    ready_ = true;
    return {used, progress::frame_ready};
  }
  return {used, progress::need_more};
}

}  // namespace lapor::sms
