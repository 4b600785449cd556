#include "gateway/text.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace lapor::gateway;
using namespace std::string_literals;

namespace {

struct utf8_case {
  const char* what;
  std::string bytes;
  bool valid;
};

const std::vector<utf8_case> utf8_cases = {
    {"empty", ""s, true},
    {"ascii", "Jalan rusak di Jl. Ahmad Yani"s, true},
    {"long ascii run (word-at-a-time path)", std::string(1000, 'a'), true},
    {"2-byte e acute", "caf\xC3\xA9"s, true},
    {"3-byte euro", "\xE2\x82\xAC"s, true},
    {"4-byte emoji", "\xF0\x9F\x98\x80"s, true},
    {"U+10FFFF, the last code point", "\xF4\x8F\xBF\xBF"s, true},
    {"U+FFFD", "\xEF\xBF\xBD"s, true},
    {"U+D7FF, just below the surrogates", "\xED\x9F\xBF"s, true},
    {"U+E000, just above the surrogates", "\xEE\x80\x80"s, true},
    {"NUL is well-formed UTF-8", "a\0b"s, true},
    {"non-ASCII after 8+ ASCII bytes", "abcdefghij\xC3\xA9klmnopqrstuvwxyz"s, true},
    {"overlong slash C0 AF", "\xC0\xAF"s, false},
    {"overlong C1 BF", "\xC1\xBF"s, false},
    {"overlong 3-byte E0 80 AF", "\xE0\x80\xAF"s, false},
    {"overlong 3-byte E0 9F BF", "\xE0\x9F\xBF"s, false},
    {"overlong 4-byte F0 8F BF BF", "\xF0\x8F\xBF\xBF"s, false},
    {"high surrogate U+D800", "\xED\xA0\x80"s, false},
    {"low surrogate U+DFFF", "\xED\xBF\xBF"s, false},
    {"surrogate pair in CESU-8", "\xED\xA0\xBD\xED\xB8\x80"s, false},
    {"U+110000 F4 90 80 80", "\xF4\x90\x80\x80"s, false},
    {"F5 lead", "\xF5\x80\x80\x80"s, false},
    {"FF byte", "\xFF"s, false},
    {"FE byte", "a\xFE"s, false},
    {"truncated 2-byte at end", "caf\xC3"s, false},
    {"truncated 3-byte at end", "\xE2\x82"s, false},
    {"truncated 4-byte at end", "\xF0\x9F\x98"s, false},
    {"truncated 3-byte mid-string", "\xE2\x82" "abc"s, false},
    {"stray continuation", "a\x80" "b"s, false},
    {"stray continuation after 8 ASCII", "abcdefgh\xBF"s, false},
    {"two continuations after a 2-byte", "\xC3\xA9\xA9"s, false},
    {"Latin-1 e acute, not UTF-8", "caf\xE9"s, false},
};

}  // namespace

TEST_CASE("text: is_valid_utf8 table") {
  for (const auto& c : utf8_cases) {
    CAPTURE(c.what);
    CHECK(is_valid_utf8(c.bytes) == c.valid);
  }
}

TEST_CASE("text: every invalid sequence is a rejection by normalize_text, never repaired") {
  for (const auto& c : utf8_cases) {
    if (c.valid) continue;
    CAPTURE(c.what);
    CHECK_FALSE(normalize_text(c.bytes).has_value());
  }
}

