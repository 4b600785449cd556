#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "gateway/config.h"

using namespace lapor::gateway;

TEST_CASE("config: embedded default matches SPEC §3") {
  config c;
  REQUIRE_FALSE(load_config(std::nullopt, {}, c));
  CHECK(c.data_dir == "./data");
  CHECK(c.web.listen.to_string() == "127.0.0.1:8080");
  CHECK(c.admin.listen.to_string() == "127.0.0.1:9090");
  CHECK(c.smpp.listen.to_string() == "127.0.0.1:2775");
  CHECK(c.smpp.short_code == "1708");
  CHECK_FALSE(c.twitter.enabled);
  CHECK(c.dispatcher_url() == "file://./data/dispatched.jsonl");
}

TEST_CASE("config: --set overrides parse TOML values or fall back to strings") {
  config c;
  REQUIRE_FALSE(load_config(std::nullopt,
                            {"web.listen=127.0.0.1:0", "threads=3", "admin.test_channel=true",
                             "data_dir=/tmp/x y", "dispatcher.url=http://127.0.0.1:1/c",
                             R"(smpp.accounts=[{system_id="tsel", password="pw", operator="telkomsel"}])"},
                            c));
  CHECK(c.web.listen.port == 0);
  CHECK(c.threads == 3);
  CHECK(c.admin.test_channel);
  CHECK(c.data_dir == "/tmp/x y");
  CHECK(c.dispatcher_url() == "http://127.0.0.1:1/c");
  REQUIRE(c.smpp.accounts.size() == 1);
  CHECK(c.smpp.accounts[0].operator_name == "telkomsel");
}

TEST_CASE("config: every error names its key") {
  struct row {
    const char* set;
    const char* key;
  };
  for (auto r : {row{"web.listen=nope", "web.listen"}, row{"web.lissen=1.2.3.4:5", "web.lissen"},
                 row{"threads=0", "threads"}, row{"threads=abc", "threads"}, row{"log_format=xml", "log_format"},
                 row{"smpp.window=true", "smpp.window"}, row{"dispatcher.url=ftp://x", "dispatcher.url"},
                 row{"tracking.key=123", "tracking.key"}, row{"smpp.accounts=[{system_id=\"a\"}]", "smpp.accounts"},
                 row{"nosuch=1", "nosuch"}, row{"web=1", "web"},
                 // The fourth probe: an empty short code passed, and refused every SMS to 1708;
                 // an admin listener on another address than loopback had no token.
                 row{"smpp.short_code=", "smpp.short_code"}, row{"smpp.short_code=+1708", "smpp.short_code"},
                 row{"admin.listen=0.0.0.0:9090", "admin.token"}, row{"admin.listen=10.1.2.3:9090", "admin.token"}}) {
    config c;
    auto e = load_config(std::nullopt, {r.set}, c);
    REQUIRE_MESSAGE(e, r.set);
    CHECK_MESSAGE(e->key == r.key, r.set, " -> ", e->to_string());
  }
}

TEST_CASE("config: an admin listener beyond loopback needs a token; loopback does not") {
  for (const char* ok : {"admin.listen=127.0.0.1:9090", "admin.listen=127.0.0.2:9090", "admin.listen=[::1]:9090",
                         "admin.listen=localhost:9090"}) {
    config c;
    CHECK_MESSAGE(!load_config(std::nullopt, {ok}, c), ok);
  }
  config c;
  CHECK_FALSE(load_config(std::nullopt, {"admin.listen=0.0.0.0:9090", "admin.token=s3cret"}, c));
}

// Found by tests/fuzz/config_toml_fuzz (corpus/config_toml/regress_float_for_integer_key):
// `threads=1e33` reached toml++'s unchecked float -> int64 cast (undefined behaviour, caught
// by UBSan) before the type check. A float is refused by name, whatever its size.
TEST_CASE("config: a float where an integer is expected is refused, never cast") {
  struct row {
    const char* set;
    const char* key;
  };
  for (auto r : {row{"threads=1e33", "threads"}, row{"threads=-1e300", "threads"}, row{"threads=2.0", "threads"},
                 row{"smpp.window=inf", "smpp.window"}, row{"web.max_photos=nan", "web.max_photos"},
                 row{"twitter.user_id=1e33", "twitter.user_id"},
                 row{"twitter.initial_since_id=-1e300", "twitter.initial_since_id"}}) {
    config c;
    auto e = load_config(std::nullopt, {r.set}, c);
    REQUIRE_MESSAGE(e, r.set);
    CHECK_MESSAGE(e->key == r.key, r.set, " -> ", e->to_string());
  }
}

