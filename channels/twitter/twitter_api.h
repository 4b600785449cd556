// Blocking HTTP calls to the X API v2 with libcurl, for the poller's own thread (never an
// Asio thread). One easy handle per client, reused, so the connection is kept alive.
//
// The bearer token goes only into the Authorization header; no error text, log line or
// URL built here contains it. Bodies are capped; a transfer that outgrows the cap, stalls
// past the timeout, or ends early (truncated) is a transport failure. `abort` (checked
// several times a second) ends a transfer at shutdown.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "channels/twitter/mentions_walk.h"

typedef void CURL;

namespace lapor::twitter {

struct api_client_options {
  std::string api_base = "https://api.twitter.com";  // no trailing slash needed
  std::string bearer_token;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};
  std::size_t max_body_bytes = 16 * 1024 * 1024;
};

// GET {api_base}/2/users/{user_id}/mentions?… with every field the poller reads. Pure.
[[nodiscard]] std::string mentions_url(const std::string& api_base, std::uint64_t user_id, const fetch_params& p);

// What the poller asks of the API; blocking, called from the poller's thread only. Tests
// inject scripted answers.
class twitter_api {
 public:
  virtual ~twitter_api() = default;

  [[nodiscard]] virtual api_response get_mentions(std::uint64_t user_id, const fetch_params& p) = 0;

  struct download {
    std::string bytes;
    std::string content_type;
    std::string error;  // empty on success
  };
  // GET of a media URL (http/https only, up to 3 redirects, no credentials sent).
  [[nodiscard]] virtual download fetch_media(const std::string& url, std::size_t max_bytes) = 0;
};

class api_client final : public twitter_api {
 public:
  // Throws std::runtime_error when libcurl cannot be set up (start-up only).
  api_client(api_client_options opts, const std::atomic<bool>& abort);
  ~api_client() override;
  api_client(const api_client&) = delete;
  api_client& operator=(const api_client&) = delete;

  [[nodiscard]] api_response get_mentions(std::uint64_t user_id, const fetch_params& p) override;
  [[nodiscard]] download fetch_media(const std::string& url, std::size_t max_bytes) override;

 private:
  api_client_options opts_;
  const std::atomic<bool>& abort_;
  std::string auth_header_;
  CURL* api_ = nullptr;
  CURL* media_ = nullptr;
};

}  // namespace lapor::twitter
