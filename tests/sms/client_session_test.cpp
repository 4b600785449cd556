// session_fsm in the client role (we bind to an operator's SMSC, smpp.clients).
#include <doctest/doctest.h>

#include "channels/sms/session_fsm.h"
#include "channels/sms/smpp_status.h"
#include "tests/sms/samples.h"

using namespace lapor::sms;
using namespace lapor::sms::test;

namespace {

session_options client_options(bind_kind kind = bind_kind::transceiver) {
  session_options o;
  o.window = 2;
  o.max_outstanding = 1;
  // Built in place: copying a local client_bind into the optional made GCC 12 at -O3 report
  // its strings as maybe-uninitialized (a false positive).
  client_bind& c = o.client.emplace();
  c.kind = kind;
  c.credentials.system_id = "lapor";
  c.credentials.password = "pw";
  c.operator_name = "indosat";
  return o;
}

template <class T>
const T* find(const session_actions& a) {
  for (const auto& x : a)
    if (auto* p = std::get_if<T>(&x)) return p;
  return nullptr;
}

// Binds `fsm` (start_bind + a bind_*_resp with status 0) and returns the bind's sequence.
std::uint32_t bind_ok(session_fsm& fsm, bind_kind kind = bind_kind::transceiver) {
  auto out = fsm.start_bind();
  REQUIRE(out.size() == 1);
  const auto* s = find<send_pdu>(out);
  REQUIRE(s != nullptr);
  CHECK(s->message.id == bind_command(kind));
  const auto* b = s->message.get<bind_body>();
  REQUIRE(b != nullptr);
  CHECK(b->system_id == "lapor");
  CHECK(b->password == "pw");
  auto bound = fsm.on_pdu(make_bind_resp(kind, s->message.sequence, status::esme_rok, "SMSC", 0x34));
  const auto* sb = find<session_bound>(bound);
  REQUIRE(sb != nullptr);
  CHECK(sb->operator_name == "indosat");
  CHECK(sb->system_id == "SMSC");
  return s->message.sequence;
}

}  // namespace

TEST_CASE("client: bind, MO as deliver_sm answered after the core, reply as submit_sm, unbind") {
  session_fsm fsm(client_options());
  CHECK(fsm.is_client());
  CHECK(fsm.on_pdu(make_deliver_sm(1, mo_body())).size() == 1);  // before bind: refused
  bind_ok(fsm);
  CHECK(fsm.state() == session_state::bound_trx);
  CHECK(fsm.start_bind().empty());  // once

  auto mo = fsm.on_pdu(make_deliver_sm(7, mo_body("Jalan rusak")));
  const auto* core = find<submit_to_core>(mo);
  REQUIRE(core != nullptr);
  CHECK(core->operator_name == "indosat");
  CHECK(core->message.via == command_id::deliver_sm);
  auto resp = fsm.on_core_answer(core->token, core_answer{status::esme_rok, "LPR-1"});
  const auto* r = find<send_pdu>(resp);
  REQUIRE(r != nullptr);
  CHECK(r->message.id == command_id::deliver_sm_resp);
  CHECK(r->message.sequence == 7);
  CHECK(r->message.status == status::esme_rok);

  // The reply goes out as submit_sm; deliver_sm is refused in this role.
  CHECK_FALSE(fsm.push(make_deliver_sm(0, mo_body()), 5).has_value());
  auto pushed = fsm.push(make_submit_sm(0, mo_body("LAPOR! diterima")), 5);
  REQUIRE(pushed.has_value());
  const auto* sent = find<send_pdu>(*pushed);
  REQUIRE(sent != nullptr);
  CHECK(sent->message.id == command_id::submit_sm);
  auto again = fsm.push(make_submit_sm(0, mo_body("x")), 6);  // max_outstanding 1
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().retry_later);
  message_id_body id;
  id.message_id = "ABC";
  auto done = fsm.on_pdu(pdu{command_id::submit_sm_resp, 0, sent->message.sequence, id});
  const auto* f = find<request_finished>(done);
  REQUIRE(f != nullptr);
  CHECK(f->token == 5);
  CHECK(f->result == request_finished::outcome::answered);
  CHECK(f->message_id == "ABC");

  auto unbind = fsm.request_unbind();
  const auto* u = find<send_pdu>(unbind);
  REQUIRE(u != nullptr);
  CHECK(u->message.id == command_id::unbind);
  auto closed = fsm.on_pdu(make_header_only(command_id::unbind_resp, u->message.sequence));
  CHECK(find<close_session>(closed) != nullptr);
  CHECK(fsm.state() == session_state::closed);
}

