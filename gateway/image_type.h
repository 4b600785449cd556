// Photo types recognised by their structure, never by the name or the declared Content-Type,
// which clients get wrong or lie about. Magic numbers alone are not enough: "FF D8 FF" followed
// by HTML is not a JPEG, and a browser that sniffs it would render the HTML. So each type's
// first structure is walked as far as the bytes given reach:
//
//   JPEG  FF D8 (SOI), then marker segments FF xx <len:2 BE ≥ 2> … up to SOS (FF DA); the first
//         segment an APPn, DQT, DHT, SOFn, DRI or COM; APP0 says "JFIF\0"/"JFXX\0", APP1
//         "Exif\0\0" (then a TIFF header II*\0 / MM\0*) or XMP
//   PNG   89 50 4E 47 0D 0A 1A 0A, then the IHDR chunk: length 13, width and height > 0, a valid
//         bit depth for the colour type, compression/filter 0, interlace 0|1, and its CRC-32
//   WebP  "RIFF" <size:4 LE> "WEBP", then a "VP8 " (with the key-frame start code 9D 01 2A),
//         "VP8L" (signature 2F) or "VP8X" (size 10) chunk whose size fits the RIFF size
//   HEIC  <size:4 BE> "ftyp" <major brand> <minor> <compatible brands…>: a box of 16 + 4n
//         bytes whose major or a compatible brand is heic/heix/heim/heis/hevc/hevx
//         (image/heic) or mif1/msf1 (image/heif)
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace lapor::gateway {

// How many leading bytes sniff_image_type() looks at (callers keep this many of an upload).
inline constexpr std::size_t image_sniff_bytes = 4096;

// The MIME type of a supported photo, or nullopt for anything else. `first_bytes` is the
// start of the file; `whole` says it is all of it (then a structure that runs past the end is
// refused; otherwise only what `first_bytes` shows is judged).
[[nodiscard]] std::optional<std::string_view> sniff_image_type(std::string_view first_bytes, bool whole = true) noexcept;

// A file name extension for a sniffed MIME type ("jpg", "png", "webp", "heic"), for display.
[[nodiscard]] std::string_view image_extension(std::string_view mime) noexcept;

}  // namespace lapor::gateway
