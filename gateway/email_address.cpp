#include "gateway/email_address.h"

#include <algorithm>

namespace lapor::gateway {

namespace {

bool atext(unsigned char c) {
  if (c >= 0x80) return true;  // UTF-8 (RFC 6531); validity is checked by the caller's text rules
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool ldh(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

bool valid_local(std::string_view l) {
  if (l.empty() || l.size() > 64) return false;
  if (l.front() == '.' || l.back() == '.' || l.find("..") != std::string_view::npos) return false;
  return std::all_of(l.begin(), l.end(), [](char c) { return c == '.' || atext(static_cast<unsigned char>(c)); });
}

bool valid_domain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  std::size_t labels = 0;
  std::string_view last;
  while (true) {
    auto dot = d.find('.');
    auto label = d.substr(0, dot);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return ldh(static_cast<unsigned char>(c)); })) return false;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    d.remove_prefix(dot + 1);
  }
  if (labels < 2) return false;
  return !std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<std::string> normalize_email(std::string_view e) {
  if (e.size() > 254) return std::nullopt;
  const auto at = e.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const auto local = e.substr(0, at), domain = e.substr(at + 1);
  if (!valid_local(local) || !valid_domain(domain)) return std::nullopt;
  std::string out(e);
  for (auto i = at + 1; i < out.size(); ++i) out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
  return out;
}

}  // namespace lapor::gateway
