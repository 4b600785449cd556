// Regressions of the black-box probe 4 (Twitter): one malformed post must not stop the
// channel, and no mention is refused for its form (length, controls, no words).
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "channels/twitter/json_repair.h"
#include "channels/twitter/mention_fields.h"
#include "channels/twitter/mention_submission.h"
#include "channels/twitter/mentions_walk.h"
#include "gateway/text.h"

using namespace lapor::twitter;
using namespace std::chrono_literals;
namespace g = lapor::gateway;

namespace {

constexpr std::uint64_t our_id = 1497254331178708992ull;
const std::string fffd = "\xEF\xBF\xBD";

mention_options opts() {
  mention_options o;
  o.our_user_id = our_id;
  return o;
}

std::string ref(const g::submission& s, std::string_view key) {
  for (const auto& [k, v] : s.channel_ref)
    if (k == key) return v;
  return "<absent>";
}

// A page of one tweet with `text` (a JSON string's inside, as sent) and `extra` members.
std::string page_of(std::string_view text, std::string_view extra = "", std::string_view includes = "") {
  std::string p = R"({"data":[{"id":"2123616243545145355","author_id":"42","text":")" + std::string(text) + "\"";
  if (!extra.empty()) p += "," + std::string(extra);
  p += "}]";
  if (!includes.empty()) p += R"(,"includes":)" + std::string(includes);
  p += R"(,"meta":{"result_count":1}})";
  return p;
}

mention_decision decide_one(const std::string& json, g::clock::time_point now = {}) {
  auto r = parse_mentions_page(json);
  REQUIRE(r.ok());
  REQUIRE(r.page.tweets.size() == 1);
  return decide_mention(r.page.tweets[0], r.page, opts(), now);
}

}  // namespace

TEST_CASE("json repair: lone surrogate escapes become U+FFFD, pairs and escaped backslashes stay") {
  CHECK_FALSE(repair_json_text(R"({"t":"ok \ud83d\ude00 \u00e9 \\ud83d"})"));
  auto r = repair_json_text(R"({"t":"a \ud83d [lone] \uDE00 b \ud83d\u0041 \\ud83d \\\ud83d"})");
  REQUIRE(r);
  CHECK(r->text == R"({"t":"a \ufffd [lone] \ufffd b \ufffd\u0041 \\ud83d \\\ufffd"})");
  CHECK(r->repaired == 4);
  // A high surrogate at the very end of a string, and an invalid UTF-8 byte.
  r = repair_json_text("{\"t\":\"end \\uD83D\",\"u\":\"x\xff y\"}");
  REQUIRE(r);
  CHECK(r->text == "{\"t\":\"end \\ufffd\",\"u\":\"x" + fffd + " y\"}");
  // Outside strings nothing is read as an escape; not-JSON stays not-JSON.
  CHECK_FALSE(repair_json_text(R"(\ud83d {"t":"x"})"));
}

TEST_CASE("a lone surrogate in one post's text: the page parses and that post is kept with U+FFFD") {
  const std::string body = R"({"data":[{"id":"3","text":"@lapor1708 Jalan rusak A"},)"
                           R"({"id":"2","text":"@lapor1708 Lampu \ud83d\ude00 \ud83d [lone] mati"},)"
                           R"({"id":"1","text":"@lapor1708 Got mampet \udc00"}],"meta":{"result_count":3}})";
  auto r = parse_mentions_page(body);
  REQUIRE(r.ok());
  REQUIRE(r.page.tweets.size() == 3);
  CHECK(r.page.repaired_text == 2);
  CHECK(r.page.tweets[1].text == "@lapor1708 Lampu \xF0\x9F\x98\x80 " + fffd + " [lone] mati");
  CHECK(g::is_valid_utf8(r.page.tweets[2].text));
  auto d = decide_mention(r.page.tweets[1], r.page, opts(), {});
  CHECK(d.item.sub.body == "Lampu \xF0\x9F\x98\x80 " + fffd + " [lone] mati");
}

