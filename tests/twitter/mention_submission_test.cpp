#include <doctest/doctest.h>

#include <algorithm>

#include "channels/twitter/mention_submission.h"
#include "fixtures.h"

using namespace lapor::twitter;
namespace g = lapor::gateway;

namespace {

constexpr std::uint64_t our_id = 1497254331178708992ull;

mention_options opts() {
  mention_options o;
  o.our_user_id = our_id;
  o.our_handle = "lapor1708";
  return o;
}

std::string ref(const g::submission& s, std::string_view key) {
  for (const auto& [k, v] : s.channel_ref)
    if (k == key) return v;
  return "<absent>";
}

}  // namespace

TEST_CASE("a photo complaint with a place: reporter, body, photo, location, key, time") {
  auto page = parse_mentions_page(fixtures::page1).page;
  auto d = decide_mention(page.tweets[0], page, opts(), {});
  REQUIRE(d.skip == skip_reason::none);
  const auto& s = d.item.sub;
  CHECK(d.item.tweet_id == 2123616243545145355ull);
  CHECK(s.channel == g::channel_kind::twitter);
  CHECK(s.idempotency_key == "2123616243545145355");
  CHECK(s.who.twitter == std::optional<std::string>("dewi_rahma88"));
  CHECK(s.who.name == std::optional<std::string>("Dewi Rahmawati"));
  CHECK_FALSE(s.who.phone.has_value());
  CHECK(s.body ==
        "Jalan berlubang besar di Jl. Sudirman depan halte Dago, sudah 2 minggu belum diperbaiki. Mohon segera ditindaklanjuti.");
  CHECK(s.where.text == "Bandung, Indonesia");
  CHECK_FALSE(s.where.lat.has_value());
  REQUIRE(d.item.photos.size() == 1);
  CHECK(d.item.photos[0].url == "https://pbs.twimg.com/media/G7kLmNoPqRsTuVw.jpg");
  CHECK(ref(s, "tweet_id") == "2123616243545145355");
  CHECK(ref(s, "username") == "dewi_rahma88");
  CHECK(ref(s, "url") == "https://x.com/dewi_rahma88/status/2123616243545145355");
  CHECK(ref(s, "media_urls") == "https://pbs.twimg.com/media/G7kLmNoPqRsTuVw.jpg");
  CHECK(ref(s, "original_tweet_id") == "<absent>");
  CHECK(ref(s, "conversation_id") == "<absent>");  // it starts its own conversation
  CHECK(s.received_at == *parse_created_at("2026-11-20T03:15:42.000Z"));
}

TEST_CASE("a reply in a thread keeps its links; a long post uses the full text") {
  auto page = parse_mentions_page(fixtures::page1).page;
  auto reply = decide_mention(page.tweets[1], page, opts(), {});
  REQUIRE(reply.skip == skip_reason::none);
  CHECK(reply.item.sub.body == "Sama, di Kel. Cihapit sampah juga menumpuk sudah 3 hari tidak diangkut.");
  CHECK(reply.item.sub.who.twitter == std::optional<std::string>("rina_cihapit"));
  CHECK(ref(reply.item.sub, "in_reply_to_tweet_id") == "2123593971790905348");
  CHECK(ref(reply.item.sub, "conversation_id") == "2123593971790905348");

  auto note = decide_mention(page.tweets[2], page, opts(), {});
  REQUIRE(note.skip == skip_reason::none);
  CHECK(note.item.sub.body.starts_with("Laporan: lampu penerangan"));
  CHECK(note.item.sub.body.ends_with("panel listrik di dekat SPBU. Terima kasih."));
}

TEST_CASE("an edited post is keyed by the original post; a quote keeps the quoted link; retweets are skipped") {
  auto page = parse_mentions_page(fixtures::page2).page;
  auto edited = decide_mention(page.tweets[0], page, opts(), {});
  REQUIRE(edited.skip == skip_reason::none);
  CHECK(edited.item.sub.idempotency_key == "2123602771440697349");
  CHECK(ref(edited.item.sub, "tweet_id") == "2123604973450297345");
  CHECK(ref(edited.item.sub, "original_tweet_id") == "2123602771440697349");

  auto quote = decide_mention(page.tweets[1], page, opts(), {});
  REQUIRE(quote.skip == skip_reason::none);
  CHECK(quote.item.sub.body == "Ini masih terjadi, tolong dicek lagi pak https://x.com/someone/status/2123580000000000001");
  CHECK(ref(quote.item.sub, "quoted_tweet_id") == "2123580000000000001");

  CHECK(decide_mention(page.tweets[2], page, opts(), {}).skip == skip_reason::retweet);
}

