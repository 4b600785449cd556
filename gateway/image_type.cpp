#include "gateway/image_type.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace lapor::gateway {

namespace {

using namespace std::string_view_literals;

std::uint32_t be16(std::string_view b, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 8) | static_cast<unsigned char>(b[at + 1]);
}
std::uint32_t be32(std::string_view b, std::size_t at) { return (be16(b, at) << 16) | be16(b, at + 2); }
std::uint32_t le32(std::string_view b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

const std::array<std::uint32_t, 256>& crc_table() {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

// CRC-32 (PNG's) continued over `data`: start from 0xFFFFFFFF, finish by inverting.
std::uint32_t crc32_update(std::uint32_t c, std::string_view data) {
  const auto& table = crc_table();
  for (unsigned char ch : data) c = table[(c ^ ch) & 0xFF] ^ (c >> 8);
  return c;
}

std::uint32_t crc32(std::string_view data) { return crc32_update(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu; }

bool letters(std::string_view t) {
  for (char c : t)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  return true;
}

bool printable(std::string_view t) {
  for (char c : t)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

bool jpeg(std::string_view b, bool whole) {
  if (b.size() < 4 || b.substr(0, 2) != "\xFF\xD8"sv) return false;
  std::size_t at = 2;
  bool first = true;
  while (true) {
    if (at >= b.size()) return !whole && !first;  // ran out of the bytes we have, mid-walk
    if (static_cast<unsigned char>(b[at]) != 0xFF) return false;
    // Fill bytes (FF FF …) may precede a marker.
    while (at < b.size() && static_cast<unsigned char>(b[at]) == 0xFF) ++at;
    if (at >= b.size()) return !whole && !first;
    const auto m = static_cast<unsigned char>(b[at]);
    ++at;
    if (m == 0x00 || m == 0xD8 || m == 0xD9 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) return false;  // not before SOS
    const bool app = m >= 0xE0 && m <= 0xEF;
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    const bool known = app || sof || m == 0xDB || m == 0xC4 || m == 0xDD || m == 0xFE || m == 0xCC || m == 0xDA;
    if (!known && m < 0xF0) return false;  // JPG extensions (F0–FD) are rare but legal
    if (first && m == 0xDA) return false;  // scan data before any table
    if (at + 2 > b.size()) return !whole && !first;
    const auto len = be16(b, at);
    if (len < 2) return false;
    const auto payload = b.substr(at + 2, std::min<std::size_t>(len - 2, b.size() - std::min(b.size(), at + 2)));
    if (m == 0xE0 && first && payload.size() >= 5 && payload.substr(0, 5) != "JFIF\0"sv && payload.substr(0, 5) != "JFXX\0"sv)
      return false;
    if (m == 0xE1 && first && payload.size() >= 6) {
      if (payload.substr(0, 6) == "Exif\0\0"sv) {
        if (payload.size() >= 10 && payload.substr(6, 4) != "II*\0"sv && payload.substr(6, 4) != "MM\0*"sv) return false;
      } else if (!payload.starts_with("http://ns.adobe.com/")) {
        return false;
      }
    }
    if (sof && payload.size() >= 5 && be16(payload, 3) == 0) return false;  // width 0 (height 0 is legal: DNL)
    if (m == 0xDA) return true;  // start of scan: the structure so far was sound
    if (at + len > b.size()) return !whole;  // the segment runs past what we have
    at += len;
    first = false;
  }
}

bool png(std::string_view b) {
  if (b.size() < 33 || b.substr(0, 8) != "\x89PNG\r\n\x1A\n"sv) return false;
  if (be32(b, 8) != 13 || b.substr(12, 4) != "IHDR"sv) return false;
  const auto w = be32(b, 16), h = be32(b, 20);
  if (w == 0 || h == 0 || w > 0x7FFFFFFFu || h > 0x7FFFFFFFu) return false;
  const auto depth = static_cast<unsigned char>(b[24]), colour = static_cast<unsigned char>(b[25]);
  const auto ok_depth = [&] {
    switch (colour) {
      case 0: return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
      case 3: return depth == 1 || depth == 2 || depth == 4 || depth == 8;
      case 2: case 4: case 6: return depth == 8 || depth == 16;
      default: return false;
    }
  }();
  if (!ok_depth || b[26] != 0 || b[27] != 0 || static_cast<unsigned char>(b[28]) > 1) return false;
  return crc32(b.substr(12, 17)) == be32(b, 29);
}

bool webp(std::string_view b, bool whole) {
  if (b.size() < 30 || b.substr(0, 4) != "RIFF"sv || b.substr(8, 4) != "WEBP"sv) return false;
  const auto riff = le32(b, 4);
  const auto chunk = b.substr(12, 4);
  const auto size = le32(b, 16);
  if (static_cast<std::uint64_t>(riff) < 4 + 8 + static_cast<std::uint64_t>(size)) return false;
  if (whole && static_cast<std::uint64_t>(riff) + 8 > b.size()) return false;
  if (chunk == "VP8 "sv) return size >= 10 && b.substr(23, 3) == "\x9D\x01\x2A"sv;
  if (chunk == "VP8L"sv) return size >= 5 && static_cast<unsigned char>(b[20]) == 0x2F;
  if (chunk == "VP8X"sv) return size == 10;
  return false;
}

std::optional<std::string_view> heif(std::string_view b, bool whole) {
  if (b.size() < 16 || b.substr(4, 4) != "ftyp"sv) return std::nullopt;
  const auto size = be32(b, 0);
  if (size < 16 || (size - 16) % 4 != 0 || size > 4096 || size > b.size()) return std::nullopt;
  std::optional<std::string_view> mime;
  auto consider = [&](std::string_view brand) {
    for (auto h : {"heic"sv, "heix"sv, "heim"sv, "heis"sv, "hevc"sv, "hevx"sv})
      if (brand == h) mime = "image/heic"sv;
    if (!mime && (brand == "mif1"sv || brand == "msf1"sv)) mime = "image/heif"sv;
  };
  consider(b.substr(8, 4));
  for (std::size_t at = 16; !mime && at + 4 <= size; at += 4) consider(b.substr(at, 4));
  if (!mime) return std::nullopt;
  // The next box (normally "meta") must be a box too: size ≥ 8 and a printable type.
  if (b.size() >= size + 8) {
    const auto next = be32(b, size);
    if (next != 1 && next < 8) return std::nullopt;
    for (char c : b.substr(size + 4, 4))
      if (c < 0x20 || c > 0x7e) return std::nullopt;
  } else if (whole) {
    return std::nullopt;  // an ftyp box and nothing else is no picture
  }
  return mime;
}

}  // namespace

void image_structure::feed(std::string_view bytes) noexcept {
  if (broken_ || bytes.empty()) return;
  total_ += bytes.size();
  if (kind_ == kind::unknown) {
    // The first 12 bytes say what it is meant to be.
    const std::size_t take = std::min<std::size_t>(12 - head_.size(), bytes.size());
    head_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (head_.size() < 12) return;
    const std::string_view h = head_;
    if (h.substr(0, 8) == "\x89PNG\r\n\x1A\n"sv) {
      kind_ = kind::png;
      const std::string rest(h.substr(8));
      head_.clear();
      std::string_view r = rest;
      step_png(r);
    } else if (h.substr(4, 4) == "ftyp"sv) {
      kind_ = kind::heif;
      const std::string rest(h);
      head_.clear();
      std::string_view r = rest;
      step_heif(r);
    } else if (h.substr(0, 4) == "RIFF"sv) {
      kind_ = kind::riff;
      riff_size_ = le32(h, 4);
      head_.clear();
      return;
    } else {
      kind_ = kind::other;
      head_.clear();
      return;
    }
  }
  if (kind_ == kind::png) step_png(bytes);
  else if (kind_ == kind::heif) step_heif(bytes);
}

void image_structure::step_png(std::string_view& bytes) noexcept {
  while (!bytes.empty() && !broken_) {
    if (saw_end_) {
      broken_ = true;  // bytes after IEND: an appended page
      return;
    }
    if (skip_ > 0) {  // chunk data (and its type) into the CRC
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, bytes.size()));
      crc_ = crc32_update(crc_, bytes.substr(0, n));
      skip_ -= n;
      bytes.remove_prefix(n);
      if (skip_ == 0) in_crc_ = true;
      continue;
    }
    const std::size_t want = in_crc_ ? 4 : 8;
    const std::size_t take = std::min(want - head_.size(), bytes.size());
    head_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (head_.size() < want) return;
    if (in_crc_) {
      if ((crc_ ^ 0xFFFFFFFFu) != be32(head_, 0)) broken_ = true;
      if (type_ == 0x49454E44u) saw_end_ = true;  // IEND
      in_crc_ = false;
    } else {
      const auto len = be32(head_, 0);
      const std::string_view type = std::string_view(head_).substr(4, 4);
      if (len > 0x7FFFFFFFu || !letters(type)) {
        broken_ = true;
        return;
      }
      type_ = be32(head_, 4);
      crc_ = crc32_update(0xFFFFFFFFu, type);
      skip_ = len;
      if (len == 0) in_crc_ = true;
    }
    head_.clear();
  }
}

void image_structure::step_heif(std::string_view& bytes) noexcept {
  while (!bytes.empty() && !broken_) {
    if (to_end_) return;  // the last box takes whatever comes
    if (skip_ > 0) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, bytes.size()));
      skip_ -= n;
      bytes.remove_prefix(n);
      continue;
    }
    std::size_t want = 8;
    if (head_.size() >= 8 && be32(head_, 0) == 1) want = 16;  // a 64-bit size follows
    const std::size_t take = std::min(want - head_.size(), bytes.size());
    head_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (head_.size() < 8) return;
    if (be32(head_, 0) == 1 && head_.size() < 16) continue;
    const std::string_view h = head_;
    if (!printable(h.substr(4, 4))) {
      broken_ = true;
      return;
    }
    if (h.substr(4, 4) == "meta"sv) saw_meta_ = true;
    const std::uint64_t size32 = be32(h, 0);
    if (size32 == 0) {
      to_end_ = true;
    } else {
      const std::uint64_t size = size32 == 1 ? (std::uint64_t{be32(h, 8)} << 32) | be32(h, 12) : size32;
      if (size < h.size()) {
        broken_ = true;
        return;
      }
      skip_ = size - h.size();
    }
    head_.clear();
  }
}

