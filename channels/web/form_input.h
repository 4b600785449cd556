// The web form's fields (SPEC §7 Web) as values, and the way they become a submission.
// Pure: no I/O, so the table of cases in tests/web runs without sockets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/channel.h"
#include "gateway/complaint.h"
#include "gateway/text.h"

namespace lapor::web {

// What the citizen typed, kept as typed so an invalid form comes back filled in.
struct form_values {
  std::string title, body, kind = "complaint", name, phone, email, location, nonce;
  bool anonymous = false, confidential = false;
};

// A refusal beside one form field ("title", "body", "kind", "name", "phone", "email",
// "location", "photos"), or "" for the whole form (e.g. an expired nonce).
struct field_error {
  std::string field;
  std::string message;  // Bahasa Indonesia
};

// Reads the text fields of an urlencoded or multipart body. Unknown names are ignored; a
// field sent twice keeps its first value. Invalid UTF-8 is refused beside its field (and
// kept, with U+FFFD in place of the bad bytes, for showing it again).
void read_form_fields(const std::vector<std::pair<std::string, std::string>>& pairs, form_values& out,
                      std::vector<field_error>& errors);

// The submission for valid values (channel web; idempotency key set by the caller).
[[nodiscard]] gateway::submission to_submission(const form_values& v);

// The form field a core rejection names ("reporter.phone" -> "phone", "location.text" ->
// "location", "attachments" -> "photos"); "" when it is not one of the form's fields.
[[nodiscard]] std::string form_field_of(std::string_view core_field);

// A core message without its English gloss: "… wajib diisi (body is required)" -> "… wajib diisi".
[[nodiscard]] std::string without_gloss(std::string_view message);

// Every field a core rejection names (its first and its more_errors), as the form's fields with
// the messages without their gloss, appended to `errors`.
void add_rejection(const gateway::submit_result& rejection, std::vector<field_error>& errors);

using gateway::scrub_utf8;

}  // namespace lapor::web
