#include <doctest/doctest.h>

#include "channels/sms/message_text.h"
#include "channels/sms/mo_message.h"
#include "channels/sms/smpp_status.h"
#include "tests/sms/samples.h"
#include "tests/sms/test_support.h"

using namespace lapor::sms;
using namespace lapor::sms::test;

TEST_CASE("extract_message: where the text and the part number come from") {
  SUBCASE("plain submit_sm") {
    auto m = extract_message(make_submit_sm(1, mo_body()));
    REQUIRE(m.has_value());
    CHECK(m->via == command_id::submit_sm);
    CHECK(m->source_addr == "6281234567890");
    CHECK(m->source_addr_ton == 1);
    CHECK(m->destination_addr == "1708");
    CHECK(m->payload == str("Jalan rusak"));
    CHECK(m->udh.empty());
    CHECK_FALSE(m->concat);
    CHECK_FALSE(m->is_receipt);
  }
  SUBCASE("UDH 8-bit (Kannel esm_class 0x43)") {
    sm_body b = mo_body();
    b.esm_class = 0x43;
    b.short_message = hex("05 00 03 02 02 01 616263");
    auto m = extract_message(make_submit_sm(1, b));
    REQUIRE(m.has_value());
    CHECK(m->udh == hex("05 00 03 02 02 01"));
    CHECK(m->payload == str("abc"));
    CHECK(m->concat == concat_info{2, 2, 1, concat_source::udh8});
    CHECK_FALSE(m->is_receipt);
  }
  SUBCASE("UDH 16-bit in deliver_sm") {
    sm_body b = mo_body();
    b.esm_class = 0x40;
    b.data_coding = 8;
    b.short_message = hex("06 08 04 BEEF 03 03 0041");
    auto m = extract_message(make_deliver_sm(1, b));
    REQUIRE(m.has_value());
    CHECK(m->concat == concat_info{0xBEEF, 3, 3, concat_source::udh16});
    CHECK(m->payload == hex("0041"));
  }
  SUBCASE("UDH part 1 of 1 is a single message") {
    sm_body b = mo_body();
    b.esm_class = 0x40;
    b.short_message = hex("05 00 03 02 01 01 41");
    auto m = extract_message(make_submit_sm(1, b));
    REQUIRE(m.has_value());
    CHECK_FALSE(m->concat);
  }
  SUBCASE("SAR TLVs") {
    sm_body b = mo_body("yyy");
    b.tlvs.set_sar(0x0102, 3, 2);
    auto m = extract_message(make_submit_sm(1, b));
    REQUIRE(m.has_value());
    CHECK(m->concat == concat_info{0x0102, 3, 2, concat_source::sar});
  }
  SUBCASE("UDH wins over SAR") {
    sm_body b = mo_body();
    b.esm_class = 0x40;
    b.short_message = hex("05 00 03 07 02 02 41");
    b.tlvs.set_sar(0x0102, 3, 2);
    auto m = extract_message(make_submit_sm(1, b));
    REQUIRE(m.has_value());
    CHECK(m->concat == concat_info{7, 2, 2, concat_source::udh8});
  }
  SUBCASE("message_payload in submit_sm (sm_length 0)") {
    sm_body b = mo_body("");
    b.tlvs.set_message_payload(str(std::string(300, 'z')));
    auto m = extract_message(make_submit_sm(1, b));
    REQUIRE(m.has_value());
    CHECK(m->from_message_payload);
    CHECK(m->payload.size() == 300);
  }
  SUBCASE("text in both short_message and message_payload, or a payload twice: refused, never half kept") {
    // The outside probe: both were acknowledged and only the payload's text stored.
    sm_body b = mo_body("Jalan rusak di Jl. Kenari");
    b.tlvs.set_message_payload(str("sudah tiga bulan"));
    auto both = extract_message(make_submit_sm(1, b));
    REQUIRE_FALSE(both.has_value());
    CHECK(both.error().status == status::esme_rinvmsglen);
    sm_body twice = mo_body("");
    twice.tlvs.add(tlv_tag::message_payload, str("Jalan rusak"));
    twice.tlvs.add(tlv_tag::message_payload, str("sudah tiga bulan"));
    auto t = extract_message(make_submit_sm(1, twice));
    REQUIRE_FALSE(t.has_value());
    CHECK(t.error().status == status::esme_rinvtlvstream);
  }
  SUBCASE("data_sm") {
    data_sm_body d;
    d.source_addr = "628111";
    d.destination_addr = "1708";
    d.data_coding = 8;
    d.tlvs.set_message_payload(hex("0041 0042"));
    auto m = extract_message(make_data_sm(1, d));
    REQUIRE(m.has_value());
    CHECK(m->via == command_id::data_sm);
    CHECK(m->payload == hex("0041 0042"));
    CHECK(m->data_coding == 8);
  }
  SUBCASE("delivery receipt") {
    sm_body b = mo_body("id:1A2B stat:DELIVRD");
    b.esm_class = 0x04;
    b.tlvs.set_receipted_message_id("1A2B");
    b.tlvs.set_message_state(2);
    auto m = extract_message(make_deliver_sm(1, b));
    REQUIRE(m.has_value());
    CHECK(m->is_receipt);
    CHECK(m->receipted_message_id == "1A2B");
    CHECK(m->message_state == 2);
    b.esm_class = 0x44;  // with UDHI: still a receipt ((esm & 0x3C) == 0x04)
    b.short_message = hex("00 41");
    auto m2 = extract_message(make_deliver_sm(1, b));
    REQUIRE(m2.has_value());
    CHECK(m2->is_receipt);
  }
}