bool image_structure::sound() const noexcept {
  if (broken_) return false;
  switch (kind_) {
    case kind::png: return saw_end_ && skip_ == 0 && head_.empty() && !in_crc_;
    case kind::heif: return saw_meta_ && (to_end_ || (skip_ == 0 && head_.empty()));
    case kind::riff: return total_ == riff_size_ + 8 || total_ == riff_size_ + 9;
    case kind::unknown:
    case kind::other: return true;
  }
  return true;
}

bool image_structure_sound(std::string_view whole) noexcept {
  image_structure s;
  s.feed(whole);
  return s.sound();
}

std::optional<std::string_view> sniff_image_type(std::string_view b, bool whole) noexcept {
  if (b.size() >= 2 && b.substr(0, 2) == "\xFF\xD8"sv) return jpeg(b, whole) ? std::optional("image/jpeg"sv) : std::nullopt;
  if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1A\n"sv) return png(b) ? std::optional("image/png"sv) : std::nullopt;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF"sv && b.substr(8, 4) == "WEBP"sv)
    return webp(b, whole) ? std::optional("image/webp"sv) : std::nullopt;
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp"sv) return heif(b, whole);
  return std::nullopt;
}

std::string_view image_extension(std::string_view mime) noexcept {
  if (mime == "image/jpeg") return "jpg";
  if (mime == "image/png") return "png";
  if (mime == "image/webp") return "webp";
  if (mime == "image/heic") return "heic";
  if (mime == "image/heif") return "heif";
  return "bin";
}

}  // namespace lapor::gateway
