#include "gateway/http_router.h"

namespace lapor::gateway {

namespace {
std::vector<std::string_view> split_path(std::string_view p) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < p.size()) {
    while (i < p.size() && p[i] == '/') ++i;
    auto j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (j > i) out.push_back(p.substr(i, j - i));
    i = j;
  }
  return out;
}
// RFC 3986 §6.2.2.2: a percent-encoded unreserved character (ALPHA / DIGIT / "-" / "." / "_"
// / "~") is the character itself; "/api/v1/%72eports" is "/api/v1/reports". Other escapes
// (%2F, %20, …) stay as they are.
std::string without_unreserved_escapes(std::string_view p) {
  const auto hex = hex_value;
  std::string out;
  out.reserve(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '%' && i + 2 < p.size() && hex(p[i + 1]) >= 0 && hex(p[i + 2]) >= 0) {
      const char c = static_cast<char>(hex(p[i + 1]) * 16 + hex(p[i + 2]));
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
          c == '~') {
        out.push_back(c);
        i += 2;
        continue;
      }
    }
    out.push_back(p[i]);
  }
  return out;
}

// The methods of RFC 9110 §9 (and PATCH): another token is a method this server does not know.
bool known_method(std::string_view m) {
  for (const char* k : {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
    if (m == k) return true;
  return false;
}

}  // namespace

void http_router::add(std::string method, std::string pattern, route_handler h) {
  route r{std::move(method), {}, std::move(h)};
  for (auto s : split_path(pattern)) r.segments.emplace_back(s);
  routes_.push_back(std::move(r));
}

bool http_router::match(const route& r, const std::vector<std::string_view>& path, route_params& params) {
  if (r.segments.size() != path.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto& seg = r.segments[i];
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      auto decoded = percent_decode(path[i], false);
      if (!decoded) return false;
      params.emplace(seg.substr(1, seg.size() - 2), std::move(*decoded));
    } else if (seg != path[i]) {
      return false;
    }
  }
  return true;
}

std::string http_router::all_methods() const {
  std::string out;
  for (const auto& r : routes_) {
    if (out.find(r.method) != std::string::npos) continue;
    if (!out.empty()) out += ", ";
    out += r.method;
    if (r.method == "GET") out += ", HEAD";
  }
  return out;
}

void http_router::handle(http_request&& req, http_responder respond) const {
  // Methods are case-sensitive (RFC 9110 §9.1): "Get" or "FOO" is not implemented here (501),
  // where a known method on the wrong resource is 405.
  if (!known_method(req.method))
    return respond(http_response::problem(501, "Not Implemented", "the method is not implemented by this server"));
  if (req.path.find('%') != std::string::npos) req.path = without_unreserved_escapes(req.path);
  const auto path = split_path(req.path);
  const bool head = req.method == "HEAD";
  std::string allow;
  route_params params;
  for (const auto& r : routes_) {
    if (!match(r, path, params)) continue;
    if (r.method == req.method || (head && r.method == "GET")) {
      if (head) {
        auto inner = std::move(respond);
        respond = [inner](http_response res) {
          res.head_only = true;
          inner(std::move(res));
        };
      }
      r.handler(std::move(req), params, std::move(respond));
      return;
    }
    if (allow.find(r.method) == std::string::npos) {
      if (!allow.empty()) allow += ", ";
      allow += r.method;
      if (r.method == "GET") allow += ", HEAD";
    }
  }
  // RFC 9110 §9.3.7: OPTIONS asks which methods a resource (or, for "*", the server) allows.
  if (req.method == "OPTIONS" && (req.path == "*" || !allow.empty())) {
    if (req.path == "*") allow = all_methods();
    http_response res;
    res.status = 204;
    res.content_type.clear();  // no content, so no type
    res.headers.emplace_back("Allow", allow.empty() ? std::string("OPTIONS") : allow + ", OPTIONS");
    return respond(std::move(res));
  }
  if (!allow.empty()) {
    auto res = http_response::problem(405, "Method Not Allowed", req.method + " is not allowed on " + req.path);
    res.headers.emplace_back("Allow", allow + ", OPTIONS");
    return respond(std::move(res));
  }
  respond(http_response::problem(404, "Not Found", "no resource at " + req.path));
}

}  // namespace lapor::gateway
