// Who may talk to the admin listener. It is meant for operators on the host (or a management
// network), but a browser on the same host can reach loopback too: a page on any web site can
// POST to http://127.0.0.1:9090/… (a "simple" cross-site request needs no CORS preflight), and
// DNS rebinding lets a page read answers by pointing its own name at 127.0.0.1. So, on every
// request, before routing:
//
//   Host      must name the listen host, a loopback name (localhost, 127.0.0.1, [::1]) or one
//             of admin.allowed_hosts -> else 421 (defeats DNS rebinding: the page's Host is
//             its own name);
//   token     when admin.token is set, "Authorization: Bearer <token>" on every route but
//             /healthz -> else 401 (compared in constant time);
//   POST etc. a foreign Origin (or "null"), Sec-Fetch-Site cross-site/same-site -> 403; a
//             Content-Type other than application/json -> 415 (a browser sends JSON
//             cross-site only after a preflight, which this listener never grants).
//
// Pure: a function of the request and the options, unit-tested without sockets.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gateway/http_types.h"

namespace lapor::gateway {

struct admin_access_options {
  std::string listen_host;                 // admin.listen's host ("127.0.0.1"; "0.0.0.0" adds nothing)
  std::vector<std::string> allowed_hosts;  // admin.allowed_hosts
  std::string token;                       // admin.token; empty: no token required
};

// nullopt when the request may be routed; else the answer to send instead.
[[nodiscard]] std::optional<http_response> check_admin_access(const http_request& req, const admin_access_options& o);

}  // namespace lapor::gateway
