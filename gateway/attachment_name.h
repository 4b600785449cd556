// The display name of a stored photo, from what a client sent ("C:\foto\sampah.jpg",
// "../../etc/x.jpg", "", "."): one rule for the web form and the mobile API, so no channel
// forwards a path, a control character or a name that means a directory to the dispatcher
// (which may write attachments to disk under these names).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lapor::gateway {

// The base name after the last '/' or '\', with invalid UTF-8 replaced (U+FFFD), C0/C1
// controls, DEL and bidirectional overrides removed, surrounding spaces trimmed and cut to 200
// bytes at a character boundary; when nothing sensible is left (empty, ".", "..", only dots)
// "foto-<index+1>.<ext of mime>".
[[nodiscard]] std::string safe_attachment_name(std::string_view sent, std::size_t index, std::string_view mime);

}  // namespace lapor::gateway
