#include <doctest/doctest.h>

#include <functional>
#include <sstream>

#include "channels/sms/frame_decoder.h"
#include "channels/sms/session_fsm.h"
#include "channels/sms/smpp_status.h"
#include "tests/sms/samples.h"
#include "tests/sms/test_support.h"

using namespace lapor::sms;
using namespace lapor::sms::test;

namespace {

session_options options(std::size_t window = 2) {
  session_options o;
  o.system_id = "LAPOR1708";
  o.window = window;
  o.max_outstanding = 2;
  o.authenticate = [](const bind_request& r) -> bind_decision {
    if (r.system_id == "test" && r.password == "secret") return {status::esme_rok, "telkomsel"};
    if (r.system_id == "test") return {status::esme_rinvpaswd, {}};
    return {status::esme_rinvsysid, {}};
  };
  return o;
}

std::string st(std::uint32_t s) { return std::string(status::name(s)); }

// One line per action, so a scenario reads like the wire log.
std::string describe(const session_action& a) {
  std::ostringstream o;
  if (auto* s = std::get_if<send_pdu>(&a)) {
    const pdu& p = s->message;
    o << "send " << to_string(p.id) << " #" << p.sequence << " " << st(p.status);
    if (auto* b = p.get<message_id_body>(); b && !b->message_id.empty()) o << " id=" << b->message_id;
    if (auto* b = p.get<bind_resp_body>()) {
      o << " system_id=" << b->system_id;
      if (auto v = b->tlvs.sc_interface_version()) o << " v=" << std::hex << int{*v};
    }
  } else if (auto* c = std::get_if<submit_to_core>(&a)) {
    o << "core #" << c->token << " " << to_string(c->message.via) << " " << c->operator_name << " "
      << c->message.source_addr;
  } else if (auto* r = std::get_if<receipt_received>(&a)) {
    o << "receipt " << r->receipt.receipted_message_id.value_or("?");
  } else if (auto* b = std::get_if<session_bound>(&a)) {
    o << "bound " << to_string(b->kind) << " " << b->system_id << " " << b->operator_name;
  } else if (auto* f = std::get_if<request_finished>(&a)) {
    static const char* outcomes[] = {"answered", "nacked", "timed_out", "session_closed"};
    o << "done #" << f->token << " " << outcomes[static_cast<int>(f->result)] << " " << st(f->status);
    if (!f->message_id.empty()) o << " id=" << f->message_id;
  } else if (auto* c = std::get_if<close_session>(&a)) {
    o << "close: " << c->reason;
  } else if (auto* n = std::get_if<session_note>(&a)) {
    o << "note: " << n->what << " #" << n->sequence;
  }
  return o.str();
}

using event = std::function<session_actions(session_fsm&)>;

event in(pdu p) {
  return [p = std::move(p)](session_fsm& f) { return f.on_pdu(p); };
}
event in_wire(bytes wire) {
  return [wire = std::move(wire)](session_fsm& f) {
    auto p = decode_pdu(wire);
    return p ? f.on_pdu(*p) : f.on_decode_error(p.error());
  };
}
event answer(std::uint64_t token, std::uint32_t status, std::string id = {}) {
  return [=](session_fsm& f) { return f.on_core_answer(token, core_answer{status, id}); };
}
event push(pdu p, std::uint64_t token) {
  return [p = std::move(p), token](session_fsm& f) {
    auto r = f.push(p, token);
    if (!r) return session_actions{session_note{r.error().reason, 0}};
    return *r;
  };
}
event call(session_actions (session_fsm::*m)()) {
  return [m](session_fsm& f) { return (f.*m)(); };
}
event response_timeout(std::uint32_t seq) {
  return [seq](session_fsm& f) { return f.on_response_timeout(seq); };
}

pdu bind_pdu(bind_kind k, std::uint32_t seq, std::string sys = "test", std::string pw = "secret",
             std::uint8_t version = 0x34) {
  return make_bind(k, seq, bind_body{sys, pw, "", version, 0, 0, ""});
}
pdu submit(std::uint32_t seq) { return make_submit_sm(seq, mo_body()); }
pdu deliver(std::uint32_t seq) { return make_deliver_sm(seq, mo_body()); }
pdu receipt(std::uint32_t seq) {
  sm_body b = mo_body("id:77 stat:DELIVRD");
  b.esm_class = 0x04;
  b.tlvs.set_receipted_message_id("77");
  return make_deliver_sm(seq, b);
}
pdu data(std::uint32_t seq) {
  data_sm_body d;
  d.source_addr = "628999";
  d.destination_addr = "1708";
  d.data_coding = 8;
  d.tlvs.set_message_payload({0, 0x41});
  return make_data_sm(seq, d);
}
pdu reply_sms() { return make_deliver_sm(0, mo_body("Laporan diterima: LPR-7K3D-9QX2-M")); }

struct step {
  event e;
  std::vector<std::string> expect;
  std::optional<session_state> then = std::nullopt;
};

void run(const char* name, session_options o, const std::vector<step>& steps) {
  INFO(std::string(name));
  session_fsm fsm(std::move(o));
  for (std::size_t i = 0; i < steps.size(); ++i) {
    CAPTURE(i);
    std::string got, want;
    for (const auto& a : steps[i].e(fsm)) got += describe(a) + "\n";
    for (const auto& line : steps[i].expect) want += line + "\n";
    CHECK(got == want);
    if (steps[i].then) CHECK(to_string(fsm.state()) == to_string(*steps[i].then));
  }
}

using S = session_state;
const auto tx = bind_kind::transmitter;
const auto rx = bind_kind::receiver;
const auto trx = bind_kind::transceiver;

}  // namespace

