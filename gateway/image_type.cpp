#include "gateway/image_type.h"

namespace lapor::gateway {

std::optional<std::string_view> sniff_image_type(std::string_view b) noexcept {
  using namespace std::string_view_literals;
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF"sv) return "image/jpeg"sv;
  if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1A\n"sv) return "image/png"sv;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF"sv && b.substr(8, 4) == "WEBP"sv) return "image/webp"sv;
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp"sv) {
    auto brand = b.substr(8, 4);
    for (auto h : {"heic"sv, "heix"sv, "heim"sv, "heis"sv, "hevc"sv, "hevx"sv})
      if (brand == h) return "image/heic"sv;
    if (brand == "mif1"sv || brand == "msf1"sv) return "image/heif"sv;
  }
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
