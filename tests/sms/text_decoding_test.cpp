#include <doctest/doctest.h>

#include "channels/sms/gsm7.h"
#include "channels/sms/text_decoding.h"
#include "tests/sms/test_support.h"

using namespace lapor::sms;
using namespace lapor::sms::test;

namespace {

struct text_case {
  const char* name;
  const char* octets;
  std::uint8_t data_coding;
  const char* utf8;
  text_decode_options options{};
};

}  // namespace

TEST_CASE("decode_text: data_coding table") {
  const text_decode_options latin1_dc0{default_alphabet::latin1, default_alphabet::auto_detect};
  const text_decode_options auto_dc0{default_alphabet::auto_detect, default_alphabet::auto_detect};
  const text_decode_options ascii_dc1{default_alphabet::gsm7, default_alphabet::ascii};
  const text_decode_options gsm_dc1{default_alphabet::gsm7, default_alphabet::gsm7};
  const text_case cases[] = {
      // GSM 03.38, dc 0 (Kannel / node-smpp capture from the reference).
      {"reference capture", "61 00 62 02 63 11 64 1B65 1B28 1B29 05", 0, "a@b$c_d€{}é"},
      {"plain Indonesian", "4A616C616E20727573616B", 0, "Jalan rusak"},
      {"basic table, 0x00-0x0F", "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F", 0,
       "@£$¥èéùìòÇ\nØø\rÅå"},
      {"basic table, Greek and 0x1C-0x1F", "10 11 12 13 14 15 16 17 18 19 1A 1C 1D 1E 1F", 0, "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"},
      {"basic table, where ASCII differs", "24 40 5B 5C 5D 5E 5F 60 7B 7C 7D 7E 7F", 0, "¤¡ÄÖÑÜ§¿äöñüà"},
      {"extension € via escape", "1B65", 0, "€"},
      {"extension [ ] via escape", "1B3C 1B3E", 0, "[]"},
      {"extension { } via escape", "1B28 1B29", 0, "{}"},
      {"extension ~ ^ via escape", "1B3D 1B14", 0, "~^"},
      {"extension \\ | via escape", "1B2F 1B40", 0, "\\|"},
      {"extension form feed", "1B0A", 0, "\f"},
      {"escape + unknown code: the basic character (23.038)", "1B41 1B00", 0, "A@"},
      {"escape escape: a space", "61 1B1B 62", 0, "a b"},
      {"escape as the last septet: a space", "61 62 1B", 0, "ab "},
      // dc 1: node-smpp's GSM labelled IA5, and real IA5.
      {"dc 1 as GSM (node-smpp capture)", "61 00 62 02 63 11 64", 1, "a@b$c_d"},
      {"dc 1 with a high octet: Latin-1", "63 61 66 E9", 1, "café"},
      {"dc 1 forced ASCII", "61 40 62 24", 1, "a@b$", ascii_dc1},
      {"dc 1 forced GSM", "61 40", 1, "a¡", gsm_dc1},
      // Operator policies for dc 0.
      {"dc 0 as Latin-1", "63 61 66 E9 40", 0, "café@", latin1_dc0},
      {"dc 0 auto, GSM", "61 00 62", 0, "a@b", auto_dc0},
      {"dc 0 auto, Latin-1", "61 40 E9", 0, "a@é", auto_dc0},
      // Latin-1.
      {"Latin-1", "4A 61 6C 61 6E 20 E9 FC DF A3 FF", 3, "Jalan éüß£ÿ"},
      // UCS-2 / UTF-16BE.
      {"UCS-2 Indonesian", "004A 0061 006C 0061 006E", 8, "Jalan"},
      {"UCS-2 Arabic", "0634 0643 0648 0649", 8, "شكوى"},
      {"UTF-16 surrogate pair (emoji)", "004A 0061 D83D DE00", 8, "Ja😀"},
      {"UTF-16 two emoji", "D83D DE21 D83D DEA7", 8, "😡🚧"},
      {"byte-order mark dropped", "FEFF 0041", 8, "A"},
      {"empty UCS-2", "", 8, ""},
      // GSM DCS groups some SMSCs pass through.
      {"DCS 0xF0 (GSM 7-bit, class 0)", "41 42", 0xF0, "AB"},
      {"DCS 0x11 (general group, GSM 7-bit, class 1)", "41 1B65", 0x11, "A€"},
      {"DCS 0x18 (general group, UCS-2)", "0041", 0x18, "A"},
      {"DCS 0xE0 (message waiting, UCS-2)", "0041", 0xE0, "A"},
      {"DCS 0xC8 (message waiting, GSM 7-bit)", "41", 0xC8, "A"},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.name));
    auto r = decode_text(hex(c.octets), c.data_coding, c.options);
    REQUIRE(r.has_value());
    CHECK(*r == c.utf8);
  }
}

