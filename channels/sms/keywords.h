// What a citizen's SMS asks for, from its first word (Bahasa Indonesia keywords).
//
//   "INFO jadwal posyandu"       -> report, information_request, body "jadwal posyandu"
//   "INFO"                       -> report, information_request, body "" (caller sends help)
//   "aspirasi: taman kota"       -> report, aspiration, body "taman kota"
//   "STATUS LPR-7K3D-9QX2-M"     -> status_query, text "LPR-7K3D-9QX2-M"
//   "cek 7k3d9qx2m"              -> status_query, text "7k3d9qx2m"
//   "Jalan rusak di km 5"        -> report, complaint, body = the whole text
//   "Cek jalan rusak di km 5"    -> report, complaint (the words after CEK are not an ID)
//
// Keywords are matched case-insensitively after leading whitespace, as a whole word: the
// keyword must be followed by whitespace, '#', ':' or the end ("INFORMASI ..." is a
// complaint). Separators after the keyword are skipped; the body is trimmed.
//
// STATUS / CEK are a status query only when what follows is empty (the caller sends usage
// help), passes `is_tracking_id` (when given), or looks like a typed ID: "LPR" followed by
// letters, digits, spaces and hyphens, or one word of 6..13 letters/digits/hyphens with at
// least one digit. Anything else after STATUS / CEK is an ordinary complaint, so "Cek jalan
// ..." ("check the road ...") is not lost as a bad status query.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "gateway/complaint.h"

namespace lapor::sms {

enum class sms_intent { report, status_query };

struct sms_command {
  sms_intent intent = sms_intent::report;
  gateway::complaint_kind kind = gateway::complaint_kind::complaint;  // for reports
  std::string text;          // report: the body; status_query: the ID as typed (trimmed)
  std::string_view keyword;  // "INFO", "ASPIRASI", "STATUS", "CEK", or empty
  friend bool operator==(const sms_command&, const sms_command&) = default;
};

// `utf8` is the decoded message text. `is_tracking_id` (optional) recognises a valid ID,
// e.g. [&](std::string_view s) { return codec.canonical(s).has_value(); }.
[[nodiscard]] sms_command parse_keywords(std::string_view utf8,
                                         const std::function<bool(std::string_view)>& is_tracking_id = {});

}  // namespace lapor::sms
