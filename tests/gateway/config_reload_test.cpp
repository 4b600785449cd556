#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "gateway/config.h"
#include "gateway/config_reload.h"
#include "gateway/rate_limiter.h"

using namespace lapor::gateway;

namespace {

config_source source_of(const std::string& toml_text, const std::vector<std::string>& overrides = {}) {
  char path[] = "/tmp/lapor-reload-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream(path) << toml_text;
  config c;
  config_source s;
  const auto e = load_config(std::string(path), overrides, c, s);
  std::remove(path);
  REQUIRE_MESSAGE(!e, (e ? e->to_string() : std::string()));
  return s;
}

const char* base = R"(data_dir = "/var/lib/x"
log_level = "info"
[web]
listen = "127.0.0.1:8080"
rate_limit_per_minute = 600
[dispatcher]
token = "old-token"
[[smpp.accounts]]
system_id = "tsel"
password = "old"
operator = "telkomsel"
[[mobile.api_keys]]
key_id = "android-1"
secret = "old-secret"
)";

}  // namespace

TEST_CASE("reload: config_source names every key the file and the overrides set, defaults absent") {
  const auto s = source_of(base, {"admin.listen=127.0.0.1:0"});
  CHECK(s.count("data_dir") == 1);
  CHECK(s.count("web.listen") == 1);
  CHECK(s.count("smpp.accounts") == 1);  // an array of tables is one key
  CHECK(s.count("admin.listen") == 1);   // from the override
  CHECK(s.count("smpp.listen") == 0);    // left at its default
  CHECK(s.at("dispatcher.token").find("old-token") != std::string::npos);
}

TEST_CASE("reload: the same file plans nothing") {
  const auto plan = plan_reload(source_of(base), source_of(base));
  CHECK(plan.accepted());
  CHECK(plan.changed.empty());
}

TEST_CASE("reload: credentials, token, rate limit and log level are reloadable") {
  std::string next = base;
  for (auto [from, to] : {std::pair{"password = \"old\"", "password = \"new\""},
                          std::pair{"secret = \"old-secret\"", "secret = \"new-secret\""},
                          std::pair{"token = \"old-token\"", "token = \"new-token\""},
                          std::pair{"rate_limit_per_minute = 600", "rate_limit_per_minute = 60"},
                          std::pair{"log_level = \"info\"", "log_level = \"debug\""}})
    next.replace(next.find(from), std::string_view(from).size(), to);
  const auto plan = plan_reload(source_of(base), source_of(next));
  CHECK(plan.accepted());
  CHECK(plan.changed == std::vector<std::string>{"dispatcher.token", "log_level", "mobile.api_keys", "smpp.accounts",
                                                 "web.rate_limit_per_minute"});
}

TEST_CASE("reload: a listen address, data_dir, store or tracking key is refused by name") {
  struct row {
    const char* change;
    const char* key;
  };
  for (const row r : {row{"web.listen=127.0.0.1:8081", "web.listen"}, row{"data_dir=/elsewhere", "data_dir"},
                      row{"store.max_group=10", "store.max_group"}, row{"tracking.node_id=3", "tracking.node_id"},
                      row{"smpp.listen=127.0.0.1:2776", "smpp.listen"}}) {
    CAPTURE(r.key);
    // With a reloadable change in the same file: the whole reload is refused, not half of it.
    const auto plan = plan_reload(source_of(base), source_of(base, {r.change, "dispatcher.token=new"}));
    CHECK_FALSE(plan.accepted());
    CHECK(plan.refused == std::vector<std::string>{r.key});
  }
}

TEST_CASE("reload: a key removed from the file counts as changed (back to its default)") {
  const auto with = source_of(base, {"smpp.window=10"});
  const auto without = source_of(base);
  const auto plan = plan_reload(with, without);
  CHECK(plan.refused == std::vector<std::string>{"smpp.window"});
}

TEST_CASE("rate_limiter: set_per_minute takes effect at the next take()") {
  rate_limiter l(2);
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  CHECK(l.take("ip", t0).allowed);
  CHECK(l.take("ip", t0).allowed);
  CHECK_FALSE(l.take("ip", t0).allowed);
  l.set_per_minute(0);  // off
  CHECK_FALSE(l.enabled());
  CHECK(l.take("ip", t0).allowed);
  l.set_per_minute(60);  // one a second from the bucket left empty
  CHECK_FALSE(l.take("ip", t0).allowed);
  CHECK(l.take("ip", t0 + std::chrono::seconds(1)).allowed);
}
