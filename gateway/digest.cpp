#include "gateway/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <fstream>
#include <memory>
#include <stdexcept>

namespace lapor::gateway {

std::string to_hex(const unsigned char* p, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  return out;
}

namespace {

// OpenSSL 3's one-shot SHA256() and HMAC() fetch their algorithm from the provider on every
// call (EVP_Q_digest / EVP_Q_mac): more than the hashing of a short text costs, and these run
// for every submission (redelivery keys, request fingerprints, signed requests). Fetched once
// here, with a context per thread that is only re-initialised.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct mac_ctx_deleter {
  void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

// A context set up for HMAC-SHA256 once per thread; EVP_MAC_init with a new key keeps its digest.
EVP_MAC_CTX* hmac_sha256_ctx() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  thread_local std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter> ctx = [] {
    std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter> c(mac ? EVP_MAC_CTX_new(mac) : nullptr);
    if (!c) return c;
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(c.get(), params) != 1) c.reset();
    return c;
  }();
  return ctx.get();
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  thread_local std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> ctx(EVP_MD_CTX_new());
  unsigned int len = 0;
  if (ctx && sha256_md() && EVP_DigestInit_ex2(ctx.get(), sha256_md(), nullptr) == 1 &&
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1 && EVP_DigestFinal_ex(ctx.get(), md, &len) == 1)
    return to_hex(md, len);
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);  // the slow way
  return to_hex(md, sizeof md);
}

std::optional<std::string> sha256_file_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return std::nullopt;
  std::string buf(1 << 20, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0 && EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount())) != 1)
      return std::nullopt;
  }
  if (in.bad()) return std::nullopt;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) return std::nullopt;
  return to_hex(md, len);
}

namespace {

// The key the thread's HMAC context was last initialised with. The same key again (a mobile
// app's secret, request after request) is re-initialised without one: EVP_MAC_init(NULL)
// restarts from the key's inner and outer pads, computed once, instead of hashing the key
// into them again (two SHA-256 blocks and their set-up, ~4k instructions per request).
struct hmac_key_state {
  std::string key;
  bool set = false;
};

bool same_key(const hmac_key_state& k, std::string_view key) noexcept {
  return k.set && k.key.size() == key.size() && CRYPTO_memcmp(k.key.data(), key.data(), key.size()) == 0;
}

bool init_hmac(EVP_MAC_CTX* c, std::string_view key) {
  thread_local hmac_key_state last;
  if (same_key(last, key)) return EVP_MAC_init(c, nullptr, 0, nullptr) == 1;
  last.set = false;
  // Never a null key for a new one: EVP_MAC_init(NULL) would keep the previous caller's key.
  const auto* k = key.empty() ? reinterpret_cast<const unsigned char*>("") : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(c, k, key.size(), nullptr) != 1) return false;
  last.key.assign(key);
  last.set = true;
  return true;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  if (EVP_MAC_CTX* c = hmac_sha256_ctx()) {
    std::size_t n = 0;
    if (init_hmac(c, key) &&
        EVP_MAC_update(c, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
        EVP_MAC_final(c, md, &n, sizeof md) == 1)
      return to_hex(md, n);
  }
  unsigned int len = 0;  // the slow way
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return to_hex(md, len);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void random_bytes(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

}  // namespace lapor::gateway
