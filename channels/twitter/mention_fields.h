// What makes each text a mention fills storable, so the core never refuses a mention for its
// form: a citizen on X gets no error message to act on, and the cursor moves past a refused
// post for good (SPEC §6 "never hide a complaint", §7 "no mention is lost").
//
//   body  "Jalan rusak\x07 di \x1b[31mKm 5" (25,000 characters, X Premium)
//   ->    "Jalan rusak di [31mKm 5 … […]" (20,000 characters), cut = true
//   name  "Dewi\u202e88amhaR"  ->  "Dewi88amhaR"
//
// Rules, the SMS path's (README, SMS "Text"):
//  * form feed and vertical tab become a line break; other C0 controls (NUL, BEL, ESC …),
//    DEL and C1 controls are dropped: they carry nothing a reader sees;
//  * the result is NFC, trimmed (gateway::normalize_text), and measured in code points after
//    that, as the core measures it;
//  * a body longer than the core's limit is cut to it, ending " […]", and flagged (the
//    complaint's `incomplete`); a name, handle or place longer than its limit is cut;
//  * a one-line field (reporter name, handle, place name) also loses format characters (Cf:
//    bidi overrides such as U+202E, zero-width spaces and joiners, as file names do), and its
//    line breaks and tabs become spaces: a display name is not a place to hide text direction.
// Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lapor::twitter {

// The core's limits (gateway::pipeline_options' defaults); a field within them is never refused.
struct field_limits {
  std::size_t body_chars = 20000;
  std::size_t name_chars = 200;
  std::size_t handle_chars = 64;
  std::size_t location_chars = 500;
};

struct fitted_text {
  std::string text;
  bool cut = false;  // longer than the limit: cut (a body ends " […]")
};

// The body of a complaint: controls cleaned, NFC, at most `max_chars` code points.
[[nodiscard]] fitted_text fit_body(std::string_view text, std::size_t max_chars);
// A one-line field (name, handle, place): as fit_body, without format characters or line
// breaks, cut without a marker.
[[nodiscard]] fitted_text fit_line(std::string_view text, std::size_t max_chars);

}  // namespace lapor::twitter
