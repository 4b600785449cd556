// One HTTP/1.1 listener (Boost.Beast) serving a handler: used by the admin listener and by
// the public listener that carries the web form and the mobile API.
//
// Each connection has its own strand, reads one request at a time (keep-alive), and bounds
// everything: header and body size (413/431), time to send the header and the body (a
// slowloris is cut off and does not hold a worker), idle keep-alive time, and the number of
// open connections (beyond it new connections get 503 with Retry-After and are closed).
//
// Bodies are held in memory up to `memory_body_limit`. A multipart/form-data body larger
// than `spool_threshold` (or chunked) goes to a temp file in `spool_dir` as it arrives, up to
// `body_limit`, and reaches the handler as http_request::spooled. "Expect: 100-continue" is
// answered (or refused with 413/415 before the client sends the body).
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
  std::size_t body_limit = 1024 * 1024;          // any body, spooled or not
  std::size_t memory_body_limit = 16 * 1024 * 1024;  // a body held in memory (also capped by body_limit)
  std::string spool_dir;                         // empty: never spool (multipart up to the memory limit)
  std::size_t spool_threshold = 256 * 1024;      // multipart bodies above this are spooled
  int header_timeout_ms = 10000;   // first request: from accept to the end of its header; then closed
  int body_timeout_ms = 60000;     // to receive the body
  int idle_timeout_ms = 30000;     // keep-alive wait between requests
  int write_timeout_ms = 30000;
  std::size_t max_connections = 4096;
};

// Called on the connection's strand for every refusal the listener makes itself, before any
// handler saw the request (400 malformed or ambiguous framing, 413, 414, 431, 501, 503 spool):
// `head` is what was parsed of the request (empty fields when the head itself was unreadable),
// `answer` the problem JSON about to be sent, which the hook may replace (e.g. with an HTML page
// for a browser) and count. Must not block.
using refusal_hook = std::function<void(const http_request& head, http_response& answer)>;

class http_server {
 public:
  // Binds at once (throws std::runtime_error naming the address when it cannot).
  http_server(boost::asio::io_context& io, std::string name, const listen_address& where, http_limits limits,
              http_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // Set before start().
  void on_refusal(refusal_hook hook);
  void start();
  // Stops accepting; open connections finish their current request and close.
  void stop();
  [[nodiscard]] std::size_t open_connections() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace lapor::gateway
