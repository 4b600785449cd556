// App authentication of the mobile API (SPEC §7 Mobile): every request is signed with an
// app key.
//
//   Authorization: LAPOR-HMAC-SHA256 key_id=android-1, ts=1764000000, sig=5d41…(64 hex)
//   sig = hex(HMAC-SHA256(secret, METHOD "\n" PATH "\n" ts "\n" hex(SHA-256(body))))
//
// PATH is the request target as sent (with its query string). A timestamp more than
// `max_skew_s` from the server's clock is refused, so a captured request cannot be replayed
// later; within the window a replayed POST carries the same Idempotency-Key and body and
// gets the stored answer, changing nothing. Signatures are compared in constant time, and an
// unknown key_id costs the same HMAC as a known one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/config.h"

namespace lapor::mobile {

struct signature_header {
  std::string key_id;
  std::int64_t ts = 0;
  std::string sig;  // lowercase hex
};

// Parses the Authorization value; nullopt with `error` saying what is wrong.
[[nodiscard]] std::optional<signature_header> parse_authorization(std::string_view value, std::string& error);

[[nodiscard]] std::string string_to_sign(std::string_view method, std::string_view path, std::int64_t ts,
                                         std::string_view body_sha256_hex);
// The hex signature a client computes (used by tests and the benchmark too).
[[nodiscard]] std::string sign_request(std::string_view secret, std::string_view method, std::string_view path,
                                       std::int64_t ts, std::string_view body_sha256_hex);

class request_verifier {
 public:
  explicit request_verifier(const std::vector<gateway::mobile_api_key>& keys, int max_skew_s = 300);

  struct outcome {
    bool ok = false;
    std::string key_id;   // when ok
    std::string message;  // when not ok: why (English, no secrets)
  };
  // `authorization`: the header value, or nullopt when absent.
  [[nodiscard]] outcome verify(std::optional<std::string_view> authorization, std::string_view method,
                               std::string_view target, std::string_view body_sha256_hex, std::int64_t now_s) const;
  [[nodiscard]] bool empty() const noexcept { return secrets_.empty(); }

 private:
  std::unordered_map<std::string, std::string> secrets_;
  int max_skew_s_;
};

}  // namespace lapor::mobile