TEST_CASE("extract_message: refusals") {
  struct bad {
    const char* name;
    pdu p;
    std::uint32_t status;
  };
  auto with = [](auto change) {
    sm_body b = mo_body();
    change(b);
    return make_submit_sm(1, b);
  };
  const bad cases[] = {
      {"UDHI with a UDH that runs past the message",
       with([](sm_body& b) { b.esm_class = 0x40; b.short_message = hex("4A 61 6C"); }), status::esme_rinvmsglen},
      {"UDH part 0", with([](sm_body& b) { b.esm_class = 0x40; b.short_message = hex("05 00 03 01 02 00"); }),
       status::esme_rinvmsglen},
      {"UDH part above total", with([](sm_body& b) { b.esm_class = 0x40; b.short_message = hex("05 00 03 01 02 03"); }),
       status::esme_rinvmsglen},
      {"UDH total 0", with([](sm_body& b) { b.esm_class = 0x40; b.short_message = hex("05 00 03 01 00 01"); }),
       status::esme_rinvmsglen},
      {"SAR seq 0", with([](sm_body& b) { b.tlvs.set_sar(1, 2, 0); }), status::esme_rinvoptparamval},
      {"SAR seq above total", with([](sm_body& b) { b.tlvs.set_sar(1, 2, 3); }), status::esme_rinvoptparamval},
      {"SAR without seqnum", with([](sm_body& b) {
         b.tlvs.add(tlv_tag::sar_msg_ref_num, {0, 1});
         b.tlvs.add(tlv_tag::sar_total_segments, {2});
       }),
       status::esme_rmissingoptparam},
      {"not a message PDU", make_header_only(command_id::enquire_link, 1), status::esme_rinvcmdid},
      {"message PDU without body", make_header_only(command_id::submit_sm, 1), status::esme_rsyserr},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.name));
    auto m = extract_message(c.p);
    REQUIRE_FALSE(m.has_value());
    CHECK(status::name(m.error().status) == status::name(c.status));
    CHECK_FALSE(m.error().reason.empty());
  }
}

TEST_CASE("render_text of a single message") {
  sm_body b = mo_body();
  b.short_message = hex("4A 61 6C 61 6E 20 1B65 35");
  auto m = extract_message(make_submit_sm(1, b));
  REQUIRE(m.has_value());
  auto t = render_text(*m, {});
  REQUIRE(t.has_value());
  CHECK(t->text == "Jalan €5");
  CHECK_FALSE(t->lossy);

  b.short_message = hex("4A 80 6C");  // not GSM: lossy, never lost
  auto bad = render_text(*extract_message(make_submit_sm(1, b)), {});
  REQUIRE(bad.has_value());
  CHECK(bad->text == "J\uFFFDl");
  CHECK(bad->lossy);

  b.data_coding = 4;
  auto binary = render_text(*extract_message(make_submit_sm(1, b)), {});
  REQUIRE_FALSE(binary.has_value());
  CHECK(binary.error().not_text());
}
