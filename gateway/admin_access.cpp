#include "gateway/admin_access.h"

#include "gateway/digest.h"
#include "gateway/http_framing.h"

namespace lapor::gateway {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool host_allowed(std::string_view authority, const admin_access_options& o) {
  const auto host = host_without_port(authority);
  if (host.empty()) return false;
  if (host == "localhost" || host == "127.0.0.1" || host == "::1") return true;
  const auto listen = host_without_port(o.listen_host);
  if (!listen.empty() && listen != "0.0.0.0" && listen != "::" && host == listen) return true;
  for (const auto& a : o.allowed_hosts)
    if (host == host_without_port(a)) return true;
  return false;
}

// An authority as compared for an origin: lowercase, without the default port of http.
std::string origin_authority(std::string_view a) {
  std::string s = lower(a);
  if (s.ends_with(":80")) s.resize(s.size() - 3);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// RFC 6454: an origin is scheme, host and port. The admin listener speaks plain HTTP, so a
// page of its own has Origin "http://" + the Host it was fetched from; another port or https
// is another origin (another local service's page), however loopback its host.
bool same_origin(std::string_view origin, std::string_view authority) {
  if (origin.size() <= 7 || lower(origin.substr(0, 7)) != "http://") return false;
  const std::string_view rest = origin.substr(7);
  if (rest.find_first_of("/?#@") != std::string_view::npos) return false;
  return origin_authority(rest) == origin_authority(authority);
}

bool safe_method(std::string_view m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }

// "Bearer <token>" with the scheme in any case (RFC 9110 §11.1).
std::optional<std::string_view> bearer(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  if (v.size() < 7 || lower(v.substr(0, 6)) != "bearer" || (v[6] != ' ' && v[6] != '\t')) return std::nullopt;
  v.remove_prefix(7);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<http_response> check_admin_access(const http_request& req, const admin_access_options& o) {
  const bool health = req.path == "/healthz";
  if (!health && !host_allowed(req.authority, o))
    return http_response::problem(421, "Misdirected Request",
                                  "the admin listener answers only for its own host name (loopback or admin.allowed_hosts)",
                                  {{"Host", "not this listener's host"}});
  if (!o.token.empty() && !health) {
    auto given = req.header("authorization");
    auto token = given ? bearer(*given) : std::nullopt;
    if (!token || !constant_time_equal(*token, o.token)) {
      auto r = http_response::problem(401, "Unauthorized", "this admin listener needs Authorization: Bearer <admin.token>",
                                      {{"Authorization", given ? "wrong token" : "missing"}});
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"lapor-admin\"");
      return r;
    }
  }
  if (safe_method(req.method)) return std::nullopt;
  if (auto origin = req.header("origin")) {
    if (!same_origin(*origin, req.authority) || !host_allowed(req.authority, o))
      return http_response::problem(403, "Forbidden", "cross-origin requests may not change anything on the admin listener",
                                    {{"Origin", "foreign origin"}});
  }
  if (auto site = req.header("sec-fetch-site"); site && *site != "same-origin" && *site != "none")
    return http_response::problem(403, "Forbidden", "cross-site requests may not change anything on the admin listener",
                                  {{"Sec-Fetch-Site", std::string(*site)}});
  const auto ct = lower(req.header("content-type").value_or(""));
  if (!ct.starts_with("application/json") ||
      (ct.size() > 16 && ct[16] != ';' && ct[16] != ' ' && ct[16] != '\t')) {
    auto r = http_response::problem(415, "Unsupported Media Type",
                                    "state-changing admin requests must be sent as Content-Type: application/json",
                                    {{"Content-Type", "expected application/json"}});
    r.headers.emplace_back("Accept-Post", "application/json");
    return r;
  }
  return std::nullopt;
}

}  // namespace lapor::gateway