TEST_CASE("client: a refused bind closes; an unanswered one times out") {
  session_fsm refused(client_options());
  auto out = refused.start_bind();
  const auto seq = std::get<send_pdu>(out[0]).message.sequence;
  auto r = refused.on_pdu(make_bind_resp(bind_kind::transceiver, seq, status::esme_rinvpaswd, {}, std::nullopt));
  CHECK(find<session_bound>(r) == nullptr);
  CHECK(find<close_session>(r) != nullptr);
  CHECK(refused.state() == session_state::closed);

  session_fsm nacked(client_options());
  out = nacked.start_bind();
  auto n = nacked.on_pdu(make_generic_nack(std::get<send_pdu>(out[0]).message.sequence, status::esme_rinvcmdid));
  CHECK(find<close_session>(n) != nullptr);

  session_fsm silent(client_options());
  (void)silent.start_bind();
  auto t = silent.on_bind_timeout();
  REQUIRE(find<close_session>(t) != nullptr);
  CHECK(find<close_session>(t)->reason == "bind not answered in time");
}

TEST_CASE("client: what an SMSC must not send us") {
  session_fsm fsm(client_options());
  bind_ok(fsm);
  // A bind from the SMSC side.
  auto b = fsm.on_pdu(make_bind(bind_kind::transceiver, 9, bind_body{"x", "y", "", 0x34, 0, 0, ""}));
  REQUIRE(find<send_pdu>(b) != nullptr);
  CHECK(find<send_pdu>(b)->message.id == command_id::generic_nack);
  CHECK(find<send_pdu>(b)->message.status == status::esme_rinvcmdid);
  // submit_sm: SMSCs deliver, they do not submit.
  auto s = fsm.on_pdu(make_submit_sm(10, mo_body()));
  REQUIRE(find<send_pdu>(s) != nullptr);
  CHECK(find<send_pdu>(s)->message.id == command_id::submit_sm_resp);
  CHECK(find<send_pdu>(s)->message.status == status::esme_rinvcmdid);
  CHECK(fsm.state() == session_state::bound_trx);
  // The SMSC's enquire_link is answered.
  auto e = fsm.on_pdu(make_header_only(command_id::enquire_link, 11));
  REQUIRE(find<send_pdu>(e) != nullptr);
  CHECK(find<send_pdu>(e)->message.id == command_id::enquire_link_resp);
}

TEST_CASE("client: receiver binds take MOs and cannot push; the window throttles") {
  session_fsm fsm(client_options(bind_kind::receiver));
  bind_ok(fsm, bind_kind::receiver);
  CHECK(fsm.state() == session_state::bound_rx);
  CHECK_FALSE(fsm.can_push());
  CHECK_FALSE(fsm.push(make_submit_sm(0, mo_body()), 1).has_value());
  auto a = fsm.on_pdu(make_deliver_sm(1, mo_body()));
  auto b = fsm.on_pdu(make_deliver_sm(2, mo_body()));
  CHECK(find<submit_to_core>(a) != nullptr);
  CHECK(find<submit_to_core>(b) != nullptr);
  auto c = fsm.on_pdu(make_deliver_sm(3, mo_body()));  // window 2
  REQUIRE(find<send_pdu>(c) != nullptr);
  CHECK(find<send_pdu>(c)->message.status == status::esme_rthrottled);
}

TEST_CASE("server role is unchanged by the client additions") {
  session_options o;
  o.authenticate = [](const bind_request&) { return bind_decision{status::esme_rok, "telkomsel"}; };
  session_fsm fsm(o);
  CHECK_FALSE(fsm.is_client());
  CHECK(fsm.start_bind().empty());
  (void)fsm.on_pdu(make_bind(bind_kind::transmitter, 1, bind_body{"a", "b", "", 0x34, 0, 0, ""}));
  CHECK(fsm.state() == session_state::bound_tx);
  CHECK_FALSE(fsm.can_push());
  CHECK_FALSE(fsm.push(make_submit_sm(0, mo_body()), 1).has_value());
}
