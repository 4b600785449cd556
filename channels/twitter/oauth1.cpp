#include "channels/twitter/oauth1.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace lapor::twitter {

std::string oauth_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    }
  }
  return out;
}

std::string oauth1_authorization(std::string_view method, std::string_view url,
                                 const std::vector<std::pair<std::string, std::string>>& params,
                                 const oauth1_credentials& c, std::string_view nonce, std::int64_t timestamp) {
  std::vector<std::pair<std::string, std::string>> oauth = {
      {"oauth_consumer_key", c.consumer_key},     {"oauth_nonce", std::string(nonce)},
      {"oauth_signature_method", "HMAC-SHA1"},    {"oauth_timestamp", std::to_string(timestamp)},
      {"oauth_token", c.access_token},            {"oauth_version", "1.0"},
  };
  std::vector<std::pair<std::string, std::string>> all;
  for (const auto& [k, v] : oauth) all.emplace_back(oauth_encode(k), oauth_encode(v));
  for (const auto& [k, v] : params) all.emplace_back(oauth_encode(k), oauth_encode(v));
  std::sort(all.begin(), all.end());
  std::string param_string;
  for (const auto& [k, v] : all) {
    if (!param_string.empty()) param_string += '&';
    param_string += k + "=" + v;
  }
  std::string method_upper(method);
  for (auto& ch : method_upper)
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  const std::string base = method_upper + "&" + oauth_encode(url) + "&" + oauth_encode(param_string);
  const std::string key = oauth_encode(c.consumer_secret) + "&" + oauth_encode(c.access_token_secret);

  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(base.data()),
            base.size(), mac, &mac_len))
    throw std::runtime_error("OpenSSL HMAC-SHA1 failed");
  unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int b64_len = EVP_EncodeBlock(b64, mac, static_cast<int>(mac_len));
  const std::string signature(reinterpret_cast<const char*>(b64), static_cast<std::size_t>(b64_len));

  oauth.emplace_back("oauth_signature", signature);
  std::sort(oauth.begin(), oauth.end());
  std::string header = "OAuth ";
  for (std::size_t i = 0; i < oauth.size(); ++i) {
    if (i) header += ", ";
    header += oauth_encode(oauth[i].first) + "=\"" + oauth_encode(oauth[i].second) + "\"";
  }
  return header;
}

std::string oauth1_nonce() {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
  std::string out;
  for (unsigned char b : bytes) out.push_back(alphabet[b % 62]);
  return out;
}

}  // namespace lapor::twitter
