#include <doctest/doctest.h>

#include "channels/sms/pdu.h"
#include "channels/sms/smpp_status.h"
#include "tests/sms/samples.h"
#include "tests/sms/test_support.h"

using namespace lapor::sms;
using namespace lapor::sms::test;

TEST_CASE("every PDU survives encode -> decode") {
  for (const pdu& p : sample_pdus()) {
    CAPTURE(to_string(p.id));
    CAPTURE(p.sequence);
    auto wire = encode_pdu(p);
    REQUIRE(wire.has_value());
    auto back = decode_pdu(*wire);
    REQUIRE(back.has_value());
    CHECK(*back == p);
    // And the bytes are stable: decode -> encode gives the same octets.
    auto again = encode_pdu(*back);
    REQUIRE(again.has_value());
    CHECK(*again == *wire);
  }
}

TEST_CASE("wire vectors from the reference and the decoder comments") {
  struct vector_case {
    const char* name;
    const char* wire;
    pdu expected;
  };
  const vector_case cases[] = {
      {"Kannel bind_transceiver (captured)",
       "00000021 00000009 00000000 00000001 7465737400 73656372657400 00 34 00 00 00",
       make_bind(bind_kind::transceiver, 1, bind_body{"test", "secret", "", 0x34, 0, 0, ""})},
      {"Kannel unbind on SIGINT (captured)", "00000010 00000006 00000000 00000007",
       make_header_only(command_id::unbind, 7)},
      {"bind_transceiver_resp with sc_interface_version",
       "0000001F 80000009 00000000 00000001 4C41504F5231373038 00 0210 0001 34",
       make_bind_resp(bind_kind::transceiver, 1, 0, "LAPOR1708", 0x34)},
      {"header-only bind error (node-smpp)", "00000010 80000009 0000000E 00000001",
       make_bind_resp(bind_kind::transceiver, 1, status::esme_rinvpaswd, "", std::nullopt)},
      {"outbind", "00000018 0000000B 00000000 00000001 736D736300 707700",
       pdu{command_id::outbind, 0, 1, outbind_body{"smsc", "pw"}}},
      {"submit_sm MO",
       "0000003D 00000004 00000000 00000002 00 01 01 3632383132333435363738393000 00 00 3137303800"
       " 00 00 00  00 00  00 00 00 00  0B 4A616C616E2072757361 6B",
       make_submit_sm(2, mo_body())},
      {"submit_sm_resp", "00000015 80000004 00000000 00000002 3141324200",
       make_message_resp(command_id::submit_sm, 2, 0, "1A2B")},
      {"throttled submit_sm_resp, header only", "00000010 80000004 00000058 00000002",
       make_message_resp(command_id::submit_sm, 2, status::esme_rthrottled, "")},
      {"enquire_link", "00000010 00000015 00000000 00000003", make_header_only(command_id::enquire_link, 3)},
      {"generic_nack", "00000010 80000000 00000003 0000002A", make_generic_nack(42, status::esme_rinvcmdid)},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.name));
    const bytes wire = hex(c.wire);
    auto decoded = decode_pdu(wire);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == c.expected);
    auto encoded = encode_pdu(c.expected);
    REQUIRE(encoded.has_value());
    CHECK(to_hex(*encoded) == to_hex(wire));
  }

  SUBCASE("data_sm with message_payload") {
    auto p = decode_pdu(hex("00000033 00000103 00000000 00000004 00 01 01 3632383132333435363738393000 00 00"
                            " 3137303800 00 00 08 0424 0004 00410042"));
    REQUIRE(p.has_value());
    const auto* b = p->get<data_sm_body>();
    REQUIRE(b != nullptr);
    CHECK(b->data_coding == 8);
    CHECK(b->source_addr == "6281234567890");
    REQUIRE(b->tlvs.message_payload());
    CHECK(to_hex(*b->tlvs.message_payload()) == "00410042");
  }
}

