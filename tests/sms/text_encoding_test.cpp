#include <doctest/doctest.h>

#include "channels/sms/text_decoding.h"
#include "channels/sms/text_encoding.h"
#include "channels/sms/udh.h"
#include "tests/sms/test_support.h"

using namespace lapor::sms;
using namespace lapor::sms::test;

TEST_CASE("encode_gsm7") {
  struct enc {
    const char* utf8;
    const char* septets;  // nullptr: not representable
  };
  const enc cases[] = {
      {"a@b$c_d€{}é", "61 00 62 02 63 11 64 1B65 1B28 1B29 05"},
      {"[x]~^\\|", "1B3C 78 1B3E 1B3D 1B14 1B2F 1B40"},
      {"Laporan diterima. ID: LPR-7K3D-9QX2-M",
       "4C61706F72616E20646974657269 6D612E2049443A204C50522D374B33442D39515832 2D4D"},
      {"ΔΣ¿¡", "10 18 60 40"},
      {"", ""},
      {"ç", nullptr},
      {"`", nullptr},
      {"jalan 😀", nullptr},
      {"\xC3", nullptr},          // truncated UTF-8
      {"\xED\xA0\x80", nullptr},  // an encoded surrogate
      {"\xC0\xAF", nullptr},      // overlong
  };
  for (const auto& c : cases) {
    INFO(std::string(c.utf8));
    auto r = encode_gsm7(c.utf8);
    if (c.septets == nullptr) {
      CHECK_FALSE(r);
    } else {
      REQUIRE(r);
      CHECK(to_hex(*r) == to_hex(hex(c.septets)));
      auto back = decode_text(*r, 0);
      REQUIRE(back.has_value());
      CHECK(*back == c.utf8);
    }
  }
}

TEST_CASE("encode_ucs2") {
  CHECK(to_hex(*encode_ucs2("Ja😀")) == "004A0061D83DDE00");
  CHECK(to_hex(*encode_ucs2("شكوى")) == "0634064306480649");
  CHECK(to_hex(*encode_ucs2("\U0010FFFF")) == "DBFFDFFF");
  CHECK_FALSE(encode_ucs2("\xFF"));
  for (const char* s : {"Lampu jalan mati 😀🚧", "تم استلام شكواك", "é€ß", ""}) {
    auto back = decode_text(*encode_ucs2(s), 8);
    REQUIRE(back.has_value());
    CHECK(*back == s);
  }
}

namespace {

// Joins the parts' payloads (UDH stripped) and decodes them.
std::string rejoin(const sms_parts& p) {
  bytes all;
  for (const auto& part : p.parts) {
    bytes_view payload = part;
    if (p.udhi) {
      auto u = parse_udh(part);
      REQUIRE(u.has_value());
      payload = u->payload;
    }
    all.insert(all.end(), payload.begin(), payload.end());
  }
  auto text = decode_text(all, p.data_coding);
  REQUIRE(text.has_value());
  return *text;
}

}  // namespace

TEST_CASE("split_for_sms") {
  SUBCASE("one GSM part up to 160 septets") {
    const std::string text(160, 'a');
    auto r = split_for_sms(text, 7);
    REQUIRE(r.has_value());
    CHECK(r->data_coding == 0);
    CHECK_FALSE(r->udhi);
    REQUIRE(r->parts.size() == 1);
    CHECK(r->parts[0].size() == 160);
  }
  SUBCASE("161 septets: 153 + 8 behind an 8-bit concatenation UDH") {
    const std::string text(161, 'a');
    auto r = split_for_sms(text, 0x42);
    REQUIRE(r.has_value());
    CHECK(r->udhi);
    REQUIRE(r->parts.size() == 2);
    CHECK(to_hex(bytes_view(r->parts[0]).first(6)) == "050003420201");
    CHECK(to_hex(bytes_view(r->parts[1]).first(6)) == "050003420202");
    CHECK(r->parts[0].size() == 6 + 153);
    CHECK(r->parts[1].size() == 6 + 8);
    CHECK(rejoin(*r) == text);
  }
  SUBCASE("an escape pair is never split across parts") {
    const std::string text = std::string(152, 'a') + "€" + std::string(10, 'b');
    auto r = split_for_sms(text, 1);
    REQUIRE(r.has_value());
    REQUIRE(r->parts.size() == 2);
    CHECK(r->parts[0].size() == 6 + 152);  // the ESC moved to part 2
    CHECK(r->parts[1][6] == 0x1B);
    CHECK(rejoin(*r) == text);
    // Each part decodes on its own too (a receiver that does not join raw octets).
    for (const auto& part : r->parts) {
      auto t = decode_text(bytes_view(part).subspan(6), 0);
      CHECK(t.has_value());
    }
  }
  SUBCASE("extension characters count twice") {
    const std::string text(80, '{');  // 160 septets: still one part
    auto r = split_for_sms(text, 1);
    REQUIRE(r.has_value());
    CHECK(r->parts.size() == 1);
    auto r2 = split_for_sms(text + "{", 1);
    REQUIRE(r2.has_value());
    CHECK(r2->parts.size() == 2);
    CHECK(rejoin(*r2) == text + "{");
  }
  SUBCASE("UCS-2: 70 units in one part, 67 per part beyond") {
    std::string seventy;
    for (int i = 0; i < 70; ++i) seventy += "ش";
    auto one = split_for_sms(seventy, 3);
    REQUIRE(one.has_value());
    CHECK(one->data_coding == 8);
    CHECK(one->parts.size() == 1);
    CHECK(one->parts[0].size() == 140);
    auto two = split_for_sms(seventy + "ش", 3);
    REQUIRE(two.has_value());
    REQUIRE(two->parts.size() == 2);
    CHECK(two->parts[0].size() == 6 + 134);
    CHECK(two->parts[1].size() == 6 + 8);
    CHECK(rejoin(*two) == seventy + "ش");
  }
  SUBCASE("a surrogate pair is never split across parts") {
    std::string text;
    for (int i = 0; i < 66; ++i) text += "ش";
    text += "😀";  // units 67 and 68
    text += "شششش";  // 72 units: two parts
    auto r = split_for_sms(text, 9);
    REQUIRE(r.has_value());
    REQUIRE(r->parts.size() == 2);
    CHECK(r->parts[0].size() == 6 + 132);
    for (const auto& part : r->parts) {
      auto t = decode_text(bytes_view(part).subspan(6), 8);
      CHECK(t.has_value());  // no part ends in half a pair
    }
    CHECK(rejoin(*r) == text);
  }
  SUBCASE("refusals") {
    CHECK_FALSE(split_for_sms("", 1).has_value());
    CHECK_FALSE(split_for_sms("\xFF", 1).has_value());
    auto too_long = split_for_sms(std::string(400, 'x'), 1, 2);
    REQUIRE_FALSE(too_long.has_value());
    CHECK(too_long.error().reason == "reply needs 3 parts, more than 2");
  }
}
