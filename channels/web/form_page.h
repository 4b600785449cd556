// The web form's pages (Bahasa Indonesia): plain HTML and one inline stylesheet, no
// JavaScript, readable on a 320 px wide phone, labelled for screen readers (every input has
// a <label>; hints and errors are tied to it with aria-describedby; an error summary at the
// top links to each field). Pure functions; every value shown is HTML-escaped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "channels/web/form_input.h"
#include "gateway/complaint_status.h"

namespace lapor::web {

struct page_limits {
  std::size_t max_photos = 5;
  std::size_t max_photo_bytes = 6 * 1024 * 1024;
};

// GET / and an invalid POST /lapor: the form, filled with `v`, errors beside their fields.
// `photos_dropped`: photos were sent with an invalid form and must be chosen again.
[[nodiscard]] std::string form_page(const form_values& v, const std::vector<field_error>& errors,
                                    const page_limits& limits, bool photos_dropped);

// After the commit: the tracking ID, large, with a link to its status page.
[[nodiscard]] std::string success_page(std::string_view tracking_id, bool already_received, std::size_t photos);

// GET /status/{id}: state and dates only, never content or identity.
[[nodiscard]] std::string status_page(const gateway::complaint_status& s);
// GET /status and an unknown/invalid ID: a box to type the ID; `message` explains (may be "").
[[nodiscard]] std::string status_lookup_page(std::string_view typed, std::string_view message);

// A short page for refusals that are not about one field (429, 503, 413, 400, 415).
[[nodiscard]] std::string message_page(std::string_view title, std::string_view message);

[[nodiscard]] std::string html_escape(std::string_view s);
// "22 November 2026" for "2026-11-22"; the input when it is not a date.
[[nodiscard]] std::string indonesian_date(std::string_view yyyy_mm_dd);
// "22 November 2026 pukul 17.15 WIB" (Asia/Jakarta, UTC+7, no DST).
[[nodiscard]] std::string jakarta_time(std::int64_t ms_since_epoch);

}  // namespace lapor::web
