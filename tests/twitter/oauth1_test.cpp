#include <doctest/doctest.h>

#include "channels/twitter/oauth1.h"

using namespace lapor::twitter;

// The worked example of Twitter's "Creating a signature" / "Authorizing a request" guides.
TEST_CASE("OAuth 1.0a HMAC-SHA1: the documented example signs to the documented signature") {
  oauth1_credentials c;
  c.consumer_key = "xvz1evFS4wEEPTGEFPHBog";
  c.consumer_secret = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
  c.access_token = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb";
  c.access_token_secret = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";
  const auto h = oauth1_authorization("post", "https://api.twitter.com/1.1/statuses/update.json",
                                      {{"include_entities", "true"},
                                       {"status", "Hello Ladies + Gentlemen, a signed OAuth request!"}},
                                      c, "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", 1318622958);
  CHECK(h ==
        "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", "
        "oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", "
        "oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\", "
        "oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1318622958\", "
        "oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", oauth_version=\"1.0\"");
}

TEST_CASE("percent-encoding keeps only unreserved characters") {
  CHECK(oauth_encode("Ladies + Gentlemen") == "Ladies%20%2B%20Gentlemen");
  CHECK(oauth_encode("An encoded string!") == "An%20encoded%20string%21");
  CHECK(oauth_encode("Dogs, Cats & Mice") == "Dogs%2C%20Cats%20%26%20Mice");
  CHECK(oauth_encode("☃") == "%E2%98%83");
  CHECK(oauth_encode("a-b.c_d~e") == "a-b.c_d~e");
}

TEST_CASE("nonces are 32 alphanumerics and differ") {
  const auto a = oauth1_nonce(), b = oauth1_nonce();
  CHECK(a.size() == 32);
  CHECK(a != b);
  CHECK(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == std::string::npos);
}

TEST_CASE("credentials are complete only with all four parts") {
  oauth1_credentials c{"k", "s", "t", ""};
  CHECK_FALSE(c.complete());
  c.access_token_secret = "ts";
  CHECK(c.complete());
}
