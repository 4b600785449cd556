#include <doctest/doctest.h>

#include "channels/sms/reply_dispatcher.h"

using namespace lapor::sms;
using namespace std::chrono_literals;

namespace {
const auto t0 = reply_dispatcher::clock::time_point{} + 1h;

outgoing_sms reply(std::string op, std::string text, std::uint64_t tag = 1) {
  outgoing_sms m;
  m.tag = tag;
  m.operator_name = std::move(op);
  m.to = "6281234567890";
  m.text = std::move(text);
  m.expires_at = t0 + 1h;
  return m;
}

// Finishes every part of `s` with the same result.
std::optional<std::string> finish(reply_dispatcher& d, const reply_send& s, part_result r,
                                  std::vector<reply_outcome>& out, reply_dispatcher::clock::time_point at = t0) {
  std::optional<std::string> op;
  for (std::size_t i = 0; i < s.parts.parts.size(); ++i) op = d.part_done(s.token, r, at, out);
  return op;
}
}  // namespace

TEST_CASE("reply_dispatcher: waits for a bind that can push, then sends on it; one outcome") {
  reply_dispatcher d(reply_dispatcher_options{2});
  std::vector<reply_outcome> out;
  d.queue(reply("telkomsel", "LAPOR! a", 7));
  CHECK(d.take("telkomsel", t0, out).empty());  // no bind
  d.link_up(1, "telkomsel", false);              // a transmitter bind cannot take replies
  CHECK(d.take("telkomsel", t0, out).empty());
  d.link_up(2, "indosat", true);  // another operator's bind is no use either
  CHECK(d.take("telkomsel", t0, out).empty());
  d.link_up(3, "telkomsel", true);
  auto sends = d.take("telkomsel", t0, out);
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].link_id == 3);
  CHECK(d.queued() == 0);
  CHECK(out.empty());
  CHECK(finish(d, sends[0], part_result::ok, out) == "telkomsel");
  REQUIRE(out.size() == 1);
  CHECK(out[0].tag == 7);
  CHECK(out[0].delivered);
  CHECK(d.in_flight() == 0);
}

TEST_CASE("reply_dispatcher: throttling is 'later': requeued first, bind paused, not an attempt") {
  reply_dispatcher_options o;
  o.max_in_flight = 10;
  o.max_attempts = 2;
  o.throttle_pause_initial = 1000ms;
  reply_dispatcher d(o);
  std::vector<reply_outcome> out;
  d.link_up(1, "tsel", true);
  d.queue(reply("tsel", "a", 1));
  d.queue(reply("tsel", "b", 2));
  for (int round = 0; round < 5; ++round) {  // more throttles than max_attempts: still not given up
    const auto at = t0 + std::chrono::seconds(60 * round);
    auto sends = d.take("tsel", at, out);
    REQUIRE(sends.size() >= 1);
    for (auto& s : sends) finish(d, s, part_result::throttled, out, at);
    CHECK(out.empty());
    // Paused right after the throttle.
    CHECK(d.take("tsel", at + 10ms, out).empty());
    REQUIRE(d.next_wakeup());
    CHECK(*d.next_wakeup() > at);
  }
  auto sends = d.take("tsel", t0 + 1h - 1s, out);
  REQUIRE(sends.size() == 2);
  CHECK(sends[0].sms.tag == 1);  // order kept
  for (auto& s : sends) finish(d, s, part_result::ok, out, t0 + 1h - 1s);
  CHECK(out.size() == 2);
  CHECK(d.throttled() >= 5);
}

