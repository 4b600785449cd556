#include <doctest/doctest.h>

#include "channels/sms/gsm7.h"
#include "channels/sms/message_text.h"
#include "channels/sms/reassembly.h"
#include "channels/sms/text_encoding.h"
#include "tests/sms/test_support.h"

using namespace lapor::sms;
using namespace lapor::sms::test;
using namespace std::chrono_literals;

namespace {

const reassembly_clock::time_point t0{};

part gsm_part(std::uint8_t seq, std::uint8_t total, std::string_view text, std::uint16_t ref = 7,
              std::string source = "6281234567890") {
  part p;
  p.key = group_key{"telkomsel", std::move(source), "1708", ref, total};
  p.seg.seq = seq;
  p.seg.data_coding = 0;
  p.seg.udh_octets = 6;
  p.seg.payload = *encode_gsm7(text);
  return p;
}

part raw_part(std::uint8_t seq, std::uint8_t total, std::uint8_t dc, bytes payload, std::uint16_t ref = 7) {
  part p;
  p.key = group_key{"indosat", "628555", "1708", ref, total};
  p.seg = segment{seq, dc, 6, std::move(payload)};
  return p;
}

std::string text_of(const assembled_message& m) {
  auto t = render_text(m, {});
  REQUIRE(t.has_value());
  return t->text;
}

}  // namespace

TEST_CASE("reassembly: arrival orders") {
  struct order_case {
    const char* name;
    std::vector<int> order;  // seq numbers as they arrive (duplicates allowed)
    std::size_t duplicates;
  };
  const order_case cases[] = {
      {"in order", {1, 2, 3}, 0},
      {"reversed", {3, 2, 1}, 0},
      {"middle first", {2, 3, 1}, 0},
      {"duplicate of a held part", {1, 1, 2, 3}, 1},
      {"duplicates everywhere", {2, 2, 3, 2, 3, 1}, 3},
  };
  const char* words[] = {"", "Jalan rusak ", "di km 5 ", "Sampit"};
  for (const auto& c : cases) {
    INFO(std::string(c.name));
    reassembler r;
    std::size_t dups = 0;
    std::optional<assembled_message> done;
    for (std::size_t i = 0; i < c.order.size(); ++i) {
      const int seq = c.order[i];
      auto res = r.add(gsm_part(static_cast<std::uint8_t>(seq), 3, words[seq]), t0 + std::chrono::seconds(i));
      CHECK(res.evicted.empty());
      if (res.result == reassembler::outcome::duplicate) ++dups;
      if (res.result == reassembler::outcome::completed) {
        CHECK_FALSE(done);
        done = std::move(res.message);
      }
    }
    CHECK(dups == c.duplicates);
    REQUIRE(done);
    CHECK(done->complete);
    CHECK(done->missing().empty());
    CHECK(text_of(*done) == "Jalan rusak di km 5 Sampit");
    CHECK(r.open_groups() == 0);
    CHECK(r.buffered_bytes() == 0);
  }
}

TEST_CASE("reassembly: keys keep senders and references apart") {
  reassembler r;
  CHECK(r.add(gsm_part(1, 2, "A1", 7, "628111"), t0).result == reassembler::outcome::stored);
  CHECK(r.add(gsm_part(1, 2, "B1", 7, "628222"), t0).result == reassembler::outcome::stored);
  CHECK(r.add(gsm_part(1, 2, "C1", 8, "628111"), t0).result == reassembler::outcome::stored);
  auto total3 = gsm_part(1, 3, "D1", 7, "628111");  // same ref, other total: another message
  CHECK(r.add(total3, t0).result == reassembler::outcome::stored);
  CHECK(r.open_groups() == 4);
  auto done = r.add(gsm_part(2, 2, "B2", 7, "628222"), t0);
  REQUIRE(done.result == reassembler::outcome::completed);
  CHECK(text_of(*done.message) == "B1B2");
}

