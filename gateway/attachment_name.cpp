#include "gateway/attachment_name.h"

#include <utf8proc.h>

#include "gateway/image_type.h"
#include "gateway/text.h"

namespace lapor::gateway {

namespace {

constexpr std::size_t max_name_bytes = 200;

// Code points that must not be in a file name shown to people or written to disk: controls
// (C0, DEL, C1), format characters (Cf: direction marks and overrides that show "gpj.exe" as
// "exe.jpg", U+061C, zero-width spaces and joiners, U+FEFF), line and paragraph separators
// (U+2028/9, which break a line in a log or a listing), surrogates and private-use characters.
bool unwanted(std::string_view seq) {
  utf8proc_int32_t cp = 0;
  if (utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(seq.data()), static_cast<utf8proc_ssize_t>(seq.size()),
                       &cp) <= 0)
    return true;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string safe_attachment_name(std::string_view sent, std::size_t index, std::string_view mime) {
  if (auto slash = sent.find_last_of("/\\"); slash != std::string_view::npos) sent = sent.substr(slash + 1);
  std::string clean;
  for (std::size_t i = 0; i < sent.size();) {
    const auto n = utf8_sequence_at(sent, i);
    if (n == 0) {
      if (clean.size() + 3 > max_name_bytes) break;
      clean += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    const auto seq = sent.substr(i, n);
    i += n;
    if (unwanted(seq)) continue;
    if (clean.size() + n > max_name_bytes) break;
    clean += seq;
  }
  while (!clean.empty() && clean.front() == ' ') clean.erase(0, 1);
  while (!clean.empty() && clean.back() == ' ') clean.pop_back();
  if (clean.find_first_not_of('.') == std::string::npos)  // "", ".", "..", "…"
    return "foto-" + std::to_string(index + 1) + "." + std::string(image_extension(mime));
  return clean;
}

}  // namespace lapor::gateway
