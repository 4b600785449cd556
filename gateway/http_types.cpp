#include "gateway/http_types.h"

#include <unistd.h>

#include <boost/json/value.hpp>

#include "gateway/json_out.h"
#include "gateway/text.h"

namespace lapor::gateway {

spooled_body::~spooled_body() { ::unlink(path_.c_str()); }

std::optional<std::string_view> http_request::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return std::string_view(v);
  return std::nullopt;
}

std::size_t http_request::header_count(std::string_view lower_name) const {
  std::size_t n = 0;
  for (const auto& [k, v] : headers) n += k == lower_name ? 1 : 0;
  return n;
}

std::optional<std::string> http_request::query_param(std::string_view name) const {
  auto pairs = parse_urlencoded(query);
  if (!pairs) return std::nullopt;
  for (auto& [k, v] : *pairs)
    if (k == name) return std::move(v);
  return std::nullopt;
}

http_response http_response::text(int status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http_response http_response::json(int status, std::string body) {
  http_response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

http_response http_response::problem(int status, std::string_view title, std::string_view detail,
                                     const std::vector<std::pair<std::string, std::string>>& errors) {
  // Details may echo what a client sent (a path, a field or file name): Boost.JSON writes
  // strings as they are, so bytes that are not UTF-8 would make the answer invalid JSON.
  boost::json::object o;
  o["type"] = "about:blank";
  o["title"] = scrub_utf8(title);
  o["status"] = status;
  o["detail"] = scrub_utf8(detail);
  if (!errors.empty()) {
    boost::json::array a;
    for (const auto& [field, message] : errors)
      a.push_back(boost::json::object{{"field", scrub_utf8(field)}, {"message", scrub_utf8(message)}});
    o["errors"] = std::move(a);
  }
  http_response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = serialize_json(o);
  return r;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

namespace {
}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_urlencoded(std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!s.empty()) {
    auto amp = s.find('&');
    std::string_view part = s.substr(0, amp);
    s = amp == std::string_view::npos ? std::string_view{} : s.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    auto k = percent_decode(part.substr(0, eq), true);
    auto v = percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1), true);
    if (!k || !v) return std::nullopt;
    out.emplace_back(std::move(*k), std::move(*v));
  }
  return out;
}

}  // namespace lapor::gateway
