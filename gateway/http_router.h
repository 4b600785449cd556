// Routes (method, path pattern) to handlers. Patterns are literal segments and `{name}`
// captures: "/admin/outbox/{id}/retry". Unknown path -> 404; known path, other method ->
// 405 with Allow; HEAD is served by the GET route without a body.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "gateway/http_types.h"

namespace lapor::gateway {

using route_params = std::map<std::string, std::string, std::less<>>;
using route_handler = std::function<void(http_request&&, const route_params&, http_responder)>;

class http_router {
 public:
  void add(std::string method, std::string pattern, route_handler h);
  // The handler to give to an http_server.
  void handle(http_request&& req, http_responder respond) const;

 private:
  // Every method some route answers ("GET, HEAD, POST"), for OPTIONS *.
  [[nodiscard]] std::string all_methods() const;
  struct route {
    std::string method;
    std::vector<std::string> segments;
    route_handler handler;
  };
  [[nodiscard]] static bool match(const route& r, const std::vector<std::string_view>& path, route_params& params);
  std::vector<route> routes_;
};

}  // namespace lapor::gateway