TEST_CASE("text: normalize_text table") {
  struct tcase {
    const char* what;
    std::string in;
    std::optional<std::string> out;
  };
  const std::vector<tcase> cases = {
      {"plain ASCII unchanged", "Lampu jalan mati", "Lampu jalan mati"s},
      {"empty stays empty", "", ""s},
      {"only whitespace becomes empty", " \t\n ", ""s},
      {"NFC composes e + combining acute", "caf" "e\xCC\x81", "caf\xC3\xA9"s},
      {"already NFC kept", "caf\xC3\xA9", "caf\xC3\xA9"s},
      {"NFC composes Hangul jamo", "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB", "\xED\x95\x9C"s},
      {"NFC reorders combining marks", "a\xCC\x81\xCC\xA3", "\xE1\xBA\xA1\xCC\x81"s},
      {"compatibility characters are kept (NFC, not NFKC)", "\xEF\xAC\x81", "\xEF\xAC\x81"s},
      {"CRLF becomes LF", "baris satu\r\nbaris dua", "baris satu\nbaris dua"s},
      {"lone CR becomes LF", "a\rb", "a\nb"s},
      {"CR CR LF becomes two LF", "a\r\r\nb", "a\n\nb"s},
      {"tab and LF kept inside", "a\tb\nc", "a\tb\nc"s},
      {"leading and trailing spaces trimmed", "  Jalan rusak  ", "Jalan rusak"s},
      {"trailing CRLF trimmed", "Jalan rusak\r\n", "Jalan rusak"s},
      {"NBSP and ideographic space trimmed", "\xC2\xA0" "x" "\xE3\x80\x80", "x"s},
      {"BOM trimmed", "\xEF\xBB\xBFlapor", "lapor"s},
      {"inner NBSP kept", "a\xC2\xA0" "b", "a\xC2\xA0" "b"s},
      {"emoji kept", "Banjir \xF0\x9F\x98\xAD", "Banjir \xF0\x9F\x98\xAD"s},
      {"NUL rejected", "a\0b"s, std::nullopt},
      {"BEL rejected", "a\x07" "b", std::nullopt},
      {"ESC rejected", "\x1B[31mred", std::nullopt},
      {"vertical tab rejected", "a\x0B" "b", std::nullopt},
      {"form feed rejected", "a\x0C" "b", std::nullopt},
      {"DEL rejected", "a\x7F" "b", std::nullopt},
      {"control at the very end rejected", "abc\x01", std::nullopt},
      {"invalid UTF-8 rejected", "caf\xE9", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    const auto got = normalize_text(c.in);
    REQUIRE(got.has_value() == c.out.has_value());
    if (got) CHECK(*got == *c.out);
  }
}

TEST_CASE("text: normalize_text output is valid UTF-8 and idempotent") {
  for (std::string in : {"  e\xCC\x81t\xC3\xA9 \r\n"s, "Jl. Ahmad Yani km 5\r\nSampit"s, "\xEF\xBB\xBF a\xCC\x8A "s}) {
    const auto once = normalize_text(in);
    REQUIRE(once);
    CHECK(is_valid_utf8(*once));
    const auto twice = normalize_text(*once);
    REQUIRE(twice);
    CHECK(*twice == *once);
  }
}

TEST_CASE("text: has_visible_text, for a body of zero-width characters only (the fourth probe)") {
  CHECK(has_visible_text("a"));
  CHECK(has_visible_text("  \xF0\x9F\x98\x80 "));           // an emoji shows
  CHECK(has_visible_text("\xE2\x80\x8B" "jalan"));         // ZWSP then a word
  CHECK_FALSE(has_visible_text(""));
  CHECK_FALSE(has_visible_text(" \t\n"));
  CHECK_FALSE(has_visible_text("\xE2\x80\x8B\xE2\x80\x8B"));  // ZWSP ZWSP
  CHECK_FALSE(has_visible_text("\xEF\xBB\xBF\xE2\x80\x8F"));  // BOM, RLM
  CHECK_FALSE(has_visible_text("\xCC\x81\xCC\x81"));          // combining acute accents alone
  CHECK_FALSE(has_visible_text("\xC2\xA0\xE3\x80\x80"));      // no-break and ideographic spaces
}

TEST_CASE("text: utf8_length counts code points") {
  struct lcase {
    std::string s;
    std::size_t n;
  };
  for (const auto& c : std::vector<lcase>{{"", 0},
                                          {"abc", 3},
                                          {"caf\xC3\xA9", 4},
                                          {"\xE2\x82\xAC" "1", 2},
                                          {"\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 2},
                                          {"e\xCC\x81", 2}}) {
    CAPTURE(c.s);
    CHECK(utf8_length(c.s) == c.n);
  }
}

TEST_CASE("text: utf8_prefix_words table") {
  struct pcase {
    const char* what;
    std::string in;
    std::size_t max;
    std::string out;
  };
  const std::vector<pcase> cases = {
      {"short text kept whole", "Jalan rusak", 80, "Jalan rusak"},
      {"exactly max kept whole", "abcde", 5, "abcde"},
      {"cut back to the last space", "Jalan rusak parah sekali", 14, "Jalan rusak"},
      {"cut exactly before a space keeps the whole word", "Jalan rusak parah", 11, "Jalan rusak"},
      {"no near boundary: hard cut", "Jalanrusakparahsekali", 10, "Jalanrusak"},
      {"boundary too far back: hard cut", "a bcdefghijklmnop", 10, "a bcdefghi"},
      {"never splits a code point", "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 3, "\xC3\xA9\xC3\xA9\xC3\xA9"},
      {"emoji counted as one", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 2, "\xF0\x9F\x98\x80\xF0\x9F\x98\x80"},
      {"newline is a word boundary", "Jalan rusak\nparah sekali", 14, "Jalan rusak"},
      {"zero length", "abc", 0, ""},
      {"trailing space of the cut removed", "abcdef ghijkl", 7, "abcdef"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    const std::string got = utf8_prefix_words(c.in, c.max);
    CHECK(got == c.out);
    CHECK(utf8_length(got) <= c.max);
    CHECK(is_valid_utf8(got));
  }
}

TEST_CASE("scrub_utf8: invalid sequences become U+FFFD, valid text is kept") {
  CHECK(scrub_utf8("jalan rusak") == "jalan rusak");
  CHECK(scrub_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(scrub_utf8("a\xff" "b") == "a\xEF\xBF\xBD" "b");
  CHECK(scrub_utf8("\xC3") == "\xEF\xBF\xBD");
  CHECK(is_valid_utf8(scrub_utf8("\xED\xA0\x80 surrogate")));
}
