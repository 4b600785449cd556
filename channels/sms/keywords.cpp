#include "channels/sms/keywords.h"

#include <array>
#include <optional>

namespace lapor::sms {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_separator(char c) { return is_space(c) || c == '#' || c == ':'; }
bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool starts_with_ci(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i)
    if (lower(s[i]) != lower_prefix[i]) return false;
  return true;
}

// The text after `keyword` when `s` starts with it as a whole word.
std::optional<std::string_view> after_keyword(std::string_view s, std::string_view lower_keyword) {
  if (!starts_with_ci(s, lower_keyword)) return std::nullopt;
  std::string_view rest = s.substr(lower_keyword.size());
  if (!rest.empty() && !is_separator(rest.front())) return std::nullopt;
  while (!rest.empty() && is_separator(rest.front())) rest.remove_prefix(1);
  return trim(rest);
}

bool looks_like_id(std::string_view s) {
  if (starts_with_ci(s, "lpr")) {
    for (char c : s)
      if (!is_alnum(c) && !is_space(c) && c != '-') return false;
    return true;
  }
  std::size_t alnum = 0;
  bool digit = false;
  for (char c : s) {
    if (is_alnum(c)) {
      ++alnum;
      digit = digit || is_digit(c);
    } else if (c != '-') {
      return false;  // spaces included: more than one word
    }
  }
  return digit && alnum >= 6 && alnum <= 13;
}

struct keyword_entry {
  std::string_view lower;
  std::string_view name;
  sms_intent intent;
  gateway::complaint_kind kind;
};

constexpr std::array<keyword_entry, 4> keywords = {{
    {"info", "INFO", sms_intent::report, gateway::complaint_kind::information_request},
    {"aspirasi", "ASPIRASI", sms_intent::report, gateway::complaint_kind::aspiration},
    {"status", "STATUS", sms_intent::status_query, gateway::complaint_kind::complaint},
    {"cek", "CEK", sms_intent::status_query, gateway::complaint_kind::complaint},
}};

}  // namespace

sms_command parse_keywords(std::string_view utf8, const std::function<bool(std::string_view)>& is_tracking_id) {
  const std::string_view text = trim(utf8);
  for (const auto& k : keywords) {
    auto rest = after_keyword(text, k.lower);
    if (!rest) continue;
    if (k.intent == sms_intent::status_query) {
      const bool query = rest->empty() || (is_tracking_id && is_tracking_id(*rest)) || looks_like_id(*rest);
      if (!query) break;  // "Cek jalan rusak": a complaint
    }
    return sms_command{k.intent, k.kind, std::string(*rest), k.name};
  }
  return sms_command{sms_intent::report, gateway::complaint_kind::complaint, std::string(text), {}};
}

}  // namespace lapor::sms