TEST_CASE("tolerated input") {
  SUBCASE("enquire_link_resp with a trailing NUL (php-smpp #49)") {
    auto p = decode_pdu(hex("00000011 80000015 00000000 00000009 00"));
    REQUIRE(p.has_value());
    CHECK(p->id == command_id::enquire_link_resp);
    CHECK(p->sequence == 9);
  }
  SUBCASE("submit_sm_resp with status 0 and no body") {
    auto p = decode_pdu(hex("00000010 80000004 00000000 00000002"));
    REQUIRE(p.has_value());
    CHECK(std::holds_alternative<std::monostate>(p->body));
  }
  SUBCASE("unknown TLVs are kept in order") {
    bytes body = cat({hex("00 01 01"), cstr("628111"), hex("00 00"), cstr("1708"), hex("00 00 00 00 00 00 00 00 00"),
                      hex("02 6869"), hex("1401 0003 616263 020C 0002 0042 1402 0000")});
    auto p = decode_pdu(frame(0x00000004, 5, body));
    REQUIRE(p.has_value());
    const auto& tlvs = p->get<sm_body>()->tlvs.items();
    REQUIRE(tlvs.size() == 3);
    CHECK(tlvs[0].tag == 0x1401);
    CHECK(tlvs[1].tag == tlv_tag::sar_msg_ref_num);
    CHECK(tlvs[2].tag == 0x1402);
    CHECK(tlvs[2].value.empty());
    CHECK(p->get<sm_body>()->tlvs.sar_msg_ref_num() == 0x42);
  }
  SUBCASE("a request with a non-zero command_status") {
    auto p = decode_pdu(hex("00000010 00000015 00000001 00000003"));
    REQUIRE(p.has_value());
    CHECK(p->status == 1);
  }
}

namespace {

// submit_sm body with the given fields, for the malformed table.
bytes sm(std::string service, std::string src, std::string dst, std::string sched, std::string valid,
         bytes sm_length_and_message, bytes tlvs = {}) {
  return cat({cstr(service), hex("01 01"), cstr(src), hex("00 00"), cstr(dst), hex("00 00 00"), cstr(sched),
              cstr(valid), hex("00 00 00 00"), sm_length_and_message, tlvs});
}

bytes bind_fields(std::string sys, std::string pw, std::string type, std::string range) {
  return cat({cstr(sys), cstr(pw), cstr(type), hex("34 00 00"), cstr(range)});
}

}  // namespace

