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

std::optional<std::string> international(std::string_view digits) {
  if (digits.size() < min_total_digits || digits.size() > max_total_digits) return std::nullopt;
  if (digits.front() == '0') return std::nullopt;  // no country code begins with 0
  if (digits.starts_with("62")) return indonesian(digits.substr(2));
  return "+" + std::string(digits);
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
