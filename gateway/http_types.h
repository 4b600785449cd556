// Plain HTTP request/response values exchanged between the Beast listener and route handlers.
// No Beast or Asio here, so handlers (admin, web form, mobile API) compile without them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lapor::gateway {

// A request body the listener wrote to a temp file instead of holding it in memory (large
// multipart uploads, see http_limits::spool_dir). The file is removed when the last holder
// lets it go, so a handler keeps the request (or this) alive until it has read the body.
class spooled_body {
 public:
  spooled_body(std::string path, std::uint64_t size) : path_(std::move(path)), size_(size) {}
  ~spooled_body();
  spooled_body(const spooled_body&) = delete;
  spooled_body& operator=(const spooled_body&) = delete;

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }

 private:
  std::string path_;
  std::uint64_t size_;
};

struct http_request {
  std::string method;   // "GET", "POST", …
  std::string target;   // as sent: path + "?" + query
  std::string path;     // percent-decoding is the handler's business
  std::string query;    // without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;                               // empty when `spooled`
  std::shared_ptr<const spooled_body> spooled;    // set when the body went to a temp file
  std::string authority;  // the Host field, or the authority of an absolute-form target (RFC 9112 §3.2.2)
  std::string remote_ip;
  bool keep_alive = true;

  // First header with this lowercase name.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view lower_name) const;
  // How many field lines have this lowercase name.
  [[nodiscard]] std::size_t header_count(std::string_view lower_name) const;
  // Value of a query parameter (percent-decoded), first occurrence.
  [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
};

struct http_response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool head_only = false;  // HEAD: send the headers of `body` but not the body

  static http_response text(int status, std::string body);
  static http_response json(int status, std::string body);
  // RFC 9457 problem document; `errors` are (field, message) pairs.
  static http_response problem(int status, std::string_view title, std::string_view detail,
                               const std::vector<std::pair<std::string, std::string>>& errors = {});
};

// Call exactly once, from any thread; the listener posts the write to the connection's strand.
using http_responder = std::function<void(http_response)>;
using http_handler = std::function<void(http_request&&, http_responder)>;

// Percent-decoding of URL components; '+' as space when `plus_is_space` (forms).
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);
// The value of a hex digit (0-9, a-f, A-F), or -1.
[[nodiscard]] int hex_value(char c) noexcept;
// Parses "a=1&b=2" into decoded pairs; nullopt on bad escapes.
[[nodiscard]] std::optional<std::vector<std::pair<std::string, std::string>>> parse_urlencoded(std::string_view s);

}  // namespace lapor::gateway
