#include <doctest/doctest.h>

#include <string>

#include "channels/twitter/mentions_page.h"
#include "fixtures.h"

using namespace lapor::twitter;

TEST_CASE("parse_id: 1..19 digits below 2^63") {
  CHECK(parse_id("2123616243545145355") == std::optional<std::uint64_t>(2123616243545145355ull));
  CHECK(parse_id("1") == std::optional<std::uint64_t>(1));
  CHECK_FALSE(parse_id(""));
  CHECK_FALSE(parse_id("12a"));
  CHECK_FALSE(parse_id("-5"));
  CHECK_FALSE(parse_id(" 5"));
  CHECK_FALSE(parse_id("12345678901234567890"));  // 20 digits
  CHECK_FALSE(parse_id("9223372036854775808"));   // 2^63
  CHECK(parse_id("9223372036854775807") == std::optional<std::uint64_t>(9223372036854775807ull));
}

TEST_CASE("page 1: tweets in order, includes joined, next_token, long post text") {
  auto r = parse_mentions_page(fixtures::page1);
  REQUIRE(r.ok());
  const auto& p = r.page;
  REQUIRE(p.tweets.size() == 3);
  CHECK(p.tweets[0].id == 2123616243545145355ull);
  CHECK(p.tweets[0].author_id == 1182734015987654656ull);
  CHECK(p.tweets[0].media_keys == std::vector<std::string>{"3_2123616230001111040"});
  CHECK(p.tweets[0].place_id == "0a3e119020705b64");
  REQUIRE(p.tweets[0].entities.urls.size() == 1);
  CHECK(p.tweets[0].entities.urls[0].url == "https://t.co/Xy7Qp2LmZa");
  CHECK(p.tweets[0].entities.urls[0].media_key == "3_2123616230001111040");
  CHECK(p.tweets[0].created_at == "2026-11-20T03:15:42.000Z");
  CHECK_FALSE(p.tweets[0].long_post);

  CHECK(p.tweets[1].referenced.size() == 1);
  CHECK(p.tweets[1].referenced[0].type == "replied_to");
  CHECK(p.tweets[1].referenced[0].id == 2123593971790905348ull);
  CHECK(p.tweets[1].entities.mentions == std::vector<std::string>{"budi_santoso", "lapor1708"});

  CHECK(p.tweets[2].long_post);
  CHECK(p.tweets[2].text.ends_with("panel listrik di dekat SPBU. Terima kasih."));

  CHECK(p.meta.result_count == 3);
  CHECK(p.meta.next_token == "7140dibdnow9c7btw4827l0b8vcp7ndsb5n7khpuirtx4");
  CHECK(p.newest_id() == 2123616243545145355ull);
  REQUIRE(p.find_user(98765432) != nullptr);
  CHECK(p.find_user(98765432)->username == "rina_cihapit");
  CHECK(p.find_user(5) == nullptr);
  REQUIRE(p.find_media("3_2123616230001111040") != nullptr);
  CHECK(p.find_media("3_2123616230001111040")->url == "https://pbs.twimg.com/media/G7kLmNoPqRsTuVw.jpg");
  REQUIRE(p.find_place("0a3e119020705b64") != nullptr);
  CHECK(p.find_place("0a3e119020705b64")->full_name == "Bandung, Indonesia");
  CHECK(p.errors.empty());
}

TEST_CASE("page 2: partial errors kept, no next_token, edit history, retweet reference") {
  auto r = parse_mentions_page(fixtures::page2);
  REQUIRE(r.ok());
  const auto& p = r.page;
  REQUIRE(p.tweets.size() == 3);
  CHECK(p.meta.next_token.empty());
  CHECK(p.tweets[0].edit_history == std::vector<std::uint64_t>{2123602771440697349ull, 2123604973450297345ull});
  CHECK(p.tweets[2].referenced[0].type == "retweeted");
  REQUIRE(p.errors.size() == 1);
  CHECK(p.errors[0].title == "Not Found Error");
  CHECK(p.errors[0].type.ends_with("/resource-not-found"));
  CHECK(p.errors[0].resource_id == "2123580000000000001");
}