TEST_CASE("reassembly: refusals") {
  reassembler r;
  auto zero_seq = r.add(gsm_part(0, 2, "x"), t0);
  CHECK(zero_seq.result == reassembler::outcome::rejected);
  CHECK(zero_seq.reason == "part number is 0 or above the total");
  CHECK(r.add(gsm_part(3, 2, "x"), t0).result == reassembler::outcome::rejected);
  auto zero_total = r.add(gsm_part(1, 0, "x"), t0);
  CHECK(zero_total.result == reassembler::outcome::rejected);
  CHECK(zero_total.reason == "total number of parts is 0");
  reassembler small(reassembly_options{60s, 10, 4});
  CHECK(small.add(gsm_part(1, 2, "12345"), t0).result == reassembler::outcome::rejected);
  CHECK(r.open_groups() == 0);
}

TEST_CASE("reassembly: timeout hands back what arrived, with gaps marked") {
  reassembler r(reassembly_options{60s, 100, 1 << 20});
  (void)r.add(gsm_part(1, 4, "Lampu jalan "), t0);
  (void)r.add(gsm_part(3, 4, "dekat sekolah"), t0 + 10s);
  (void)r.add(gsm_part(2, 3, "other"), t0 + 30s);  // another group (total 3), younger
  CHECK(r.next_deadline() == t0 + 60s);
  CHECK(r.expire(t0 + 59s).empty());
  auto expired = r.expire(t0 + 60s);
  REQUIRE(expired.size() == 1);
  CHECK_FALSE(expired[0].complete);
  CHECK(expired[0].missing() == std::vector<std::uint8_t>{2, 4});
  auto t = render_text(expired[0], {});
  REQUIRE(t.has_value());
  CHECK(t->text == "Lampu jalan […]dekat sekolah[…]");
  CHECK(t->incomplete);
  CHECK(r.open_groups() == 1);
  CHECK(r.next_deadline() == t0 + 90s);
  auto rest = r.drain();
  REQUIRE(rest.size() == 1);
  CHECK(text_of(rest[0]) == "[…]other[…]");
  CHECK(r.open_groups() == 0);
  CHECK_FALSE(r.next_deadline());
}

TEST_CASE("reassembly: bounds evict the oldest groups early, as incomplete messages") {
  SUBCASE("number of groups") {
    reassembler r(reassembly_options{60s, 2, 1 << 20});
    (void)r.add(gsm_part(1, 2, "old", 1), t0);
    (void)r.add(gsm_part(1, 2, "mid", 2), t0 + 1s);
    auto res = r.add(gsm_part(1, 2, "new", 3), t0 + 2s);
    CHECK(res.result == reassembler::outcome::stored);
    REQUIRE(res.evicted.size() == 1);
    CHECK(res.evicted[0].key.ref == 1);
    CHECK(text_of(res.evicted[0]) == "old[…]");
    CHECK(r.open_groups() == 2);
    // A part for an open group needs no new slot.
    auto more = r.add(gsm_part(2, 2, "!", 2), t0 + 3s);
    CHECK(more.result == reassembler::outcome::completed);
    CHECK(more.evicted.empty());
  }
  SUBCASE("bytes") {
    reassembler r(reassembly_options{60s, 100, 10});
    (void)r.add(gsm_part(1, 2, "aaaa", 1), t0);
    (void)r.add(gsm_part(1, 2, "bbbb", 2), t0 + 1s);
    auto res = r.add(gsm_part(1, 2, "cccc", 3), t0 + 2s);
    REQUIRE(res.evicted.size() == 1);
    CHECK(res.evicted[0].key.ref == 1);
    CHECK(r.buffered_bytes() == 8);
  }
  SUBCASE("a message that outgrows the budget by itself is handed back, nothing lost") {
    reassembler r(reassembly_options{60s, 100, 10});
    (void)r.add(gsm_part(1, 3, "aaaaaa", 1), t0);
    auto res = r.add(gsm_part(2, 3, "bbbbbb", 1), t0 + 1s);
    CHECK(res.result == reassembler::outcome::stored);
    REQUIRE(res.evicted.size() == 1);
    CHECK(text_of(res.evicted[0]) == "aaaaaa[…]");
    auto later = r.drain();
    REQUIRE(later.size() == 1);
    CHECK(text_of(later[0]) == "[…]bbbbbb[…]");
  }
}

