// What a retry of a mobile report must repeat to be one (SPEC §7: the same key with the same
// body gets the same answer): the report's content as read — its fields, the device and every
// photo's bytes and name — not the bytes of the request. An app rebuilds a retry (a new
// signature timestamp, a new multipart boundary from OkHttp or URLSession, members in another
// order or spacing), so a digest of the raw body called a faithful retry a key reused for
// another request (422).
#pragma once

#include <string>
#include <string_view>

#include "gateway/complaint.h"

namespace lapor::mobile {

// SHA-256 (hex) of `s`'s title, body, kind, reporter, flags, location and attachments (their
// SHA-256 and safe name), and `device_id`, each length-prefixed.
[[nodiscard]] std::string report_fingerprint(const gateway::submission& s, std::string_view device_id);

}  // namespace lapor::mobile
