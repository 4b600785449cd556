// OAuth 1.0a "User Context" request signing (HMAC-SHA1), as POST /2/tweets requires: an
// app-only bearer token is refused there with 403 "Unsupported Authentication".
//
//   Authorization: OAuth oauth_consumer_key="…", oauth_nonce="…", oauth_signature="…",
//     oauth_signature_method="HMAC-SHA1", oauth_timestamp="1318622958", oauth_token="…",
//     oauth_version="1.0"
//
// Signature base string = METHOD & enc(base URL) & enc(sorted, encoded params), where the
// params are the oauth_* values, the URL's query parameters and — only for
// application/x-www-form-urlencoded bodies — the body's; a JSON body is not signed. The key
// is enc(consumer_secret) & enc(token_secret). Pure (nonce and time are inputs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lapor::twitter {

struct oauth1_credentials {
  std::string consumer_key, consumer_secret, access_token, access_token_secret;
  [[nodiscard]] bool complete() const noexcept {
    return !consumer_key.empty() && !consumer_secret.empty() && !access_token.empty() && !access_token_secret.empty();
  }
};

// RFC 3986 percent-encoding of everything but ALPHA DIGIT - . _ ~ (RFC 5849 §3.6).
[[nodiscard]] std::string oauth_encode(std::string_view s);

// The value of the Authorization header. `url` without a query; `params` = query and form
// parameters (unencoded) that take part in the signature.
[[nodiscard]] std::string oauth1_authorization(std::string_view method, std::string_view url,
                                               const std::vector<std::pair<std::string, std::string>>& params,
                                               const oauth1_credentials& c, std::string_view nonce, std::int64_t timestamp);

// 32 random alphanumerics (OpenSSL RAND_bytes), for oauth_nonce.
[[nodiscard]] std::string oauth1_nonce();

}  // namespace lapor::twitter