TEST_CASE("reply_dispatcher: a burst of throttled resps is one pause, not one per resp") {
  // An operator taking 10/s answers a burst of 23: 10 ok, then 13 ESME_RTHROTTLED. That is
  // one "slow down": the bind pauses once (1 s), not 13 doublings (30 s, past the replies'
  // TTL). Throttled again after the pause, it doubles; a success after the pause resets it.
  reply_dispatcher_options o;
  o.max_in_flight = 50;
  o.throttle_pause_initial = 1000ms;
  o.throttle_pause_max = 30000ms;
  reply_dispatcher d(o);
  std::vector<reply_outcome> out;
  d.link_up(1, "tsel", true);
  for (int i = 0; i < 23; ++i) d.queue(reply("tsel", "r", static_cast<std::uint64_t>(i + 1)));
  auto burst = d.take("tsel", t0, out);
  REQUIRE(burst.size() == 23);
  for (std::size_t i = 0; i < burst.size(); ++i)
    finish(d, burst[i], i < 10 ? part_result::ok : part_result::throttled, out, t0 + 5ms);
  CHECK(out.size() == 10);
  CHECK(d.throttled() == 13);
  CHECK(d.take("tsel", t0 + 900ms, out).empty());  // paused
  REQUIRE(d.next_wakeup());
  CHECK(*d.next_wakeup() == t0 + 5ms + 1000ms);
  auto again = d.take("tsel", t0 + 1005ms, out);
  REQUIRE(again.size() == 13);
  CHECK(again[0].sms.tag == 11);  // in their order

  // Throttled again, every one of them: one pause again, now doubled (2 s).
  for (auto& s : again) finish(d, s, part_result::throttled, out, t0 + 1010ms);
  CHECK(d.take("tsel", t0 + 2900ms, out).empty());
  REQUIRE(d.next_wakeup());
  CHECK(*d.next_wakeup() == t0 + 1010ms + 2000ms);

  // Accepted after the pause: the pause starts from 1 s again at the next throttle.
  auto third = d.take("tsel", t0 + 3010ms, out);
  REQUIRE(third.size() == 13);
  finish(d, third[0], part_result::ok, out, t0 + 3015ms);
  for (std::size_t i = 1; i < third.size(); ++i) finish(d, third[i], part_result::throttled, out, t0 + 3015ms);
  REQUIRE(d.next_wakeup());
  CHECK(*d.next_wakeup() == t0 + 3015ms + 1000ms);
  CHECK(out.size() == 11);
}

TEST_CASE("reply_dispatcher: paces each bind to rate_per_s") {
  reply_dispatcher d(reply_dispatcher_options{100});
  std::vector<reply_outcome> out;
  d.link_up(1, "tsel", true, 10);  // 10/s: a burst of 2, then one per 100 ms
  for (int i = 0; i < 30; ++i) d.queue(reply("tsel", "r", static_cast<std::uint64_t>(i + 1)));
  std::size_t sent = d.take("tsel", t0, out).size();
  CHECK(sent == 2);
  for (int ms = 100; ms <= 1000; ms += 100) sent += d.take("tsel", t0 + std::chrono::milliseconds(ms), out).size();
  CHECK(sent >= 11);
  CHECK(sent <= 13);
  REQUIRE(d.next_wakeup());
}

TEST_CASE("reply_dispatcher: a bind that never answers: the reply moves to another bind") {
  reply_dispatcher d(reply_dispatcher_options{5});
  std::vector<reply_outcome> out;
  d.link_up(1, "tsel", true);
  d.queue(reply("tsel", "a", 9));
  auto s1 = d.take("tsel", t0, out);
  REQUIRE(s1.size() == 1);
  d.link_up(2, "tsel", true);
  finish(d, s1[0], part_result::timed_out, out);
  CHECK(out.empty());
  auto s2 = d.take("tsel", t0, out);
  REQUIRE(s2.size() == 1);
  CHECK(s2[0].link_id == 2);  // not the silent one, although it is now the least busy too
}