TEST_CASE("malformed PDUs: each gets its status and answer") {
  const bytes ok_msg = hex("03 616263");
  struct bad {
    const char* name;
    bytes frame;
    std::uint32_t status;
    command_id reply;
    bool fatal;
    decode_options options{};
  };
  bytes short_header = hex("0000000F 00000015 00000000 000000");
  bytes length_mismatch = hex("00000020 00000015 00000000 00000001");
  bytes unterminated_bind = frame(0x09, 1, cat({cstr("test")}));
  const bad cases[] = {
      {"frame shorter than a header", short_header, status::esme_rinvcmdlen, command_id::generic_nack, true},
      {"command_length differs from the frame", length_mismatch, status::esme_rinvcmdlen, command_id::generic_nack,
       true},
      {"command_length above the maximum", frame(0x09, 1, bind_fields("test", "secret", "", "")), status::esme_rinvcmdlen,
       command_id::generic_nack, true, decode_options{32}},
      {"unknown command_id", frame(0x99, 1, {}), status::esme_rinvcmdid, command_id::generic_nack, false},
      {"unsupported query_sm", frame(0x03, 1, {}), status::esme_rinvcmdid, command_id::generic_nack, false},
      {"unknown response id", frame(0x80000099, 1, {}), status::esme_rinvcmdid, command_id::generic_nack, false},
      {"bind ends inside password", unterminated_bind, status::esme_rinvcmdlen, command_id::generic_nack, false},
      {"bind ends before interface_version", frame(0x09, 1, cat({cstr("a"), cstr("b"), cstr("")})),
       status::esme_rinvcmdlen, command_id::generic_nack, false},
      {"bind system_id of 16 octets", frame(0x09, 1, bind_fields(repeat('S', 16), "pw", "", "")), status::esme_rinvsysid,
       command_id::bind_transceiver_resp, false},
      {"bind password of 9 octets", frame(0x02, 1, bind_fields("test", "123456789", "", "")), status::esme_rinvpaswd,
       command_id::bind_transmitter_resp, false},
      {"bind system_type of 13 octets", frame(0x01, 1, bind_fields("test", "pw", repeat('T', 13), "")),
       status::esme_rinvsystyp, command_id::bind_receiver_resp, false},
      {"bind address_range of 41 octets", frame(0x09, 1, bind_fields("test", "pw", "", repeat('1', 41))),
       status::esme_rbindfail, command_id::bind_transceiver_resp, false},
      {"bind with trailing octets", frame(0x09, 1, cat({bind_fields("test", "pw", "", ""), hex("00")})),
       status::esme_rinvcmdlen, command_id::generic_nack, false},
      {"outbind system_id of 16 octets (outbind has no resp)", frame(0x0B, 1, cat({cstr(repeat('S', 16)), cstr("b")})),
       status::esme_rinvsysid, command_id::generic_nack, false},
      {"outbind with trailing octets", frame(0x0B, 1, cat({cstr("a"), cstr("b"), hex("FF")})),
       status::esme_rinvcmdlen, command_id::generic_nack, false},
      {"enquire_link with a body", frame(0x15, 1, hex("0000")), status::esme_rinvcmdlen, command_id::generic_nack, false},
      {"unbind with a body", frame(0x06, 1, hex("00000000")), status::esme_rinvcmdlen, command_id::generic_nack, false},
      {"submit_sm service_type of 6 octets", frame(0x04, 1, sm("ABCDEF", "1", "1708", "", "", ok_msg)),
       status::esme_rinvsertyp, command_id::submit_sm_resp, false},
      {"submit_sm source_addr of 21 octets", frame(0x04, 1, sm("", repeat('6', 21), "1708", "", "", ok_msg)),
       status::esme_rinvsrcadr, command_id::submit_sm_resp, false},
      {"deliver_sm destination_addr of 21 octets", frame(0x05, 1, sm("", "62811", repeat('1', 21), "", "", ok_msg)),
       status::esme_rinvdstadr, command_id::deliver_sm_resp, false},
      {"submit_sm schedule of 17 octets", frame(0x04, 1, sm("", "1", "1708", repeat('0', 17), "", ok_msg)),
       status::esme_rinvsched, command_id::submit_sm_resp, false},
      {"submit_sm validity of 17 octets", frame(0x04, 1, sm("", "1", "1708", "", repeat('0', 17), ok_msg)),
       status::esme_rinvexpiry, command_id::submit_sm_resp, false},
      {"sm_length 255", frame(0x04, 1, sm("", "1", "1708", "", "", cat({hex("FF"), bytes(255, 0x41)}))),
       status::esme_rinvmsglen, command_id::submit_sm_resp, false},
      {"sm_length past the end", frame(0x05, 1, sm("", "1", "1708", "", "", hex("14 616263"))),
       status::esme_rinvmsglen, command_id::deliver_sm_resp, false},
      {"PDU ends before sm_length", frame(0x04, 1, sm("", "1", "1708", "", "", {})), status::esme_rinvcmdlen,
       command_id::generic_nack, false},
      {"deliver_sm ends inside source_addr", frame(0x05, 1, cat({cstr(""), hex("01 01 3632"), {}})),
       status::esme_rinvcmdlen, command_id::generic_nack, false},
      {"truncated TLV header", frame(0x04, 1, sm("", "1", "1708", "", "", ok_msg, hex("0424 00"))),
       status::esme_rinvoptparstream, command_id::submit_sm_resp, false},
      {"TLV value past the end", frame(0x04, 1, sm("", "1", "1708", "", "", ok_msg, hex("0424 0010 0041"))),
       status::esme_rinvoptparstream, command_id::submit_sm_resp, false},
      {"sar_msg_ref_num of 1 octet", frame(0x04, 1, sm("", "1", "1708", "", "", ok_msg, hex("020C 0001 42"))),
       status::esme_rinvparlen, command_id::submit_sm_resp, false},
      {"sar_total_segments of 2 octets", frame(0x05, 1, sm("", "1", "1708", "", "", ok_msg, hex("020E 0002 0002"))),
       status::esme_rinvtlvlen, command_id::deliver_sm_resp, false},
      {"data_sm payload past the end",
       frame(0x103, 1, cat({cstr(""), hex("01 01"), cstr("62811"), hex("00 00"), cstr("1708"), hex("00 00 08"),
                            hex("0424 0008 0041")})),
       status::esme_rinvoptparstream, command_id::data_sm_resp, false},
      {"data_sm source_addr of 65 octets",
       frame(0x103, 1, cat({cstr(""), hex("01 01"), cstr(repeat('6', 65)), hex("00 00"), cstr("1708"), hex("00 00 08")})),
       status::esme_rinvsrcadr, command_id::data_sm_resp, false},
      {"submit_sm_resp message_id of 65 octets", frame(0x80000004, 1, cstr(repeat('A', 65))),
       status::esme_rinvmsgid, command_id::generic_nack, false},
      {"submit_sm_resp message_id without NUL", frame(0x80000004, 1, str("1A2B")), status::esme_rinvcmdlen,
       command_id::generic_nack, false},
      {"bind_resp with a broken TLV", frame(0x80000009, 1, cat({cstr("SMSC"), hex("0210 00")})),
       status::esme_rinvoptparstream, command_id::generic_nack, false},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.name));
    auto r = decode_pdu(c.frame, c.options);
    REQUIRE_FALSE(r.has_value());
    CHECK(status::name(r.error().status) == status::name(c.status));
    CHECK(to_string(r.error().reply_id) == to_string(c.reply));
    CHECK(r.error().fatal == c.fatal);
    CHECK_FALSE(r.error().reason.empty());
    if (!c.fatal) CHECK(r.error().sequence == 1);
    // The answer is a header-only PDU that encodes.
    auto reply = encode_pdu(make_error_reply(r.error()));
    REQUIRE(reply.has_value());
    CHECK(reply->size() == 16);
  }
}

