// Photo types recognised by their first bytes (magic numbers), never by the name or the
// declared Content-Type, which clients get wrong or lie about.
//
//   JPEG  FF D8 FF
//   PNG   89 50 4E 47 0D 0A 1A 0A
//   WebP  "RIFF" <size:4> "WEBP"
//   HEIC  <size:4> "ftyp" then a brand heic/heix/heim/heis/hevc/hevx (image/heic)
//         or mif1/msf1 (image/heif)
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace lapor::gateway {

// How many leading bytes sniff_image_type() needs to decide.
inline constexpr std::size_t image_sniff_bytes = 12;

// The MIME type of a supported photo, or nullopt for anything else (including too few bytes).
[[nodiscard]] std::optional<std::string_view> sniff_image_type(std::string_view first_bytes) noexcept;

// A file name extension for a sniffed MIME type ("jpg", "png", "webp", "heic"), for display.
[[nodiscard]] std::string_view image_extension(std::string_view mime) noexcept;

}  // namespace lapor::gateway