TEST_CASE("a page that keeps failing to parse is reported stuck (for /readyz), and recovers") {
  walk_options o;
  o.mentions.our_user_id = our_id;
  o.stuck_after = 3;
  mentions_walk w(o, 100);
  const auto t0 = wall_clock::time_point(std::chrono::seconds(1795144542));
  auto a = w.begin(t0);
  REQUIRE(a.what == walk_action::kind::fetch);
  api_response bad;
  bad.transport_ok = true;
  bad.status = 200;
  bad.body = R"({"data":[{"id":"5","text":"broken)";
  for (int i = 1; i <= 3; ++i) {
    a = w.on_response(bad, t0, 0.5);
    CHECK(a.what == walk_action::kind::wait);
    CHECK(blocks_intake(w.health()) == (i >= 3));
    a = w.on_wait_over(t0);
  }
  CHECK(w.health() == walk_health::stuck_page);
  CHECK(w.last_error().find("did not parse") != std::string::npos);
  CHECK_FALSE(is_config_error(w.health()));
  api_response good = bad;
  good.body = R"({"meta":{"result_count":0}})";
  a = w.on_response(good, t0, 0.5);
  CHECK(w.health() == walk_health::ok);
  CHECK_FALSE(blocks_intake(w.health()));
}

TEST_CASE("a long post over the core's limit is cut with […] and flagged, never refused") {
  const std::string long_text = "@lapor1708 " + std::string(24991, 'x');
  auto d = decide_one(page_of("short", R"("note_tweet":{"text":")" + long_text + R"("})"));
  REQUIRE(d.skip == skip_reason::none);
  CHECK(g::utf8_length(d.item.sub.body) <= 20000);
  CHECK(d.item.sub.body.ends_with(" […]"));
  CHECK(d.item.sub.incomplete);
  CHECK(ref(d.item.sub, "cut") == "body");
  // Within the limit: whole, not flagged.
  d = decide_one(page_of("@lapor1708 " + std::string(20000, 'y')));
  CHECK(d.item.sub.body == std::string(20000, 'y'));
  CHECK_FALSE(d.item.sub.incomplete);
}

TEST_CASE("every other field a tweet fills is fitted to the core's limit") {
  const std::string name(300, 'N'), handle(80, 'h'), place(700, 'P');
  auto d = decide_one(page_of("@lapor1708 Jalan rusak", R"("geo":{"place_id":"p1"})",
                              R"({"users":[{"id":"42","name":")" + name + R"(","username":")" + handle + R"("}],)"
                              R"("places":[{"id":"p1","full_name":")" + place + R"("}]})"));
  REQUIRE(d.skip == skip_reason::none);
  CHECK(g::utf8_length(*d.item.sub.who.name) == 200);
  CHECK(g::utf8_length(*d.item.sub.who.twitter) == 64);
  CHECK(g::utf8_length(d.item.sub.where.text) == 500);
}

TEST_CASE("fit_body: C0/C1 controls and DEL dropped as the SMS path does, form feed a line break") {
  CHECK(fit_body("Lampu\x07 mati\x1b[31m merah\x7f di\x0c" "Jl. A\v\x01", 100).text == "Lampu mati[31m merah di\nJl. A");
  CHECK(fit_body(std::string("nul\0byte", 8), 100).text == "nulbyte");
  CHECK(fit_body("c1 \xC2\x85 \xC2\x9F end", 100).text == "c1   end");
  CHECK(fit_body("tab\tkept\r\nline", 100).text == "tab\tkept\nline");
  // NFC first, then measured: a decomposed é counts once.
  CHECK(fit_body("e\xCC\x81", 1).text == "\xC3\xA9");
  CHECK_FALSE(fit_body("e\xCC\x81", 1).cut);
}

