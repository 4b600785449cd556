// The admin listener's guard against browsers on the same host (DNS rebinding, cross-site
// POST) and the optional bearer token, as a table.
#include "gateway/admin_access.h"

#include <doctest/doctest.h>

using namespace lapor::gateway;

namespace {

http_request req(std::string method, std::string path, std::string host,
                 std::vector<std::pair<std::string, std::string>> extra = {}) {
  http_request r;
  r.method = std::move(method);
  r.path = r.target = std::move(path);
  r.authority = host;
  r.headers = {{"host", host}};
  for (auto& h : extra) r.headers.push_back(std::move(h));
  return r;
}

int status_of(const http_request& r, const admin_access_options& o) {
  auto refusal = check_admin_access(r, o);
  return refusal ? refusal->status : 0;
}

}  // namespace

TEST_CASE("admin access: Host must be this listener's (DNS rebinding gets 421)") {
  admin_access_options o{"127.0.0.1", {"ops.lapor.internal"}, ""};
  CHECK(status_of(req("GET", "/admin/outbox", "127.0.0.1:9090"), o) == 0);
  CHECK(status_of(req("GET", "/admin/outbox", "localhost:9090"), o) == 0);
  CHECK(status_of(req("GET", "/admin/outbox", "LOCALHOST"), o) == 0);
  CHECK(status_of(req("GET", "/admin/outbox", "[::1]:9090"), o) == 0);
  CHECK(status_of(req("GET", "/admin/outbox", "ops.lapor.internal:9090"), o) == 0);
  CHECK(status_of(req("GET", "/metrics", "evil.example:9090"), o) == 421);
  CHECK(status_of(req("GET", "/admin/complaints/LPR-1", "attacker.test"), o) == 421);
  CHECK(status_of(req("GET", "/admin/outbox", ""), o) == 421);
  CHECK(status_of(req("GET", "/healthz", "evil.example"), o) == 0);  // liveness reveals nothing
  admin_access_options mgmt{"10.9.8.7", {}, ""};
  CHECK(status_of(req("GET", "/metrics", "10.9.8.7:9090"), mgmt) == 0);
  admin_access_options any{"0.0.0.0", {}, ""};
  CHECK(status_of(req("GET", "/metrics", "0.0.0.0:9090"), any) == 421);
}

TEST_CASE("admin access: state-changing requests need JSON and no foreign Origin") {
  admin_access_options o{"127.0.0.1", {}, ""};
  const std::pair<std::string, std::string> json{"content-type", "application/json"};
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {json}), o) == 0);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {{"content-type", "application/json; charset=utf-8"}}), o) == 0);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {{"content-type", "text/plain"}}), o) == 415);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {{"content-type", "application/x-www-form-urlencoded"}}), o) == 415);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {{"content-type", "application/jsonp"}}), o) == 415);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090"), o) == 415);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {json, {"origin", "https://evil.example"}}), o) == 403);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {json, {"origin", "null"}}), o) == 403);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {json, {"origin", "http://127.0.0.1:9090"}}), o) == 0);
  // An origin is scheme, host and port (RFC 6454): another local service's page is foreign.
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {json, {"origin", "http://127.0.0.1:1"}}), o) == 403);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {json, {"origin", "https://127.0.0.1:9090"}}), o) == 403);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {json, {"origin", "http://localhost"}}), o) == 403);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {json, {"origin", "HTTP://127.0.0.1:9090"}}), o) == 0);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "localhost", {json, {"origin", "http://localhost:80"}}), o) == 0);
  CHECK(status_of(req("POST", "/admin/outbox/1/retry", "127.0.0.1:9090", {json, {"sec-fetch-site", "cross-site"}}), o) == 403);
  CHECK(status_of(req("DELETE", "/admin/outbox/1", "127.0.0.1:9090", {{"content-type", "text/plain"}}), o) == 415);
  CHECK(status_of(req("GET", "/admin/outbox", "127.0.0.1:9090", {{"origin", "https://evil.example"}}), o) == 0);
}

TEST_CASE("admin access: admin.token, when set, on every route but /healthz") {
  admin_access_options o{"127.0.0.1", {}, "s3cr3t-t0ken"};
  CHECK(status_of(req("GET", "/healthz", "127.0.0.1"), o) == 0);
  CHECK(status_of(req("GET", "/metrics", "127.0.0.1"), o) == 401);
  CHECK(status_of(req("GET", "/readyz", "127.0.0.1"), o) == 401);
  CHECK(status_of(req("GET", "/metrics", "127.0.0.1", {{"authorization", "Bearer wrong"}}), o) == 401);
  CHECK(status_of(req("GET", "/metrics", "127.0.0.1", {{"authorization", "Bearer s3cr3t-t0ken"}}), o) == 0);
  CHECK(status_of(req("GET", "/metrics", "127.0.0.1", {{"authorization", "bearer s3cr3t-t0ken"}}), o) == 0);
  CHECK(status_of(req("GET", "/metrics", "127.0.0.1", {{"authorization", "Basic s3cr3t-t0ken"}}), o) == 401);
  CHECK(status_of(req("GET", "/metrics", "127.0.0.1", {{"authorization", "Bearer s3cr3t-t0ke"}}), o) == 401);
  auto refused = check_admin_access(req("GET", "/admin/outbox", "127.0.0.1"), o);
  REQUIRE(refused);
  bool challenge = false;
  for (auto& [k, v] : refused->headers) challenge = challenge || (k == "WWW-Authenticate" && v.starts_with("Bearer"));
  CHECK(challenge);
}