TEST_CASE("session: binding") {
  run("transceiver bind, keepalive, message, unbind", options(),
      {
          {in(bind_pdu(trx, 1)),
           {"send bind_transceiver_resp #1 ESME_ROK system_id=LAPOR1708 v=34", "bound transceiver test telkomsel"},
           S::bound_trx},
          {in(make_header_only(command_id::enquire_link, 2)), {"send enquire_link_resp #2 ESME_ROK"}},
          {in(submit(3)), {"core #1 submit_sm telkomsel 6281234567890"}},
          {answer(1, status::esme_rok, "LPR7K3D9QX2M"), {"send submit_sm_resp #3 ESME_ROK id=LPR7K3D9QX2M"}},
          {in(make_header_only(command_id::unbind, 4)), {"send unbind_resp #4 ESME_ROK", "close: unbound"}, S::closed},
          {in(submit(5)), {}, S::closed},
      });
  run("Kannel's captured bind from the wire", options(),
      {
          {in_wire(hex("00000021 00000009 00000000 00000001 7465737400 73656372657400 00 34 00 00 00")),
           {"send bind_transceiver_resp #1 ESME_ROK system_id=LAPOR1708 v=34", "bound transceiver test telkomsel"}},
      });
  run("3.3 peer gets no TLV", options(),
      {{in(bind_pdu(tx, 1, "test", "secret", 0x33)),
        {"send bind_transmitter_resp #1 ESME_ROK system_id=LAPOR1708", "bound transmitter test telkomsel"},
        S::bound_tx}});
  run("wrong password", options(),
      {{in(bind_pdu(trx, 1, "test", "nope")), {"send bind_transceiver_resp #1 ESME_RINVPASWD", "close: bind refused"},
        S::closed}});
  run("unknown system_id", options(),
      {{in(bind_pdu(rx, 1, "who", "secret")), {"send bind_receiver_resp #1 ESME_RINVSYSID", "close: bind refused"},
        S::closed}});
  session_options no_auth = options();
  no_auth.authenticate = nullptr;
  run("no authenticator: every bind fails", no_auth,
      {{in(bind_pdu(tx, 1)), {"send bind_transmitter_resp #1 ESME_RBINDFAIL", "close: bind refused"}}});
  run("second bind", options(),
      {
          {in(bind_pdu(tx, 1)), {"send bind_transmitter_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                 "bound transmitter test telkomsel"}},
          {in(bind_pdu(trx, 2)), {"send bind_transceiver_resp #2 ESME_RALYBND"}, S::bound_tx},
      });
}

TEST_CASE("session: bind state rules") {
  run("messages before bind", options(),
      {
          {in(submit(1)), {"send submit_sm_resp #1 ESME_RINVBNDSTS"}, S::open},
          {in(deliver(2)), {"send deliver_sm_resp #2 ESME_RINVBNDSTS"}, S::open},
          {in(data(3)), {"send data_sm_resp #3 ESME_RINVBNDSTS"}, S::open},
          {in(make_header_only(command_id::enquire_link, 4)), {"send enquire_link_resp #4 ESME_ROK"}, S::open},
          {in(make_header_only(command_id::unbind, 5)),
           {"send unbind_resp #5 ESME_ROK", "close: peer unbound before binding"}, S::closed},
      });
  run("receiver bind: no submit_sm, but deliver_sm and data_sm carry MOs", options(),
      {
          {in(bind_pdu(rx, 1)), {"send bind_receiver_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                 "bound receiver test telkomsel"}},
          {in(submit(2)), {"send submit_sm_resp #2 ESME_RINVBNDSTS"}},
          {in(deliver(3)), {"core #1 deliver_sm telkomsel 6281234567890"}},
          {in(data(4)), {"core #2 data_sm telkomsel 628999"}},
          {answer(1, status::esme_rok, "ignored"), {"send deliver_sm_resp #3 ESME_ROK"}},
          {answer(2, status::esme_rok, "9"), {"send data_sm_resp #4 ESME_ROK id=9"}},
          {in(deliver(5)), {"core #3 deliver_sm telkomsel 6281234567890"}},
          {answer(3, status::esme_rx_t_appn), {"send deliver_sm_resp #5 ESME_RX_T_APPN"}},
      });
  run("transmitter bind takes all three (role inversion)", options(3),
      {
          {in(bind_pdu(tx, 1)), {"send bind_transmitter_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                 "bound transmitter test telkomsel"}},
          {in(submit(2)), {"core #1 submit_sm telkomsel 6281234567890"}},
          {in(deliver(3)), {"core #2 deliver_sm telkomsel 6281234567890"}},
          {in(data(4)), {"core #3 data_sm telkomsel 628999"}},
      });
  run("outbind is not for a server", options(),
      {{in(pdu{command_id::outbind, 0, 9, outbind_body{"smsc", "pw"}}), {"send generic_nack #9 ESME_RINVCMDID"}}});
}

TEST_CASE("session: window, core answers, receipts") {
  run("window of 2", options(2),
      {
          {in(bind_pdu(trx, 1)), {"send bind_transceiver_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                  "bound transceiver test telkomsel"}},
          {in(submit(10)), {"core #1 submit_sm telkomsel 6281234567890"}},
          {in(submit(11)), {"core #2 submit_sm telkomsel 6281234567890"}},
          {in(submit(12)), {"send submit_sm_resp #12 ESME_RTHROTTLED"}},
          {in(make_header_only(command_id::enquire_link, 13)), {"send enquire_link_resp #13 ESME_ROK"}},
          {in(receipt(14)), {"send deliver_sm_resp #14 ESME_ROK", "receipt 77"}},
          // Not stored: a submit_sm is answered "throttled, resend" (RX_T_APPN is deliver_sm's).
          {answer(2, status::esme_rx_t_appn), {"send submit_sm_resp #11 ESME_RTHROTTLED"}},
          {in(submit(15)), {"core #3 submit_sm telkomsel 6281234567890"}},
          {answer(1, status::esme_rok, "A"), {"send submit_sm_resp #10 ESME_ROK id=A"}},
          {answer(1, status::esme_rok, "A"), {"note: core answered an unknown message #0"}},
          {answer(3, status::esme_rok, std::string(80, '9')),
           {"send submit_sm_resp #15 ESME_ROK id=" + std::string(64, '9')}},
      });
  run("a message that does not extract gets its status", options(),
      {
          {in(bind_pdu(trx, 1)), {"send bind_transceiver_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                  "bound transceiver test telkomsel"}},
          {in([] {
             sm_body b = mo_body();
             b.esm_class = 0x40;
             return make_submit_sm(2, b);
           }()),
           {"send submit_sm_resp #2 ESME_RINVMSGLEN"}},
      });
}

TEST_CASE("session: undecodable input") {
  run("decode errors", options(),
      {
          {in_wire(hex("00000010 00000099 00000000 00000005")), {"send generic_nack #5 ESME_RINVCMDID"}, S::open},
          {in_wire(frame(0x04, 6, cat({cstr(""), hex("01 01"), cstr(std::string(25, '6')), hex("00 00"), cstr("1708"),
                                       hex("00 00 00 00 00 00 00 00 00 00")}))),
           {"send submit_sm_resp #6 ESME_RINVSRCADR"}, S::open},
          {in_wire(hex("00000011 00000015 00000000 00000007")),
           {"send generic_nack #7 ESME_RINVCMDLEN", "close: PDU framing lost"}, S::closed},
      });
  run("an unreadable bind is a failed bind", options(),
      {
          {in_wire(frame(0x02, 1, cat({cstr(std::string(20, 'x')), cstr("pw"), cstr(""), hex("34 00 00"), cstr("")}))),
           {"send bind_transmitter_resp #1 ESME_RINVSYSID", "close: bind refused"}, S::closed},
      });
  run("a frame_decoder error closes", options(),
      {
          {[](session_fsm& f) {
             frame_decoder dec;
             (void)dec.feed(hex("FFFFFFFF 00000004 00000000 00000009"));
             return f.on_decode_error(*dec.error());
           },
           {"send generic_nack #9 ESME_RINVCMDLEN", "close: PDU framing lost"}, S::closed},
      });
}

TEST_CASE("session: unbinding waits for the core") {
  run("peer unbinds with messages at the core", options(),
      {
          {in(bind_pdu(trx, 1)), {"send bind_transceiver_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                  "bound transceiver test telkomsel"}},
          {in(submit(2)), {"core #1 submit_sm telkomsel 6281234567890"}},
          {in(make_header_only(command_id::unbind, 3)), {}, S::unbinding},
          {in(submit(4)), {"send submit_sm_resp #4 ESME_RINVBNDSTS"}},
          {in(make_header_only(command_id::enquire_link, 5)), {"send enquire_link_resp #5 ESME_ROK"}},
          {answer(1, status::esme_rok, "X"),
           {"send submit_sm_resp #2 ESME_ROK id=X", "send unbind_resp #3 ESME_ROK", "close: unbound"}, S::closed},
      });
  run("unbind timeout", options(),
      {
          {in(bind_pdu(trx, 1)), {"send bind_transceiver_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                  "bound transceiver test telkomsel"}},
          {in(submit(2)), {"core #1 submit_sm telkomsel 6281234567890"}},
          {in(make_header_only(command_id::unbind, 3)), {}, S::unbinding},
          {call(&session_fsm::on_unbind_timeout), {"send unbind_resp #3 ESME_ROK", "close: unbind took too long"},
           S::closed},
          {answer(1, status::esme_rok, "late"), {}},
      });
  run("we unbind (shutdown)", options(),
      {
          {in(bind_pdu(tx, 1)), {"send bind_transmitter_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                 "bound transmitter test telkomsel"}},
          {call(&session_fsm::request_unbind), {"send unbind #1 ESME_ROK"}, S::unbinding},
          {in(submit(2)), {"send submit_sm_resp #2 ESME_RINVBNDSTS"}},
          {in(make_header_only(command_id::unbind_resp, 1)), {"close: unbound"}, S::closed},
      });
  run("shutdown before bind", options(), {{call(&session_fsm::request_unbind), {"close: shutting down"}, S::closed}});
}

TEST_CASE("session: timers") {
  run("bind timeout", options(), {{call(&session_fsm::on_bind_timeout), {"close: no bind in time"}, S::closed}});
  run("idle timeout sends enquire_link, closes when unanswered", options(),
      {
          {in(bind_pdu(trx, 1)), {"send bind_transceiver_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                  "bound transceiver test telkomsel"}},
          {call(&session_fsm::on_bind_timeout), {}},
          {call(&session_fsm::on_idle_timeout), {"send enquire_link #1 ESME_ROK"}},
          {in(make_header_only(command_id::enquire_link_resp, 1)), {}},
          {call(&session_fsm::on_idle_timeout), {"send enquire_link #2 ESME_ROK"}},
          {call(&session_fsm::on_idle_timeout), {"close: peer did not answer enquire_link"}, S::closed},
      });
  run("enquire_link response timeout", options(),
      {
          {in(bind_pdu(trx, 1)), {"send bind_transceiver_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                  "bound transceiver test telkomsel"}},
          {call(&session_fsm::on_idle_timeout), {"send enquire_link #1 ESME_ROK"}},
          {response_timeout(1), {"close: peer did not answer enquire_link"}, S::closed},
      });
}

TEST_CASE("session: pushing replies to the peer") {
  run("transceiver takes deliver_sm", options(),
      {
          {in(bind_pdu(trx, 1)), {"send bind_transceiver_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                  "bound transceiver test telkomsel"}},
          {push(reply_sms(), 100), {"send deliver_sm #1 ESME_ROK"}},
          {push(reply_sms(), 101), {"send deliver_sm #2 ESME_ROK"}},
          {push(reply_sms(), 102), {"note: too many requests waiting for the peer #0"}},
          {in(make_message_resp(command_id::deliver_sm, 2, 0, "")), {"done #101 answered ESME_ROK"}},
          {in(make_generic_nack(1, status::esme_rinvcmdlen)), {"done #100 nacked ESME_RINVCMDLEN"}},
          {in(make_message_resp(command_id::deliver_sm, 42, 0, "")), {"note: response matches no request of ours #42"}},
          {push(reply_sms(), 103), {"send deliver_sm #3 ESME_ROK"}},
          {response_timeout(3), {"done #103 timed_out ESME_ROK"}},
          {response_timeout(3), {}},
          {push(reply_sms(), 104), {"send deliver_sm #4 ESME_ROK"}},
          {in(make_message_resp(command_id::deliver_sm, 4, status::esme_rx_t_appn, "")),
           {"done #104 answered ESME_RX_T_APPN"}},
          {push(reply_sms(), 105), {"send deliver_sm #5 ESME_ROK"}},
          {call(&session_fsm::on_transport_closed), {"done #105 session_closed ESME_ROK", "close: connection closed"},
           S::closed},
      });
  run("transmitter cannot receive", options(),
      {
          {in(bind_pdu(tx, 1)), {"send bind_transmitter_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                 "bound transmitter test telkomsel"}},
          {push(reply_sms(), 1), {"note: session is not bound as receiver or transceiver #0"}},
      });
  run("only deliver_sm and data_sm", options(),
      {
          {in(bind_pdu(rx, 1)), {"send bind_receiver_resp #1 ESME_ROK system_id=LAPOR1708 v=34",
                                 "bound receiver test telkomsel"}},
          {push(make_submit_sm(0, mo_body()), 1), {"note: only deliver_sm and data_sm go to a bound ESME #0"}},
      });
}

TEST_CASE("session: our sequence numbers count up per request") {
  session_fsm fsm(options());
  (void)fsm.on_pdu(bind_pdu(trx, 1));
  std::uint32_t last = 0;
  for (std::uint32_t i = 0; i < 5; ++i) {
    auto a = fsm.on_idle_timeout();
    last = std::get<send_pdu>(a.at(0)).message.sequence;
    (void)fsm.on_pdu(make_header_only(command_id::enquire_link_resp, last));
  }
  CHECK(last == 5);
  CHECK(fsm.window_full() == false);
  CHECK(fsm.can_receive());
  CHECK(fsm.operator_name() == "telkomsel");
}