TEST_CASE("empty poll: no data, or data []") {
  auto a = parse_mentions_page(fixtures::empty);
  REQUIRE(a.ok());
  CHECK(a.page.tweets.empty());
  CHECK(a.page.newest_id() == 0);
  auto b = parse_mentions_page(R"({"data":[],"meta":{"result_count":0}})");
  REQUIRE(b.ok());
  CHECK(b.page.tweets.empty());
}

TEST_CASE("malformed bodies are errors that say why") {
  struct bad {
    const char* body;
    const char* says;
  };
  const bad cases[] = {
      {"", "malformed JSON"},
      {"{\"data\":[{\"id\":\"1\"", "malformed JSON"},  // truncated
      {"<html>503</html>", "malformed JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"data":{"id":"1"},"meta":{}})", "`data` is not an array"},
      {R"({"data":[],"meta":[]})", "`meta` is not an object"},
      {R"({"title":"Service Unavailable"})", "neither `data` nor `meta`"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    auto r = parse_mentions_page(c.body);
    CHECK_FALSE(r.ok());
    CHECK(r.error.find(c.says) != std::string::npos);
  }
}

TEST_CASE("items without a usable id are counted and dropped, the rest kept") {
  auto r = parse_mentions_page(
      R"({"data":[{"id":"12","text":"a"},{"text":"no id"},{"id":"x1","text":"bad"},7,{"id":"99999999999999999999"}],"meta":{"result_count":5}})");
  REQUIRE(r.ok());
  REQUIRE(r.page.tweets.size() == 1);
  CHECK(r.page.tweets[0].id == 12);
  CHECK(r.page.malformed_items == 4);
}

TEST_CASE("odd optional members are ignored") {
  auto r = parse_mentions_page(
      R"({"data":[{"id":"12","text":5,"author_id":true,"entities":"x","attachments":{"media_keys":[1,"k"]},
           "geo":{"coordinates":{"type":"Point","coordinates":[106.8, -6.2]}},"referenced_tweets":"no"}],
          "includes":{"users":"x","media":[{"type":"photo"}],"places":[{"id":"p","name":"Depok"}]},
          "errors":[5,{"message":"v1 style"}],"meta":{"result_count":"1","next_token":7}})");
  REQUIRE(r.ok());
  const auto& t = r.page.tweets.at(0);
  CHECK(t.text.empty());
  CHECK(t.author_id == 0);
  CHECK(t.media_keys == std::vector<std::string>{"k"});
  REQUIRE(t.point.has_value());
  CHECK(t.point->first == doctest::Approx(-6.2));
  CHECK(t.point->second == doctest::Approx(106.8));
  CHECK(r.page.media_items.empty());
  REQUIRE(r.page.places.size() == 1);
  CHECK(r.page.places[0].full_name == "Depok");
  REQUIRE(r.page.errors.size() == 1);
  CHECK(r.page.errors[0].detail == "v1 style");
  CHECK(r.page.meta.next_token.empty());
}

TEST_CASE("problem_kind: type suffix, else title") {
  CHECK(problem_kind(fixtures::usage_capped) == "usage-capped");
  CHECK(problem_kind(fixtures::problem_401) == "Unauthorized");
  CHECK(problem_kind(R"({"type":"https://api.x.com/2/problems/client-forbidden","title":"Client Forbidden"})") ==
        "client-forbidden");
  CHECK(problem_kind("not json").empty());
  CHECK(problem_kind("").empty());
}

TEST_CASE("every truncation of a page is refused, never half-read") {
  const std::string full = fixtures::page1;
  std::size_t refused = 0;
  for (std::size_t n = 0; n < full.size(); ++n) {
    // Only trailing whitespace may be cut without changing the document.
    if (full.find_first_not_of(" \n\r\t", n) == std::string::npos) continue;
    auto r = parse_mentions_page(std::string_view(full).substr(0, n));
    if (!r.ok()) ++refused;
    else FAIL_CHECK("a truncated page parsed: " << n << " of " << full.size() << " bytes");
  }
  CHECK(refused > 1000);
}
