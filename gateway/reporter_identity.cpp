#include "gateway/reporter_identity.h"

#include <algorithm>
#include <array>

#include "gateway/phone.h"

namespace lapor::gateway {

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

std::string email_identity(std::string_view email) {
  std::string e;
  e.reserve(email.size());
  for (char c : email) e.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  const auto at = e.rfind('@');
  if (at == std::string::npos) return "mailto:" + e;
  std::string local = e.substr(0, at), domain = e.substr(at + 1);
  if (const auto plus = local.find('+'); plus != std::string::npos && plus > 0) local.resize(plus);
  if (domain == "googlemail.com") domain = "gmail.com";
  if (domain == "gmail.com") local.erase(std::remove(local.begin(), local.end(), '.'), local.end());
  return "mailto:" + local + "@" + domain;
}

std::string phone_identity(std::string_view e164) { return "tel:" + std::string(e164); }

std::string twitter_identity(std::string_view handle) {
  if (!handle.empty() && handle.front() == '@') handle.remove_prefix(1);
  std::string h = "twitter:";
  for (char c : handle) h.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  return h;
}

std::string twitter_account_identity(std::string_view author_id) { return "twitter-id:" + std::string(author_id); }

std::vector<std::string> contact_phones_in_text(std::string_view text) {
  // A contact marker, then within a few characters a number starting 08, 628 or +628.
  static constexpr std::array<std::string_view, 10> markers = {"hub", "wa", "hp", "telp", "tlp",
                                                               "kontak", "no", "nomor", "nmr", "call"};
  std::vector<std::string> out;
  std::string lower(text.size(), ' ');
  for (std::size_t i = 0; i < text.size(); ++i)
    lower[i] = static_cast<char>(text[i] >= 'A' && text[i] <= 'Z' ? text[i] - 'A' + 'a' : text[i]);
  for (std::size_t i = 0; i < lower.size(); ++i) {
    if (!(lower[i] == '0' || lower[i] == '+' || lower[i] == '6')) continue;
    if (i > 0 && (is_digit(lower[i - 1]) || lower[i - 1] == '+')) continue;
    std::size_t j = i;
    while (j < lower.size() && (is_digit(lower[j]) || lower[j] == '+' || lower[j] == '-' || lower[j] == '.' ||
                                (lower[j] == ' ' && j + 1 < lower.size() && is_digit(lower[j + 1]))))
      ++j;
    const std::string_view candidate = std::string_view(text).substr(i, j - i);
    std::string compact;
    for (char c : candidate)
      if (is_digit(c) || c == '+') compact.push_back(c);
    const bool mobile = compact.starts_with("08") || compact.starts_with("628") || compact.starts_with("+628");
    if (!mobile) {
      i = j;
      continue;
    }
    // The marker must come right before (up to 12 characters of ':', ' ', '.', '/').
    const std::size_t from = i > 16 ? i - 16 : 0;
    const std::string_view before = std::string_view(lower).substr(from, i - from);
    bool marked = false;
    for (auto m : markers) {
      const auto pos = before.rfind(m);
      if (pos == std::string_view::npos) continue;
      const bool word_start = pos + from == 0 || !(lower[pos + from - 1] >= 'a' && lower[pos + from - 1] <= 'z');
      bool only_punct = true;
      for (std::size_t k = pos + m.size(); k < before.size(); ++k) {
        const char c = before[k];
        if (!(c == ' ' || c == ':' || c == '.' || c == '/' || c == '-' || c == '=' || (c >= 'a' && c <= 'z'))) only_punct = false;
      }
      if (word_start && only_punct) marked = true;
    }
    if (marked)
      if (auto p = normalize_phone(candidate)) {
        if (std::find(out.begin(), out.end(), *p) == out.end()) out.push_back(*p);
      }
    i = j;
  }
  return out;
}

std::string mask_identity(std::string_view key) {
  const auto colon = key.find(':');
  const std::string_view kind = key.substr(0, colon == std::string_view::npos ? 0 : colon + 1);
  const std::string_view v = key.substr(kind.size());
  std::string out(kind);
  if (kind == "tel:" && v.size() > 8) {
    out.append(v.substr(0, 6));
    out.append(v.size() - 9, '*');
    out.append(v.substr(v.size() - 3));
  } else if (kind == "mailto:") {
    const auto at = v.find('@');
    out.append(v.substr(0, std::min<std::size_t>(2, at == std::string_view::npos ? v.size() : at)));
    out.append("***");
    if (at != std::string_view::npos) out.append(v.substr(at));
  } else {
    out.append(v.substr(0, std::min<std::size_t>(3, v.size())));
    out.append("***");
  }
  return out;
}

}  // namespace lapor::gateway
