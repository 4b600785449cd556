#include "channels/sms/keywords.h"

#include <algorithm>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "gateway/tracking_id.h"

namespace lapor::sms {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
// After a keyword: "INFO jadwal", "INFO: jadwal", "INFO, jadwal", "Aspirasi. …", "INFO#jadwal".
bool is_separator(char c) { return is_space(c) || c == '#' || c == ':' || c == ',' || c == '.' || c == ';'; }
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

// A typed tracking ID as phones write it: smart dashes (gateway::id_dash_length) as '-', and the
// quotes and sentence marks around it ("LPR-….", “LPR-…”, 'LPR-…'?) dropped.
std::string plain_id_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (const auto dash = gateway::id_dash_length(s, i)) {
      out.push_back('-');
      i += dash - 1;
      continue;
    }
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        static_cast<unsigned char>(s[i + 2]) >= 0x98 && static_cast<unsigned char>(s[i + 2]) <= 0x9F) {
      out.push_back(' ');  // U+2018 … U+201F: curly quotes
      i += 2;
      continue;
    }
    out.push_back(std::string_view("\"'`.,!?;()[]<>").find(static_cast<char>(c)) == std::string_view::npos
                      ? static_cast<char>(c)
                      : ' ');
  }
  return out;
}

// The tracking ID a status query names, or nullopt when what follows the keyword is not one
// ("Cek jalan rusak"). The ID may be followed by other words ("CEK LPR-… terima kasih") and
// written in up to four space-separated groups ("LPR 7K3D 9QX2 M"): the longest run of leading
// words that is a valid ID wins; else the first word if it looks like one (then the reply says
// the ID is not valid rather than filing the query as a complaint).
std::optional<std::string> queried_id(std::string_view rest, const std::function<bool(std::string_view)>& is_tracking_id) {
  std::string plain = plain_id_text(rest);
  std::string_view t = trim(plain);
  if (starts_with_ci(t, "status") && (t.size() == 6 || is_separator(t[6]))) t = trim(t.substr(6));  // "Cek status LPR-…"
  if (t.empty()) return std::string();
  std::vector<std::string_view> words;
  for (std::size_t at = 0; at < t.size() && words.size() < 5;) {
    while (at < t.size() && is_space(t[at])) ++at;
    std::size_t end = at;
    while (end < t.size() && !is_space(t[end])) ++end;
    if (end > at) words.push_back(t.substr(at, end - at));
    at = end;
  }
  // The first n words with what lies between them, as typed.
  const auto joined = [&](std::size_t n) {
    return t.substr(0, static_cast<std::size_t>(words[n - 1].data() + words[n - 1].size() - t.data()));
  };
  if (is_tracking_id)
    for (std::size_t n = words.size(); n >= 1; --n)
      if (is_tracking_id(joined(n))) return std::string(joined(n));
  if (words.size() == 1 || !is_tracking_id) {
    if (looks_like_id(t)) return std::string(t);
  }
  if (!words.empty() && looks_like_id(words[0])) return std::string(words[0]);
  return std::nullopt;
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
  // "#INFO …", "#cek LPR-…": a hashtag habit.
  const std::string_view bare = text.starts_with('#') ? trim(text.substr(1)) : text;
  for (const auto& k : keywords) {
    auto rest = after_keyword(bare, k.lower);
    if (!rest) continue;
    if (k.intent == sms_intent::status_query) {
      auto id = queried_id(*rest, is_tracking_id);
      if (!id) break;  // "Cek jalan rusak": a complaint
      return sms_command{k.intent, k.kind, std::move(*id), k.name};
    }
    return sms_command{k.intent, k.kind, std::string(*rest), k.name};
  }
  // "LPR-3KQ7-W8ND-2 kapan?" without CEK: a citizen asking after a report, when it begins with
  // a valid tracking ID and says at most three words more (an ID failing its check symbol, or a
  // longer text, stays a report; the dedup links a report naming the citizen's own ID).
  if (is_tracking_id && !bare.empty()) {
    std::size_t words = 0;
    for (std::size_t i = 0; i < bare.size();) {
      while (i < bare.size() && is_space(bare[i])) ++i;
      if (i < bare.size()) ++words;
      while (i < bare.size() && !is_space(bare[i])) ++i;
    }
    if (auto id = queried_id(bare, is_tracking_id); id && !id->empty() && is_tracking_id(*id)) {
      const auto id_words = static_cast<std::size_t>(std::count(id->begin(), id->end(), ' ')) + 1;  // "LPR 7K3D 9QX2 M"
      if (words <= id_words + 3)
        return sms_command{sms_intent::status_query, gateway::complaint_kind::complaint, std::move(*id), {}};
    }
  }
  return sms_command{sms_intent::report, gateway::complaint_kind::complaint, std::string(text), {}};
}

}  // namespace lapor::sms