TEST_CASE("reply_dispatcher: permanent refusals, attempts and expiry end a reply with a reason") {
  reply_dispatcher_options o;
  o.max_in_flight = 5;
  o.max_attempts = 2;
  reply_dispatcher d(o);
  std::vector<reply_outcome> out;
  d.link_up(1, "tsel", true);
  d.queue(reply("tsel", "perm", 1));
  auto s = d.take("tsel", t0, out);
  REQUIRE(s.size() == 1);
  finish(d, s[0], part_result::permanent, out);
  REQUIRE(out.size() == 1);
  CHECK_FALSE(out[0].delivered);
  out.clear();

  d.queue(reply("tsel", "flaky", 2));
  s = d.take("tsel", t0, out);
  REQUIRE(s.size() == 1);
  finish(d, s[0], part_result::transient, out);
  // A transient error backs off: not again at once (five sends within a millisecond gave an
  // SMSC's hiccup no time), but after the back-off, when next_wakeup says.
  CHECK(d.take("tsel", t0 + 500ms, out).empty());
  REQUIRE(d.next_wakeup());
  CHECK(*d.next_wakeup() >= t0 + 1s);
  s = d.take("tsel", t0 + 1s, out);
  REQUIRE(s.size() == 1);
  finish(d, s[0], part_result::transient, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].tag == 2);
  CHECK(out[0].reason.find("gave up") != std::string::npos);
  out.clear();

  // A reply backing off does not hold back one behind it that never failed: due at once.
  d.queue(reply("tsel", "flaky again", 4));
  s = d.take("tsel", t0 + 2s, out);
  REQUIRE(s.size() == 1);
  finish(d, s[0], part_result::transient, out, t0 + 2s);  // backs off until t0 + 3 s
  d.queue(reply("tsel", "fresh", 5));
  REQUIRE(d.next_wakeup());
  CHECK(*d.next_wakeup() < t0 + 2s);
  s = d.take("tsel", t0 + 2s, out);
  REQUIRE(s.size() == 1);
  CHECK(s[0].sms.tag == 5);
  finish(d, s[0], part_result::ok, out, t0 + 2s);
  REQUIRE(d.next_wakeup());
  CHECK(*d.next_wakeup() >= t0 + 3s);  // only the one backing off is left
  s = d.take("tsel", t0 + 3s, out);
  REQUIRE(s.size() == 1);
  CHECK(s[0].sms.tag == 4);
  finish(d, s[0], part_result::ok, out, t0 + 3s);
  out.clear();

  d.link_down(1);
  d.queue(reply("tsel", "late", 3));
  d.expire(t0 + 2h, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].tag == 3);
  CHECK(out[0].reason.find("expired") != std::string::npos);
  CHECK(d.queued() == 0);
}

TEST_CASE("reply_dispatcher: a long UCS-2 reply goes whole on one link with room for all its parts") {
  reply_dispatcher d(reply_dispatcher_options{3});
  std::vector<reply_outcome> out;
  d.link_up(1, "tsel", true);
  std::string text;
  for (int i = 0; i < 100; ++i) text += "\xC4\x81";  // ā: not in GSM 03.38, so UCS-2: 100 chars = 2 parts
  d.queue(reply("tsel", text, 5));
  auto s = d.take("tsel", t0, out);
  REQUIRE(s.size() == 1);
  CHECK(s[0].parts.parts.size() == 2);
  CHECK(s[0].parts.data_coding == 8);
  CHECK(finish(d, s[0], part_result::ok, out) == "tsel");
  REQUIRE(out.size() == 1);
  CHECK(out[0].delivered);
}

TEST_CASE("reply_dispatcher: can_send and take_queued (a cluster node hands on what it cannot send)") {
  reply_dispatcher d(reply_dispatcher_options{1});
  std::vector<reply_outcome> out;
  d.queue(reply("telkomsel", "LAPOR! a", 1));
  d.queue(reply("telkomsel", "LAPOR! b", 2));
  d.queue(reply("indosat", "LAPOR! c", 3));
  CHECK_FALSE(d.can_send("telkomsel"));
  d.link_up(1, "telkomsel", false);  // a transmitter bind
  CHECK_FALSE(d.can_send("telkomsel"));
  d.link_up(2, "indosat", true);
  CHECK(d.can_send("indosat"));
  CHECK_FALSE(d.can_send("telkomsel"));
  // One of indosat's replies in flight: take_queued leaves it to its resp.
  auto sends = d.take("indosat", t0, out);
  REQUIRE(sends.size() == 1);
  CHECK(d.take_queued("indosat").empty());
  CHECK(d.in_flight() == 1);
  const auto taken = d.take_queued("telkomsel");
  REQUIRE(taken.size() == 2);
  CHECK(taken[0].tag == 1);
  CHECK(taken[1].tag == 2);
  CHECK(d.queued() == 0);
  CHECK(d.operators_waiting().empty());
  CHECK(out.empty());  // handed on is not an outcome
}