TEST_CASE("decode_text: refusals name their reason") {
  struct bad {
    const char* name;
    const char* octets;
    std::uint8_t data_coding;
    const char* reason;
    bool not_text;
  };
  const bad cases[] = {
      {"octet >= 0x80 in GSM", "61 80 62", 0, "octet 0x80 at offset 1 is not a GSM 7-bit code", false},
      {"octet >= 0x80 after ESC", "61 1B 80", 0, "octet 0x80 at offset 2 is not a GSM 7-bit code", false},
      {"unpaired high surrogate", "0041 D83D 0041", 8, "unpaired high surrogate at offset 2", false},
      {"high surrogate at the end", "0041 D83D", 8, "unpaired high surrogate at offset 2", false},
      {"unpaired low surrogate", "DE00 0041", 8, "unpaired low surrogate at offset 0", false},
      {"odd UCS-2 length", "0041 00", 8, "UCS-2 text has an odd number of octets (3)", false},
      {"binary dc 4", "0102", 4, "binary payload not text", true},
      {"binary dc 2", "0102", 2, "binary payload not text", true},
      {"binary DCS 0xF4", "0102", 0xF4, "binary payload not text", true},
      {"JIS dc 5", "41", 5, "data_coding 0x05 not supported", true},
      {"Cyrillic dc 6", "41", 6, "data_coding 0x06 not supported", true},
      {"compressed DCS 0x30", "41", 0x30, "data_coding 0x30 not supported", true},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.name));
    auto r = decode_text(hex(c.octets), c.data_coding);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().reason == c.reason);
    CHECK(r.error().not_text() == c.not_text);
  }
  const text_decode_options ascii_dc1{default_alphabet::gsm7, default_alphabet::ascii};
  auto ascii = decode_text(hex("61 E9"), 1, ascii_dc1);
  REQUIRE_FALSE(ascii.has_value());
  CHECK(ascii.error().reason == "octet 0xE9 at offset 1 is not ASCII");
}

TEST_CASE("decode_text: lossy mode replaces what strict refuses") {
  struct lossy_case {
    const char* octets;
    std::uint8_t dc;
    const char* utf8;
  };
  const lossy_case cases[] = {
      {"61 80 62", 0, "a\uFFFDb"},
      {"0041 D83D 0041", 8, "A\uFFFDA"},
      {"DE00", 8, "\uFFFD"},
      {"0041 00", 8, "A\uFFFD"},
  };
  for (const auto& c : cases) {
    auto r = decode_text(hex(c.octets), c.dc, {}, decode_mode::lossy);
    REQUIRE(r.has_value());
    CHECK(*r == c.utf8);
  }
  auto binary = decode_text(hex("0102"), 4, {}, decode_mode::lossy);
  CHECK_FALSE(binary.has_value());
}

TEST_CASE("packed GSM 7-bit") {
  // The textbook vector: "hellohello" packs to E8329BFD4697D9EC37.
  const bytes septets = *gsm7::encode_unpacked("hellohello");
  CHECK(to_hex(gsm7::pack(septets)) == "E8329BFD4697D9EC37");
  CHECK(gsm7::unpack(hex("E8329BFD4697D9EC37")) == septets);
  const text_decode_options packed{default_alphabet::gsm7_packed, default_alphabet::auto_detect};
  auto r = decode_text(hex("E8329BFD4697D9EC37"), 0, packed);
  REQUIRE(r.has_value());
  CHECK(*r == "hellohello");

  SUBCASE("7 septets leave 7 spare bits: CR padding, dropped on the way back") {
    const bytes seven = *gsm7::encode_unpacked("abcdefg");
    const bytes p = gsm7::pack(seven);
    CHECK(p.size() == 7);
    CHECK((p[6] >> 1) == 0x0D);
    CHECK(gsm7::unpack(p) == seven);
  }
  SUBCASE("8 septets fill 7 octets exactly") {
    const bytes eight = *gsm7::encode_unpacked("abcdefgh");
    CHECK(gsm7::unpack(gsm7::pack(eight)) == eight);
  }
  SUBCASE("after a 6-octet UDH the text starts after 1 fill bit") {
    CHECK(gsm7::fill_bits_after_udh(6) == 1);
    CHECK(gsm7::fill_bits_after_udh(7) == 0);
    const bytes text = *gsm7::encode_unpacked("Jalan rusak {km 5}");
    const bytes p = gsm7::pack(text, 1);
    CHECK(gsm7::unpack(p, 1) == text);
    auto decoded = decode_text(p, 0, packed, decode_mode::strict, 6);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == "Jalan rusak {km 5}");
  }
  SUBCASE("round trips of every length up to 20 and every fill") {
    for (unsigned fill = 0; fill < 7; ++fill) {
      for (std::size_t n = 1; n <= 20; ++n) {
        bytes s;
        for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<std::uint8_t>(0x41 + i));
        CAPTURE(fill);
        CAPTURE(n);
        CHECK(gsm7::unpack(gsm7::pack(s, fill), fill) == s);
      }
    }
  }
}

TEST_CASE("GSM tables agree both ways") {
  for (unsigned code = 0; code < 128; ++code) {
    if (code == gsm7::escape) continue;
    const char32_t c = gsm7::basic_char(static_cast<std::uint8_t>(code));
    auto found = gsm7::find(c);
    REQUIRE(found);
    CHECK_FALSE(found->extended);
    CHECK(found->code == code);
  }
  for (char32_t c : {U'\f', U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|', U'€'}) {
    auto found = gsm7::find(c);
    REQUIRE(found);
    CHECK(found->extended);
    CHECK(gsm7::extension_char(found->code) == c);
  }
  CHECK_FALSE(gsm7::find(U'ç'));
  CHECK_FALSE(gsm7::find(U'`'));
  CHECK_FALSE(gsm7::find(U'😀'));
}
