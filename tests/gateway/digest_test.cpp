// The digests every submission uses (gateway/digest.h), against published test vectors: the
// fetched-once contexts must give what the one-shot OpenSSL calls give, for any key in any order.
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "gateway/digest.h"

using namespace lapor::gateway;

namespace {

std::string one_shot_hmac(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return to_hex(md, len);
}

}  // namespace

TEST_CASE("sha256_hex and hmac_sha256_hex: test vectors, key changes, empty keys") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key used after another is that key, not the one before (the context is reused).
  const std::string a = hmac_sha256_hex("key-one", "payload"), b = hmac_sha256_hex("key-two", "payload");
  CHECK(a != b);
  CHECK(a == one_shot_hmac("key-one", "payload"));
  CHECK(b == one_shot_hmac("key-two", "payload"));
  // An empty key is the empty key, not the previous caller's.
  CHECK(hmac_sha256_hex(std::string_view(), "") == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  CHECK(hmac_sha256_hex("", "payload") == one_shot_hmac("", "payload"));
  // A long key (hashed first by HMAC) and a long message.
  const std::string long_key(200, 'k'), long_data(100000, 'd');
  CHECK(hmac_sha256_hex(long_key, long_data) == one_shot_hmac(long_key, long_data));
}