TEST_CASE("encoder refusals") {
  struct refusal {
    const char* name;
    pdu p;
  };
  sm_body long_sm = mo_body();
  long_sm.short_message.assign(255, 0x41);
  sm_body nul_addr = mo_body();
  nul_addr.source_addr = std::string("62\0811", 5);
  const refusal cases[] = {
      {"system_id of 16", make_bind(bind_kind::transceiver, 1, bind_body{repeat('s', 16), "", "", 0x34, 0, 0, ""})},
      {"password of 9", make_bind(bind_kind::transceiver, 1, bind_body{"s", "123456789", "", 0x34, 0, 0, ""})},
      {"short_message of 255", make_submit_sm(1, long_sm)},
      {"NUL inside a C-string", make_submit_sm(1, nul_addr)},
      {"message_id of 65", make_message_resp(command_id::submit_sm, 1, 0, repeat('1', 65))},
      {"request without body", make_header_only(command_id::submit_sm, 1)},
      {"header-only command with a body", pdu{command_id::enquire_link, 0, 1, message_id_body{}}},
      {"body of the wrong kind", pdu{command_id::submit_sm, 0, 1, bind_body{}}},
      {"unsupported command", make_header_only(command_id::query_sm, 1)},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.name));
    bytes out = hex("AA");
    auto e = append_pdu(c.p, out);
    REQUIRE(e.has_value());
    CHECK_FALSE(e->reason.empty());
    CHECK(out == hex("AA"));  // untouched
  }
}

TEST_CASE("builders") {
  CHECK(response_to(command_id::submit_sm) == command_id::submit_sm_resp);
  CHECK(is_response(command_id::generic_nack));
  CHECK_FALSE(is_response(command_id::data_sm));
  CHECK(bind_kind_of(command_id::bind_receiver_resp) == bind_kind::receiver);
  CHECK_FALSE(bind_kind_of(command_id::submit_sm));
  // deliver_sm_resp's message_id is NULL by spec, whatever is passed.
  auto r = make_message_resp(command_id::deliver_sm, 4, 0, "x");
  REQUIRE(r.get<message_id_body>() != nullptr);
  CHECK(r.get<message_id_body>()->message_id.empty());
  CHECK(status::name(0x58) == "ESME_RTHROTTLED");
  CHECK(status::name(0x12345).empty());
  CHECK(status::is_transient(status::esme_rthrottled));
  CHECK_FALSE(status::is_transient(status::esme_rinvpaswd));
  CHECK(to_string(command_id::data_sm_resp) == "data_sm_resp");
}