TEST_CASE("config: TOML file with sections and arrays of tables") {
  const std::string path = "/tmp/lapor-config-test-" + std::to_string(::getpid()) + ".toml";
  {
    std::ofstream f(path);
    f << "data_dir = \"/var/lib/lapor\"\n[web]\nlisten = \"0.0.0.0:80\"\n"
         "[[smpp.clients]]\nhost = \"10.0.0.1\"\nport = 2775\nsystem_id = \"lapor\"\npassword = \"pw\"\n"
         "bind = \"receiver\"\noperator = \"indosat\"\n"
         "[[mobile.api_keys]]\nkey_id = \"android\"\nsecret = \"s3cret\"\n";
  }
  config c;
  auto e = load_config(path, {"web.listen=127.0.0.1:8081"}, c);
  std::remove(path.c_str());
  REQUIRE_FALSE(e);
  CHECK(c.data_dir == "/var/lib/lapor");
  CHECK(c.web.listen.port == 8081);  // --set wins over the file
  REQUIRE(c.smpp.clients.size() == 1);
  CHECK(c.smpp.clients[0].bind == "receiver");
  CHECK(c.smpp.clients[0].port == 2775);
  REQUIRE(c.mobile.api_keys.size() == 1);
  CHECK(c.mobile.api_keys[0].key_id == "android");
}

TEST_CASE("config: listen addresses") {
  CHECK(parse_listen_address("127.0.0.1:0")->port == 0);
  CHECK(parse_listen_address("[::1]:8080")->host == "::1");
  CHECK_FALSE(parse_listen_address("127.0.0.1"));
  CHECK_FALSE(parse_listen_address("127.0.0.1:65536"));
  CHECK_FALSE(parse_listen_address(":80"));
  CHECK_FALSE(parse_listen_address("host:8x"));
}

TEST_CASE("config: --help lists every key") {
  auto h = config_help();
  for (auto k : {"data_dir", "web.listen", "admin.listen", "smpp.listen", "smpp.accounts", "smpp.short_code",
                 "smpp.clients", "twitter.enabled", "twitter.api_base", "twitter.bearer_token", "twitter.user_id",
                 "twitter.poll_interval_ms", "dispatcher.url", "dispatcher.token", "mobile.api_keys"})
    CHECK_MESSAGE(h.find(k) != std::string::npos, k);
}

TEST_CASE("config: dedup keys, defaults and ranges") {
  lapor::gateway::config c;
  REQUIRE_FALSE(load_config(std::nullopt, {}, c));
  CHECK(c.dedup.enabled);
  CHECK(c.dedup.window_days == 7);
  CHECK(c.dedup.duplicate_score == doctest::Approx(0.25));
  CHECK(c.dedup.possible_score == doctest::Approx(0.12));
  CHECK(c.dedup.unplaced_score == doctest::Approx(0.35));
  CHECK(c.dedup.street_containment == doctest::Approx(0.8));
  CHECK(c.dedup.swap_score == doctest::Approx(0.8));
  CHECK(c.dedup.detail_length_ratio == doctest::Approx(2.0));
  CHECK(c.dedup.related_score == doctest::Approx(0.8));
  CHECK(c.dedup.related_max_hamming == 10);
  CHECK(c.dedup.max_candidates == 64);
  REQUIRE_FALSE(load_config(std::nullopt,
                            {"dedup.enabled=false", "dedup.window_days=3", "dedup.duplicate_score=0.45",
                             "dedup.related_score=1", "dedup.related_max_hamming=3", "dedup.max_candidates=8"},
                            c));
  CHECK_FALSE(c.dedup.enabled);
  CHECK(c.dedup.window_days == 3);
  CHECK(c.dedup.duplicate_score == doctest::Approx(0.45));
  CHECK(c.dedup.related_score == doctest::Approx(1.0));  // an integer is a number too
  CHECK(c.dedup.related_max_hamming == 3);
  CHECK(c.dedup.max_candidates == 8);
  for (const char* bad : {"dedup.duplicate_score=1.5", "dedup.duplicate_score=high", "dedup.related_max_hamming=65",
                          "dedup.max_candidates=0", "dedup.window_days=-1"}) {
    auto e = load_config(std::nullopt, {bad}, c);
    REQUIRE_MESSAGE(e, bad);
    CHECK(std::string(bad).starts_with(e->key));
  }
  CHECK(lapor::gateway::config_help().find("dedup.duplicate_score") != std::string::npos);
}
