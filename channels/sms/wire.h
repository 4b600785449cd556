// Big-endian cursor over a PDU frame and an appending writer (internal to the codec).
//
// The reader never reads past its span: every accessor checks the remaining length first
// and reports a short read as `false` without moving, so a decoder can name the field that
// ran past the end of the PDU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/sms/bytes.h"

namespace lapor::sms::detail {

class wire_reader {
 public:
  explicit wire_reader(bytes_view data) noexcept : data_(data) {}

  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] bytes_view rest() const noexcept { return data_.subspan(pos_); }

  [[nodiscard]] bool u8(std::uint8_t& v) noexcept {
    if (remaining() < 1) return false;
    v = data_[pos_++];
    return true;
  }
  [[nodiscard]] bool u16(std::uint16_t& v) noexcept {
    if (remaining() < 2) return false;
    v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  [[nodiscard]] bool u32(std::uint32_t& v) noexcept {
    if (remaining() < 4) return false;
    v = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
        (std::uint32_t{data_[pos_ + 2]} << 8) | std::uint32_t{data_[pos_ + 3]};
    pos_ += 4;
    return true;
  }
  [[nodiscard]] bool octets(std::size_t n, bytes& out) {
    if (remaining() < n) return false;
    out.assign(data_.begin() + static_cast<std::ptrdiff_t>(pos_),
               data_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return true;
  }

  enum class cstring_result { ok, truncated, too_long };

  // Reads a C-Octet String of at most `max_with_nul` octets including its NUL.
  // `truncated`: the PDU ended before a NUL and before `max_with_nul` octets, i.e. the body
  // is shorter than its fields (a length problem). `too_long`: no NUL within the first
  // `max_with_nul` octets although more octets follow (a field problem). Does not move on error.
  [[nodiscard]] cstring_result c_octet_string(std::size_t max_with_nul, std::string& out) {
    const std::size_t limit = remaining() < max_with_nul ? remaining() : max_with_nul;
    for (std::size_t i = 0; i < limit; ++i) {
      if (data_[pos_ + i] == 0) {
        out.assign(reinterpret_cast<const char*>(data_.data() + pos_), i);
        pos_ += i + 1;
        return cstring_result::ok;
      }
    }
    return remaining() < max_with_nul ? cstring_result::truncated : cstring_result::too_long;
  }

 private:
  bytes_view data_;
  std::size_t pos_ = 0;
};

class wire_writer {
 public:
  explicit wire_writer(bytes& out) noexcept : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 24));
    out_.push_back(static_cast<std::uint8_t>(v >> 16));
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void octets(bytes_view v) { out_.insert(out_.end(), v.begin(), v.end()); }
  // Caller has checked the length and the absence of NUL.
  void c_octet_string(std::string_view s) {
    out_.insert(out_.end(), s.begin(), s.end());
    out_.push_back(0);
  }
  [[nodiscard]] std::size_t size() const noexcept { return out_.size(); }
  // Overwrites a big-endian u32 at `offset` (the command_length once the body is written).
  void patch_u32(std::size_t offset, std::uint32_t v) noexcept {
    out_[offset] = static_cast<std::uint8_t>(v >> 24);
    out_[offset + 1] = static_cast<std::uint8_t>(v >> 16);
    out_[offset + 2] = static_cast<std::uint8_t>(v >> 8);
    out_[offset + 3] = static_cast<std::uint8_t>(v);
  }

 private:
  bytes& out_;
};

}  // namespace lapor::sms::detail
