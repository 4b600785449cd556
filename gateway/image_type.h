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
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lapor::gateway {

// How many leading bytes sniff_image_type() looks at (callers keep this many of an upload).
inline constexpr std::size_t image_sniff_bytes = 4096;

// The MIME type of a supported photo, or nullopt for anything else. `first_bytes` is the
// start of the file; `whole` says it is all of it (then a structure that runs past the end is
// refused; otherwise only what `first_bytes` shows is judged).
[[nodiscard]] std::optional<std::string_view> sniff_image_type(std::string_view first_bytes, bool whole = true) noexcept;

// The whole file's structure, fed as it arrives (an upload streamed to disk): the first bytes
// say which picture it is meant to be; the sniffer above judges only those. A PNG or HEIF
// header followed by HTML, or a whole picture with a page appended to it (a polyglot a browser
// may render), passes the sniffer and fails here:
//
//   PNG   every chunk <len:4 BE> <type: 4 letters> <data> <CRC-32 of type and data>, the last one
//         IEND, nothing after it
//   HEIF  top-level boxes <size:4 BE> (1: a 64-bit size follows; 0: to the end) <type: 4
//         printable bytes>, one of them "meta", ending exactly at the end of the file
//   WebP  the RIFF size is the file's size (+1 pad byte)
//   JPEG  not walked past the start of scan (the sniffer's part): cameras append data after EOI
//         (a motion photo's video), so a JPEG with a tail is still a JPEG
class image_structure {
 public:
  void feed(std::string_view bytes) noexcept;
  // After the last byte: true when the file is whole and sound for its kind (true for kinds
  // not walked here: JPEG, or what the sniffer refuses anyway).
  [[nodiscard]] bool sound() const noexcept;

 private:
  enum class kind : unsigned char { unknown, png, heif, riff, other };
  void step_png(std::string_view& bytes) noexcept;
  void step_heif(std::string_view& bytes) noexcept;
  kind kind_ = kind::unknown;
  bool broken_ = false;
  std::uint64_t total_ = 0;     // bytes fed
  std::string head_;            // the current header being read (at most 16 bytes)
  std::uint64_t skip_ = 0;      // data bytes of the current chunk or box still to come
  bool to_end_ = false;         // HEIF: a box of size 0 runs to the end
  std::uint32_t crc_ = 0;       // PNG: running CRC-32 of the current chunk's type and data
  bool in_crc_ = false;         // PNG: reading the 4 CRC bytes
  std::uint32_t type_ = 0;      // the current chunk's or box's type
  bool saw_end_ = false;        // PNG: IEND done
  bool saw_meta_ = false;       // HEIF: a "meta" box
  std::uint64_t riff_size_ = 0;
};

// Whole bytes at once (the mobile API's base64 photos).
[[nodiscard]] bool image_structure_sound(std::string_view whole) noexcept;

// A file name extension for a sniffed MIME type ("jpg", "png", "webp", "heic"), for display.
[[nodiscard]] std::string_view image_extension(std::string_view mime) noexcept;

}  // namespace lapor::gateway