TEST_CASE("tweets with BEL, NUL or ESC are cleaned, not refused") {
  auto d = decide_one(page_of(R"(@lapor1708 Banjir\u0007 di\u0000 Jl. Riau \u001b[31m)"));
  REQUIRE(d.skip == skip_reason::none);
  CHECK(d.item.sub.body == "Banjir di Jl. Riau [31m");
  CHECK(g::normalize_text(d.item.sub.body).has_value());
}

TEST_CASE("one-line fields lose format characters (bidi overrides) and line breaks") {
  CHECK(fit_line("Dewi\xE2\x80\xAE" "88amhaR\xE2\x80\xAC", 200).text == "Dewi88amhaR");
  CHECK(fit_line("a\xE2\x80\x8B" "b\nc\td", 200).text == "ab c d");
  auto d = decide_one(page_of("@lapor1708 Jalan rusak", "", R"({"users":[{"id":"42","name":"Adi \u202eevil","username":"adi"}]})"));
  CHECK(*d.item.sub.who.name == "Adi evil");
}

TEST_CASE("photo-only, hashtag-only and place-only mentions are complaints; a bare @handle is skipped") {
  const std::string photo_inc = R"({"media":[{"media_key":"3_9","type":"photo","url":"https://pbs.twimg.com/media/a.jpg"}],)"
                                R"("places":[{"id":"p1","full_name":"Sampit, Indonesia"}]})";
  auto d = decide_one(page_of("@lapor1708 https://t.co/AbC",
                              R"("attachments":{"media_keys":["3_9"]},"geo":{"place_id":"p1"},)"
                              R"("entities":{"urls":[{"url":"https://t.co/AbC","expanded_url":"https://x.com/a/status/1/photo/1","media_key":"3_9"}]})",
                              photo_inc));
  REQUIRE(d.skip == skip_reason::none);
  CHECK(d.item.sub.body == empty_body_text::photo);
  CHECK(d.item.photos.size() == 1);
  CHECK(d.item.sub.where.text == "Sampit, Indonesia");

  d = decide_one(page_of("@lapor1708 #JalanRusak #Sampit #Kotim",
                         R"("entities":{"hashtags":[{"tag":"JalanRusak"},{"tag":"Sampit"},{"tag":"Kotim"}]})"));
  REQUIRE(d.skip == skip_reason::none);
  CHECK(d.item.sub.body == "JalanRusak Sampit Kotim");
  CHECK(ref(d.item.sub, "hashtags") == "JalanRusak,Sampit,Kotim");

  d = decide_one(page_of("@lapor1708", R"("geo":{"coordinates":{"type":"Point","coordinates":[113.0,-2.5]}})"));
  CHECK(d.skip == skip_reason::none);
  CHECK(d.item.sub.body == empty_body_text::place);

  d = decide_one(page_of("@lapor1708 @pemkot", R"("referenced_tweets":[{"type":"replied_to","id":"1000"}])"));
  CHECK(d.skip == skip_reason::none);
  CHECK(d.item.sub.body == std::string(empty_body_text::linked) + " https://x.com/i/web/status/1000");

  CHECK(decide_one(page_of("@lapor1708 @pemkotbdg")).skip == skip_reason::empty);
  CHECK(decide_one(page_of("@lapor1708 \\u0007")).skip == skip_reason::empty);
}

TEST_CASE("created_at far ahead of the poll is clamped to the poll time") {
  const auto polled = *parse_created_at("2026-11-20T03:20:00.000Z");
  auto d = decide_one(page_of("@lapor1708 Jalan rusak", R"("created_at":"2099-06-01T00:00:00.000Z")"), polled);
  CHECK(d.item.sub.received_at == polled);
  CHECK(ref(d.item.sub, "created_at") == "2099-06-01T00:00:00.000Z");
  // Within the skew (X's clock a little ahead of ours): trusted.
  d = decide_one(page_of("@lapor1708 Jalan rusak", R"("created_at":"2026-11-20T03:22:00.000Z")"), polled);
  CHECK(d.item.sub.received_at == *parse_created_at("2026-11-20T03:22:00.000Z"));
  CHECK(ref(d.item.sub, "created_at") == "<absent>");
}
