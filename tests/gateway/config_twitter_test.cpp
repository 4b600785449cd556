#include <doctest/doctest.h>

#include "gateway/config.h"

using namespace lapor::gateway;

namespace {

const std::vector<std::string> enabled = {"twitter.enabled=true", "twitter.bearer_token=AAAA%2Ftoken",
                                          "twitter.user_id=1497254331178708992"};

std::vector<std::string> with(std::vector<std::string> extra) {
  auto v = enabled;
  v.insert(v.end(), extra.begin(), extra.end());
  return v;
}

}  // namespace

TEST_CASE("config twitter: defaults, and the user id as a string or an integer") {
  config c;
  REQUIRE_FALSE(load_config(std::nullopt, enabled, c));
  CHECK(c.twitter.user_id == "1497254331178708992");
  CHECK(c.twitter.handle == "lapor1708");
  CHECK(c.twitter.max_results == 100);
  CHECK(c.twitter.poll_interval_ms == 60000);
  CHECK(c.twitter.backoff_initial_ms == 1000);
  CHECK(c.twitter.backoff_max_ms == 300000);
  CHECK(c.twitter.config_error_retry_ms == 300000);
  CHECK(c.twitter.reconcile_window_ms == 600000);
  CHECK(c.twitter.reconcile_every == 10);
  CHECK(c.twitter.reply_max_attempts == 30);
  CHECK_FALSE(c.twitter.reply);
  CHECK(c.twitter.reply_template.find("{tracking_id}") != std::string::npos);
  CHECK(c.twitter.initial_since_id.empty());
  REQUIRE_FALSE(load_config(std::nullopt, with({"twitter.user_id=\"42\"", "twitter.initial_since_id=2123553282847801346"}), c));
  CHECK(c.twitter.user_id == "42");
  CHECK(c.twitter.initial_since_id == "2123553282847801346");
}

TEST_CASE("config twitter: what an enabled poller needs, each error naming its key") {
  struct row {
    std::vector<std::string> sets;
    const char* key;
  };
  const row rows[] = {
      {{"twitter.enabled=true", "twitter.user_id=1"}, "twitter.bearer_token"},
      {{"twitter.enabled=true", "twitter.bearer_token=x"}, "twitter.user_id"},
      {with({"twitter.user_id=lapor1708"}), "twitter.user_id"},
      {with({"twitter.api_base=api.x.com"}), "twitter.api_base"},
      {with({"twitter.max_results=4"}), "twitter.max_results"},
      {with({"twitter.max_results=101"}), "twitter.max_results"},
      {with({"twitter.initial_since_id=abc"}), "twitter.initial_since_id"},
      {with({"twitter.reconcile_every=0"}), "twitter.reconcile_every"},
      {with({"twitter.reply=true"}), "twitter.consumer_key"},
      {with({"twitter.reply=true", "twitter.consumer_key=k", "twitter.consumer_secret=s", "twitter.access_token=t"}),
       "twitter.access_token_secret"},
      {with({"twitter.reply=true", "twitter.consumer_key=k", "twitter.consumer_secret=s", "twitter.access_token=t",
             "twitter.access_token_secret=ts", "twitter.reply_template=Terima kasih"}),
       "twitter.reply_template"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.key);
    config c;
    auto e = load_config(std::nullopt, r.sets, c);
    REQUIRE(e.has_value());
    CHECK(e->key == r.key);
  }
}

TEST_CASE("config twitter: a disabled poller needs nothing; reply with all four keys is accepted") {
  config c;
  CHECK_FALSE(load_config(std::nullopt, {"twitter.user_id=lapor1708"}, c));
  CHECK_FALSE(load_config(std::nullopt,
                          with({"twitter.reply=true", "twitter.consumer_key=k", "twitter.consumer_secret=s",
                                "twitter.access_token=t", "twitter.access_token_secret=ts"}),
                          c));
  CHECK(c.twitter.reply);
  CHECK(c.twitter.access_token_secret == "ts");
}
