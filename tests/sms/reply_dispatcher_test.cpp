#include <doctest/doctest.h>

#include "channels/sms/reply_dispatcher.h"

using namespace lapor::sms;
using namespace std::chrono_literals;

namespace {
const auto t0 = reply_dispatcher::clock::time_point{} + 1h;

outgoing_sms reply(std::string op, std::string text, std::uint64_t via = 0) {
  outgoing_sms m;
  m.operator_name = std::move(op);
  m.to = "6281234567890";
  m.text = std::move(text);
  m.via_link = via;
  return m;
}

// Finishes every part of `s` with the same outcome.
std::optional<std::string> finish(reply_dispatcher& d, const reply_send& s, bool ok, bool permanent = false) {
  std::optional<std::string> op;
  for (std::size_t i = 0; i < s.parts.parts.size(); ++i) op = d.part_done(s.token, ok, permanent, t0);
  return op;
}
}  // namespace

TEST_CASE("reply_dispatcher: waits for a bind that can push, then sends on it") {
  reply_dispatcher d(reply_queue_options{}, 2);
  CHECK(d.queue(reply("telkomsel", "LAPOR! a"), t0));
  CHECK(d.take("telkomsel", t0).empty());  // no bind
  d.link_up(1, "telkomsel", false);         // a transmitter bind cannot take replies
  CHECK(d.take("telkomsel", t0).empty());
  d.link_up(2, "indosat", true);  // another operator's bind is no use either
  CHECK(d.take("telkomsel", t0).empty());
  CHECK(d.binds("telkomsel") == 1);
  d.link_up(3, "telkomsel", true);
  auto sends = d.take("telkomsel", t0);
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].link_id == 3);
  CHECK(sends[0].parts.parts.size() == 1);
  CHECK(sends[0].parts.data_coding == 0);
  CHECK(d.queued() == 0);
  CHECK(d.in_flight() == 1);
  CHECK(finish(d, sends[0], true) == "telkomsel");
  CHECK(d.in_flight() == 0);
  CHECK(d.dropped() == 0);
}

TEST_CASE("reply_dispatcher: prefers the MO's bind, respects the per-link window") {
  reply_dispatcher d(reply_queue_options{}, 2);
  d.link_up(1, "tsel", true);
  d.link_up(2, "tsel", true);
  for (int i = 0; i < 5; ++i) CHECK(d.queue(reply("tsel", "r" + std::to_string(i), 2), t0));
  auto sends = d.take("tsel", t0);
  // Two fit on link 2 (preferred), then two on link 1; the fifth waits.
  REQUIRE(sends.size() == 4);
  CHECK(sends[0].link_id == 2);
  CHECK(sends[1].link_id == 2);
  CHECK(sends[2].link_id == 1);
  CHECK(sends[3].link_id == 1);
  CHECK(d.queued() == 1);
  CHECK(finish(d, sends[0], true) == "tsel");
  auto more = d.take("tsel", t0);
  REQUIRE(more.size() == 1);
  CHECK(more[0].sms.text == "r4");
  CHECK(more[0].link_id == 2);
}

TEST_CASE("reply_dispatcher: a long UCS-2 reply goes whole on one link with room for all parts") {
  reply_dispatcher d(reply_queue_options{}, 3);
  d.link_up(1, "tsel", true);
  std::string text;
  for (int i = 0; i < 10; ++i) text += "Laporan diterima — ";  // the dash forces UCS-2: 190 units
  CHECK(d.queue(reply("tsel", text + text), t0));  // 6 parts: more than a link takes at once
  CHECK(d.take("tsel", t0).empty());
  CHECK(d.dropped() == 1);
  CHECK(d.queue(reply("tsel", text), t0));
  auto sends = d.take("tsel", t0);
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].parts.data_coding == 8);
  CHECK(sends[0].parts.udhi);
  const auto n = sends[0].parts.parts.size();
  CHECK(n == 3);
  // Until every part is answered the reply is in flight; one failed part requeues it whole.
  CHECK(d.part_done(sends[0].token, true, false, t0) == "tsel");
  CHECK(d.part_done(sends[0].token, false, false, t0) == "tsel");
  CHECK(d.in_flight() == 1);
  CHECK(d.part_done(sends[0].token, true, false, t0) == "tsel");
  CHECK(d.in_flight() == 0);
  CHECK(d.queued() == 1);
  auto again = d.take("tsel", t0);
  REQUIRE(again.size() == 1);
  CHECK(again[0].sms.attempts == 1);
}

TEST_CASE("reply_dispatcher: transient failures retry on any link, permanent ones drop, attempts end") {
  reply_dispatcher d(reply_queue_options{100, std::chrono::seconds(3600), 2}, 5);
  d.link_up(1, "tsel", true);
  d.link_up(2, "tsel", true);
  CHECK(d.queue(reply("tsel", "a", 1), t0));
  auto s = d.take("tsel", t0);
  REQUIRE(s.size() == 1);
  CHECK(s[0].link_id == 1);
  d.link_down(1);  // the bind closed: the fsm reports session_closed for the part
  CHECK(finish(d, s[0], false) == "tsel");
  s = d.take("tsel", t0);
  REQUIRE(s.size() == 1);
  CHECK(s[0].link_id == 2);  // via_link was cleared: any bind of the operator
  CHECK(finish(d, s[0], false) == "tsel");  // second failure: max_attempts 2 reached
  CHECK(d.take("tsel", t0).empty());
  CHECK(d.dropped() == 1);

  CHECK(d.queue(reply("tsel", "b"), t0));
  s = d.take("tsel", t0);
  REQUIRE(s.size() == 1);
  CHECK(finish(d, s[0], false, true) == "tsel");  // e.g. ESME_RINVDSTADR: not retried
  CHECK(d.queued() == 0);
  CHECK(d.dropped() == 2);
  CHECK_FALSE(d.part_done(999, true, false, t0));  // unknown token
}

TEST_CASE("reply_dispatcher: expiry and a full queue drop, counted") {
  reply_dispatcher d(reply_queue_options{2, std::chrono::seconds(10), 5}, 5);
  CHECK(d.queue(reply("tsel", "a"), t0));
  CHECK(d.queue(reply("tsel", "b"), t0));
  CHECK_FALSE(d.queue(reply("tsel", "c"), t0));
  CHECK(d.expire(t0 + 11s) == 2);
  CHECK(d.dropped() == 3);
  CHECK(d.queued() == 0);
}