TEST_CASE("our own posts are not complaints") {
  auto page = parse_mentions_page(fixtures::page1).page;
  tweet t = page.tweets[0];
  t.author_id = our_id;
  CHECK(decide_mention(t, page, opts(), {}).skip == skip_reason::own_post);
}

TEST_CASE("an author missing from includes (protected, suspended) still files a complaint") {
  auto page = parse_mentions_page(R"({"data":[{"id":"77","text":"@lapor1708 Jembatan putus","author_id":"555",
      "geo":{"coordinates":{"type":"Point","coordinates":[113.0,-2.5]}}}],"meta":{"result_count":1}})")
                  .page;
  auto d = decide_mention(page.tweets[0], page, opts(), {});
  REQUIRE(d.skip == skip_reason::none);
  CHECK_FALSE(d.item.sub.who.twitter.has_value());
  CHECK_FALSE(d.item.sub.who.name.has_value());
  CHECK(ref(d.item.sub, "author_id") == "555");
  CHECK(ref(d.item.sub, "url") == "https://x.com/i/web/status/77");
  CHECK(d.item.sub.where.lat == std::optional<double>(-2.5));
  CHECK(d.item.sub.where.lon == std::optional<double>(113.0));
  CHECK(d.item.sub.received_at == g::clock::time_point{});  // no created_at: the core stamps it
}

TEST_CASE("videos travel as URLs, photos are capped") {
  auto page = parse_mentions_page(R"({"data":[{"id":"9","text":"@lapor1708 x","attachments":{"media_keys":["a","b","c","v"]}}],
      "includes":{"media":[{"media_key":"a","type":"photo","url":"https://p/a.jpg"},{"media_key":"b","type":"photo","url":"https://p/b.jpg"},
        {"media_key":"c","type":"photo","url":"https://p/c.jpg"},{"media_key":"v","type":"video","preview_image_url":"https://p/v.jpg"}]},
      "meta":{"result_count":1}})")
                  .page;
  auto o = opts();
  o.max_photos = 2;
  auto d = decide_mention(page.tweets[0], page, o, {});
  CHECK(d.item.photos.size() == 2);
  CHECK(ref(d.item.sub, "media_urls") == "https://p/a.jpg https://p/b.jpg https://p/c.jpg https://p/v.jpg");
}

TEST_CASE("parse_created_at") {
  using namespace std::chrono;
  auto t = parse_created_at("2026-11-20T03:15:42.123Z");
  REQUIRE(t.has_value());
  CHECK(duration_cast<milliseconds>(t->time_since_epoch()).count() == 1795144542123LL);
  CHECK(parse_created_at("2026-11-20T03:15:42Z").has_value());
  CHECK_FALSE(parse_created_at("Wed Jan 06 18:40:40 +0000 2021"));
  CHECK_FALSE(parse_created_at("2026-02-30T00:00:00Z"));
  CHECK_FALSE(parse_created_at("2026-11-20T03:15:42.1Z"));
  CHECK_FALSE(parse_created_at("2026-11-20T03:15:42.000+07:00"));
  CHECK_FALSE(parse_created_at(""));
}

TEST_CASE("parse_created_at: years outside 2006..2200 are refused, never overflow (found by fuzzing)") {
  // Year 0000 took sys_days past the range of a nanosecond time_point: signed overflow (UB).
  CHECK_FALSE(parse_created_at("0000-01-01T00:00:00.000Z"));
  CHECK_FALSE(parse_created_at("9999-12-31T23:59:59.999Z"));
  CHECK_FALSE(parse_created_at("2005-12-31T23:59:59Z"));
  CHECK(parse_created_at("2006-03-21T20:50:14.000Z").has_value());
  CHECK(parse_created_at("2200-01-01T00:00:00Z").has_value());
}
