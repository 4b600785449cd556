// One HTTP/1.1 listener (Boost.Beast) serving a handler: used by the admin listener and by
// the public listener that carries the web form and the mobile API.
//
// Each connection has its own strand, reads one request at a time (keep-alive), and bounds
// everything: header and body size (413/431), time to send the header and the body (a
// slowloris is cut off and does not hold a worker), idle keep-alive time, and the number of
// open connections (beyond it new connections get 503 and are closed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "gateway/config.h"
#include "gateway/http_types.h"

namespace boost::asio {
class io_context;
}

namespace lapor::gateway {

struct http_limits {
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 1024 * 1024;
  int header_timeout_ms = 10000;   // from the first byte of a request to the end of its header
  int body_timeout_ms = 60000;     // to receive the body
  int idle_timeout_ms = 30000;     // keep-alive wait between requests
  int write_timeout_ms = 30000;
  std::size_t max_connections = 4096;
};

class http_server {
 public:
  // Binds at once (throws std::runtime_error naming the address when it cannot).
  http_server(boost::asio::io_context& io, std::string name, const listen_address& where, http_limits limits,
              http_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  void start();
  // Stops accepting; open connections finish their current request and close.
  void stop();
  [[nodiscard]] std::size_t open_connections() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace lapor::gateway
