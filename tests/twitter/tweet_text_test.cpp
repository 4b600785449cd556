#include <doctest/doctest.h>

#include "channels/twitter/tweet_text.h"

using namespace lapor::twitter;

namespace {

text_entities urls(std::vector<url_entity> u) {
  text_entities e;
  e.urls = std::move(u);
  return e;
}

}  // namespace

TEST_CASE("the body reads as the citizen wrote it") {
  struct row {
    const char* name;
    const char* text;
    text_entities entities;
    const char* body;
  };
  const row rows[] = {
      {"our leading mention", "@lapor1708 Jalan rusak di Jl. Ahmad Yani", {}, "Jalan rusak di Jl. Ahmad Yani"},
      {"reply prefix of several mentions", "@budi_santoso @lapor1708 Sama, sampah menumpuk.", {}, "Sama, sampah menumpuk."},
      {"mention with a colon", "@lapor1708: lampu jalan padam", {}, "lampu jalan padam"},
      {"handle case-insensitive, inline", "Tolong @LAPOR1708, jalan rusak parah", {}, "Tolong jalan rusak parah"},
      {"handle before a full stop", "Mohon ditindaklanjuti @lapor1708.", {}, "Mohon ditindaklanjuti."},
      {"other inline mentions stay", "@lapor1708 sudah lapor ke @pemkotbdg tapi belum ada respon", {},
       "sudah lapor ke @pemkotbdg tapi belum ada respon"},
      {"an e-mail address is not a mention", "@lapor1708 hubungi saya di warga@contoh.id", {}, "hubungi saya di warga@contoh.id"},
      {"a longer name is not our handle", "@lapor1708 cc @lapor17080 ya", {}, "cc @lapor17080 ya"},
      {"HTML entities unescaped", "@lapor1708 air &amp; listrik mati &gt; 3 hari &lt;3", {}, "air & listrik mati > 3 hari <3"},
      {"t.co expanded", "@lapor1708 lihat https://t.co/abc ini",
       urls({{"https://t.co/abc", "https://example.go.id/berita/1", ""}}), "lihat https://example.go.id/berita/1 ini"},
      {"attached photo link removed (media_key)", "@lapor1708 Jalan berlubang. https://t.co/pic",
       urls({{"https://t.co/pic", "https://x.com/u/status/1/photo/1", "3_1"}}), "Jalan berlubang."},
      {"attached video link removed (expanded form)", "@lapor1708 Banjir https://t.co/vid",
       urls({{"https://t.co/vid", "https://twitter.com/u/status/1/video/1", ""}}), "Banjir"},
      {"quoted post link kept", "@lapor1708 masih terjadi https://t.co/q",
       urls({{"https://t.co/q", "https://x.com/someone/status/2123580000000000001", ""}}),
       "masih terjadi https://x.com/someone/status/2123580000000000001"},
      {"a wrapper that prefixes another", "@lapor1708 a https://t.co/ab b https://t.co/abc",
       urls({{"https://t.co/ab", "https://one.id", ""}, {"https://t.co/abc", "https://two.id", ""}}),
       "a https://one.id b https://two.id"},
      {"no expanded_url: wrapper kept", "@lapor1708 https://t.co/zz", urls({{"https://t.co/zz", "", ""}}), "https://t.co/zz"},
      {"inline hashtags keep their word, closing run removed", "@lapor1708 #Banjir di Jl. Pagarsih sejak subuh #Bandung #darurat", {},
       "Banjir di Jl. Pagarsih sejak subuh"},
      {"a number sign is not a hashtag", "@lapor1708 rumah no #12 kebanjiran", {}, "rumah no #12 kebanjiran"},
      {"spaces collapsed, lines trimmed, one blank line kept", "@lapor1708   Jalan   rusak.  \n\n\n\n  Mohon  dicek. ", {},
       "Jalan rusak.\n\nMohon dicek."},
      {"only mentions: empty body", "@lapor1708 @pemkotbdg", {}, ""},
      {"non-ASCII text untouched", "@lapor1708 Jalan rusak 🚧 di Kampung Ciburial — tolong", {},
       "Jalan rusak 🚧 di Kampung Ciburial — tolong"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    CHECK(clean_tweet_text(r.text, r.entities, "lapor1708").body == r.body);
  }
}

TEST_CASE("hashtags are returned once each, first spelling") {
  auto c = clean_tweet_text("@lapor1708 #banjir di #Bandung lagi #BANJIR #Bandung", {}, "lapor1708");
  CHECK(c.hashtags == std::vector<std::string>{"banjir", "Bandung"});
  CHECK(c.body == "banjir di Bandung lagi");
}

TEST_CASE("with hashtag entities, only those are hashtags") {
  text_entities e;
  e.hashtags = {"banjir"};
  auto c = clean_tweet_text("@lapor1708 #banjir parah C#sharp #bukan", e, "lapor1708");
  CHECK(c.hashtags == std::vector<std::string>{"banjir"});
  CHECK(c.body == "banjir parah C#sharp #bukan");
}

TEST_CASE("unescape_html leaves unknown entities alone") {
  CHECK(unescape_html("a &amp;amp; b") == "a &amp; b");
  CHECK(unescape_html("&nbsp; &#39; &quot;x&quot;") == "&nbsp; ' \"x\"");
  CHECK(unescape_html("&") == "&");
}