TEST_CASE("render_text: raw octets are joined before decoding") {
  SUBCASE("a UCS-2 surrogate pair split across parts (non-conforming sender)") {
    reassembler r;
    (void)r.add(raw_part(1, 2, 8, hex("0041 D83D")), t0);
    auto done = r.add(raw_part(2, 2, 8, hex("DE00 0042")), t0);
    REQUIRE(done.message);
    auto t = render_text(*done.message, {});
    REQUIRE(t.has_value());
    CHECK(t->text == "A😀B");
    CHECK_FALSE(t->lossy);
  }
  SUBCASE("a GSM escape split across parts") {
    reassembler r;
    (void)r.add(raw_part(1, 2, 0, hex("41 1B")), t0);
    auto done = r.add(raw_part(2, 2, 0, hex("65 42")), t0);
    REQUIRE(done.message);
    CHECK(text_of(*done.message) == "A€B");
  }
  SUBCASE("parts in different codings are decoded run by run") {
    reassembler r;
    (void)r.add(raw_part(1, 3, 0, *encode_gsm7("Jalan ")), t0);
    (void)r.add(raw_part(2, 3, 8, *encode_ucs2("rusak 😡 ")), t0);
    auto done = r.add(raw_part(3, 3, 3, hex("E9")), t0);
    REQUIRE(done.message);
    CHECK(text_of(*done.message) == "Jalan rusak 😡 é");
  }
  SUBCASE("a broken part is decoded lossily, the rest stays exact") {
    reassembler r;
    (void)r.add(raw_part(1, 2, 8, hex("0041 D83D")), t0);
    auto done = r.add(raw_part(2, 2, 8, hex("0042")), t0);
    REQUIRE(done.message);
    auto t = render_text(*done.message, {});
    REQUIRE(t.has_value());
    CHECK(t->text == "A\uFFFDB");
    CHECK(t->lossy);
  }
  SUBCASE("a binary part becomes a gap; all-binary is an error") {
    reassembler r;
    (void)r.add(raw_part(1, 2, 0, *encode_gsm7("teks")), t0);
    auto done = r.add(raw_part(2, 2, 4, hex("0102")), t0);
    REQUIRE(done.message);
    auto t = render_text(*done.message, {});
    REQUIRE(t.has_value());
    CHECK(t->text == "teks[…]");
    CHECK(t->lossy);
    reassembler r2;
    (void)r2.add(raw_part(1, 2, 4, hex("01")), t0);
    auto bin = r2.add(raw_part(2, 2, 4, hex("02")), t0);
    REQUIRE(bin.message);
    CHECK_FALSE(render_text(*bin.message, {}).has_value());
  }
  SUBCASE("packed GSM parts are decoded part by part with their fill bits") {
    const text_decode_options packed{default_alphabet::gsm7_packed, default_alphabet::auto_detect};
    reassembler r;
    (void)r.add(raw_part(1, 2, 0, gsm7::pack(*encode_gsm7("Jalan "), 1)), t0);
    auto done = r.add(raw_part(2, 2, 0, gsm7::pack(*encode_gsm7("rusak"), 1)), t0);
    REQUIRE(done.message);
    auto t = render_text(*done.message, packed);
    REQUIRE(t.has_value());
    CHECK(t->text == "Jalan rusak");
  }
}

TEST_CASE("make_part from an extracted message") {
  mo_message m;
  m.source_addr = "628111";
  m.destination_addr = "1708";
  m.data_coding = 8;
  m.udh = hex("050003090201");
  m.payload = hex("0041");
  CHECK_FALSE(make_part(m, "xl"));
  m.concat = concat_info{9, 2, 1, concat_source::udh8};
  auto p = make_part(m, "xl");
  REQUIRE(p);
  CHECK(p->key == group_key{"xl", "628111", "1708", 9, 2});
  CHECK(p->seg.seq == 1);
  CHECK(p->seg.udh_octets == 6);
  CHECK(p->seg.payload == hex("0041"));
}
