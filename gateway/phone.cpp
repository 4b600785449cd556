#include "gateway/phone.h"

namespace lapor::gateway {

namespace {

// E.164 allows 15 digits; below 8 nothing is a subscriber number anywhere we serve.
constexpr std::size_t min_total_digits = 8;
constexpr std::size_t max_total_digits = 15;
// Indonesian national significant numbers: "211234567" (Jakarta landline, 9) …
// "81234567890" (mobile, 11); the shortest rural landlines have 8, the longest mobiles 12.
constexpr std::size_t min_id_national = 8;
constexpr std::size_t max_id_national = 12;
// Plain mobile numbers as some SMSCs send them: "81234567890" (no 0, no 62).
constexpr std::size_t min_bare_mobile = 9;
constexpr std::size_t max_bare_mobile = 12;
// Longer than this is not someone typing a phone number.
constexpr std::size_t max_raw_length = 64;

bool is_separator(char c) noexcept { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')'; }

std::optional<std::string> indonesian(std::string_view national) {
  // "+62 (0)21 …" and "+62 0812 …" carry the trunk prefix by mistake: drop one 0.
  if (!national.empty() && national.front() == '0') national.remove_prefix(1);
  if (national.size() < min_id_national || national.size() > max_id_national) return std::nullopt;
  // Area codes are 2x…9x, mobiles 8xx; 0 and 1 begin no national number (01x are IDD prefixes).
  if (national.front() == '0' || national.front() == '1') return std::nullopt;
  return "+62" + std::string(national);
}

// The length of the ITU-T E.164 country code `digits` begins with, or 0 when it begins with
// none that is assigned (+999…, +28…, +80…). Codes for services rather than subscribers
// (800 freephone, 808 shared cost, 878 UPT, 888 OCHA, 979 premium rate) count as unassigned:
// no citizen is reached there; satellite and international networks (870, 881–883) are kept,
// because people in remote areas do report from satellite phones.
std::size_t country_code_length(std::string_view d) {
  if (d.empty()) return 0;
  if (d[0] == '1' || d[0] == '7') return 1;
  if (d.size() < 3) return 0;
  static constexpr std::string_view two[] = {"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43",
                                             "44", "45", "46", "47", "48", "49", "51", "52", "53", "54", "55", "56",
                                             "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
                                             "86", "90", "91", "92", "93", "94", "95", "98"};
  for (auto c : two)
    if (d.starts_with(c)) return 2;
  static constexpr std::string_view three[] = {
      "211", "212", "213", "216", "218", "220", "221", "222", "223", "224", "225", "226", "227", "228", "229",
      "230", "231", "232", "233", "234", "235", "236", "237", "238", "239", "240", "241", "242", "243", "244",
      "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255", "256", "257", "258", "260",
      "261", "262", "263", "264", "265", "266", "267", "268", "269", "290", "291", "297", "298", "299", "350",
      "351", "352", "353", "354", "355", "356", "357", "358", "359", "370", "371", "372", "373", "374", "375",
      "376", "377", "378", "379", "380", "381", "382", "383", "385", "386", "387", "389", "420", "421", "423",
      "500", "501", "502", "503", "504", "505", "506", "507", "508", "509", "590", "591", "592", "593", "594",
      "595", "596", "597", "598", "599", "670", "672", "673", "674", "675", "676", "677", "678", "679", "680",
      "681", "682", "683", "685", "686", "687", "688", "689", "690", "691", "692", "850", "852", "853", "855",
      "856", "870", "880", "881", "882", "883", "886", "960", "961", "962", "963", "964", "965", "966", "967",
      "968", "970", "971", "972", "973", "974", "975", "976", "977", "992", "993", "994", "995", "996", "998"};
  for (auto c : three)
    if (d.starts_with(c)) return 3;
  return 0;
}

std::optional<std::string> international(std::string_view digits) {
  if (digits.size() < min_total_digits || digits.size() > max_total_digits) return std::nullopt;
  if (digits.front() == '0') return std::nullopt;  // no country code begins with 0
  // Indonesia first: nearly every sender is +62, and the table scan below costs ~1.4k
  // instructions a number (an MO's sender is read three times).
  if (digits.starts_with("62")) return indonesian(digits.substr(2));
  if (country_code_length(digits) == 0) return std::nullopt;
  // Appended, not "+" + std::string(digits): GCC 12 at -O3 reports that operator+'s insert
  // at 0 may overlap (-Wrestrict, a false positive, GCC PR 105329), and this is one allocation.
  std::string e164;
  e164.reserve(digits.size() + 1);
  e164.append(1, '+').append(digits);
  return e164;
}

}  // namespace

std::optional<std::string> normalize_phone(std::string_view raw) {
  if (raw.size() > max_raw_length) return std::nullopt;
  while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) raw.remove_prefix(1);
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);

  bool plus = false;
  std::string digits;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c == '+' && i == 0) {
      plus = true;
    } else if (!is_separator(c)) {
      return std::nullopt;  // letters (sender IDs like "TELKOMSEL"), '+' inside, anything else
    }
  }
  if (digits.size() < min_total_digits) return std::nullopt;

  if (plus) return international(digits);
  std::string_view d = digits;
  if (d.starts_with("00")) return international(d.substr(2));
  if (d.size() > max_total_digits) return std::nullopt;
  if (d.front() == '0') return indonesian(d.substr(1));
  if (d.starts_with("62")) return indonesian(d.substr(2));
  if (d.front() == '8' && d.size() >= min_bare_mobile && d.size() <= max_bare_mobile) return "+62" + digits;
  return std::nullopt;
}

}  // namespace lapor::gateway
