#include "channels/sms/text_encoding.h"

#include <algorithm>

#include "channels/sms/gsm7.h"
#include "channels/sms/utf8.h"

namespace lapor::sms {

std::optional<bytes> encode_gsm7(std::string_view utf8) { return gsm7::encode_unpacked(utf8); }

std::optional<bytes> encode_ucs2(std::string_view utf8) {
  bytes out;
  out.reserve(utf8.size() * 2);
  auto put = [&out](char32_t u) {
    out.push_back(static_cast<std::uint8_t>(u >> 8));
    out.push_back(static_cast<std::uint8_t>(u));
  };
  std::size_t pos = 0;
  while (pos < utf8.size()) {
    auto cp = detail::next_code_point(utf8, pos);
    if (!cp) return std::nullopt;
    if (*cp >= 0x10000) {
      const char32_t v = *cp - 0x10000;
      put(0xD800 + (v >> 10));
      put(0xDC00 + (v & 0x3FF));
    } else {
      put(*cp);
    }
  }
  return out;
}

namespace {

constexpr std::size_t gsm_single = 160, gsm_part = 153;     // septets
constexpr std::size_t ucs2_single = 70, ucs2_part = 67;     // UTF-16 units

// Cuts `payload` (units of `unit` octets) into chunks of at most `max_units` units, moving a
// cut back by one unit when it would separate the two halves of a pair.
template <class SplitsPair>
std::vector<bytes> cut(const bytes& payload, std::size_t unit, std::size_t max_units, SplitsPair splits_pair) {
  std::vector<bytes> chunks;
  std::size_t at = 0;
  const std::size_t max_octets = max_units * unit;
  while (at < payload.size()) {
    std::size_t end = std::min(payload.size(), at + max_octets);
    if (end < payload.size() && splits_pair(at, end)) end -= unit;
    chunks.emplace_back(payload.begin() + static_cast<std::ptrdiff_t>(at),
                        payload.begin() + static_cast<std::ptrdiff_t>(end));
    at = end;
  }
  return chunks;
}

}  // namespace

boost::system::result<sms_parts, text_error> split_for_sms(std::string_view utf8, std::uint8_t reference,
                                                           std::size_t max_parts) {
  if (utf8.empty()) return text_error{text_error_kind::invalid, "empty reply"};
  sms_parts out;
  std::vector<bytes> chunks;
  if (auto gsm = encode_gsm7(utf8)) {
    out.data_coding = 0;
    if (gsm->size() <= gsm_single) {
      out.parts.push_back(std::move(*gsm));
      return out;
    }
    const bytes& s = *gsm;
    // A cut at `end` splits an ESC pair when the chunk's last septet is an ESC that opens
    // a pair; chunks start on pair boundaries, so walk the chunk from its start.
    chunks = cut(s, 1, gsm_part, [&s](std::size_t start, std::size_t end) {
      bool in_pair = false;
      for (std::size_t i = start; i < end; ++i) in_pair = !in_pair && s[i] == gsm7::escape;
      return in_pair;
    });
  } else if (auto ucs2 = encode_ucs2(utf8)) {
    out.data_coding = 8;
    if (ucs2->size() <= ucs2_single * 2) {
      out.parts.push_back(std::move(*ucs2));
      return out;
    }
    const bytes& s = *ucs2;
    chunks = cut(s, 2, ucs2_part, [&s](std::size_t, std::size_t end) {
      // A high surrogate as the last unit of the chunk.
      return s[end - 2] >= 0xD8 && s[end - 2] <= 0xDB;
    });
  } else {
    return text_error{text_error_kind::invalid, "reply is not valid UTF-8"};
  }
  if (chunks.size() > std::min<std::size_t>(max_parts, 255)) {
    return text_error{text_error_kind::invalid, "reply needs " + std::to_string(chunks.size()) + " parts, more than " +
                      std::to_string(std::min<std::size_t>(max_parts, 255))};
  }
  out.udhi = true;
  const auto total = static_cast<std::uint8_t>(chunks.size());
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    bytes part{0x05, 0x00, 0x03, reference, total, static_cast<std::uint8_t>(i + 1)};
    part.insert(part.end(), chunks[i].begin(), chunks[i].end());
    out.parts.push_back(std::move(part));
  }
  return out;
}

}  // namespace lapor::sms
